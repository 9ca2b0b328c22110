//! Wire models of the Threads Graph API.
//!
//! Decoding is tolerant: every field Meta may leave out (which, because the API
//! returns only the fields you ask for, is nearly every field) is an `Option`,
//! unknown extra fields are ignored, and enums keep values this crate does not
//! know yet in an `Unknown(String)` variant instead of failing.
//!
//! - [`container`]: the publish request as data ([`ContainerRequest`]) and the
//!   container status.
//! - [`attachment`]: polls, GIFs, spoilers and text attachments (shared by the
//!   write and read sides).
//! - [`media`]: the Threads media object ([`Media`]) and field selection
//!   ([`Fields`]).
//! - [`profile`], [`insights`], [`limits`], [`location`], [`oembed`]: the other
//!   read models.
//! - [`time`]: serde helpers for Meta's `2023-10-17T05:42:03+0000` timestamps.

use serde::{Deserialize, Serialize};

use crate::ids::{MediaId, UserId};

/// Defines a string-valued wire enum that keeps unknown values.
///
/// Matching on decode ignores ASCII case (`SPOILER` and `spoiler` are the same
/// value) and accepts the listed aliases (`"A" | "B"`); `as_str` and
/// serialization use the canonical (first) spelling; an unknown value is kept
/// exactly as received.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of the crate does not know, kept as received.
            Unknown(String),
        }

        impl $name {
            /// The wire spelling of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Unknown(s) => s,
                }
            }

            /// Parses a wire value (ASCII case-insensitive); unknown values are kept.
            pub fn from_wire(s: &str) -> Self {
                $(
                    if s.eq_ignore_ascii_case($wire) $(|| s.eq_ignore_ascii_case($alias))* {
                        return Self::$variant;
                    }
                )+
                Self::Unknown(s.to_owned())
            }

            /// Whether this is a value the crate does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from_wire(s))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct WireVisitor;

                impl serde::de::Visitor<'_> for WireVisitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a string")
                    }

                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::from_wire(v))
                    }
                }

                // A visitor rather than `Cow<str>`: known values allocate nothing.
                deserializer.deserialize_str(WireVisitor)
            }
        }
    };
}

pub(crate) use wire_enum;

/// Implements `Deserialize` for a wire struct with a required `id`, optional fields
/// and an `extra` map that keeps every key the struct does not name.
///
/// Does what `#[derive(Deserialize)]` with `#[serde(flatten)] extra` does (missing
/// `id` and duplicate known keys are errors, `null` or a missing optional field is
/// `None`, unknown keys are kept in `extra` with their values as received, a repeated
/// unknown key keeps its last value) without flatten's buffering of the whole object.
/// A field decoded through a helper is written `field: Type => Wrapper`, where
/// `Wrapper` is a newtype whose `.0` is the field's value.
macro_rules! deserialize_keeping_extra {
    (
        $name:ident, $expecting:literal,
        $id:ident: $id_ty:ty,
        { $( $field:ident : $ty:ty $(=> $wrapper:ty)? ),* $(,)? }
    ) => {
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                #[allow(non_camel_case_types)]
                enum Key {
                    $id,
                    $( $field, )*
                    Other(String),
                }

                struct KeyVisitor;

                impl serde::de::Visitor<'_> for KeyVisitor {
                    type Value = Key;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a field name")
                    }

                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key, E> {
                        Ok(match v {
                            stringify!($id) => Key::$id,
                            $( stringify!($field) => Key::$field, )*
                            _ => Key::Other(v.to_owned()),
                        })
                    }

                    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Key, E> {
                        Ok(match v.as_str() {
                            stringify!($id) => Key::$id,
                            $( stringify!($field) => Key::$field, )*
                            _ => Key::Other(v),
                        })
                    }
                }

                impl<'de> serde::Deserialize<'de> for Key {
                    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
                        d.deserialize_identifier(KeyVisitor)
                    }
                }

                struct MapVisitor;

                impl<'de> serde::de::Visitor<'de> for MapVisitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($expecting)
                    }

                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<$name, A::Error> {
                        let mut $id: Option<$id_ty> = None;
                        // `Some(value)` once the key was seen (to reject duplicates).
                        $( let mut $field: Option<$ty> = None; )*
                        let mut extra = serde_json::Map::new();
                        while let Some(key) = map.next_key::<Key>()? {
                            match key {
                                Key::$id => {
                                    if $id.is_some() {
                                        return Err(serde::de::Error::duplicate_field(stringify!($id)));
                                    }
                                    $id = Some(map.next_value()?);
                                }
                                $(
                                    Key::$field => {
                                        if $field.is_some() {
                                            return Err(serde::de::Error::duplicate_field(stringify!($field)));
                                        }
                                        $field = Some(deserialize_keeping_extra!(@value map $(, $wrapper)?));
                                    }
                                )*
                                Key::Other(name) => {
                                    let value: serde_json::Value = map.next_value()?;
                                    extra.insert(name, value);
                                }
                            }
                        }
                        Ok($name {
                            $id: $id.ok_or_else(|| serde::de::Error::missing_field(stringify!($id)))?,
                            $( $field: $field.flatten(), )*
                            extra,
                        })
                    }
                }

                deserializer.deserialize_map(MapVisitor)
            }
        }
    };
    (@value $map:ident) => {
        $map.next_value()?
    };
    (@value $map:ident, $wrapper:ty) => {
        $map.next_value::<$wrapper>()?.0
    };
}

