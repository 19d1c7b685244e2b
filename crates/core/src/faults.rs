//! The faults tests inject, per sandbox, in memory: instrumentation of a run rather than state
//! of the world, so a restart, a reset or a deletion of the sandbox clears them. A server with no
//! fault anywhere pays one atomic load per request.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use domain::injection::{Fault, FaultSpec, MAX_FAULTS};
use domain::{FieldError, SandboxId};

use crate::error::{CoreError, Result};
use crate::Core;

#[derive(Default)]
pub struct Faults {
    any: AtomicBool,
    by_sandbox: Mutex<HashMap<SandboxId, Vec<Fault>>>,
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SandboxId, Vec<Fault>>> {
        // A panic while holding it leaves plain data behind; carry on with it.
        self.by_sandbox
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn refresh(&self, map: &HashMap<SandboxId, Vec<Fault>>) {
        self.any.store(map.values().any(|v| !v.is_empty()), Ordering::Release);
    }

    pub fn clear(&self, sandbox: SandboxId) {
        let mut map = self.lock();
        map.remove(&sandbox);
        self.refresh(&map);
    }
}

impl Core {
    /// `POST .../faults`.
    pub fn add_fault(&self, sandbox: SandboxId, spec: FaultSpec) -> Result<Fault> {
        let id = format!("flt-{}", &self.random.uuid().simple().to_string()[..12]);
        let fault = spec.validated(id)?;
        let mut map = self.faults.lock();
        let list = map.entry(sandbox).or_default();
        list.retain(|f| !f.spent());
        if list.len() >= MAX_FAULTS {
            return Err(FieldError::new(
                "path",
                format!("a sandbox holds at most {MAX_FAULTS} faults; remove some first"),
            )
            .into());
        }
        list.push(fault.clone());
        self.faults.refresh(&map);
        Ok(fault)
    }

    /// `GET .../faults`: with their hits and the times left.
    pub fn list_faults(&self, sandbox: SandboxId) -> Vec<Fault> {
        self.faults.lock().get(&sandbox).cloned().unwrap_or_default()
    }

    /// `DELETE .../faults/{id}`.
    pub fn remove_fault(&self, sandbox: SandboxId, id: &str) -> Result<()> {
        let mut map = self.faults.lock();
        let list = map.entry(sandbox).or_default();
        let before = list.len();
        list.retain(|f| f.id != id);
        let removed = list.len() < before;
        self.faults.refresh(&map);
        if removed {
            Ok(())
        } else {
            Err(CoreError::NotFound {
                what: "fault",
                id: id.to_owned(),
                field: Some("faultId".into()),
            })
        }
    }

    /// `DELETE .../faults`.
    pub fn clear_faults(&self, sandbox: SandboxId) {
        self.faults.clear(sandbox);
    }

    /// The fault that strikes this request, if any: the first that applies and whose probability
    /// comes up; it counts the hit.
    pub fn strike(&self, sandbox: SandboxId, method: &str, path: &str, grant_type: Option<&str>) -> Option<Fault> {
        if !self.faults.any.load(Ordering::Acquire) {
            return None;
        }
        let mut map = self.faults.lock();
        let list = map.get_mut(&sandbox)?;
        for f in list.iter_mut() {
            if !f.applies(method, path, grant_type) {
                continue;
            }
            if let Some(p) = f.probability {
                let mut b = [0u8; 8];
                self.random.fill(&mut b);
                let draw = (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64;
                if draw >= p {
                    continue;
                }
            }
            f.hit();
            return Some(f.clone());
        }
        None
    }
}
