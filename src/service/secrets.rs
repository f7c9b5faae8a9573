//! Entry secrets encrypted at rest (R-SEC-1) with XChaCha20-Poly1305 under a
//! workspace key kept in the OS keyring, or in a private key file beside the
//! workspace where no keyring answers.
//!
//! Invariant: plaintext secrets exist only inside `Zeroizing` buffers, are
//! never logged, never put in an error and never written to the store.

use super::{KeyOptions, ServiceError};
use crate::domain::EntryId;
use crate::platform::keyfile::{read_key_file, write_key_file};
use crate::store::SealedSecret;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use std::fmt;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// Metadata key of the sealed known text that proves a key is the right one.
pub const META_KEY_CHECK: &str = "key_check";
const KEY_CHECK_TEXT: &str = "latchkey workspace key check";
const KEY_LEN: usize = 32;
const SERVER_KEEPS_THE_KEY: &str =
    "the database server keeps this workspace's key; it never comes to this computer";

/// Where the workspace key is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyLocation {
    /// The desktop's credential store.
    OsKeyring,
    /// A file readable only by its owner.
    KeyFile(PathBuf),
    /// The database server of a team workspace: never on this computer,
    /// and secrets are decrypted only there (R-BEY-10).
    Server,
}

/// Where the key is, and why the keyring is not used if it is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyStatus {
    /// Where the key was found or put.
    pub location: KeyLocation,
    /// Why the OS keyring was not used, when it was not.
    pub keyring_problem: Option<String>,
}

impl fmt::Display for KeyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            KeyLocation::OsKeyring => f.write_str("workspace key in the OS keyring"),
            KeyLocation::KeyFile(path) => {
                write!(f, "workspace key in the private file {}", path.display())
            }
            KeyLocation::Server => f.write_str("workspace key kept by the database server"),
        }
    }
}

/// What a revealed secret is used for; each is audited as itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretUse {
    /// Shown on screen.
    Reveal,
    /// Put on the clipboard.
    Copy,
}

/// Who opens the workspace's secrets.
#[derive(Clone)]
pub enum SecretKeeper {
    /// This program, with the workspace key (a SQLite workspace).
    Here(SecretBox),
    /// The store's database server, which alone holds the key and decides
    /// who may read a secret ([`crate::store::Enforcement::Server`]).
    Server,
}

/// Seals and opens secrets with the workspace key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl SecretBox {
    fn new(key: &[u8]) -> Result<SecretBox, ServiceError> {
        let cipher = XChaCha20Poly1305::new_from_slice(key)
            .map_err(|_| ServiceError::Key("the workspace key has the wrong length".into()))?;
        Ok(SecretBox { cipher })
    }

    fn seal_with(&self, aad: &[u8], plaintext: &[u8]) -> Result<SealedSecret, ServiceError> {
        let mut nonce = [0u8; 24];
        fill_random(&mut nonce)?;
        let ciphertext = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| ServiceError::Key("encryption failed".into()))?;
        Ok(SealedSecret {
            nonce: nonce.to_vec(),
            ciphertext,
        })
    }

    fn open_with(&self, aad: &[u8], sealed: &SealedSecret) -> Option<Zeroizing<Vec<u8>>> {
        if sealed.nonce.len() != 24 {
            return None;
        }
        self.cipher
            .decrypt(
                XNonce::from_slice(&sealed.nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad,
                },
            )
            .ok()
            .map(Zeroizing::new)
    }

    /// Encrypts an entry's secret, bound to that entry (it cannot be moved to another).
    pub fn seal(&self, entry: EntryId, secret: &str) -> Result<SealedSecret, ServiceError> {
        self.seal_with(&entry_aad(entry), secret.as_bytes())
    }

    /// Decrypts an entry's secret.
    pub fn open(
        &self,
        entry: EntryId,
        sealed: &SealedSecret,
    ) -> Result<Zeroizing<String>, ServiceError> {
        let bytes = self.open_with(&entry_aad(entry), sealed).ok_or_else(|| {
            ServiceError::Key(format!("the secret of entry {entry} cannot be decrypted"))
        })?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| ServiceError::Key(format!("the secret of entry {entry} is damaged")))?;
        Ok(Zeroizing::new(text.to_owned()))
    }

    /// The sealed known text stored with a new workspace.
    pub fn key_check(&self) -> Result<String, ServiceError> {
        let sealed = self.seal_with(b"key-check", KEY_CHECK_TEXT.as_bytes())?;
        Ok(format!(
            "{}:{}",
            hex::encode(sealed.nonce),
            hex::encode(sealed.ciphertext)
        ))
    }

    fn matches_check(&self, check: &str) -> bool {
        let Some((nonce, ciphertext)) = check.split_once(':') else {
            return false;
        };
        let (Ok(nonce), Ok(ciphertext)) = (hex::decode(nonce), hex::decode(ciphertext)) else {
            return false;
        };
        self.open_with(b"key-check", &SealedSecret { nonce, ciphertext })
            .is_some_and(|text| text.as_slice() == KEY_CHECK_TEXT.as_bytes())
    }
}

