use chrono::TimeZone;

use super::*;

fn location(status: PartnerIdStatus, country: &str) -> PartnerIdRecord {
    PartnerIdRecord {
        partner_id: "4847383".parse().unwrap(),
        kind: PartnerIdKind::PartnerLocation,
        country: country.into(),
        status,
    }
}

fn facts<'a>(
    id: Option<&'a PartnerIdRecord>,
    names: &'a [String],
    name: &'a str,
    email: &'a str,
) -> EnrollmentFacts<'a> {
    EnrollmentFacts {
        partner_id: id,
        entered_id: "4847383",
        csp_country: "JP",
        company_name: name,
        existing_names: names,
        contact_email: email,
        already_associated: false,
        owned: true,
        owner_domains: &[],
    }
}

fn code(r: Result<(), Refusal>) -> &'static str {
    r.err().map_or("ok", |r| r.code)
}

#[test]
fn enrollment_needs_an_active_location_id_in_the_csp_country() {
    let names = vec!["Fabrikam Japan 株式会社".to_owned()];
    let ok = location(PartnerIdStatus::Active, "JP");
    let f = |id| facts(id, &names, "Fabrikam Japan 株式会社 ", "hanako@fabrikam.co.jp");
    assert_eq!(code(check_enrollment(&f(Some(&ok)))), "ok");
    assert_eq!(code(check_enrollment(&f(None))), "PartnerIdNotFound");

    let global = PartnerIdRecord {
        kind: PartnerIdKind::PartnerGlobal,
        ..ok.clone()
    };
    let r = check_enrollment(&f(Some(&global))).unwrap_err();
    assert_eq!(r.code, "LocationIdRequired");
    assert!(
        r.text
            .ja
            .contains("\"グローバル\" のパートナー ID を使用することはできません"),
        "{}",
        r.text.ja
    );
    assert!(r.text.en.contains("Location"));
    assert_eq!(r.field.as_deref(), Some("partnerId"));

    let inactive = location(PartnerIdStatus::Inactive, "JP");
    let r = check_enrollment(&f(Some(&inactive))).unwrap_err();
    assert_eq!(r.code, "LocationIdInactive");
    assert!(r
        .text
        .ja
        .starts_with("場所のパートナー ID がアクティブで、CSP アカウントと同じ国にある必要があります。"));

    let us = location(PartnerIdStatus::Active, "US");
    let r = check_enrollment(&f(Some(&us))).unwrap_err();
    assert_eq!(r.code, "CountryMismatch");
    assert!(r.text.en.contains("US") && r.text.en.contains("JP"));

    let mut taken = f(Some(&ok));
    taken.already_associated = true;
    assert_eq!(code(check_enrollment(&taken)), "PartnerIdAlreadyAssociated");

    // Another tenant may associate the ID only with a contact in the owner's domains.
    let owner = vec!["fabrikam.co.jp".to_owned()];
    let mut other = f(Some(&ok));
    other.owned = false;
    assert_eq!(code(check_enrollment(&other)), "PartnerIdOfAnotherCompany");
    other.owner_domains = &owner;
    assert_eq!(code(check_enrollment(&other)), "ok");
    other.contact_email = "hanako@contoso.co.jp";
    assert_eq!(code(check_enrollment(&other)), "PartnerIdOfAnotherCompany");
}

#[test]
fn enrollment_refuses_webmail_and_onmicrosoft_contacts() {
    let names = Vec::new();
    let ok = location(PartnerIdStatus::Active, "JP");
    for (email, want) in [
        ("hanako@fabrikam.co.jp", "ok"),
        ("hanako@gmail.com", "WebmailAddress"),
        ("hanako@outlook.jp", "WebmailAddress"),
        ("admin@fabrikamjp.onmicrosoft.com", "OnMicrosoftAddress"),
    ] {
        assert_eq!(
            code(check_enrollment(&facts(Some(&ok), &names, "Fabrikam", email))),
            want,
            "{email}"
        );
    }
    let r = check_work_email("a@fabrikamjp.onmicrosoft.com").unwrap_err();
    assert!(r.text.ja.starts_with(".onmicrosoft.com アドレスを含む、ウェブベースの電子メール サービスの電子メール アドレスはご利用いただけません。"));
    assert_eq!(r.field.as_deref(), Some("primaryContact.email"));
}

