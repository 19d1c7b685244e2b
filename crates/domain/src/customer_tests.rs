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
    }
}

#[test]
fn a_new_customer_needs_a_domain_prefix_a_billing_profile_and_a_phone() {
    let (domain, company, billing) = validate_customer(&new_customer()).unwrap();
    assert_eq!(domain, "wingtiptoys678.onmicrosoft.com");
    assert_eq!(company, "Wingtip Toys 株式会社");
    assert_eq!(
        (billing.first_name.as_str(), billing.last_name.as_str()),
        ("花子", "佐藤")
    );

    let mut n = new_customer();
    n.domain = Some("wingtip-toys.onmicrosoft.com".into());
    assert!(matches!(validate_customer(&n), Err(CustomerError::Field(f)) if f.field == "companyProfile.domain"));

    let mut n = new_customer();
    n.default_address.as_mut().unwrap().phone_number = None;
    match validate_customer(&n) {
        Err(CustomerError::Fault(f)) => assert_eq!(
            (f.code, f.description.as_str()),
            (600051, "Customer phone number is missing")
        ),
        other => panic!("{other:?}"),
    }

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
