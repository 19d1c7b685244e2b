//! The README's walkthroughs run as pasted: each is a script under `examples/`, shown verbatim in
//! README.md after a `<!-- examples/NAME.sh -->` line, and run here with bash against a server
//! (with the `default` sandbox, as `pcsandbox serve` starts) with what it must print.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The ```sh block that follows each `<!-- examples/NAME.sh -->` line of the README.
fn readme_blocks() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut out = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        let Some(name) = line.trim().strip_prefix("<!-- ").and_then(|l| l.strip_suffix(" -->")) else {
            continue;
        };
        if !name.starts_with("examples/") {
            continue;
        }
        assert_eq!(lines.next(), Some("```sh"), "{name}: a ```sh block follows its marker");
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        out.push((name.to_owned(), body.join("\n") + "\n"));
    }
    out
}

fn scripts() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .filter(|n| n.ends_with(".sh"))
                .map(|n| format!("examples/{n}"))
        })
        .collect();
    names.sort();
    names
}

#[test]
fn the_readme_shows_every_example_as_it_is() {
    let blocks = readme_blocks();
    let mut shown: Vec<String> = blocks.iter().map(|(n, _)| n.clone()).collect();
    shown.sort();
    assert_eq!(shown, scripts(), "each example once in README.md");
    for (name, body) in blocks {
        let file = std::fs::read_to_string(root().join(&name)).unwrap();
        assert_eq!(body, file, "README.md's block of {name} differs from the file");
    }
}

fn run(script: &Path, url: &str, dir: &Path) -> (bool, String, String) {
    let out = std::process::Command::new("bash")
        .args(["-e", "-o", "pipefail"])
        .arg(script)
        .env("PCSANDBOX_URL", url)
        .env_remove("PCSANDBOX_ADMIN_KEY")
        .current_dir(dir)
        .output()
        .expect("bash runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn every_example_runs_as_pasted() {
    let mut settings = testkit::Settings::for_tests();
    settings.default_sandbox = true;
    let s = testkit::Sandbox::start_with(settings).await.unwrap();
    // What each must print, in order.
    let expected: &[(&str, &[&str])] = &[
        (
            "examples/csp.sh",
            &[
                "間接リセラーの状態 保留中",
                "間接リセラーの状態 アクティブ",
                "pending",
                "approved",
                "[('Fabrikam Japan 株式会社', 'Active')]",
            ],
        ),
        (
            "examples/gdap.sh",
            &[
                "lockForApproval",
                "active",
                "active",
                "['fe930be7-5e62-47db-91af-98c3a49a38b1'] ['pwd', 'mfa']",
                "['admin@adatumexample.onmicrosoft.com']",
                "expired",
            ],
        ),
        ("examples/identity.sh", &["Bearer 3600"]),
        (
            "examples/mfa-gate.sh",
            &[
                "HTTP/1.1 401 Unauthorized - MFA required",
                "Contoso Japan 株式会社 authorized",
            ],
        ),
        (
            "examples/onboarding.sh",
            &[
                "保留中 {'company': '承認済み', 'emailOwnership': '保留中', 'employment': '承認済み'}",
                "200",
                "[('承認済み', [('PartnerGlobal', 'active'), ('PartnerLocation', 'active')])]",
                "\"companyName\": \"Fabrikam Japan 株式会社\"",
            ],
        ),
        (
            "examples/tour.sh",
            &[
                "{\"status\":\"ok\"}",
                "default contosojp.onmicrosoft.com",
                "agent@fabrikam.onmicrosoft.com",
                "1 user after reset",
                "204",
                "InvalidField scenario.tenants[0].contry",
            ],
        ),
    ];
    let names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, scripts(), "every example has its expectations here");
    let dir = tempfile::tempdir().unwrap();
    for (name, wants) in expected {
        let (script, url, cwd) = (root().join(name), s.uri().to_owned(), dir.path().to_owned());
        let (ok, out, err) = tokio::task::spawn_blocking(move || run(&script, &url, &cwd))
            .await
            .unwrap();
        assert!(ok, "{name} failed:\n{out}\n{err}");
        let mut rest = out.as_str();
        for want in *wants {
            let at = rest
                .find(want)
                .unwrap_or_else(|| panic!("{name} did not print {want:?} (in order):\n{out}\n{err}"));
            rest = &rest[at + want.len()..];
        }
    }
}
