//! The token signing keys of a running server. A database keeps its keys, so tokens survive a
//! restart; a new database (every `--ephemeral` start) needs a fresh 2048-bit RSA key, which takes
//! ~100 ms to generate. That happens in the background: the server answers `/healthz` at once,
//! and only a request that signs or publishes keys waits for it.

use std::sync::Arc;

use identity::{KeySet, SigningKey};
use tokio::sync::watch;

/// The current key set, or the promise of one.
pub struct Keys {
    current: watch::Sender<Option<Arc<KeySet>>>,
}

impl Keys {
    /// Keys known now.
    pub fn ready(set: KeySet) -> Self {
        Keys {
            current: watch::Sender::new(Some(Arc::new(set))),
        }
    }

    fn pending() -> Self {
        Keys {
            current: watch::Sender::new(None),
        }
    }

    /// The key set, waiting for it while the first key is being made.
    pub async fn get(&self) -> Arc<KeySet> {
        if let Some(k) = self.current.borrow().clone() {
            return k;
        }
        let mut rx = self.current.subscribe();
        loop {
            if let Some(k) = rx.borrow_and_update().clone() {
                return k;
            }
            if rx.changed().await.is_err() {
                // The sender lives as long as `self`; this cannot happen while we hold it.
                std::future::pending::<()>().await;
            }
        }
    }

    /// Replaces the key set (a new key, or a rollover).
    pub fn set(&self, set: KeySet) {
        self.current.send_replace(Some(Arc::new(set)));
    }
}

/// Loads the signing keys, creating one when the database has none. A given PEM (tests share
/// one to save time) is used at once; a generated key arrives in the background.
pub async fn load(store: &store::Store, given_pem: Option<&str>) -> Result<Arc<Keys>, String> {
    let stored = {
        let mut c = store.conn().await.map_err(|e| e.to_string())?;
        store::keys::all(&mut c).await.map_err(|e| e.to_string())?
    };
    if !stored.is_empty() {
        let keys = stored
            .iter()
            .map(|k| SigningKey::from_pem(&k.private_pem).map_err(|e| format!("stored key {}: {e}", k.kid)))
            .collect::<Result<Vec<_>, _>>()?;
        let set = KeySet::new(keys).ok_or("no signing key")?;
        return Ok(Arc::new(Keys::ready(set)));
    }
    if let Some(pem) = given_pem {
        let key = SigningKey::from_pem(pem).map_err(|e| e.to_string())?;
        save(store, &key).await.map_err(|e| e.to_string())?;
        let set = KeySet::new(vec![key]).ok_or("no signing key")?;
        return Ok(Arc::new(Keys::ready(set)));
    }
    if store.engine() == store::Engine::Postgres {
        // Replicas starting together must sign with one key: the key is made first, then
        // stored under the write lock only if no replica stored one meanwhile, and the stored
        // one is used.
        let key = tokio::task::spawn_blocking(SigningKey::generate)
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        let stored = async {
            let mut tx = store.begin().await?;
            if store::keys::all(&mut tx).await?.is_empty() {
                let k = store::StoredKey {
                    kid: key.kid.clone(),
                    private_pem: key.pem().to_owned(),
                };
                store::keys::insert(&mut tx, &k, &chrono::Utc::now().to_rfc3339()).await?;
            }
            let all = store::keys::all(&mut tx).await?;
            tx.commit().await?;
            store::Result::Ok(all)
        }
        .await
        .map_err(|e| e.to_string())?;
        let keys = stored
            .iter()
            .map(|k| SigningKey::from_pem(&k.private_pem).map_err(|e| format!("stored key {}: {e}", k.kid)))
            .collect::<Result<Vec<_>, _>>()?;
        let set = KeySet::new(keys).ok_or("no signing key")?;
        return Ok(Arc::new(Keys::ready(set)));
    }
    let keys = Arc::new(Keys::pending());
    let (store, pending) = (store.clone(), keys.clone());
    tokio::spawn(async move {
        loop {
            let key = match tokio::task::spawn_blocking(SigningKey::generate).await {
                Ok(Ok(key)) => key,
                other => {
                    tracing::error!(error = ?other.err(), "could not create the token signing key; retrying");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    continue;
                }
            };
            // The key is used at once; storing it waits for the writer connection, which a
            // token request waiting for this very key may hold (it signs inside its write).
            let stored = store::StoredKey {
                kid: key.kid.clone(),
                private_pem: key.pem().to_owned(),
            };
            if let Some(set) = KeySet::new(vec![key]) {
                pending.set(set);
            }
            while let Err(e) = save_stored(&store, &stored).await {
                tracing::warn!(error = %e, "could not store the token signing key yet; retrying");
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            return;
        }
    });
    Ok(keys)
}

async fn save_stored(store: &store::Store, key: &store::StoredKey) -> store::Result<()> {
    let mut tx = store.begin().await?;
    store::keys::insert(&mut tx, key, &chrono::Utc::now().to_rfc3339()).await?;
    tx.commit().await?;
    Ok(())
}

async fn save(store: &store::Store, key: &SigningKey) -> store::Result<()> {
    let mut tx = store.begin().await?;
    store::keys::insert(
        &mut tx,
        &store::StoredKey {
            kid: key.kid.clone(),
            private_pem: key.pem().to_owned(),
        },
        &chrono::Utc::now().to_rfc3339(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

impl crate::Core {
    /// A signing-key rollover for one sandbox: a new key signs its tokens from now on, and tokens
    /// signed before are refused (its JWKS lists the new key only). Returns the new and the
    /// previous key ids.
    pub async fn rollover_keys(&self, sandbox: domain::SandboxId) -> crate::error::Result<(String, String)> {
        let previous = self.keyset_for(sandbox).await?.active().kid.clone();
        let key = tokio::task::spawn_blocking(SigningKey::generate)
            .await
            .map_err(|e| crate::error::CoreError::Store(store::StoreError::Corrupt(e.to_string())))?
            .map_err(|e| crate::error::CoreError::Store(store::StoreError::Corrupt(e.to_string())))?;
        let mut w = self.write(sandbox).await?;
        let now = w.now.to_rfc3339();
        store::keys::set_sandbox_key(
            w.c(),
            sandbox,
            &store::StoredKey {
                kid: key.kid.clone(),
                private_pem: key.pem().to_owned(),
            },
            &now,
        )
        .await?;
        w.commit().await?;
        Ok((key.kid, previous))
    }
}