#[test]
fn an_exactly_equal_company_name_is_refused_a_trailing_space_or_period_passes() {
    let names = vec![
        "Fabrikam Japan 株式会社".to_owned(),
        "Contoso Japan 株式会社".to_owned(),
    ];
    let ok = location(PartnerIdStatus::Active, "JP");
    let name = |n| code(check_enrollment(&facts(Some(&ok), &names, n, "hanako@fabrikam.co.jp")));
    let r = check_enrollment(&facts(
        Some(&ok),
        &names,
        "Fabrikam Japan 株式会社",
        "hanako@fabrikam.co.jp",
    ))
    .unwrap_err();
    assert_eq!(r.code, "NameExists");
    assert_eq!(
        r.text.ja,
        "この名前は既にシステムに存在します。名前を変更するか、Microsoft サポートにお問い合わせください"
    );
    assert_eq!(name("Fabrikam Japan 株式会社 "), "ok");
    assert_eq!(name("Fabrikam Japan 株式会社."), "ok");
    assert_eq!(name("Fabrikam Japan 株式会社"), "NameExists");
    assert_eq!(name("Contoso Japan 株式会社"), "NameExists");
    assert_eq!(name("Northwind 株式会社"), "ok");
}

#[test]
fn the_mpa_needs_enrollment_an_authorized_profile_and_is_accepted_once() {
    let mpa = PartnerAgreementType::MicrosoftPartnerAgreement;
    assert_eq!(PartnerAgreementType::parse("microsoftPartnerAgreement"), Some(mpa));
    assert_eq!(PartnerAgreementType::parse("MicrosoftCloudAgreement"), None);
    let code = |r: Result<(), Refusal>| r.err().map_or("ok", |r| r.code);
    assert_eq!(code(check_agreement_acceptance(false, true, &[], mpa)), "NotEnrolled");
    assert_eq!(
        code(check_agreement_acceptance(true, false, &[], mpa)),
        "ProfileNotAuthorized"
    );
    assert_eq!(code(check_agreement_acceptance(true, true, &[], mpa)), "ok");
    let accepted = AgreementAcceptance {
        agreement_type: mpa,
        accepted_at: Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap(),
        accepted_by: UserId(uuid::Uuid::nil()),
        accepted_by_upn: "admin@fabrikamjp.onmicrosoft.com".into(),
    };
    let r = check_agreement_acceptance(true, true, &[accepted], mpa).unwrap_err();
    assert_eq!(r.code, "AgreementAlreadyAccepted");
    assert!(r.text.ja.contains("2026/11/23"));
}

#[test]
fn a_relationship_request_is_approved_with_consent_or_postponed() {
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
    let by = UserId(uuid::Uuid::nil());
    let mut r = RelationshipRequest {
        id: "r".into(),
        provider_tenant_id: TenantId(uuid::Uuid::nil()),
        reseller_tenant_id: TenantId(uuid::Uuid::nil()),
        state: RequestState::Pending,
        invited_by: by,
        created_at: now,
        decided_at: None,
        decided_by: None,
    };
    let e = r.respond(RequestDecision::Approve, false, by, now).unwrap_err();
    assert_eq!(e.code, "ConsentRequired");
    assert!(e.text.ja.contains(CONSENT_JA));
    assert_eq!(r.state, RequestState::Pending);
    r.respond(RequestDecision::Postpone, false, by, now).unwrap();
    assert_eq!(r.state, RequestState::Postponed);
    r.respond(RequestDecision::Approve, true, by, now).unwrap();
    assert_eq!(r.state, RequestState::Approved);
    assert_eq!(
        r.respond(RequestDecision::Postpone, false, by, now).unwrap_err().code,
        "RequestAlreadyApproved"
    );
    assert_eq!(RequestDecision::parse("Approve"), Some(RequestDecision::Approve));
    assert_eq!(RequestDecision::parse("later"), None);
}

#[test]
fn the_status_query_takes_exactly_one_well_formed_identifier() {
    let err = |m: Option<&str>, t: Option<&str>| parse_status_query(m, t).unwrap_err();
    let e = err(None, None);
    assert_eq!(
        (e.code, e.description.as_str()),
        (2001, "Both MPN Id and Tenant Id cannot be empty.")
    );
    assert_eq!(e.source, "ComplianceController");
    let e = err(Some("1234567"), Some("8d3c5a4e-0000-0000-0000-000000000001"));
    assert_eq!(
        (e.code, e.description.as_str()),
        (2000, "Both MPN Id and Tenant Id should not be passed.")
    );
    let e = err(Some("12a4567"), None);
    assert_eq!((e.code, e.description.as_str()), (2000, "MPN Id must be numeric."));
    assert_eq!(e.source, "PartnerApiServiceControllers");
    let e = err(None, Some("not-a-guid"));
    assert_eq!((e.code, e.description.as_str()), (2000, "Tenant Id must be a GUID."));
    assert_eq!(e.status, 400);
    assert_eq!(
        parse_status_query(Some(" 123456 "), Some("")).unwrap(),
        StatusQuery::Mpn("123456".into())
    );
}

