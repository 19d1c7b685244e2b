//! What every portal page shows around its content: the header with the user and the language,
//! the account-settings navigation, and a notice (done, or refused with the use-case's words).

use askama::Template;
use domain::message::Text;

/// The language of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    /// `ja`, `ja-JP`, `en`, `en-US` (any case).
    pub fn parse(raw: &str) -> Option<Lang> {
        let l = raw.trim().to_ascii_lowercase();
        if l == "ja" || l.starts_with("ja-") {
            Some(Lang::Ja)
        } else if l == "en" || l.starts_with("en-") {
            Some(Lang::En)
        } else {
            None
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Lang::Ja => "ja-JP",
            Lang::En => "en-US",
        }
    }

    /// One of two words.
    pub fn t<'a>(&self, ja: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }

    /// A domain text in this language.
    pub fn x<'a>(&self, t: &'a Text) -> &'a str {
        match self {
            Lang::Ja => &t.ja,
            Lang::En => &t.en,
        }
    }

    pub fn is_en(&self) -> bool {
        *self == Lang::En
    }
}

/// The outcome of a form, shown at the top of the page it leads back to.
#[derive(Debug, Clone)]
pub struct Notice {
    pub ok: bool,
    pub text: String,
    /// The form field the refusal is about, when it names one.
    pub field: Option<String>,
}

/// The page chrome: who is signed in, where, and in which language.
pub struct Base {
    pub lang: Lang,
    pub title: String,
    pub upn: String,
    pub display_name: String,
    pub company: String,
    pub sandbox: String,
    pub csrf: String,
    /// The current path, for the language switch.
    pub path: String,
    /// The navigation entry of this page.
    pub nav: &'static str,
    pub notice: Option<Notice>,
    pub mfa: bool,
    /// A CSP indirect provider: it invites resellers.
    pub is_provider: bool,
    pub is_reseller: bool,
}

impl Base {
    pub fn t<'a>(&self, ja: &'a str, en: &'a str) -> &'a str {
        self.lang.t(ja, en)
    }

    pub fn x<'a>(&self, t: &'a Text) -> &'a str {
        self.lang.x(t)
    }

    /// The navigation: (this page, href, label).
    pub fn nav_items(&self) -> Vec<(bool, &'static str, &'static str)> {
        let mut v = vec![
            ("home", "/dashboard/home", self.t("概要", "Overview")),
            ("legal", "/dashboard/account/legal", self.t("法的情報", "Legal info")),
            (
                "identifiers",
                "/dashboard/account/identifiers",
                self.t("識別子", "Identifiers"),
            ),
            (
                "programs",
                "/dashboard/account/programs",
                self.t("プログラム", "Programs"),
            ),
            (
                "agreements",
                "/dashboard/account/agreements",
                self.t("契約", "Agreements"),
            ),
            (
                "security",
                "/dashboard/security-requirements",
                self.t("セキュリティ要件", "Security requirements"),
            ),
        ];
        if self.is_reseller {
            v.push((
                "providers",
                "/commerce/indirectproviders",
                self.t("間接プロバイダー", "Indirect providers"),
            ));
        }
        if self.is_provider {
            v.push((
                "resellers",
                "/commerce/indirectresellers",
                self.t("間接リセラー", "Indirect resellers"),
            ));
        }
        v.into_iter().map(|(k, h, l)| (k == self.nav, h, l)).collect()
    }

    /// Whether a refusal names this form field.
    pub fn bad(&self, field: &str) -> bool {
        self.notice
            .as_ref()
            .and_then(|n| n.field.as_deref())
            .is_some_and(|f| f.eq_ignore_ascii_case(field) || f.ends_with(&format!(".{field}")))
    }
}

/// A page with a title, a few lines and links, outside the signed-in chrome.
pub struct Message {
    pub lang: Lang,
    pub title: String,
    pub lines: Vec<String>,
    pub links: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "portal/message.html")]
pub struct MessagePage {
    pub m: Message,
}
