//! The catalogue of Graph error codes: numeric codes ([`ErrorCode`]), subcodes
//! ([`ErrorSubcode`]) and the Threads string codes ([`ThreadsErrorCode`]), with the
//! groups the classification relies on (throttling, token and permission codes).

/// Known numeric Graph error codes; anything else is kept in [`ErrorCode::Unknown`].
///
/// These are the generic Graph API codes
/// (<https://developers.facebook.com/docs/graph-api/guides/error-handling>) that Threads
/// also returns, plus the ones seen on Threads itself: 24 (with subcode 4279009) when a
/// container is published before it is ready, and 100 for an invalid parameter or a
/// field that does not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 1: unknown API error (temporary).
    UnknownApiError,
    /// 2: service temporarily unavailable.
    ServiceUnavailable,
    /// 3: the app lacks the capability for this method.
    AppCapability,
    /// 4: app call-rate limit.
    AppRateLimit,
    /// 10: permission denied (not granted or removed).
    PermissionDenied,
    /// 17: user call-rate limit.
    UserRateLimit,
    /// 24: the requested resource does not exist (publishing a container that is not
    /// ready yet).
    ResourceNotFound,
    /// 32: page call-rate limit.
    PageRateLimit,
    /// 100: invalid parameter or nonexistent field.
    InvalidParameter,
    /// 190: invalid or expired access token.
    InvalidToken,
    /// 200–299: a specific permission is missing (the code is kept).
    Permission(i64),
    /// 341: application limit reached.
    ApplicationLimit,
    /// 368: temporarily blocked for policy violations.
    PolicyBlock,
    /// 506: duplicate post.
    DuplicatePost,
    /// 613: custom rate limit.
    CustomRateLimit,
    /// Any other code.
    Unknown(i64),
}

impl ErrorCode {
    /// Types a numeric code.
    pub fn from_i64(code: i64) -> Self {
        match code {
            1 => Self::UnknownApiError,
            2 => Self::ServiceUnavailable,
            3 => Self::AppCapability,
            4 => Self::AppRateLimit,
            10 => Self::PermissionDenied,
            17 => Self::UserRateLimit,
            24 => Self::ResourceNotFound,
            32 => Self::PageRateLimit,
            100 => Self::InvalidParameter,
            190 => Self::InvalidToken,
            200..=299 => Self::Permission(code),
            341 => Self::ApplicationLimit,
            368 => Self::PolicyBlock,
            506 => Self::DuplicatePost,
            613 => Self::CustomRateLimit,
            other => Self::Unknown(other),
        }
    }

    /// The numeric code.
    pub fn as_i64(self) -> i64 {
        match self {
            Self::UnknownApiError => 1,
            Self::ServiceUnavailable => 2,
            Self::AppCapability => 3,
            Self::AppRateLimit => 4,
            Self::PermissionDenied => 10,
            Self::UserRateLimit => 17,
            Self::ResourceNotFound => 24,
            Self::PageRateLimit => 32,
            Self::InvalidParameter => 100,
            Self::InvalidToken => 190,
            Self::Permission(c) | Self::Unknown(c) => c,
            Self::ApplicationLimit => 341,
            Self::PolicyBlock => 368,
            Self::DuplicatePost => 506,
            Self::CustomRateLimit => 613,
        }
    }

    /// Throttling codes: 4, 17, 32, 341, 613.
    pub fn is_rate_limit(self) -> bool {
        matches!(
            self,
            Self::AppRateLimit
                | Self::UserRateLimit
                | Self::PageRateLimit
                | Self::ApplicationLimit
                | Self::CustomRateLimit
        )
    }

    /// Token and permission codes: 190, 10, 200–299.
    pub fn is_auth(self) -> bool {
        matches!(
            self,
            Self::InvalidToken | Self::PermissionDenied | Self::Permission(_)
        )
    }
}

/// Known Graph `error_subcode` values; anything else is kept in
/// [`ErrorSubcode::Unknown`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorSubcode {
    /// 33: object does not exist, cannot be loaded due to missing permissions, or does
    /// not support this operation.
    UnsupportedObject,
    /// 458: the user has not installed the app.
    AppNotInstalled,
    /// 459: the user is checkpointed.
    Checkpointed,
    /// 460: the password changed.
    PasswordChanged,
    /// 463: the token expired.
    TokenExpired,
    /// 464: unconfirmed user.
    UnconfirmedUser,
    /// 467: invalid token.
    InvalidToken,
    /// 2207051: "We restrict certain activity to protect our community".
    ActivityRestricted,
    /// 2207052: media could not be fetched.
    MediaFetchFailed,
    /// 4279009: "Media Not Found", a container that is not ready yet.
    MediaNotFound,
    /// 4279013: the user is restricted.
    UserRestricted,
    /// Any other subcode.
    Unknown(i64),
}

impl ErrorSubcode {
    /// Types a numeric subcode.
    pub fn from_i64(code: i64) -> Self {
        match code {
            33 => Self::UnsupportedObject,
            458 => Self::AppNotInstalled,
            459 => Self::Checkpointed,
            460 => Self::PasswordChanged,
            463 => Self::TokenExpired,
            464 => Self::UnconfirmedUser,
            467 => Self::InvalidToken,
            2_207_051 => Self::ActivityRestricted,
            2_207_052 => Self::MediaFetchFailed,
            4_279_009 => Self::MediaNotFound,
            4_279_013 => Self::UserRestricted,
            other => Self::Unknown(other),
        }
    }