#[test]
fn the_status_check_answers_each_documented_error() {
    let mpn = StatusQuery::Mpn("123456".into());
    let code = |f: &ResellerFacts, q: &StatusQuery| agreement_status(q, f, "JP").map_err(|e| (e.code, e.description));
    let (c, d) = code(&ResellerFacts::Unknown, &mpn).unwrap_err();
    assert_eq!(c, 2200);
    assert_eq!(d, "MPN Id 123456 is either invalid or not yet migrated to Partner Center. Please advise your reseller to migrate the reseller MPN ID to Partner Center to continue with this order.");
    assert_eq!(code(&ResellerFacts::NotEnrolled, &mpn).unwrap_err().0, 2204);
    let us = ResellerFacts::Enrolled {
        country: "US".into(),
        signed: true,
    };
    let (c, d) = code(&us, &mpn).unwrap_err();
    assert_eq!(c, 2201);
    assert_eq!(d, "The CSP region of the MPN ID 123456 doesn\u{2019}t match the CSP region from where you are placing the order. Provide the MPN ID for the CSP region where you are placing the order.");
    let unsigned = ResellerFacts::Enrolled {
        country: "JP".into(),
        signed: false,
    };
    let (c, d) = code(&unsigned, &mpn).unwrap_err();
    assert_eq!(c, 2203);
    assert!(d.starts_with("MPN Id 123456 has not signed Microsoft Partner Agreement (MPA)"));
    let signed = ResellerFacts::Enrolled {
        country: "jp".into(),
        signed: true,
    };
    assert_eq!(code(&signed, &mpn), Ok(true));

    let raw = "12345678-ACBD-1234-ABCD-123456789ABC";
    let t = parse_status_query(None, Some(raw)).unwrap();
    let (c, d) = code(&ResellerFacts::Unknown, &t).unwrap_err();
    assert_eq!(c, 2205);
    assert_eq!(
        d,
        format!("Partner Center doesn't find any account associated to the Tenant ID {raw}")
    );
    let (c, d) = code(&unsigned, &t).unwrap_err();
    assert_eq!(c, 2206);
    assert_eq!(
        d,
        format!("Parnter Center Account associated to Tenant Id {raw} hasn't signed the agreement")
    );
    assert_eq!(code(&us, &t), Ok(true), "the region is checked for MPN IDs only");
}

#[test]
fn only_the_pla_id_of_an_authorized_reseller_is_valid_on_record() {
    let v = |f| validate_reseller_id("4847383", f);
    assert!(v(PartnerIdFacts::Location { reseller: Some(true) }).is_valid_partner_id_on_record);
    for f in [
        PartnerIdFacts::Unknown,
        PartnerIdFacts::Global,
        PartnerIdFacts::Location { reseller: None },
        PartnerIdFacts::Location { reseller: Some(false) },
    ] {
        let r = v(f);
        assert!(!r.is_valid_partner_id_on_record, "{f:?}");
        assert_eq!(r.error_code, Some(900400));
        assert!(r
            .error_description
            .unwrap()
            .starts_with("The PLA ID (formerly MPN ID) 4847383 "));
    }
}

#[test]
fn the_relationship_filter_matches_names() {
    let f = parse_relationship_filter(r#"{"Field":"Name","Value":"fabri","Operator":"starts_with"}"#).unwrap();
    assert!(f("Fabrikam Japan 株式会社"));
    assert!(!f("Contoso"));
    let f = parse_relationship_filter(r#"{"field":"name","value":"japan"}"#).unwrap();
    assert!(f("Fabrikam Japan"));
    assert_eq!(
        parse_relationship_filter(r#"{"Field":"MpnId","Value":"1"}"#)
            .err()
            .unwrap()
            .code,
        900126
    );
    assert_eq!(parse_relationship_filter("nope").err().unwrap().code, 400056);
}
