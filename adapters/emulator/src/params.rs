//! Extracting request parameters the way Graph does: the query string, a url-encoded,
//! multipart or JSON body, and the token from `access_token` or `Authorization: Bearer`.
//! All values end up in one flat map (body values win over query values of the same name).

use std::collections::HashMap;

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{HeaderMap, Method, header};

use crate::errors::ApiError;

/// Largest accepted request body (bytes).
pub(crate) const MAX_BODY: usize = 2 * 1024 * 1024;

/// One parsed request.
#[derive(Debug, Clone)]
pub(crate) struct Params {
    pub(crate) method: Method,
    /// Path segments without empty parts.
    pub(crate) segments: Vec<String>,
    pub(crate) values: HashMap<String, String>,
    /// The token from `access_token` or the `Authorization` header.
    pub(crate) token: Option<String>,
    /// The raw query string (used to build `paging.next` links).
    pub(crate) query: String,
    /// The whole path as received.
    pub(crate) path: String,
}

impl Params {
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// A parameter that is present and not empty.
    pub(crate) fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }

    pub(crate) fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.non_empty(name)
            .ok_or_else(|| ApiError::param(format!("The parameter {name} is required")))
    }

    /// A boolean parameter (`true`/`false`/`1`/`0`); absent means `default`.
    pub(crate) fn bool(&self, name: &str, default: bool) -> Result<bool, ApiError> {
        match self.non_empty(name) {
            None => Ok(default),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(ApiError::param(format!(
                    "Param {name} must be a boolean (true or false)"
                ))),
            },
        }
    }
}

fn parse_pairs(raw: &[u8], into: &mut HashMap<String, String>) {
    for (k, v) in form_urlencoded::parse(raw) {
        into.insert(k.into_owned(), v.into_owned());
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = v.split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth") {
        let t = rest.trim();
        (!t.is_empty()).then(|| t.to_owned())
    } else {
        None
    }
}

/// Reads a whole request into [`Params`]. Malformed bodies become code-100 errors.
pub(crate) async fn extract(req: Request) -> Result<Params, ApiError> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let segments = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let mut values = HashMap::new();
    parse_pairs(query.as_bytes(), &mut values);
    let header_token = bearer(req.headers());
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();

    if method != Method::GET && method != Method::HEAD {
        if content_type.starts_with("multipart/form-data") {
            let mut mp = Multipart::from_request(req, &())
                .await
                .map_err(|_| ApiError::param("Invalid multipart body"))?;
            loop {
                match mp.next_field().await {
                    Ok(Some(field)) => {
                        let name = field.name().unwrap_or("").to_owned();
                        let text = field
                            .bytes()
                            .await
                            .map_err(|_| ApiError::param("Invalid multipart body"))?;
                        if !name.is_empty() {
                            values.insert(name, String::from_utf8_lossy(&text).into_owned());
                        }
                    }
                    Ok(None) => break,
                    Err(_) => return Err(ApiError::param("Invalid multipart body")),
                }
            }
        } else {
            let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY)
                .await
                .map_err(|_| ApiError::param("The request body could not be read"))?;
            if content_type.starts_with("application/json") {
                if !bytes.is_empty() {
                    let v: serde_json::Value = serde_json::from_slice(&bytes)
                        .map_err(|_| ApiError::param("The request body is not valid JSON"))?;
                    let obj = v
                        .as_object()
                        .ok_or_else(|| ApiError::param("The JSON body must be an object"))?;
                    for (k, v) in obj {
                        let s = match v {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        values.insert(k.clone(), s);
                    }
                }
            } else {
                parse_pairs(&bytes, &mut values);
            }
        }
    } else {
        drop(req.into_body());
    }
    let token = values
        .get("access_token")
        .filter(|t| !t.is_empty())
        .cloned()
        .or(header_token);
    Ok(Params {
        method,
        segments,
        values,
        token,
        query,
        path,
    })
}

fn percent_decode(s: &str) -> String {
    // Reuse the form decoder on a single component ('+' stays literal in paths).
    let escaped = s.replace('+', "%2B");
    form_urlencoded::parse(format!("x={escaped}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
use axum::body::Body;

/// Builds a [`Request`] for the tests of this module.
#[cfg(test)]
fn request(method: Method, uri: &str, ct: Option<&str>, body: &str) -> Request {
    let mut b = axum::http::Request::builder().method(method).uri(uri);
    if let Some(ct) = ct {
        b = b.header(header::CONTENT_TYPE, ct);
    }
    b.body(Body::from(body.to_owned()))
        .expect("valid test request")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn merges_query_and_form() {
        let r = request(
            Method::POST,
            "/v1.0/me/threads?media_type=TEXT&access_token=abc",
            Some("application/x-www-form-urlencoded"),
            "text=hello+world&reply_control=everyone",
        );
        let p = extract(r).await.expect("parses");
        assert_eq!(p.segments, vec!["v1.0", "me", "threads"]);
        assert_eq!(p.get("text"), Some("hello world"));
        assert_eq!(p.get("media_type"), Some("TEXT"));
        assert_eq!(p.token.as_deref(), Some("abc"));
    }

    #[tokio::test]
    async fn multipart_fields() {
        let body = "--XX\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhi there\r\n--XX\r\nContent-Disposition: form-data; name=\"access_token\"\r\n\r\ntok\r\n--XX--\r\n";
        let r = request(
            Method::POST,
            "/me/threads",
            Some("multipart/form-data; boundary=XX"),
            body,
        );
        let p = extract(r).await.expect("parses");
        assert_eq!(p.get("text"), Some("hi there"));
        assert_eq!(p.token.as_deref(), Some("tok"));
    }

    #[tokio::test]
    async fn bearer_and_bad_bool() {
        let r = axum::http::Request::builder()
            .uri("/me?x=maybe")
            .header(header::AUTHORIZATION, "Bearer TH123")
            .body(Body::empty())
            .expect("valid");
        let p = extract(r).await.expect("parses");
        assert_eq!(p.token.as_deref(), Some("TH123"));
        assert!(p.bool("x", false).is_err());
        assert_eq!(p.bool("missing", true).ok(), Some(true));
    }

    #[tokio::test]
    async fn bad_json_is_an_error() {
        let r = request(
            Method::POST,
            "/me/threads",
            Some("application/json"),
            "{nope",
        );
        assert!(extract(r).await.is_err());
    }
}
