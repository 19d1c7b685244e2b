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

impl Database {
    /// `--database` as a user writes it: a file path, or a `sqlite:` URL (`sqlite:pcsandbox.db`,
    /// `sqlite:///var/lib/pcsandbox.db`). Any other `scheme://` is refused with a message that
    /// names it, rather than taken for a file name.
    pub fn parse(text: &str) -> std::result::Result<Database, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("--database is empty: give a SQLite file path".into());
        }
        if let Some(rest) = t.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            let path = path.split(['?', '#']).next().unwrap_or_default();
            if path.is_empty() || path == ":memory:" {
                return Err(format!(
                    "--database {t}: name a file (an in-memory database is --ephemeral)"
                ));
            }
            return Ok(Database::File(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = t.split_once("://") {
            let is_scheme = scheme.len() >= 2 && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
            if is_scheme {
                let lower = scheme.to_ascii_lowercase();
                return Err(if lower == "postgres" || lower == "postgresql" {
                    format!(
                        "--database {scheme}://…: this build of pcsandbox serves SQLite only; \
                         PostgreSQL (the team server) is not in it yet. Give a SQLite file path"
                    )
                } else {
                    format!("--database {scheme}://…: '{scheme}' is not a database pcsandbox knows; give a SQLite file path or a sqlite: URL")
                });
            }
        }
        Ok(Database::File(PathBuf::from(t)))
    }
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

#[cfg(test)]
mod database_tests {
    use super::*;

    #[test]
    fn a_database_is_a_path_or_a_sqlite_url_and_nothing_else() {
        let file = |p: &str| Ok(Database::File(PathBuf::from(p)));
        assert_eq!(Database::parse("pcsandbox.db"), file("pcsandbox.db"));
        assert_eq!(Database::parse("/var/lib/x.db"), file("/var/lib/x.db"));
        assert_eq!(Database::parse("sqlite:x.db"), file("x.db"));
        assert_eq!(Database::parse("sqlite:///var/lib/x.db"), file("/var/lib/x.db"));
        assert_eq!(Database::parse("sqlite://x.db?mode=rwc"), file("x.db"));
        assert_eq!(Database::parse(r"C:\\data\\x.db"), file(r"C:\\data\\x.db"));
        let pg = Database::parse("postgres://u@h:5432/db").unwrap_err();
        assert!(pg.contains("PostgreSQL") && !pg.contains("5432"), "{pg}");
        assert!(Database::parse("mysql://h/db").unwrap_err().contains("'mysql'"));
        assert!(Database::parse("sqlite::memory:").is_err());
        assert!(Database::parse(" ").is_err());
    }
}

pub(crate) fn map_write_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(d.message().to_owned()),
        _ => StoreError::Sqlx(e),
    }
}

pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

/// What keeps a database file ours while the store is open: the lock on the file, and the
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

/// Locks the database file itself for this process (`flock` on the file, so a symlink or a hard
/// link to it is the same lock): a second server on the same file would otherwise answer
/// "database is locked" errors, or with a hard link corrupt it through a second WAL file. A file
/// that another user owns, or that others may write, is refused: in a shared folder it could be
/// anyone's database.
fn lock_database(path: &Path) -> Result<std::fs::File> {
    #[cfg(unix)]
    for suffix in ["", "-wal", "-shm"] {
        use std::os::unix::fs::MetadataExt;
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        let Ok(meta) = std::fs::metadata(&p) else { continue };
        let me = rustix::process::geteuid().as_raw();
        if meta.uid() != me {
            return Err(StoreError::Io(format!(
                "{} belongs to another user (uid {}): refusing a database this user does not own",
                p.display(),
                meta.uid()
            )));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(StoreError::Io(format!(
                "{} may be written by others (mode {:o}): refusing it (make it private with chmod 600)",
                p.display(),
                meta.mode() & 0o777
            )));
        }
    }
    prepare_private_file(path)?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| StoreError::Io(format!("{}: {e}", path.display())))?;
    #[cfg(unix)]
    rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive).map_err(|_| {
        StoreError::Locked(format!(
            "another pcsandbox is already using {} (it holds a lock on the file, under this name or another); stop it, or give this one another --database",
            path.display()
        ))
    })?;
    Ok(file)
}

/// Removes the ephemeral databases that crashed runs of this user left in `base` (memory, on
/// `/dev/shm`): a `pcsandbox-*` directory of ours, older than a minute, whose database no
/// process holds locked. A running server's is locked; a new one's is younger than a minute.
fn remove_stale_ephemeral(base: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(entries) = std::fs::read_dir(base) else { return };
        let me = rustix::process::geteuid().as_raw();
        for e in entries.flatten() {
            let dir = e.path();
            let named = e.file_name().to_str().is_some_and(|n| n.starts_with("pcsandbox-"));
            let Ok(meta) = std::fs::symlink_metadata(&dir) else {
                continue;
            };
            let old = meta
                .modified()
                .ok()
                .and_then(|m| m.elapsed().ok())
                .is_some_and(|age| age > Duration::from_secs(60));
            let db = dir.join("pcsandbox.db");
            if !named || !meta.is_dir() || meta.uid() != me || !old || !db.is_file() {
                continue;
            }
            let Ok(file) = std::fs::OpenOptions::new().read(true).write(true).open(&db) else {
                continue;
            };
            if rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_ok() {
                drop(file);
                if std::fs::remove_dir_all(&dir).is_ok() {
                    tracing::info!(dir = %dir.display(), "removed the database of an ephemeral run that ended without cleaning up");
                }
            }
        }
    }
}

/// Where an ephemeral database goes: memory-backed `/dev/shm` when the system has it.
fn ephemeral_dir() -> Result<tempfile::TempDir> {
    let shm = Path::new("/dev/shm");
    let base = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    remove_stale_ephemeral(&base);
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

    /// Proves both pools answer and the database takes a write (for `/readyz`): the writer
    /// sets the schema's user version to what it is, a real write transaction, so a read-only
    /// file, an unwritable directory or a full disk makes the server unready instead of ready
    /// with every write failing.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        let mut w = self.write.acquire().await?;
        let v: i64 = sqlx::query_scalar("PRAGMA user_version").fetch_one(&mut *w).await?;
        // A number, not a client's text: nothing to escape.
        sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA user_version = {v}")))
            .execute(&mut *w)
            .await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

#[cfg(test)]
mod tests;
