"""The portal and the console in Chromium: what a QA tester does by hand.

Sign-ins go through the mock Entra pages with the TOTP code the console shows; every change is a
form of the portal or the console (the control plane only sets up the world).
"""

import re

from playwright.sync_api import expect

from conftest import assert_japanese_renders, assert_words_whole, shot, user_of

FABRIKAM_ADMIN = "admin@fabrikamjp.onmicrosoft.com"


def console_user(page, pcs, sandbox, upn):
    """The user's row on the console in a second tab: (password or None, the TOTP code now)."""
    tab = page.context.new_page()
    tab.goto(pcs.url(f"/console/sandboxes/{sandbox}"))
    row = tab.locator(f'[data-testid="user-{upn}"]')
    password = None
    if row.locator("details summary").count() and row.locator('[data-testid="password"]').count():
        row.locator("details summary").first.click()
        password = row.locator('[data-testid="password"]').inner_text().strip()
    code = row.locator('[data-testid="totp"]').inner_text().strip()
    tab.close()
    return password, code


def sign_in(page, pcs, sandbox, upn, password, totp_code=None):
    """From the portal's sign-in page to the page it was opened for."""
    expect(page).to_have_url(re.compile(r"/dashboard/signin"))
    page.fill("#login_hint", upn)
    page.fill("#sandbox", sandbox)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r"/oauth2/v2\.0/authorize"))
    expect(page.locator("input[name=username]")).to_have_value(upn)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    if totp_code is not None:
        page.wait_for_selector("input[name=otc]")
        page.fill("input[name=otc]", totp_code() if callable(totp_code) else totp_code)
        page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/(dashboard|commerce)/(?!signin)"))


def test_company_rejection_and_its_remedy_to_approved(page, pcs, tmp_path):
    sb = pcs.create("br-company", "company-rejected-address")
    password = user_of(sb, FABRIKAM_ADMIN)["password"]
    page.goto(pcs.url("/dashboard/account/legal"))
    sign_in(page, pcs, "br-company", FABRIKAM_ADMIN, password,
            lambda: console_user(page, pcs, "br-company", FABRIKAM_ADMIN)[1])
    expect(page.locator("h1")).to_have_text("アカウント設定 | 法的情報")
    assert_japanese_renders(page, "h1")
    page.set_viewport_size({"width": 800, "height": 900})
    assert_words_whole(page, "パートナー", "プログラム", "確認の状態")
    page.set_viewport_size({"width": 1280, "height": 900})
    company = page.locator('[data-testid="check-company"]')
    expect(company).to_contain_text("拒否")
    expect(company.locator(".reason")).to_contain_text("千代田区")
    expect(page.locator('[data-testid="check-emailOwnership"]')).to_contain_text("承認済み")
    expect(page.locator('[data-testid="who"]')).to_contain_text("MFA")
    shot(page, "legal-company-rejected")

    # The remedy the cause calls for: a registry certificate issued within 12 months.
    doc = tmp_path / "touhon.pdf"
    doc.write_bytes(b"%PDF-1.4 registry certificate")
    form = company.locator('[data-testid="upload-certificate"]')
    form.locator("input[type=file]").set_input_files(str(doc))
    form.locator("button[type=submit]").click()
    expect(page.locator(".notice.ok")).to_contain_text("書類を提出しました")
    expect(page.locator('[data-testid="check-company"]')).to_contain_text("確認の完了予定")
    shot(page, "legal-company-in-review")

    # The console moves the sandbox clock past the review.
    console = page.context.new_page()
    console.goto(pcs.url("/console/sandboxes/br-company"))
    console.fill('[data-testid="advance-clock"] input[name=amount]', "2")
    console.click('[data-testid="advance-clock"] button')
    expect(console.locator(".notice.ok")).to_contain_text("moved forward 2 businessDays")
    console.close()

    page.reload()
    expect(page.locator('[data-testid="verification-status"]')).to_have_text("承認済み")
    expect(page.locator('[data-testid="check-company"]')).to_contain_text("承認済み")
    shot(page, "legal-approved")
    page.goto(pcs.url("/dashboard/account/identifiers"))
    expect(page.locator('[data-testid="partner-ids"]')).to_contain_text("PartnerLocation")
    expect(page.locator('[data-testid="partner-ids"]')).to_contain_text("アクティブ")
    shot(page, "identifiers")
    page.goto(pcs.url("/dashboard/account/legal?lang=en-US"))
    expect(page.locator("h1")).to_have_text("Account settings | Legal info")
    shot(page, "legal-approved-en")


