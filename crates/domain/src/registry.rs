//! The sandbox's mock public company registry and the comparison the company check makes
//! against it: legal name and address after normalisation (NFKC, 株式会社/(株)/㈱, spacing,
//! full-width digits, hyphens and 丁目/番地/号 in addresses).

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::message::Text;
use crate::profile::Address;

/// A company as the public registry records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryEntry {
    pub company_name: String,
    pub address: Address,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
}

/// Legal forms written short (after NFKC, so ㈱ and （株） arrive as (株)).
const LEGAL_FORMS: [(&str, &str); 5] = [
    ("(株)", "株式会社"),
    ("(有)", "有限会社"),
    ("(合)", "合同会社"),
    ("(同)", "合同会社"),
    ("(資)", "合資会社"),
];

fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2212}' | '\u{FE63}'
    )
}

/// A company name as the registry compares it.
pub fn normalize_name(name: &str) -> String {
    let nfkc: String = name.nfkc().collect();
    // A trailing period is how a CSP enrollment gets past a taken name; the registry ignores it.
    let mut s = nfkc.trim_end().trim_end_matches(['.', '。']).to_owned();
    for (short, long) in LEGAL_FORMS {
        s = s.replace(short, long);
    }
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if is_dash(c) { '-' } else { c.to_ascii_lowercase() })
        .collect()
}

fn kanji_digit(c: char) -> Option<u32> {
    "〇一二三四五六七八九".chars().position(|k| k == c).map(|p| p as u32)
}

/// A kanji numeral as a registry certificate writes block numbers (`二`, `十六`, `二十三`).
fn kanji_number(run: &[char]) -> Option<u32> {
    if run.is_empty() {
        return None;
    }
    if let Some(i) = run.iter().position(|c| *c == '十') {
        let tens = match &run[..i] {
            [] => 1,
            [d] => kanji_digit(*d)?,
            _ => return None,
        };
        let ones = match &run[i + 1..] {
            [] => 0,
            [d] => kanji_digit(*d)?,
            _ => return None,
        };
        return Some(tens * 10 + ones);
    }
    // Checked: a run of a dozen kanji digits must not overflow (it is no block number anyway).
    run.iter()
        .try_fold(0u32, |n, c| n.checked_mul(10)?.checked_add(kanji_digit(*c)?))
}

