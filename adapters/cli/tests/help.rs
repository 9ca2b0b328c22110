//! `--help` for every command, and shell completions.

mod common;

use common::bare;
use predicates::prelude::*;

/// Every subcommand and a phrase its help must hold.
const COMMANDS: &[(&str, &str)] = &[
    ("connect", "THREADS_REDIRECT_URI"),
    ("accounts", "--json"),
    ("drafts", "--state"),
    ("draft", "--generate"),
    ("approve", "DRAFT_ID"),
    ("reject", "--reason"),
    ("schedule", "--next-slot"),
    ("publish", "DRAFT_ID"),
    ("sync", "--account"),
    ("insights", "--chart"),
    ("export", "--out"),
    ("delete", "--yes"),
    ("worker", "--once"),
    ("completions", "bash"),
];

#[test]
fn the_main_help_lists_every_command_and_the_backends() {
    let mut assert = bare().arg("--help").assert().success();
    for (name, _) in COMMANDS {
        assert = assert.stdout(predicate::str::contains(format!("  {name} ")));
    }
    assert
        .stdout(predicate::str::contains("--data-dir"))
        .stdout(predicate::str::contains("--database-url"))
        .stdout(predicate::str::contains("--api"))
        .stdout(predicate::str::contains("Exit codes"));
}

#[test]
fn every_command_has_its_own_help() {
    for (name, phrase) in COMMANDS {
        bare()
            .args([name, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains(format!("Usage: threads {name}")))
            .stdout(predicate::str::contains(*phrase))
            // Global options are accepted after the command too.
            .stdout(predicate::str::contains("--data-dir"));
    }
}

#[test]
fn help_is_also_a_subcommand() {
    bare()
        .args(["help", "schedule"])
        .assert()
        .success()
        .stdout(predicate::str::contains("RFC 3339"));
}

#[test]
fn the_version_is_printed() {
    bare()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("threads "));
}

#[test]
fn completions_for_each_shell_name_the_commands() {
    for (shell, marker) in [
        ("bash", "_threads()"),
        ("zsh", "#compdef threads"),
        ("fish", "complete -c threads"),
        ("elvish", "edit:completion:arg-completer[threads]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        bare()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains(marker))
            .stdout(predicate::str::contains("schedule"))
            .stdout(predicate::str::contains("insights"));
    }
}

#[test]
fn completions_need_no_data_directory() {
    // No data directory is created for completions: it runs before any backend.
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("never");
    bare()
        .env("THREADS_DATA_DIR", &data)
        .args(["completions", "bash"])
        .assert()
        .success();
    assert!(!data.exists());
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    bare()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid value 'tcsh'"))
        .stderr(predicate::str::contains("possible values"));
}
