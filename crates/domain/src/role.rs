//! Partner Center roles (the ones the control plane can grant).
//!
//! Wire names are kebab-case on the control plane; Partner Center's own role names
//! (`/v1/roles`) are given by [`Role::partner_center_name`], their group by [`Role::category`].
//!
//! The list is PRDE `permissions-overview.md` (learn.microsoft.com/partner-center/account-settings/
//! permissions-overview): Microsoft Entra tenant roles (Global admin, User management admin,
//! Billing admin), CSP roles (Admin, Sales, Helpdesk agent) and the company roles that do not
//! manage the tenant (Account admin, formerly MPN partner admin; the referrals, incentive and
//! report roles). No document lists role ids or a wire spelling of the category: the ids are
//! fixed GUIDs of this sandbox, the categories are named after that page's three groups.

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
    ReferralsUser,
    IncentiveAdmin,
    IncentiveUser,
    ReportViewer,
    ExecutiveReportViewer,
}

/// The groups of PRDE `permissions-overview.md` ("a user might need roles in any or all of these
/// categories: Cloud Solution Provider (CSP), Microsoft Entra tenant, or non-Microsoft Entra company").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleCategory {
    Tenant,
    CloudSolutionProvider,
    Company,
}

impl RoleCategory {
    /// The `category` of a `/v1/roles` item.
    pub fn as_str(self) -> &'static str {
        match self {
            RoleCategory::Tenant => "MicrosoftEntraTenant",
            RoleCategory::CloudSolutionProvider => "CloudSolutionProvider",
            RoleCategory::Company => "Company",
        }
    }
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
            Role::ReferralsUser => "紹介ユーザー",
            Role::IncentiveAdmin => "インセンティブ管理者",
            Role::IncentiveUser => "インセンティブ ユーザー",
            Role::ReportViewer => "レポート閲覧者",
            Role::ExecutiveReportViewer => "エグゼクティブ レポート閲覧者",
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
            Role::ReferralsUser => "Referrals user",
            Role::IncentiveAdmin => "Incentive admin",
            Role::IncentiveUser => "Incentive user",
            Role::ReportViewer => "Report viewer",
            Role::ExecutiveReportViewer => "Executive report viewer",
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
            Role::ReferralsUser => "0c6a6a24-7a5b-4d2e-9b0e-3f1d2c4a5b0a",
            Role::IncentiveAdmin => "0c6a6a24-7a5b-4d2e-9b0e-3f1d2c4a5b0b",
            Role::IncentiveUser => "0c6a6a24-7a5b-4d2e-9b0e-3f1d2c4a5b0c",
            Role::ExecutiveReportViewer => "0c6a6a24-7a5b-4d2e-9b0e-3f1d2c4a5b0d",
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
            Role::ReferralsUser => "Referrals User",
            Role::IncentiveAdmin => "Incentive Admin",
            Role::IncentiveUser => "Incentive User",
            Role::ReportViewer => "Report Viewer",
            Role::ExecutiveReportViewer => "Executive Report Viewer",
        }
    }

    pub fn category(self) -> RoleCategory {
        match self {
            Role::GlobalAdmin | Role::UserManagementAdmin | Role::BillingAdmin => RoleCategory::Tenant,
            Role::AdminAgent | Role::SalesAgent | Role::HelpdeskAgent => RoleCategory::CloudSolutionProvider,
            Role::AccountAdmin
            | Role::ReferralsAdmin
            | Role::ReferralsUser
            | Role::IncentiveAdmin
            | Role::IncentiveUser
            | Role::ReportViewer
            | Role::ExecutiveReportViewer => RoleCategory::Company,
        }
    }
}

/// How `/v1/roles/{id}/usermembers` sorts (LEARN REST reference "Manage account profiles":
/// `sortField` DisplayName | UserPrincipalName, default UserPrincipalName; `sortDirection`
/// Ascending | Descending, default Ascending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemberSort {
    pub by_display_name: bool,
    pub descending: bool,
}

/// Members per page of `/v1/roles/{id}/usermembers`: "should not be over 500".
pub const MAX_MEMBER_PAGE: usize = 500;

impl MemberSort {
    pub fn parse(field: Option<&str>, direction: Option<&str>) -> Result<MemberSort, crate::fault::Fault> {
        let by_display_name = match given_text(field).map(crate::vetting::enum_key).as_deref() {
            None | Some("userprincipalname") => false,
            Some("displayname") => true,
            Some(_) => {
                return Err(crate::fault::Fault::bad_enum(
                    "sortField",
                    field.unwrap_or_default(),
                    &["DisplayName", "UserPrincipalName"],
                ))
            }
        };
        let descending = match given_text(direction).map(crate::vetting::enum_key).as_deref() {
            None | Some("ascending") => false,
            Some("descending") => true,
            Some(_) => {
                return Err(crate::fault::Fault::bad_enum(
                    "sortDirection",
                    direction.unwrap_or_default(),
                    &["Ascending", "Descending"],
                ))
            }
        };
        Ok(MemberSort {
            by_display_name,
            descending,
        })
    }

    /// The order as a list parameter a continuation token keeps.
    pub fn key(self) -> String {
        format!(
            "{}|{}",
            if self.by_display_name {
                "DisplayName"
            } else {
                "UserPrincipalName"
            },
            if self.descending { "Descending" } else { "Ascending" }
        )
    }

    pub fn from_key(key: &str) -> MemberSort {
        let (field, direction) = key.split_once('|').unwrap_or((key, ""));
        MemberSort::parse(Some(field), Some(direction)).unwrap_or_default()
    }

    /// Sorts by the chosen field, case-insensitively, the other field breaking ties.
    pub fn sort<T>(self, items: &mut [T], upn: impl Fn(&T) -> &str, name: impl Fn(&T) -> &str) {
        items.sort_by(|a, b| {
            let key = |x: &T| {
                let (first, second) = if self.by_display_name {
                    (name(x), upn(x))
                } else {
                    (upn(x), name(x))
                };
                (first.to_lowercase(), second.to_lowercase())
            };
            let o = key(a).cmp(&key(b));
            if self.descending {
                o.reverse()
            } else {
                o
            }
        });
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

/// A parameter's value, unless absent or blank.
fn given_text(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
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
        let ids: std::collections::HashSet<_> = Role::ALL.iter().map(|r| r.id()).collect();
        assert_eq!(ids.len(), Role::ALL.len(), "role ids are unique");
        assert_eq!(Role::ExecutiveReportViewer.category(), RoleCategory::Company);
        assert_eq!(Role::AdminAgent.category().as_str(), "CloudSolutionProvider");
    }

    #[test]
    fn members_sort_by_the_documented_fields() {
        let mut xs = vec![("b@x", "Alice"), ("a@x", "bob"), ("c@x", "Carol")];
        MemberSort::default().sort(&mut xs, |x| x.0, |x| x.1);
        assert_eq!(xs.iter().map(|x| x.0).collect::<Vec<_>>(), ["a@x", "b@x", "c@x"]);
        let by_name_desc = MemberSort::parse(Some("displayName"), Some("DESCENDING")).unwrap();
        by_name_desc.sort(&mut xs, |x| x.0, |x| x.1);
        assert_eq!(xs.iter().map(|x| x.1).collect::<Vec<_>>(), ["Carol", "bob", "Alice"]);
        assert_eq!(MemberSort::parse(Some("mail"), None).unwrap_err().code, 900126);
        assert_eq!(MemberSort::from_key(&by_name_desc.key()), by_name_desc);
        assert_eq!(MemberSort::parse(None, Some("up")).unwrap_err().data, ["sortDirection"]);
    }
}