    /// The numeric subcode.
    pub fn as_i64(self) -> i64 {
        match self {
            Self::UnsupportedObject => 33,
            Self::AppNotInstalled => 458,
            Self::Checkpointed => 459,
            Self::PasswordChanged => 460,
            Self::TokenExpired => 463,
            Self::UnconfirmedUser => 464,
            Self::InvalidToken => 467,
            Self::ActivityRestricted => 2_207_051,
            Self::MediaFetchFailed => 2_207_052,
            Self::MediaNotFound => 4_279_009,
            Self::UserRestricted => 4_279_013,
            Self::Unknown(c) => c,
        }
    }

    /// The token subcodes of code 190 (458, 459, 460, 463, 464, 467).
    pub fn is_auth(self) -> bool {
        matches!(
            self,
            Self::AppNotInstalled
                | Self::Checkpointed
                | Self::PasswordChanged
                | Self::TokenExpired
                | Self::UnconfirmedUser
                | Self::InvalidToken
        )
    }
}

/// Threads-specific string error codes (`THREADS_API__...`).
///
/// Where these appear in the error JSON is not documented (`code`, `message` and
/// `error_user_msg` have all been reported), so every one of those places is searched.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ThreadsErrorCode {
    /// `THREADS_API__LINK_LIMIT_EXCEEDED`: more than 5 unique links.
    LinkLimitExceeded,
    /// `THREADS_API__FEATURE_NOT_AVAILABLE`: the user lacks access to the feature.
    FeatureNotAvailable,
    /// `THREADS_API__GEO_GATING_INVALID_COUNTRY_CODES`: unsupported country code(s).
    GeoGatingInvalidCountryCodes,
    /// Another `THREADS_API__...` code, kept verbatim.
    Other(String),
}

impl ThreadsErrorCode {
    const PREFIX: &'static str = "THREADS_API__";

    /// Types a full code string.
    pub fn parse(code: &str) -> Self {
        match code {
            "THREADS_API__LINK_LIMIT_EXCEEDED" => Self::LinkLimitExceeded,
            "THREADS_API__FEATURE_NOT_AVAILABLE" => Self::FeatureNotAvailable,
            "THREADS_API__GEO_GATING_INVALID_COUNTRY_CODES" => Self::GeoGatingInvalidCountryCodes,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Finds the first `THREADS_API__[A-Z0-9_]+` token in a text (e.g.
    /// `"ErrorCode::THREADS_API__LINK_LIMIT_EXCEEDED"` or a sentence quoting it).
    pub fn find_in(text: &str) -> Option<Self> {
        let start = text.find(Self::PREFIX)?;
        let rest = &text[start..];
        let end = rest
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(rest.len());
        let code = &rest[..end];
        (code.len() > Self::PREFIX.len()).then(|| Self::parse(code))
    }

    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            Self::LinkLimitExceeded => "THREADS_API__LINK_LIMIT_EXCEEDED",
            Self::FeatureNotAvailable => "THREADS_API__FEATURE_NOT_AVAILABLE",
            Self::GeoGatingInvalidCountryCodes => "THREADS_API__GEO_GATING_INVALID_COUNTRY_CODES",
            Self::Other(s) => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_codes_round_trip() {
        for code in [
            1, 2, 3, 4, 10, 17, 24, 32, 100, 190, 200, 250, 299, 341, 368, 506, 613,
        ] {
            let typed = ErrorCode::from_i64(code);
            assert!(!matches!(typed, ErrorCode::Unknown(_)), "{code}");
            assert_eq!(typed.as_i64(), code);
        }
        assert_eq!(ErrorCode::from_i64(300), ErrorCode::Unknown(300));
        assert_eq!(ErrorCode::from_i64(199), ErrorCode::Unknown(199));
        for sub in [
            33, 458, 459, 460, 463, 464, 467, 2_207_051, 2_207_052, 4_279_009, 4_279_013,
        ] {
            let typed = ErrorSubcode::from_i64(sub);
            assert!(!matches!(typed, ErrorSubcode::Unknown(_)), "{sub}");
            assert_eq!(typed.as_i64(), sub);
        }
        assert_eq!(ErrorSubcode::from_i64(7).as_i64(), 7);
    }

    #[test]
    fn code_groups() {
        let throttling: Vec<i64> = (0..700)
            .filter(|&c| ErrorCode::from_i64(c).is_rate_limit())
            .collect();
        assert_eq!(throttling, [4, 17, 32, 341, 613]);
        assert!(ErrorCode::InvalidToken.is_auth());
        assert!(ErrorCode::PermissionDenied.is_auth());
        assert!(ErrorCode::from_i64(230).is_auth());
        assert!(!ErrorCode::InvalidParameter.is_auth());
        assert!(ErrorSubcode::TokenExpired.is_auth());
        assert!(!ErrorSubcode::MediaNotFound.is_auth());
    }

    #[test]
    fn string_codes_are_found_in_text() {
        assert_eq!(
            ThreadsErrorCode::find_in("x THREADS_API__SOMETHING_NEW y"),
            Some(ThreadsErrorCode::Other("THREADS_API__SOMETHING_NEW".into()))
        );
        assert_eq!(
            ThreadsErrorCode::find_in("ErrorCode::THREADS_API__LINK_LIMIT_EXCEEDED."),
            Some(ThreadsErrorCode::LinkLimitExceeded)
        );
        assert_eq!(ThreadsErrorCode::find_in("THREADS_API__"), None);
        assert_eq!(ThreadsErrorCode::find_in("nothing here"), None);
        assert_eq!(
            ThreadsErrorCode::parse("THREADS_API__FEATURE_NOT_AVAILABLE").as_str(),
            "THREADS_API__FEATURE_NOT_AVAILABLE"
        );
    }
}
