# A token from the mock Entra ID over HTTPS, as any OAuth client gets one:
# bash examples/identity.sh (server on PCSANDBOX_URL or :8080).
B=${PCSANDBOX_URL:-http://127.0.0.1:8080}
j() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
curl -s $B/sandbox/v1/ca.pem > sandbox-ca.pem                  # trust this CA (git-ignored)
SBJ=$(curl -s $B/sandbox/v1/sandboxes/default)
AUTHORITY=$(echo "$SBJ" | j 'd["authority"]')                 # https://127.0.0.1:8443
TENANT=$(echo "$SBJ" | j 'd["tenants"][0]["id"]')
APP=$(echo "$SBJ" | j '[a for a in d["apps"] if not a["publicClient"]][0]["clientId"]')
curl -s --cacert sandbox-ca.pem $AUTHORITY/$TENANT/oauth2/v2.0/token \
  -d grant_type=client_credentials -d client_id=$APP -d 'client_secret=sbx~Contoso-CPV-app-secret-2026' \
  -d scope=https://api.partnercenter.microsoft.com/.default | j 'd["token_type"], d["expires_in"]'
# Bearer 3600
