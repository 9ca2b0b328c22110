//! Behaviour of the plain records and helpers (no store involved).

use std::str::FromStr;

use chrono::{TimeDelta, TimeZone, Utc};
use store_traits::{
    Account, AccountId, AccountStatus, ConversationKind, ConversationState, DecisionKind,
    DeletionOrigin, DeletionReport, DeletionStatus, Draft, DraftId, DraftKind, DraftState, Error,
    FenceToken, Insertion, JobState, KeyId, MediaKind, MessageDirection, ParseEnumError,
    PublishEntry, PublishState, QuotaKind, QuotaLimits, QuotaRequest, QuotaReservation, QuotaUsage,
    RecordKind, ReservationId, SealedToken, SourceKind, SourceStatus, TokenKind, TokenRecord,
    check_draft_transition,
};

fn t(h: u32, m: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, h, m, 0).unwrap()
}

macro_rules! check_enum {
    ($ty:ty) => {
        for value in <$ty>::ALL {
            let text = value.as_str();
            assert_eq!(<$ty>::from_str(text).unwrap(), *value, "{text} parses back");
            assert_eq!(value.to_string(), text);
            assert_eq!(
                serde_json::to_value(value).unwrap(),
                serde_json::json!(text)
            );
            assert_eq!(
                serde_json::from_value::<$ty>(serde_json::json!(text)).unwrap(),
                *value
            );
        }
        let texts: std::collections::HashSet<_> = <$ty>::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(texts.len(), <$ty>::ALL.len(), "stored texts are distinct");
        let err = <$ty>::from_str("No Such Value").unwrap_err();
        assert_eq!(err.value, "No Such Value");
        assert!(serde_json::from_value::<$ty>(serde_json::json!("nope")).is_err());
    };
}

#[test]
fn every_stored_enum_round_trips_through_text_and_serde() {
    check_enum!(AccountStatus);
    check_enum!(TokenKind);
    check_enum!(SourceKind);
    check_enum!(SourceStatus);
    check_enum!(DraftKind);
    check_enum!(DraftState);
    check_enum!(MediaKind);
    check_enum!(ConversationKind);
    check_enum!(ConversationState);
    check_enum!(MessageDirection);
    check_enum!(PublishState);
    check_enum!(QuotaKind);
    check_enum!(JobState);
    check_enum!(DeletionStatus);
    check_enum!(DeletionOrigin);
    check_enum!(DecisionKind);
    check_enum!(RecordKind);
}

#[test]
fn parse_errors_name_the_type() {
    let err: ParseEnumError = DraftState::from_str("published!").unwrap_err();
    assert_eq!(err.type_name, "DraftState");
    assert_eq!(err.to_string(), "unknown DraftState value \"published!\"");
}

#[test]
fn ids_print_parse_and_serialize_as_uuid_strings() {
    let id = AccountId::new();
    let text = id.to_string();
    assert_eq!(text.len(), 36);
    assert_eq!(AccountId::from_str(&text).unwrap(), id);
    assert_eq!(serde_json::to_value(id).unwrap(), serde_json::json!(text));
    assert!(AccountId::from_str("not-a-uuid").is_err());
    assert!(format!("{id:?}").starts_with("AccountId("));
    assert_ne!(AccountId::new(), AccountId::new());
    assert_eq!(
        serde_json::to_value(FenceToken::new(7)).unwrap(),
        serde_json::json!(7)
    );
    assert!(FenceToken::new(8) > FenceToken::new(7));
    let org: store_traits::OrgId = "acme".parse().unwrap();
    assert_eq!((org.as_str(), org.to_string()), ("acme", "acme".to_owned()));
}

#[test]
fn terminal_draft_states() {
    let terminal: Vec<_> = DraftState::ALL.iter().filter(|s| s.is_terminal()).collect();
    assert_eq!(
        terminal,
        vec![
            &DraftState::Published,
            &DraftState::Failed,
            &DraftState::Rejected,
            &DraftState::Unconfirmed,
            &DraftState::Missed
        ]
    );
    assert!(JobState::Running.is_live() && JobState::Queued.is_live());
    assert!(!JobState::Completed.is_live() && !JobState::DeadLettered.is_live());
}

#[test]
fn editing_a_draft_keeps_history() {
    let mut d = Draft::new(AccountId::new(), DraftKind::Post, "one", t(9, 0));
    d.edit_text("two", Some("user:1".into()), t(9, 5));
    d.edit_text("three", None, t(9, 6));
    assert_eq!(d.text, "three");
    assert_eq!(
        d.history
            .iter()
            .map(|e| e.previous_text.as_str())
            .collect::<Vec<_>>(),
        vec!["one", "two"]
    );
    assert_eq!(d.history[0].editor.as_deref(), Some("user:1"));
    assert_eq!(d.updated_at, t(9, 6));
    assert_eq!((d.version, d.fence), (0, None));
}

#[test]
fn missing_scopes_lists_declined_scopes() {
    let mut a = Account::new("1", "u", t(9, 0));
    a.requested_scopes = vec!["a".into(), "b".into(), "c".into()];
    a.granted_scopes = vec!["a".into(), "c".into()];
    assert_eq!(a.missing_scopes(), vec!["b"]);
}

