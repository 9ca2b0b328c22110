//! The command line's one error type, its exit codes and the advice printed
//! with it.

use std::path::PathBuf;

/// Exit code of a successful command.
pub(crate) const EXIT_OK: u8 = 0;
/// Exit code of a command whose operation failed.
pub(crate) const EXIT_FAILURE: u8 = 1;
/// Exit code of a usage error (also what clap exits with for bad arguments).
pub(crate) const EXIT_USAGE: u8 = 2;

/// `Result` with the command line's [`CliError`].
pub(crate) type Result<T, E = CliError> = std::result::Result<T, E>;

/// Everything a command can fail with.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// The operator named something that does not exist or is ambiguous, or
    /// refused a confirmation: exit code 2.
    #[error("{message}")]
    Usage {
        /// What is wrong.
        message: String,
        /// What to do instead.
        hint: Option<String>,
    },

    /// A pipeline operation failed.
    #[error("{0}")]
    Pipeline(#[from] content_pipeline::Error),

    /// The store could not be opened or read.
    #[error("store: {0}")]
    Store(#[from] store_traits::Error),

    /// Opening SQLite failed.
    #[error("SQLite store: {0}")]
    Sqlite(#[from] store_sqlite::Error),

    /// Opening PostgreSQL failed.
    #[error("PostgreSQL store: {0}")]
    Postgres(#[from] store_postgres::Error),

    /// The local emulator failed.
    #[error("emulator: {0}")]
    Emulator(#[from] threads_emulator::Error),

    /// A chart could not be drawn or written.
    #[error("chart: {0}")]
    Chart(#[from] threads_charts::Error),

    /// Keys could not be read, generated or used.
    #[error("keys: {0}")]
    Keys(#[from] token_crypto::Error),

    /// The configuration (environment, files) is incomplete or invalid.
    #[error("configuration: {message}")]
    Config {
        /// What is wrong.
        message: String,
        /// What to do.
        hint: Option<String>,
    },

    /// The operation ran but did not reach its goal (a post not published).
    #[error("{message}")]
    Incomplete {
        /// What happened.
        message: String,
        /// What to do.
        hint: Option<String>,
    },

    /// A language model provider could not be set up.
    #[error("language model: {0}")]
    Llm(String),

    /// An HTTP exchange the command makes itself (consent, callback) failed.
    #[error("{context}: {source}")]
    Http {
        /// What was being done.
        context: &'static str,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },

    /// A file or terminal could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file (or `-` for the terminal).
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },

    /// JSON could not be read or written.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl CliError {
    /// A usage error with a hint.
    pub(crate) fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::Usage {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// A configuration error with a hint.
    pub(crate) fn config(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::Config {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// An I/O error on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }

    /// The exit code: 2 for usage errors, 1 for everything else.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Self::Usage { .. } => EXIT_USAGE,
            Self::Pipeline(e) if is_operator_mistake(e) => EXIT_USAGE,
            _ => EXIT_FAILURE,
        }
    }

    /// What the operator should do about it, when there is something to say.
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            Self::Usage { hint, .. }
            | Self::Config { hint, .. }
            | Self::Incomplete { hint, .. } => hint.clone(),
            Self::Pipeline(e) => pipeline_hint(e),
            Self::Sqlite(_) => Some(
                "check that --data-dir is writable and that no other program holds the database"
                    .into(),
            ),
            Self::Postgres(_) => {
                Some("check --database-url and that the server accepts connections".into())
            }
            Self::Keys(_) => Some(
                "THREADS_SEALING_KEY must be a key spec like `*k1:<32 bytes in base64>`; without \
                 it the key in <data-dir>/sealing.key is used"
                    .into(),
            ),
            Self::Chart(threads_charts::Error::NoData { .. }) => Some(
                "take a snapshot first (`threads sync`), publish posts, or choose a longer --days"
                    .into(),
            ),
            _ => None,
        }
    }
}

/// Whether a pipeline error comes from what the operator asked for (bad
/// input, a draft in the wrong state, an id that names nothing) rather
/// than from a failure.
fn is_operator_mistake(error: &content_pipeline::Error) -> bool {
    use content_pipeline::Error as E;
    matches!(
        error,
        E::InvalidInput(_) | E::DraftState { .. } | E::Store(store_traits::Error::NotFound { .. })
    )
}

/// Advice for a pipeline error.
fn pipeline_hint(error: &content_pipeline::Error) -> Option<String> {
    use content_pipeline::Error as E;
    let text = match error {
        E::AccountNotActive { .. } | E::NoToken(_) => {
            "reconnect the account with `threads connect`"
        }
        E::DraftState { .. } => {
            "see the draft's state with `threads drafts`; approve a draft before scheduling or publishing it"
        }
        E::Store(store_traits::Error::NotFound {
            kind: store_traits::RecordKind::Draft,
            ..
        }) => "`threads drafts` lists drafts with their ids",
        E::TextRejected { .. } => "shorten or change the text and try again",
        E::NoUsableText { .. } => "try another --topic, or write the text yourself",
        E::NoFreeSlot { .. } => "schedule with an explicit --at time instead of --next-slot",
        E::NoInsights { .. } => "take a snapshot first with `threads sync`",
        E::AuthorizationDenied { .. } => "run `threads connect` again and accept the consent",
        E::OAuthState(_) => {
            "the consent took too long or came from another attempt; run `threads connect` again"
        }
        E::Forbidden(_) => "use an --operator with the right role",
        E::Llm(_) => "check the model's API key and network, or use --llm offline",
        E::Token { .. } => {
            "the sealing key does not open the stored tokens: use the key they were sealed with \
             (THREADS_SEALING_KEY or <data-dir>/sealing.key), or reconnect the account"
        }
        E::Network { source, .. } => {
            return Some(if source.class().is_retryable() {
                "a temporary network failure: try again in a moment".to_owned()
            } else {
                "the network refused the call; if the token was revoked, reconnect with `threads connect`"
                    .to_owned()
            });
        }
        e if e.is_retryable() => "a temporary failure: try again in a moment",
        _ => return None,
    };
    Some(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_exit_with_2_and_others_with_1() {
        assert_eq!(
            CliError::usage("no such account", "list them").exit_code(),
            EXIT_USAGE
        );
        assert_eq!(
            CliError::Pipeline(content_pipeline::Error::InvalidInput("x".into())).exit_code(),
            EXIT_USAGE
        );
        let missing = store_traits::Error::not_found(store_traits::RecordKind::Draft, "d1");
        let missing = CliError::Pipeline(content_pipeline::Error::Store(missing));
        assert_eq!(missing.exit_code(), EXIT_USAGE);
        assert!(missing.hint().expect("hint").contains("threads drafts"));
        assert_eq!(CliError::Llm("down".into()).exit_code(), EXIT_FAILURE);
        assert_eq!(EXIT_OK, 0);
    }

    #[test]
    fn pipeline_errors_carry_advice() {
        let e = CliError::Pipeline(content_pipeline::Error::NoToken(
            store_traits::AccountId::new(),
        ));
        assert!(e.hint().expect("hint").contains("threads connect"));
    }
}
