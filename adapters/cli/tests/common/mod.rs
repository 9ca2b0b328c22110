//! Running the `threads` binary in a throw-away data directory.
#![allow(dead_code, reason = "each test binary uses a different part")]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Environment variables the binary reads: cleared so the caller's shell
/// cannot change what a test sees.
const CLEARED: &[&str] = &[
    "THREADS_DATA_DIR",
    "THREADS_DATABASE_URL",
    "THREADS_API",
    "THREADS_LLM",
    "THREADS_LLM_MODEL",
    "THREADS_OPERATOR",
    "THREADS_SEALING_KEY",
    "THREADS_APP_ID",
    "THREADS_APP_SECRET",
    "THREADS_REDIRECT_URI",
    "THREADS_GRAPH_URL",
    "THREADS_AUTHORIZE_URL",
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "RUST_LOG",
];

/// A data directory and commands that use it.
pub(crate) struct Session {
    dir: tempfile::TempDir,
}

impl Session {
    pub(crate) fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// The data directory.
    pub(crate) fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A path inside the temporary directory (outside the data directory).
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `threads ARGS` on this session's data directory.
    pub(crate) fn threads(&self, args: &[&str]) -> Command {
        let mut cmd = bare();
        cmd.env("THREADS_DATA_DIR", self.data_dir()).args(args);
        cmd
    }

    /// Runs `threads ARGS`, expects success, returns standard output.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let out = self.threads(args).assert().success();
        String::from_utf8(out.get_output().stdout.clone()).expect("UTF-8 output")
    }
}

/// `threads` with a clean environment and no arguments.
pub(crate) fn bare() -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("threads");
    for name in CLEARED {
        cmd.env_remove(name);
    }
    // A command never waits for a person in tests.
    cmd.write_stdin("");
    cmd
}

/// The path of the `threads` binary.
pub(crate) fn binary() -> &'static Path {
    assert_cmd::cargo::cargo_bin!("threads")
}

/// The draft id in `threads draft` output (`Approve it with: threads approve ID`).
pub(crate) fn draft_id(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("Draft "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no draft id in {stdout:?}"))
        .to_owned()
}
