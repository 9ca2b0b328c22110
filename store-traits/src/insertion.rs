//! [`Insertion`]: the result of an insert that tolerates an existing record.

/// The result of an insert that tolerates an existing record with the same key.
#[derive(Debug, Clone, PartialEq)]
pub enum Insertion<T> {
    /// The record was new and is now stored.
    Inserted(T),
    /// A record with the same key existed; it is returned unchanged and nothing was written.
    Existing(T),
}

impl<T> Insertion<T> {
    /// True when the record was newly stored.
    pub fn is_new(&self) -> bool {
        matches!(self, Self::Inserted(_))
    }

    /// The stored record, new or existing.
    pub fn into_inner(self) -> T {
        match self {
            Self::Inserted(t) | Self::Existing(t) => t,
        }
    }

    /// A reference to the stored record, new or existing.
    pub fn get(&self) -> &T {
        match self {
            Self::Inserted(t) | Self::Existing(t) => t,
        }
    }
}
