//! SQLite through sqlx: the only place with SQL. Rows in, domain types out.
//!
//! Reads go through a pool of read connections; writes through one writer connection (SQLite has
//! one writer, and queueing in the pool beats `SQLITE_BUSY` retries), each request's writes in one
//! transaction ([`Store::begin`]).

pub mod csp;
pub mod journal;
pub mod keys;
pub mod oauth;
pub mod onboarding;
pub mod profiles;
pub mod sandboxes;
pub mod world;

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

pub use keys::StoredKey;

pub type Tx = Transaction<'static, Sqlite>;

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    File(PathBuf),
    /// In memory, for one server's lifetime.
    Memory,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write (a race lost against another request).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type Result<T> = std::result::Result<T, StoreError>;

pub(crate) fn map_write_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(d.message().to_owned()),
        _ => StoreError::Sqlx(e),
    }
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

#[derive(Clone, Debug)]
pub struct Store {
    read: SqlitePool,
    write: SqlitePool,
}

impl Store {
    /// Opens (creating if needed) the database and runs the embedded migrations.
    pub async fn open(db: &Database) -> Result<Self> {
        let base = match db {
            Database::File(path) => SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal),
            Database::Memory => {
                // A named shared-cache memory database, so reader and writer pools see one database.
                // It lives while a connection is open: the writer pool keeps one (min_connections).
                let name = format!(
                    "file:pcsandbox-{}?mode=memory&cache=shared",
                    uuid::Uuid::new_v4().simple()
                );
                SqliteConnectOptions::from_str(&name)?.shared_cache(true)
            }
        }
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);

        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(base.clone())
            .await?;
        sqlx::migrate!("../../migrations").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(base.read_only(matches!(db, Database::File(_))))
            .await?;
        Ok(Self { read, write })
    }

    /// A write transaction on the single writer connection.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(self.write.begin().await?)
    }

    /// A cheap query that proves both pools answer (for `/readyz`).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        sqlx::query("SELECT 1").execute(&self.write).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }

    pub(crate) fn reader(&self) -> &SqlitePool {
        &self.read
    }
}
