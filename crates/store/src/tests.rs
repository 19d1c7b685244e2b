//! The store against a real file database in WAL mode: what survives a restart, who may open it,
//! and the bounds its inserts keep.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn db_in(dir: &tempfile::TempDir) -> Database {
    Database::File(dir.path().join("pcsandbox.db"))
}

/// An ephemeral SQLite store, and a store on a fresh PostgreSQL database when the tests are
/// given a cluster (`PCSANDBOX_TEST_DATABASE`, as .ci/run gives them).
async fn stores() -> Vec<Store> {
    let mut out = vec![Store::open(&Database::Ephemeral).await.unwrap()];
    match std::env::var("PCSANDBOX_TEST_DATABASE") {
        Ok(base) if !base.is_empty() => {
            let url = fresh_postgres_database(&base).await.unwrap();
            out.push(Store::open(&Database::Postgres(url)).await.unwrap());
        }
        _ => eprintln!("PCSANDBOX_TEST_DATABASE is not set: this test runs on SQLite only"),
    }
    out
}

/// A test run once on each engine of [`stores`]: `on_both_engines!(test, body)`.
macro_rules! on_both_engines {
    ($name:ident, $body:ident) => {
        #[tokio::test]
        async fn $name() {
            for store in stores().await {
                eprintln!("-- on {:?}", store.engine());
                $body(store).await;
            }
        }
    };
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
    assert!(msg.contains("pcsandbox.db"), "{msg}");
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
    for suffix in ["", "-wal", "-shm"] {
        let p = dir.path().join(format!("pcsandbox.db{suffix}"));
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} is {mode:o}", p.display());
    }
}

#[tokio::test]
async fn an_ephemeral_database_is_a_wal_file_removed_on_close() {
    let store = Store::open(&Database::Ephemeral).await.unwrap();
    let path = store.path().unwrap().to_path_buf();
    assert!(path.exists());
    let mode: String = crate::sql::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *store.conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    store.close().await;
    drop(store);
    assert!(!path.exists(), "{} should be gone", path.display());
}

async fn sandbox(store: &Store) -> domain::SandboxId {
    let id = domain::SandboxId(uuid::Uuid::new_v4());
    let sb = domain::world::Sandbox {
        id,
        name: format!("t-{}", id.0.simple()),
        scenario_name: None,
        clock_offset_ms: 0,
        start_at: None,
        team: None,
        business_calendar: Default::default(),
        created_at: chrono::Utc::now(),
        mfa_enforcement: Default::default(),
        review_business_days: 2,
        sign_in_lockout: Default::default(),
    };
    let mut tx = store.begin().await.unwrap();
    sandboxes::insert(&mut tx, &sb, &Default::default(), &Default::default())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

fn grant(kind: oauth::Kind, key: &str, sandbox: domain::SandboxId, expires_at: i64) -> oauth::NewGrant<'_> {
    oauth::NewGrant {
        kind,
        key_hash: key,
        sandbox,
        data: "{}",
        user_code: None,
        expires_at,
        bucket: None,
    }
}

on_both_engines!(
    expired_grants_are_purged_and_pending_sign_ins_are_capped,
    expired_grants_are_purged_and_pending_sign_ins_are_capped_on
);
async fn expired_grants_are_purged_and_pending_sign_ins_are_capped_on(store: Store) {
    let sb = sandbox(&store).await;
    let caps = oauth::Caps {
        pending: 3,
        total: 5,
        per_bucket: 2,
    };
    let mut tx = store.begin().await.unwrap();
    for i in 0..3 {
        oauth::insert(&mut tx, grant(oauth::Kind::Flow, &format!("f{i}"), sb, 100), 0, caps)
            .await
            .unwrap();
    }
    // A fourth waiting sign-in makes room: the oldest gives way; a code is no waiting sign-in.
    oauth::insert(&mut tx, grant(oauth::Kind::Flow, "f3", sb, 100), 0, caps)
        .await
        .unwrap();
    assert!(oauth::get(&mut tx, oauth::Kind::Flow, "f0").await.unwrap().is_none());
    assert!(oauth::get(&mut tx, oauth::Kind::Flow, "f3").await.unwrap().is_some());
    oauth::insert(&mut tx, grant(oauth::Kind::Code, "c0", sb, 100), 0, caps)
        .await
        .unwrap();
    assert_eq!(oauth::count(&mut tx, sb).await.unwrap(), 4);
    // Once they expired (on the sandbox clock), the next insert purges them.
    oauth::insert(&mut tx, grant(oauth::Kind::Flow, "f4", sb, 300), 150, caps)
        .await
        .unwrap();
    assert_eq!(oauth::count(&mut tx, sb).await.unwrap(), 1);
    // Past the total, the oldest go.
    for i in 0..10 {
        oauth::insert(
            &mut tx,
            grant(oauth::Kind::Refresh, &format!("r{i}"), sb, 900),
            150,
            caps,
        )
        .await
        .unwrap();
    }
    assert_eq!(oauth::count(&mut tx, sb).await.unwrap(), 5);
    assert!(oauth::get(&mut tx, oauth::Kind::Refresh, "r9").await.unwrap().is_some());
    assert!(oauth::get(&mut tx, oauth::Kind::Refresh, "r0").await.unwrap().is_none());
    tx.commit().await.unwrap();
}

