//! Server-rendered pages: the embedded minijinja templates (HTML
//! auto-escaping on, undefined values an error), and the headers every page
//! carries.
//!
//! Every page gets a fresh nonce for its inline `<style>` and `<script>`,
//! named in a `Content-Security-Policy` that allows nothing else: no other
//! origin, no frames, forms only to this origin. Pages are never cached and
//! send no `Referer` onwards (an OAuth callback URL carries a code).

use std::sync::LazyLock;

use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::header::{self, HeaderName, HeaderValue};
use http::{HeaderMap, StatusCode};
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Serialize;

/// The templates, compiled once.
static TEMPLATES: LazyLock<Option<Environment<'static>>> = LazyLock::new(|| match templates() {
    Ok(env) => Some(env),
    Err(e) => {
        tracing::error!(error = %e, "page templates failed to load");
        None
    }
});

const SOURCES: [(&str, &str); 6] = [
    ("base.html", include_str!("../templates/base.html")),
    ("message.html", include_str!("../templates/message.html")),
    ("accounts.html", include_str!("../templates/accounts.html")),
    ("approval.html", include_str!("../templates/approval.html")),
    ("deletion.html", include_str!("../templates/deletion.html")),
    ("counter.js", include_str!("../templates/counter.js")),
];

fn templates() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    for (name, source) in SOURCES {
        env.add_template(name, source)?;
    }
    Ok(env)
}

/// Checks that the templates load (at build time, so a broken template is a
/// build error rather than a 500 on the first page).
pub(crate) fn check_templates() -> Result<(), crate::Error> {
    match &*TEMPLATES {
        Some(_) => Ok(()),
        // Load them again for the error itself.
        None => templates().map(drop).map_err(crate::Error::Templates),
    }
}

/// What every page shows around its content.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Chrome {
    /// The request id (shown on error pages for support).
    pub(crate) request_id: Option<String>,
    /// The person signed in.
    pub(crate) actor: Option<ActorView>,
}

/// The signed-in person, for the page header.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ActorView {
    pub(crate) id: String,
    pub(crate) role: String,
}

impl ActorView {
    pub(crate) fn of(actor: &content_pipeline::Actor) -> Self {
        Self {
            id: actor.id.clone(),
            role: actor.role.map_or("none", |r| r.as_str()).to_owned(),
        }
    }
}

#[derive(Serialize)]
struct Frame<'a, T: Serialize> {
    nonce: &'a str,
    chrome: &'a Chrome,
    page: &'a T,
}

fn nonce() -> String {
    let mut bytes = [0u8; 16];
    // A nonce that could not be drawn is still unique enough per response
    // to keep the policy well formed; the OS source practically never fails.
    if getrandom::fill(&mut bytes).is_err() {
        bytes = uuid::Uuid::now_v7().into_bytes();
    }
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Renders `template` with `page` as an HTML response.
pub(crate) fn render<T: Serialize>(
    status: StatusCode,
    template: &str,
    page: &T,
    chrome: &Chrome,
) -> Response {
    let nonce = nonce();
    let html = match &*TEMPLATES {
        Some(env) => env.get_template(template).and_then(|t| {
            t.render(Value::from(Serde(Frame {
                nonce: &nonce,
                chrome,
                page,
            })))
        }),
        None => Err(minijinja::Error::new(
            minijinja::ErrorKind::TemplateNotFound,
            "the templates failed to load",
        )),
    };
    match html {
        Ok(html) => {
            let mut response = (status, html).into_response();
            page_headers(response.headers_mut(), &nonce, "text/html; charset=utf-8");
            response
        }
        Err(e) => {
            tracing::error!(template, error = %e, "page template failed");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error\n")
        }
    }
}

/// A short plain-text answer (health checks, webhook answers).
pub(crate) fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut response = (status, text).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn page_headers(headers: &mut HeaderMap, nonce: &str, content_type: &'static str) {
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    let policy = format!(
        "default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; \
         img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// A link on a message page.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Link {
    pub(crate) href: String,
    pub(crate) label: String,
}

/// A page that says what happened and what to do next.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Message {
    /// `ok`, `warn` or `error`: the page's tone.
    pub(crate) tone: &'static str,
    pub(crate) title: String,
    pub(crate) message: String,
    /// What to do next, one line each.
    pub(crate) hints: Vec<String>,
    /// Facts shown as a list of label and value.
    pub(crate) facts: Vec<(String, String)>,
    pub(crate) links: Vec<Link>,
}

impl Message {
    pub(crate) fn new(
        tone: &'static str,
        title: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            tone,
            title: title.into(),
            message: message.into(),
            hints: Vec::new(),
            facts: Vec::new(),
            links: Vec::new(),
        }
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    pub(crate) fn fact(mut self, label: impl Into<String>, value: impl Into<String>) -> Self {
        self.facts.push((label.into(), value.into()));
        self
    }

    pub(crate) fn link(mut self, href: impl Into<String>, label: impl Into<String>) -> Self {
        self.links.push(Link {
            href: href.into(),
            label: label.into(),
        });
        self
    }

    /// The page as a response with `status`.
    pub(crate) fn respond(&self, status: StatusCode, chrome: &Chrome) -> Response {
        render(status, "message.html", self, chrome)
    }
}

/// Adds a header to a response (used for `Set-Cookie`).
pub(crate) fn with_header(
    mut response: Response,
    name: HeaderName,
    value: Option<HeaderValue>,
) -> Response {
    if let Some(value) = value {
        response.headers_mut().append(name, value);
    }
    response
}
