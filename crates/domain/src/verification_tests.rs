//! The verification state machine: every transition, the 12-month edge, business days.

use chrono::{Datelike, NaiveDate, TimeZone, Utc, Weekday};

const W: crate::calendar::BusinessCalendar = crate::calendar::BusinessCalendar::Weekends;

use super::*;
use crate::profile::{Address, Contact};

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 9, 0, 0).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn profile(email: &str) -> LegalBusinessProfile {
    LegalBusinessProfile {
        company_name: "Fabrikam Japan 株式会社".into(),
        address: Address {
            country: "JP".into(),
            state: Some("東京都".into()),
            city: "千代田区".into(),
            address_line1: "丸の内 2-7-2".into(),
            postal_code: "100-7090".into(),
            ..Address::default()
        },
        primary_contact: Contact {
            first_name: "花子".into(),
            last_name: "佐藤".into(),
            email: email.into(),
            phone_number: Some("03-0000-0000".into()),
        },
        company_approver_address: None,
        company_approver_email: None,
    }
}

fn registry() -> Vec<RegistryEntry> {
    vec![RegistryEntry {
        company_name: "Fabrikam Japan ㈱".into(),
        address: Address {
            country: "JP".into(),
            state: Some("東京都".into()),
            city: "千代田区".into(),
            address_line1: "丸の内二丁目7番2号".into(),
            postal_code: "1007090".into(),
            ..Address::default()
        },
        registration_number: None,
    }]
}

/// Monday 2026-11-23, 09:00 UTC.
fn monday() -> DateTime<Utc> {
    at(2026, 11, 23)
}

fn start_with(
    p: &LegalBusinessProfile,
    reg: &[RegistryEntry],
    previous: Option<&Verification>,
    now: DateTime<Utc>,
    token: &str,
) -> Verification {
    let domains = vec!["fabrikamjp.onmicrosoft.com".to_owned()];
    Verification::start(
        previous.map_or(1, |p| p.version + 1),
        &Subject {
            profile: p,
            website: Some("https://www.fabrikam.co.jp"),
            verified_domains: &domains,
            registry: reg,
        },
        previous,
        now,
        token.into(),
    )
}

fn start(email: &str) -> Verification {
    start_with(&profile(email), &registry(), None, monday(), "t1")
}

#[test]
fn a_company_address_starts_pending_on_the_email_link_alone() {
    let v = start("hanako@fabrikam.co.jp");
    assert_eq!(v.email_ownership.state, CheckState::Pending);
    assert_eq!(v.employment.state, CheckState::Approved);
    assert_eq!(v.company.state, CheckState::Approved);
    assert_eq!(v.status(), VettingStatus::Pending);
    assert_eq!(v.sub_status(), VettingSubStatus::EmailOwnership);
    let link = v.link_to_send().unwrap();
    assert_eq!(link.to, "hanako@fabrikam.co.jp");
    assert_eq!(link.expires_at, monday() + EMAIL_LINK_TTL);
    assert_eq!(v.next_due(), Some(link.expires_at));
    assert_eq!(v.finished_at, None);
}

#[test]
fn following_the_link_authorizes() {
    let mut v = start("hanako@fabrikam.co.jp");
    let t = monday() + Duration::hours(1);
    assert_eq!(v.follow_link("t1", t), LinkOutcome::Confirmed);
    assert_eq!(v.status(), VettingStatus::Authorized);
    assert_eq!(v.sub_status(), VettingSubStatus::None);
    assert_eq!(v.finished_at, Some(t));
    assert_eq!(v.link_to_send(), None);
    assert_eq!(v.next_due(), None);
    assert_eq!(v.follow_link("t1", t), LinkOutcome::AlreadyConfirmed);
}

#[test]
fn webmail_and_onmicrosoft_contacts_are_rejected_at_once_without_a_link() {
    for (email, code) in [
        ("hanako@gmail.com", "webmail"),
        ("hanako@yahoo.co.jp", "webmail"),
        ("admin@fabrikamjp.onmicrosoft.com", "onMicrosoft"),
    ] {
        let v = start(email);
        assert_eq!(v.email_ownership.state, CheckState::Rejected, "{email}");
        assert_eq!(v.email_ownership.reason.as_ref().unwrap().code(), code);
        // Their domain is not the company's either.
        assert_eq!(v.employment.state, CheckState::Rejected, "{email}");
        assert_eq!(v.link_to_send(), None);
        assert_eq!(v.status(), VettingStatus::Rejected);
        assert_eq!(v.sub_status(), VettingSubStatus::EmailOwnership);
        assert_eq!(v.finished_at, Some(monday()));
    }
}

