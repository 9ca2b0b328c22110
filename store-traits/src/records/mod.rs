//! Plain records: what the stores hold.
//!
//! Records are plain data with public fields, `Clone + Debug + PartialEq` and serde
//! support. Timestamps are UTC. Enums that backends store as text have
//! [`as_str`](AccountStatus::as_str) and [`FromStr`](std::str::FromStr) (and
//! serialize as that same text), so a SQL column and the JSON export agree.

/// Defines a closed enum stored as text, with `as_str`, `Display`, `FromStr` and serde.
macro_rules! str_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored text form.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::error::ParseEnumError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $text => Ok($name::$variant), )+
                    other => Err($crate::error::ParseEnumError {
                        type_name: stringify!($name),
                        value: other.to_owned(),
                    }),
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str>>::deserialize(d)?;
                text.parse().map_err(::serde::de::Error::custom)
            }
        }
    };
}

mod account;
mod audit;
mod conversation;
mod draft;
mod inbox;
mod insight;
mod job;
mod kind;
mod oauth;
mod persona;
mod privacy;
mod publish;
mod quota;
mod source;
mod token;

pub use account::{Account, AccountStatus};
pub use audit::AuditEvent;
pub use conversation::{
    Conversation, ConversationKind, ConversationState, Message, MessageDirection,
};
pub use draft::{Draft, DraftEdit, DraftKind, DraftMedia, DraftState, MediaKind, ProviderIds};
pub use inbox::{InboxEntry, InboxOutcome};
pub use insight::{InsightScope, InsightSnapshot};
pub use job::{Job, JobState, NewJob};
pub use kind::{Insertion, RecordKind};
pub use oauth::OAuthState;
pub use persona::PersonaRecord;
pub use privacy::{
    AccountExport, DeletionOrigin, DeletionReport, DeletionRequest, DeletionStatus, PurgeReport,
    RetentionPolicy,
};
pub use publish::{PublishEntry, PublishState};
pub use quota::{QuotaKind, QuotaRequest, QuotaReservation, QuotaUsage};
pub use source::{Source, SourceKind, SourceStatus};
pub use token::{TokenKind, TokenMetadata, TokenRecord};
