//! Roles: every operation, for every role and the system, allowed or refused
//! exactly as the permission table says; refusals write nothing; allowed
//! operations leave an audit event naming the actor; organisations are kept
//! apart.

mod common;

use chrono::TimeDelta;
use common::Harness;
use content_pipeline::{
    Actor, ConnectRequest, Connected, Denial, Error, GenerateRequest, Moderation, NewDraft,
    Operation, PostId, Role, When,
};
use store_traits::{AccountId, AuditEvent, AuditQuery, Clock, Draft, DraftKind, DraftState, OrgId};
use threads_emulator::{PostAs, UserSpec};

/// Who acts in a case: a person with a role, or the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subject {
    Person(Role),
    System,
}

const SUBJECTS: [Subject; 5] = [
    Subject::Person(Role::Owner),
    Subject::Person(Role::Admin),
    Subject::Person(Role::Editor),
    Subject::Person(Role::Viewer),
    Subject::System,
];

impl Subject {
    fn actor(self) -> Actor {
        match self {
            Subject::Person(role) => Actor::person(format!("p-{}", role.as_str()), role),
            Subject::System => Actor::system(),
        }
    }

    fn column(self) -> usize {
        match self {
            Subject::Person(Role::Owner) => 0,
            Subject::Person(Role::Admin) => 1,
            Subject::Person(Role::Editor) => 2,
            Subject::Person(Role::Viewer) => 3,
            Subject::System => 4,
            Subject::Person(other) => panic!("unknown role {other:?}"),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Subject::Person(role) => role.as_str(),
            Subject::System => "system",
        }
    }
}

/// The intended rules, written out here independently of the crate's table.
/// Columns: owner, admin, editor, viewer, system.
const EXPECTED: [(Operation, [bool; 5]); 14] = [
    (Operation::View, [true, true, true, true, true]),
    (Operation::CreateDraft, [true, true, true, false, true]),
    (Operation::EditDraft, [true, true, true, false, false]),
    (Operation::Approve, [true, true, true, false, true]),
    (Operation::Reject, [true, true, true, false, false]),
    (Operation::Schedule, [true, true, true, false, true]),
    (Operation::Moderate, [true, true, true, false, true]),
    (Operation::EditPersona, [true, true, false, false, true]),
    (Operation::ChangePolicy, [true, true, false, false, false]),
    (Operation::Connect, [true, true, false, false, true]),
    (Operation::Disconnect, [true, true, false, false, true]),
    (Operation::Pause, [true, true, false, false, false]),
    (Operation::Export, [true, true, false, false, false]),
    (Operation::DeleteAccount, [true, false, false, false, true]),
];

fn expected(op: Operation, subject: Subject) -> bool {
    EXPECTED
        .iter()
        .find(|(o, _)| *o == op)
        .map(|(_, row)| row[subject.column()])
        .unwrap_or_else(|| panic!("{op} missing from the expected table"))
}

/// The permission table as the crate's documentation shows it.
fn documented_table() -> Vec<(String, Vec<bool>)> {
    let source = include_str!("../src/roles.rs");
    source
        .lines()
        .filter_map(|line| line.strip_prefix("/// | "))
        .filter_map(|row| {
            let cells: Vec<&str> = row
                .trim_end_matches('|')
                .split('|')
                .map(str::trim)
                .collect();
            let op = cells.first()?;
            if !Operation::ALL.iter().any(|o| o.as_str() == *op) || cells.len() != 6 {
                return None;
            }
            let marks = cells[1..]
                .iter()
                .map(|c| match *c {
                    "✓" => true,
                    "–" => false,
                    other => panic!("unexpected mark {other:?} in the documented table"),
                })
                .collect();
            Some(((*op).to_owned(), marks))
        })
        .collect()
}

#[test]
fn the_documented_table_the_code_and_the_intended_rules_agree() {
    let documented = documented_table();
    assert_eq!(
        documented.len(),
        Operation::ALL.len(),
        "one documented row per operation: {documented:?}"
    );
    for (op, row) in &EXPECTED {
        let doc = documented
            .iter()
            .find(|(name, _)| name == op.as_str())
            .unwrap_or_else(|| panic!("{op} not documented"));
        assert_eq!(&doc.1, &row.to_vec(), "documented row of {op}");
        for subject in SUBJECTS {
            let actor = subject.actor();
            assert_eq!(
                actor.may(*op),
                row[subject.column()],
                "{} may {op}",
                subject.label()
            );
            assert_eq!(actor.ensure(*op).is_ok(), row[subject.column()]);
        }
    }
    // A person without a role may do nothing, whatever their id.
    let nobody = Actor {
        id: "someone".into(),
        role: None,
        org_id: None,
    };
    assert!(Operation::ALL.iter().all(|op| !nobody.may(*op)));
}