/// Kanji numerals right before 丁目/番/号 become digits: `二丁目七番二号` -> `2丁目7番2号`.
fn arabic_block_numbers(s: &[char]) -> Vec<char> {
    let is_kanji = |c: char| c == '十' || kanji_digit(c).is_some();
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if is_kanji(s[i]) {
            let end = (i..s.len()).find(|&j| !is_kanji(s[j])).unwrap_or(s.len());
            // 丁目 always numbers a block; 番 and 号 only after one (一番町 is a town's name).
            let after_block = out
                .last()
                .is_some_and(|c: &char| matches!(c, '目' | '番' | '地' | '-') || c.is_ascii_digit());
            let marker = match s.get(end) {
                Some('丁') => true,
                Some('番' | '号') => after_block,
                _ => false,
            };
            match kanji_number(&s[i..end]).filter(|_| marker) {
                Some(n) => out.extend(n.to_string().chars()),
                None => out.extend_from_slice(&s[i..end]),
            }
            i = end;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// An address part as the registry compares it: `港南２丁目１６番３号`, `港南二丁目十六番三号`
/// and `港南 2-16-3` agree.
pub fn normalize_address(part: &str) -> String {
    let s: Vec<char> = part.nfkc().filter(|c| !c.is_whitespace()).collect();
    let s = arabic_block_numbers(&s);
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let after_digit = |out: &String| out.chars().last().is_some_and(|c| c.is_ascii_digit());
    while i < s.len() {
        let c = s[i];
        let rest: String = s[i..s.len().min(i + 2)].iter().collect();
        if after_digit(&out) && (rest == "丁目" || rest == "番地") {
            out.push('-');
            i += 2;
        } else if after_digit(&out) && (c == '番' || c == 'の' || c == 'ー' || is_dash(c)) {
            out.push('-');
            i += 1;
        } else if after_digit(&out) && c == '号' {
            i += 1;
        } else if is_dash(c) {
            out.push('-');
            i += 1;
        } else {
            out.push(c.to_ascii_lowercase());
            i += 1;
        }
    }
    while out.contains("--") {
        out = out.replace("--", "-");
    }
    out.trim_end_matches('-').to_owned()
}

/// Postal codes compare by their digits (`〒108-0075` = `1080075`).
pub fn normalize_postal_code(code: &str) -> String {
    code.nfkc()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// A part of an address that can disagree with the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AddressField {
    Country,
    State,
    City,
    AddressLine,
    PostalCode,
}

impl AddressField {
    pub fn label(self) -> Text {
        let (ja, en) = match self {
            Self::Country => ("国/地域", "country/region"),
            Self::State => ("都道府県", "state/prefecture"),
            Self::City => ("市区町村", "city"),
            Self::AddressLine => ("住所", "address line"),
            Self::PostalCode => ("郵便番号", "postal code"),
        };
        Text::new(ja, en)
    }

    /// The field's value in an address, as written there.
    pub fn value(self, a: &Address) -> String {
        match self {
            Self::Country => a.country.trim().to_owned(),
            Self::State => a.state.as_deref().unwrap_or_default().trim().to_owned(),
            Self::City => a.city.trim().to_owned(),
            Self::AddressLine => format!(
                "{}{}",
                a.address_line1.trim(),
                a.address_line2.as_deref().unwrap_or_default().trim()
            ),
            Self::PostalCode => a.postal_code.trim().to_owned(),
        }
    }
}

/// The address fields that differ from the registry's record.
pub fn address_differences(given: &Address, registered: &Address) -> Vec<AddressField> {
    let line = |a: &Address| {
        normalize_address(&format!(
            "{}{}",
            a.address_line1,
            a.address_line2.as_deref().unwrap_or_default()
        ))
    };
    let opt = |s: &Option<String>| normalize_address(s.as_deref().unwrap_or_default());
    let mut out = Vec::new();
    if !given.country.trim().eq_ignore_ascii_case(registered.country.trim()) {
        out.push(AddressField::Country);
    }
    if opt(&given.state) != opt(&registered.state) {
        out.push(AddressField::State);
    }
    if normalize_address(&given.city) != normalize_address(&registered.city) {
        out.push(AddressField::City);
    }
    if line(given) != line(registered) {
        out.push(AddressField::AddressLine);
    }
    if normalize_postal_code(&given.postal_code) != normalize_postal_code(&registered.postal_code) {
        out.push(AddressField::PostalCode);
    }
    out
}

/// What the registry says about a company as the partner entered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Match,
    /// No company of that name, and none at that address.
    NotFound,
    /// A company of that name is registered at another address: the fields that differ, and the
    /// registry's value of each.
    AddressDiffers(Vec<AddressField>, Vec<String>),
    /// The company registered at that address has another name.
    NameDiffers {
        registered_name: String,
    },
}

pub fn lookup(name: &str, address: &Address, registry: &[RegistryEntry]) -> Lookup {
    let wanted = normalize_name(name);
    let same_name = registry
        .iter()
        .filter(|e| normalize_name(&e.company_name) == wanted)
        .map(|e| (address_differences(address, &e.address), &e.address))
        .min_by_key(|(d, _)| d.len());
    match same_name {
        Some((d, _)) if d.is_empty() => Lookup::Match,
        Some((d, registered)) => {
            let values = d.iter().map(|f| f.value(registered)).collect();
            Lookup::AddressDiffers(d, values)
        }
        None => match registry
            .iter()
            .find(|e| address_differences(address, &e.address).is_empty())
        {
            Some(e) => Lookup::NameDiffers {
                registered_name: e.company_name.clone(),
            },
            None => Lookup::NotFound,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(state: &str, city: &str, line1: &str, postal: &str) -> Address {
        Address {
            country: "JP".into(),
            state: Some(state.into()),
            city: city.into(),
            address_line1: line1.into(),
            postal_code: postal.into(),
            ..Address::default()
        }
    }

    #[test]
    fn long_kanji_numerals_do_not_overflow() {
        // Eleven kanji digits before 丁目 once overflowed u32 and panicked.
        let long = "九".repeat(11);
        let a = normalize_address(&format!("港南{long}丁目"));
        assert!(a.contains(&long), "{a}");
        assert_eq!(normalize_address("港南二丁目"), normalize_address("港南2丁目"));
        assert_eq!(normalize_address(&"九".repeat(40)), "九".repeat(40));
    }

    #[test]
    fn names_agree_across_legal_form_spellings_width_and_spacing() {
        let n = normalize_name("Contoso Japan 株式会社");
        for other in [
            "Contoso Japan (株)",
            "Contoso Japan ㈱",
            "Contoso Japan（株）",
            "ＣＯＮＴＯＳＯ　ＪＡＰＡＮ株式会社",
            "contoso japan 株式会社",
            "Contoso Japan 株式会社.",
            "Contoso Japan 株式会社 ",
            "Contoso Japan株式会社。",
        ] {
            assert_eq!(normalize_name(other), n, "{other}");
        }
        assert_ne!(normalize_name("Contoso Japan 有限会社"), n);
        assert_eq!(normalize_name("(有)山田商店"), normalize_name("有限会社 山田商店"));
    }

    #[test]
    fn addresses_agree_across_chome_banchi_go_and_hyphens() {
        let n = normalize_address("港南 2-16-3");
        for other in [
            "港南２丁目１６番３号",
            "港南2丁目16番地3",
            "港南２－１６－３",
            "港南 2‐16‐3",
            "港南2-16の3",
            "港南２ー１６ー３",
            "港南二丁目十六番三号",
            "港南二丁目16-3",
        ] {
            assert_eq!(normalize_address(other), n, "{other}");
        }
        assert_ne!(normalize_address("港南 2-16-4"), n);
        assert_eq!(normalize_address("丸の内二丁目7番2号"), "丸の内2-7-2");
        assert_eq!(normalize_address("九段北一丁目二十三番"), "九段北1-23");
        // Kanji numerals elsewhere are part of the name.
        assert_eq!(normalize_address("一番町"), "一番町");
        assert_eq!(normalize_address("三田"), "三田");
        assert_eq!(normalize_address("ハーバービル 5F"), "ハーバービル5f");
        assert_eq!(normalize_postal_code("〒１０８－００７５"), "1080075");
    }

    #[test]
    fn lookup_names_what_differs() {
        let registry = vec![RegistryEntry {
            company_name: "Contoso Japan 株式会社".into(),
            address: addr("東京都", "港区", "港南2丁目16番3号", "108-0075"),
            registration_number: None,
        }];
        let here = addr("東京都", "港区", "港南 2-16-3", "1080075");
        assert_eq!(lookup("Contoso Japan ㈱", &here, &registry), Lookup::Match);
        assert_eq!(
            lookup(
                "Contoso Japan 株式会社",
                &addr("東京都", "品川区", "港南 2-16-3", "108-0075"),
                &registry
            ),
            Lookup::AddressDiffers(vec![AddressField::City], vec!["港区".into()])
        );
        assert_eq!(
            lookup("Contoso 株式会社", &here, &registry),
            Lookup::NameDiffers {
                registered_name: "Contoso Japan 株式会社".into()
            }
        );
        assert_eq!(
            lookup(
                "Fabrikam 株式会社",
                &addr("大阪府", "大阪市", "1-1", "530-0001"),
                &registry
            ),
            Lookup::NotFound
        );
        assert_eq!(lookup("Contoso Japan 株式会社", &here, &[]), Lookup::NotFound);
    }
}
