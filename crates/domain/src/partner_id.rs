//! Partner IDs (formerly MPN IDs): a partner account has one PartnerGlobal ID and one
//! PartnerLocation ID per location, each seven digits, unique in the sandbox.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PartnerId(u32);

impl PartnerId {
    pub const MIN: u32 = 1_000_000;
    pub const MAX: u32 = 9_999_999;

    /// A partner ID from any 32-bit value (randomness), spread over the seven-digit range.
    pub fn from_random(r: u32) -> PartnerId {
        PartnerId(Self::MIN + r % (Self::MAX - Self::MIN + 1))
    }
}

impl fmt::Display for PartnerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for PartnerId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let n: u32 = t
            .parse()
            .ok()
            .filter(|_| t.len() == 7 && t.chars().all(|c| c.is_ascii_digit()))
            .ok_or_else(|| format!("'{s}' is not a partner ID (seven digits)"))?;
        if (Self::MIN..=Self::MAX).contains(&n) {
            Ok(PartnerId(n))
        } else {
            Err(format!("'{s}' is not a partner ID (seven digits)"))
        }
    }
}

impl TryFrom<String> for PartnerId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<PartnerId> for String {
    fn from(p: PartnerId) -> String {
        p.to_string()
    }
}

/// PartnerGlobal (PGA) or PartnerLocation (PLA): the spellings the control plane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PartnerIdKind {
    PartnerGlobal,
    PartnerLocation,
}

impl PartnerIdKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerIdKind::PartnerGlobal => "PartnerGlobal",
            PartnerIdKind::PartnerLocation => "PartnerLocation",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::PartnerGlobal, Self::PartnerLocation]
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum PartnerIdStatus {
    #[default]
    Inactive,
    Active,
}

impl PartnerIdStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerIdStatus::Inactive => "inactive",
            PartnerIdStatus::Active => "active",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "inactive" => Some(Self::Inactive),
            "active" => Some(Self::Active),
            _ => None,
        }
    }
}

/// One partner ID of a partner account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnerIdRecord {
    pub partner_id: PartnerId,
    #[serde(rename = "type")]
    pub kind: PartnerIdKind,
    pub country: String,
    pub status: PartnerIdStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partner_ids_are_seven_digits() {
        assert_eq!("4391507".parse::<PartnerId>().unwrap().to_string(), "4391507");
        assert!("439150".parse::<PartnerId>().is_err());
        assert!("04391507".parse::<PartnerId>().is_err());
        assert!("0391507".parse::<PartnerId>().is_err());
        assert!("43915o7".parse::<PartnerId>().is_err());
        for r in [0, 1, u32::MAX, 8_999_999, 9_000_000] {
            let p = PartnerId::from_random(r).to_string();
            assert_eq!(p.len(), 7, "{p}");
        }
    }
}