/// Creates `username` on the emulator and connects it with `request`.
async fn connect_with(
    h: &Harness,
    username: &str,
    request: ConnectRequest,
) -> Result<Connected, Error> {
    let admin = h.emu.admin();
    let user = admin
        .create_user(UserSpec {
            username: username.into(),
            biography: "Bakes bread.".into(),
            ..UserSpec::default()
        })
        .expect("user");
    admin
        .post_as(PostAs {
            author: user.id.clone(),
            text: Some("rye starter is slower but worth it".into()),
            ..PostAs::default()
        })
        .expect("post");
    admin.set_authorizer(&user.id).expect("authorizer");
    let session = request.session.clone();
    let start = h.pipeline.start_connect(request).await?;
    let callback = h.consent(&start.authorize_url).await;
    h.pipeline.finish_connect(&callback, &session).await
}

/// A reply by a fan under a fresh post of `username` (on the emulator only:
/// the store does not see it).
async fn reply_to_account(h: &Harness, username: &str) -> PostId {
    let admin = h.emu.admin();
    let post = admin
        .post_as(PostAs {
            author: username.into(),
            text: Some("proofing overnight in the fridge".into()),
            ..PostAs::default()
        })
        .expect("post");
    let fan = admin
        .create_user(UserSpec {
            username: format!("{username}_fan"),
            ..UserSpec::default()
        })
        .expect("fan");
    let reply = admin
        .post_as(PostAs {
            author: fan.id,
            text: Some("what flour do you use?".into()),
            reply_to: Some(post),
            ..PostAs::default()
        })
        .expect("reply");
    PostId::new(reply)
}

/// Everything the store holds about an account, plus the whole audit log:
/// equal before and after a refused call.
async fn snapshot(h: &Harness, account: Option<AccountId>) -> String {
    let audit = h
        .store
        .list_audit(&AuditQuery::default())
        .await
        .expect("test step");
    let export = match account {
        Some(a) => serde_json::to_string(&h.store.export_account(a).await.expect("test step"))
            .expect("test step"),
        None => String::new(),
    };
    let accounts = h
        .store
        .list_accounts(&store_traits::AccountFilter::default())
        .await
        .expect("test step");
    format!(
        "{}\n{export}\n{}",
        serde_json::to_string(&audit).expect("test step"),
        serde_json::to_string(&accounts).expect("test step")
    )
}

async fn audit_ids(h: &Harness) -> Vec<AuditEvent> {
    h.store
        .list_audit(&AuditQuery::default())
        .await
        .expect("test step")
}

/// A pending, an approved and an unsubmitted draft of the account, made by
/// the system.
async fn fixtures(h: &Harness, account: AccountId) -> (Draft, Draft, Draft) {
    let system = Actor::system();
    let pending = h
        .pipeline
        .create_draft(
            NewDraft::post(
                account,
                "Fed the starter twice today and it finally doubled.",
            ),
            &system,
        )
        .await
        .expect("pending fixture")
        .draft;
    assert_eq!(pending.state, DraftState::PendingApproval);
    let approved = h
        .pipeline
        .create_draft(
            NewDraft::post(account, "Rye loaves need a longer proof than wheat ones."),
            &system,
        )
        .await
        .expect("approved fixture")
        .draft;
    let approved = h
        .pipeline
        .approve(approved.id, &system)
        .await
        .expect("approve fixture");
    let unsubmitted = Draft::new(
        account,
        DraftKind::Post,
        "Weigh the water, cups lie.",
        h.clock.now(),
    );
    h.store.insert_draft(&unsubmitted).await.expect("insert");
    (pending, approved, unsubmitted)
}

fn ok<T>(result: Result<T, Error>) -> Result<(), Error> {
    result.map(|_| ())
}

