//! The CLI's client commands: they talk to a running server's control plane, as a test or a
//! tester would with curl.

use anyhow::{bail, Context};
use serde_json::{json, Value};

use crate::cli::{ExplainArgs, ServerArgs, TokenArgs};

struct ControlPlane {
    base: String,
    key: Option<String>,
    http: reqwest::Client,
}

impl ControlPlane {
    fn new(s: &ServerArgs) -> anyhow::Result<Self> {
        Ok(ControlPlane {
            base: s.url.trim_end_matches('/').to_owned(),
            key: s.admin_key.clone().filter(|k| !k.trim().is_empty()),
            http: reqwest::Client::builder().build()?,
        })
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let url = format!("{}/sandbox/v1{path}", self.base);
        let mut req = self.http.request(method, &url);
        if let Some(k) = &self.key {
            req = req.bearer_auth(k);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req
            .send()
            .await
            .with_context(|| format!("could not reach {url}: is `pcsandbox serve` running there? (--server)"))?;
        let status = res.status();
        let text = res.text().await?;
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if !status.is_success() {
            let detail = body["detail"].as_str().map_or_else(|| body.to_string(), str::to_owned);
            bail!("{status}: {detail}");
        }
        Ok(body)
    }
}

/// `pcsandbox token`: the token alone on stdout, for `$(pcsandbox token ...)`.
pub async fn token(a: TokenArgs) -> anyhow::Result<()> {
    let cp = ControlPlane::new(&a.server)?;
    let sid = urlencode(&a.sandbox);
    let sb = cp
        .call(reqwest::Method::GET, &format!("/sandboxes/{sid}"), None)
        .await?;
    let client = match a.client {
        Some(c) => c,
        None => sb["apps"][0]["clientId"]
            .as_str()
            .context("the sandbox has no app: add one (POST .../apps) or pass --client")?
            .to_owned(),
    };
    let mut body = json!({"clientId": client, "mfa": a.mfa});
    if let Some(u) = a.user {
        body["userId"] = json!(api::control::find_user(&sb, &u).map_err(anyhow::Error::msg)?);
    }
    if let Some(aud) = a.audience {
        body["audience"] = json!(aud);
    }
    let t = cp
        .call(reqwest::Method::POST, &format!("/sandboxes/{sid}/tokens"), Some(body))
        .await?;
    println!("{}", t["access_token"].as_str().unwrap_or_default());
    Ok(())
}

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s.trim(), percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// `pcsandbox scenario apply`: the new sandbox's credentials, as the control plane shows them once.
pub async fn apply(name: &str, sandbox_name: Option<String>, server: &ServerArgs) -> anyhow::Result<()> {
    let cp = ControlPlane::new(server)?;
    let mut body = json!({"scenario": name});
    if let Some(n) = sandbox_name {
        body["name"] = json!(n);
    }
    let sb = cp.call(reqwest::Method::POST, "/sandboxes", Some(body)).await?;
    println!(
        "sandbox {} ({})",
        sb["name"].as_str().unwrap_or_default(),
        sb["id"].as_str().unwrap_or_default()
    );
    println!("  authority         {}", sb["authority"].as_str().unwrap_or_default());
    println!(
        "  partnerCenterUrl  {}",
        sb["partnerCenterUrl"].as_str().unwrap_or_default()
    );
    for t in sb["tenants"].as_array().into_iter().flatten() {
        println!(
            "tenant {} {} {}",
            t["domain"].as_str().unwrap_or_default(),
            t["id"].as_str().unwrap_or_default(),
            t["partner"]["companyName"]
                .as_str()
                .map(|c| format!("(partner: {c})"))
                .unwrap_or_default()
        );
        for u in t["users"].as_array().into_iter().flatten() {
            println!(
                "  user {:<44} password {:<24} mfa {}{}",
                u["userPrincipalName"].as_str().unwrap_or_default(),
                u["password"].as_str().unwrap_or("(not shown)"),
                u["mfa"]["state"].as_str().unwrap_or_default(),
                u["mfa"]["totpSecret"]
                    .as_str()
                    .map(|s| format!(" totp {s}"))
                    .unwrap_or_default()
            );
        }
    }
    for a in sb["apps"].as_array().into_iter().flatten() {
        println!(
            "app {} {}{}",
            a["displayName"].as_str().unwrap_or_default(),
            a["clientId"].as_str().unwrap_or_default(),
            a["clientSecret"]
                .as_str()
                .map(|s| format!(" secret {s}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// `pcsandbox explain`: what the journal says of a refusal.
pub async fn explain(a: ExplainArgs) -> anyhow::Result<()> {
    let cp = ControlPlane::new(&a.server)?;
    let sid = urlencode(&a.sandbox);
    let entry = match a.request {
        Some(r) => {
            cp.call(
                reqwest::Method::GET,
                &format!("/sandboxes/{sid}/requests/{}", urlencode(&r)),
                None,
            )
            .await?
        }
        None => {
            let list = cp
                .call(
                    reqwest::Method::GET,
                    &format!("/sandboxes/{sid}/requests?refused=true&limit=1"),
                    None,
                )
                .await?;
            match list["items"].get(0) {
                Some(e) => e.clone(),
                None => {
                    println!("the journal of {} holds no refused request", a.sandbox);
                    return Ok(());
                }
            }
        }
    };
    print!("{}", explanation(&entry));
    Ok(())
}

/// A journal entry in words.
pub fn explanation(e: &Value) -> String {
    let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
    let mut out = format!(
        "{} {} {} {} -> {}\n  surface    {}\n  operation  {}\n  request    {}\n",
        s("at"),
        s("method"),
        s("path"),
        s("caller"),
        e["status"],
        s("surface"),
        s("operation"),
        s("requestId")
    );
    let who = e["userPrincipalName"]
        .as_str()
        .or(e["clientId"].as_str().filter(|c| !c.is_empty()));
    if let Some(w) = who {
        out.push_str(&format!("  caller     {w}\n"));
    }
    match e.get("refusal") {
        Some(r) => {
            out.push_str(&format!("  rule       {}\n", r["code"].as_str().unwrap_or_default()));
            if let Some(f) = r["field"].as_str() {
                out.push_str(&format!("  field      {f}\n"));
            }
            out.push_str(&format!(
                "  why        {}\n",
                r["explanation"].as_str().unwrap_or_default()
            ));
        }
        None => out.push_str("  (not refused)\n"),
    }
    out
}
