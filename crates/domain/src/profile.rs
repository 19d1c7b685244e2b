//! Partner profiles: the legal business profile (what verification checks) and the organization
//! profile, with the field limits Partner Center documents for Address and Contact
//! (SDKDOC `utility-resources.md`: AddressLine1 1-200, AddressLine2 0-200, FirstName and
//! LastName 1-50, Country two letters).

use serde::{Deserialize, Serialize};

use crate::FieldError;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    pub country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub city: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    pub address_line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line3: Option<String>,
    pub postal_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    #[serde(default)]
    pub phone_number: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegalBusinessProfile {
    pub company_name: String,
    pub address: Address,
    pub primary_contact: Contact,
    #[serde(default)]
    pub company_approver_address: Option<Address>,
    #[serde(default)]
    pub company_approver_email: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationProfile {
    pub company_name: String,
    pub default_address: Option<Address>,
    pub email: String,
    pub language: String,
    pub culture: String,
}

/// A required text field: trimmed, `min..=max` characters, no control characters.
pub fn text(field: &str, value: &str, min: usize, max: usize) -> Result<String, FieldError> {
    let v = value.trim();
    let n = v.chars().count();
    if n < min {
        return Err(FieldError::new(field, format!("{field} is required")));
    }
    if n > max {
        return Err(FieldError::new(
            field,
            format!("{field} must be at most {max} characters, not {n}"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(v.to_owned())
}

/// An optional text field: empty means absent.
fn opt_text(field: &str, value: &Option<String>, max: usize) -> Result<Option<String>, FieldError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(field, v, 1, max).map(Some),
    }
}

/// An email address as forms accept it: `local@domain.tld`, at most 254 characters.
pub fn email(field: &str, value: &str) -> Result<String, FieldError> {
    let v = text(field, value, 1, 254)?;
    let bad = || FieldError::new(field, format!("'{v}' is not a valid email address"));
    let (local, domain) = v.rsplit_once('@').ok_or_else(bad)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    if local.is_empty() || local.contains(char::is_whitespace) || !domain_ok {
        return Err(bad());
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

fn phone(field: &str, value: &Option<String>) -> Result<Option<String>, FieldError> {
    let v = opt_text(field, value, 40)?;
    if let Some(p) = &v {
        if !p.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) {
            return Err(FieldError::new(
                field,
                format!("{field} may hold digits, spaces and + - ( ) . only"),
            ));
        }
    }
    Ok(v)
}

impl Address {
    /// The address with every field checked and trimmed; field names as Partner Center spells them.
    pub fn validated(&self) -> Result<Address, FieldError> {
        let country = text("country", &self.country, 2, 2)?;
        if !country.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(FieldError::new(
                "country",
                "country must be a two-letter ISO code such as JP",
            ));
        }
        Ok(Address {
            country: country.to_ascii_uppercase(),
            region: opt_text("region", &self.region, 100)?,
            city: text("city", &self.city, 1, 100)?,
            state: opt_text("state", &self.state, 100)?,
            address_line1: text("addressLine1", &self.address_line1, 1, 200)?,
            address_line2: opt_text("addressLine2", &self.address_line2, 200)?,
            address_line3: opt_text("addressLine3", &self.address_line3, 200)?,
            postal_code: text("postalCode", &self.postal_code, 1, 20)?,
            first_name: opt_text("firstName", &self.first_name, 50)?,
            middle_name: opt_text("middleName", &self.middle_name, 50)?,
            last_name: opt_text("lastName", &self.last_name, 50)?,
            phone_number: phone("phoneNumber", &self.phone_number)?,
        })
    }
}

impl Contact {
    pub fn validated(&self) -> Result<Contact, FieldError> {
        Ok(Contact {
            first_name: text("firstName", &self.first_name, 1, 50)?,
            last_name: text("lastName", &self.last_name, 1, 50)?,
            email: email("email", &self.email)?,
            phone_number: phone("phoneNumber", &self.phone_number)?,
        })
    }
}

/// Partner Center limits company names to 256 characters.
pub const MAX_COMPANY_NAME: usize = 256;

impl LegalBusinessProfile {
    /// The approver's address when none of its own is set: the company's address without the
    /// contact's name and phone (as the documented GET shows `companyApproverAddress`).
    pub fn approver_address(&self) -> Address {
        self.company_approver_address.clone().unwrap_or_else(|| Address {
            first_name: None,
            middle_name: None,
            last_name: None,
            phone_number: None,
            ..self.address.clone()
        })
    }

    /// The approver's email when none of its own is set: the primary contact's.
    pub fn approver_email(&self) -> &str {
        self.company_approver_email
            .as_deref()
            .unwrap_or(&self.primary_contact.email)
    }

    /// The profile with its fields checked. An approver equal to the default one (what a GET
    /// showed, echoed back by a GET-then-PUT) is not kept as an approver of its own.
    pub fn validated(&self) -> Result<LegalBusinessProfile, FieldError> {
        let mut p = self.checked()?;
        if p.company_approver_address.is_some()
            && p.company_approver_address
                == Some(
                    LegalBusinessProfile {
                        company_approver_address: None,
                        ..p.clone()
                    }
                    .approver_address(),
                )
        {
            p.company_approver_address = None;
        }
        if p.company_approver_email
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(&p.primary_contact.email))
        {
            p.company_approver_email = None;
        }
        Ok(p)
    }

    fn checked(&self) -> Result<LegalBusinessProfile, FieldError> {
        Ok(LegalBusinessProfile {
            company_name: text("companyName", &self.company_name, 1, MAX_COMPANY_NAME)?,
            address: self.address.validated().map_err(|e| e.within("address"))?,
            primary_contact: self
                .primary_contact
                .validated()
                .map_err(|e| e.within("primaryContact"))?,
            company_approver_address: self
                .company_approver_address
                .as_ref()
                .map(|a| a.validated().map_err(|e| e.within("companyApproverAddress")))
                .transpose()?,
            company_approver_email: match self.company_approver_email.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(e) => Some(email("companyApproverEmail", e)?),
            },
        })
    }
}

impl OrganizationProfile {
    pub fn validated(&self) -> Result<OrganizationProfile, FieldError> {
        Ok(OrganizationProfile {
            company_name: text("companyName", &self.company_name, 1, MAX_COMPANY_NAME)?,
            default_address: self
                .default_address
                .as_ref()
                .map(|a| a.validated().map_err(|e| e.within("defaultAddress")))
                .transpose()?,
            email: email("email", &self.email)?,
            language: text("language", &self.language, 2, 10)?,
            culture: text("culture", &self.culture, 2, 20)?,
        })
    }

    /// What a tenant's organization profile says before anyone edits it.
    pub fn default_for(company_name: &str, country: &str, email: &str) -> OrganizationProfile {
        let (language, culture) = match country {
            "JP" => ("ja", "ja-JP"),
            "US" => ("en", "en-US"),
            c => ("en", if c == "GB" { "en-GB" } else { "en-US" }),
        };
        OrganizationProfile {
            company_name: company_name.to_owned(),
            default_address: None,
            email: email.to_owned(),
            language: language.to_owned(),
            culture: culture.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address() -> Address {
        Address {
            country: "jp".into(),
            city: " 港区 ".into(),
            address_line1: "港南 2-16-3".into(),
            postal_code: "108-0075".into(),
            ..Default::default()
        }
    }

    fn profile() -> LegalBusinessProfile {
        LegalBusinessProfile {
            company_name: "Contoso Japan 株式会社".into(),
            address: address(),
            primary_contact: Contact {
                first_name: "Taro".into(),
                last_name: "Yamada".into(),
                email: "taro@Contoso.CO.JP".into(),
                phone_number: Some("+81 3-1234-5678".into()),
            },
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_profile_is_trimmed_and_normalised() {
        let p = profile().validated().unwrap();
        assert_eq!(p.address.country, "JP");
        assert_eq!(p.address.city, "港区");
        assert_eq!(p.primary_contact.email, "taro@contoso.co.jp");
    }

    #[test]
    fn field_limits_name_the_field() {
        let mut p = profile();
        p.address.address_line1 = "x".repeat(201);
        let e = p.validated().unwrap_err();
        assert_eq!(e.field, "address.addressLine1");
        assert!(e.message.contains("at most 200"), "{}", e.message);

        let mut p = profile();
        p.primary_contact.first_name = "y".repeat(51);
        assert_eq!(p.validated().unwrap_err().field, "primaryContact.firstName");

        let mut p = profile();
        p.primary_contact.email = "not-an-email".into();
        assert_eq!(p.validated().unwrap_err().field, "primaryContact.email");

        let mut p = profile();
        p.address.country = "JPN".into();
        assert_eq!(p.validated().unwrap_err().field, "address.country");

        let mut p = profile();
        p.company_name = "  ".into();
        assert_eq!(p.validated().unwrap_err().field, "companyName");
    }

    #[test]
    fn organization_defaults_follow_the_country() {
        let o = OrganizationProfile::default_for("Contoso", "JP", "admin@contoso.co.jp");
        assert_eq!((o.language.as_str(), o.culture.as_str()), ("ja", "ja-JP"));
        assert!(o.validated().is_ok());
    }
}
