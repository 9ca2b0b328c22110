//! Group commit on the write connection.
//!
//! With `synchronous = FULL` every commit waits for an `fsync` of the WAL, and
//! that wait, not the SQL, bounds how many writes per second one file takes.
//! So the single-statement writes and the job claims of this process do not
//! commit one by one: while one group runs, new requests wait, and then run
//! together in the next `BEGIN IMMEDIATE ... COMMIT`. One `fsync` covers the
//! whole group. A request that finds nothing running starts a group at once,
//! so an idle store adds no delay.
//!
//! What each caller sees is unchanged:
//! - an answer arrives only after the group's `COMMIT` returned, so a write
//!   reported done is as durable as before;
//! - each statement is still atomic on its own. A constraint error (a unique
//!   key, `NOT NULL`, `CHECK`) undoes only that statement, as in autocommit,
//!   and goes to its caller alone. A failure inside a claim ends the group
//!   (below), so a failed claim leaves nothing half done;
//! - any other error (I/O, disk full, a lock held past the busy timeout) ends
//!   the group: the transaction is rolled back, the request that hit it gets
//!   the error, and every other request of the group runs again in the next
//!   group. A failed `COMMIT` fails every request of the group (none of them
//!   was committed).
//!
//! Groups run on a spawned task, so a caller that stops waiting (a dropped
//! future) does not cancel a group half way; its request still runs.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use sqlx::error::ErrorKind;
use sqlx::{SqliteConnection, SqlitePool};
use store_sql::{DbError, Executor, Query, Row};
use tokio::sync::oneshot;

use crate::exec::{bind, decode, error};

/// The most requests one group commits (a bound on the transaction's size).
const MAX_GROUP: usize = 128;

/// A write that may share a transaction with others.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// A statement; the number of rows it changed.
    Execute(Query),
    /// A statement; every row it returned.
    FetchAll(Query),
    /// A statement; its first row.
    FetchOptional(Query),
    /// Statements that must take effect together or not at all (a claim):
    /// any failure among them ends the group; the rows of its [`Step::Rows`].
    Atomic(Vec<Step>),
}

/// One statement of an [`Op::Atomic`].
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// Runs the query; unless its first column is true, skips the remaining
    /// steps (the op then answers no rows).
    Guard(Query),
    /// Runs the statement.
    Run(Query),
    /// Runs the statement; its rows are the op's answer.
    Rows(Query),
    /// Runs the statement only if the previous [`Step::Rows`] returned rows;
    /// `$1` is bound to their number.
    IfRows(Query),
}

/// The answer to an [`Op`].
#[derive(Debug)]
pub(crate) enum Done {
    /// Rows changed.
    Changed(u64),
    /// Rows returned.
    Rows(Vec<Row>),
    /// The first row returned.
    Row(Option<Row>),
}

type Reply = oneshot::Sender<Result<Done, DbError>>;

struct Pending {
    op: Op,
    reply: Reply,
}

struct Queue {
    pending: VecDeque<Pending>,
    draining: bool,
}

struct Shared {
    pool: SqlitePool,
    queue: Mutex<Queue>,
    /// Groups committed so far (for tests and diagnostics).
    commits: std::sync::atomic::AtomicU64,
}

/// Runs [`Op`]s on the write pool, committing concurrent ones together.
#[derive(Clone)]
pub(crate) struct GroupWriter {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for GroupWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupWriter").finish_non_exhaustive()
    }
}

impl GroupWriter {
    /// Group commits on `pool` (the one-connection write pool).
    pub(crate) fn new(pool: SqlitePool) -> Self {
        Self {
            shared: Arc::new(Shared {
                pool,
                queue: Mutex::new(Queue {
                    pending: VecDeque::new(),
                    draining: false,
                }),
                commits: std::sync::atomic::AtomicU64::new(0),
            }),
        }
    }

    /// Runs `op` in the next group and waits for that group's commit.
    pub(crate) async fn submit(&self, op: Op) -> Result<Done, DbError> {
        let (reply, answer) = oneshot::channel();
        let start = {
            let mut queue = self.lock();
            queue.pending.push_back(Pending { op, reply });
            !std::mem::replace(&mut queue.draining, true)
        };
        if start {
            tokio::spawn(drain(self.shared.clone()));
        }
        answer.await.unwrap_or_else(|_| {
            Err(DbError::new(
                "the group-commit task stopped before answering (it panicked or the runtime shut down)",
            ))
        })
    }

