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
