//! User profiles: the token owner's own profile (`GET /me`) and public
//! profiles found by profile discovery (`GET /profile_lookup`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::UserId;

/// The token owner's Threads profile: `GET /{threads-user-id}` or `GET /me`.
///
/// Only the token owner's own profile can be read. Fields are present only
/// when requested; extra fields are kept in [`extra`](Self::extra).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Profile {
    /// The user ID.
    pub id: UserId,
    /// The handle, without `@`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Profile picture URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads_profile_picture_url: Option<String>,
    /// Bio text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads_biography: Option<String>,
    /// Whether the account is verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_verified: Option<bool>,
    /// The user's recent keyword searches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recently_searched_keywords: Option<Vec<SearchedKeyword>>,
    /// Whether the user may geo-gate posts (`allowlisted_country_codes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_eligible_for_geo_gating: Option<bool>,
    /// Fields this crate does not model, as raw JSON.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

deserialize_keeping_extra!(
    Profile, "a Threads profile",
    id: UserId,
    {
        username: Option<String>,
        name: Option<String>,
        threads_profile_picture_url: Option<String>,
        threads_biography: Option<String>,
        is_verified: Option<bool>,
        recently_searched_keywords: Option<Vec<SearchedKeyword>>,
        is_eligible_for_geo_gating: Option<bool>,
    }
);

/// One entry of `recently_searched_keywords`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SearchedKeyword {
    /// The search query.
    pub query: String,
    /// When it was searched (epoch **milliseconds** on the wire).
    #[serde(
        default,
        with = "chrono::serde::ts_milliseconds_option",
        skip_serializing_if = "Option::is_none"
    )]
    pub timestamp: Option<DateTime<Utc>>,
}

wire_enum! {
    /// A field of [`Profile`], for `fields=`.
    pub enum ProfileField {
        /// `id` (the default).
        Id = "id",
        /// `username`.
        Username = "username",
        /// `name`.
        Name = "name",
        /// `threads_profile_picture_url`.
        ThreadsProfilePictureUrl = "threads_profile_picture_url",
        /// `threads_biography`.
        ThreadsBiography = "threads_biography",
        /// `is_verified`.
        IsVerified = "is_verified",
        /// `recently_searched_keywords`.
        RecentlySearchedKeywords = "recently_searched_keywords",
        /// `is_eligible_for_geo_gating`.
        IsEligibleForGeoGating = "is_eligible_for_geo_gating",
    }
}

impl ProfileField {
    /// Every documented profile field.
    pub const ALL: [ProfileField; 8] = [
        ProfileField::Id,
        ProfileField::Username,
        ProfileField::Name,
        ProfileField::ThreadsProfilePictureUrl,
        ProfileField::ThreadsBiography,
        ProfileField::IsVerified,
        ProfileField::RecentlySearchedKeywords,
        ProfileField::IsEligibleForGeoGating,
    ];

    /// The usual profile card: id, username, name, picture, bio, verification.
    pub const BASIC: [ProfileField; 6] = [
        ProfileField::Id,
        ProfileField::Username,
        ProfileField::Name,
        ProfileField::ThreadsProfilePictureUrl,
        ProfileField::ThreadsBiography,
        ProfileField::IsVerified,
    ];
}

/// A public profile: `GET /profile_lookup?username=...`.
///
/// No `id` is returned. The like/quote/reply/repost/view counts cover the
/// last 7 days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PublicProfile {
    /// The handle, without `@`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Profile picture URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_picture_url: Option<String>,
    /// Bio text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub biography: Option<String>,
    /// Whether the account is verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_verified: Option<bool>,
    /// Number of followers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follower_count: Option<u64>,
    /// Likes in the last 7 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub likes_count: Option<u64>,
    /// Quotes in the last 7 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quotes_count: Option<u64>,
    /// Replies in the last 7 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replies_count: Option<u64>,
    /// Reposts in the last 7 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reposts_count: Option<u64>,
    /// Views in the last 7 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub views_count: Option<u64>,
}

wire_enum! {
    /// A field of [`PublicProfile`], for `fields=` on `/profile_lookup`.
    pub enum PublicProfileField {
        /// `username`.
        Username = "username",
        /// `name`.
        Name = "name",
        /// `profile_picture_url`.
        ProfilePictureUrl = "profile_picture_url",
        /// `biography`.
        Biography = "biography",
        /// `is_verified`.
        IsVerified = "is_verified",
        /// `follower_count`.
        FollowerCount = "follower_count",
        /// `likes_count`.
        LikesCount = "likes_count",
        /// `quotes_count`.
        QuotesCount = "quotes_count",
        /// `replies_count`.
        RepliesCount = "replies_count",
        /// `reposts_count`.
        RepostsCount = "reposts_count",
        /// `views_count`.
        ViewsCount = "views_count",
    }
}

impl PublicProfileField {
    /// Every documented public-profile field (including `replies_count`,
    /// which the field table omits but the example shows).
    pub const ALL: [PublicProfileField; 11] = [
        PublicProfileField::Username,
        PublicProfileField::Name,
        PublicProfileField::ProfilePictureUrl,
        PublicProfileField::Biography,
        PublicProfileField::IsVerified,
        PublicProfileField::FollowerCount,
        PublicProfileField::LikesCount,
        PublicProfileField::QuotesCount,
        PublicProfileField::RepliesCount,
        PublicProfileField::RepostsCount,
        PublicProfileField::ViewsCount,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_keeps_unknown_keys_and_round_trips() {
        let body = r#"{"id": "7", "name": "N", "is_verified": true,
            "followers_hint": {"a": [1]}, "recently_searched_keywords": null}"#;
        let p: Profile = serde_json::from_str(body).unwrap();
        assert_eq!(p.id, UserId::new("7"));
        assert_eq!(p.name.as_deref(), Some("N"));
        assert_eq!(p.is_verified, Some(true));
        assert_eq!(p.recently_searched_keywords, None);
        assert_eq!(p.extra.len(), 1);
        assert_eq!(p.extra["followers_hint"]["a"][0], 1);
        let again: Profile = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(again, p);
        assert!(serde_json::from_str::<Profile>(r#"{"name": "N"}"#).is_err());
        assert!(serde_json::from_str::<Profile>(r#"{"id": "7", "id": "8"}"#).is_err());
    }
}
