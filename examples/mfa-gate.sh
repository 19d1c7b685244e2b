# The MFA gate of /v1: bash examples/mfa-gate.sh (server on PCSANDBOX_URL or :8080).
B=${PCSANDBOX_URL:-http://127.0.0.1:8080}
SB=$B/sandbox/v1/sandboxes/default
j() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
APP=$(curl -s $SB | j 'd["apps"][0]["clientId"]')
# A token without going through sign-in (tests): any user (id or user principal name) or app of
# the sandbox, with or without MFA.
TOKEN=$(curl -s -XPOST $SB/tokens -d '{"clientId":"'$APP'","userId":"admin@contosojp.onmicrosoft.com","mfa":false}' | j 'd["access_token"]')
curl -si $B/v1/profiles/legalbusiness -H "authorization: Bearer $TOKEN" | head -1
# HTTP/1.1 401 Unauthorized - MFA required
TOKEN=$(curl -s -XPOST $SB/tokens -d '{"clientId":"'$APP'","userId":"admin@contosojp.onmicrosoft.com","mfa":true}' | j 'd["access_token"]')
curl -s $B/v1/profiles/legalbusiness -H "authorization: Bearer $TOKEN" | j 'd["companyName"], d["vettingStatus"]'
# Contoso Japan 株式会社 authorized
curl -s "$SB/requests?limit=2" | j '[(r["status"], r["operation"]) for r in d["items"]]'   # the journal
