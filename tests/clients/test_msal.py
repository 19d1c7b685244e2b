"""Real-client tests: MSAL Python and @azure/msal-node against a running pcsandbox.

The server is started once per module (see the ``pcs`` fixture) from the binary
named by PCSANDBOX_BIN; run.sh builds it and sets that variable.
"""

import hashlib
import json
import os
import queue
import shutil
import signal
import ssl
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlparse

import jwt
import msal
import pyotp
import pytest
import requests
from msrest.authentication import BasicTokenAuthentication
from microsoft.store.partnercenterservices import MicrosoftPartnerStoreApis

HERE = Path(__file__).resolve().parent
PC_SCOPE = "https://api.partnercenter.microsoft.com/.default"
PC_AUDIENCE = "https://api.partnercenter.microsoft.com"
REDIRECT_URI = "http://localhost:8400/callback"
READY_PREFIX = "pcsandbox ready "
READY_TIMEOUT_S = 60

SCENARIO = {
    "scenario": {
        "tenants": [
            {
                "displayName": "Client Test",
                "domain": "clienttest.onmicrosoft.com",
                "users": [
                    {"userPrincipalName": "plain", "mfa": "unregistered", "roles": ["global-admin"]},
                    {"userPrincipalName": "secure", "mfa": "registered", "roles": ["global-admin"]},
                    # Signs in once with TOTP for the Partner Center tests (a code is never accepted twice).
                    {"userPrincipalName": "pcadmin", "mfa": "registered", "roles": ["global-admin"]},
                ],
                "partner": {
                    "companyName": "Client Test 株式会社",
                    "address": {"country": "JP", "city": "千代田区", "addressLine1": "丸の内 1-1-1",
                                "postalCode": "100-0005"},
                    "primaryContact": {"firstName": "Ichiro", "lastName": "Suzuki",
                                       "email": "ichiro@clienttest.onmicrosoft.com"},
                },
            }
        ],
        "apps": [
            {"displayName": "conf", "redirectUris": [REDIRECT_URI]},
            {"displayName": "pub", "publicClient": True, "redirectUris": [REDIRECT_URI]},
        ],
    }
}


# --------------------------------------------------------------------------
# Server process
# --------------------------------------------------------------------------


class ServerProcess:
    """A pcsandbox child process whose stdout is drained by a thread."""

    def __init__(self, args, log_path):
        self.log_path = log_path
        self._log = open(log_path, "w")
        self.proc = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=self._log,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        self.stdout_lines = []
        self._lines = queue.Queue()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self):
        for line in self.proc.stdout:
            line = line.rstrip("\r\n")
            self.stdout_lines.append(line)
            self._lines.put(line)
        self._lines.put(None)  # EOF

    def wait_ready(self, timeout):
        """Return the URLs of the ready line, or None if the server died or timed out."""
        try:
            while True:
                line = self._lines.get(timeout=timeout)
                if line is None:
                    return None
                if line.startswith(READY_PREFIX):
                    return line[len(READY_PREFIX):].split()
        except queue.Empty:
            return None

    def output(self):
        if not self._log.closed:
            self._log.flush()
        stderr = Path(self.log_path).read_text(errors="replace")
        return "stdout:\n{}\nstderr (last 4000 chars):\n{}".format(
            "\n".join(self.stdout_lines[-50:]), stderr[-4000:]
        )

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(timeout=5)
        self._log.close()


def _server_args(binary, with_443):
    args = [
        binary, "serve", "--ephemeral", "--no-default-sandbox",
        "--bind", "127.0.0.1:0",
        "--https-bind", "127.0.0.1:0",
    ]
    if with_443:
        args += ["--https-bind", "127.0.0.1:443"]
    return args


def _port(url):
    return urlparse(url).port


@dataclass
class Env:
    """Everything a test needs about the running server and its sandbox."""

    http_url: str
    ca_path: str
    has_443: bool
    no_443_reason: str
    server: ServerProcess
    sandbox: dict
    authority_base: str  # https://127.0.0.1:P2 (no tenant, no trailing slash)
    tenant_id: str
    users: dict  # short name ("plain", "secure") -> user JSON
    conf_app: dict
    pub_app: dict
    discovery: dict

    @property
    def authority(self):
        return "{}/{}".format(self.authority_base, self.tenant_id)

    @property
    def expected_issuer(self):
        return "{}/{}/".format(self.authority_base, self.tenant_id)

    @property
    def known_authority(self):
        return urlparse(self.authority_base).netloc

    def require_443(self):
        if not self.has_443:
            pytest.skip(self.no_443_reason)