def test_console_creates_a_sandbox_then_enroll_accept_the_mpa_and_approve_a_provider(page, pcs):
    # The console: a sandbox from the catalog; its generated passwords show once, on this page.
    page.goto(pcs.url("/console"))
    page.fill("#name", "br-csp")
    page.select_option("#scenario", "partner-verified")
    page.click('[data-testid="create-sandbox"] button')
    expect(page.locator(".notice.ok")).to_contain_text("Sandbox created")
    row = page.locator(f'[data-testid="user-{FABRIKAM_ADMIN}"]')
    row.locator("details summary").first.click()
    password = row.locator('[data-testid="password"]').inner_text().strip()
    expect(row.locator('[data-testid="totp"]')).to_have_text(re.compile(r"^\d{6}$"))
    shot(page, "console-sandbox")

    page.goto(pcs.url("/dashboard/account/programs/csp-indirect-reseller"))
    sign_in(page, pcs, "br-csp", FABRIKAM_ADMIN, password,
            lambda: console_user(page, pcs, "br-csp", FABRIKAM_ADMIN)[1])
    form = page.locator('[data-testid="enroll-form"]')
    expect(form.locator("input[name=partnerId]")).not_to_have_value("")
    # The registered name as offered is taken (STEP2 15) ...
    form.locator("button[type=submit]").click()
    expect(page.locator(".notice.err")).to_contain_text("この名前は既にシステムに存在します")
    expect(page.locator("#e-name")).to_have_class("bad")
    shot(page, "enroll-name-exists")
    # ... and the guide's answer, a half-width space at the end, goes through.
    page.locator("#e-name").press("End")
    page.locator("#e-name").type(" ")
    page.locator('[data-testid="enroll-form"] button[type=submit]').click()
    expect(page.locator(".notice.ok")).to_contain_text("CSP 間接リセラーとして登録しました")

    # The enrollment's verification mail, opened from the console's mailbox.
    mailbox = page.context.new_page()
    mailbox.goto(pcs.url("/console/sandboxes/br-csp/mailbox"))
    with page.context.expect_page() as opened:
        mailbox.locator('[data-testid="mail-link"]').first.click()
    confirmed = opened.value
    expect(confirmed.locator("h1")).to_have_text("メールの確認に成功しました")
    confirmed.close()
    mailbox.close()

    page.goto(pcs.url("/dashboard/account/agreements"))
    expect(page.locator(".warn")).to_contain_text("この契約に関して操作が必要です")
    shot(page, "agreements-action-needed")
    page.click('[data-testid="agreements"] button:has-text("承諾する")')
    expect(page.locator(".notice.ok")).to_contain_text("Microsoft Partner Agreement に同意しました")
    expect(page.locator('[data-testid="agreements"]')).to_contain_text(FABRIKAM_ADMIN)
    page.goto(pcs.url("/dashboard/account/legal?tab=reseller"))
    expect(page.locator('[data-testid="reseller-status"]')).to_contain_text("アクティブ")
    shot(page, "legal-reseller")

    # Contoso, the indirect provider, invites Fabrikam; Fabrikam's admin approves the request.
    status, answer = pcs.control("POST", "/sandboxes/br-csp/actions/invite-reseller", {
        "as": "admin@contosojp.onmicrosoft.com", "resellerTenant": "fabrikamjp.onmicrosoft.com"})
    assert status == 201, answer
    page.goto(answer["request"]["url"])
    expect(page.locator("h1")).to_have_text("パートナーシップを確認する")
    expect(page.locator('[data-testid="provider"]')).to_contain_text("Contoso")
    page.click("button[value=approve]")
    expect(page.locator(".notice.err")).to_be_visible()  # the consent box is not checked
    page.check("input[name=consent]")
    shot(page, "relationship-request")
    page.click("button[value=approve]")
    expect(page.locator(".notice.ok")).to_contain_text("間接プロバイダーを承認しました")
    expect(page.locator('[data-testid="request-state"]')).to_have_text("承認済み")
    page.goto(pcs.url("/commerce/indirectproviders"))
    expect(page.locator('[data-testid="relationships"]')).to_contain_text("Contoso")


def test_console_mailbox_journal_clock_and_a_sign_in_link(page, pcs):
    page.goto(pcs.url("/console"))
    page.fill("#name", "br-console")
    page.select_option("#scenario", "email-pending")
    page.click('[data-testid="create-sandbox"] button')
    expect(page.locator(".notice.ok")).to_contain_text("Sandbox created")
    before = page.locator('[data-testid="sandbox-now"]').inner_text()
    page.fill('[data-testid="advance-clock"] input[name=amount]', "3")
    page.click('[data-testid="advance-clock"] button')
    expect(page.locator('[data-testid="sandbox-now"]')).not_to_have_text(before)
    page.goto(pcs.url("/console/sandboxes/br-console/mailbox"))
    expect(page.locator('[data-testid="mail"]').first).to_contain_text("メール アドレスを確認してください")
    shot(page, "console-mailbox")
    page.goto(pcs.url("/console/sandboxes/br-console/journal"))
    expect(page.locator('[data-testid="journal"]')).to_contain_text("scenario")
    shot(page, "console-journal")

    # The console's sign-in link opens the portal's sign-in for that user.
    page.goto(pcs.url("/console/sandboxes/br-console"))
    row = page.locator(f'[data-testid="user-{FABRIKAM_ADMIN}"]')
    href = row.locator('[data-testid="sign-in"]').get_attribute("href")
    page.goto(pcs.url(href))
    page.wait_for_url(re.compile(r"/oauth2/v2\.0/authorize"))
    expect(page.locator("input[name=username]")).to_have_value(FABRIKAM_ADMIN)
