//! Messages the mock Microsoft sends to the sandbox mailbox, in Japanese with the English below.

use chrono::{DateTime, Utc};

use crate::verification::{Check, CheckState, Verification};
use crate::vetting::VettingStatus;

/// A message before it is filed (the store gives it an id and the time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
    pub links: Vec<String>,
}

/// The email-ownership message: its link confirms the address.
pub fn verification_email(company: &str, to: &str, url: &str, expires_at: DateTime<Utc>) -> Mail {
    let until = expires_at.format("%Y-%m-%d %H:%M UTC");
    Mail {
        to: to.to_owned(),
        subject: "メール アドレスを確認してください / Verify your email address - Microsoft パートナー センター".into(),
        body: format!(
            "{company} のパートナー アカウントの第一連絡先として、このメール アドレスが登録されました。\n\
             次のリンクを選択して、メール アドレスを確認してください ({until} まで有効)。\n\n\
             [メールアドレスを確認する] {url}\n\n\
             This address was registered as the primary contact of {company}'s partner account.\n\
             Select the link to verify your email address (valid until {until}).\n\n\
             [Verify email address] {url}\n"
        ),
        links: vec![url.to_owned()],
    }
}

fn link(url: &str) -> Vec<String> {
    if url.is_empty() {
        Vec::new()
    } else {
        vec![url.to_owned()]
    }
}

/// The message sent when a verification finishes, authorized or rejected.
/// `dashboard` is the portal's base URL, when known.
pub fn verification_result(company: &str, to: &str, v: &Verification, base: &str) -> Option<Mail> {
    let dashboard = if base.is_empty() {
        String::new()
    } else {
        format!("{}/dashboard/account/legal", base.trim_end_matches('/'))
    };
    let dashboard = dashboard.as_str();
    match v.status() {
        VettingStatus::Authorized => Some(Mail {
            to: to.to_owned(),
            subject: "アカウントの確認が完了しました / Your account is verified - Microsoft パートナー センター".into(),
            body: format!(
                "{company} の法人プロフィールの確認の状態が「承認済み」になりました。パートナー ID が有効になりました。\n\n\
                 {company}'s legal business profile is now Authorized, and its partner IDs are active.\n\n{dashboard}\n"
            ),
            links: link(dashboard),
        }),
        VettingStatus::Rejected => {
            let rejected: Vec<_> = Check::ALL
                .into_iter()
                .filter(|c| v.check(*c).state == CheckState::Rejected)
                .collect();
            let lines = |ja: bool| {
                rejected
                    .iter()
                    .map(|c| {
                        let reason = v.check(*c).reason.as_ref().map(|r| r.text());
                        let (label, why) = match (&reason, ja) {
                            (Some(t), true) => (c.label().ja, t.ja.clone()),
                            (Some(t), false) => (c.label().en, t.en.clone()),
                            (None, true) => (c.label().ja, String::new()),
                            (None, false) => (c.label().en, String::new()),
                        };
                        format!("- {label}: {why}")
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            Some(Mail {
                to: to.to_owned(),
                subject: "アカウントの確認に失敗しました / Account verification failed - Microsoft パートナー センター".into(),
                body: format!(
                    "{company} のアカウントの確認に失敗しました。\n{}\n\n\
                     Account verification for {company} failed.\n{}\n\n{dashboard}\n",
                    lines(true),
                    lines(false)
                ),
                links: link(dashboard),
            })
        }
        _ => None,
    }
}

/// A provider's invitation to a reseller (STEP4): the link opens the partnership request.
pub fn relationship_invitation(provider: &str, reseller: &str, to: &str, url: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: format!(
            "{provider} から間接プロバイダー パートナーシップの要求が届きました / Indirect provider partnership request from {provider}"
        ),
        body: format!(
            "{reseller} 様\n\n\
             {provider} が、{reseller} の間接プロバイダーになることを求めています。\n\
             パートナー センターのグローバル管理者アカウントで次の URL にアクセスし、チェックボックスにチェックを入れて\
             [間接プロバイダーの承認] を選択してください。\n\n\
             {url}\n\n\
             {provider} is asking to become {reseller}'s indirect provider.\n\
             Open the link signed in with a Global admin account of Partner Center, tick the consent box and select \
             [Approve indirect provider].\n\n\
             {url}\n"
        ),
        links: vec![url.to_owned()],
    }
}

/// The provider's notice that a reseller approved the partnership.
pub fn relationship_approved(provider: &str, reseller: &str, to: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: format!(
            "{reseller} が間接プロバイダー パートナーシップを承認しました / {reseller} approved the indirect provider partnership"
        ),
        body: format!(
            "{reseller} が {provider} を間接プロバイダーとして承認しました。[間接リセラー] の一覧に表示されます。\n\n\
             {reseller} approved {provider} as its indirect provider. It now appears in your list of indirect resellers.\n"
        ),
        links: Vec::new(),
    }
}

/// GDAP: the invitation link the partner sends its customer after `lockForApproval`.
pub fn gdap_invitation(to: &str, relationship: &str, url: &str, roles: &[String]) -> Mail {
    let roles = roles.join(", ");
    Mail {
        to: to.to_owned(),
        subject: format!(
            "GDAP 関係「{relationship}」の承認リンク / Approval link for the GDAP relationship \"{relationship}\""
        ),
        body: format!(
            "GDAP 関係「{relationship}」は承認待ちになりました。次のリンクを顧客のグローバル管理者に送ってください。\
             顧客はこのリンクを開き、[すべて承認] を選択します (90 日以内に承認されないと期限切れになります)。\n\n\
             {url}\n\n\
             The GDAP relationship \"{relationship}\" is awaiting approval. Send this link to a Global Administrator of \
             the customer, who opens it and selects [Approve all] (it expires if not approved within 90 days). \
             (Microsoft's form of the link: https://admin.microsoft.com/AdminPortal/Home#/partners/invitation/granularAdminRelationships/<id>.)\n\n\
             Roles / ロール: {roles}\n"
        ),
        links: vec![url.to_owned()],
    }
}

/// GDAP: the customer approved.
pub fn gdap_approved(to: &str, relationship: &str, customer: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: format!(
            "{customer} が GDAP 関係「{relationship}」を承認しました / {customer} approved the GDAP relationship \"{relationship}\""
        ),
        body: format!(
            "{customer} のグローバル管理者が GDAP 関係「{relationship}」を承認しました。\
             有効になったら、セキュリティ グループにロールを割り当ててください。\n\n\
             A Global Administrator of {customer} approved the GDAP relationship \"{relationship}\". Once it is active, \
             assign its roles to your security groups.\n"
        ),
        links: Vec::new(),
    }
}