def _start_server(binary, tmpdir):
    """Start with the 443 listener; fall back to without it. Returns (server, urls, has_443, reason)."""
    first = ServerProcess(_server_args(binary, True), os.path.join(tmpdir, "server-443.log"))
    urls = first.wait_ready(READY_TIMEOUT_S)
    if urls is not None:
        return first, urls, True, ""
    first.stop()
    reason = (
        "pcsandbox could not serve https on 127.0.0.1:443 (needs root and a free port), "
        "and MSAL Python's password grant always asks "
        "https://<host>/common/userrealm/<upn> on port 443. First attempt output:\n"
        + first.output()[-1500:]
    )
    second = ServerProcess(_server_args(binary, False), os.path.join(tmpdir, "server.log"))
    urls = second.wait_ready(READY_TIMEOUT_S)
    if urls is None:
        out = second.output()
        second.stop()
        pytest.fail("pcsandbox did not print its ready line.\nWith :443:\n{}\nWithout :443:\n{}".format(
            first.output(), out))
    return second, urls, False, reason


def _pick(items, pred, what):
    found = [i for i in items if pred(i)]
    assert len(found) == 1, "expected exactly one {} in {}".format(what, json.dumps(items, indent=2))
    return found[0]


@pytest.fixture(scope="module")
def pcs():
    binary = os.environ.get("PCSANDBOX_BIN")
    if not binary:
        pytest.fail("PCSANDBOX_BIN is not set; run ./run.sh or point it at a pcsandbox binary")
    tmpdir = tempfile.mkdtemp(prefix="pcs-clients-")
    saved_env = {k: os.environ.get(k) for k in
                 ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "NO_PROXY", "no_proxy")}
    server, urls, has_443, no_443_reason = _start_server(binary, tmpdir)
    try:
        assert urls and urls[0].startswith("http://"), "bad ready line urls: {}".format(urls)
        http_url = urls[0].rstrip("/")
        https_urls = [u.rstrip("/") for u in urls[1:]]
        assert all(u.startswith("https://") for u in https_urls), urls
        base_candidates = [u for u in https_urls if _port(u) != 443]
        assert base_candidates, "no non-443 https listener in ready line: {}".format(urls)
        if has_443:
            assert any(_port(u) == 443 for u in https_urls), "443 listener missing from {}".format(urls)

        # Never go through a proxy for the local server.
        os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

        ca = requests.get(http_url + "/sandbox/v1/ca.pem", timeout=10)
        assert ca.status_code == 200, ca.text
        assert "-----BEGIN CERTIFICATE-----" in ca.text
        ca_path = os.path.join(tmpdir, "ca.pem")
        Path(ca_path).write_text(ca.text)
        # MSAL Python's requests session lets these override verify=.
        os.environ["REQUESTS_CA_BUNDLE"] = ca_path
        os.environ["SSL_CERT_FILE"] = ca_path
        os.environ.pop("CURL_CA_BUNDLE", None)

        created = requests.post(http_url + "/sandbox/v1/sandboxes", json=SCENARIO, timeout=30)
        assert created.status_code == 201, "{} {}".format(created.status_code, created.text)
        sandbox = created.json()

        authority_base = sandbox["authority"].rstrip("/")
        assert authority_base.startswith("https://"), sandbox["authority"]
        assert len(sandbox["tenants"]) == 1, sandbox
        tenant = sandbox["tenants"][0]
        users = {
            short: _pick(tenant["users"],
                         lambda u, s=short: u["userPrincipalName"].split("@")[0] == s,
                         "user " + short)
            for short in ("plain", "secure", "pcadmin")
        }
        conf_app = _pick(sandbox["apps"], lambda a: not a.get("publicClient"), "confidential app")
        pub_app = _pick(sandbox["apps"], lambda a: a.get("publicClient"), "public app")
        assert conf_app.get("clientSecret"), conf_app
        assert "clientSecret" not in pub_app or pub_app["clientSecret"] is None, pub_app

        disc_url = "{}/{}/v2.0/.well-known/openid-configuration".format(authority_base, tenant["id"])
        disc = requests.get(disc_url, verify=ca_path, timeout=10)
        assert disc.status_code == 200, "{} {}".format(disc.status_code, disc.text)
        discovery = disc.json()
        for field in ("issuer", "jwks_uri", "authorization_endpoint", "token_endpoint",
                      "device_authorization_endpoint"):
            assert discovery.get(field), "discovery lacks {}: {}".format(field, discovery)

        yield Env(
            http_url=http_url, ca_path=ca_path, has_443=has_443, no_443_reason=no_443_reason,
            server=server, sandbox=sandbox, authority_base=authority_base,
            tenant_id=tenant["id"], users=users, conf_app=conf_app, pub_app=pub_app,
            discovery=discovery,
        )
    finally:
        server.stop()
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(tmpdir, ignore_errors=True)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def verify_pc_token(pcs, token):
    """Check signature (JWKS from discovery), audience, issuer and v1 shape; return the claims."""
    header = jwt.get_unverified_header(token)
    assert header.get("alg") == "RS256", header
    assert header.get("kid"), header
    jwks = jwt.PyJWKClient(
        pcs.discovery["jwks_uri"],
        cache_keys=False,
        ssl_context=ssl.create_default_context(cafile=pcs.ca_path),
    )
    key = jwks.get_signing_key_from_jwt(token)
    claims = jwt.decode(
        token,
        key.key,
        algorithms=["RS256"],
        audience=PC_AUDIENCE,
        issuer=pcs.expected_issuer,
        leeway=10,
        options={"require": ["exp", "iat", "iss", "aud"]},
    )
    assert claims["tid"] == pcs.tenant_id, claims
    assert claims["ver"] == "1.0", claims
    return claims


