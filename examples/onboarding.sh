# STEP1 of the onboarding guide (registration and the three checks) in a sandbox of its own:
# bash examples/onboarding.sh (server on PCSANDBOX_URL or :8080).
B=${PCSANDBOX_URL:-http://127.0.0.1:8080}
j() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
SB=$B/sandbox/v1/sandboxes/$(curl -s -XPOST $B/sandbox/v1/sandboxes -d '{"scenario":"onboarding"}' | j 'd["id"]')

# Fabrikam's Global admin registers the company as its registry certificate writes it.
curl -s -XPOST $SB/actions/register-partner -d '{"as":"admin@fabrikamjp.onmicrosoft.com",
  "companyName":"Fabrikam Japan 株式会社","website":"https://www.fabrikam.co.jp",
  "address":{"country":"JP","state":"東京都","city":"千代田区","addressLine1":"丸の内 2-7-2","postalCode":"100-7090"},
  "primaryContact":{"firstName":"花子","lastName":"佐藤","email":"hanako.sato@fabrikam.co.jp","phoneNumber":"03-1234-0000"}}' \
  | j 'd["partner"]["verification"]["label"]["ja-JP"], {k: c["label"]["ja-JP"] for k, c in d["partner"]["verification"]["checks"].items()}'
# 保留中 {'company': '承認済み', 'emailOwnership': '保留中', 'employment': '承認済み'}

# The mailbox holds the email-ownership message; following its link confirms the address.
LINK=$(curl -s "$SB/mailbox?to=hanako.sato@fabrikam.co.jp" | j 'd["items"][0]["links"][0]')
curl -s -o /dev/null -w '%{http_code}\n' $LINK                                # 200
curl -s $SB | j '[(t["partner"]["verification"]["label"]["ja-JP"], [(i["type"], i["status"]) for i in t["partner"]["partnerIds"]]) for t in d["tenants"] if t["partner"]]'
# [('承認済み', [('PartnerGlobal', 'active'), ('PartnerLocation', 'active')])]
curl -s $SB | python3 -m json.tool --no-ensure-ascii | grep '"companyName"'   # Japanese as written