fn sealed(seed: u8) -> SealedToken {
    let mut bytes = vec![1u8, 2, b'k', b'1'];
    bytes.extend_from_slice(&[seed; 12]);
    bytes.extend_from_slice(&[0xAB; 48]);
    SealedToken::from_bytes(&bytes).expect("test fixture")
}

#[test]
fn token_records_never_print_their_ciphertext() {
    let token = sealed(3);
    let record = TokenRecord::new(
        AccountId::new(),
        TokenKind::LongLived,
        token.clone(),
        t(9, 0),
        t(10, 0),
    );
    assert_eq!(record.metadata.key_id, KeyId::new("k1").unwrap());
    let printed = format!("{record:?}");
    let ciphertext = token.to_string();
    assert!(
        !printed.contains(&ciphertext),
        "Debug must not show the ciphertext"
    );
    // No 8-character run of the encoded ciphertext appears either.
    for window in ciphertext.as_bytes().windows(8).skip(8) {
        let piece = std::str::from_utf8(window).unwrap();
        assert!(!printed.contains(piece), "Debug leaks {piece}");
    }
}

fn reservation(
    units: u32,
    reserved: chrono::DateTime<Utc>,
    committed: Option<chrono::DateTime<Utc>>,
    account: AccountId,
) -> QuotaReservation {
    QuotaReservation {
        id: ReservationId::new(),
        account_id: account,
        kind: QuotaKind::Posts,
        units,
        reserved_at: reserved,
        expires_at: reserved + TimeDelta::minutes(15),
        committed_at: committed,
    }
}

fn posts(limit: u32) -> QuotaLimits {
    QuotaLimits {
        posts: limit,
        ..QuotaLimits::threads()
    }
}

#[test]
fn quota_check_counts_the_rolling_window_and_computes_retry_at() {
    let account = AccountId::new();
    let request = QuotaRequest::new(account, QuotaKind::Posts);
    let existing = vec![
        reservation(1, t(1, 0), Some(t(1, 0)), account),
        reservation(1, t(2, 0), Some(t(2, 0)), account),
        reservation(1, t(3, 0), None, account),
        // Ignored: other account, other kind, lapsed.
        reservation(5, t(3, 0), Some(t(3, 0)), AccountId::new()),
        QuotaReservation {
            kind: QuotaKind::Replies,
            ..reservation(5, t(3, 0), None, account)
        },
        reservation(5, t(2, 0), None, account),
    ];
    let now = t(3, 5);
    assert_eq!(
        QuotaUsage::of(
            &existing,
            account,
            QuotaKind::Posts,
            now,
            TimeDelta::hours(24)
        ),
        QuotaUsage {
            committed: 2,
            reserved: 1
        }
    );
    match request.check(&posts(3), &existing, now) {
        Err(Error::QuotaExceeded {
            in_use: 3,
            limit: 3,
            retry_at,
            ..
        }) => assert_eq!(retry_at, Some(t(3, 15))),
        other => panic!("expected QuotaExceeded, got {other:?}"),
    }
    match request.clone().units(2).check(&posts(3), &existing, now) {
        Err(Error::QuotaExceeded { retry_at, .. }) => {
            assert_eq!(retry_at, Some(t(1, 0) + TimeDelta::hours(24)))
        }
        other => panic!("expected QuotaExceeded, got {other:?}"),
    }
    assert_eq!(
        request.check(&posts(4), &existing, now).unwrap().in_use(),
        3
    );
    // The window comes from the limits: with one hour, only the pending unit counts.
    let hourly = QuotaLimits {
        window: TimeDelta::hours(1),
        ..posts(3)
    };
    assert_eq!(request.check(&hourly, &existing, now).unwrap().in_use(), 1);
    assert!(
        matches!(
            request
                .clone()
                .units(u32::MAX)
                .check(&posts(u32::MAX), &existing, now),
            Err(Error::QuotaExceeded {
                retry_at: Some(_),
                ..
            })
        ),
        "no overflow near u32::MAX"
    );
    match request.check(&posts(0), &[], now) {
        Err(Error::QuotaExceeded {
            limit: 0,
            retry_at: None,
            ..
        }) => {}
        other => panic!("a zero limit refuses every request for good, got {other:?}"),
    }
    for bad in [
        request.clone().hold(TimeDelta::zero()),
        request.clone().units(0),
    ] {
        assert!(matches!(
            bad.check(&posts(3), &existing, now),
            Err(Error::InvalidInput(_))
        ));
    }
    let no_window = QuotaLimits {
        window: TimeDelta::zero(),
        ..posts(3)
    };
    assert!(matches!(
        request.check(&no_window, &existing, now),
        Err(Error::InvalidInput(_))
    ));
}