#[test]
fn an_unfollowed_link_expires_and_a_resend_replaces_it() {
    let mut v = start("hanako@fabrikam.co.jp");
    let expiry = monday() + EMAIL_LINK_TTL;
    assert!(!v.settle(expiry - Duration::seconds(1)));
    assert!(v.settle(expiry));
    assert_eq!(v.email_ownership.reason, Some(Reason::LinkExpired));
    assert_eq!(v.status(), VettingStatus::Rejected);
    assert_eq!(v.follow_link("t1", expiry), LinkOutcome::Expired);

    let later = expiry + Duration::days(1);
    let link = v.resend("t2".into(), later).unwrap().clone();
    assert_eq!(link.expires_at, later + EMAIL_LINK_TTL);
    assert_eq!(v.email_ownership.state, CheckState::Pending);
    assert_eq!(v.status(), VettingStatus::Pending);
    assert_eq!(v.follow_link("t1", later), LinkOutcome::Superseded);
    assert_eq!(v.email_ownership.state, CheckState::Pending);
    assert_eq!(v.follow_link("t2", later), LinkOutcome::Confirmed);
    assert_eq!(v.status(), VettingStatus::Authorized);
}

#[test]
fn a_resend_voids_the_previous_link_even_before_it_expires() {
    let mut v = start("hanako@fabrikam.co.jp");
    v.resend("t2".into(), monday() + Duration::hours(2)).unwrap();
    assert_eq!(
        v.follow_link("t1", monday() + Duration::hours(3)),
        LinkOutcome::Superseded
    );
    assert_eq!(
        v.follow_link("t2", monday() + Duration::hours(3)),
        LinkOutcome::Confirmed
    );
}

#[test]
fn resend_is_refused_when_confirmed_or_when_the_address_is_the_problem() {
    let mut v = start("hanako@fabrikam.co.jp");
    v.follow_link("t1", monday());
    let before = v.clone();
    assert_eq!(
        v.resend("t2".into(), monday()).unwrap_err().code,
        "EmailAlreadyVerified"
    );
    assert_eq!(v, before);
    let mut w = start("hanako@gmail.com");
    let before = w.clone();
    let e = w.resend("t2".into(), monday()).unwrap_err();
    assert_eq!(e.code, "EmailAddressNotAllowed");
    assert!(e.text.ja.contains("ウェブベース"));
    assert_eq!(w, before);
}

#[test]
fn another_domain_fails_employment_until_a_document_is_reviewed() {
    let mut v = start("hanako@fabrikam-sales.jp");
    assert_eq!(v.employment.state, CheckState::Rejected);
    let Some(Reason::DomainMismatch {
        email_domain,
        company_domains,
    }) = &v.employment.reason
    else {
        panic!("{:?}", v.employment.reason)
    };
    assert_eq!(email_domain, "fabrikam-sales.jp");
    assert_eq!(company_domains, &["fabrikam.co.jp"]);
    assert_eq!(v.sub_status(), VettingSubStatus::EmploymentVerification);

    // Friday upload, two business days: due Tuesday, not Sunday.
    let friday = at(2026, 11, 27);
    assert_eq!(friday.weekday(), Weekday::Fri);
    v.upload(Check::Employment, DocumentKind::DomainOwnership, None, friday, 2, W)
        .unwrap();
    assert_eq!(v.employment.state, CheckState::Pending);
    assert_eq!(v.employment.reason, None);
    let due = v.employment.review_due.unwrap();
    assert_eq!(due, at(2026, 12, 1));
    assert_eq!(due.weekday(), Weekday::Tue);
    assert_eq!(v.employment.documents.len(), 1);
    // A second upload while in review is refused.
    assert_eq!(
        v.upload(Check::Employment, DocumentKind::DomainOwnership, None, friday, 2, W)
            .unwrap_err()
            .code,
        "DocumentInReview"
    );
    v.settle(at(2026, 11, 30));
    assert_eq!(v.employment.state, CheckState::Pending, "Monday: still in review");
    v.settle(due);
    assert_eq!(v.employment.state, CheckState::Approved);
    assert_eq!(v.employment.review_due, None);
}

