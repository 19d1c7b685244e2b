//! SQLite or PostgreSQL through sqlx's `Any` driver: the only place with SQL. Rows in, domain
//! types out. Each statement is written once for both engines ([`sql`]).
//!
//! Every function takes a connection (`&mut Conn`): a write transaction ([`Store::begin`]), a
//! read transaction whose statements see one snapshot ([`Store::read`]), or a pooled connection
//! for a single statement ([`Store::conn`]). Writes go through one writer connection (SQLite has
//! one writer, and queueing in the pool beats `SQLITE_BUSY` retries).
//!
//! PostgreSQL (the team server, `--database postgres://…`) serves several replicas: a write
//! transaction first takes one advisory lock, so writes are serialized across every replica as
//! SQLite serializes them in one process, and each decides on what it reads inside the lock; a
//! read transaction is a repeatable-read snapshot. A commit announces the sandbox it changed
//! (`NOTIFY`, [`Store::announce`]) so other replicas drop what they cached of it.
//!
//! A SQLite database is always a file in WAL mode: the user's (`--database`), or for `--ephemeral` a
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
pub mod secrets;
pub mod sql;
pub mod teams;
pub mod webhooks;
pub mod world;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Any, AnyPool, ConnectOptions, Connection, Executor, Transaction};

pub use keys::StoredKey;
pub use sql::Engine;

pub type Tx = Transaction<'static, Any>;
/// What every store function runs on: a transaction or a pooled connection derefs to it.
pub type Conn = sqlx::AnyConnection;

/// The channel a commit announces its sandbox on (PostgreSQL).
pub const STALE_CHANNEL: &str = "pcsandbox_stale";
/// The advisory lock every write transaction takes (PostgreSQL): one writer at a time.
const WRITE_LOCK: i64 = 0x7063_7362_7877; // "pcsbxw"

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    File(PathBuf),
    /// A temporary file for one server's lifetime.
    Ephemeral,
    /// A PostgreSQL database (`postgres://USER@HOST:PORT/DB`): the team server's replicas share it.
    Postgres(String),
}

impl std::fmt::Display for Database {
    /// The database as an operator may see it in a log: a PostgreSQL URL without its password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::File(p) => write!(f, "{}", p.display()),
            Database::Ephemeral => f.write_str("an ephemeral database"),
            Database::Postgres(url) => match url::Url::parse(url) {
                Ok(mut u) => {
                    if u.password().is_some() {
                        let _ = u.set_password(Some("***"));
                    }
                    write!(f, "{u}")
                }
                Err(_) => f.write_str("a PostgreSQL database"),
            },
        }
    }
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
                if lower == "postgres" || lower == "postgresql" {
                    return match url::Url::parse(t) {
                        Ok(u) if u.host_str().is_some_and(|h| !h.is_empty()) && u.path().len() > 1 => {
                            Ok(Database::Postgres(t.to_owned()))
                        }
                        _ => Err(format!(
                            "--database {scheme}://…: a PostgreSQL URL names a host and a database: postgres://USER@HOST:PORT/DB"
                        )),
                    };
                }
                return Err(format!(
                    "--database {scheme}://…: '{scheme}' is not a database pcsandbox knows; give a SQLite file path, a sqlite: URL or a postgres:// URL"
                ));
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
    /// No connection to the database could be had (PostgreSQL down or unreachable, the pool
    /// exhausted for too long): a 503 to the client, not a 500.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("{0}")]
    Io(String),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type Result<T> = std::result::Result<T, StoreError>;

impl StoreError {
    /// The database could not be reached (rather than refusing or failing a statement): the
    /// request may succeed once it is back.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Unavailable(_) => true,
            StoreError::Sqlx(e) => {
                matches!(
                    e,
                    sqlx::Error::Io(_)
                        | sqlx::Error::Tls(_)
                        | sqlx::Error::Protocol(_)
                        | sqlx::Error::PoolTimedOut
                        | sqlx::Error::PoolClosed
                        | sqlx::Error::WorkerCrashed
                ) || matches!(e, sqlx::Error::Database(d)
                // Connection exceptions, an administrator's shutdown, the server starting or
                // stopping, too many connections.
                if d.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || c == "53300"))
            }
            _ => false,
        }
    }
}