    /// How many groups have committed.
    #[cfg(test)]
    fn commits(&self) -> u64 {
        self.shared
            .commits
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.shared
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Clears the draining flag if the task unwinds, so later requests start a
/// new task (the requests it held are answered with an error when their
/// senders drop).
struct Unwind(Arc<Shared>);

impl Drop for Unwind {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut queue = self.0.queue.lock().unwrap_or_else(PoisonError::into_inner);
            queue.draining = false;
            queue.pending.clear();
        }
    }
}

async fn drain(shared: Arc<Shared>) {
    let _unwind = Unwind(shared.clone());
    loop {
        let group: Vec<Pending> = {
            let mut queue = shared.queue.lock().unwrap_or_else(PoisonError::into_inner);
            if queue.pending.is_empty() {
                queue.draining = false;
                return;
            }
            let n = queue.pending.len().min(MAX_GROUP);
            queue.pending.drain(..n).collect()
        };
        let again = run_group(&shared, group).await;
        if !again.is_empty() {
            let mut queue = shared.queue.lock().unwrap_or_else(PoisonError::into_inner);
            for pending in again.into_iter().rev() {
                queue.pending.push_front(pending);
            }
        }
    }
}

/// Whether a failed statement left the transaction usable (SQLite undid the
/// statement alone).
fn statement_only(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => matches!(
            d.kind(),
            ErrorKind::UniqueViolation
                | ErrorKind::ForeignKeyViolation
                | ErrorKind::NotNullViolation
                | ErrorKind::CheckViolation
        ),
        sqlx::Error::Decode(_)
        | sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnIndexOutOfBounds { .. }
        | sqlx::Error::TypeNotFound { .. } => true,
        _ => false,
    }
}

/// A failure of one op: whether the group can go on.
enum Failure {
    /// Only this op failed; the transaction is intact.
    Op(DbError),
    /// The transaction is unusable (or must not commit).
    Group(DbError),
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        if statement_only(&e) {
            Failure::Op(error(e))
        } else {
            Failure::Group(error(e))
        }
    }
}

/// Runs one group; the requests to run again (after a group-ending error).
async fn run_group(shared: &Shared, group: Vec<Pending>) -> Vec<Pending> {
    let mut tx = match shared.pool.begin_with("BEGIN IMMEDIATE").await {
        Ok(tx) => tx,
        Err(e) => {
            let shared = Arc::new(e);
            for pending in group {
                let _ = pending.reply.send(Err(shared_error(&shared, "starting")));
            }
            return Vec::new();
        }
    };
    let mut answered: Vec<(Pending, Result<Done, DbError>)> = Vec::with_capacity(group.len());
    let mut rest = group.into_iter();
    while let Some(pending) = rest.next() {
        match run_op(&mut tx, &pending.op).await {
            Ok(done) => answered.push((pending, Ok(done))),
            Err(Failure::Op(e)) => answered.push((pending, Err(e))),
            Err(Failure::Group(e)) => {
                drop(tx); // rolls back
                let _ = pending.reply.send(Err(e));
                // Everything else of the group runs again in a new one.
                return answered.into_iter().map(|(p, _)| p).chain(rest).collect();
            }
        }
    }
    match tx.commit().await {
        Ok(()) => {
            shared
                .commits
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            for (pending, answer) in answered {
                let _ = pending.reply.send(answer);
            }
        }
        Err(e) => {
            let shared = Arc::new(e);
            for (pending, _) in answered {
                let _ = pending.reply.send(Err(shared_error(&shared, "committing")));
            }
        }
    }
    Vec::new()
}

async fn run_op(conn: &mut SqliteConnection, op: &Op) -> Result<Done, Failure> {
    match op {
        Op::Execute(q) => {
            let done = bind(q.clone()).execute(&mut *conn).await?;
            Ok(Done::Changed(done.rows_affected()))
        }
        Op::FetchAll(q) => {
            let rows = bind(q.clone()).fetch_all(&mut *conn).await?;
            Ok(Done::Rows(decode_all(&rows)?))
        }
        Op::FetchOptional(q) => {
            let row = bind(q.clone()).fetch_optional(&mut *conn).await?;
            Ok(Done::Row(
                row.as_ref().map(decode).transpose().map_err(Failure::Op)?,
            ))
        }
        // Any failure inside ends the group (rolled back, the others run
        // again), so the steps take effect together or not at all without
        // the cost of a savepoint.
        Op::Atomic(steps) => match run_steps(conn, steps).await {
            Ok(rows) => Ok(Done::Rows(rows)),
            Err(Failure::Op(e) | Failure::Group(e)) => Err(Failure::Group(e)),
        },
    }
}

