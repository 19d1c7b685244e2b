# The control plane in five minutes: bash examples/tour.sh (server on PCSANDBOX_URL or :8080).
B=${PCSANDBOX_URL:-http://127.0.0.1:8080}
j() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
curl -s $B/healthz; echo                                  # {"status":"ok"}
curl -s $B/sandbox/v1/sandboxes/default | j 'd["name"], d["tenants"][0]["domain"]'

# A sandbox of your own per test: from a named scenario, or inline. Generated passwords and client
# secrets are in this answer only (they are stored hashed).
curl -s -XPOST $B/sandbox/v1/sandboxes -d '{"name":"my-test","scenario":{"tenants":[{"displayName":"Fabrikam",
  "country":"JP","users":[{"userPrincipalName":"admin","roles":["global-admin"],"mfa":"registered"}]}],
  "apps":[{"displayName":"CPV app"}]}}' | j 'd["tenants"][0]["users"][0]["userPrincipalName"], d["apps"][0]["clientSecret"][:4] + "…"'

# Add to it, move its clock, reset it to its scenario (same ids and credentials), delete it.
TID=$(curl -s $B/sandbox/v1/sandboxes/my-test | j 'd["tenants"][0]["id"]')
curl -s -XPOST $B/sandbox/v1/sandboxes/my-test/tenants/$TID/users -d '{"userPrincipalName":"agent","roles":["admin-agent"]}' | j 'd["userPrincipalName"]'
curl -s -XPOST $B/sandbox/v1/sandboxes/my-test/clock -d '{"businessDays":2}' | j 'd["now"]'
curl -s -XPOST $B/sandbox/v1/sandboxes/my-test/reset | j 'len(d["tenants"][0]["users"]), "user after reset"'
curl -s -o /dev/null -w '%{http_code}\n' -XDELETE $B/sandbox/v1/sandboxes/my-test   # 204

# Bad input never half-writes; the error names the field:
curl -s -XPOST $B/sandbox/v1/sandboxes -d '{"scenario":{"tenants":[{"displayName":"A","contry":"JP"}]}}' | j 'd["code"], d["field"]'
# InvalidField scenario.tenants[0].contry
