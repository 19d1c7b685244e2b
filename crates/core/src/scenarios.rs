//! The scenario catalog: the scenarios built into the binary (scenarios/*.yaml), plus any from a
//! directory given at start, which may add new names or replace built-in ones.

use std::collections::BTreeMap;
use std::path::Path;

use domain::scenario::{self, ScenarioSpec};

/// The built-in scenarios, embedded so that the binary (and the Docker image) is self-contained.
const BUILTIN: &[(&str, &str)] = &[
    (
        "company-rejected-address",
        include_str!("../../../scenarios/company-rejected-address.yaml"),
    ),
    (
        "company-rejected-name",
        include_str!("../../../scenarios/company-rejected-name.yaml"),
    ),
    (
        "company-stale-certificate",
        include_str!("../../../scenarios/company-stale-certificate.yaml"),
    ),
    ("default", include_str!("../../../scenarios/default.yaml")),
    (
        "duplicate-company-name",
        include_str!("../../../scenarios/duplicate-company-name.yaml"),
    ),
    (
        "email-link-expired",
        include_str!("../../../scenarios/email-link-expired.yaml"),
    ),
    ("email-pending", include_str!("../../../scenarios/email-pending.yaml")),
    (
        "email-rejected-webmail",
        include_str!("../../../scenarios/email-rejected-webmail.yaml"),
    ),
    (
        "employment-in-review",
        include_str!("../../../scenarios/employment-in-review.yaml"),
    ),
    (
        "employment-rejected",
        include_str!("../../../scenarios/employment-rejected.yaml"),
    ),
    ("empty", include_str!("../../../scenarios/empty.yaml")),
    (
        "global-id-for-csp",
        include_str!("../../../scenarios/global-id-for-csp.yaml"),
    ),
    (
        "indirect-reseller",
        include_str!("../../../scenarios/indirect-reseller.yaml"),
    ),
    (
        "location-id-other-country",
        include_str!("../../../scenarios/location-id-other-country.yaml"),
    ),
    (
        "mfa-registration-required",
        include_str!("../../../scenarios/mfa-registration-required.yaml"),
    ),
    (
        "mpa-not-accepted",
        include_str!("../../../scenarios/mpa-not-accepted.yaml"),
    ),
    ("onboarding", include_str!("../../../scenarios/onboarding.yaml")),
    (
        "partner-verified",
        include_str!("../../../scenarios/partner-verified.yaml"),
    ),
    (
        "provider-request-pending",
        include_str!("../../../scenarios/provider-request-pending.yaml"),
    ),
    (
        "provider-request-postponed",
        include_str!("../../../scenarios/provider-request-postponed.yaml"),
    ),
    (
        "reseller-active",
        include_str!("../../../scenarios/reseller-active.yaml"),
    ),
    (
        "reviews-pending",
        include_str!("../../../scenarios/reviews-pending.yaml"),
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

/// Reads a scenario's YAML (or JSON, which is YAML too), without resolving its `extends`.
fn read(name: &str, text: &str) -> Result<ScenarioSpec, String> {
    serde_saphyr::from_str(text).map_err(|e| format!("scenario '{name}': {e}"))
}

/// Parses and validates a scenario that extends nothing but the built-in catalog.
pub fn parse(name: &str, text: &str) -> Result<ScenarioSpec, String> {
    let mut c = Catalog::builtin()?;
    c.insert(name, text)?;
    c.resolve_all()?;
    c.entries
        .remove(name)
        .map(|e| e.spec)
        .ok_or_else(|| format!("scenario '{name}' was not kept"))
}

impl Catalog {
    pub fn builtin() -> Result<Self, String> {
        let mut c = Catalog::default();
        for (name, text) in BUILTIN {
            c.insert(name, text)?;
        }
        c.resolve_all()?;
        Ok(c)
    }

    /// The built-in scenarios plus every `*.yaml`/`*.yml` file of `dir`, named by file stem.
    pub fn with_dir(dir: &Path) -> Result<Self, String> {
        let mut c = Catalog::default();
        for (name, text) in BUILTIN {
            c.insert(name, text)?;
        }
        let entries = std::fs::read_dir(dir).map_err(|e| format!("--scenarios {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let is_yaml = matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"));
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if is_yaml {
                let text = read_scenario_file(&path)?;
                c.insert(stem, &text)?;
            }
        }
        c.resolve_all()?;
        Ok(c)
    }

    fn insert(&mut self, name: &str, text: &str) -> Result<(), String> {
        let spec = read(name, text)?;
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

    /// Resolves every entry's `extends` against the raw entries, then checks each one.
    fn resolve_all(&mut self) -> Result<(), String> {
        let raw: BTreeMap<String, ScenarioSpec> =
            self.entries.iter().map(|(n, e)| (n.clone(), e.spec.clone())).collect();
        for (name, entry) in self.entries.iter_mut() {
            let spec = ScenarioSpec {
                name: Some(name.clone()),
                ..entry.spec.clone()
            };
            let spec = scenario::resolve_extends(spec, &|n: &str| raw.get(n).cloned())
                .map_err(|e| format!("scenario '{name}': {e}"))?;
            scenario::plan(&spec).map_err(|e| format!("scenario '{name}': {e}"))?;
            entry.spec = spec;
        }
        Ok(())
    }

    /// An inline scenario with its `extends` resolved against this catalog.
    pub fn resolve(&self, spec: ScenarioSpec) -> Result<ScenarioSpec, domain::FieldError> {
        scenario::resolve_extends(spec, &|n: &str| self.entries.get(n).map(|e| e.spec.clone()))
    }

    pub fn get(&self, name: &str) -> Option<&ScenarioEntry> {
        self.entries.get(name)
    }

    pub fn list(&self) -> impl Iterator<Item = &ScenarioEntry> {
        self.entries.values()
    }
}

/// The largest scenario file `--scenarios` reads (the biggest scenario, 10,000 users, is far
/// smaller).
pub const MAX_SCENARIO_FILE: u64 = 8 * 1024 * 1024;

/// A scenario file: a regular file (not a FIFO, a device or a directory, which would hang the
/// start or fill memory), at most [`MAX_SCENARIO_FILE`] bytes, UTF-8.
fn read_scenario_file(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("{shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{shown}: not a regular file (a scenario is a YAML file)"));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("{shown}: {e}"))?;
    let mut text = String::new();
    file.take(MAX_SCENARIO_FILE + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("{shown}: {e}"))?;
    if text.len() as u64 > MAX_SCENARIO_FILE {
        return Err(format!("{shown}: larger than {} MiB", MAX_SCENARIO_FILE / 1024 / 1024));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn only_regular_files_of_a_bounded_size_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("hang.yaml");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let e = Catalog::with_dir(dir.path()).err().unwrap();
            assert!(e.contains("not a regular file"), "{e}");
            std::fs::remove_file(&fifo).unwrap();
        }
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.yaml")).unwrap();
        let e = Catalog::with_dir(dir.path()).err().unwrap();
        assert!(e.contains("not a regular file"), "{e}");
    }

    #[test]
    fn builtin_scenarios_are_valid() {
        let c = Catalog::builtin().unwrap();
        assert!(c.get("default").is_some());
        assert!(c.get("empty").unwrap().spec.tenants.is_empty());
    }

    #[test]
    fn every_scenario_file_is_built_in() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.strip_suffix(".yaml").map(str::to_owned))
            .collect();
        files.sort();
        let built: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
        assert_eq!(files, built);
    }

    #[test]
    fn a_typo_in_a_scenario_is_reported_with_its_name() {
        let e = parse("mine", "tenants:\n  - displayName: A\n    contry: JP\n").unwrap_err();
        assert!(e.contains("mine") && e.contains("contry"), "{e}");
    }
}
