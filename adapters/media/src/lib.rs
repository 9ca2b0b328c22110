//! # threads-media
//!
//! Media for Threads posts: the Threads API does not take uploads, it
//! fetches each image or video from a public URL given as `image_url` or
//! `video_url` when a container is created. This crate
//!
//! * stores media on [`object_store`]: a local directory served by the
//!   host's HTTP router (the embedded default), S3-compatible storage such
//!   as Cloudflare R2 with public or presigned URLs (feature `s3`),
//!   in-memory storage, or any other `ObjectStore`;
//! * preflights media before a container is created, reading only headers
//!   and boxes, against Meta's media specifications
//!   (<https://developers.facebook.com/docs/threads/overview>, section
//!   "Media specifications"; see [`limits`] for the numbers and what is not
//!   checked);
//! * probes the URL Meta will fetch (status, content type, length);
//! * cleans up after publishing, and deletes an account's media with its data.
//!
//! With the `pipeline` feature, `PipelineMedia` plugs a store into a
//! content-pipeline `Pipeline` (`PipelineBuilder::media`), which then
//! preflights every attachment before a container is created, cleans up
//! after publishing and deletes an account's media with its data.
//!
//! * [Quick start](#quick-start)
//! * [Backends and URLs](#backends-and-urls)
//! * [Preflight](#preflight)
//! * [URL probe](#url-probe)
//! * [Cleanup](#cleanup)
//! * [Serving the local directory](#serving-the-local-directory)
//! * [Security notes](#security-notes)
//!
//! ## Quick start
//!
//! ```no_run
//! use threads_media::{MediaKind, MediaStoreBuilder, probe_url};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // Files under ./media, served by the host at https://example.com/media/.
//! let store = MediaStoreBuilder::local("media", "https://example.com/media/").build()?;
//!
//! // Store a video without loading it into memory, then check it.
//! let stored = store.put_file("17841400000000000", "clip.mp4").await?;
//! store.preflight(&stored.key).await?; // Err names the rule: "video.fast_start: ..."
//!
//! // Make sure Meta can fetch it.
//! let report = probe_url(stored.url.url.as_str()).await?;
//! report.check(MediaKind::Video, store.limits())?;
//!
//! // ... create and publish the container with `stored.url.url` ...
//! store.after_publish(&stored.key).await?; // deletes it unless Cleanup::Keep
//! # Ok(())
//! # }
//! ```
//!
//! ## Backends and URLs
//!
//! [`MediaStoreBuilder`] picks the backend:
//!
//! | Constructor | Storage | URL Meta fetches |
//! |---|---|---|
//! | [`local(dir, base)`](MediaStoreBuilder::local) | a directory | `base` + key, served by the host |
//! | `s3(S3Config)` (feature `s3`) | S3, R2, MinIO, ... | presigned (default 1 h), or `base` + key for a public bucket |
//! | [`memory(base)`](MediaStoreBuilder::memory) | memory | `base` + key |
//! | [`custom(store, base)`](MediaStoreBuilder::custom) | any `ObjectStore` | `base` + key |
//! | [`from_env()`](MediaStoreBuilder::from_env) | `THREADS_MEDIA_*` variables | as configured |
//!
//! Keys are `[prefix/]account/<uuidv7>.<ext>` ([`MediaKey`]). With the `s3`
//! feature, `S3Config` takes the bucket URL (`s3://bucket`, an AWS URL, or
//! R2's `https://<account>.r2.cloudflarestorage.com/<bucket>`) and the keys;
//! its documentation has an R2 example.
//!
//! ## Preflight
//!
//! [`preflight_image`], [`preflight_image_bytes`], [`preflight_video`],
//! [`preflight`] and [`MediaStore::preflight`] read as little as they can:
//! an image's header (via `imagesize`), a video's top-level box headers and
//! its `moov` box (decoded with `mp4-atom`); sample data is never read, so
//! a 100 MB fast-start MP4 costs a few kilobytes. A failure is an
//! [`Error::Preflight`] whose [`PreflightError`] names the [`Rule`], the
//! [`Measure`] and the [`Limit`]:
//!
//! ```text
//! image.width: measured 200 px, allowed between 320 px and 1440 px
//! video.fast_start: measured `mdat` at byte 32 before `moov` at byte 1048608, allowed `moov` before `mdat` (fast start)
//! video.codec: measured vp09 (VP9), allowed one of H.264 (avc1, avc3), HEVC (hvc1, hev1)
//! ```
//!
//! Checked for images: JPEG/PNG, file size, width, aspect ratio. For
//! videos: MOV/MP4 (`ftyp` first), file size, `moov` before `mdat`,
//! duration, a video track, H.264/HEVC, displayed width, aspect ratio,
//! frame rate, and for the audio track (if any) AAC, sample rate and
//! channels. [`Limits`] holds the numbers; its default is Meta's.
//!
//! ## URL probe
//!
//! [`probe_url`] (or a [`Prober`] with its own [`ProbeOptions`]) sends
//! `HEAD`, falling back to `GET` with `Range: bytes=0-0` when `HEAD` fails
//! (presigned S3 URLs are signed for `GET` only), follows at most 3
//! redirects, and reports status, `Content-Type` and length without
//! downloading the body. [`ProbeReport::check`] turns the report into a
//! [`PreflightError`] ([`Rule::UrlStatus`], [`Rule::UrlContentType`],
//! [`Rule::UrlContentLength`]).
//!
//! ## Cleanup
//!
//! [`MediaStore::after_publish`] deletes a published post's media under
//! [`Cleanup::AfterPublish`] (the default) and keeps it under
//! [`Cleanup::Keep`]. [`MediaStore::delete_older_than`] sweeps media whose
//! post was never published; [`MediaStore::delete_account`] removes all of
//! an account's media when the account's data is deleted.
//!
//! ## Serving the local directory
//!
//! The local backend needs an HTTP route at its public base URL, provided by
//! the host's router. For a request below the mount point, the
//! route parses the rest of the path with [`MediaKey::parse`] (which only
//! admits plain segments, so nothing escapes the directory), asks
//! [`MediaStore::local_file`] for the file, and sends it with the returned
//! [`LocalFile::media_type`]'s MIME type and [`LocalFile::size`]. The URL
//! must be reachable from Meta's servers: a public host name over HTTPS,
//! not `localhost`.
//!
//! ## Security notes
//!
//! * S3 keys live in `S3Config` as `SecretString`s; neither `Debug` nor
//!   any error shows them, and [`MediaStore`]'s `Debug` does not print the
//!   underlying client.
//! * Presigned URLs are short-lived credentials: [`MediaUrl`] and
//!   [`ProbeReport`] print them without their query string in `Debug`, and
//!   errors never include query strings.
//! * Keys and account ids are restricted to `A–Z a–z 0–9 . _ -` segments.