class _FormParser(HTMLParser):
    """Collects every <form> with its method, action and named controls."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self._current = None

    def handle_starttag(self, tag, attrs):
        attrs = {k.lower(): (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._current = {
                "method": attrs.get("method", "get").lower(),
                "action": attrs.get("action", ""),
                "inputs": [],
            }
            self.forms.append(self._current)
        elif tag in ("input", "button") and self._current is not None:
            self._current["inputs"].append({
                "tag": tag,
                "name": attrs.get("name"),
                "type": attrs.get("type", "text" if tag == "input" else "submit").lower(),
                "value": attrs.get("value", ""),
                "checked": "checked" in attrs,
            })

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def parse_single_post_form(html):
    """Return (action, fields) of the page's only form, which must be method=post."""
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    assert len(parser.forms) == 1, "expected exactly one form, got {}:\n{}".format(
        len(parser.forms), html[:3000])
    form = parser.forms[0]
    assert form["method"] == "post", form
    fields = {}
    clicked_submit = False
    for control in form["inputs"]:
        if not control["name"]:
            continue
        kind = control["type"]
        if kind in ("checkbox", "radio") and not control["checked"]:
            continue
        if kind in ("submit", "image", "button", "reset"):
            # Like a browser: only the one clicked submit button is sent.
            if kind != "submit" or clicked_submit:
                continue
            clicked_submit = True
        fields[control["name"]] = control["value"]
    return form["action"], fields


def browse(session, method, url, data=None, max_hops=5):
    """Send a request, following redirects by hand except the one to REDIRECT_URI.

    Nothing listens on the redirect URI, so that final 302 is returned as is.
    """
    for _ in range(max_hops + 1):
        resp = session.request(method, url, data=data, allow_redirects=False, timeout=30)
        if resp.status_code not in (301, 302, 303, 307, 308):
            return resp
        location = resp.headers.get("Location", "")
        if location.startswith(REDIRECT_URI):
            return resp
        url = urljoin(url, location)
        if resp.status_code in (301, 302, 303):
            method, data = "GET", None
    pytest.fail("too many redirects, last: {}".format(url))


def submit_form(session, page, **values):
    """Fill the page's single post form with values and submit it."""
    action, fields = parse_single_post_form(page.text)
    for name in values:
        assert name in fields, "form lacks input {!r}; inputs: {}".format(name, sorted(fields))
    fields.update(values)
    return browse(session, "POST", urljoin(page.url, action), data=fields)


def assert_html_200(resp):
    assert resp.status_code == 200, "{} {}\n{}".format(
        resp.status_code, resp.headers, resp.text[:2000])
    assert "text/html" in resp.headers.get("Content-Type", ""), resp.headers