pub mod attachment;
pub mod container;
pub mod fields;
pub mod insights;
pub mod limits;
pub mod location;
pub mod media;
pub mod oembed;
pub mod profile;
pub(crate) mod serde_helpers;
pub mod time;

pub use attachment::{
    GifAttachment, GifProvider, PollAttachment, PollResults, StyledRange, TextAttachment,
    TextEntity, TextEntityType, TextStyle,
};
pub use container::{
    ContainerErrorCode, ContainerMediaType, ContainerRequest, ContainerState, ContainerStatus,
    CrossreshareStatus, ReplyControl,
};
pub use fields::{Endpoint, Fields, POLL_SUBFIELDS};
pub use insights::{
    Breakdown, BreakdownResult, DemographicBreakdown, InsightValue, InsightsPaging,
    InsightsResponse, LinkValue, MediaMetric, Metric, Period, TotalValue, UserMetric,
};
pub use limits::{LimitField, PublishingLimit, PublishingLimits, QuotaConfig};
pub use location::{Location, LocationField};
pub use media::{
    GhostPostStatus, HideStatus, Media, MediaField, MediaProductType, MediaType,
    ReplyApprovalStatus, ReplyAudience,
};
pub use oembed::OEmbed;
pub use profile::{Profile, ProfileField, PublicProfile, PublicProfileField, SearchedKeyword};

/// A `{"data": [...]}` list without paging, as used for carousel `children`,
/// insights and publishing limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
#[non_exhaustive]
pub struct DataList<T> {
    /// The items.
    #[serde(default = "Vec::new")]
    pub data: Vec<T>,
}

impl<T> DataList<T> {
    /// Wraps `data`.
    pub fn new(data: Vec<T>) -> Self {
        Self { data }
    }
}

impl<T> Default for DataList<T> {
    fn default() -> Self {
        Self { data: Vec::new() }
    }
}

impl<T> IntoIterator for DataList<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.data.into_iter()
    }
}

/// A reference to another post: `{"id": "..."}`.
///
/// Used for `root_post`, `replied_to`, `quoted_post`, `reposted_post` and
/// carousel `children`. Webhook payloads add `owner_id` and `username` to
/// `root_post`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PostRef {
    /// The referenced post.
    pub id: MediaId,
    /// The referenced post's author (webhook payloads only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<UserId>,
    /// The referenced post's author's username (webhook payloads only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

impl PostRef {
    /// A reference to `id`.
    pub fn new(id: impl Into<MediaId>) -> Self {
        Self {
            id: id.into(),
            owner_id: None,
            username: None,
        }
    }
}

/// The `owner` of a post: `{"id": "..."}` on media objects, `{"owner_id": "..."}`
/// in `delete` webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Owner {
    /// The owner's user ID (media objects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<UserId>,
    /// The owner's user ID (`delete` webhooks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<UserId>,
}

impl Owner {
    /// The owner's user ID, whichever key carried it.
    pub fn user_id(&self) -> Option<&UserId> {
        self.id.as_ref().or(self.owner_id.as_ref())
    }
}