async fn run_steps(conn: &mut SqliteConnection, steps: &[Step]) -> Result<Vec<Row>, Failure> {
    let mut rows = Vec::new();
    for step in steps {
        match step {
            Step::Guard(q) => {
                let row = bind(q.clone()).fetch_optional(&mut *conn).await?;
                let go = match row.as_ref().map(decode).transpose().map_err(Failure::Op)? {
                    Some(row) => row
                        .get::<bool>(0)
                        .map_err(|e| Failure::Op(DbError::new(e)))?,
                    None => false,
                };
                if !go {
                    return Ok(Vec::new());
                }
            }
            Step::Run(q) => {
                bind(q.clone()).execute(&mut *conn).await?;
            }
            Step::Rows(q) => {
                let raw = bind(q.clone()).fetch_all(&mut *conn).await?;
                rows = decode_all(&raw)?;
            }
            Step::IfRows(q) => {
                if !rows.is_empty() {
                    let n = i64::try_from(rows.len()).unwrap_or(i64::MAX);
                    bind(q.clone().bind(n)).execute(&mut *conn).await?;
                }
            }
        }
    }
    Ok(rows)
}

fn decode_all(rows: &[sqlx::sqlite::SqliteRow]) -> Result<Vec<Row>, Failure> {
    rows.iter()
        .map(decode)
        .collect::<Result<_, _>>()
        .map_err(Failure::Op)
}

/// One driver error shared by every request of a failed group.
#[derive(Debug)]
struct GroupError {
    stage: &'static str,
    source: Arc<sqlx::Error>,
}

impl std::fmt::Display for GroupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} a group commit failed: {}", self.stage, self.source)
    }
}

impl std::error::Error for GroupError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

fn shared_error(e: &Arc<sqlx::Error>, stage: &'static str) -> DbError {
    DbError::new(GroupError {
        stage,
        source: e.clone(),
    })
}

/// [`Executor`] whose statements join the next group commit.
#[derive(Debug)]
pub(crate) struct Grouped<'a>(pub(crate) &'a GroupWriter);

fn wrong_shape() -> DbError {
    DbError::new("the group writer answered with the wrong shape")
}

