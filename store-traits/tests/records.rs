//! Behaviour of the plain records and helpers (no store involved).

use std::str::FromStr;

use chrono::{TimeDelta, TimeZone, Utc};
use store_traits::{
    Account, AccountId, AccountStatus, ConversationKind, ConversationState, DeletionOrigin,
    DeletionReport, DeletionStatus, Draft, DraftKind, DraftState, Error, FenceToken, Insertion,
    JobState, KeyId, MediaKind, MessageDirection, ParseEnumError, PublishState, QuotaKind,
    QuotaRequest, QuotaReservation, QuotaUsage, RecordKind, ReservationId, SealedToken, SourceKind,
    SourceStatus, TokenKind, TokenRecord,
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
    SealedToken::from_bytes(&bytes).unwrap()
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

#[test]
fn quota_check_counts_the_rolling_window_and_computes_retry_at() {
    let account = AccountId::new();
    let request = QuotaRequest {
        limit: 3,
        ..QuotaRequest::threads(account, QuotaKind::Posts)
    };
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
    match request.check(&existing, now) {
        Err(Error::QuotaExceeded {
            in_use: 3,
            retry_at,
            ..
        }) => assert_eq!(retry_at, Some(t(3, 15))),
        other => panic!("expected QuotaExceeded, got {other:?}"),
    }
    let two = QuotaRequest {
        units: 2,
        ..request.clone()
    };
    match two.check(&existing, now) {
        Err(Error::QuotaExceeded { retry_at, .. }) => {
            assert_eq!(retry_at, Some(t(1, 0) + TimeDelta::hours(24)))
        }
        other => panic!("expected QuotaExceeded, got {other:?}"),
    }
    let roomy = QuotaRequest {
        limit: 4,
        ..request.clone()
    };
    assert_eq!(roomy.check(&existing, now).unwrap().in_use(), 3);
    let huge = QuotaRequest {
        units: u32::MAX,
        limit: u32::MAX,
        ..request.clone()
    };
    assert!(
        matches!(
            huge.check(&existing, now),
            Err(Error::QuotaExceeded {
                retry_at: Some(_),
                ..
            })
        ),
        "no overflow near u32::MAX"
    );
    let bad_hold = QuotaRequest {
        hold: TimeDelta::zero(),
        ..request
    };
    assert!(matches!(
        bad_hold.check(&existing, now),
        Err(Error::InvalidInput(_))
    ));
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
