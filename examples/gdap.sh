# GDAP through Microsoft Graph in a sandbox of its own: Contoso asks a new customer for admin
# roles, the customer approves, Contoso's agent reads the customer's users with the role its group
# was given, and the relationship expires on the clock: bash examples/gdap.sh (server on
# PCSANDBOX_URL or :8080).
B=${PCSANDBOX_URL:-http://127.0.0.1:8080}
j() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
SB=$B/sandbox/v1/sandboxes/$(curl -s -XPOST $B/sandbox/v1/sandboxes -d '{"scenario":"default"}' | j 'd["id"]')
CONTOSO=$(curl -s $SB | j 'd["tenants"][0]["id"]')
APP=$(curl -s $SB | j 'd["apps"][0]["clientId"]')
PUB=$(curl -s $SB | j '[a for a in d["apps"] if a["publicClient"]][0]["clientId"]')
token() {   # a token of Contoso's admin, with MFA, for Partner Center or Graph
  curl -s -XPOST $SB/tokens -d '{"clientId":"'$APP'","userId":"admin@contosojp.onmicrosoft.com","mfa":true,"audience":"'$1'"}' | j 'd["access_token"]'
}
PC=$(token https://api.partnercenter.microsoft.com)
GRAPH=$(token https://graph.microsoft.com)

# A new customer (without Partner Center's default relationship, to make our own).
CID=$(curl -s -XPOST $B/v1/customers -H "authorization: Bearer $PC" -d '{"enableGDAPByDefault":false,
  "companyProfile":{"domain":"adatumexample"},"billingProfile":{"email":"it@adatum.example","culture":"en-US",
  "language":"en","companyName":"Adatum","defaultAddress":{"firstName":"Ana","lastName":"Bowman",
  "addressLine1":"1 Microsoft Way","city":"Redmond","state":"WA","postalCode":"98052","country":"US"}}}' | j 'd["id"]')

# Contoso asks for User Administrator for two years and locks the request for the customer's approval.
RELS=$B/v1.0/tenantRelationships/delegatedAdminRelationships
REL=$(curl -s -XPOST $RELS -H "authorization: Bearer $GRAPH" -d '{"displayName":"Adatum helpdesk","duration":"P730D",
  "customer":{"tenantId":"'$CID'"},"accessDetails":{"unifiedRoles":[{"roleDefinitionId":"fe930be7-5e62-47db-91af-98c3a49a38b1"}]}}' | j 'd["id"]')
curl -s -XPOST $RELS/$REL/requests -H "authorization: Bearer $GRAPH" -d '{"action":"lockForApproval"}' | j 'd["action"]'   # lockForApproval
# The invitation link went to Contoso's admin; the customer's Global Administrator approves (the page's action).
curl -s -XPOST $SB/actions/approve-gdap-relationship -d '{"as":"admin@adatumexample.onmicrosoft.com","relationshipId":"'$REL'"}' \
  | j 'd["relationship"]["status"]'                                                                                # active

# A security group of Contoso holding its agent gets the role in Adatum's tenant.
GROUP=$(curl -s -XPOST $SB/tenants/$CONTOSO/groups -d '{"displayName":"Helpdesk","members":["agent@contosojp.onmicrosoft.com"]}' | j 'd["id"]')
curl -s -XPOST $RELS/$REL/accessAssignments -H "authorization: Bearer $GRAPH" -d '{"accessContainer":{"accessContainerId":"'$GROUP'",
  "accessContainerType":"securityGroup"},"accessDetails":{"unifiedRoles":[{"roleDefinitionId":"fe930be7-5e62-47db-91af-98c3a49a38b1"}]}}' \
  | j 'd["status"]'                                                                                                # active

# The agent signs in at Adatum's authority (device code, completed with the TOTP step) and reads its users.
DC=$(curl -s -XPOST $B/$CID/oauth2/v2.0/devicecode -d client_id=$PUB -d scope=https://graph.microsoft.com/.default)
curl -s -XPOST $SB/sign-ins -d '{"userCode":"'$(echo "$DC" | j 'd["user_code"]')'","user":"agent@contosojp.onmicrosoft.com","mfa":true}' > /dev/null
AGENT=$(curl -s -XPOST $B/$CID/oauth2/v2.0/token -d grant_type=urn:ietf:params:oauth:grant-type:device_code -d client_id=$PUB \
  -d device_code=$(echo "$DC" | j 'd["device_code"]') | j 'd["access_token"]')
echo $AGENT | cut -d. -f2 | python3 -c "import base64,json,sys; s=sys.stdin.read().strip(); c=json.loads(base64.urlsafe_b64decode(s+'='*(-len(s)%4))); print(c['wids'], c['amr'])"
                                                                               # ['fe930be7-5e62-47db-91af-98c3a49a38b1'] ['pwd', 'mfa']
curl -s $B/v1.0/users -H "authorization: Bearer $AGENT" | j '[u["userPrincipalName"] for u in d["value"]]'         # ['admin@adatumexample.onmicrosoft.com']

# Two years later (no auto-extension), the relationship has expired.
curl -s -XPOST $SB/clock -d '{"advance":"P731D"}' > /dev/null
curl -s $RELS/$REL -H "authorization: Bearer $(token https://graph.microsoft.com)" | j 'd["status"]'              # expired
