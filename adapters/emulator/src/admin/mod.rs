//! The admin side: a typed in-process handle ([`Admin`]) and the same operations over HTTP
//! under `/__admin/` (for the binary). Neither is part of the Threads API; never expose the
//! emulator beyond a test machine: the admin API mints tokens for anyone.
//!
//! | Method and path | Body | Does |
//! |---|---|---|
//! | `POST /__admin/reset` | | [`Admin::reset`] |
//! | `POST /__admin/apps` | [`AppSpec`] | [`Admin::create_app`] → `{id, secret, name}` |
//! | `POST /__admin/users` | [`UserSpec`] | [`Admin::create_user`] → `{id, username}` |
//! | `POST /__admin/authorizer` | `{user_id, app_id?}` | [`Admin::set_authorizer`] / [`Admin::set_app_authorizer`] |
//! | `POST /__admin/deny_authorize` | `{app_id, deny}` | [`Admin::set_deny_authorize`] |
//! | `POST /__admin/tokens` | [`TokenSpec`] | [`Admin::mint_token`] → `{access_token, expires_at}` |
//! | `POST /__admin/tokens/expire` | `{token}` | [`Admin::expire_token`] |
//! | `GET /__admin/clock` | | `{now, timestamp, manual}` ([`Admin::now`], [`Admin::clock_is_manual`]) |
//! | `POST /__admin/clock/advance` | `{seconds}` | [`Admin::advance`] |
//! | `POST /__admin/clock/set` | `{unix}` | [`Admin::set_time`] |
//! | `POST /__admin/posts` | [`PostAs`] | [`Admin::post_as`] → `{id}` |
//! | `POST /__admin/follows` / `DELETE` | `{follower, followee}` | [`Admin::follow`] / [`Admin::unfollow`] |
//! | `PUT /__admin/faults` | `[FaultRule]` | [`Admin::set_faults`] |
//! | `POST /__admin/faults` | [`FaultRule`](crate::FaultRule) | [`Admin::add_fault`] |
//! | `DELETE /__admin/faults` | | [`Admin::clear_faults`] |
//! | `POST /__admin/faults/seed` | `{seed}` | [`Admin::set_fault_seed`] |
//! | `GET /__admin/ledger` / `DELETE` | | [`Admin::ledger`] / [`Admin::clear_ledger`] |
//! | `POST /__admin/webhooks/subscribe` | [`WebhookSpec`] | [`Admin::subscribe_webhooks`] |
//! | `POST /__admin/webhooks/deliver` | | [`Admin::deliver_webhooks`] → [`DeliveryReport`](crate::DeliveryReport) |
//! | `GET /__admin/webhooks/deliveries` | | [`Admin::webhook_deliveries`] |
//! | `POST /__admin/webhooks/duplicates` | `{next?, rate?}` | [`Admin::duplicate_webhooks`] |
//! | `POST /__admin/callbacks/deauthorize` | `{app_id, user_id}` | [`Admin::fire_callback`] |
//! | `POST /__admin/callbacks/data_deletion` | `{app_id, user_id}` | [`Admin::fire_callback`] |
//! | `PUT /__admin/sensitive_keywords` | `["word", ...]` | [`Admin::set_sensitive_keywords`] |
//! | `POST /__admin/locations` | [`LocationSpec`] | [`Admin::add_location`] → `{id}` |
//! | `PUT /__admin/config` | `{delays?, republish?, media_fetch?}` | [`Admin::set_processing_delays`], [`Admin::set_republish`], [`Admin::set_media_fetch`] |
//!
//! The module holds three parts: [the inputs and outputs](AppSpec) of the admin calls, the
//! typed handle [`Admin`], and the HTTP routes above, which parse a JSON body, call the
//! handle and answer `{"error": "..."}` with status 400 (404 for an unknown route, 403 for a
//! refused reply) when it fails.

mod handle;
pub(crate) mod http;
mod specs;

pub use handle::Admin;
pub use specs::{
    AppInfo, AppSpec, LocationSpec, MintedToken, PostAs, TokenSpec, UserInfo, UserSpec, WebhookSpec,
};
