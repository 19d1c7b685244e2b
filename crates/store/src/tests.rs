//! The store against a real file database in WAL mode: what survives a restart, who may open it,
//! and the bounds its inserts keep.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn db_in(dir: &tempfile::TempDir) -> Database {
    Database::File(dir.path().join("pcsandbox.db"))
}

#[tokio::test]
async fn signing_keys_survive_a_restart_of_a_file_database() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&db_in(&dir)).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let key = StoredKey {
        kid: "kid-1".into(),
        private_pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".into(),
    };
    keys::insert(&mut tx, &key, "2026-11-25T00:00:00Z").await.unwrap();
    tx.commit().await.unwrap();
    store.close().await;
    drop(store);
    let again = Store::open(&db_in(&dir)).await.unwrap();
    let mut c = again.conn().await.unwrap();
    let found = keys::all(&mut c).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kid, "kid-1");
    assert_eq!(found[0].private_pem, key.private_pem);
}

#[tokio::test]
async fn a_second_store_on_the_same_file_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let first = Store::open(&db_in(&dir)).await.unwrap();
    let second = Store::open(&db_in(&dir)).await.unwrap_err();
    let msg = second.to_string();
    assert!(msg.contains("another pcsandbox is already using"), "{msg}");
    assert!(msg.contains("pcsandbox.db.lock"), "{msg}");
    first.close().await;
    drop(first);
    // Once the first is gone, the file is free again.
    Store::open(&db_in(&dir)).await.unwrap();
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_and_its_wal_and_shm_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&db_in(&dir)).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    keys::insert(
        &mut tx,
        &StoredKey {
            kid: "k".into(),
            private_pem: "secret".into(),
        },
        "2026-11-25T00:00:00Z",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    for suffix in ["", "-wal", "-shm", ".lock"] {
        let p = dir.path().join(format!("pcsandbox.db{suffix}"));
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} is {mode:o}", p.display());
    }
}

#[tokio::test]
async fn an_ephemeral_database_is_a_wal_file_removed_on_close() {
    let store = Store::open(&Database::Ephemeral).await.unwrap();
    let path = store.path().to_path_buf();
    assert!(path.exists());
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *store.conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    store.close().await;
    drop(store);
    assert!(!path.exists(), "{} should be gone", path.display());
}
