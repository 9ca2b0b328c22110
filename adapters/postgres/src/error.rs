//! The crate's error type.

/// Errors from opening, configuring or migrating a [`PgStore`](crate::PgStore).
///
/// Errors of the store operations themselves are [`store_traits::Error`]s (as
/// the traits require); database failures appear there as
/// [`store_traits::Error::Backend`] with the `sqlx` error as the source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server could not be reached or refused the connection (wrong
    /// address, authentication, TLS, missing database, ...).
    #[error("cannot connect to the PostgreSQL database {location}")]
    Open {
        /// Host, port and database name (never the password).
        location: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },

    /// The database was migrated by a newer release of this crate: it holds
    /// schema versions this release does not know. Nothing was changed.
    #[error(
        "the database schema is at version {found}, newer than the newest version this release \
         of store-postgres knows ({supported}); upgrade store-postgres to open it"
    )]
    SchemaTooNew {
        /// The newest schema version recorded in the database.
        found: i64,
        /// The newest schema version this release ships.
        supported: i64,
    },

    /// Applying the embedded migrations failed (the transaction was rolled back).
    #[error("applying the schema migrations failed")]
    Migrate(#[source] sqlx::migrate::MigrateError),

    /// A database statement failed outside a store operation.
    #[error("database error while {context}")]
    Database {
        /// What the store was doing.
        context: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },

    /// The options are contradictory or out of range.
    #[error("invalid store options: {0}")]
    InvalidOptions(String),
}

impl Error {
    pub(crate) fn database(context: &'static str) -> impl FnOnce(sqlx::Error) -> Self {
        move |source| Self::Database { context, source }
    }
}

impl From<Error> for store_traits::Error {
    fn from(error: Error) -> Self {
        store_traits::Error::backend("PostgreSQL store setup failed", error)
    }
}
