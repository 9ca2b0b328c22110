//! How to open a store: location, durability, timeouts, pool size.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// How hard SQLite works to make a commit survive a power cut (`PRAGMA synchronous`).
///
/// The store always runs in WAL mode (except in memory). The trade-off:
///
/// | setting | survives a process crash | survives power loss / OS crash | cost |
/// |---|---|---|---|
/// | [`Full`](Synchronous::Full) (default) | every committed transaction | every committed transaction | one `fsync` of the WAL per commit |
/// | [`Normal`](Synchronous::Normal) | every committed transaction | the database stays consistent, but the last transactions before the cut may be rolled back | `fsync` only at checkpoints |
///
/// A scheduler that must never forget a post it reported as scheduled wants
/// `Full`. `Normal` is several times faster on slow disks and is a reasonable
/// choice when the host can re-create recent work after a power loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Synchronous {
    /// `PRAGMA synchronous = FULL`: a commit is on disk when it returns.
    #[default]
    Full,
    /// `PRAGMA synchronous = NORMAL`: a commit survives a crash of the process,
    /// not necessarily of the machine.
    Normal,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    File(PathBuf),
    Memory,
}

impl Location {
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::File(path) => path.display().to_string(),
            Self::Memory => ":memory:".to_owned(),
        }
    }
}

/// Options for [`SqliteStore::connect`](crate::SqliteStore::connect).
///
/// ```
/// use std::time::Duration;
/// use store_sqlite::{SqliteStoreOptions, Synchronous};
///
/// let options = SqliteStoreOptions::file("/var/lib/myapp/threads.db")
///     .synchronous(Synchronous::Full)
///     .busy_timeout(Duration::from_secs(30))
///     .read_connections(4);
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteStoreOptions {
    pub(crate) location: Location,
    pub(crate) synchronous: Synchronous,
    pub(crate) busy_timeout: Duration,
    pub(crate) read_connections: u32,
    pub(crate) create_if_missing: bool,
}

impl SqliteStoreOptions {
    /// A database file (created if missing, unless
    /// [`create_if_missing(false)`](Self::create_if_missing)).
    pub fn file(path: impl AsRef<Path>) -> Self {
        Self::with_location(Location::File(path.as_ref().to_path_buf()))
    }

    /// A private in-memory database: gone when the store is dropped, invisible to
    /// other processes, and served by a single connection.
    pub fn in_memory() -> Self {
        Self::with_location(Location::Memory)
    }

    fn with_location(location: Location) -> Self {
        Self {
            location,
            synchronous: Synchronous::Full,
            busy_timeout: Duration::from_secs(10),
            read_connections: 4,
            create_if_missing: true,
        }
    }

    /// Durability of commits (default [`Synchronous::Full`]).
    pub fn synchronous(mut self, synchronous: Synchronous) -> Self {
        self.synchronous = synchronous;
        self
    }

    /// How long a statement waits for another process's write lock before failing
    /// with "database is locked" (default 10 s). Writers of one process queue in
    /// the store itself and do not count against it.
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Connections used for reads (default 4, at least 1). Writes always go
    /// through one dedicated connection, because SQLite has one writer at a time.
    /// Ignored in memory (one connection does everything).
    pub fn read_connections(mut self, n: u32) -> Self {
        self.read_connections = n;
        self
    }

    /// Whether a missing database file is created (default `true`).
    pub fn create_if_missing(mut self, create: bool) -> Self {
        self.create_if_missing = create;
        self
    }
}
