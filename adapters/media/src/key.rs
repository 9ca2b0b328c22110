//! Storage keys: `[prefix/]account/name.ext`, built from characters that
//! need no escaping in a URL path, a file name or an S3 key.

use std::fmt;

use crate::{Error, MediaType};

/// Longest accepted path segment.
const MAX_SEGMENT: usize = 128;
/// Longest accepted key.
const MAX_KEY: usize = 1024;

/// The key of a stored media object: `[prefix/]account/name.ext`.
///
/// Every segment is 1–128 characters from `A–Z a–z 0–9 . _ -` (and not `.`
/// or `..`), so a key is safe as a URL path, a relative file path and an S3
/// key alike; the extension names the [`MediaType`]. Keys made by
/// [`MediaStore::put`](crate::MediaStore::put) use a UUIDv7 as the name, so
/// they sort by upload time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MediaKey(String);

impl MediaKey {
    /// Checks a key received from outside (a URL path, a stored record).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] if the key has fewer than two segments, a
    /// segment with other characters, or no known extension.
    ///
    /// ```
    /// use threads_media::{MediaKey, MediaType};
    ///
    /// let key = MediaKey::parse("media/1789/0190f5a2.jpg")?;
    /// assert_eq!(key.account(), "1789");
    /// assert_eq!(key.media_type(), MediaType::Jpeg);
    /// assert!(MediaKey::parse("media/../etc/passwd.jpg").is_err());
    /// # Ok::<(), threads_media::Error>(())
    /// ```
    pub fn parse(key: &str) -> Result<MediaKey, Error> {
        let invalid = |reason| Error::InvalidKey {
            key: key.chars().take(MAX_KEY).collect(),
            reason,
        };
        if key.len() > MAX_KEY {
            return Err(invalid("longer than 1024 bytes"));
        }
        let segments: Vec<&str> = key.split('/').collect();
        if segments.len() < 2 {
            return Err(invalid("expected `account/name.ext`"));
        }
        for segment in &segments {
            check_segment(segment).map_err(invalid)?;
        }
        let name = segments.last().copied().unwrap_or_default();
        let ext = name.rsplit_once('.').map(|(_, ext)| ext).unwrap_or("");
        if MediaType::from_extension(ext).is_none() {
            return Err(invalid(
                "the name does not end in .jpg, .jpeg, .png, .mp4, .m4v, .mov or .qt",
            ));
        }
        Ok(MediaKey(key.to_owned()))
    }

    /// A new key for `account`: `[prefix/]account/<uuidv7>.<ext>`.
    /// `prefix` and `account` must already be valid.
    pub(crate) fn generate(prefix: Option<&str>, account: &str, media_type: MediaType) -> Self {
        let name = format!("{}.{}", uuid::Uuid::now_v7(), media_type.extension());
        MediaKey(match prefix {
            Some(p) => format!("{p}/{account}/{name}"),
            None => format!("{account}/{name}"),
        })
    }

    /// The key as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The account segment (the one before the name).
    pub fn account(&self) -> &str {
        let mut it = self.0.rsplit('/');
        it.next();
        it.next().unwrap_or_default()
    }

    /// The media type named by the extension.
    pub fn media_type(&self) -> MediaType {
        let ext = self.0.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        // `parse` and `generate` only admit known extensions.
        MediaType::from_extension(ext).unwrap_or(MediaType::Jpeg)
    }
}

impl fmt::Display for MediaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for MediaKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Checks one path segment.
fn check_segment(segment: &str) -> Result<(), &'static str> {
    if segment.is_empty() {
        return Err("empty path segment");
    }
    if segment.len() > MAX_SEGMENT {
        return Err("a path segment is longer than 128 characters");
    }
    if segment == "." || segment == ".." {
        return Err("`.` and `..` segments are not allowed");
    }
    if !segment
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err("only A-Z, a-z, 0-9, `.`, `_` and `-` are allowed");
    }
    Ok(())
}

/// Checks an account id used as a key segment.
pub(crate) fn check_account(account: &str) -> Result<(), Error> {
    check_segment(account).map_err(|reason| Error::InvalidAccount {
        account: account.chars().take(MAX_SEGMENT).collect(),
        reason,
    })
}

/// Checks a store-wide key prefix (one or more segments).
pub(crate) fn check_prefix(prefix: &str) -> Result<(), &'static str> {
    prefix.split('/').try_for_each(check_segment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_back() {
        let key = MediaKey::generate(Some("media/v1"), "acct-1", MediaType::QuickTime);
        let parsed = MediaKey::parse(key.as_str()).unwrap();
        assert_eq!(parsed, key);
        assert_eq!(parsed.account(), "acct-1");
        assert_eq!(parsed.media_type(), MediaType::QuickTime);
        assert!(key.as_str().starts_with("media/v1/acct-1/"));
        let bare = MediaKey::generate(None, "7", MediaType::Png);
        assert_eq!(bare.account(), "7");
    }

    #[test]
    fn rejects_unsafe_keys() {
        for bad in [
            "",
            "a.jpg",
            "a//b.jpg",
            "/a/b.jpg",
            "a/../b.jpg",
            "a/b.gif",
            "a/b",
            "a b/c.jpg",
            "a/%2e%2e.jpg",
            "a\\b/c.jpg",
        ] {
            assert!(MediaKey::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(check_account("..").is_err());
        assert!(check_account("17841400000000000").is_ok());
        assert!(check_prefix("a/b").is_ok());
        assert!(check_prefix("a/").is_err());
    }
}