on_both_engines!(
    a_grant_moves_from_one_status_to_another_once,
    a_grant_moves_from_one_status_to_another_once_on
);
async fn a_grant_moves_from_one_status_to_another_once_on(store: Store) {
    let sb = sandbox(&store).await;
    let caps = oauth::Caps {
        pending: 10,
        total: 10,
        per_bucket: 10,
    };
    let mut tx = store.begin().await.unwrap();
    oauth::insert(&mut tx, grant(oauth::Kind::Refresh, "r", sb, 100), 0, caps)
        .await
        .unwrap();
    assert!(
        oauth::transition(&mut tx, oauth::Kind::Refresh, "r", "pending", "redeemed", "{}")
            .await
            .unwrap()
    );
    assert!(
        !oauth::transition(&mut tx, oauth::Kind::Refresh, "r", "pending", "redeemed", "{}")
            .await
            .unwrap()
    );
}

fn entry(sandbox: domain::SandboxId, who: &std::sync::Arc<journal::Who>, i: i64) -> journal::Record {
    journal::Record {
        sandbox_id: sandbox,
        at_ms: 1_000 + i,
        request_id: format!("r{i}"),
        correlation_id: String::new(),
        method: "GET".into(),
        path: "/v1/profiles/legalbusiness".into(),
        operation: "Get /v{version}/profiles/legalbusiness".into(),
        status: 200,
        source_ip: "127.0.0.1".into(),
        who: who.clone(),
        surface: journal::PARTNER_CENTER,
        refusal: None,
    }
}

fn who(tenant: domain::TenantId) -> std::sync::Arc<journal::Who> {
    std::sync::Arc::new(journal::Who {
        tenant_id: Some(tenant),
        user_id: Some(domain::UserId(uuid::Uuid::nil())),
        upn: Some("u@x".into()),
        app_id: Some(domain::AppId(uuid::Uuid::nil())),
        app_name: "app".into(),
        mfa: true,
    })
}

on_both_engines!(
    the_mfa_reports_read_at_most_ten_thousand_requests_and_the_journal_prunes,
    the_mfa_reports_read_at_most_ten_thousand_requests_and_the_journal_prunes_on
);
async fn the_mfa_reports_read_at_most_ten_thousand_requests_and_the_journal_prunes_on(store: Store) {
    let sb = sandbox(&store).await;
    let (t1, t2) = (
        domain::TenantId(uuid::Uuid::new_v4()),
        domain::TenantId(uuid::Uuid::new_v4()),
    );
    let (w1, w2) = (who(t1), who(t2));
    let entries: Vec<_> = (0..10_050).map(|i| entry(sb, &w1, i)).collect();
    let mut tx = store.begin().await.unwrap();
    journal::append(&mut tx, &entries).await.unwrap();
    journal::append(&mut tx, &[entry(sb, &w2, 99_999)]).await.unwrap();
    let read = journal::tenant_requests(&mut tx, sb, &t1.to_string(), 0, 10_000)
        .await
        .unwrap();
    assert_eq!(read.len(), 10_000);
    assert_eq!(read[0].request_id, "r10049", "newest first");
    journal::prune(&mut tx, sb, 100).await.unwrap();
    assert_eq!(journal::count(&mut tx, sb).await.unwrap(), 100);
    assert_eq!(read[9_999].tenant_id, t1.to_string());
    assert_eq!(read[0].user_id.as_deref(), Some("00000000-0000-0000-0000-000000000000"));
    assert_eq!(journal::newest(&mut tx, sb, 1).await.unwrap()[0].request_id, "r99999");
}

