"""GDAP in Chromium: the customer's Global Administrator opens the invitation link a partner sent,
signs in through the mock Entra pages and approves all; the console then shows the relationship
active. (The partner's side is Graph, called here as a client would.)"""

import json
import re
import urllib.request

from playwright.sync_api import expect

from conftest import shot

CONTOSO_ADMIN = "admin@contosojp.onmicrosoft.com"
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"


def call(pcs, method, path, token, body=None):
    req = urllib.request.Request(pcs.url(path), method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=15) as res:
        return res.status, json.loads(res.read() or b"null")


def token(pcs, sandbox, audience):
    status, sb = pcs.control("GET", f"/sandboxes/{sandbox}")
    assert status == 200, sb
    status, t = pcs.control("POST", f"/sandboxes/{sandbox}/tokens", {
        "clientId": sb["apps"][0]["clientId"], "userId": CONTOSO_ADMIN, "mfa": True, "audience": audience})
    assert status == 200, t
    return t["access_token"]


def test_the_customer_approves_a_gdap_relationship_on_the_invitation_page(page, pcs):
    pcs.create("br-gdap", "default")
    pc = token(pcs, "br-gdap", "https://api.partnercenter.microsoft.com")
    status, customer = call(pcs, "POST", "/v1/customers", pc, {
        "enableGDAPByDefault": False,
        "companyProfile": {"domain": "adatumbrowser"},
        "billingProfile": {"email": "it@adatum.example", "culture": "ja-JP", "language": "ja",
                           "companyName": "Adatum", "defaultAddress": {
                               "firstName": "Ana", "lastName": "Bowman", "addressLine1": "1 Microsoft Way",
                               "city": "Redmond", "state": "WA", "postalCode": "98052", "country": "US"}}})
    assert status == 201, customer
    admin = "admin@" + customer["companyProfile"]["domain"]
    graph = token(pcs, "br-gdap", "https://graph.microsoft.com")
    rels = "/v1.0/tenantRelationships/delegatedAdminRelationships"
    status, rel = call(pcs, "POST", rels, graph, {
        "displayName": "Adatum helpdesk", "duration": "P730D", "customer": {"tenantId": customer["id"]},
        "accessDetails": {"unifiedRoles": [{"roleDefinitionId": USER_ADMIN},
                                           {"roleDefinitionId": "729827e3-9c14-49f7-bb1b-9608f156bbb8"}]}})
    assert status == 201, rel
    status, _ = call(pcs, "POST", f"{rels}/{rel['id']}/requests", graph, {"action": "lockForApproval"})
    assert status == 201

    # The console lists it awaiting approval, with its invitation page.
    page.goto(pcs.url("/console/sandboxes/br-gdap"))
    card = page.locator('[data-testid="gdap"]')
    expect(card.locator('[data-testid="gdap-row-status"]')).to_have_text("approvalPending")
    link = card.locator('[data-testid="gdap-invitation"]').get_attribute("href")

    # The customer's admin opens the link and signs in (no MFA registered: password only).
    page.goto(pcs.url(link))
    expect(page).to_have_url(re.compile(r"/dashboard/signin"))
    page.fill("#login_hint", admin)
    page.fill("#sandbox", "br-gdap")
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r"/oauth2/v2\.0/authorize"))
    page.fill("input[name=password]", customer["userCredentials"]["password"])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/AdminPortal/partners/invitation/granularAdminRelationships/"))
    expect(page.locator('[data-testid="partner"]')).to_contain_text("Contoso")
    expect(page.locator('[data-testid="roles"]')).to_contain_text("User Administrator")
    expect(page.locator('[data-testid="gdap-status"]')).to_have_attribute("data-status", "approvalPending")
    expect(page.locator('[data-testid="gdap-status"]')).to_have_text("承認待ち")
    shot(page, "gdap-invitation")
    page.click('[data-testid="approve-form"] button[type=submit]')
    expect(page.locator('[data-testid="gdap-status"]')).to_have_attribute("data-status", "active")
    expect(page.locator(".notice.ok")).to_contain_text("承認しました")
    shot(page, "gdap-approved")

    status, now = call(pcs, "GET", f"{rels}/{rel['id']}", graph)
    assert (status, now["status"]) == (200, "active"), now
    page.goto(pcs.url("/console/sandboxes/br-gdap"))
    expect(page.locator('[data-testid="gdap"] [data-testid="gdap-row-status"]')).to_have_text("active")
