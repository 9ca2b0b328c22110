//! String-backed identifier newtypes.
//!
//! Threads IDs are numeric strings of about 15–17 digits (`"17889615691921648"`).
//! They are kept as strings: they are opaque to clients, some are larger than
//! JavaScript's safe integer range, and the `me` alias is a valid user ID in
//! paths. One newtype per kind of object keeps a media ID from being passed
//! where a container ID is expected.
//!
//! Every ID type:
//! - deserializes from a JSON string **or** a JSON number (the code-exchange
//!   response sends `user_id` as a bare number; one location example does the
//!   same for `id`);
//! - serializes as a JSON string;
//! - implements `Display`, `FromStr`, `From<&str>`, `From<String>`,
//!   `AsRef<str>`, `Eq`, `Hash` and `Ord`.
//!
//! ```
//! use threads_api::ids::{MediaId, UserId};
//!
//! let media: MediaId = serde_json::from_str("17889615691921648").unwrap();
//! assert_eq!(media.as_str(), "17889615691921648");
//! assert_eq!(serde_json::to_string(&media).unwrap(), "\"17889615691921648\"");
//! assert_eq!(UserId::me().to_string(), "me");
//! ```

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Wraps a raw ID string without checking it.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The ID as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Unwraps the ID into its string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self(s.to_owned()))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer
                    .deserialize_any(IdVisitor(stringify!($name)))
                    .map(Self)
            }
        }
    };
}

/// Accepts a JSON string or an integer and yields the decimal string.
struct IdVisitor(&'static str);

impl Visitor<'_> for IdVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} as a string or an integer", self.0)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<String, E> {
        Ok(v.to_string())
    }
}

id_type!(
    /// A Threads user ID (`{threads-user-id}`), or the `me` alias.
    UserId
);

impl UserId {
    /// The `me` alias: the user who owns the access token.
    ///
    /// Accepted wherever the API takes a user ID in a path.
    pub fn me() -> Self {
        Self("me".to_owned())
    }

    /// Whether this is the `me` alias.
    pub fn is_me(&self) -> bool {
        self.0 == "me"
    }
}

id_type!(
    /// The ID of a published Threads post, reply or repost (`{threads-media-id}`).
    MediaId
);

id_type!(
    /// The ID of a media container created by `POST /{user}/threads`, before it is
    /// published (`creation_id` in `threads_publish`).
    ContainerId
);

id_type!(
    /// The ID of a place returned by `/location_search`.
    LocationId
);

id_type!(
    /// A Meta app ID (the Threads app ID, as sent in webhook envelopes).
    AppId
);

id_type!(
    /// The ID of a webhook subscription (`subscription_id` in webhook envelopes).
    SubscriptionId
);

id_type!(
    /// The provider-specific ID of a GIF (`gif_attachment.gif_id`).
    GifId
);

impl From<ContainerId> for MediaId {
    /// With `auto_publish_text`, the ID returned by container creation is the
    /// published media ID.
    fn from(id: ContainerId) -> Self {
        MediaId(id.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_numbers_and_strings() {
        let a: UserId = serde_json::from_str("17841405793187218").unwrap();
        let b: UserId = serde_json::from_str("\"17841405793187218\"").unwrap();
        assert_eq!(a, b);
        let neg: MediaId = serde_json::from_str("-5").unwrap();
        assert_eq!(neg.as_str(), "-5");
    }

    #[test]
    fn rejects_other_json_types() {
        assert!(serde_json::from_str::<MediaId>("true").is_err());
        assert!(serde_json::from_str::<MediaId>("1.5").is_err());
        assert!(serde_json::from_str::<MediaId>("null").is_err());
        let err = serde_json::from_str::<MediaId>("{}").unwrap_err();
        assert!(err.to_string().contains("MediaId"), "{err}");
    }

    #[test]
    fn serializes_as_string() {
        let id = ContainerId::new("42");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"42\"");
        assert_eq!(format!("{id}"), "42");
        assert_eq!(format!("{id:?}"), "ContainerId(42)");
    }

    #[test]
    fn me_alias() {
        assert!(UserId::me().is_me());
        assert!(!UserId::from("1").is_me());
        assert_eq!("me".parse::<UserId>().unwrap(), UserId::me());
    }
}
