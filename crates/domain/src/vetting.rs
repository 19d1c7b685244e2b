//! Vetting (verification) enums of the legal business profile, with the spellings Partner Center
//! writes and the lenient parsing it applies to input.
//!
//! The service's `EnumJsonConverter` writes enums in lower snake_case (`email_ownership`) and reads
//! snake_case or PascalCase; the Python SDK sends `vettingVersion=current`. So input is matched
//! ignoring case, `_` and `-` (NETSDK `EnumJsonConverter.cs`, `VettingStatus.cs`,
//! `VettingSubStatus.cs`, `VettingVersion.cs`).

/// The key two spellings of one enum value share: ASCII letters and digits, lower-cased.
pub fn enum_key(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Finds the value among `all` whose wire name matches `input` leniently.
pub fn parse_enum<T: Copy>(all: &[T], wire: fn(T) -> &'static str, input: &str) -> Option<T> {
    let key = enum_key(input);
    if key.is_empty() {
        return None;
    }
    all.iter().copied().find(|v| enum_key(wire(*v)) == key)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VettingStatus {
    None,
    Pending,
    Authorized,
    Rejected,
}

impl VettingStatus {
    pub const ALL: [VettingStatus; 4] = [Self::None, Self::Pending, Self::Authorized, Self::Rejected];
    pub fn wire(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Pending => "pending",
            Self::Authorized => "authorized",
            Self::Rejected => "rejected",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VettingSubStatus {
    None,
    Entry,
    EmailOwnership,
    EmailDomain,
    EmploymentVerification,
    Decision,
    Other,
    BusinessVerification,
}

impl VettingSubStatus {
    pub fn wire(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Entry => "entry",
            Self::EmailOwnership => "email_ownership",
            Self::EmailDomain => "email_domain",
            Self::EmploymentVerification => "employment_verification",
            Self::Decision => "decision",
            Self::Other => "other",
            Self::BusinessVerification => "business_verification",
        }
    }
}

/// Which verification a legal business profile read shows: `Current` (the SDK's default) the one
/// in progress, `LastFinalized` the last one that finished, `None` the profile without vetting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VettingVersion {
    None,
    #[default]
    Current,
    LastFinalized,
}

impl VettingVersion {
    pub const ALL: [VettingVersion; 3] = [Self::None, Self::Current, Self::LastFinalized];
    pub fn wire(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Current => "Current",
            Self::LastFinalized => "LastFinalized",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        parse_enum(&Self::ALL, Self::wire, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_input_ignores_case_and_separators() {
        assert_eq!(VettingVersion::parse("current"), Some(VettingVersion::Current));
        assert_eq!(
            VettingVersion::parse("LASTFINALIZED"),
            Some(VettingVersion::LastFinalized)
        );
        assert_eq!(
            VettingVersion::parse("last_finalized"),
            Some(VettingVersion::LastFinalized)
        );
        assert_eq!(VettingVersion::parse("none"), Some(VettingVersion::None));
        assert_eq!(VettingVersion::parse("latest"), None);
        assert_eq!(VettingVersion::parse(""), None);
        assert_eq!(
            parse_enum(&VettingStatus::ALL, VettingStatus::wire, "Authorized"),
            Some(VettingStatus::Authorized)
        );
        assert_eq!(enum_key("IsIndirectResellerOf"), enum_key("is_indirect_reseller_of"));
    }

    #[test]
    fn output_spellings_are_lower_snake_case() {
        assert_eq!(
            VettingSubStatus::EmploymentVerification.wire(),
            "employment_verification"
        );
        assert_eq!(VettingStatus::Authorized.wire(), "authorized");
    }
}
