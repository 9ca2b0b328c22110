//! The local media route: files of a [`MediaStore`] on its local-directory
//! backend, streamed with their type. The key is checked by
//! [`MediaKey::parse`] before the file system is touched, so `..` and other
//! tricks never reach it; anything that is not a stored file is a 404.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::{self, HeaderValue};
use threads_media::{MediaKey, MediaStore};
use tokio_util::io::ReaderStream;

use crate::pages::plain;
use crate::state::AppState;

/// `GET /media/{*key}` (and `HEAD`).
pub(crate) async fn serve(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    let Some(store) = &state.media else {
        return plain(StatusCode::NOT_FOUND, "not found\n");
    };
    file(store, &key).await
}

async fn file(store: &MediaStore, key: &str) -> Response {
    let not_found = || plain(StatusCode::NOT_FOUND, "not found\n");
    let Ok(key) = MediaKey::parse(key) else {
        return not_found();
    };
    let local = match store.local_file(&key).await {
        Ok(local) => local,
        Err(threads_media::Error::NotFound { .. } | threads_media::Error::NotSupported { .. }) => {
            return not_found();
        }
        Err(e) => {
            tracing::error!(error = %e, "a media file cannot be read");
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error\n");
        }
    };
    let handle = match tokio::fs::File::open(&local.path).await {
        Ok(handle) => handle,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, "a media file cannot be opened");
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "internal error\n");
        }
    };
    let mut response = Body::from_stream(ReaderStream::new(handle)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(local.media_type.mime()),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(local.size));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Keys are never reused (a UUIDv7 per upload), but a file is deleted
    // after publishing: cache for a while, not forever.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}
