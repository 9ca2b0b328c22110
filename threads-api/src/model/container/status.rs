//! The status of a media container (`GET /{container-id}?fields=id,status,error_message`)
//! and the outcome of sharing a post to Instagram.
//!
//! Meta describes the states and error messages in its troubleshooting guide:
//! <https://developers.facebook.com/docs/threads/troubleshooting>.

use serde::{Deserialize, Serialize};

use crate::ids::ContainerId;

wire_enum! {
    /// The `status` of a media container.
    pub enum ContainerState {
        /// Still processing.
        InProgress = "IN_PROGRESS",
        /// Ready to publish.
        Finished = "FINISHED",
        /// Already published.
        Published = "PUBLISHED",
        /// Processing failed; see `error_message`.
        Error = "ERROR",
        /// Not published within 24 hours.
        Expired = "EXPIRED",
    }
}

impl ContainerState {
    /// Whether the container will not change state any more by itself
    /// (`PUBLISHED`, `ERROR`, `EXPIRED`).
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Published | Self::Error | Self::Expired)
    }
}

wire_enum! {
    /// Why a container failed (`error_message`, with `status = ERROR`).
    pub enum ContainerErrorCode {
        /// The video could not be downloaded.
        FailedDownloadingVideo = "FAILED_DOWNLOADING_VIDEO",
        /// The audio track could not be processed.
        FailedProcessingAudio = "FAILED_PROCESSING_AUDIO",
        /// The video could not be processed.
        FailedProcessingVideo = "FAILED_PROCESSING_VIDEO",
        /// Unsupported aspect ratio. The wire value is Meta's spelling,
        /// `INVALID_ASPEC_RATIO`.
        InvalidAspectRatio = "INVALID_ASPEC_RATIO",
        /// Unsupported bit rate.
        InvalidBitRate = "INVALID_BIT_RATE",
        /// Unsupported duration.
        InvalidDuration = "INVALID_DURATION",
        /// Unsupported frame rate.
        InvalidFrameRate = "INVALID_FRAME_RATE",
        /// Unsupported number of audio channels.
        InvalidAudioChannels = "INVALID_AUDIO_CHANNELS",
        /// Unsupported audio channel layout.
        InvalidAudioChannelLayout = "INVALID_AUDIO_CHANNEL_LAYOUT",
        /// Unspecified failure (often an unreachable image/video URL).
        Unspecified = "UNKNOWN",
    }
}

/// The status of a container: `GET /{container-id}?fields=id,status,error_message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContainerStatus {
    /// The container.
    pub id: ContainerId,
    /// Its processing state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ContainerState>,
    /// Why it failed (only with `ERROR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<ContainerErrorCode>,
}

impl ContainerStatus {
    /// Whether the container can be published now (`FINISHED`).
    pub fn is_ready(&self) -> bool {
        self.status == Some(ContainerState::Finished)
    }
}

wire_enum! {
    /// Outcome of sharing to Instagram Stories (`crossreshare_to_ig_status`).
    pub enum CrossreshareStatus {
        /// Shared.
        Success = "SUCCESS",
        /// Not shared (the Threads post is published anyway).
        Failed = "FAILED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_status_decodes() {
        let s: ContainerStatus = serde_json::from_str(
            r#"{"status":"ERROR","id":"1","error_message":"INVALID_ASPEC_RATIO"}"#,
        )
        .unwrap();
        assert_eq!(s.status, Some(ContainerState::Error));
        assert_eq!(
            s.error_message,
            Some(ContainerErrorCode::InvalidAspectRatio)
        );
        assert!(s.status.as_ref().is_some_and(ContainerState::is_terminal));
        let s: ContainerStatus =
            serde_json::from_str(r#"{"status":"SCHEDULED","id":"2"}"#).unwrap();
        assert_eq!(s.status, Some(ContainerState::Unknown("SCHEDULED".into())));
        assert!(!s.is_ready());
    }
}
