//! Teams of a shared server: a team key scopes the control plane to the sandboxes its team made.

use crate::FieldError;

/// A team's name: 1 to 64 of `a-z 0-9 - _ .`, as a sandbox's name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TeamName(String);

impl TeamName {
    pub fn parse(field: &str, name: &str) -> Result<TeamName, FieldError> {
        let n = name.trim();
        let ok = !n.is_empty()
            && n.len() <= 64
            && n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
        if ok {
            Ok(TeamName(n.to_owned()))
        } else {
            Err(FieldError::new(
                field,
                "a team is 1 to 64 characters of a-z, 0-9, '-', '_' or '.'",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TeamName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who calls the control plane, and so which sandboxes it may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// A loopback server without an admin key: everything, as on a developer's machine.
    Open,
    /// The admin key: every sandbox, and the team keys.
    Admin,
    /// A team key: the sandboxes its team made, nothing else.
    Team(TeamName),
}

impl Access {
    /// Whether a sandbox owned by `owner` (None: made with the admin key or on an open server)
    /// is visible to this caller.
    pub fn sees(&self, owner: Option<&str>) -> bool {
        match self {
            Access::Open | Access::Admin => true,
            Access::Team(t) => owner == Some(t.as_str()),
        }
    }

    /// The team that owns what this caller creates.
    pub fn team(&self) -> Option<&TeamName> {
        match self {
            Access::Team(t) => Some(t),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_names_are_url_safe() {
        assert_eq!(TeamName::parse("team", " qa-1.x ").unwrap().as_str(), "qa-1.x");
        for bad in ["", "QA", "a b", "a/b", &"x".repeat(65)] {
            assert_eq!(TeamName::parse("team", bad).unwrap_err().field, "team");
        }
    }

    #[test]
    fn a_team_sees_only_its_own_sandboxes() {
        let qa = Access::Team(TeamName::parse("team", "qa").unwrap());
        assert!(qa.sees(Some("qa")));
        assert!(!qa.sees(Some("dev")));
        assert!(!qa.sees(None));
        assert!(Access::Admin.sees(Some("dev")) && Access::Admin.sees(None));
        assert!(Access::Open.sees(None));
        assert_eq!(qa.team().map(TeamName::as_str), Some("qa"));
        assert!(Access::Admin.team().is_none());
    }
}
