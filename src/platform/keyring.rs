//! The OS credential store (R-SEC-1), behind a trait so tests never touch it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The keyring "service" name under which workspace keys are kept.
pub const KEYRING_SERVICE: &str = "latchkey";

/// Keeps small secrets under an account name.
pub trait Keyring: Send + Sync {
    /// The stored secret, `Ok(None)` if there is none, `Err` with a reason if
    /// the keyring cannot be reached.
    fn get(&self, account: &str) -> Result<Option<Vec<u8>>, String>;
    /// Stores a secret; `Err` with a reason if the keyring cannot be reached.
    fn set(&self, account: &str, secret: &[u8]) -> Result<(), String>;
    /// Removes a stored secret (none stored is not an error); `Err` with a
    /// reason if the keyring cannot be reached.
    fn delete(&self, account: &str) -> Result<(), String>;
}

/// The desktop's Secret Service (GNOME Keyring, KWallet) over D-Bus.
pub struct OsKeyring {
    store: Arc<keyring_core::CredentialStore>,
}

impl OsKeyring {
    /// Connects to the Secret Service; `Err` says why it cannot be used.
    pub fn connect() -> Result<OsKeyring, String> {
        let store = zbus_secret_service_keyring_store::Store::new().map_err(|e| e.to_string())?;
        Ok(OsKeyring { store })
    }

    fn entry(&self, account: &str) -> Result<keyring_core::Entry, String> {
        self.store
            .build(KEYRING_SERVICE, account, None)
            .map_err(|e| e.to_string())
    }
}

impl Keyring for OsKeyring {
    fn get(&self, account: &str) -> Result<Option<Vec<u8>>, String> {
        match self.entry(account)?.get_secret() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    fn set(&self, account: &str, secret: &[u8]) -> Result<(), String> {
        self.entry(account)?
            .set_secret(secret)
            .map_err(|e| e.to_string())
    }

    fn delete(&self, account: &str) -> Result<(), String> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// No keyring at all (headless machines, CI, tests of the fallback).
#[derive(Debug, Clone)]
pub struct NoKeyring {
    reason: String,
}

impl NoKeyring {
    /// A keyring that always answers `Err(reason)`.
    pub fn new(reason: impl Into<String>) -> NoKeyring {
        NoKeyring {
            reason: reason.into(),
        }
    }
}

impl Keyring for NoKeyring {
    fn get(&self, _account: &str) -> Result<Option<Vec<u8>>, String> {
        Err(self.reason.clone())
    }

    fn set(&self, _account: &str, _secret: &[u8]) -> Result<(), String> {
        Err(self.reason.clone())
    }

    fn delete(&self, _account: &str) -> Result<(), String> {
        Err(self.reason.clone())
    }
}

/// An in-process keyring for tests.
#[derive(Debug, Default)]
pub struct MemoryKeyring {
    secrets: Mutex<HashMap<String, Vec<u8>>>,
}

impl Keyring for MemoryKeyring {
    fn get(&self, account: &str) -> Result<Option<Vec<u8>>, String> {
        let secrets = self
            .secrets
            .lock()
            .map_err(|_| "keyring lock poisoned".to_owned())?;
        Ok(secrets.get(account).cloned())
    }

    fn set(&self, account: &str, secret: &[u8]) -> Result<(), String> {
        let mut secrets = self
            .secrets
            .lock()
            .map_err(|_| "keyring lock poisoned".to_owned())?;
        secrets.insert(account.to_owned(), secret.to_vec());
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<(), String> {
        let mut secrets = self
            .secrets
            .lock()
            .map_err(|_| "keyring lock poisoned".to_owned())?;
        secrets.remove(account);
        Ok(())
    }
}

/// The OS keyring if one answers, otherwise a [`NoKeyring`] carrying the reason.
pub fn system_keyring() -> Box<dyn Keyring> {
    match OsKeyring::connect() {
        Ok(keyring) => Box::new(keyring),
        Err(reason) => Box::new(NoKeyring::new(reason)),
    }
}
