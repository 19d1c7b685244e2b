//! One injectable source of randomness for ids, secrets and partner IDs, so tests can be
//! deterministic where they need to be.

use std::sync::Mutex;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

pub trait Random: Send + Sync + 'static {
    fn fill(&self, buf: &mut [u8]);

    fn bytes(&self, n: usize) -> Vec<u8> {
        let mut v = vec![0u8; n];
        self.fill(&mut v);
        v
    }

    /// A random (version 4) UUID.
    fn uuid(&self) -> Uuid {
        let mut b = [0u8; 16];
        self.fill(&mut b);
        uuid::Builder::from_random_bytes(b).into_uuid()
    }

    /// A number in `0..n`.
    fn below(&self, n: u64) -> u64 {
        let mut b = [0u8; 8];
        self.fill(&mut b);
        // The modulo bias over 2^64 is negligible for the small ranges used here.
        u64::from_le_bytes(b) % n.max(1)
    }
}

/// The thread's cryptographically secure generator, seeded from the operating system.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl Random for OsRandom {
    fn fill(&self, buf: &mut [u8]) {
        rand::rng().fill_bytes(buf);
    }
}

/// A reproducible generator for tests.
pub struct SeededRandom(Mutex<StdRng>);

impl SeededRandom {
    pub fn new(seed: u64) -> Self {
        Self(Mutex::new(StdRng::seed_from_u64(seed)))
    }
}

impl Random for SeededRandom {
    fn fill(&self, buf: &mut [u8]) {
        // A poisoned lock only means another thread panicked mid-fill; the generator is still usable.
        let mut g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        g.fill_bytes(buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_random_is_reproducible() {
        assert_eq!(SeededRandom::new(7).uuid(), SeededRandom::new(7).uuid());
        assert_ne!(SeededRandom::new(7).uuid(), SeededRandom::new(8).uuid());
        assert_eq!(SeededRandom::new(1).uuid().get_version_num(), 4);
        assert!(OsRandom.below(10) < 10);
    }
}
