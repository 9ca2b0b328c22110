//! Error bodies the emulator sends (the Graph envelope and the flat OAuth shape) and the
//! crate's own [`Error`] type for library callers.
//!
//! HTTP statuses: every Graph error is sent with status 400, except the service errors
//! (codes 1 and 2), which use 500. The Threads API answers 400 for the codes clients meet
//! most (24, 100) and Graph sends 400 for `OAuthException`; Meta's error guide
//! (<https://developers.facebook.com/docs/graph-api/guides/error-handling>) documents codes,
//! not statuses, so statuses for rate-limit and permission errors are a guess and clients
//! must classify by `code`, not by status. A fault rule can override the status.

use serde_json::{Value, json};

/// The error type of the emulator library (starting, admin calls, callbacks).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The listening socket could not be bound.
    #[error("could not bind the emulator socket")]
    Bind(#[source] std::io::Error),
    /// An admin call named something that does not exist or was invalid.
    #[error("admin request rejected: {0}")]
    Admin(String),
    /// [`crate::Admin::post_as`] tried to reply to a post whose `reply_control` does not
    /// allow this author; nothing was stored.
    #[error("post {post} only accepts replies from {reply_audience}; {author} may not reply")]
    ReplyNotAllowed {
        /// The post replied to.
        post: String,
        /// The post's `reply_audience` (`ACCOUNTS_YOU_FOLLOW`, `MENTIONED_ONLY`, ...).
        reply_audience: String,
        /// The refused author's user id.
        author: String,
    },
    /// An outgoing HTTP call (webhook handshake, callback) failed.
    #[error("outgoing HTTP call failed")]
    Http(#[source] reqwest::Error),
}

/// The `type` of a Graph error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorType {
    OAuth,
    ThApi,
}

impl ErrorType {
    fn as_str(self) -> &'static str {
        match self {
            Self::OAuth => "OAuthException",
            Self::ThApi => "THApiException",
        }
    }
}

/// An error response in the making.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) body: ErrorBody,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ErrorBody {
    Graph {
        message: String,
        kind: ErrorType,
        code: i64,
        subcode: Option<i64>,
        is_transient: bool,
        user_title: Option<String>,
        user_msg: Option<String>,
    },
    /// `{"error_type":"OAuthException","code":400,"error_message":"..."}` (code exchange).
    Flat { message: String },
    /// A status with an arbitrary (possibly non-JSON) body, only produced by fault rules.
    Raw { body: String },
}

impl ApiError {
    pub(crate) fn graph(kind: ErrorType, code: i64, message: impl Into<String>) -> Self {
        let status = if code == 1 || code == 2 { 500 } else { 400 };
        Self {
            status,
            body: ErrorBody::Graph {
                message: message.into(),
                kind,
                code,
                subcode: None,
                is_transient: code == 1 || code == 2,
                user_title: None,
                user_msg: None,
            },
        }
    }

    pub(crate) fn subcode(mut self, sub: i64) -> Self {
        if let ErrorBody::Graph { subcode, .. } = &mut self.body {
            *subcode = Some(sub);
        }
        self
    }

    pub(crate) fn user(mut self, title: &str, msg: impl Into<String>) -> Self {
        if let ErrorBody::Graph {
            user_title,
            user_msg,
            ..
        } = &mut self.body
        {
            *user_title = Some(title.to_owned());
            *user_msg = Some(msg.into());
        }
        self
    }