#[test]
fn the_company_check_names_what_differs_from_the_registry() {
    let mut p = profile("hanako@fabrikam.co.jp");
    p.address.city = "港区".into();
    let v = start_with(&p, &registry(), None, monday(), "t1");
    assert_eq!(
        v.company.reason,
        Some(Reason::AddressDiffers {
            fields: vec![AddressField::City],
            registered: vec!["千代田区".into()],
        })
    );
    let text = v.company.reason.as_ref().unwrap().text();
    assert!(
        text.ja.contains("市区町村は「千代田区」で登録されています"),
        "{}",
        text.ja
    );
    assert!(text.en.contains("which has city \"千代田区\""), "{}", text.en);
    let v = start_with(&profile("hanako@fabrikam.co.jp"), &[], None, monday(), "t1");
    assert_eq!(v.company.reason, Some(Reason::NotInRegistry));
    assert_eq!(v.sub_status(), VettingSubStatus::BusinessVerification);
    let mut p = profile("hanako@fabrikam.co.jp");
    p.company_name = "Fabrikam 株式会社".into();
    let v = start_with(&p, &registry(), None, monday(), "t1");
    assert_eq!(
        v.company.reason,
        Some(Reason::NameDiffers {
            registered_name: "Fabrikam Japan ㈱".into()
        })
    );
}

#[test]
fn a_registry_certificate_counts_only_within_twelve_months() {
    let today = monday().date_naive();
    assert!(issued_within_limit(date(2025, 11, 23), today));
    assert!(!issued_within_limit(date(2025, 11, 22), today));
    assert!(issued_within_limit(today, today));
    assert!(!issued_within_limit(date(2026, 11, 24), today));
    // 29 February: twelve months before is 28 February.
    assert!(issued_within_limit(date(2027, 2, 28), date(2028, 2, 29)));
    assert!(!issued_within_limit(date(2027, 2, 27), date(2028, 2, 29)));

    let fresh = || start_with(&profile("hanako@fabrikam.co.jp"), &[], None, monday(), "t1");
    let mut old = fresh();
    old.upload(
        Check::Company,
        DocumentKind::RegistryCertificate,
        Some(date(2025, 11, 22)),
        monday(),
        2,
        W,
    )
    .unwrap();
    assert_eq!(old.company.state, CheckState::Rejected);
    assert_eq!(
        old.company.reason,
        Some(Reason::DocumentTooOld {
            issued_on: date(2025, 11, 22)
        })
    );
    assert_eq!(old.company.review_due, None);

    let mut edge = fresh();
    edge.upload(
        Check::Company,
        DocumentKind::RegistryCertificate,
        Some(date(2025, 11, 23)),
        monday(),
        2,
        W,
    )
    .unwrap();
    assert_eq!(edge.company.state, CheckState::Pending);
    assert_eq!(edge.company.review_due, Some(at(2026, 11, 25)));
}

#[test]
fn uploads_the_portal_would_refuse_change_nothing() {
    let mut v = start_with(&profile("hanako@fabrikam.co.jp"), &[], None, monday(), "t1");
    let before = v.clone();
    let cases = [
        (Check::Company, DocumentKind::RegistryCertificate, None, "Required"),
        (
            Check::Company,
            DocumentKind::DomainOwnership,
            Some(date(2026, 1, 1)),
            "WrongDocumentKind",
        ),
        (
            Check::Company,
            DocumentKind::RegistryCertificate,
            Some(date(2026, 11, 24)),
            "IssuedInFuture",
        ),
        (
            Check::EmailOwnership,
            DocumentKind::DomainOwnership,
            None,
            "NoDocumentForCheck",
        ),
        // Employment is approved: nothing to prove.
        (
            Check::Employment,
            DocumentKind::DomainOwnership,
            None,
            "CheckAlreadyApproved",
        ),
    ];
    for (check, kind, issued, code) in cases {
        let e = v.upload(check, kind, issued, monday(), 2, W).unwrap_err();
        assert_eq!(e.code, code);
        assert_eq!(v, before, "{code}");
    }
    let mut pending = start("hanako@fabrikam.co.jp");
    let e = pending
        .upload(
            Check::EmailOwnership,
            DocumentKind::DomainOwnership,
            None,
            monday(),
            2,
            W,
        )
        .unwrap_err();
    assert_eq!(e.code, "NoDocumentForCheck");
}

#[test]
fn decide_forces_an_outcome() {
    let mut v = start("hanako@fabrikam.co.jp");
    v.decide(
        Check::Company,
        CheckState::Rejected,
        Some("登記と不一致".into()),
        monday(),
    )
    .unwrap();
    assert_eq!(v.status(), VettingStatus::Rejected);
    assert_eq!(v.company.reason.as_ref().unwrap().text().ja, "登記と不一致");
    assert_eq!(v.finished_at, Some(monday()));
    v.decide(Check::Company, CheckState::Approved, None, monday()).unwrap();
    v.decide(Check::EmailOwnership, CheckState::Approved, None, monday())
        .unwrap();
    assert_eq!(v.status(), VettingStatus::Authorized);
    let before = v.clone();
    assert!(v.decide(Check::Company, CheckState::Pending, None, monday()).is_err());
    assert_eq!(v, before);
}