#[async_trait]
impl Executor for Grouped<'_> {
    async fn execute(&mut self, query: Query) -> Result<u64, DbError> {
        match self.0.submit(Op::Execute(query)).await? {
            Done::Changed(n) => Ok(n),
            _ => Err(wrong_shape()),
        }
    }

    async fn fetch_all(&mut self, query: Query) -> Result<Vec<Row>, DbError> {
        match self.0.submit(Op::FetchAll(query)).await? {
            Done::Rows(rows) => Ok(rows),
            _ => Err(wrong_shape()),
        }
    }

    async fn fetch_optional(&mut self, query: Query) -> Result<Option<Row>, DbError> {
        match self.0.submit(Op::FetchOptional(query)).await? {
            Done::Row(row) => Ok(row),
            _ => Err(wrong_shape()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::SqlitePoolOptions;

    async fn writer() -> GroupWriter {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL) STRICT")
            .execute(&pool)
            .await
            .unwrap();
        GroupWriter::new(pool)
    }

    fn insert(k: &str, v: i64) -> Query {
        Query::new("INSERT INTO t (k, v) VALUES ($1, $2)")
            .bind(k)
            .bind(v)
    }

    async fn count(w: &GroupWriter) -> i64 {
        match w
            .submit(Op::FetchOptional(Query::new("SELECT COUNT(*) FROM t")))
            .await
            .unwrap()
        {
            Done::Row(Some(row)) => row.get::<i64>(0).unwrap(),
            other => panic!("unexpected {other:?}"),
        }
    }

    async fn concurrently(w: &GroupWriter, ops: Vec<Op>) -> Vec<Result<Done, DbError>> {
        let tasks: Vec<_> = ops
            .into_iter()
            .map(|op| {
                let w = w.clone();
                tokio::spawn(async move { w.submit(op).await })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.unwrap());
        }
        out
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writes_share_commits_and_all_land() {
        let w = writer().await;
        let ops = (0..200)
            .map(|i| Op::Execute(insert(&format!("k{i}"), i)))
            .collect();
        for answer in concurrently(&w, ops).await {
            assert!(matches!(answer, Ok(Done::Changed(1))), "{answer:?}");
        }
        assert_eq!(count(&w).await, 200);
        let commits = w.commits();
        assert!(
            commits < 200,
            "200 concurrent writes should share commits, took {commits}"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_constraint_error_fails_only_its_own_statement() {
        let w = writer().await;
        w.submit(Op::Execute(insert("taken", 1))).await.unwrap();
        let mut ops: Vec<Op> = (0..20)
            .map(|i| Op::Execute(insert(&format!("k{i}"), i)))
            .collect();
        ops.insert(10, Op::Execute(insert("taken", 2)));
        let answers = concurrently(&w, ops).await;
        for (i, answer) in answers.iter().enumerate() {
            if i == 10 {
                let e = answer.as_ref().unwrap_err();
                assert!(e.is_unique_violation(), "{e}");
            } else {
                assert!(matches!(answer, Ok(Done::Changed(1))), "{i}: {answer:?}");
            }
        }
        assert_eq!(count(&w).await, 21);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_failed_atomic_op_leaves_nothing_behind() {
        let w = writer().await;
        w.submit(Op::Execute(insert("taken", 1))).await.unwrap();
        let atomic = Op::Atomic(vec![
            Step::Run(insert("first", 1)),
            Step::Run(insert("taken", 2)),
        ]);
        let others = (0..10).map(|i| Op::Execute(insert(&format!("k{i}"), i)));
        let answers = concurrently(&w, std::iter::once(atomic).chain(others).collect()).await;
        assert!(answers[0].as_ref().unwrap_err().is_unique_violation());
        assert!(
            answers[1..]
                .iter()
                .all(|a| matches!(a, Ok(Done::Changed(1))))
        );
        let first = w
            .submit(Op::FetchOptional(Query::new(
                "SELECT v FROM t WHERE k = 'first'",
            )))
            .await
            .unwrap();
        assert!(
            matches!(first, Done::Row(None)),
            "the failed op must leave its first statement undone: {first:?}"
        );
        assert_eq!(count(&w).await, 11);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_group_ending_error_reruns_the_rest_of_the_group() {
        let w = writer().await;
        // A statement SQLite rejects outright is treated as group-ending: the
        // group rolls back and everything else runs again.
        let mut ops: Vec<Op> = (0..30)
            .map(|i| Op::Execute(insert(&format!("k{i}"), i)))
            .collect();
        ops.insert(
            15,
            Op::Execute(Query::new("INSERT INTO missing_table VALUES (1)")),
        );
        let answers = concurrently(&w, ops).await;
        for (i, answer) in answers.iter().enumerate() {
            if i == 15 {
                assert!(answer.is_err());
            } else {
                assert!(matches!(answer, Ok(Done::Changed(1))), "{i}: {answer:?}");
            }
        }
        assert_eq!(count(&w).await, 30);
    }

    #[tokio::test]
    async fn steps_stop_at_a_false_guard_and_rows_drive_if_rows() {
        let w = writer().await;
        let guarded = Op::Atomic(vec![
            Step::Guard(Query::new("SELECT EXISTS (SELECT 1 FROM t)")),
            Step::Run(insert("never", 1)),
        ]);
        assert!(matches!(w.submit(guarded).await.unwrap(), Done::Rows(r) if r.is_empty()));
        assert_eq!(count(&w).await, 0);

        w.submit(Op::Execute(insert("a", 1))).await.unwrap();
        let claim_like = Op::Atomic(vec![
            Step::Guard(Query::new("SELECT EXISTS (SELECT 1 FROM t)")),
            Step::Rows(Query::new("UPDATE t SET v = v + 1 RETURNING k, v")),
            Step::IfRows(Query::new("INSERT INTO t (k, v) VALUES ('count', $1)")),
        ]);
        match w.submit(claim_like).await.unwrap() {
            Done::Rows(rows) => {
                assert_eq!(rows.len(), 1);
                assert_eq!(rows[0].get::<String>(0).unwrap(), "a");
                assert_eq!(rows[0].get::<i64>(1).unwrap(), 2);
            }
            other => panic!("unexpected {other:?}"),
        }
        let n = w
            .submit(Op::FetchOptional(Query::new(
                "SELECT v FROM t WHERE k = 'count'",
            )))
            .await
            .unwrap();
        assert!(matches!(n, Done::Row(Some(row)) if row.get::<i64>(0).unwrap() == 1));
    }

    #[tokio::test]
    async fn a_dropped_caller_does_not_cancel_its_write() {
        let w = writer().await;
        // Polled once (the write is queued, the group task spawned but not yet
        // run on this single-threaded runtime), then dropped.
        let mut caller = Box::pin(w.submit(Op::Execute(insert("orphan", 1))));
        let first =
            std::future::poll_fn(|cx| std::task::Poll::Ready(caller.as_mut().poll(cx))).await;
        assert!(first.is_pending(), "the answer cannot be there yet");
        drop(caller);
        // A later write runs after it; once that is answered the orphan is in.
        w.submit(Op::Execute(insert("later", 2))).await.unwrap();
        assert_eq!(count(&w).await, 2);
    }
}
