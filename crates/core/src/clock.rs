//! The sandbox clock: real time plus an offset that only moves forward.

use chrono::{DateTime, Duration, Utc};
use domain::{clock, FieldError, SandboxId};

use crate::error::Result;
use crate::Core;

/// How far to move a sandbox clock.
#[derive(Debug, Clone, Copy)]
pub enum Advance {
    /// A duration (parsed from ISO 8601 such as `P3D` at the edge).
    By(Duration),
    BusinessDays(u32),
}

/// At most this many business days at a time (about ten years).
pub const MAX_BUSINESS_DAYS: u32 = 2600;

impl Core {
    /// Moves a sandbox's clock forward and returns the new sandbox time. Reviews and link
    /// expiries that fall due by then happen in the same transaction.
    pub async fn advance_clock(&self, id: SandboxId, advance: Advance) -> Result<DateTime<Utc>> {
        let mut w = self.write(id).await?;
        let target = match advance {
            Advance::By(d) => w
                .now
                .checked_add_signed(d)
                .ok_or_else(|| FieldError::new("advance", "that moves the clock out of range"))?,
            Advance::BusinessDays(n) if n <= MAX_BUSINESS_DAYS => {
                w.sandbox.business_calendar.add_business_days(w.now, n)
            }
            Advance::BusinessDays(_) => {
                return Err(FieldError::new(
                    "businessDays",
                    format!("at most {MAX_BUSINESS_DAYS} (about ten years) at a time"),
                )
                .into())
            }
        };
        let field = match advance {
            Advance::By(_) => "advance",
            Advance::BusinessDays(_) => "businessDays",
        };
        w.sandbox.clock_offset_ms = clock::offset_for(field, self.clock.now(), target)?;
        let settings = w.sandbox.clone();
        store::sandboxes::save_settings(w.c(), &settings).await?;
        w.now = target;
        w.settle().await?;
        w.commit().await?;
        Ok(target)
    }
}