#[test]
fn a_new_verification_keeps_approvals_whose_subject_did_not_change() {
    let mut first = start("hanako@fabrikam.co.jp");
    first.follow_link("t1", monday());
    let mut p = profile("hanako@fabrikam.co.jp");
    p.primary_contact.phone_number = Some("03-9999-9999".into());
    let second = start_with(&p, &registry(), Some(&first), monday() + Duration::days(1), "t2");
    assert_eq!(second.version, 2);
    assert_eq!(second.status(), VettingStatus::Authorized);
    assert_eq!(second.link_to_send(), None);

    // A new address must be confirmed; a new company must match the registry again.
    let mut p = profile("taro@fabrikam.co.jp");
    p.company_name = "Fabrikam 株式会社".into();
    let third = start_with(&p, &registry(), Some(&second), monday() + Duration::days(2), "t3");
    assert_eq!(third.email_ownership.state, CheckState::Pending);
    assert_eq!(third.link_to_send().unwrap().token, "t3");
    assert_eq!(third.employment.state, CheckState::Approved);
    assert_eq!(third.company.state, CheckState::Rejected);
}

#[test]
fn labels_come_in_both_languages() {
    assert_eq!(CheckState::Pending.label().ja, "保留中");
    assert_eq!(CheckState::Approved.label().ja, "承認済み");
    assert_eq!(CheckState::Rejected.label().ja, "拒否");
    assert_eq!(Check::EmailOwnership.label().ja, "メールの所有権");
    assert_eq!(Check::Employment.label().ja, "雇用関係の確認");
    assert_eq!(Check::Company.label().ja, "会社の確認");
    assert_eq!(Check::parse("EMAIL_OWNERSHIP"), Some(Check::EmailOwnership));
    assert_eq!(
        DocumentKind::parse("RegistryCertificate"),
        Some(DocumentKind::RegistryCertificate)
    );
    assert_eq!(CheckState::parse("Approved"), Some(CheckState::Approved));
}

#[test]
fn verifications_round_trip_through_json() {
    let mut v = start("hanako@fabrikam-sales.jp");
    v.upload(Check::Employment, DocumentKind::DomainOwnership, None, monday(), 2, W)
        .unwrap();
    let text = serde_json::to_string(&v).unwrap();
    assert_eq!(serde_json::from_str::<Verification>(&text).unwrap(), v);
}

#[test]
fn only_a_change_to_a_checked_subject_is_a_new_subject() {
    let p = profile("hanako@fabrikam.co.jp");
    let v = |q: &LegalBusinessProfile| same_subjects(&p, q);
    assert!(v(&p));
    let mut phone = p.clone();
    phone.primary_contact.phone_number = Some("03-1111-1111".into());
    phone.company_approver_email = Some("hanako@fabrikam.co.jp".into());
    assert!(v(&phone), "a phone or approver change is not a checked subject");
    let mut upper = p.clone();
    upper.primary_contact.email = "Hanako@Fabrikam.co.jp".into();
    assert!(v(&upper));
    let mut email = p.clone();
    email.primary_contact.email = "taro@fabrikam.co.jp".into();
    assert!(!v(&email));
    let mut name = p.clone();
    name.company_name = "Fabrikam Holdings 株式会社".into();
    assert!(!v(&name));
    let mut city = p.clone();
    city.address.city = "港区".into();
    assert!(!v(&city));
}

#[test]
fn a_review_on_japans_calendar_skips_golden_week() {
    let mut v = start("hanako@fabrikam-sales.jp");
    // Tuesday 2027-04-27 (UTC, the afternoon in Japan), two business days on each calendar.
    let tuesday = at(2027, 4, 27);
    let mut jp = v.clone();
    v.upload(Check::Employment, DocumentKind::DomainOwnership, None, tuesday, 2, W)
        .unwrap();
    assert_eq!(
        v.employment.review_due,
        Some(at(2027, 4, 29)),
        "weekends only: Thursday"
    );
    jp.upload(
        Check::Employment,
        DocumentKind::DomainOwnership,
        None,
        tuesday,
        2,
        crate::calendar::BusinessCalendar::Japan,
    )
    .unwrap();
    // 4/28, then 4/29 is 昭和の日: 4/30.
    assert_eq!(jp.employment.review_due, Some(at(2027, 4, 30)));
}
