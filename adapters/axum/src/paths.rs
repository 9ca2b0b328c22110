//! The default paths, relative to where the router is nested.
//!
//! | group | method and path | what |
//! |---|---|---|
//! | webhooks | `GET` [`WEBHOOKS`] | Meta's subscription handshake (`hub.mode`, `hub.verify_token`, `hub.challenge`) |
//! | webhooks | `POST` [`WEBHOOKS`] | a webhook delivery, signed with `X-Hub-Signature-256` |
//! | oauth | `GET` [`OAUTH_START`] | starts connecting an account (`?return_to=/path` optional) |
//! | oauth | `GET` [`OAUTH_CALLBACK`] | where Meta's consent dialog sends the person back |
//! | meta callbacks | `POST` [`DATA_DELETION`] | Meta's data-deletion callback (`signed_request`) |
//! | meta callbacks | `GET` [`DELETION_STATUS`] | the page a deletion's `url` points at (`?code=...`) |
//! | meta callbacks | `POST` [`DEAUTHORIZE`] | Meta's deauthorize callback (`signed_request`) |
//! | approval | `GET` [`APPROVAL`] | the accounts the person may review |
//! | approval | `GET` `/approval/{account_id}` | an account's drafts and reply drafts |
//! | approval | `POST` `/approval/{account_id}/drafts/{draft_id}/{approve,edit,reject,schedule}` | the decisions |
//! | media | `GET`, `HEAD` `/media/{key}` | a file of the local media store |
//! | health | `GET` [`HEALTHZ`] | the process is up |
//! | health | `GET` [`READYZ`] | the store answers |

/// Webhook handshake (`GET`) and deliveries (`POST`).
pub const WEBHOOKS: &str = "/webhooks";
/// Starts an OAuth connection.
pub const OAUTH_START: &str = "/oauth/start";
/// The OAuth redirect URI's path: register
/// `<public base URL>/oauth/callback` as the app's redirect URI.
pub const OAUTH_CALLBACK: &str = "/oauth/callback";
/// Meta's data-deletion callback.
pub const DATA_DELETION: &str = "/meta/data-deletion";
/// The deletion status page. Give the pipeline
/// `<public base URL>/meta/deletion-status` as its
/// [`deletion_status_url`](content_pipeline::PipelineBuilder::deletion_status_url).
pub const DELETION_STATUS: &str = "/meta/deletion-status";
/// Meta's deauthorize callback.
pub const DEAUTHORIZE: &str = "/meta/deauthorize";
/// The approval pages.
pub const APPROVAL: &str = "/approval";
/// Local media files; the media store's public base URL is
/// `<public base URL>/media/`.
pub const MEDIA: &str = "/media";
/// Liveness.
pub const HEALTHZ: &str = "/healthz";
/// Readiness.
pub const READYZ: &str = "/readyz";
