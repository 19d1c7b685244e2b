//! The sandbox clock: real time plus an offset that only moves forward.

use chrono::{DateTime, Utc};
use domain::clock;

use crate::error::{CoreError, Result};
use crate::Core;

#[derive(Debug, Clone)]
pub enum Advance {
    /// An ISO 8601 duration such as `P3D`.
    By(String),
    BusinessDays(u32),
}

impl Core {
    /// Moves a sandbox's clock forward and returns the new sandbox time.
    pub async fn advance_clock(&self, id_or_name: &str, advance: Advance) -> Result<DateTime<Utc>> {
        let sb = self.find_sandbox(id_or_name).await?;
        let mut tx = self.store.begin().await?;
        let sb = store::sandboxes::get_for_update(&mut tx, sb.id)
            .await?
            .ok_or_else(|| CoreError::not_found("sandbox", id_or_name))?;
        let real = self.clock.now();
        let now = sb.now(real);
        let target = match advance {
            Advance::By(text) => now + clock::parse_duration("advance", &text)?,
            Advance::BusinessDays(n) if n <= 2600 => clock::add_business_days(now, n),
            Advance::BusinessDays(_) => {
                return Err(domain::FieldError::new("businessDays", "at most 2600 (about ten years) at a time").into())
            }
        };
        let offset = (target - real).num_milliseconds();
        store::sandboxes::set_clock_offset(&mut tx, sb.id, offset).await?;
        // Reviews and link expiries that fall due by the new time happen now.
        self.settle_partners(&mut tx, &sb, target).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        self.changed();
        Ok(target)
    }
}
