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
