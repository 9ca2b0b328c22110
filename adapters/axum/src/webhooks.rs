//! Meta's webhooks: the subscription handshake and the delivery receiver.
//!
//! A delivery is read whole under the size limit (413 beyond it, before
//! anything is hashed), its `X-Hub-Signature-256` verified over the raw
//! bytes by the pipeline before anything is parsed (every configured app
//! secret is tried, so a rotation loses nothing), and its events recorded in
//! the store's inbox with their jobs. The answer goes out right after: the
//! work (triage, drafting an answer) happens in a worker.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use http::header::{self, HeaderValue};
use http::{HeaderMap, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use token_crypto::webhook::HandshakeQuery;

use crate::pages::plain;
use crate::problems::{ErrorPage, INTERNAL};
use crate::state::AppState;

/// `GET`: answers Meta's subscription handshake with the challenge, or 403.
pub(crate) async fn handshake(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(handshake) = &state.handshake else {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    };
    let mut parsed = HandshakeQuery::default();
    for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match key.as_ref() {
            "hub.mode" => parsed.mode = Some(value.into_owned()),
            "hub.verify_token" => {
                parsed.verify_token = Some(SecretString::from(value.into_owned()));
            }
            "hub.challenge" => parsed.challenge = Some(value.into_owned()),
            _ => {}
        }
    }
    match handshake.answer(&parsed) {
        Ok(challenge) => {
            tracing::info!("webhook subscription handshake answered");
            let mut response = (StatusCode::OK, challenge).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(
            token_crypto::Error::HandshakeMissing(_) | token_crypto::Error::HandshakeChallenge(_),
        ) => {
            tracing::info!("webhook handshake refused: missing or invalid parameters");
            plain(
                StatusCode::BAD_REQUEST,
                "missing or invalid hub parameters\n",
            )
        }
        Err(e) => {
            let presented = parsed
                .verify_token
                .as_ref()
                .map_or(0, |t| t.expose_secret().len());
            tracing::warn!(error = %e, token_len = presented, "webhook handshake refused");
            plain(StatusCode::FORBIDDEN, "forbidden\n")
        }
    }
}

/// `POST`: verifies and records a delivery; 200 with the receipt as JSON.
pub(crate) async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut values = headers.get_all("x-hub-signature-256").iter();
    let signature = match (values.next(), values.next()) {
        (None, _) => None,
        (Some(value), None) => match value.to_str() {
            Ok(v) => Some(v),
            Err(_) => return signature_refused("the signature header is not ASCII"),
        },
        (Some(_), Some(_)) => return signature_refused("the signature header appears twice"),
    };
    match state.pipeline.receive_webhook(signature, &body).await {
        Ok(receipt) => {
            tracing::info!(
                events = receipt.events,
                accepted = receipt.accepted,
                duplicates = receipt.duplicates,
                unmatched = receipt.unmatched,
                "webhook delivery recorded"
            );
            let mut response = (StatusCode::OK, Json(receipt)).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(content_pipeline::Error::Network { .. }) => {
            // Authentic (the signature was checked first) but not an event
            // this network's parser reads: a redelivery would not help.
            tracing::warn!("a signed webhook delivery could not be read");
            ErrorPage::new(
                StatusCode::BAD_REQUEST,
                "Unreadable",
                "the delivery is not a webhook event this server reads",
                None,
            )
            .json()
        }
        Err(e @ content_pipeline::Error::Webhook(_)) => ErrorPage::from(&e).json(),
        Err(e) => {
            // Nothing was recorded; Meta delivers again later.
            tracing::error!(error = %e, "webhook delivery not recorded");
            INTERNAL.json()
        }
    }
}

fn signature_refused(why: &'static str) -> Response {
    tracing::info!(why, "webhook delivery refused");
    ErrorPage::new(
        StatusCode::UNAUTHORIZED,
        "Signature refused",
        "invalid or missing X-Hub-Signature-256",
        None,
    )
    .json()
}
