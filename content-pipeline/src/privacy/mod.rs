//! Privacy: export an account's records, delete an account (also from Meta's
//! data-deletion and deauthorize callbacks), and purge by retention.
//!
//! * **Export** ([`Pipeline::export_account`](crate::Pipeline::export_account)):
//!   every record naming the account, as one versioned JSON document
//!   ([`AccountExportDocument`]); tokens are never in it.
//! * **Deletion** ([`Pipeline::delete_account`](crate::Pipeline::delete_account)):
//!   the token goes first and the account is marked disconnected, so no
//!   work acts for it from that moment; then every record naming it is
//!   deleted in one store transaction, leaving only a
//!   [`DeletionRequest`](store_traits::DeletionRequest) (confirmation code,
//!   status, times: no personal data) whose status
//!   [`Pipeline::deletion_status`](crate::Pipeline::deletion_status) looks up
//!   by code. A job that was already claimed for the account finds its job,
//!   draft and token gone: its fenced writes and its lease check fail, so it
//!   publishes nothing.
//! * **Meta's callbacks** ([`Pipeline::handle_data_deletion`](crate::Pipeline::handle_data_deletion),
//!   [`Pipeline::handle_deauthorize`](crate::Pipeline::handle_deauthorize)):
//!   the `signed_request` is verified, the accounts of the app-scoped user
//!   are found, deleted (or disconnected), and the data-deletion callback
//!   answers with the status URL and the confirmation code. See Meta's
//!   [data deletion callback](https://developers.facebook.com/docs/development/create-an-app/app-dashboard/data-deletion-callback).
//! * **Retention** ([`Pipeline::purge`](crate::Pipeline::purge), run on a
//!   schedule by [`Pipeline::schedule_purges`](crate::Pipeline::schedule_purges)):
//!   what [`RetentionSettings`](crate::config::RetentionSettings) says.

mod callbacks;
mod deletion;
mod export;
mod retention;

pub use deletion::DeletionReceipt;
pub use export::{AccountExportDocument, EXPORT_FORMAT, EXPORT_VERSION};
pub use retention::RetentionReport;