#[test]
fn quota_limits_default_to_meta_s_documented_limits_and_serialize_in_seconds() {
    let limits = QuotaLimits::threads();
    assert_eq!(QuotaLimits::default(), limits);
    assert_eq!(
        (
            limits.limit(QuotaKind::Posts),
            limits.limit(QuotaKind::Replies),
            limits.limit(QuotaKind::Deletes),
            limits.window
        ),
        (250, 1000, 100, TimeDelta::hours(24))
    );
    let json = serde_json::to_value(limits).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"posts": 250, "replies": 1000, "deletes": 100, "window_secs": 86400})
    );
    assert_eq!(serde_json::from_value::<QuotaLimits>(json).unwrap(), limits);
    assert!(
        serde_json::from_value::<QuotaLimits>(serde_json::json!(
            {"posts": 1, "replies": 1, "deletes": 1, "window_secs": i64::MAX}
        ))
        .is_err(),
        "an out-of-range window is a decoding error, not a panic"
    );
    assert!(limits.validate().is_ok());
    let fractional = QuotaLimits {
        window: TimeDelta::milliseconds(1500),
        ..limits
    };
    assert!(matches!(fractional.validate(), Err(Error::InvalidInput(_))));
    let request = QuotaRequest::new(AccountId::new(), QuotaKind::Replies);
    assert_eq!((request.units, request.hold), (1, TimeDelta::minutes(15)));
}

#[test]
fn the_draft_life_cycle_table_covers_every_state_once() {
    let froms: Vec<DraftState> = DraftState::TRANSITIONS.iter().map(|(f, _)| *f).collect();
    assert_eq!(
        froms,
        DraftState::ALL,
        "one row per state, in declaration order"
    );
    for &state in DraftState::ALL {
        assert!(state.can_become(state), "{state} may be rewritten as is");
        assert!(
            !state.next_states().contains(&state),
            "{state} lists itself as a transition"
        );
    }
    assert!(DraftState::Published.next_states().is_empty());
    assert!(!DraftState::Published.can_become(DraftState::Draft));
    assert!(DraftState::Draft.can_become(DraftState::Approved));
    assert!(DraftState::Scheduled.can_become(DraftState::Missed));
    assert!(!DraftState::Draft.can_become(DraftState::Publishing));
    assert!(!DraftState::Failed.can_become(DraftState::Published));
    let err = check_draft_transition("d-1", DraftState::Published, DraftState::Draft).unwrap_err();
    assert!(err.is_invalid_transition());
    assert_eq!(
        err.to_string(),
        "draft d-1 cannot go from state published to state draft"
    );
    assert!(check_draft_transition("d-1", DraftState::Failed, DraftState::Scheduled).is_ok());
}

#[test]
fn terminal_publish_states() {
    let terminal: Vec<PublishState> = PublishState::ALL
        .iter()
        .copied()
        .filter(|s| s.is_terminal())
        .collect();
    assert_eq!(
        terminal,
        vec![
            PublishState::Published,
            PublishState::Failed,
            PublishState::Unconfirmed
        ]
    );
}

#[test]
fn records_written_before_the_new_fields_still_decode() {
    let now = t(9, 0);
    let draft = Draft::new(AccountId::new(), DraftKind::Post, "old", now);
    let mut json = serde_json::to_value(&draft).unwrap();
    let object = json.as_object_mut().unwrap();
    for field in ["parent_draft_id", "chain", "decisions", "quality"] {
        assert!(object.remove(field).is_some(), "{field} is serialized");
    }
    assert_eq!(serde_json::from_value::<Draft>(json).unwrap(), draft);

    let entry = PublishEntry::new(DraftId::new(), AccountId::new(), "h", None, now);
    let mut json = serde_json::to_value(&entry).unwrap();
    let object = json.as_object_mut().unwrap();
    for field in ["quota_reservation", "sent_at", "evidence"] {
        assert!(object.remove(field).is_some(), "{field} is serialized");
    }
    assert_eq!(serde_json::from_value::<PublishEntry>(json).unwrap(), entry);
}

#[test]
fn insertion_and_reports() {
    let new = Insertion::Inserted(1);
    let old = Insertion::Existing(2);
    assert!(new.is_new() && !old.is_new());
    assert_eq!((*new.get(), old.into_inner()), (1, 2));
    let mut report = DeletionReport::default();
    report.deleted.insert(RecordKind::Draft, 3);
    report.deleted.insert(RecordKind::Job, 2);
    assert_eq!(
        (
            report.total(),
            report.count(RecordKind::Draft),
            report.count(RecordKind::Token)
        ),
        (5, 3, 0)
    );
}

#[test]
fn backend_errors_keep_their_source() {
    let io = std::io::Error::other("disk on fire");
    let err = Error::backend("claiming jobs", io);
    assert_eq!(err.to_string(), "storage backend error: claiming jobs");
    let source = std::error::Error::source(&err).expect("source kept");
    assert_eq!(source.to_string(), "disk on fire");
    assert!(Error::not_found(RecordKind::Job, "x").is_not_found());
    let stale = Error::StaleFence {
        kind: RecordKind::Job,
        id: "j".into(),
        presented: FenceToken::new(1),
        current: Some(FenceToken::new(2)),
    };
    assert!(stale.is_stale_fence());
    assert_eq!(
        stale.to_string(),
        "job j: fencing token 1 is stale (current token: 2)"
    );
}
