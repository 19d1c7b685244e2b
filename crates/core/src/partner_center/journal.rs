//! The request journal's writer: `/v1` requests are recorded off the hot path. Entries go through
//! a bounded channel to one task that writes them in batches, one transaction per batch; readers
//! call [`Journal::flush`] first so that they see every request answered before they asked.
//!
//! Each sandbox keeps its newest `limit` entries: the writer counts what it adds per sandbox and,
//! past the limit plus a tenth, drops the oldest in the same transaction. Hours of load leave the
//! journal (and memory) the size of the limit.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use domain::SandboxId;
use store::journal::Record;
use store::Store;
use tokio::sync::{mpsc, oneshot, Notify};

enum Msg {
    Record(Box<Record>),
    Flush(oneshot::Sender<()>),
}

#[derive(Clone)]
pub struct Journal {
    tx: mpsc::Sender<Msg>,
    /// Cuts the writer's lingering short when a reader waits for a flush.
    flushing: Arc<Notify>,
}

/// Requests waiting to be written before callers feel back-pressure.
const QUEUE: usize = 16_384;
/// Entries written per transaction at most.
const BATCH: usize = 1024;
/// How long the writer gathers entries before a transaction (unless a flush is waiting): under
/// load that is one transaction per interval instead of one per handful of requests.
const LINGER: Duration = Duration::from_millis(5);

impl Journal {
    /// Starts the writer task; it ends when every `Journal` handle is dropped.
    pub fn start(store: Store, limit: usize) -> Journal {
        let (tx, rx) = mpsc::channel(QUEUE);
        let flushing = Arc::new(Notify::new());
        tokio::spawn(write_loop(store, rx, limit.max(1), flushing.clone()));
        Journal { tx, flushing }
    }

    pub async fn record(&self, record: Record) {
        if self.tx.send(Msg::Record(Box::new(record.bounded()))).await.is_err() {
            tracing::warn!("the journal writer has stopped; a request was not journaled");
        }
    }

    /// Returns once everything recorded before the call is written.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Flush(done)).await.is_ok() {
            self.flushing.notify_one();
            let _ = wait.await;
        }
    }
}

/// Entries and bytes per sandbox, as far as the writer knows (unknown sandboxes are counted once).
struct Counts {
    limit: usize,
    known: HashMap<SandboxId, (usize, usize)>,
}

/// The bytes a sandbox's journal holds at most (plus a tenth while it prunes), whatever its
/// limit of entries: an entry is bounded too (`Record::bounded`), so this is about 16,000 of the
/// largest entries and far more of ordinary ones.
pub const MAX_BYTES: usize = domain::limits::MAX_JOURNAL_BYTES;

/// Sandboxes whose counts the writer remembers before it forgets them all (and recounts).
const MAX_COUNTED: usize = 100_000;

impl Counts {
    /// After adding `added` entries of `bytes` to `sandbox`: prunes when past the limit (of
    /// entries, or of bytes) and a tenth.
    async fn note(&mut self, c: &mut store::Conn, sandbox: SandboxId, added: usize, bytes: usize) -> store::Result<()> {
        if self.known.len() >= MAX_COUNTED && !self.known.contains_key(&sandbox) {
            self.known.clear();
        }
        let (mut n, mut b) = match self.known.get(&sandbox) {
            Some((n, b)) => (n + added, b + bytes),
            None => (
                store::journal::count(c, sandbox).await?,
                store::journal::bytes(c, sandbox).await?,
            ),
        };
        if n > self.limit + self.limit / 10 {
            store::journal::prune(c, sandbox, self.limit).await?;
            (n, b) = (
                store::journal::count(c, sandbox).await?,
                store::journal::bytes(c, sandbox).await?,
            );
        }
        if b > MAX_BYTES + MAX_BYTES / 10 {
            store::journal::prune_bytes(c, sandbox, MAX_BYTES).await?;
            (n, b) = (
                store::journal::count(c, sandbox).await?,
                store::journal::bytes(c, sandbox).await?,
            );
        }
        self.known.insert(sandbox, (n, b));
        Ok(())
    }
}

/// Waits for the first record, then lingers (unless a flush is waiting) and takes everything
/// that arrived meanwhile: under load the writer wakes once per interval, not once per request.
async fn write_loop(store: Store, mut rx: mpsc::Receiver<Msg>, limit: usize, flushing: Arc<Notify>) {
    let mut counts = Counts {
        limit,
        known: HashMap::new(),
    };
    let mut buf = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut buf, BATCH).await > 0 {
        let flush_waiting = buf.iter().any(|m| matches!(m, Msg::Flush(_)));
        if !flush_waiting && buf.len() < BATCH {
            tokio::select! {
                () = tokio::time::sleep(LINGER) => {}
                () = flushing.notified() => {}
            }
        }
        while buf.len() < BATCH {
            match rx.try_recv() {
                Ok(m) => buf.push(m),
                Err(_) => break,
            }
        }
        let mut records = Vec::with_capacity(buf.len());
        let mut flushes = Vec::new();
        for m in buf.drain(..) {
            match m {
                Msg::Record(r) => records.push(*r),
                Msg::Flush(f) => flushes.push(f),
            }
        }
        if !records.is_empty() {
            if let Err(e) = write(&store, &records, &mut counts).await {
                tracing::error!(error = %e, lost = records.len(), "journal entries could not be written");
            }
        }
        for f in flushes {
            let _ = f.send(());
        }
    }
}

async fn write(store: &Store, records: &[Record], counts: &mut Counts) -> store::Result<()> {
    let mut tx = store.begin().await?;
    for (sandbox, n, bytes) in store::journal::append(&mut tx, records).await? {
        counts.note(&mut tx, sandbox, n, bytes).await?;
    }
    tx.commit().await?;
    Ok(())
}