/// Runs `op` as `subject`'s actor on fresh records; returns one result per
/// pipeline call that performs the operation (none for operations the
/// pipeline does not have).
async fn attempt(h: &Harness, subject: Subject, op: Operation) -> Vec<Result<(), Error>> {
    let actor = subject.actor();
    let name = format!("{}_{}", subject.label(), op.as_str());
    if op == Operation::Connect {
        let before = snapshot(h, None).await;
        let request = ConnectRequest::new(format!("s-{name}")).by(&actor);
        let result = connect_with(h, &name, request).await.map(|_| ());
        if result.is_err() {
            assert_eq!(before, snapshot(h, None).await, "{name}: a refusal wrote");
        }
        return vec![result];
    }
    if matches!(op, Operation::View | Operation::ChangePolicy) {
        return Vec::new();
    }
    let account = h.connect(&name).await.account.id;
    let (pending, approved, unsubmitted) = fixtures(h, account).await;
    let before = snapshot(h, Some(account)).await;
    let p = &h.pipeline;
    let results = match op {
        Operation::CreateDraft => vec![
            ok(
                p.create_draft(NewDraft::post(account, "A new loaf every Sunday."), &actor)
                    .await,
            ),
            ok(
                p.generate_draft(GenerateRequest::topic(account, "crumb"), &actor)
                    .await,
            ),
            ok(p.submit(unsubmitted.id, &actor).await),
        ],
        Operation::EditDraft => vec![ok(p
            .edit(pending.id, &actor, "Fed the starter three times today.")
            .await)],
        Operation::Approve => vec![ok(p.approve(pending.id, &actor).await)],
        Operation::Reject => vec![ok(p.reject(pending.id, &actor, "not our voice").await)],
        Operation::Schedule => vec![ok(p
            .schedule(
                approved.id,
                When::At {
                    at: h.clock.now() + TimeDelta::hours(3),
                },
                &actor,
            )
            .await)],
        Operation::Moderate => {
            let reply = reply_to_account(h, &name).await;
            vec![p.moderate(account, &reply, Moderation::Hide, &actor).await]
        }
        Operation::EditPersona => {
            let mut persona = p
                .persona(account)
                .await
                .expect("test step")
                .expect("bootstrapped persona")
                .persona;
            persona.tone = "dry, practical".into();
            vec![ok(p.update_persona(account, persona, &actor).await)]
        }
        Operation::Disconnect => vec![p.disconnect(account, &actor).await],
        Operation::Pause => vec![ok(p.set_paused(account, true, &actor).await)],
        Operation::Export => vec![ok(p.export_account(account, &actor).await)],
        Operation::DeleteAccount => vec![ok(p.delete_account(account, &actor).await)],
        other => panic!("no case for {other}"),
    };
    if results.iter().all(Result::is_err) {
        assert_eq!(
            before,
            snapshot(h, Some(account)).await,
            "{name}: a refusal wrote something"
        );
    }
    results
}

#[tokio::test]
async fn every_subject_is_allowed_or_refused_on_every_operation_as_the_table_says() {
    for subject in SUBJECTS {
        let h = Harness::new().await;
        let actor = subject.actor();
        for op in Operation::ALL {
            let allowed = expected(op, subject);
            let events_before = audit_ids(&h).await;
            let results = attempt(&h, subject, op).await;
            if results.is_empty() {
                // No pipeline operation: the host checks it with the table.
                assert_eq!(actor.may(op), allowed, "{} {op}", subject.label());
                continue;
            }
            for result in &results {
                match (allowed, result) {
                    (true, Ok(())) => {}
                    (false, Err(Error::Forbidden(f))) => {
                        assert_eq!(f.operation, op);
                        assert_eq!(f.denial, Denial::Role);
                        assert_eq!(f.actor, actor.audit_name());
                    }
                    (want, got) => panic!(
                        "{} {op}: expected {}, got {got:?}",
                        subject.label(),
                        if want { "success" } else { "a refusal" }
                    ),
                }
            }
            if allowed {
                // The operation left an audit event naming the actor.
                let after = audit_ids(&h).await;
                let named = after
                    .iter()
                    .filter(|e| !events_before.iter().any(|b| b.id == e.id))
                    .any(|e| e.actor == actor.audit_name());
                assert!(
                    named,
                    "{} {op}: no audit event names {}",
                    subject.label(),
                    actor.audit_name()
                );
            }
        }
    }
}

