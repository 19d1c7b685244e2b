//! Input shapes shared by the control plane, scenario steps and `/v1`: an address and a contact
//! as Partner Center names their fields. The control plane reads them in camelCase; `/v1` reduces every key
//! to lower-case letters and digits first (any casing is accepted there), which the aliases match.
//! Every field is optional here so that a missing one gets the portal's "required" message from
//! the use-case rather than a parser's.

use crate::profile::{Address, Contact};
use serde::Deserialize;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AddressInput {
    pub country: Option<String>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    #[serde(alias = "addressline1")]
    pub address_line1: Option<String>,
    #[serde(alias = "addressline2")]
    pub address_line2: Option<String>,
    #[serde(alias = "addressline3")]
    pub address_line3: Option<String>,
    #[serde(alias = "postalcode")]
    pub postal_code: Option<String>,
    #[serde(alias = "firstname")]
    pub first_name: Option<String>,
    #[serde(alias = "middlename")]
    pub middle_name: Option<String>,
    #[serde(alias = "lastname")]
    pub last_name: Option<String>,
    #[serde(alias = "phonenumber")]
    pub phone_number: Option<String>,
}

impl AddressInput {
    /// Every field null or empty: what the .NET SDK sends for an address it never had
    /// (`"CompanyApproverAddress": {"Country": null, ...}` after a GET without one).
    pub fn is_blank(&self) -> bool {
        [
            &self.country,
            &self.region,
            &self.city,
            &self.state,
            &self.address_line1,
            &self.address_line2,
            &self.address_line3,
            &self.postal_code,
            &self.first_name,
            &self.middle_name,
            &self.last_name,
            &self.phone_number,
        ]
        .iter()
        .all(|v| v.as_deref().is_none_or(|s| s.trim().is_empty()))
    }
}

impl From<AddressInput> for Address {
    fn from(a: AddressInput) -> Address {
        Address {
            country: a.country.unwrap_or_default(),
            region: a.region,
            city: a.city.unwrap_or_default(),
            state: a.state,
            address_line1: a.address_line1.unwrap_or_default(),
            address_line2: a.address_line2,
            address_line3: a.address_line3,
            postal_code: a.postal_code.unwrap_or_default(),
            first_name: a.first_name,
            middle_name: a.middle_name,
            last_name: a.last_name,
            phone_number: a.phone_number,
        }
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContactInput {
    #[serde(alias = "firstname")]
    pub first_name: Option<String>,
    #[serde(alias = "lastname")]
    pub last_name: Option<String>,
    pub email: Option<String>,
    #[serde(alias = "phonenumber")]
    pub phone_number: Option<String>,
}

impl From<ContactInput> for Contact {
    fn from(c: ContactInput) -> Contact {
        Contact {
            first_name: c.first_name.unwrap_or_default(),
            last_name: c.last_name.unwrap_or_default(),
            email: c.email.unwrap_or_default(),
            phone_number: c.phone_number,
        }
    }
}