fn entry_aad(entry: EntryId) -> Vec<u8> {
    format!("latchkey-entry-secret:{}", entry.0).into_bytes()
}

fn fill_random(buf: &mut [u8]) -> Result<(), ServiceError> {
    getrandom::fill(buf)
        .map_err(|e| ServiceError::Key(format!("the system has no randomness to offer: {e}")))
}

/// A random workspace id (hex), which also names the key in the keyring.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    // With no randomness the id would only be less unique; the key itself is
    // generated below and fails loudly.
    if fill_random(&mut bytes).is_err() {
        return "workspace".to_owned();
    }
    hex::encode(bytes)
}

fn keyring_account(workspace_id: &str) -> String {
    format!("workspace-{workspace_id}")
}

/// Makes a new key and keeps it in the keyring, or the key file if no keyring answers.
pub fn create_key(
    workspace_id: &str,
    keys: &KeyOptions<'_>,
) -> Result<(SecretBox, KeyStatus), ServiceError> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    fill_random(key.as_mut())?;
    let status = match keys
        .keyring
        .set(&keyring_account(workspace_id), key.as_ref())
    {
        Ok(()) => KeyStatus {
            location: KeyLocation::OsKeyring,
            keyring_problem: None,
        },
        Err(problem) => {
            let path = keys.key_file.clone().ok_or_else(|| {
                ServiceError::Key(format!(
                    "no OS keyring ({problem}) and no place for a key file"
                ))
            })?;
            write_key_file(&path, key.as_ref()).map_err(ServiceError::Key)?;
            KeyStatus {
                location: KeyLocation::KeyFile(path),
                keyring_problem: Some(problem),
            }
        }
    };
    Ok((SecretBox::new(key.as_ref())?, status))
}

/// Finds the workspace's key (keyring first, then the key file) and checks it.
pub fn unlock(
    workspace_id: &str,
    key_check: &str,
    keys: &KeyOptions<'_>,
) -> Result<(SecretBox, KeyStatus), ServiceError> {
    let (key, status) = match keys.keyring.get(&keyring_account(workspace_id)) {
        Ok(Some(key)) => (
            Zeroizing::new(key),
            KeyStatus {
                location: KeyLocation::OsKeyring,
                keyring_problem: None,
            },
        ),
        found => {
            let problem = match found {
                Err(problem) => problem,
                _ => "the OS keyring has no key for this workspace".to_owned(),
            };
            let path = keys
                .key_file
                .clone()
                .ok_or_else(|| ServiceError::Key(problem.clone()))?;
            let key = read_key_file(&path)
                .map_err(ServiceError::Key)?
                .ok_or_else(|| {
                    ServiceError::Key(format!(
                        "the workspace key is neither in the OS keyring ({problem}) nor in {}",
                        path.display()
                    ))
                })?;
            (
                Zeroizing::new(key),
                KeyStatus {
                    location: KeyLocation::KeyFile(path),
                    keyring_problem: Some(problem),
                },
            )
        }
    };
    let secrets = SecretBox::new(&key)?;
    if !secrets.matches_check(key_check) {
        return Err(ServiceError::Key(format!(
            "the {status} does not open this workspace"
        )));
    }
    Ok((secrets, status))
}

