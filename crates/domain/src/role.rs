//! Partner Center roles (the ones the control plane can grant).
//!
//! Wire names are kebab-case on the control plane; Partner Center's own role names
//! (`/v1/roles`) are given by [`Role::partner_center_name`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Role {
    GlobalAdmin,
    AccountAdmin,
    UserManagementAdmin,
    BillingAdmin,
    AdminAgent,
    SalesAgent,
    HelpdeskAgent,
    ReferralsAdmin,
    ReportViewer,
}

impl Role {
    pub const ALL: &'static [Role] = <Role as strum::VariantArray>::VARIANTS;

    /// The control plane's name: `global-admin`, `admin-agent`, ...
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The role as the Japanese portal names it.
    pub fn label_ja(self) -> &'static str {
        match self {
            Role::GlobalAdmin => "グローバル管理者",
            Role::AccountAdmin => "アカウント管理者",
            Role::UserManagementAdmin => "ユーザー管理の管理者",
            Role::BillingAdmin => "課金管理者",
            Role::AdminAgent => "管理エージェント",
            Role::SalesAgent => "販売エージェント",
            Role::HelpdeskAgent => "ヘルプデスク エージェント",
            Role::ReferralsAdmin => "紹介管理者",
            Role::ReportViewer => "レポート閲覧者",
        }
    }

    /// The role as the English portal names it.
    pub fn label_en(self) -> &'static str {
        match self {
            Role::GlobalAdmin => "Global admin",
            Role::AccountAdmin => "Account admin",
            Role::UserManagementAdmin => "User management admin",
            Role::BillingAdmin => "Billing admin",
            Role::AdminAgent => "Admin agent",
            Role::SalesAgent => "Sales agent",
            Role::HelpdeskAgent => "Helpdesk agent",
            Role::ReferralsAdmin => "Referrals admin",
            Role::ReportViewer => "Report viewer",
        }
    }

    /// The role's id in `/v1/roles`: fixed GUIDs, the same in every sandbox.
    pub fn id(self) -> &'static str {
        match self {
            Role::GlobalAdmin => "0c6a6a24-7a5b-4d2e-9b0e-3f1d2c4a5b01",
            Role::AccountAdmin => "0c6a6a24-7a5b-4d2e-9b0e-3f1d2c4a5b02",
            Role::UserManagementAdmin => "0c6a6a24-7a5b-4d2e-9b0e-3f1d2c4a5b03",
            Role::BillingAdmin => "0c6a6a24-7a5b-4d2e-9b0e-3f1d2c4a5b04",
            Role::AdminAgent => "0c6a6a24-7a5b-4d2e-9b0e-3f1d2c4a5b05",
            Role::SalesAgent => "0c6a6a24-7a5b-4d2e-9b0e-3f1d2c4a5b06",
            Role::HelpdeskAgent => "0c6a6a24-7a5b-4d2e-9b0e-3f1d2c4a5b07",
            Role::ReferralsAdmin => "0c6a6a24-7a5b-4d2e-9b0e-3f1d2c4a5b08",
            Role::ReportViewer => "0c6a6a24-7a5b-4d2e-9b0e-3f1d2c4a5b09",
        }
    }

    /// A role by its `/v1/roles` id (any case).
    pub fn by_id(id: &str) -> Option<Role> {
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.id().eq_ignore_ascii_case(id.trim()))
    }

    /// The display name Partner Center uses for the role.
    pub fn partner_center_name(self) -> &'static str {
        match self {
            Role::GlobalAdmin => "Global Admin",
            Role::AccountAdmin => "Account Admin",
            Role::UserManagementAdmin => "User Management Admin",
            Role::BillingAdmin => "Billing Admin",
            Role::AdminAgent => "Admin Agent",
            Role::SalesAgent => "Sales Agent",
            Role::HelpdeskAgent => "Helpdesk Agent",
            Role::ReferralsAdmin => "Referrals Admin",
            Role::ReportViewer => "Report Viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .iter()
            .copied()
            .find(|r| r.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                let names: Vec<_> = Role::ALL.iter().map(|r| r.as_str()).collect();
                format!("unknown role '{s}'; expected one of {}", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_wire_names() {
        for &r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.as_str()));
        }
        assert!("owner".parse::<Role>().unwrap_err().contains("global-admin"));
        for &r in Role::ALL {
            assert_eq!(Role::by_id(&r.id().to_uppercase()), Some(r));
            assert!(uuid::Uuid::parse_str(r.id()).is_ok());
        }
    }
}