def public_app(pcs):
    # A fresh app per test: MSAL throttles (caches) 4xx answers per app object.
    return msal.PublicClientApplication(
        pcs.pub_app["clientId"], authority=pcs.authority, instance_discovery=False,
        verify=pcs.ca_path,
    )


def confidential_app(pcs, secret):
    return msal.ConfidentialClientApplication(
        pcs.conf_app["clientId"], client_credential=secret, authority=pcs.authority,
        instance_discovery=False, verify=pcs.ca_path,
    )


def assert_app_only_claims(pcs, claims):
    assert claims["idtyp"] == "app", claims
    assert claims["appid"] == pcs.conf_app["clientId"], claims
    assert "amr" not in claims, claims
    assert "scp" not in claims, claims


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------


def test_confidential_client_app_only_token(pcs):
    result = confidential_app(pcs, pcs.conf_app["clientSecret"]).acquire_token_for_client([PC_SCOPE])
    assert "access_token" in result, result
    assert result.get("token_type", "").lower() == "bearer", result
    claims = verify_pc_token(pcs, result["access_token"])
    assert_app_only_claims(pcs, claims)


def test_msal_node_app_only_token(pcs):
    node = shutil.which("node")
    assert node, "node is not on PATH"
    assert (HERE / "node_modules" / "@azure" / "msal-node").is_dir(), \
        "run `npm ci` in tests/clients first (./run.sh does it)"
    env = dict(
        os.environ,
        NODE_EXTRA_CA_CERTS=pcs.ca_path,
        PCS_AUTHORITY=pcs.authority,
        PCS_KNOWN_AUTHORITY=pcs.known_authority,
        PCS_CLIENT_ID=pcs.conf_app["clientId"],
        PCS_CLIENT_SECRET=pcs.conf_app["clientSecret"],
        PCS_SCOPE=PC_SCOPE,
    )
    proc = subprocess.run(
        [node, str(HERE / "app_only.mjs")], cwd=HERE, env=env,
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, "app_only.mjs exit {}\nstdout: {}\nstderr: {}".format(
        proc.returncode, proc.stdout, proc.stderr)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    claims = verify_pc_token(pcs, out["accessToken"])
    assert_app_only_claims(pcs, claims)


def test_public_client_password_grant_without_mfa(pcs):
    pcs.require_443()
    user = pcs.users["plain"]
    result = public_app(pcs).acquire_token_by_username_password(
        user["userPrincipalName"], user["password"], scopes=[PC_SCOPE])
    assert "access_token" in result, result
    claims = verify_pc_token(pcs, result["access_token"])
    assert claims["idtyp"] == "user", claims
    assert claims["oid"] == user["id"], claims
    assert claims["upn"] == user["userPrincipalName"], claims
    assert claims["appid"] == pcs.pub_app["clientId"], claims
    assert "user_impersonation" in claims["scp"].split(), claims
    assert claims["amr"] == ["pwd"], claims
    assert "refresh_token" in result, sorted(result)
    id_claims = result.get("id_token_claims")
    assert id_claims, sorted(result)
    assert id_claims["preferred_username"] == user["userPrincipalName"], id_claims
    assert id_claims["tid"] == pcs.tenant_id, id_claims
    assert id_claims["aud"] == pcs.pub_app["clientId"], id_claims


def test_auth_code_pkce_with_totp_gets_mfa_claim(pcs):
    user = pcs.users["secure"]
    assert user["mfa"]["state"] == "registered", user
    totp_secret = user["mfa"]["totpSecret"]
    assert totp_secret, user

    app = public_app(pcs)
    flow = app.initiate_auth_code_flow(scopes=[PC_SCOPE], redirect_uri=REDIRECT_URI)
    assert "code_challenge=" in flow["auth_uri"], flow["auth_uri"]  # PKCE is on the wire

    browser = requests.Session()
    browser.verify = pcs.ca_path
    browser.trust_env = False  # no proxies; trust only the sandbox CA

    sign_in = browse(browser, "GET", flow["auth_uri"])
    assert_html_200(sign_in)
    answer = submit_form(browser, sign_in,
                         username=user["userPrincipalName"], password=user["password"])

    # The MFA user must be asked for a one-time code before any redirect.
    assert_html_200(answer)
    answer = submit_form(browser, answer, otc=pyotp.TOTP(totp_secret).now())

    assert answer.status_code == 302, "{} {}".format(answer.status_code, answer.text[:2000])
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT_URI), location
    auth_response = dict(parse_qsl(urlparse(location).query))
    assert auth_response.get("code"), location
    assert auth_response.get("state") == flow["state"], location

    result = app.acquire_token_by_auth_code_flow(flow, auth_response)
    assert "access_token" in result, result
    claims = verify_pc_token(pcs, result["access_token"])
    assert claims["idtyp"] == "user", claims
    assert claims["oid"] == user["id"], claims
    assert claims["upn"] == user["userPrincipalName"], claims
    assert "user_impersonation" in claims["scp"].split(), claims
    assert "pwd" in claims["amr"] and "mfa" in claims["amr"], claims

    id_claims = result["id_token_claims"]
    # MSAL sends sha256(flow nonce) as the nonce and checks it comes back.
    assert id_claims.get("nonce") == hashlib.sha256(flow["nonce"].encode("ascii")).hexdigest(), id_claims
    assert id_claims["oid"] == user["id"], id_claims
    assert id_claims["aud"] == pcs.pub_app["clientId"], id_claims