/// An error getting a connection (or beginning a transaction on one): the database is not there.
fn unreachable(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::Database(_)
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(e.to_string()),
        other => StoreError::Sqlx(other),
    }
}

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
        let pg = "postgres://u:secret@h:5432/db";
        assert_eq!(Database::parse(pg), Ok(Database::Postgres(pg.into())));
        assert_eq!(Database::parse(pg).unwrap().to_string(), "postgres://u:***@h:5432/db");
        assert!(Database::parse("postgresql://h/db").is_ok());
        let bad = Database::parse("postgres://u@h:5432").unwrap_err();
        assert!(
            bad.contains("postgres://USER@HOST:PORT/DB") && !bad.contains("5432"),
            "{bad}"
        );
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
    read: AnyPool,
    write: AnyPool,
    engine: Engine,
    database: Database,
    /// The SQLite file (absent on PostgreSQL).
    path: Option<PathBuf>,
    _owned: Option<Arc<Owned>>,
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

/// The per-connection settings a SQLite URL cannot carry. (WAL is the file's own mode, set once
/// by the writer before the readers open it.)
fn sqlite_pragmas(
    synchronous: &'static str,
) -> impl for<'c> Fn(
    &'c mut sqlx::AnyConnection,
    sqlx::pool::PoolConnectionMetadata,
) -> futures::future::BoxFuture<'c, std::result::Result<(), sqlx::Error>>
       + Send
       + Sync
       + 'static {
    move |c, _| {
        Box::pin(async move {
            c.execute(sqlx::AssertSqlSafe(format!(
                "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA synchronous = {synchronous}; \
                 PRAGMA wal_autocheckpoint = 100;"
            )))
            .await?;
            Ok(())
        })
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
        sqlx::any::install_default_drivers();
        match db {
            Database::Postgres(url) => Self::open_postgres(db, url).await,
            Database::File(path) => Self::open_sqlite(db, path.clone(), None, "NORMAL").await,
            Database::Ephemeral => {
                let dir = ephemeral_dir()?;
                let path = dir.path().join("pcsandbox.db");
                // Nothing to keep across a crash: skip the fsyncs.
                Self::open_sqlite(db, path, Some(dir), "OFF").await
            }
        }
    }

    async fn open_sqlite(
        db: &Database,
        path: PathBuf,
        dir: Option<tempfile::TempDir>,
        synchronous: &'static str,
    ) -> Result<Self> {
        let lock = lock_database(&path)?;
        let url = |read_only: bool| -> Result<AnyConnectOptions> {
            let o = SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(!read_only)
                .read_only(read_only);
            Ok(AnyConnectOptions::from_url(&o.to_url_lossy())?)
        };
        let write = AnyPoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .after_connect(sqlite_pragmas(synchronous))
            .connect_with(url(false)?)
            .await?;
        sqlx::query("PRAGMA journal_mode = WAL").execute(&write).await?;
        sqlx::migrate!("../../migrations/sqlite").run(&write).await?;
        let read = AnyPoolOptions::new()
            .max_connections(4)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .after_connect(sqlite_pragmas(synchronous))
            .connect_with(url(true)?)
            .await?;
        Ok(Self {
            read,
            write,
            engine: Engine::Sqlite,
            database: db.clone(),
            path: Some(path),
            _owned: Some(Arc::new(Owned { _lock: lock, _dir: dir })),
        })
    }

    async fn open_postgres(db: &Database, url: &str) -> Result<Self> {
        let options =
            AnyConnectOptions::from_url(&url::Url::parse(url).map_err(|e| StoreError::Io(format!("{db}: {e}")))?)?;
        // One connection first: its error (refused, no such database, authentication) says what
        // is wrong, where a pool only times out.
        sqlx::AnyConnection::connect_with(&options).await?.close().await?;
        let pool = AnyPoolOptions::new()
            .max_connections(16)
            .min_connections(1)
            // While the database is away a request waits this long, then answers 503.
            .acquire_timeout(Duration::from_secs(5))
            // A replica whose database went away and came back reconnects by itself.
            .test_before_acquire(true)
            .connect_with(options)
            .await?;
        // Replicas starting together: the first migrates, the others wait on the lock and then
        // find nothing left to do.
        let mut c = pool.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(WRITE_LOCK + 1)
            .execute(&mut *c)
            .await?;
        let migrated = sqlx::migrate!("../../migrations/postgres").run(&mut *c).await;
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(WRITE_LOCK + 1)
            .execute(&mut *c)
            .await?;
        drop(c);
        migrated?;
        Ok(Self {
            read: pool.clone(),
            write: pool,
            engine: Engine::Postgres,
            database: db.clone(),
            path: None,
            _owned: None,
        })
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    pub fn database(&self) -> &Database {
        &self.database
    }

    /// The SQLite database file (none on PostgreSQL).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// A write transaction: on SQLite the single writer connection; on PostgreSQL a connection
    /// that holds the write lock until the transaction ends.
    pub async fn begin(&self) -> Result<Tx> {
        let mut tx = self.write.begin().await.map_err(unreachable)?;
        if self.engine == Engine::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(WRITE_LOCK)
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// A read transaction: its statements see one committed snapshot.
    pub async fn read(&self) -> Result<Tx> {
        Ok(match self.engine {
            Engine::Sqlite => self.read.begin().await.map_err(unreachable)?,
            Engine::Postgres => self
                .read
                .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .await
                .map_err(unreachable)?,
        })
    }

    /// A pooled read connection for a single statement (no transaction overhead).
    pub async fn conn(&self) -> Result<PoolConnection<Any>> {
        self.read.acquire().await.map_err(unreachable)
    }

    /// Tells the other replicas that a write in this transaction changed the sandbox (or, with
    /// `gone`, removed it), delivered when the transaction commits. Nothing to tell on SQLite:
    /// one process owns the file.
    pub async fn announce(&self, tx: &mut Tx, sandbox: domain::SandboxId, gone: bool) -> Result<()> {
        if self.engine == Engine::Postgres {
            let payload = if gone {
                format!("-{sandbox}")
            } else {
                sandbox.to_string()
            };
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(STALE_CHANNEL)
                .bind(payload)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Proves both pools answer and the database takes a write (for `/readyz`). On SQLite the
    /// writer sets the schema's user version to what it is, a real write transaction, so a
    /// read-only file, an unwritable directory or a full disk makes the server unready instead
    /// of ready with every write failing; on PostgreSQL a transaction takes an id, which a
    /// read-only standby refuses.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        let mut w = self.write.acquire().await?;
        match self.engine {
            Engine::Sqlite => {
                let v: i64 = sqlx::query_scalar("PRAGMA user_version").fetch_one(&mut *w).await?;
                // A number, not a client's text: nothing to escape.
                sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA user_version = {v}")))
                    .execute(&mut *w)
                    .await?;
            }
            Engine::Postgres => {
                let mut tx = w.begin().await?;
                sqlx::query("SELECT txid_current()").execute(&mut *tx).await?;
                tx.rollback().await?;
            }
        }
        Ok(())
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// Creates an empty database on the PostgreSQL server `base` names and gives its URL: each test
/// server of a suite gets its own, as each gets its own SQLite file.
pub async fn fresh_postgres_database(base: &str) -> Result<String> {
    use sqlx::postgres::PgConnection;
    let mut url = url::Url::parse(base).map_err(|e| StoreError::Io(format!("{base}: {e}")))?;
    let mut admin = PgConnection::connect(url.as_str()).await?;
    let name = format!("pcsandbox_test_{}", uuid::Uuid::new_v4().simple());
    // The name is ours (a UUID's hex digits), never a client's text.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    url.set_path(&name);
    Ok(url.to_string())
}

#[cfg(test)]
mod tests;

/// What another replica's commit announced ([`Store::announce`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announcement {
    /// A write changed the sandbox.
    Changed(domain::SandboxId),
    /// The sandbox was deleted.
    Gone(domain::SandboxId),
    /// The listening connection was lost and is back: announcements may have been missed.
    Missed,
}

/// Hears the announcements of every replica's commits (PostgreSQL `LISTEN`).
pub struct Listener(sqlx::postgres::PgListener);

impl Listener {
    /// The next announcement. A lost connection is re-established here and reported as
    /// [`Announcement::Missed`]; an error means the database cannot be reached right now.
    pub async fn next(&mut self) -> Result<Announcement> {
        loop {
            let Some(n) = self.0.try_recv().await? else {
                return Ok(Announcement::Missed);
            };
            let payload = n.payload();
            let (gone, id) = match payload.strip_prefix('-') {
                Some(id) => (true, id),
                None => (false, payload),
            };
            if let Ok(id) = id.parse::<domain::SandboxId>() {
                return Ok(if gone {
                    Announcement::Gone(id)
                } else {
                    Announcement::Changed(id)
                });
            }
        }
    }
}

impl Store {
    /// A listener for other replicas' commits, on PostgreSQL (a SQLite file has one process).
    pub async fn listener(&self) -> Result<Option<Listener>> {
        let Database::Postgres(url) = &self.database else {
            return Ok(None);
        };
        let mut l = sqlx::postgres::PgListener::connect(url).await?;
        l.listen(STALE_CHANNEL).await?;
        Ok(Some(Listener(l)))
    }
}
