# STEP2 and STEP4 of the onboarding guide: Fabrikam becomes Contoso's CSP indirect reseller, in an
# `indirect-reseller` sandbox of its own: bash examples/csp.sh (server on PCSANDBOX_URL or :8080).
B=${PCSANDBOX_URL:-http://127.0.0.1:8080}
j() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
SB=$B/sandbox/v1/sandboxes/$(curl -s -XPOST $B/sandbox/v1/sandboxes -d '{"scenario":"indirect-reseller"}' | j 'd["id"]')
ADMIN=admin@fabrikamjp.onmicrosoft.com
verify_email() {   # follows the link of the newest verification email to Fabrikam's contact
  curl -s "$SB/mailbox?to=hanako.sato@fabrikam.co.jp" \
    | j '[m for m in d["items"] if "Verify your email" in m["subject"]][0]["links"][0]' | xargs curl -s -o /dev/null
}

# STEP1 first: Fabrikam registers and confirms its email; its partner IDs become active.
curl -s -XPOST $SB/actions/register-partner -d '{"as":"'$ADMIN'","companyName":"Fabrikam Japan 株式会社",
  "website":"https://www.fabrikam.co.jp",
  "address":{"country":"JP","state":"東京都","city":"千代田区","addressLine1":"丸の内 2-7-2","postalCode":"100-7090"},
  "primaryContact":{"firstName":"花子","lastName":"佐藤","email":"hanako.sato@fabrikam.co.jp","phoneNumber":"03-1234-0000"}}' > /dev/null
verify_email

# STEP2: enroll with its PartnerLocation ID (partnerIdOf finds it; "partnerId" takes the 7 digits).
# The exact company name is taken by its own partner account: a trailing space makes it another.
curl -s -XPOST $SB/actions/enroll-csp-indirect-reseller -d '{"as":"'$ADMIN'","partnerIdOf":"fabrikamjp.onmicrosoft.com",
  "companyName":"Fabrikam Japan 株式会社 ","primaryContact":{"firstName":"花子","lastName":"佐藤",
  "email":"hanako.sato@fabrikam.co.jp","phoneNumber":"03-1234-0000"}}' \
  | j '[p["statusLine"]["ja-JP"] for p in d["partner"]["programs"]][-1]'   # 間接リセラーの状態 保留中
verify_email      # the CSP account's profile is verified afresh
curl -s -XPOST $SB/actions/accept-agreement -d '{"as":"'$ADMIN'","agreementType":"MicrosoftPartnerAgreement"}' \
  | j '[p["statusLine"]["ja-JP"] for p in d["partner"]["programs"]][-1]'   # 間接リセラーの状態 アクティブ

# STEP4: Contoso invites Fabrikam; Fabrikam's Global admin approves (the newest open request).
curl -s -XPOST $SB/actions/invite-reseller -d '{"as":"admin@contosojp.onmicrosoft.com","resellerTenant":"fabrikamjp.onmicrosoft.com"}' \
  | j 'd["request"]["state"]'                                                # pending
curl -s -XPOST $SB/actions/respond-relationship-request -d '{"as":"'$ADMIN'","decision":"approve","consent":true}' \
  | j 'd["request"]["state"]'                                                # approved

# Contoso's /v1 relationship list now has its reseller.
APP=$(curl -s $SB | j 'd["apps"][0]["clientId"]')
TOKEN=$(curl -s -XPOST $SB/tokens -d '{"clientId":"'$APP'","userId":"admin@contosojp.onmicrosoft.com","mfa":true}' | j 'd["access_token"]')
curl -s "$B/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf" -H "authorization: Bearer $TOKEN" \
  | j '[(r["name"], r["state"]) for r in d["items"]]'                      # [('Fabrikam Japan 株式会社', 'Active')]