/// GDAP: an expiry reminder (30, 7 and 1 days before the end of a relationship without
/// auto-extension).
pub fn gdap_expiry_reminder(to: &str, relationship: &str, days: i64, end: DateTime<Utc>) -> Mail {
    let on = end.format("%Y-%m-%d %H:%M UTC");
    Mail {
        to: to.to_owned(),
        subject: format!(
            "GDAP 関係「{relationship}」はあと {days} 日で期限切れになります / The GDAP relationship \"{relationship}\" expires in {days} days"
        ),
        body: format!(
            "GDAP 関係「{relationship}」は {on} に期限切れになります。引き続き必要な場合は、新しい関係を作成して顧客の承認を得てください。\n\n\
             The GDAP relationship \"{relationship}\" expires on {on}. If you still need it, create a new relationship and \
             ask the customer to approve it.\n"
        ),
        links: Vec::new(),
    }
}

/// GDAP: a relationship expired.
pub fn gdap_expired(to: &str, relationship: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: format!(
            "GDAP 関係「{relationship}」は期限切れになりました / The GDAP relationship \"{relationship}\" expired"
        ),
        body: format!(
            "GDAP 関係「{relationship}」は期限切れになり、顧客のテナントへのアクセスは終了しました。\n\n\
             The GDAP relationship \"{relationship}\" expired: access to the customer's tenant has ended.\n"
        ),
        links: Vec::new(),
    }
}

/// Whether a mail's link may be shown as a link: an absolute http(s) URL without spaces or
/// control characters, at most 2,048 bytes (never `javascript:` or `data:`, which a page would
/// run when clicked).
pub fn is_web_link(link: &str) -> bool {
    let lower = link.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && link.len() <= 2048
        && !link.chars().any(|c| c.is_control() || c.is_whitespace())
}
