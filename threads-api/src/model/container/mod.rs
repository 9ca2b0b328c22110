//! The publish request as data, and the status of a media container.
//!
//! Publishing on Threads is two steps: `POST /{user}/threads` creates a
//! *container* from a [`ContainerRequest`], then `POST /{user}/threads_publish`
//! publishes it (unless `auto_publish_text` did so at once). This module holds
//! the request and its client-side checks; it does no I/O.
//!
//! ```
//! use threads_api::model::{ContainerRequest, PollAttachment, ReplyControl};
//!
//! let post = ContainerRequest::text("Which do you prefer?")
//!     .poll_attachment(PollAttachment::new("Tabs", "Spaces"))
//!     .reply_control(ReplyControl::AccountsYouFollow)
//!     .topic_tag("Rust");
//! post.validate().expect("a valid poll post");
//!
//! let form = post.to_form();
//! assert!(form.contains(&("media_type", "TEXT".to_string())));
//! assert!(form.contains(&("reply_control", "accounts_you_follow".to_string())));
//! assert!(form.contains(&(
//!     "poll_attachment",
//!     r#"{"option_a":"Tabs","option_b":"Spaces"}"#.to_string()
//! )));
//! ```
//!
//! The request and its wire encoding are plain data; the client-side rules
//! ([`ContainerRequest::validate`]) are grouped by the parameters they concern
//! (media type and carousel, text budget and links, spoilers, attachments,
//! topic and countries, ghost posts, referenced IDs). The container's status
//! after creation is [`ContainerStatus`].

mod form;
mod request;
mod status;
mod validate;

pub use request::{ContainerMediaType, ContainerRequest, ReplyControl};
pub use status::{ContainerErrorCode, ContainerState, ContainerStatus, CrossreshareStatus};

/// Most characters of `alt_text`.
pub const ALT_TEXT_MAX_CHARS: usize = 1_000;
/// Fewest children of a carousel.
pub const CAROUSEL_MIN_CHILDREN: usize = 2;
/// Most children of a carousel.
pub const CAROUSEL_MAX_CHILDREN: usize = 20;
