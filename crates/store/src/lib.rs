//! SQLite through sqlx: the only place with SQL. Rows in, domain types out.
//!
//! Every function takes a connection (`&mut Conn`): a write transaction ([`Store::begin`]), a
//! read transaction whose statements see one snapshot ([`Store::read`]), or a pooled connection
//! for a single statement ([`Store::conn`]). Writes go through one writer connection (SQLite has
//! one writer, and queueing in the pool beats `SQLITE_BUSY` retries).
//!
//! The database is always a file in WAL mode: the user's (`--database`), or for `--ephemeral` a
//! private temporary directory (on `/dev/shm` where there is one, so it lives in memory) removed
//! when the store closes. Readers of a WAL file see committed snapshots and never block the
//! writer, which an in-memory shared-cache database cannot promise.

pub mod bundle;
pub mod commerce;
pub mod csp;
pub mod gdap;
pub mod journal;
pub mod keys;
pub mod oauth;
pub mod onboarding;
pub mod profiles;
pub mod rows;
pub mod sandboxes;
pub mod teams;
pub mod webhooks;
pub mod world;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

pub use keys::StoredKey;

pub type Tx = Transaction<'static, Sqlite>;
/// What every store function runs on: a transaction or a pooled connection derefs to it.
pub type Conn = sqlx::SqliteConnection;

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    File(PathBuf),
    /// A temporary file for one server's lifetime.
    Ephemeral,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write (a race lost against another request).
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// Another process owns the database file.
    #[error("{0}")]
    Locked(String),
    #[error("{0}")]
    Io(String),
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

/// What keeps a database file ours while the store is open: the lock on `<db>.lock`, and the
/// temporary directory of an ephemeral database (removed when the last clone of the store goes).
#[derive(Debug)]
struct Owned {
    _lock: std::fs::File,
    _dir: Option<tempfile::TempDir>,
}

#[derive(Clone, Debug)]
pub struct Store {
    read: SqlitePool,
    write: SqlitePool,
    path: PathBuf,
    _owned: Arc<Owned>,
}

/// Creates the database file 0600 if it does not exist (SQLite would create it 0644, and its
/// `-wal`/`-shm` files take the database file's mode) and tightens the mode of an existing one.
fn prepare_private_file(path: &Path) -> Result<()> {
    let io = |e: std::io::Error| StoreError::Io(format!("{}: {e}", path.display()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(io)?;
    #[cfg(unix)]
    for suffix in ["", "-wal", "-shm"] {
        use std::os::unix::fs::PermissionsExt;
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        if p.exists() {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        }
    }
    Ok(())
}

/// Takes `<db>.lock` for this process: a second server on the same file would otherwise answer
/// "database is locked" errors to its clients instead of refusing to start.
fn lock_database(path: &Path) -> Result<std::fs::File> {
    let lock_path = PathBuf::from(format!("{}.lock", path.display()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options
        .open(&lock_path)
        .map_err(|e| StoreError::Io(format!("{}: {e}", lock_path.display())))?;
    #[cfg(unix)]
    rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive).map_err(|_| {
        StoreError::Locked(format!(
            "another pcsandbox is already using {} (it holds {}); stop it, or give this one another --database",
            path.display(),
            lock_path.display()
        ))
    })?;
    Ok(file)
}

/// Where an ephemeral database goes: memory-backed `/dev/shm` when the system has it.
fn ephemeral_dir() -> Result<tempfile::TempDir> {
    let shm = Path::new("/dev/shm");
    let base = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    tempfile::Builder::new()
        .prefix("pcsandbox-")
        .tempdir_in(&base)
        .or_else(|_| tempfile::Builder::new().prefix("pcsandbox-").tempdir())
        .map_err(|e| StoreError::Io(format!("cannot create a temporary database directory: {e}")))
}

impl Store {
    /// Opens (creating if needed) the database and runs the embedded migrations.
    pub async fn open(db: &Database) -> Result<Self> {
        let (path, dir, synchronous) = match db {
            Database::File(path) => (path.clone(), None, SqliteSynchronous::Normal),
            Database::Ephemeral => {
                let dir = ephemeral_dir()?;
                // Nothing to keep across a crash: skip the fsyncs.
                (dir.path().join("pcsandbox.db"), Some(dir), SqliteSynchronous::Off)
            }
        };
        let lock = lock_database(&path)?;
        prepare_private_file(&path)?;
        let base = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .pragma("wal_autocheckpoint", "100");
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(base.clone())
            .await?;
        sqlx::migrate!("../../migrations").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(base.read_only(true))
            .await?;
        Ok(Self {
            read,
            write,
            path,
            _owned: Arc::new(Owned { _lock: lock, _dir: dir }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A write transaction on the single writer connection.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(self.write.begin().await?)
    }

    /// A read transaction: its statements see one committed snapshot.
    pub async fn read(&self) -> Result<Tx> {
        Ok(self.read.begin().await?)
    }

    /// A pooled read connection for a single statement (no transaction overhead).
    pub async fn conn(&self) -> Result<PoolConnection<Sqlite>> {
        Ok(self.read.acquire().await?)
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
}

#[cfg(test)]
mod tests;
