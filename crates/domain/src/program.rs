//! Partner programs and their status as the portal's プログラム情報 shows them.

use serde::{Deserialize, Serialize};

use crate::message::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Program {
    AiCloudPartnerProgram,
    CspIndirectReseller,
    CspIndirectProvider,
}

impl Program {
    pub fn wire(self) -> &'static str {
        match self {
            Self::AiCloudPartnerProgram => "ai-cloud-partner-program",
            Self::CspIndirectReseller => "csp-indirect-reseller",
            Self::CspIndirectProvider => "csp-indirect-provider",
        }
    }

    pub fn label(self) -> Text {
        match self {
            Self::AiCloudPartnerProgram => Text::new(
                "Microsoft AI Cloud パートナー プログラム",
                "Microsoft AI Cloud Partner Program",
            ),
            Self::CspIndirectReseller => Text::new(
                "クラウド ソリューション プロバイダー 間接リセラー",
                "Cloud Solution Provider indirect reseller",
            ),
            Self::CspIndirectProvider => Text::new(
                "クラウド ソリューション プロバイダー 間接プロバイダー",
                "Cloud Solution Provider indirect provider",
            ),
        }
    }

    /// The line プログラム情報 shows, e.g. 「間接リセラーの状態 アクティブ」.
    pub fn status_line(self, status: ProgramStatus) -> Text {
        let caption = match self {
            Self::AiCloudPartnerProgram => Text::new(
                "Microsoft AI Cloud パートナー プログラムの状態",
                "Microsoft AI Cloud Partner Program status",
            ),
            Self::CspIndirectReseller => Text::new("間接リセラーの状態", "Indirect reseller status"),
            Self::CspIndirectProvider => Text::new("間接プロバイダーの状態", "Indirect provider status"),
        };
        let s = status.label();
        Text::new(format!("{} {}", caption.ja, s.ja), format!("{}: {}", caption.en, s.en))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProgramStatus {
    Pending,
    Active,
}

impl ProgramStatus {
    pub fn wire(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
        }
    }

    pub fn label(self) -> Text {
        match self {
            Self::Pending => Text::new("保留中", "Pending"),
            Self::Active => Text::new("アクティブ", "Active"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgramRecord {
    pub program: Program,
    pub status: ProgramStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_reads_as_the_portal_shows_it() {
        let l = Program::CspIndirectReseller.status_line(ProgramStatus::Active);
        assert_eq!(l.ja, "間接リセラーの状態 アクティブ");
        assert_eq!(l.en, "Indirect reseller status: Active");
    }
}