// Refusals travel with their entries; pages of the older 9-element rows still read.
on_both_engines!(
    refusals_are_kept_with_their_entries_and_old_pages_still_read,
    refusals_are_kept_with_their_entries_and_old_pages_still_read_on
);
async fn refusals_are_kept_with_their_entries_and_old_pages_still_read_on(store: Store) {
    let sb = sandbox(&store).await;
    let w = who(domain::TenantId(uuid::Uuid::new_v4()));
    let mut refused = entry(sb, &w, 2);
    refused.status = 401;
    refused.surface = journal::ENTRA;
    refused.refusal = Some(Box::new(journal::Note {
        code: "AADSTS50076".into(),
        field: Some("password".into()),
        explanation: "the user has MFA registered".into(),
    }));
    let mut tx = store.begin().await.unwrap();
    journal::append(&mut tx, &[entry(sb, &w, 1), refused]).await.unwrap();
    let found = journal::by_request_id(&mut tx, sb, "r2").await.unwrap().unwrap();
    assert_eq!(found.surface, "entra");
    assert_eq!(found.refusal.as_ref().unwrap().code, "AADSTS50076");
    let refusals = journal::refusals(&mut tx, sb, 10).await.unwrap();
    assert_eq!(refusals.len(), 1);
    assert!(journal::by_request_id(&mut tx, sb, "r1")
        .await
        .unwrap()
        .unwrap()
        .refusal
        .is_none());
    // An entry of the earlier format: rows of nine, a caller with its tenant and app.
    let old = r#"{"w":[{"tid":"6e6aef4a-4ca9-40a8-b5bf-b53a1923c540","app":"60a00bf2-0644-4279-83b3-87ddf96f2509","appName":"a","mfa":true}],"s":["GET","/v1/x","Get x","1.2.3.4"],"r":[[5,"old","",0,0,1,2,200,3]]}"#;
    crate::sql::query("INSERT INTO api_journal_pages (sandbox_id, entries, last_at_ms, data) VALUES (?, 1, 5, ?)")
        .bind(sb.to_string())
        .bind(old)
        .execute(&mut *tx)
        .await
        .unwrap();
    let e = journal::by_request_id(&mut tx, sb, "old").await.unwrap().unwrap();
    assert_eq!((e.surface.as_str(), e.caller.as_str()), ("partner-center", "app-only"));
    assert_eq!(e.tenant_id, "6e6aef4a-4ca9-40a8-b5bf-b53a1923c540");
}

on_both_engines!(
    a_journaled_entry_is_bounded_and_the_journal_is_bounded_in_bytes,
    a_journaled_entry_is_bounded_and_the_journal_is_bounded_in_bytes_on
);
async fn a_journaled_entry_is_bounded_and_the_journal_is_bounded_in_bytes_on(store: Store) {
    let sb = sandbox(&store).await;
    let huge = "x".repeat(40_000);
    let mut r = entry(sb, &std::sync::Arc::new(journal::Who::nobody()), 1);
    r.path = huge.clone();
    r.operation = std::borrow::Cow::Owned(huge.clone());
    r.refusal = Some(Box::new(journal::Note {
        code: huge.clone(),
        field: Some(huge.clone()),
        explanation: format!("AADSTS700016: Application with identifier '{huge}' was not found"),
    }));
    let r = r.bounded();
    let n = r.refusal.as_ref().unwrap();
    assert!(r.path.len() <= journal::MAX_PATH && r.operation.len() <= journal::MAX_FIELD);
    assert!(
        n.explanation.len() <= journal::MAX_UNAUTHENTICATED_EXPLANATION,
        "nobody's input stays short"
    );
    assert!(n.explanation.starts_with("AADSTS700016") && n.explanation.ends_with('…'));
    assert!(n.code.len() <= 64 && n.field.as_ref().unwrap().len() <= journal::MAX_FIELD);
    // A Japanese text is cut on a character boundary.
    let mut j = entry(sb, &std::sync::Arc::new(journal::Who::nobody()), 2);
    j.path = "日本".repeat(1000);
    assert!(j.bounded().path.ends_with('…'));

    // Pages past the byte bound go, oldest first; the newest stays.
    let mut tx = store.begin().await.unwrap();
    for i in 0..50 {
        let mut big = entry(sb, &std::sync::Arc::new(journal::Who::nobody()), i);
        big.path = format!("/{i}/{}", "y".repeat(1000));
        journal::append(&mut tx, &[big]).await.unwrap();
    }
    let before = journal::bytes(&mut tx, sb).await.unwrap();
    assert!(before > 50_000, "{before}");
    journal::prune_bytes(&mut tx, sb, 10_000).await.unwrap();
    let after = journal::bytes(&mut tx, sb).await.unwrap();
    assert!(after <= 10_000 && after > 0, "{after}");
    let newest = journal::newest(&mut tx, sb, 1).await.unwrap();
    assert!(newest[0].path.starts_with("/49/"), "the newest page stays");
    tx.commit().await.unwrap();
}