def test_wrong_secret_is_refused_with_aadsts7000215(pcs):
    result = confidential_app(pcs, "not-the-secret-" + "x" * 24).acquire_token_for_client([PC_SCOPE])
    assert "access_token" not in result, result
    assert result.get("error") == "invalid_client", result
    assert "AADSTS7000215" in result.get("error_description", ""), result
    assert 7000215 in result.get("error_codes", []), result


def test_mfa_user_cannot_use_password_grant(pcs):
    pcs.require_443()
    user = pcs.users["secure"]
    result = public_app(pcs).acquire_token_by_username_password(
        user["userPrincipalName"], user["password"], scopes=[PC_SCOPE])
    assert "access_token" not in result, result
    assert result.get("error") == "invalid_grant", result
    assert "AADSTS50076" in result.get("error_description", ""), result


# --------------------------------------------------------------------------
# Partner Center API (/v1) with MSAL tokens and the Partner Center Python SDK
# --------------------------------------------------------------------------


def auth_code_token(pcs, user):
    """A Partner Center token for `user` through MSAL's auth code + PKCE flow (TOTP when registered)."""
    app = public_app(pcs)
    flow = app.initiate_auth_code_flow(scopes=[PC_SCOPE], redirect_uri=REDIRECT_URI)
    browser = requests.Session()
    browser.verify = pcs.ca_path
    browser.trust_env = False
    sign_in = browse(browser, "GET", flow["auth_uri"])
    answer = submit_form(browser, sign_in, username=user["userPrincipalName"], password=user["password"])
    if user["mfa"]["state"] == "registered":
        answer = submit_form(browser, answer, otc=pyotp.TOTP(user["mfa"]["totpSecret"]).now())
    assert answer.status_code == 302, "{} {}".format(answer.status_code, answer.text[:2000])
    auth_response = dict(parse_qsl(urlparse(answer.headers["Location"]).query))
    result = app.acquire_token_by_auth_code_flow(flow, auth_response)
    assert "access_token" in result, result
    return result["access_token"]


@pytest.fixture(scope="module")
def mfa_token(pcs):
    token = auth_code_token(pcs, pcs.users["pcadmin"])
    assert "mfa" in verify_pc_token(pcs, token)["amr"]
    return token


def pc_url(pcs, path):
    return pcs.sandbox["partnerCenterUrl"].rstrip("/") + path


def test_pc_app_user_token_without_mfa_gets_401_mfa_required(pcs):
    token = auth_code_token(pcs, pcs.users["plain"])
    assert verify_pc_token(pcs, token)["amr"] == ["pwd"]
    res = requests.get(pc_url(pcs, "/v1/profiles/legalbusiness"),
                       headers={"Authorization": "Bearer " + token}, verify=pcs.ca_path, timeout=10)
    assert res.status_code == 401, res.text
    # The reason phrase of the status line, as the real service writes it.
    assert res.reason == "Unauthorized - MFA required", res.reason
    assert res.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"', res.headers
    assert res.json()["code"] == 900421, res.text