/// Moves the workspace key into the OS keyring (`into_keyring`) or out of
/// it into the key file, and says where it is now. Never a moment without a
/// copy: the new copy is written and read back, and checked against the
/// workspace, before the old one is removed. A failure before that leaves
/// the key where it was; a failure to remove the old copy leaves two copies
/// and says so.
pub fn move_key(
    workspace_id: &str,
    key_check: &str,
    into_keyring: bool,
    keys: &KeyOptions<'_>,
) -> Result<KeyStatus, ServiceError> {
    let (_, now_at) = unlock(workspace_id, key_check, keys)?;
    let account = keyring_account(workspace_id);
    let key = Zeroizing::new(
        match &now_at.location {
            KeyLocation::OsKeyring => keys.keyring.get(&account),
            KeyLocation::KeyFile(path) => read_key_file(path),
            KeyLocation::Server => Err(SERVER_KEEPS_THE_KEY.to_owned()),
        }
        .map_err(ServiceError::Key)?
        .ok_or_else(|| {
            ServiceError::Key("the workspace key vanished while it was being moved".into())
        })?,
    );
    let opens = |copy: Option<Vec<u8>>| {
        copy.map(Zeroizing::new).is_some_and(|copy| {
            *copy == *key && SecretBox::new(&copy).is_ok_and(|b| b.matches_check(key_check))
        })
    };
    match (into_keyring, &now_at.location) {
        (true, KeyLocation::OsKeyring) | (false, KeyLocation::KeyFile(_)) => Ok(now_at),
        (_, KeyLocation::Server) => Err(ServiceError::Key(SERVER_KEEPS_THE_KEY.to_owned())),
        (true, KeyLocation::KeyFile(path)) => {
            keys.keyring.set(&account, &key).map_err(|p| {
                ServiceError::Key(format!("the OS keyring cannot take the key: {p}"))
            })?;
            if !opens(keys.keyring.get(&account).map_err(ServiceError::Key)?) {
                return Err(ServiceError::Key(
                    "the OS keyring did not give the key back as stored; it stays in the key file"
                        .into(),
                ));
            }
            std::fs::remove_file(path).map_err(|e| {
                ServiceError::Key(format!(
                    "the key is now in the OS keyring, but the key file {} could not be removed: {e}",
                    path.display()
                ))
            })?;
            Ok(KeyStatus {
                location: KeyLocation::OsKeyring,
                keyring_problem: None,
            })
        }
        (false, KeyLocation::OsKeyring) => {
            let path = keys.key_file.clone().ok_or_else(|| {
                ServiceError::Key("this workspace has no place for a key file".into())
            })?;
            write_key_file(&path, &key).map_err(ServiceError::Key)?;
            if !opens(read_key_file(&path).map_err(ServiceError::Key)?) {
                return Err(ServiceError::Key(format!(
                    "the key file {} did not give the key back as written; the key stays in the OS keyring",
                    path.display()
                )));
            }
            keys.keyring.delete(&account).map_err(|p| {
                ServiceError::Key(format!(
                    "the key is now in {}, but the OS keyring's copy could not be removed: {p}",
                    path.display()
                ))
            })?;
            Ok(KeyStatus {
                location: KeyLocation::KeyFile(path),
                keyring_problem: Some("moved out of the OS keyring by an administrator".into()),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::keyring::{MemoryKeyring, NoKeyring};

    #[test]
    fn secrets_are_bound_to_their_entry() {
        let keyring = MemoryKeyring::default();
        let keys = KeyOptions {
            keyring: &keyring,
            key_file: None,
        };
        let (secrets, status) = create_key("w1", &keys).unwrap();
        assert_eq!(status.location, KeyLocation::OsKeyring);
        let sealed = secrets.seal(EntryId(1), "demo-secret-x").unwrap();
        assert!(!String::from_utf8_lossy(&sealed.ciphertext).contains("demo-secret"));
        assert_eq!(
            secrets.open(EntryId(1), &sealed).unwrap().as_str(),
            "demo-secret-x"
        );
        assert!(
            secrets.open(EntryId(2), &sealed).is_err(),
            "moved to another entry, it must not open"
        );
    }

    /// R-SEC-1: without a keyring the key goes to a private file, and is found there again.
    #[test]
    fn falls_back_to_the_key_file_and_rejects_a_wrong_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.key");
        let keyring = NoKeyring::new("no session bus");
        let keys = KeyOptions {
            keyring: &keyring,
            key_file: Some(path.clone()),
        };
        let (secrets, status) = create_key("w1", &keys).unwrap();
        assert_eq!(status.location, KeyLocation::KeyFile(path.clone()));
        assert_eq!(status.keyring_problem.as_deref(), Some("no session bus"));
        let check = secrets.key_check().unwrap();
        let (_, again) = unlock("w1", &check, &keys).unwrap();
        assert_eq!(again.location, KeyLocation::KeyFile(path));

        let other = MemoryKeyring::default();
        let other_keys = KeyOptions {
            keyring: &other,
            key_file: None,
        };
        let (other_box, _) = create_key("w1", &other_keys).unwrap();
        let err = unlock("w1", &other_box.key_check().unwrap(), &keys)
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("does not open this workspace"),
            "{err}"
        );
    }
}