#[cfg(unix)]
#[tokio::test]
async fn the_lock_follows_the_file_through_symlinks_and_hard_links() {
    let dir = tempfile::tempdir().unwrap();
    let first = Store::open(&db_in(&dir)).await.unwrap();
    let real = dir.path().join("pcsandbox.db");
    let sym = dir.path().join("via-symlink.db");
    let hard = dir.path().join("via-hardlink.db");
    std::os::unix::fs::symlink(&real, &sym).unwrap();
    std::fs::hard_link(&real, &hard).unwrap();
    for other in [&sym, &hard] {
        let e = Store::open(&Database::File(other.clone())).await.unwrap_err();
        assert!(e.to_string().contains("another pcsandbox is already using"), "{e}");
    }
    first.close().await;
    drop(first);
    assert!(
        !dir.path().join("pcsandbox.db.lock").exists(),
        "no lock file beside the database"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_database_others_may_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pcsandbox.db");
    std::fs::write(&path, b"").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    let e = Store::open(&Database::File(path.clone())).await.unwrap_err();
    assert!(e.to_string().contains("may be written by others"), "{e}");
    // Another user's file (root can make one: CI runs as root).
    if rustix::process::geteuid().is_root() {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::os::unix::fs::chown(&path, Some(65534), None).unwrap();
        let e = Store::open(&Database::File(path)).await.unwrap_err();
        assert!(e.to_string().contains("belongs to another user"), "{e}");
    }
}

on_both_engines!(
    a_flood_of_sign_ins_with_one_client_ends_its_own_oldest_not_the_others,
    a_flood_of_sign_ins_with_one_client_ends_its_own_oldest_not_the_others_on
);
async fn a_flood_of_sign_ins_with_one_client_ends_its_own_oldest_not_the_others_on(store: Store) {
    let sb = sandbox(&store).await;
    let caps = oauth::Caps {
        pending: 100,
        total: 1000,
        per_bucket: 10,
    };
    let mut tx = store.begin().await.unwrap();
    let flow = |key: &'static str, bucket: &'static str| oauth::NewGrant {
        bucket: Some(bucket),
        ..grant(oauth::Kind::Flow, key, sb, 100)
    };
    oauth::insert(&mut tx, flow("mine", "msal-app"), 0, caps).await.unwrap();
    let keys: Vec<String> = (0..500).map(|i| format!("flood{i}")).collect();
    for k in &keys {
        let k: &'static str = Box::leak(k.clone().into_boxed_str());
        oauth::insert(&mut tx, flow(k, "portal"), 0, caps).await.unwrap();
    }
    assert!(
        oauth::get(&mut tx, oauth::Kind::Flow, "mine").await.unwrap().is_some(),
        "another client's flow stays"
    );
    assert!(oauth::get(&mut tx, oauth::Kind::Flow, "flood499")
        .await
        .unwrap()
        .is_some());
    assert!(oauth::get(&mut tx, oauth::Kind::Flow, "flood489")
        .await
        .unwrap()
        .is_none());
    assert_eq!(oauth::count(&mut tx, sb).await.unwrap(), 11);
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_database_that_takes_no_write_is_not_ready() {
    let store = Store::open(&Database::Ephemeral).await.unwrap();
    store.ping().await.unwrap();
    // The writer refuses writes, as it would on a read-only file (which SQLite opens read-only
    // without a word) or a full disk: reads still answer, and the server must not say ready.
    let mut tx = store.begin().await.unwrap();
    crate::sql::query("PRAGMA query_only = ON")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        store.ping().await.is_err(),
        "a database that takes no write is not ready"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn ephemeral_databases_of_crashed_runs_are_removed_and_live_ones_kept() {
    let base = tempfile::tempdir().unwrap();
    let make = |name: &str| {
        let d = base.path().join(name);
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join("pcsandbox.db"), b"").unwrap();
        d
    };
    let crashed = make("pcsandbox-crashed");
    let live = make("pcsandbox-live");
    let young = make("pcsandbox-young");
    let other = base.path().join("not-ours");
    std::fs::create_dir(&other).unwrap();
    let held = std::fs::File::open(live.join("pcsandbox.db")).unwrap();
    rustix::fs::flock(&held, rustix::fs::FlockOperation::NonBlockingLockExclusive).unwrap();
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for d in [&crashed, &live] {
        std::fs::File::open(d).unwrap().set_modified(an_hour_ago).unwrap();
    }
    super::remove_stale_ephemeral(base.path());
    assert!(!crashed.exists(), "a crashed run's database is removed");
    assert!(live.exists(), "a running server's stays");
    assert!(young.exists(), "one being made stays");
    assert!(other.exists());
}
