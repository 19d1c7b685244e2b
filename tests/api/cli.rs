//! The CLI's client commands against a running server: the binary, as a tester runs it.

use std::process::Command;

use serde_json::json;

use crate::support::server;

fn pcsandbox(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pcsandbox"))
        .args(args)
        .env_remove("PCSANDBOX_ADMIN_KEY")
        .output()
        .expect("the binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn token_explain_apply_and_openapi_from_the_command_line() {
    let s = server().await;
    let sb = s.create_sandbox(json!({"name": "cli"})).await.unwrap();
    let url = s.uri().to_owned();
    let run = |args: Vec<String>| async move {
        tokio::task::spawn_blocking(move || pcsandbox(&args.iter().map(String::as_str).collect::<Vec<_>>()))
            .await
            .unwrap()
    };
    let a = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();

    // Two tenants have an `admin`: the whole name is needed, and the message lists them.
    let (ok, _, err) = run(a(&["token", "--server", &url, "--sandbox", "cli", "--user", "admin"])).await;
    assert!(!ok && err.contains("admin@contosojp.onmicrosoft.com"), "{err}");
    // A token for a user by alias, with MFA: it reads the legal profile.
    let (ok, token, err) = run(a(&[
        "token",
        "--server",
        &url,
        "--sandbox",
        "cli",
        "--user",
        "agent",
        "--mfa",
    ]))
    .await;
    assert!(ok, "{err}");
    let token = token.trim().to_owned();
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");
    let res = s
        .client()
        .get(s.url("/v1/profiles/legalbusiness"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // Without MFA the call is refused; explain says which rule and why.
    let (ok, plain, _) = run(a(&[
        "token",
        "--server",
        &url,
        "--sandbox",
        "cli",
        "--user",
        "admin@contosojp.onmicrosoft.com",
    ]))
    .await;
    assert!(ok);
    let res = s
        .client()
        .get(s.url("/v1/profiles/legalbusiness"))
        .bearer_auth(plain.trim())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let (ok, text, err) = run(a(&["explain", "--server", &url, "--sandbox", "cli"])).await;
    assert!(ok, "{err}");
    assert!(
        text.contains("rule       900421") && text.contains("partner-center"),
        "{text}"
    );

    // An unknown user names itself; an unreachable server says so.
    let (ok, _, err) = run(a(&["token", "--server", &url, "--sandbox", "cli", "--user", "nobody"])).await;
    assert!(!ok && err.contains("no user 'nobody'"), "{err}");
    let (ok, _, err) = run(a(&["explain", "--server", "http://127.0.0.1:9", "--sandbox", "cli"])).await;
    assert!(!ok && err.contains("could not reach"), "{err}");

    // scenario apply prints the new sandbox's credentials.
    let (ok, text, err) = run(a(&[
        "scenario",
        "apply",
        "onboarding",
        "--server",
        &url,
        "--as",
        "cli-onboarding",
    ]))
    .await;
    assert!(ok, "{err}");
    assert!(
        text.starts_with("sandbox cli-onboarding ") && text.contains("password"),
        "{text}"
    );

    let (ok, yaml, _) = run(a(&["openapi"])).await;
    assert!(ok && yaml.starts_with("openapi: 3.0.3") && yaml.contains("/v1/customers"));
    let (ok, yaml, _) = run(a(&["openapi", "sandbox"])).await;
    assert!(ok && yaml.contains("/sandbox/v1/sandboxes"));
    drop(sb);
}

#[test]
fn a_database_url_of_another_engine_is_a_clear_error_not_a_file() {
    let dir = tempfile::tempdir().unwrap();
    for (url, says) in [
        ("postgres://pc:hunter2@127.0.0.1:1/pcsandbox", "Connection refused"),
        ("postgres://pc@127.0.0.1:1", "postgres://USER@HOST:PORT/DB"),
        ("mysql://127.0.0.1/pcsandbox", "'mysql'"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_pcsandbox"))
            .current_dir(dir.path())
            .args([
                "serve",
                "--database",
                url,
                "--bind",
                "127.0.0.1:0",
                "--https-bind",
                "127.0.0.1:0",
            ])
            .env_remove("PCSANDBOX_ADMIN_KEY")
            .env_remove("PCSANDBOX_DATABASE")
            .output()
            .expect("the binary runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{url} started a server");
        assert!(err.contains(says) && err.contains("--database"), "{url}: {err}");
        assert!(!err.contains("hunter2"), "a password is never printed: {err}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{url} left a file behind"
        );
    }
}

#[test]
fn a_busy_port_is_one_line_with_a_hint_and_no_backtrace() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = Command::new(env!("CARGO_BIN_EXE_pcsandbox"))
        .args([
            "serve",
            "--ephemeral",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--https-bind",
            "127.0.0.1:0",
        ])
        .env("RUST_BACKTRACE", "1")
        .env_remove("PCSANDBOX_ADMIN_KEY")
        .output()
        .expect("the binary runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].starts_with("error: --bind") && lines[0].contains("another port"),
        "{err}"
    );
    assert!(!err.to_lowercase().contains("backtrace"), "{err}");
}
