//! The data directory: where the SQLite database, the sealing key, the
//! emulator's accounts and charts live.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use secrecy::ExposeSecret;
use token_crypto::{KeyId, KeyMaterial, Keyring};

use crate::error::{CliError, Result};

/// The environment variable that holds the sealing key spec.
pub(crate) const SEALING_KEY_ENV: &str = "THREADS_SEALING_KEY";

/// The key file's name in the data directory.
const KEY_FILE: &str = "sealing.key";

/// The data directory of one run.
#[derive(Debug, Clone)]
pub(crate) struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// `explicit`, else the platform's data directory for `threads`, else
    /// `./.threads`; created (mode 0700 on Unix) if missing.
    pub(crate) fn open(explicit: Option<&Path>) -> Result<Self> {
        let root = match explicit {
            Some(path) => path.to_owned(),
            None => directories::ProjectDirs::from("", "", "threads")
                .map(|dirs| dirs.data_dir().to_owned())
                .unwrap_or_else(|| PathBuf::from(".threads")),
        };
        if !root.exists() {
            let mut builder = fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                builder.mode(0o700);
            }
            builder.create(&root).map_err(CliError::io(&root))?;
        }
        Ok(Self { root })
    }

    /// The SQLite database file.
    pub(crate) fn database(&self) -> PathBuf {
        self.root.join("threads.db")
    }

    /// The emulator's accounts.
    pub(crate) fn emulator_world(&self) -> PathBuf {
        self.root.join("emulator.json")
    }

    /// Where charts go by default.
    pub(crate) fn charts(&self) -> PathBuf {
        self.root.join("charts")
    }

    /// The keyring that seals tokens: from `THREADS_SEALING_KEY` when set,
    /// else from `sealing.key` in the directory, generated (mode 0600) on
    /// first use.
    pub(crate) fn keyring(&self) -> Result<Keyring> {
        if std::env::var_os(SEALING_KEY_ENV).is_some() {
            return Keyring::from_env(SEALING_KEY_ENV).map_err(|e| {
                CliError::config(
                    format!("{SEALING_KEY_ENV} cannot be used: {e}"),
                    "set it to a key spec like `*k1:<32 bytes in base64>`, or unset it to use \
                     the key file in the data directory",
                )
            });
        }
        let path = self.root.join(KEY_FILE);
        if !path.exists() {
            write_new_key(&path)?;
        }
        Keyring::from_file(&path).map_err(|e| {
            CliError::config(
                format!("the sealing key in {} cannot be read: {e}", path.display()),
                "restore the file from a backup; a new key cannot open tokens sealed with the old one",
            )
        })
    }
}

/// Writes a fresh key spec to `path`, readable by the owner only.
fn write_new_key(path: &Path) -> Result<()> {
    let material = KeyMaterial::generate()?;
    let id = KeyId::new("cli-1")?;
    let spec = format!(
        "# threads CLI token sealing key: keep it secret and backed up.\n*{}:{}\n",
        id.as_str(),
        material.to_base64().expose_secret()
    );
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(CliError::io(path))?;
    file.write_all(spec.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(CliError::io(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_generated_once_and_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("d");
        let data = DataDir::open(Some(&root)).expect("open");
        let first = data.keyring().expect("generated");
        let second = data.keyring().expect("read back");
        assert_eq!(first.primary_key_id(), second.primary_key_id());
        let spec = fs::read_to_string(root.join(KEY_FILE)).expect("file");
        assert!(spec.contains("*cli-1:"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(root.join(KEY_FILE))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
