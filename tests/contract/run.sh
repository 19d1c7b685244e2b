#!/usr/bin/env bash
# The OpenAPI documents against the running server:
#   1. openapi-spec-validator lints openapi/partner-center.yaml and openapi/sandbox.yaml;
#   2. Schemathesis generates requests from each (coverage and fuzzing phases, a bounded
#      number of examples per operation) and checks every answer: no 5xx, a documented status,
#      content type, headers, and a body that conforms to the documented schema.
# The /v1 run carries an App+User token with MFA of the default sandbox's Global admin.
#
# Not checked: positive_data_acceptance and negative_data_rejection. The request schemas document
# the fields, not every rule (a registered company, a template id, an existing customer), and
# null is read as "left out" on purpose; each refusal is tested with its reason in cargo test.
#
# Usage: tests/contract/run.sh   (PCSANDBOX_BIN: a built binary; otherwise cargo builds one)
#        ST_MAX_EXAMPLES=100 ST_SEED=42 tests/contract/run.sh
set -euo pipefail
if [[ -n "${PCSANDBOX_BIN:-}" ]]; then
  PCSANDBOX_BIN="$(realpath "$PCSANDBOX_BIN")"
fi
cd "$(dirname "${BASH_SOURCE[0]}")"
here="$(pwd)"

if [[ ! -x .venv/bin/python ]]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q -r requirements.txt

echo "== openapi-spec-validator"
.venv/bin/openapi-spec-validator ../../openapi/partner-center.yaml ../../openapi/sandbox.yaml

if [[ -z "${PCSANDBOX_BIN:-}" ]]; then
  (cd ../.. && cargo build -q -p pcsandbox)
  target_dir="${CARGO_TARGET_DIR:-$here/../../target}"
  PCSANDBOX_BIN="$(cd "$target_dir" && pwd)/debug/pcsandbox"
fi

work="$(mktemp -d)"
"$PCSANDBOX_BIN" serve --ephemeral --bind 127.0.0.1:0 --https-bind 127.0.0.1:0 >"$work/out" 2>"$work/err" &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 300); do
  grep -q '^pcsandbox ready ' "$work/out" && break
  kill -0 $server 2>/dev/null || { cat "$work/err" >&2; exit 1; }
  sleep 0.1
done
base="$(grep '^pcsandbox ready ' "$work/out" | awk '{print $3}')"
base="${base%/}"
[[ -n "$base" ]] || { echo "the server printed no ready line" >&2; cat "$work/err" >&2; exit 1; }

# The world the generated requests reach: the default sandbox's Global admin (MFA), two of its
# customers (one to delete), a role; a sandbox for the control plane and one to delete.
eval "$(.venv/bin/python - "$base" <<'PY'
import json, sys, urllib.request
base = sys.argv[1]

def call(method, path, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = "Bearer " + token
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    return json.load(urllib.request.urlopen(req))

sb = call("GET", "/sandbox/v1/sandboxes/default")
token = call("POST", "/sandbox/v1/sandboxes/default/tokens",
             {"clientId": sb["apps"][0]["clientId"], "userId": sb["tenants"][0]["users"][0]["id"], "mfa": True})["access_token"]
def customer(prefix):
    return call("POST", "/v1/customers", {
        "companyProfile": {"domain": prefix},
        "billingProfile": {"email": "billing@" + prefix + ".example", "culture": "en-US", "language": "en",
                           "companyName": prefix, "defaultAddress": {
                               "firstName": "Tania", "lastName": "Carr", "addressLine1": "1 Microsoft Way",
                               "city": "Redmond", "state": "WA", "postalCode": "98052", "country": "US"}}}, token)["id"]
roles = call("GET", "/v1/roles", token=token)["items"]
contract = call("POST", "/sandbox/v1/sandboxes", {"name": "contract"})
scratch = call("POST", "/sandbox/v1/sandboxes", {"name": "scratch", "scenario": "empty"})
print("token=" + token)
print("export ST_CUSTOMER=" + customer("contractcustomer"))
print("export ST_SCRATCH_CUSTOMER=" + customer("contractscratch"))
print("export ST_ROLE=" + next(r["id"] for r in roles if r["name"] == "Global Admin"))
print("export ST_SANDBOX=" + contract["id"])
print("export ST_TENANT=" + contract["tenants"][0]["id"])
print("export ST_SCRATCH_SANDBOX=" + scratch["id"])
PY
)"

st_once() {
  local config="$1"
  shift
  .venv/bin/schemathesis --config-file "$config" run "$@" --url "$base" \
    --phases coverage,fuzzing \
    --max-examples "${ST_MAX_EXAMPLES:-25}" --seed "${ST_SEED:-20261126}" --workers 2 \
    --exclude-checks positive_data_acceptance,negative_data_rejection
}
# CPython 3.11 sometimes fails inside Hypothesis's code generation for the deepest request schema
# (`SystemError: AST constructor recursion depth mismatch`, a runtime error of the generator, not
# an answer of the server): that run is made again once. Any other failure stands.
st() {
  local out="$work/st.out" rc=0
  st_once "$@" 2>&1 | tee "$out" || rc=$?
  if [[ $rc -ne 0 ]] && grep -q "AST constructor recursion depth mismatch" "$out" && ! grep -q "= FAILURES =" "$out"; then
    echo "== schemathesis hit the CPython AST bug; running again"
    st_once "$@"
  else
    return $rc
  fi
}
echo "== schemathesis: openapi/partner-center.yaml"
st partner-center.toml ../../openapi/partner-center.yaml --header "Authorization: Bearer $token"
echo "== schemathesis: openapi/sandbox.yaml"
st sandbox.toml ../../openapi/sandbox.yaml
if grep -q 'panicked' "$work/err"; then
  echo "the server logged a panic:" >&2
  grep -A3 'panicked' "$work/err" >&2
  exit 1
fi
