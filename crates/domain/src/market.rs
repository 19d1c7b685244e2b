//! Market data: the address rules of a country (`GET /v1/countryvalidationrules/{country}`) and
//! the address check built on them (`POST /v1/validations/address`).
//!
//! Sources, in the shape of the CountryValidationRules resource (SDKDOC
//! `country-information-resources.md`, flat `*List` arrays; the older `states.value` shape of
//! `get-market-specific-validation-data.md` is the 2015 one):
//! - US: a recorded real answer (microsoft/Partner-Center-PowerShell@8fbf334,
//!   `test/PowerShell.UnitTests/SessionRecords/GetPartnerCountryValidation.json`);
//! - DE, GB, CN: the same module's 2018 test fixtures (@7cb1efb, `GetCountryValidationRules-*.json`);
//! - JP: pcsandbox's own (no published answer): 47 prefectures by their ISO 3166-2 numbers,
//!   postal codes `123-4567`, calling code 81.
//!
//! Other countries have no rules here and say so (404 with the list).

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CountryRules {
    pub iso2_code: &'static str,
    pub default_culture: &'static str,
    pub is_state_required: bool,
    pub supported_states_list: &'static [&'static str],
    pub supported_languages_list: &'static [&'static str],
    pub supported_cultures_list: &'static [&'static str],
    pub is_postal_code_required: bool,
    pub postal_code_regex: &'static str,
    pub is_city_required: bool,
    pub is_vat_id_supported: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_id_format: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vat_id_regex: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number_regex: Option<&'static str>,
    pub is_tax_id_supported: bool,
    pub is_tax_id_optional: bool,
    pub country_calling_codes_list: &'static [&'static str],
}

const US_STATES: &[&str] = &[
    "AK", "AL", "AR", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "HI", "IA", "ID", "IL", "IN", "KS", "KY", "LA",
    "MA", "MD", "ME", "MI", "MN", "MO", "MS", "MT", "NC", "ND", "NE", "NH", "NJ", "NM", "NV", "NY", "OH", "OK", "OR",
    "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VA", "VT", "WA", "WI", "WV", "WY",
];

const CN_STATES: &[&str] = &[
    "AH", "BJ", "CQ", "FJ", "GD", "GS", "GX", "GZ", "HA", "HB", "HE", "HI", "HL", "HN", "JL", "JS", "JX", "LN", "NM",
    "NX", "QH", "SC", "SD", "SH", "SN", "SX", "TJ", "XJ", "XZ", "YN", "ZJ",
];