#[tokio::test]
async fn organisations_are_kept_apart_and_refusals_write_nothing() {
    let h = Harness::new().await;
    let org_a = OrgId::new("org-a");
    let org_b = OrgId::new("org-b");
    let owner_b = Actor::person("bea", Role::Owner).in_org(org_b.clone());
    let connected = connect_with(&h, "org_b_account", ConnectRequest::new("s-b").by(&owner_b))
        .await
        .expect("connect in org B");
    let account = connected.account.id;
    assert_eq!(connected.account.org_id, Some(org_b.clone()));
    let connected_event = audit_ids(&h)
        .await
        .into_iter()
        .find(|e| e.action == "account.connected")
        .expect("connected event");
    assert_eq!(connected_event.actor, "user:bea");
    assert_eq!(connected_event.org_id, Some(org_b.clone()));

    let (pending, approved, unsubmitted) = fixtures(&h, account).await;
    let reply = reply_to_account(&h, "org_b_account").await;
    let strangers = [
        Actor::person("amy", Role::Owner).in_org(org_a),
        Actor::person("nora", Role::Owner),
    ];
    for stranger in &strangers {
        let before = snapshot(&h, Some(account)).await;
        let p = &h.pipeline;
        let mut persona = p
            .persona(account)
            .await
            .expect("test step")
            .expect("persona")
            .persona;
        persona.tone = "loud".into();
        let results: Vec<(Operation, Result<(), Error>)> = vec![
            (
                Operation::CreateDraft,
                p.create_draft(NewDraft::post(account, "Not mine to write."), stranger)
                    .await
                    .map(|_| ()),
            ),
            (
                Operation::CreateDraft,
                p.generate_draft(GenerateRequest::topic(account, "bread"), stranger)
                    .await
                    .map(|_| ()),
            ),
            (
                Operation::CreateDraft,
                p.submit(unsubmitted.id, stranger).await.map(|_| ()),
            ),
            (
                Operation::EditDraft,
                p.edit(pending.id, stranger, "hijacked").await.map(|_| ()),
            ),
            (
                Operation::Approve,
                p.approve(pending.id, stranger).await.map(|_| ()),
            ),
            (
                Operation::Reject,
                p.reject(pending.id, stranger, "no").await.map(|_| ()),
            ),
            (
                Operation::Schedule,
                p.schedule(approved.id, When::Now, stranger)
                    .await
                    .map(|_| ()),
            ),
            (
                Operation::Moderate,
                p.moderate(account, &reply, Moderation::Hide, stranger)
                    .await,
            ),
            (
                Operation::EditPersona,
                p.update_persona(account, persona, stranger)
                    .await
                    .map(|_| ()),
            ),
            (Operation::Disconnect, p.disconnect(account, stranger).await),
            (
                Operation::Pause,
                p.set_paused(account, true, stranger).await.map(|_| ()),
            ),
            (
                Operation::Export,
                p.export_account(account, stranger).await.map(|_| ()),
            ),
            (
                Operation::DeleteAccount,
                p.delete_account(account, stranger).await.map(|_| ()),
            ),
        ];
        for (op, result) in results {
            match result {
                Err(Error::Forbidden(f)) => {
                    assert_eq!(f.operation, op);
                    assert_eq!(f.denial, Denial::Organisation, "{op} by {stranger}");
                }
                other => panic!("{op} by {stranger}: expected a refusal, got {other:?}"),
            }
        }
        assert_eq!(
            before,
            snapshot(&h, Some(account)).await,
            "refusals wrote something"
        );
    }

    // The account's own organisation may.
    let editor_b = Actor::person("eli", Role::Editor).in_org(org_b);
    let decided = h
        .pipeline
        .approve(pending.id, &editor_b)
        .await
        .expect("test step");
    assert_eq!(decided.state, DraftState::Approved);
    assert!(
        audit_ids(&h)
            .await
            .iter()
            .any(|e| e.actor == "user:eli" && e.action == "draft.transition")
    );
}

#[tokio::test]
async fn a_login_without_a_role_is_refused_before_anything_is_written() {
    let h = Harness::new().await;
    let before = snapshot(&h, None).await;
    let refused = h
        .pipeline
        .start_connect(ConnectRequest::new("s").user("walk-in"))
        .await;
    match refused {
        Err(Error::Forbidden(f)) => {
            assert_eq!(f.operation, Operation::Connect);
            assert_eq!(f.actor, "user:walk-in");
            assert_eq!(f.role, None);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let viewer = Actor::person("vic", Role::Viewer);
    assert!(matches!(
        h.pipeline
            .start_connect(ConnectRequest::new("s").by(&viewer))
            .await,
        Err(Error::Forbidden(_))
    ));
    assert_eq!(before, snapshot(&h, None).await);

    // An admin's login finishes as the admin: the role travelled in the
    // signed state.
    let admin = Actor::person("ada", Role::Admin);
    let connected = connect_with(&h, "by_admin", ConnectRequest::new("s2").by(&admin))
        .await
        .expect("admin connects");
    let events = h
        .store
        .list_audit(&AuditQuery {
            account_id: Some(connected.account.id),
            ..AuditQuery::default()
        })
        .await
        .expect("test step");
    assert!(
        events
            .iter()
            .any(|e| e.action == "account.connected" && e.actor == "user:ada")
    );
}
