//! Bad input: a non-zero exit, a message saying what is wrong, and a hint
//! saying what to do.

mod common;

use common::{Session, bare, draft_id};
use predicates::prelude::*;

#[test]
fn unknown_commands_and_options_exit_with_2() {
    bare()
        .arg("frobnicate")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unrecognized subcommand 'frobnicate'",
        ));
    bare()
        .args(["accounts", "--colour"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unexpected argument '--colour'"));
    bare()
        .args(["--api", "mastodon", "accounts"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid value 'mastodon'"));
}

#[test]
fn a_draft_needs_text_or_generate() {
    bare()
        .arg("draft")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "required arguments were not provided",
        ));
    bare()
        .args(["draft", "--generate"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--topic"));
}

#[test]
fn bad_times_are_refused_by_the_parser() {
    for (at, says) in [
        ("tomorrow", "is not a time"),
        ("+2y", "is not an offset"),
        ("+0h", "more than zero"),
        ("+400d", "at most 366 days"),
    ] {
        bare()
            .args([
                "schedule",
                "01a242c3-ca23-7279-80a0-5d2194c8d82e",
                "--at",
                at,
            ])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says));
    }
    bare()
        .args(["schedule", "01a242c3-ca23-7279-80a0-5d2194c8d82e"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--at <TIME>|--next-slot"));
}

#[test]
fn commands_without_an_account_say_how_to_connect_one() {
    let s = Session::new();
    s.threads(&["draft", "hello"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("error: no account is connected"))
        .stderr(predicate::str::contains(
            "hint: connect one with `threads connect`",
        ));
    s.ok(&["accounts"]);
    s.threads(&["accounts"])
        .assert()
        .stdout(predicate::str::contains("No account is connected"));
}

#[test]
fn connecting_on_the_emulator_needs_a_username() {
    let s = Session::new();
    s.threads(&["connect"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs to know who consents"))
        .stderr(predicate::str::contains("--username NAME"));
    s.threads(&["connect", "--username", "no spaces allowed"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the emulator refused user"));
}

#[test]
fn the_real_api_needs_its_credentials() {
    let s = Session::new();
    s.threads(&["--api", "threads", "accounts"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "error: configuration: --api threads needs THREADS_APP_ID",
        ))
        .stderr(predicate::str::contains("hint: export THREADS_APP_ID"));
}

#[test]
fn an_unreachable_database_is_an_error_with_advice() {
    let s = Session::new();
    s.threads(&[
        "--database-url",
        "postgres://nobody@127.0.0.1:1/none?connect_timeout=1",
        "accounts",
    ])
    .assert()
    .code(1)
    .stderr(predicate::str::contains("error: PostgreSQL store"))
    .stderr(predicate::str::contains("hint: check --database-url"));
}

#[test]
fn bad_ids_names_and_states_are_usage_errors() {
    let s = Session::new();
    s.ok(&["connect", "--username", "alice"]);
    s.threads(&["approve", "not-an-id"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`not-an-id` is not a draft id"))
        .stderr(predicate::str::contains(
            "hint: `threads drafts` lists drafts",
        ));
    s.threads(&["draft", "--account", "@bob", "hello"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no account @bob is connected"));
    s.threads(&["drafts", "--state", "lost"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`lost` is not a draft state"));
    s.threads(&["draft", "   "])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the draft's text is empty"));
    s.threads(&["insights", "--days", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--days 0 is out of range"));
    s.threads(&["insights", "--out", "chart.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("neither .svg nor .png"));
}

#[test]
fn drafts_must_be_approved_and_times_in_the_future() {
    let s = Session::new();
    s.ok(&["connect", "--username", "alice"]);
    let id = draft_id(&s.ok(&["draft", "Not approved yet."]));
    s.threads(&["publish", &id])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not approved"))
        .stderr(predicate::str::contains(format!("threads approve {id}")));
    s.ok(&["approve", &id]);
    s.threads(&["schedule", &id, "--at", "2020-01-01T00:00:00Z"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "2020-01-01 00:00:00 UTC is in the past",
        ));
    // Approving twice is a state error from the pipeline, with advice.
    s.threads(&["approve", &id])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "hint: see the draft's state with `threads drafts`",
        ));
    // An id that names no draft.
    s.threads(&["approve", "01a242c3-ca23-7279-80a0-5d2194c8d82e"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "draft 01a242c3-ca23-7279-80a0-5d2194c8d82e not found",
        ))
        .stderr(predicate::str::contains(
            "hint: `threads drafts` lists drafts",
        ));
}

#[test]
fn deleting_needs_a_confirmation() {
    let s = Session::new();
    s.ok(&["connect", "--username", "alice"]);
    s.threads(&["delete"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "deleting @alice needs a confirmation",
        ))
        .stderr(predicate::str::contains("pass --yes"));
    // Nothing was deleted.
    s.threads(&["accounts"])
        .assert()
        .success()
        .stdout(predicate::str::contains("@alice"));
}

#[test]
fn a_chart_without_data_is_an_error_that_says_what_to_do() {
    let s = Session::new();
    s.ok(&["connect", "--username", "alice"]);
    s.threads(&["insights", "--chart", "engagement", "--no-refresh"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "no data for the engagement per post chart: no post has views yet",
        ))
        .stderr(predicate::str::contains("hint: take a snapshot first"));
}

#[test]
fn two_accounts_need_a_name() {
    let s = Session::new();
    s.ok(&["connect", "--username", "alice"]);
    s.ok(&["connect", "--username", "bob"]);
    s.threads(&["draft", "hello"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "2 accounts are connected (@alice, @bob)",
        ))
        .stderr(predicate::str::contains("pass --account USERNAME"));
    s.threads(&["draft", "--account", "bob", "hello"])
        .assert()
        .success();
}