/// ISO 3166-2:JP, in order (01 北海道 .. 47 沖縄県).
const JP_PREFECTURES: &[&str] = &[
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

pub const COUNTRIES: &[CountryRules] = &[
    CountryRules {
        iso2_code: "US",
        default_culture: "en-US",
        is_state_required: true,
        supported_states_list: US_STATES,
        supported_languages_list: &["en", "es"],
        supported_cultures_list: &["en-US", "es-US"],
        is_postal_code_required: true,
        postal_code_regex: r"^\d{5}(-\d{4})?$",
        is_city_required: true,
        is_vat_id_supported: false,
        tax_id_format: None,
        vat_id_regex: None,
        phone_number_regex: Some(r"^(1[ \-\/\.]?)?(\((\d{3})\)|(\d{3}))[ \-\/\.]?(\d{3})[ \-\/\.]?(\d{4})$"),
        is_tax_id_supported: true,
        is_tax_id_optional: true,
        country_calling_codes_list: &["1"],
    },
    CountryRules {
        iso2_code: "JP",
        default_culture: "ja-JP",
        is_state_required: true,
        supported_states_list: JP_PREFECTURES,
        supported_languages_list: &["ja", "en"],
        supported_cultures_list: &["ja-JP", "en-US"],
        is_postal_code_required: true,
        postal_code_regex: r"^\d{3}-?\d{4}$",
        is_city_required: true,
        is_vat_id_supported: false,
        tax_id_format: None,
        vat_id_regex: None,
        phone_number_regex: None,
        is_tax_id_supported: false,
        is_tax_id_optional: true,
        country_calling_codes_list: &["81"],
    },
    CountryRules {
        iso2_code: "DE",
        default_culture: "de-DE",
        is_state_required: false,
        supported_states_list: &[],
        supported_languages_list: &["en", "de"],
        supported_cultures_list: &["de-DE", "en-US"],
        is_postal_code_required: true,
        postal_code_regex: r"^[0-9]{5,5}$",
        is_city_required: true,
        is_vat_id_supported: true,
        tax_id_format: Some("DE#########"),
        vat_id_regex: Some(r"^DE[\d]{9,9}$"),
        phone_number_regex: None,
        is_tax_id_supported: false,
        is_tax_id_optional: true,
        country_calling_codes_list: &["49"],
    },
    CountryRules {
        iso2_code: "GB",
        default_culture: "en-GB",
        is_state_required: false,
        supported_states_list: &[],
        supported_languages_list: &["en"],
        supported_cultures_list: &["en-GB", "en-US"],
        is_postal_code_required: true,
        postal_code_regex: r"^([gG][iI][rR][ ]?0[aA]{2,2}|[a-zA-Z]([0-9][0-9a-zA-Z]?|[a-zA-Z][0-9][0-9a-zA-Z]?)[ ]?[0-9][a-zA-Z]{2,2})$",
        is_city_required: true,
        is_vat_id_supported: true,
        tax_id_format: Some("GB#########"),
        vat_id_regex: Some(r"^GB(([\d]{3,3}[\d]{4,4}[\d]{2,2}([\d]{3,3})?)|((GD|HA)[\d]{3,3}))$"),
        phone_number_regex: None,
        is_tax_id_supported: false,
        is_tax_id_optional: true,
        country_calling_codes_list: &["44"],
    },
    CountryRules {
        iso2_code: "CN",
        default_culture: "zh-CN",
        is_state_required: true,
        supported_states_list: CN_STATES,
        supported_languages_list: &["zh-CHS", "en"],
        supported_cultures_list: &["zh-CN", "en-US"],
        is_postal_code_required: true,
        postal_code_regex: r"^[0-9]{6,6}$",
        is_city_required: true,
        is_vat_id_supported: false,
        tax_id_format: None,
        vat_id_regex: None,
        phone_number_regex: None,
        is_tax_id_supported: false,
        is_tax_id_optional: false,
        country_calling_codes_list: &["86"],
    },
];

/// The countries with rules, for messages.
pub fn known_countries() -> String {
    COUNTRIES.iter().map(|c| c.iso2_code).collect::<Vec<_>>().join(", ")
}

pub fn rules(country: &str) -> Option<&'static CountryRules> {
    COUNTRIES
        .iter()
        .find(|c| c.iso2_code.eq_ignore_ascii_case(country.trim()))
}

/// An address as `POST /v1/validations/address` carries it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PostalAddress {
    pub country: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub city: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    pub address_line1: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line3: Option<String>,
    pub postal_code: String,
}

/// The AddressValidationResponse `status` values (SDKDOC `validate-an-address.md`, 2021
/// revision). The wire spellings `VerifiedShippable` and `StreetPartial` are the documented
/// examples'; `None` and `NotValidated` follow the same PascalCase of the prose names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressStatus {
    VerifiedShippable,
    StreetPartial,
    None,
    NotValidated,
}

impl AddressStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifiedShippable => "VerifiedShippable",
            Self::StreetPartial => "StreetPartial",
            Self::None => "None",
            Self::NotValidated => "NotValidated",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressValidation {
    pub original: PostalAddress,
    pub suggested: Vec<PostalAddress>,
    pub status: AddressStatus,
    pub message: Option<String>,
}

fn matches(regex: &str, value: &str) -> bool {
    regex_lite::Regex::new(regex).is_ok_and(|r| r.is_match(value))
}

