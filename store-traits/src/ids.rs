//! Identifier newtypes.
//!
//! Record ids are UUIDs (version 7 when made by [`AccountId::new`] and friends, so
//! they sort roughly by creation time). They print and serialize as the hyphenated
//! UUID string. Ids that come from elsewhere (the host's organisation id) are strings.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered (UUID v7) id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Wraps an existing UUID (for example one read back from a database).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_id!(
    /// A connected Threads account, as known to this system (not Meta's user id).
    AccountId
);
uuid_id!(
    /// A stored persona document.
    PersonaId
);
uuid_id!(
    /// A content source (pasted text or a fetched URL).
    SourceId
);
uuid_id!(
    /// A draft post or reply (its publish-ledger entry shares this id).
    DraftId
);
uuid_id!(
    /// A conversation (the replies under one post, or one mention).
    ConversationId
);
uuid_id!(
    /// One message inside a conversation.
    MessageId
);
uuid_id!(
    /// A stored insights snapshot.
    InsightSnapshotId
);
uuid_id!(
    /// An audit event.
    AuditEventId
);
uuid_id!(
    /// A job in the [`JobQueue`](crate::JobQueue).
    JobId
);
uuid_id!(
    /// A quota reservation in the [`QuotaLedger`](crate::QuotaLedger).
    ReservationId
);
uuid_id!(
    /// A data-deletion request.
    DeletionRequestId
);

/// The host application's organisation (tenant) id. Opaque to this crate.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrgId(String);

impl OrgId {
    /// Wraps an organisation id.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OrgId({:?})", self.0)
    }
}

impl From<String> for OrgId {
    fn from(id: String) -> Self {
        Self(id)
    }
}

impl From<&str> for OrgId {
    fn from(id: &str) -> Self {
        Self(id.to_owned())
    }
}

/// Any text is an organisation id (it is opaque), so parsing never fails;
/// it exists so ids read from text (a signed OAuth state, a URL) parse like
/// the other ids.
impl FromStr for OrgId {
    type Err = std::convert::Infallible;

    fn from_str(id: &str) -> Result<Self, Self::Err> {
        Ok(Self::from(id))
    }
}

/// A fencing token: proof that a worker holds the current lease on a job.
///
/// Every [`JobQueue::claim`](crate::JobQueue::claim) hands out a new token drawn
/// from **one store-wide, strictly increasing sequence**, so a later claim (of
/// any job) always carries a larger token than an earlier one. Records that
/// workers modify ([`Draft`](crate::Draft), [`PublishEntry`](crate::PublishEntry))
/// remember the largest token that wrote them and refuse writes with a smaller one.
///
/// Stored as a signed 64-bit integer by SQL backends; values never exceed `i64::MAX`.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Debug, Default,
)]
#[serde(transparent)]
pub struct FenceToken(u64);

impl FenceToken {
    /// Wraps a raw token value (for backends reading it back).
    pub const fn new(value: u64) -> Self {
        Self(value)
    }

    /// The raw value.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for FenceToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}
