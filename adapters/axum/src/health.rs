//! Liveness and readiness.

use axum::extract::State;
use axum::response::Response;
use http::StatusCode;
use store_traits::AccountId;

use crate::pages::plain;
use crate::state::AppState;

/// `GET /healthz`: the process answers.
pub(crate) async fn healthz() -> Response {
    plain(StatusCode::OK, "ok\n")
}

/// `GET /readyz`: the store answers a read within the readiness timeout.
pub(crate) async fn readyz(State(state): State<AppState>) -> Response {
    let store = state.pipeline.store();
    // A read of an id that exists nowhere: one indexed lookup, no data.
    let probe = store.get_account(AccountId::new());
    match tokio::time::timeout(state.readiness_timeout, probe).await {
        Ok(Ok(_)) => plain(StatusCode::OK, "ready\n"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the store failed");
            plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "not ready: the store is unreachable\n",
            )
        }
        Err(_) => {
            tracing::warn!("readiness: the store did not answer in time");
            plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "not ready: the store is unreachable\n",
            )
        }
    }
}