def test_pc_mfa_token_gets_200(pcs, mfa_token):
    res = requests.get(pc_url(pcs, "/v1/profiles/legalbusiness?vettingVersion=current"),
                       headers={"Authorization": "Bearer " + mfa_token,
                                "MS-CorrelationId": "7d4e1c9a-0000-4000-8000-000000000001"},
                       verify=pcs.ca_path, timeout=10)
    assert res.status_code == 200, res.text
    assert res.headers["MS-CorrelationId"] == "7d4e1c9a-0000-4000-8000-000000000001"
    assert res.json()["companyName"] == "Client Test 株式会社"


def test_partner_center_python_sdk_reads_the_legal_business_profile(pcs, mfa_token):
    client = MicrosoftPartnerStoreApis(BasicTokenAuthentication({"access_token": mfa_token}),
                                       base_url=pcs.sandbox["partnerCenterUrl"].rstrip("/"))
    ops = client.getvversionprofileslegalbusinessvetting_versionvetting_version
    profile = ops.value("1", vetting_version="current")
    assert profile is not None, "the SDK got no profile (it returns None on 4xx)"
    assert profile.company_name == "Client Test 株式会社"
    assert profile.address.city == "千代田区"
    assert profile.primary_contact.email == "ichiro@clienttest.onmicrosoft.com"
    assert profile.vetting_status == "authorized"
    assert profile.profile_type == "LegalBusinessProfile"
    # The SDK returns None on a 401; with raw=True it shows the status of a call with a bad token.
    raw = MicrosoftPartnerStoreApis(BasicTokenAuthentication({"access_token": "not-a-token"}),
                                    base_url=pcs.sandbox["partnerCenterUrl"].rstrip("/"))
    refused = raw.getvversionprofileslegalbusinessvetting_versionvetting_version.value("1", raw=True)
    assert refused.response.status_code == 401


# --------------------------------------------------------------------------
# Headless sign-in and faults: what a test does without a browser
# --------------------------------------------------------------------------


def control(pcs, rest):
    return "{}/sandbox/v1/sandboxes/{}{}".format(pcs.http_url, pcs.sandbox["id"], rest)


def test_msal_device_flow_completed_headlessly_with_mfa(pcs):
    app = public_app(pcs)
    flow = app.initiate_device_flow(scopes=[PC_SCOPE])
    assert "user_code" in flow, flow
    done = requests.post(control(pcs, "/sign-ins"), timeout=10, json={
        "userCode": flow["user_code"], "user": pcs.users["secure"]["userPrincipalName"], "mfa": True})
    assert done.status_code == 200, done.text
    # The sign-in is complete already: MSAL's first poll gets the token.
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result
    assert verify_pc_token(pcs, result["access_token"])["amr"] == ["pwd", "mfa"]


def test_msal_auth_code_flow_completed_headlessly(pcs):
    app = public_app(pcs)
    flow = app.initiate_auth_code_flow(scopes=[PC_SCOPE], redirect_uri=REDIRECT_URI)
    done = requests.post(control(pcs, "/sign-ins"), timeout=10, json={
        "authorizeUrl": flow["auth_uri"], "user": pcs.users["plain"]["userPrincipalName"]})
    assert done.status_code == 200, done.text
    auth_response = dict(parse_qsl(urlparse(done.json()["redirectUri"]).query))
    result = app.acquire_token_by_auth_code_flow(flow, auth_response)
    assert "access_token" in result, result
    assert verify_pc_token(pcs, result["access_token"])["amr"] == ["pwd"]


def test_msal_honours_retry_after_of_a_throttled_token_endpoint(pcs):
    fault = requests.post(control(pcs, "/faults"), timeout=10, json={
        "path": "/*/oauth2/v2.0/token", "grantType": "client_credentials",
        "status": 429, "retryAfter": 1, "times": 1}).json()
    app = confidential_app(pcs, pcs.conf_app["clientSecret"])
    first = app.acquire_token_for_client(scopes=[PC_SCOPE])
    assert first.get("error_codes") == [90055], first
    # Within Retry-After MSAL answers from its own throttle: the server sees no second request.
    again = app.acquire_token_for_client(scopes=[PC_SCOPE])
    assert "access_token" not in again
    hits = lambda: next(f["hits"] for f in requests.get(control(pcs, "/faults"), timeout=10).json()["items"]
                        if f["id"] == fault["id"])
    assert hits() == 1
    time.sleep(1.2)
    after = app.acquire_token_for_client(scopes=[PC_SCOPE])
    assert "access_token" in after, after
    requests.delete(control(pcs, "/faults"), timeout=10)