    pub(crate) fn transient(mut self, value: bool) -> Self {
        if let ErrorBody::Graph { is_transient, .. } = &mut self.body {
            *is_transient = value;
        }
        self
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Code 100, `THApiException`: an invalid parameter.
    pub(crate) fn param(message: impl Into<String>) -> Self {
        Self::graph(ErrorType::ThApi, 100, message)
    }

    /// Code 100 / subcode 33: the object does not exist or cannot be seen.
    pub(crate) fn unsupported(method: &str, id: &str) -> Self {
        Self::graph(
            ErrorType::ThApi,
            100,
            format!(
                "Unsupported {} request. Object with ID '{}' does not exist, cannot be loaded due to missing permissions, or does not support this operation",
                method.to_ascii_lowercase(),
                id
            ),
        )
        .subcode(33)
    }

    pub(crate) fn nonexisting_field(field: &str) -> Self {
        Self::param(format!("Tried accessing nonexisting field ({field})"))
    }

    /// Code 10: a scope is missing.
    pub(crate) fn permission(scope: &str) -> Self {
        Self::graph(
            ErrorType::OAuth,
            10,
            format!(
                "(#10) Application does not have permission for this action (requires {scope})"
            ),
        )
    }

    /// Code 24 / 4279009: the container is not ready (or not publishable).
    pub(crate) fn media_not_found(id: &str) -> Self {
        Self::graph(
            ErrorType::OAuth,
            24,
            "The requested resource does not exist",
        )
        .subcode(4_279_009)
        .user(
            "Media Not Found",
            format!("The media with id {id} cannot be found."),
        )
    }

    pub(crate) fn flat(message: impl Into<String>) -> Self {
        Self {
            status: 400,
            body: ErrorBody::Flat {
                message: message.into(),
            },
        }
    }

    /// Renders the JSON body; `trace` is the `fbtrace_id` to embed.
    pub(crate) fn to_body(&self, trace: &str) -> String {
        match &self.body {
            ErrorBody::Graph {
                message,
                kind,
                code,
                subcode,
                is_transient,
                user_title,
                user_msg,
            } => {
                let mut e = serde_json::Map::new();
                e.insert("message".into(), json!(message));
                e.insert("type".into(), json!(kind.as_str()));
                e.insert("code".into(), json!(code));
                if let Some(s) = subcode {
                    e.insert("error_subcode".into(), json!(s));
                }
                e.insert("is_transient".into(), json!(is_transient));
                if let Some(t) = user_title {
                    e.insert("error_user_title".into(), json!(t));
                }
                if let Some(m) = user_msg {
                    e.insert("error_user_msg".into(), json!(m));
                }
                e.insert("fbtrace_id".into(), json!(trace));
                json!({ "error": Value::Object(e) }).to_string()
            }
            ErrorBody::Flat { message } => json!({
                "error_type": "OAuthException",
                "code": 400,
                "error_message": message,
            })
            .to_string(),
            ErrorBody::Raw { body } => body.clone(),
        }
    }

    /// The Graph code, when the body has one (used by the ledger).
    pub(crate) fn code(&self) -> Option<i64> {
        match &self.body {
            ErrorBody::Graph { code, .. } => Some(*code),
            ErrorBody::Flat { .. } => Some(400),
            ErrorBody::Raw { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_envelope_shape() {
        let e = ApiError::media_not_found("42");
        assert_eq!(e.status, 400);
        let v: Value = serde_json::from_str(&e.to_body("Atrace")).expect("valid json");
        assert_eq!(v["error"]["code"], 24);
        assert_eq!(v["error"]["error_subcode"], 4_279_009);
        assert_eq!(v["error"]["type"], "OAuthException");
        assert_eq!(v["error"]["is_transient"], false);
        assert_eq!(v["error"]["fbtrace_id"], "Atrace");
    }

    #[test]
    fn service_errors_are_transient_500() {
        let e = ApiError::graph(ErrorType::OAuth, 2, "Service temporarily unavailable");
        assert_eq!(e.status, 500);
        let v: Value = serde_json::from_str(&e.to_body("t")).expect("valid json");
        assert_eq!(v["error"]["is_transient"], true);
    }

    #[test]
    fn flat_shape() {
        let v: Value =
            serde_json::from_str(&ApiError::flat("nope").to_body("t")).expect("valid json");
        assert_eq!(v["error_type"], "OAuthException");
        assert_eq!(v["code"], 400);
        assert_eq!(v["error_message"], "nope");
        assert!(v.get("error").is_none());
    }
}
