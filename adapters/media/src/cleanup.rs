//! What happens to stored media once its post is published.

/// Whether [`MediaStore::after_publish`](crate::MediaStore::after_publish)
/// deletes the media of a published post.
///
/// Meta copies the media while it processes a container, so once the post
/// is published the stored copy is no longer needed. Delete only after
/// publishing (not after creating the container): a video container stays
/// `IN_PROGRESS` while Meta downloads and transcodes it, and an
/// unpublished container expires after 24 hours, after which it may have to
/// be created again from the same URL. Media of posts that never get published is removed by
/// [`MediaStore::delete_older_than`](crate::MediaStore::delete_older_than).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cleanup {
    /// Delete the media once its post is published (the default).
    #[default]
    AfterPublish,
    /// Keep the media (for an archive, or to re-post it).
    Keep,
}

/// What [`MediaStore::after_publish`](crate::MediaStore::after_publish) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CleanupOutcome {
    /// The media was deleted (or was already gone).
    Deleted,
    /// The policy is [`Cleanup::Keep`]; nothing was deleted.
    Kept,
}
