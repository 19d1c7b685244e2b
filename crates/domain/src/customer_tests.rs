use chrono::TimeZone;

use super::*;

fn address() -> Address {
    Address {
        country: "JP".into(),
        city: "港区".into(),
        state: Some("東京都".into()),
        address_line1: "港南 2-16-3".into(),
        postal_code: "108-0075".into(),
        first_name: Some("花子".into()),
        last_name: Some("佐藤".into()),
        phone_number: Some("03-0000-0000".into()),
        ..Default::default()
    }
}

fn new_customer() -> NewCustomer {
    NewCustomer {
        domain: Some("WingtipToys678".into()),
        company_name: None,
        first_name: None,
        last_name: None,
        email: Some("hanako@wingtip.co.jp".into()),
        culture: Some("ja-JP".into()),
        language: Some("ja".into()),
        billing_company_name: Some("Wingtip Toys 株式会社".into()),
        default_address: Some(address()),
        organization_registration_number: None,
    }
}

#[test]
fn a_new_customer_needs_a_domain_prefix_a_billing_profile_and_a_phone() {
    let v = validate_customer(&new_customer()).unwrap();
    assert_eq!(v.domain, "wingtiptoys678.onmicrosoft.com");
    assert_eq!(v.company_name, "Wingtip Toys 株式会社");
    assert_eq!(
        (v.billing.first_name.as_str(), v.billing.last_name.as_str()),
        ("花子", "佐藤")
    );

    let mut n = new_customer();
    n.domain = Some("wingtip-toys.onmicrosoft.com".into());
    assert!(matches!(validate_customer(&n), Err(CustomerError::Field(f)) if f.field == "companyProfile.domain"));

    // The phone is required only in the countries error-codes.md lists (600051).
    let mut n = new_customer();
    n.default_address.as_mut().unwrap().phone_number = None;
    assert!(validate_customer(&n).is_ok());
    n.default_address.as_mut().unwrap().country = "RU".into();
    n.organization_registration_number = Some("1234567".into());
    match validate_customer(&n) {
        Err(CustomerError::Fault(f)) => assert_eq!(
            (f.code, f.description.as_str()),
            (600051, "Customer phone number is missing")
        ),
        other => panic!("{other:?}"),
    }
    n.default_address.as_mut().unwrap().phone_number = Some("+7 495 000 00 00".into());
    assert_eq!(
        validate_customer(&n)
            .unwrap()
            .organization_registration_number
            .as_deref(),
        Some("1234567")
    );
    n.organization_registration_number = None;
    assert!(matches!(validate_customer(&n), Err(CustomerError::Fault(f)) if f.code == 600049));
    let mut n = new_customer();
    n.organization_registration_number = Some("1234567".into());
    assert!(matches!(validate_customer(&n), Err(CustomerError::Fault(f)) if f.code == 600002));

    let mut n = new_customer();
    n.email = Some("not an email".into());
    assert!(matches!(validate_customer(&n), Err(CustomerError::Field(f)) if f.field == "billingProfile.email"));
}