mod boxes;
mod builder;
mod cleanup;
mod error;
mod image;
mod key;
pub mod limits;
mod media_type;
#[cfg(feature = "pipeline")]
mod pipeline;
mod preflight;
mod probe;
mod rules;
#[cfg(feature = "s3")]
mod s3;
mod source;
mod store;
mod video;

pub use builder::{DEFAULT_PRESIGN, MediaStoreBuilder};
pub use cleanup::{Cleanup, CleanupOutcome};
pub use error::Error;
pub use image::{ImageFacts, preflight_image, preflight_image_bytes};
pub use key::MediaKey;
pub use limits::{ImageLimits, Limits, VideoLimits};
pub use media_type::{MediaKind, MediaType};
#[cfg(feature = "pipeline")]
pub use pipeline::PipelineMedia;
pub use preflight::{MediaFacts, preflight};
pub use probe::{ProbeMethod, ProbeOptions, ProbeReport, Prober, probe_url};
pub use rules::{Limit, Measure, PreflightError, Rule};
#[cfg(feature = "s3")]
pub use s3::S3Config;
pub use store::{LocalFile, MediaStore, MediaUrl, StoredMedia};
pub use video::{AudioFacts, VideoCodec, VideoFacts, preflight_video};

/// The object_store crate this one is built on, for
/// [`MediaStoreBuilder::custom`] and [`MediaStore::object_store`].
pub use object_store;
