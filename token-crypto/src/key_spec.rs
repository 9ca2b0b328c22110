//! Parsing the key specification (environment variable or key file).

use crate::error::Error;
use crate::key_id::KeyId;
use crate::key_material::KeyMaterial;

/// One parsed entry.
pub(crate) struct SpecEntry {
    pub(crate) id: KeyId,
    pub(crate) material: KeyMaterial,
    pub(crate) primary: bool,
}

/// Parses `[*]id:base64key` entries separated by newlines or commas; `#` starts a
/// comment line. Never echoes entry content in errors.
pub(crate) fn parse(spec: &str) -> Result<Vec<SpecEntry>, Error> {
    let mut entries = Vec::new();
    let items = spec
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with('#'))
        .flat_map(|line| line.split(','))
        .map(str::trim)
        .filter(|item| !item.is_empty());
    for (index, item) in items.enumerate() {
        let entry = index + 1;
        let (primary, rest) = match item.strip_prefix('*') {
            Some(rest) => (true, rest),
            None => (false, item),
        };
        let (id, key) = rest.split_once(':').ok_or(Error::KeySpec {
            entry,
            reason: "expected `id:base64key`",
        })?;
        let id = KeyId::new(id.trim()).map_err(|_| Error::KeySpec {
            entry,
            reason: "invalid key id (1-32 of A-Z a-z 0-9 - _)",
        })?;
        let material = KeyMaterial::from_base64(key).map_err(|_| Error::KeySpec {
            entry,
            reason: "key is not base64 of exactly 32 bytes",
        })?;
        entries.push(SpecEntry {
            id,
            material,
            primary,
        });
    }
    Ok(entries)
}