#[test]
fn the_customer_filter_reads_partner_center_json() {
    let f =
        parse_customer_filter(r#"{"Field":"IndirectReseller","Value":"484e548c","Operator":"starts_with"}"#).unwrap();
    assert_eq!(f, CustomerFilter::IndirectReseller("484e548c".into()));
    assert!(parse_customer_filter("not json").is_err());
    assert_eq!(
        parse_customer_filter(r#"{"Field":"Colour","Value":"x","Operator":"starts_with"}"#)
            .unwrap_err()
            .code,
        900126
    );
    assert_eq!(
        parse_customer_filter(r#"{"Field":"Domain","Value":"x","Operator":"equals"}"#)
            .unwrap_err()
            .code,
        900126
    );
}

#[test]
fn agreement_metadata_defaults_to_the_cloud_agreement() {
    let ids = |t| {
        agreement_templates(t)
            .unwrap()
            .iter()
            .map(|t| t.agreement_type.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(None), ["MicrosoftCloudAgreement"]);
    assert_eq!(
        ids(Some("*")),
        ["MicrosoftCloudAgreement", "MicrosoftCustomerAgreement"]
    );
    assert_eq!(ids(Some("microsoftcustomeragreement")), ["MicrosoftCustomerAgreement"]);
    assert_eq!(
        agreement_templates(Some("MicrosoftPartnerAgreement")).unwrap_err().code,
        900126
    );
}

#[test]
fn an_attestation_is_refused_when_the_same_one_exists() {
    let now = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
    let user = UserId(uuid::Uuid::nil());
    let n = NewAttestation {
        primary_contact: Some(Contact {
            first_name: "Tania".into(),
            last_name: "Carr".into(),
            email: "someone@example.com".into(),
            phone_number: Some("1234567890".into()),
        }),
        template_id: Some("117a77b0-9360-443b-8795-c6dedc750cf9".into()),
        date_agreed: Some("2018-06-14T00:00:00.000Z".into()),
        agreement_type: Some("MicrosoftCustomerAgreement".into()),
    };
    let a = attest(&[], &n, user, now).unwrap();
    assert_eq!(a.date_agreed, Utc.with_ymd_and_hms(2018, 6, 14, 0, 0, 0).unwrap());
    match attest(std::slice::from_ref(&a), &n, user, now) {
        Err(CustomerError::Fault(f)) => {
            assert_eq!(f.code, 600061);
            assert_eq!(
                f.description,
                "A partner confirmed agreement already exists for the customer."
            );
            assert_eq!(f.error_name, Some("PartnerConfirmedAgreementAlreadyExists"));
        }
        other => panic!("{other:?}"),
    }
    let mut other_phone = n.clone();
    other_phone.primary_contact.as_mut().unwrap().phone_number = Some("999".into());
    assert!(attest(std::slice::from_ref(&a), &other_phone, user, now).is_ok());

    let mut wrong = n.clone();
    wrong.template_id = Some("998b88de-aa99-4388-a42c-1b3517d49490".into());
    assert!(matches!(attest(&[], &wrong, user, now), Err(CustomerError::Field(f)) if f.field == "templateId"));
    let mut future = n.clone();
    future.date_agreed = Some("2030-01-01T00:00:00".into());
    assert!(matches!(attest(&[], &future, user, now), Err(CustomerError::Field(f)) if f.field == "dateAgreed"));
}

#[test]
fn cultures_are_normalised_as_partner_center_returns_them() {
    assert_eq!(culture("c", "EN-US").unwrap(), "en-US");
    assert_eq!(culture("c", "ja-jp").unwrap(), "ja-JP");
    assert_eq!(culture("c", "en").unwrap(), "en");
    assert!(culture("c", "english (US)").is_err());
    assert!(culture("c", "").is_err());
}

fn customer() -> Customer {
    let v = validate_customer(&new_customer()).unwrap();
    Customer {
        id: TenantId(uuid::Uuid::from_u128(1)),
        commerce_id: uuid::Uuid::from_u128(2),
        partner_tenant_id: TenantId(uuid::Uuid::from_u128(3)),
        associated_partner_id: None,
        domain: v.domain,
        company_name: v.company_name,
        billing_profile: v.billing,
        created_at: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
        relationship_to_partner: RelationshipToPartner::Reseller,
        allow_delegated_access: true,
        organization_registration_number: None,
        mca_signed_directly_at: None,
    }
}

#[test]
fn billing_updates_need_the_current_etag_and_keep_the_country() {
    let c = customer();
    let etag = c.billing_profile.etag();
    assert!(etag.parse::<i64>().is_ok(), "a signed number as documented: {etag}");
    let u = BillingUpdate {
        company_name: Some("Wingtip Toys KK".into()),
        etag: Some(format!("\"{etag}\"")),
        ..Default::default()
    };
    let b = update_billing(&c.billing_profile, &u).unwrap();
    assert_eq!(b.company_name, "Wingtip Toys KK");
    assert_eq!(b.email, c.billing_profile.email);
    assert_ne!(b.etag(), etag, "the etag follows the profile");
    for stale in [None, Some("123".to_owned())] {
        let u = BillingUpdate {
            etag: stale,
            ..u.clone()
        };
        assert!(matches!(update_billing(&c.billing_profile, &u), Err(CustomerError::Fault(f)) if f.code == 2055));
    }
    let mut moved = c.billing_profile.default_address.clone();
    moved.country = "US".into();
    let u = BillingUpdate {
        default_address: Some(moved),
        etag: Some(etag),
        ..Default::default()
    };
    assert!(
        matches!(update_billing(&c.billing_profile, &u), Err(CustomerError::Field(f)) if f.field == "defaultAddress.country")
    );
}

#[test]
fn patches_only_remove_relationships() {
    let c = customer();
    let none = CustomerPatch {
        relationship_to_partner: Some("none".into()),
        ..Default::default()
    };
    assert_eq!(
        apply_patch(&c, &none).unwrap().relationship_to_partner,
        RelationshipToPartner::None
    );
    let no_dap = CustomerPatch {
        allow_delegated_access: Some(false),
        ..Default::default()
    };
    let d = apply_patch(&c, &no_dap).unwrap();
    assert!(!d.allow_delegated_access);
    let back = CustomerPatch {
        allow_delegated_access: Some(true),
        ..Default::default()
    };
    assert!(apply_patch(&d, &back).is_err());
    assert!(apply_patch(&c, &CustomerPatch::default()).is_err());
    let bad = CustomerPatch {
        relationship_to_partner: Some("friend".into()),
        ..Default::default()
    };
    assert!(matches!(apply_patch(&c, &bad), Err(CustomerError::Fault(f)) if f.code == 900126));
}

#[test]
fn customer_agreements_default_to_the_cloud_agreement() {
    assert_eq!(
        attestation_filter(None).unwrap(),
        Some(CustomerAgreementType::MicrosoftCloudAgreement)
    );
    assert_eq!(
        attestation_filter(Some(" ")).unwrap(),
        Some(CustomerAgreementType::MicrosoftCloudAgreement)
    );
    assert_eq!(attestation_filter(Some("*")).unwrap(), None);
    assert_eq!(
        attestation_filter(Some("microsoftcustomeragreement")).unwrap(),
        Some(CustomerAgreementType::MicrosoftCustomerAgreement)
    );
    assert_eq!(attestation_filter(Some("MPA")).unwrap_err().code, 900126);
}