/// Checks an address against its country's rules: every field the rules ask for, the postal
/// code's pattern and the state list (the documented examples call the state `Region` in
/// the message). Each field that breaks a rule is named; a street without a house number is
/// `StreetPartial`; an address of a country without rules is `NotValidated`.
///
/// The caller has checked that `addressLine1`, `city` and `country` are present.
pub fn validate_address(a: &PostalAddress) -> AddressValidation {
    let Some(rules) = rules(&a.country) else {
        return AddressValidation {
            original: a.clone(),
            suggested: Vec::new(),
            status: AddressStatus::NotValidated,
            message: Some(format!(
                "pcsandbox has no address rules for {}; it knows {}.",
                a.country,
                known_countries()
            )),
        };
    };
    let mut bad = Vec::new();
    let state = a.state.as_deref().or(a.region.as_deref()).map(str::trim).unwrap_or("");
    let canonical_state = rules
        .supported_states_list
        .iter()
        .find(|s| s.eq_ignore_ascii_case(state))
        .copied();
    if rules.is_state_required && canonical_state.is_none() {
        bad.push("Region");
    }
    let postal = a.postal_code.trim();
    if (rules.is_postal_code_required || !postal.is_empty()) && !matches(rules.postal_code_regex, postal) {
        bad.push("PostalCode");
    }
    if rules.is_city_required && a.city.trim().is_empty() {
        bad.push("City");
    }
    let suggestion = PostalAddress {
        country: rules.iso2_code.to_owned(),
        state: canonical_state.map(str::to_owned).or_else(|| a.state.clone()),
        city: a.city.trim().to_owned(),
        address_line1: a.address_line1.trim().to_owned(),
        postal_code: postal.to_owned(),
        region: None,
        address_line2: a.address_line2.clone(),
        address_line3: a.address_line3.clone(),
    };
    let has_number = a
        .address_line1
        .chars()
        .any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c));
    let (status, message, suggested) = if !bad.is_empty() {
        let names: Vec<String> = bad.iter().map(|b| format!("'{b}'")).collect();
        (
            AddressStatus::None,
            Some(format!("Address field invalid for property: {}", names.join(", "))),
            Vec::new(),
        )
    } else if !has_number {
        // The street matched but not the premises: the address as it would be kept, for the
        // user to complete.
        (
            AddressStatus::StreetPartial,
            Some("Address field invalid for property: 'AddressLine1'".to_owned()),
            vec![suggestion],
        )
    } else {
        (AddressStatus::VerifiedShippable, None, vec![suggestion])
    };
    AddressValidation {
        original: a.clone(),
        suggested,
        status,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redmond(line1: &str, state: &str, postal: &str) -> PostalAddress {
        PostalAddress {
            country: "US".into(),
            city: "Redmond".into(),
            state: Some(state.into()),
            address_line1: line1.into(),
            postal_code: postal.into(),
            ..Default::default()
        }
    }

    #[test]
    fn every_rule_set_compiles_and_the_documented_values_pass() {
        for c in COUNTRIES {
            assert!(regex_lite::Regex::new(c.postal_code_regex).is_ok(), "{}", c.iso2_code);
            for r in [c.vat_id_regex, c.phone_number_regex].into_iter().flatten() {
                assert!(regex_lite::Regex::new(r).is_ok(), "{}: {r}", c.iso2_code);
            }
        }
        assert!(matches(rules("us").unwrap().postal_code_regex, "98052-8300"));
        assert!(matches(rules("JP").unwrap().postal_code_regex, "108-0075"));
        assert!(matches(rules("GB").unwrap().postal_code_regex, "SW1A 1AA"));
        assert!(rules("FR").is_none());
        assert_eq!(JP_PREFECTURES.len(), 47);
    }

    #[test]
    fn addresses_are_verified_partial_or_named_by_their_bad_fields() {
        let ok = validate_address(&redmond("1 Microsoft Way", "wa", "98052"));
        assert_eq!(ok.status, AddressStatus::VerifiedShippable);
        assert_eq!(ok.suggested[0].state.as_deref(), Some("WA"));
        let partial = validate_address(&redmond("Microsoft Way", "WA", "98052"));
        assert_eq!(partial.status, AddressStatus::StreetPartial);
        let bad = validate_address(&redmond("1 Microsoft Way", "ZZ", "9805"));
        assert_eq!(bad.status, AddressStatus::None);
        assert_eq!(
            bad.message.as_deref(),
            Some("Address field invalid for property: 'Region', 'PostalCode'")
        );
        let jp = PostalAddress {
            country: "JP".into(),
            state: Some("東京都".into()),
            city: "港区".into(),
            address_line1: "港南 2-16-3".into(),
            postal_code: "108-0075".into(),
            ..Default::default()
        };
        assert_eq!(validate_address(&jp).status, AddressStatus::VerifiedShippable);
        let fr = PostalAddress {
            country: "FR".into(),
            ..jp
        };
        assert_eq!(validate_address(&fr).status, AddressStatus::NotValidated);
    }
}
