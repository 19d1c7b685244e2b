//! The scenario catalog: the scenarios built into the binary (scenarios/*.yaml), plus any from a
//! directory given at start, which may add new names or replace built-in ones.

use std::collections::BTreeMap;
use std::path::Path;

use domain::scenario::{self, ScenarioSpec};

/// The built-in scenarios, embedded so that the binary (and the Docker image) is self-contained.
const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../../scenarios/default.yaml")),
    ("empty", include_str!("../../../scenarios/empty.yaml")),
    ("onboarding", include_str!("../../../scenarios/onboarding.yaml")),
    (
        "indirect-reseller",
        include_str!("../../../scenarios/indirect-reseller.yaml"),
    ),
];

#[derive(Debug, Clone)]
pub struct ScenarioEntry {
    pub name: String,
    pub description: String,
    pub spec: ScenarioSpec,
    /// The YAML text as written.
    pub source: String,
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    entries: BTreeMap<String, ScenarioEntry>,
}

/// Parses and validates a scenario's YAML (or JSON, which is YAML too).
pub fn parse(name: &str, text: &str) -> Result<ScenarioSpec, String> {
    let spec: ScenarioSpec = serde_saphyr::from_str(text).map_err(|e| format!("scenario '{name}': {e}"))?;
    scenario::plan(&spec).map_err(|e| format!("scenario '{name}': {e}"))?;
    Ok(spec)
}

impl Catalog {
    pub fn builtin() -> Result<Self, String> {
        let mut c = Catalog::default();
        for (name, text) in BUILTIN {
            c.insert(name, text)?;
        }
        Ok(c)
    }

    /// The built-in scenarios plus every `*.yaml`/`*.yml` file of `dir`, named by file stem.
    pub fn with_dir(dir: &Path) -> Result<Self, String> {
        let mut c = Self::builtin()?;
        let entries = std::fs::read_dir(dir).map_err(|e| format!("--scenarios {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let is_yaml = matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"));
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if is_yaml {
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                c.insert(stem, &text)?;
            }
        }
        Ok(c)
    }

    fn insert(&mut self, name: &str, text: &str) -> Result<(), String> {
        let spec = parse(name, text)?;
        let description = spec.description.clone().unwrap_or_default();
        self.entries.insert(
            name.to_owned(),
            ScenarioEntry {
                name: name.to_owned(),
                description,
                spec,
                source: text.to_owned(),
            },
        );
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&ScenarioEntry> {
        self.entries.get(name)
    }

    pub fn list(&self) -> impl Iterator<Item = &ScenarioEntry> {
        self.entries.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_scenarios_are_valid() {
        let c = Catalog::builtin().unwrap();
        assert!(c.get("default").is_some());
        assert!(c.get("empty").unwrap().spec.tenants.is_empty());
    }

    #[test]
    fn a_typo_in_a_scenario_is_reported_with_its_name() {
        let e = parse("mine", "tenants:\n  - displayName: A\n    contry: JP\n").unwrap_err();
        assert!(e.contains("mine") && e.contains("contry"), "{e}");
    }
}
