//! The crate's one error type: what [`build`](crate::ThreadsRouterBuilder::build)
//! refuses.

use crate::routes::Group;

/// Why a router could not be built.
///
/// None of the variants carries a secret: keys and tokens given to the
/// builder never reach an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A group of routes is mounted but a setting it needs is missing.
    #[error(
        "the {group} routes need {setting}: set it, or leave the group out with `without(Group::{group:?})`"
    )]
    Missing {
        /// The group.
        group: Group,
        /// The builder method that sets what is missing.
        setting: &'static str,
    },

    /// The public base URL does not parse.
    #[error("the public base URL is invalid")]
    PublicBaseUrl(#[source] url::ParseError),

    /// The public base URL is not `http` or `https`, or has a query or fragment.
    #[error("the public base URL must be an http(s) URL without query or fragment")]
    PublicBaseUrlShape,

    /// The session cookie name is empty or has characters a cookie name may not have.
    #[error("the session cookie name must be 1-64 characters from A-Z a-z 0-9 _ -")]
    CookieName,

    /// The embedded page templates failed to load (a bug in this crate).
    #[error("page templates")]
    Templates(#[source] minijinja::Error),
}
