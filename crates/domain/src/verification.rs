//! Verification of a partner's legal business profile (STEP1 of the onboarding guide): three
//! checks, each 保留中/承認済み/拒否 (pending/approved/rejected) with a reason, as pure state
//! transitions that take `now`.
//!
//! | check | approved when | rejected when | remedy |
//! |---|---|---|---|
//! | email ownership | the contact follows the link mailed to them | webmail or `*.onmicrosoft.com`; the link expired | resend; correct the contact |
//! | employment | the contact's email domain is the company's (website or verified domain) | the domains differ | a domain-ownership document -> review |
//! | company | name and address match the registry ([`crate::registry`]) | no match, or what differs | a registry certificate (登記簿謄本) issued within 12 months -> review |
//!
//! Reviews finish `review_business_days` business days after the upload, on the sandbox clock.

use chrono::{DateTime, Duration, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::mail_domain;
use crate::message::{Refusal, RefusalKind, Text};
use crate::profile::LegalBusinessProfile;
use crate::registry::{self, AddressField, Lookup, RegistryEntry};
use crate::vetting::{parse_enum, VettingStatus, VettingSubStatus};

pub const DEFAULT_REVIEW_BUSINESS_DAYS: u32 = 2;
/// How long an email-ownership link stays valid.
pub const EMAIL_LINK_TTL: Duration = Duration::days(7);
/// A registry certificate must have been issued within this many months of today.
pub const DOCUMENT_MAX_AGE_MONTHS: u32 = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Check {
    EmailOwnership,
    Employment,
    Company,
}

impl Check {
    pub const ALL: [Check; 3] = [Self::EmailOwnership, Self::Employment, Self::Company];

    pub fn wire(self) -> &'static str {
        match self {
            Self::EmailOwnership => "emailOwnership",
            Self::Employment => "employment",
            Self::Company => "company",
        }
    }

    pub fn parse(s: &str) -> Option<Check> {
        parse_enum(&Self::ALL, Self::wire, s)
    }

    pub fn label(self) -> Text {
        match self {
            Self::EmailOwnership => Text::new("メールの所有権", "Email ownership"),
            Self::Employment => Text::new("雇用関係の確認", "Employment verification"),
            Self::Company => Text::new("会社の確認", "Company verification"),
        }
    }

    /// The `vettingSubStatus` of a verification waiting on (or stopped at) this check.
    pub fn sub_status(self) -> VettingSubStatus {
        match self {
            Self::EmailOwnership => VettingSubStatus::EmailOwnership,
            Self::Employment => VettingSubStatus::EmploymentVerification,
            Self::Company => VettingSubStatus::BusinessVerification,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckState {
    Pending,
    Approved,
    Rejected,
}

impl CheckState {
    pub const ALL: [CheckState; 3] = [Self::Pending, Self::Approved, Self::Rejected];

    pub fn wire(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<CheckState> {
        parse_enum(&Self::ALL, Self::wire, s)
    }

    pub fn label(self) -> Text {
        match self {
            Self::Pending => Text::new("保留中", "Pending"),
            Self::Approved => Text::new("承認済み", "Approved"),
            Self::Rejected => Text::new("拒否", "Rejected"),
        }
    }
}

/// Labels of the overall status as the portal's 確認の状態 shows it.
pub fn status_label(s: VettingStatus) -> Text {
    match s {
        VettingStatus::None => Text::new("未開始", "Not started"),
        VettingStatus::Pending => Text::new("保留中", "Pending"),
        VettingStatus::Authorized => Text::new("承認済み", "Authorized"),
        VettingStatus::Rejected => Text::new("拒否", "Rejected"),
    }
}

/// Why a check is rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Reason {
    Webmail {
        domain: String,
    },
    OnMicrosoft {
        domain: String,
    },
    LinkExpired,
    DomainMismatch {
        email_domain: String,
        company_domains: Vec<String>,
    },
    NotInRegistry,
    NameDiffers {
        registered_name: String,
    },
    AddressDiffers {
        fields: Vec<AddressField>,
        /// The registry's value of each differing field, in the order of `fields` (empty in
        /// records written before it was kept).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        registered: Vec<String>,
    },
    DocumentTooOld {
        issued_on: NaiveDate,
    },
    Decided {
        text: Option<String>,
    },
}

impl Reason {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Webmail { .. } => "webmail",
            Self::OnMicrosoft { .. } => "onMicrosoft",
            Self::LinkExpired => "linkExpired",
            Self::DomainMismatch { .. } => "domainMismatch",
            Self::NotInRegistry => "notInRegistry",
            Self::NameDiffers { .. } => "nameDiffers",
            Self::AddressDiffers { .. } => "addressDiffers",
            Self::DocumentTooOld { .. } => "documentTooOld",
            Self::Decided { .. } => "decided",
        }
    }

    pub fn text(&self) -> Text {
        match self {
            Self::Webmail { domain } => Text::new(
                format!("ウェブベースの電子メール サービスのアドレス ({domain}) はご利用いただけません。第一連絡先を会社のメール アドレスに変更してください。"),
                format!("Addresses of web-based email services ({domain}) cannot be used. Change the primary contact to a company email address."),
            ),
            Self::OnMicrosoft { domain } => Text::new(
                format!(".onmicrosoft.com アドレス ({domain}) はご利用いただけません。第一連絡先を会社のメール アドレスに変更してください。"),
                format!(".onmicrosoft.com addresses ({domain}) cannot be used. Change the primary contact to a company email address."),
            ),
            Self::LinkExpired => Text::new(
                "確認メールのリンクの有効期限が切れました。確認メールを再送信してください。",
                "The verification email's link expired. Resend the verification email.",
            ),
            Self::DomainMismatch { email_domain, company_domains } => {
                let owned = if company_domains.is_empty() {
                    "なし".to_owned()
                } else {
                    company_domains.join(", ")
                };
                let owned_en = if company_domains.is_empty() {
                    "none".to_owned()
                } else {
                    company_domains.join(", ")
                };
                Text::new(
                    format!("登録したメール アドレスのドメイン ({email_domain}) が会社所有の Web サイトのドメイン ({owned}) と一致しません。ドメインを会社が所有していることを証明する資料を提出してください。"),
                    format!("The email domain ({email_domain}) does not match a domain the company owns ({owned_en}). Upload a document proving the company owns the domain."),
                )
            }
            Self::NotInRegistry => Text::new(
                "入力した会社名と住所が公的登録情報に見つかりません。過去12か月以内に発行された登記簿謄本などの公的文書を提出してください。",
                "The company name and address were not found in the public registry. Upload an official document such as a registry certificate issued within the last 12 months.",
            ),
            Self::NameDiffers { registered_name } => Text::new(
                format!("会社名が公的登録情報 ({registered_name}) と一致しません。"),
                format!("The company name differs from the public registry ({registered_name})."),
            ),
            Self::AddressDiffers { fields, registered } => {
                let ja: Vec<String> = fields.iter().map(|f| f.label().ja).collect();
                let en: Vec<String> = fields.iter().map(|f| f.label().en).collect();
                if registered.len() != fields.len() {
                    return Text::new(
                        format!("住所が公的登録情報と一致しません ({})。", ja.join("、")),
                        format!("The address differs from the public registry ({}).", en.join(", ")),
                    );
                }
                let ja: Vec<String> = ja.iter().zip(registered).map(|(l, v)| format!("{l}は「{v}」")).collect();
                let en: Vec<String> = en.iter().zip(registered).map(|(l, v)| format!("{l} \"{v}\"")).collect();
                Text::new(
                    format!("住所が公的登録情報と一致しません ({}で登録されています)。", ja.join("、")),
                    format!("The address differs from the public registry, which has {}.", en.join(", ")),
                )
            }
            Self::DocumentTooOld { issued_on } => Text::new(
                format!("提出された書類 ({issued_on} 発行) は過去12か月以内に発行されたものではありません。"),
                format!("The document (issued {issued_on}) was not issued within the last 12 months."),
            ),
            Self::Decided { text } => {
                let t = text.clone().unwrap_or_default();
                if t.is_empty() {
                    Text::new("審査の結果、確認できませんでした。", "The review could not verify this.")
                } else {
                    Text::new(t.clone(), t)
                }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentKind {
    /// Proof that the company owns the email domain (an invoice for it, WHOIS records).
    DomainOwnership,
    /// 登記簿謄本: the company's registry certificate.
    RegistryCertificate,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 2] = [Self::DomainOwnership, Self::RegistryCertificate];

    pub fn wire(self) -> &'static str {
        match self {
            Self::DomainOwnership => "domain-ownership",
            Self::RegistryCertificate => "registry-certificate",
        }
    }

    pub fn parse(s: &str) -> Option<DocumentKind> {
        parse_enum(&Self::ALL, Self::wire, s)
    }

    /// The check this kind of document answers.
    pub fn check(self) -> Check {
        match self {
            Self::DomainOwnership => Check::Employment,
            Self::RegistryCertificate => Check::Company,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    pub kind: DocumentKind,
    #[serde(default)]
    pub issued_on: Option<NaiveDate>,
    pub uploaded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckRecord {
    pub state: CheckState,
    #[serde(default)]
    pub reason: Option<Reason>,
    /// Set while a document is in review: the review finishes then.
    #[serde(default)]
    pub review_due: Option<DateTime<Utc>>,
    #[serde(default)]
    pub documents: Vec<Document>,
}

impl CheckRecord {
    fn new(state: CheckState, reason: Option<Reason>) -> CheckRecord {
        CheckRecord {
            state,
            reason,
            review_due: None,
            documents: Vec::new(),
        }
    }

    fn outcome(r: Result<(), Reason>) -> CheckRecord {
        match r {
            Ok(()) => CheckRecord::new(CheckState::Approved, None),
            Err(reason) => CheckRecord::new(CheckState::Rejected, Some(reason)),
        }
    }
}

/// The email-ownership link last mailed; earlier links are void.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailLink {
    pub token: String,
    pub to: String,
    pub expires_at: DateTime<Utc>,
}

/// What a verification checks: the profile as entered and what the sandbox knows of the company.
pub struct Subject<'a> {
    pub profile: &'a LegalBusinessProfile,
    pub website: Option<&'a str>,
    /// The tenant's verified domains.
    pub verified_domains: &'a [String],
    pub registry: &'a [RegistryEntry],
}

/// Whether two legal profiles name the same verified subjects: the contact's email (email
/// ownership and employment) and the company name and address (company). A profile update that
/// changes neither (a phone number, the approver, an unchanged resubmission such as the .NET
/// SDK's GET-then-PUT) does not start a new verification.
pub fn same_subjects(a: &LegalBusinessProfile, b: &LegalBusinessProfile) -> bool {
    let subject = |profile| Subject {
        profile,
        website: None,
        verified_domains: &[],
        registry: &[],
    };
    let (a, b) = (subject(a), subject(b));
    a.email().eq_ignore_ascii_case(b.email()) && a.company_key() == b.company_key()
}

impl Subject<'_> {
    fn email(&self) -> &str {
        self.profile.primary_contact.email.trim()
    }

    fn email_domain(&self) -> String {
        mail_domain::email_domain(self.email()).unwrap_or_default()
    }

    /// The name and address as the registry compares them: unchanged key, unchanged outcome.
    fn company_key(&self) -> String {
        let a = &self.profile.address;
        [
            registry::normalize_name(&self.profile.company_name),
            a.country.trim().to_ascii_uppercase(),
            registry::normalize_address(a.state.as_deref().unwrap_or_default()),
            registry::normalize_address(&a.city),
            registry::normalize_address(&format!(
                "{}{}",
                a.address_line1,
                a.address_line2.as_deref().unwrap_or_default()
            )),
            registry::normalize_postal_code(&a.postal_code),
        ]
        .join("|")
    }
}

fn email_rule(email_domain: &str) -> Result<(), Reason> {
    if mail_domain::is_onmicrosoft(email_domain) {
        return Err(Reason::OnMicrosoft {
            domain: email_domain.to_owned(),
        });
    }
    if mail_domain::is_webmail(email_domain) {
        return Err(Reason::Webmail {
            domain: email_domain.to_owned(),
        });
    }
    Ok(())
}

/// The employment rule: the contact's email domain is one the company owns.
pub fn employment_rule(email_domain: &str, company_domains: &[String]) -> Result<(), Reason> {
    if company_domains.iter().any(|d| mail_domain::within(email_domain, d)) {
        Ok(())
    } else {
        Err(Reason::DomainMismatch {
            email_domain: email_domain.to_owned(),
            company_domains: company_domains.to_vec(),
        })
    }
}

/// The company rule: the registry knows the company under that name at that address.
pub fn company_rule(profile: &LegalBusinessProfile, registry: &[RegistryEntry]) -> Result<(), Reason> {
    match registry::lookup(&profile.company_name, &profile.address, registry) {
        Lookup::Match => Ok(()),
        Lookup::NotFound => Err(Reason::NotInRegistry),
        Lookup::AddressDiffers(fields, registered) => Err(Reason::AddressDiffers { fields, registered }),
        Lookup::NameDiffers { registered_name } => Err(Reason::NameDiffers { registered_name }),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// 1 for the first verification of a partner, +1 for each profile update.
    pub version: u32,
    pub started_at: DateTime<Utc>,
    pub email_ownership: CheckRecord,
    pub employment: CheckRecord,
    pub company: CheckRecord,
    #[serde(default)]
    pub link: Option<EmailLink>,
    /// The contact address and the company key checked: an update that keeps them keeps the
    /// approvals they earned.
    pub contact_email: String,
    pub company_key: String,
    /// When it last became authorized or rejected.
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
}

/// When a document was issued: a date, or a time before the sandbox's today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuedOn {
    Date(NaiveDate),
    Before(chrono::Duration),
}

impl IssuedOn {
    /// The date, for a sandbox whose date is `today`.
    pub fn on(self, today: NaiveDate) -> NaiveDate {
        match self {
            IssuedOn::Date(d) => d,
            IssuedOn::Before(ago) => today.checked_sub_signed(ago).unwrap_or(NaiveDate::MIN),
        }
    }
}

/// The answer to following an email-ownership link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkOutcome {
    Confirmed,
    AlreadyConfirmed,
    Expired,
    /// A newer email was sent: only its link counts.
    Superseded,
}

impl Verification {
    /// Starts a verification. `link_token` is used when an email must be sent (see
    /// [`Verification::link_to_send`]); approvals of `previous` carry over where their subject
    /// did not change (the same contact address, the same email domain, the same company).
    pub fn start(
        version: u32,
        subject: &Subject<'_>,
        previous: Option<&Verification>,
        now: DateTime<Utc>,
        link_token: String,
    ) -> Verification {
        let email = subject.email().to_owned();
        let domain = subject.email_domain();
        let company_key = subject.company_key();
        let kept = |c: Check, same: bool| same && previous.is_some_and(|p| p.check(c).state == CheckState::Approved);
        let same_email = previous.is_some_and(|p| p.contact_email.eq_ignore_ascii_case(&email));
        let same_domain =
            previous.is_some_and(|p| mail_domain::email_domain(&p.contact_email).as_deref() == Some(domain.as_str()));
        let same_company = previous.is_some_and(|p| p.company_key == company_key);

        let mut link = None;
        let email_ownership = match email_rule(&domain) {
            Err(reason) => CheckRecord::new(CheckState::Rejected, Some(reason)),
            Ok(()) if kept(Check::EmailOwnership, same_email) => CheckRecord::new(CheckState::Approved, None),
            Ok(()) => {
                link = Some(EmailLink {
                    token: link_token,
                    to: email.clone(),
                    expires_at: now + EMAIL_LINK_TTL,
                });
                CheckRecord::new(CheckState::Pending, None)
            }
        };
        let employment = if kept(Check::Employment, same_domain) && email_rule(&domain).is_ok() {
            CheckRecord::new(CheckState::Approved, None)
        } else {
            let owned = mail_domain::company_domains(subject.website, subject.verified_domains);
            CheckRecord::outcome(employment_rule(&domain, &owned))
        };
        let company = if kept(Check::Company, same_company) {
            CheckRecord::new(CheckState::Approved, None)
        } else {
            CheckRecord::outcome(company_rule(subject.profile, subject.registry))
        };
        let mut v = Verification {
            version,
            started_at: now,
            email_ownership,
            employment,
            company,
            link,
            contact_email: email,
            company_key,
            finished_at: None,
        };
        v.note_finish(VettingStatus::None, now);
        v
    }

    pub fn check(&self, c: Check) -> &CheckRecord {
        match c {
            Check::EmailOwnership => &self.email_ownership,
            Check::Employment => &self.employment,
            Check::Company => &self.company,
        }
    }

    fn check_mut(&mut self, c: Check) -> &mut CheckRecord {
        match c {
            Check::EmailOwnership => &mut self.email_ownership,
            Check::Employment => &mut self.employment,
            Check::Company => &mut self.company,
        }
    }

    /// Rejected if any check is, authorized when all are approved, pending otherwise.
    pub fn status(&self) -> VettingStatus {
        let states = Check::ALL.map(|c| self.check(c).state);
        if states.contains(&CheckState::Rejected) {
            VettingStatus::Rejected
        } else if states.iter().all(|s| *s == CheckState::Approved) {
            VettingStatus::Authorized
        } else {
            VettingStatus::Pending
        }
    }

    /// The step the verification waits on (pending) or stopped at (rejected).
    pub fn sub_status(&self) -> VettingSubStatus {
        let wanted = match self.status() {
            VettingStatus::Rejected => CheckState::Rejected,
            VettingStatus::Pending => CheckState::Pending,
            _ => return VettingSubStatus::None,
        };
        Check::ALL
            .into_iter()
            .find(|c| self.check(*c).state == wanted)
            .map_or(VettingSubStatus::None, Check::sub_status)
    }

    /// The link to mail now: set when the email check waits on a link that was never followed.
    pub fn link_to_send(&self) -> Option<&EmailLink> {
        self.link
            .as_ref()
            .filter(|_| self.email_ownership.state == CheckState::Pending)
    }

    /// The next instant at which [`Verification::settle`] would change something.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        let reviews = Check::ALL
            .into_iter()
            .filter(|c| self.check(*c).state == CheckState::Pending)
            .filter_map(|c| self.check(c).review_due);
        let link = self.link_to_send().map(|l| l.expires_at);
        reviews.chain(link).min()
    }

    fn note_finish(&mut self, before: VettingStatus, now: DateTime<Utc>) {
        let after = self.status();
        if after != before && matches!(after, VettingStatus::Authorized | VettingStatus::Rejected) {
            self.finished_at = Some(now);
        }
    }

    /// Applies what fell due by `now`: reviews finish approved; an unfollowed link expires.
    /// Returns whether anything changed.
    pub fn settle(&mut self, now: DateTime<Utc>) -> bool {
        let before_all = self.clone();
        let before = self.status();
        for c in Check::ALL {
            let r = self.check_mut(c);
            if r.state == CheckState::Pending && r.review_due.is_some_and(|d| d <= now) {
                r.state = CheckState::Approved;
                r.reason = None;
                r.review_due = None;
            }
        }
        if self.link_to_send().is_some_and(|l| l.expires_at <= now) {
            self.email_ownership.state = CheckState::Rejected;
            self.email_ownership.reason = Some(Reason::LinkExpired);
        }
        self.note_finish(before, now);
        *self != before_all
    }

    /// Follows an email-ownership link (`token` is one this verification's partner was sent).
    pub fn follow_link(&mut self, token: &str, now: DateTime<Utc>) -> LinkOutcome {
        self.settle(now);
        let Some(link) = self.link.as_ref().filter(|l| l.token == token) else {
            return LinkOutcome::Superseded;
        };
        if self.email_ownership.state == CheckState::Approved {
            return LinkOutcome::AlreadyConfirmed;
        }
        if link.expires_at <= now || self.email_ownership.reason == Some(Reason::LinkExpired) {
            return LinkOutcome::Expired;
        }
        let before = self.status();
        self.email_ownership = CheckRecord::new(CheckState::Approved, None);
        self.note_finish(before, now);
        LinkOutcome::Confirmed
    }

    /// Sends a new link (the old one becomes void). Refused when the address itself is the problem
    /// or ownership is already confirmed.
    pub fn resend(&mut self, token: String, now: DateTime<Utc>) -> Result<&EmailLink, Refusal> {
        self.settle(now);
        match (&self.email_ownership.state, &self.email_ownership.reason) {
            (CheckState::Approved, _) => {
                return Err(Refusal::new(
                    RefusalKind::Conflict,
                    "EmailAlreadyVerified",
                    "メールの所有権は既に確認されています。",
                    "Email ownership is already verified.",
                ))
            }
            (CheckState::Rejected, Some(r @ (Reason::Webmail { .. } | Reason::OnMicrosoft { .. }))) => {
                let t = r.text();
                return Err(Refusal {
                    kind: RefusalKind::Conflict,
                    code: "EmailAddressNotAllowed",
                    field: None,
                    text: t,
                });
            }
            _ => {}
        }
        let before = self.status();
        self.email_ownership = CheckRecord::new(CheckState::Pending, None);
        self.note_finish(before, now);
        Ok(self.link.insert(EmailLink {
            token,
            to: self.contact_email.clone(),
            expires_at: now + EMAIL_LINK_TTL,
        }))
    }

    /// A document for a rejected employment or company check: in review until
    /// `review_business_days` later, or rejected at once when a registry certificate is older than
    /// 12 months. `today` is the sandbox's date.
    pub fn upload(
        &mut self,
        check: Check,
        kind: DocumentKind,
        issued_on: Option<NaiveDate>,
        now: DateTime<Utc>,
        review_business_days: u32,
        calendar: crate::calendar::BusinessCalendar,
    ) -> Result<(), Refusal> {
        self.settle(now);
        if check == Check::EmailOwnership {
            return Err(Refusal::new(
                RefusalKind::Invalid,
                "NoDocumentForCheck",
                "メールの所有権は書類では確認できません。確認メールのリンクを使用してください。",
                "Email ownership is not verified by documents: follow the link in the verification email.",
            )
            .on("check"));
        }
        if kind.check() != check {
            return Err(Refusal::new(
                RefusalKind::Invalid,
                "WrongDocumentKind",
                format!("{}には{}が必要です。", check.label().ja, needed_document(check).0),
                format!("{} needs {}.", check.label().en, needed_document(check).1),
            )
            .on("kind"));
        }
        let today = now.date_naive();
        if issued_on.is_some_and(|d| d > today) {
            return Err(Refusal::new(
                RefusalKind::Invalid,
                "IssuedInFuture",
                "発行日に未来の日付は指定できません。",
                "The issue date cannot be in the future.",
            )
            .on("issuedOn"));
        }
        if kind == DocumentKind::RegistryCertificate && issued_on.is_none() {
            return Err(Refusal::required("issuedOn"));
        }
        let record = self.check(check);
        match record.state {
            CheckState::Approved => {
                return Err(Refusal::new(
                    RefusalKind::Conflict,
                    "CheckAlreadyApproved",
                    format!("{}は既に承認されています。", check.label().ja),
                    format!("{} is already approved.", check.label().en),
                ))
            }
            CheckState::Pending if record.review_due.is_some() => {
                return Err(Refusal::new(
                    RefusalKind::Conflict,
                    "DocumentInReview",
                    "提出された書類は審査中です。",
                    "A document is already in review.",
                ))
            }
            CheckState::Pending => {
                return Err(Refusal::new(
                    RefusalKind::Conflict,
                    "NoDocumentNeeded",
                    "この確認には書類の提出は必要ありません。",
                    "This check does not need a document.",
                ))
            }
            CheckState::Rejected => {}
        }
        let before = self.status();
        let r = self.check_mut(check);
        r.documents.push(Document {
            kind,
            issued_on,
            uploaded_at: now,
        });
        match issued_on {
            Some(d) if kind == DocumentKind::RegistryCertificate && !issued_within_limit(d, today) => {
                r.reason = Some(Reason::DocumentTooOld { issued_on: d });
            }
            _ => {
                r.state = CheckState::Pending;
                r.reason = None;
                r.review_due = Some(calendar.add_business_days(now, review_business_days));
            }
        }
        self.note_finish(before, now);
        Ok(())
    }

    /// Forces a check's outcome (a sandbox power for tests).
    pub fn decide(
        &mut self,
        check: Check,
        outcome: CheckState,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        self.settle(now);
        let before = self.status();
        let r = self.check_mut(check);
        match outcome {
            CheckState::Pending => {
                return Err(Refusal::new(
                    RefusalKind::Invalid,
                    "InvalidOutcome",
                    "結果には approved か rejected を指定してください。",
                    "The outcome must be approved or rejected.",
                )
                .on("outcome"))
            }
            CheckState::Approved => {
                r.reason = None;
            }
            CheckState::Rejected => {
                r.reason = Some(Reason::Decided {
                    text: reason.filter(|t| !t.trim().is_empty()),
                });
            }
        }
        r.state = outcome;
        r.review_due = None;
        self.note_finish(before, now);
        Ok(())
    }
}

/// The document a check accepts, as the refusal names it (ja, en).
fn needed_document(check: Check) -> (&'static str, &'static str) {
    match check {
        Check::Company => (
            "登記簿謄本などの公的文書 (registry-certificate)",
            "a registry certificate (registry-certificate)",
        ),
        _ => (
            "ドメインの所有を証明する資料 (domain-ownership)",
            "a domain-ownership document (domain-ownership)",
        ),
    }
}

/// Issued within the last 12 months: on or after the same date 12 months before `today`.
pub fn issued_within_limit(issued_on: NaiveDate, today: NaiveDate) -> bool {
    let oldest = today
        .checked_sub_months(Months::new(DOCUMENT_MAX_AGE_MONTHS))
        .unwrap_or(NaiveDate::MIN);
    issued_on >= oldest && issued_on <= today
}

#[cfg(test)]
#[path = "verification_tests.rs"]
mod tests;
