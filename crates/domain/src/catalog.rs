//! The built-in new-commerce catalog: a handful of Microsoft 365, Teams and Azure products with
//! their SKUs, availabilities, terms and prices in JPY (Japan) and USD (United States).
//!
//! Shapes follow SDKDOC `product-resources.md` (Product, Sku, Availability, terms with
//! `cancellationPolicies`); product IDs, titles and the Business Basic SKU/availability come from
//! the docs' examples (`get-a-sku-by-id.md`, `get-an-availability-by-id.md`). The other
//! availability IDs, the term IDs and the prices are the sandbox's own: the real catalog's
//! availability IDs change and its prices are per partner. `provisioningId` is the Entra license
//! SKU ID (`skuId` of subscribedskus and licenseupdates). A scenario adds products of its own
//! (`catalog:`), which its sandbox's catalog sells beside these.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// A term of an availability: its duration and how it is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    pub id: &'static str,
    /// `P1M`, `P1Y`.
    pub duration: &'static str,
    /// `monthly` or `annual` (the cart's `billingCycle`).
    pub billing_cycle: &'static str,
    pub description: &'static str,
}

pub const TERMS: [Term; 3] = [
    Term {
        id: "p1m-monthly",
        duration: "P1M",
        billing_cycle: "monthly",
        description: "One-Month commitment for monthly billing",
    },
    Term {
        id: "p1y-monthly",
        duration: "P1Y",
        billing_cycle: "monthly",
        description: "One-Year commitment for monthly/yearly billing",
    },
    Term {
        id: "p1y-annual",
        duration: "P1Y",
        billing_cycle: "annual",
        description: "One-Year commitment for monthly/yearly billing",
    },
];

/// The hours after a purchase (or a renewal, or added seats) in which it may be cancelled or
/// reduced, with a full refund: 7 days (new commerce).
pub const REFUND_WINDOW_HOURS: i64 = 168;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriceDef {
    pub country: &'static str,
    pub currency: &'static str,
    pub symbol: &'static str,
    /// Per licence and month: a one-month term, and a one-year term.
    pub monthly_p1m: f64,
    pub monthly_p1y: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkuDef {
    pub id: &'static str,
    pub title: &'static str,
    pub min_quantity: u32,
    pub max_quantity: u32,
    pub availability_id: &'static str,
    /// The Entra license SKU (`provisioningId`, `subscribedskus` `productSku.id`).
    pub license_sku_id: &'static str,
    /// The Entra SKU part number (`productSku.skuPartNumber`).
    pub sku_part_number: &'static str,
    /// Licence-based (seats) or usage-based (Azure plan: no term, quantity 1).
    pub licensed: bool,
    pub prices: &'static [PriceDef],
    /// `{productId}:{skuId}` this SKU may upgrade to.
    pub upgrade_targets: &'static [&'static str],
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProductDef {
    pub id: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// `OnlineServicesNCE` or `Azure`.
    pub product_type: &'static str,
    /// The `targetView` that lists it.
    pub target_view: &'static str,
    pub skus: &'static [SkuDef],
}

const fn jp_us(jpy_p1m: f64, jpy_p1y: f64, usd_p1m: f64, usd_p1y: f64) -> [PriceDef; 2] {
    [
        PriceDef {
            country: "JP",
            currency: "JPY",
            symbol: "¥",
            monthly_p1m: jpy_p1m,
            monthly_p1y: jpy_p1y,
        },
        PriceDef {
            country: "US",
            currency: "USD",
            symbol: "$",
            monthly_p1m: usd_p1m,
            monthly_p1y: usd_p1y,
        },
    ]
}

const BASIC: [PriceDef; 2] = jp_us(1079.0, 899.0, 7.2, 6.0);
const STANDARD: [PriceDef; 2] = jp_us(2249.0, 1874.0, 15.0, 12.5);
const PREMIUM: [PriceDef; 2] = jp_us(3958.0, 3298.0, 26.4, 22.0);
const E3: [PriceDef; 2] = jp_us(6476.0, 5397.0, 43.2, 36.0);
const TEAMS: [PriceDef; 2] = jp_us(719.0, 599.0, 4.8, 4.0);
const AZURE: [PriceDef; 2] = jp_us(0.0, 0.0, 0.0, 0.0);

const BUILTIN: &[ProductDef] = &[
    ProductDef {
        id: "CFQ7TTC0LH18",
        title: "Microsoft 365 Business Basic",
        description: "Best for businesses that need professional email, cloud file storage, and online meetings & chat. Desktop versions of Office apps like Excel, Word, and PowerPoint not included. For businesses with up to 300 employees.",
        product_type: "OnlineServicesNCE",
        target_view: "OnlineServices",
        skus: &[SkuDef {
            id: "0001",
            title: "Microsoft 365 Business Basic",
            min_quantity: 1,
            max_quantity: 300,
            availability_id: "CFQ7TTC0K971",
            license_sku_id: "3b555118-da6a-4418-894f-7df1e2096870",
            sku_part_number: "O365_BUSINESS_ESSENTIALS",
            licensed: true,
            prices: &BASIC,
            upgrade_targets: &["CFQ7TTC0LDPB:0001", "CFQ7TTC0LCHC:0001"],
        }],
    },
    ProductDef {
        id: "CFQ7TTC0LDPB",
        title: "Microsoft 365 Business Standard",
        description: "Everything that small and medium businesses need to run and grow their business. Desktop versions of Office apps with premium features. For businesses with up to 300 employees.",
        product_type: "OnlineServicesNCE",
        target_view: "OnlineServices",
        skus: &[SkuDef {
            id: "0001",
            title: "Microsoft 365 Business Standard",
            min_quantity: 1,
            max_quantity: 300,
            availability_id: "CFQ7TTC0LDPBA1",
            license_sku_id: "f245ecc8-75af-4f8e-b61f-27d8114de5f3",
            sku_part_number: "O365_BUSINESS_PREMIUM",
            licensed: true,
            prices: &STANDARD,
            upgrade_targets: &["CFQ7TTC0LCHC:0001"],
        }],
    },
    ProductDef {
        id: "CFQ7TTC0LCHC",
        title: "Microsoft 365 Business Premium",
        description: "Everything in Business Standard plus advanced security, access and data control, and cyberthreat protection. For businesses with up to 300 employees.",
        product_type: "OnlineServicesNCE",
        target_view: "OnlineServices",
        skus: &[SkuDef {
            id: "0002",
            title: "Microsoft 365 Business Premium",
            min_quantity: 1,
            max_quantity: 300,
            availability_id: "CFQ7TTC0LCHCA1",
            license_sku_id: "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46",
            sku_part_number: "SPB",
            licensed: true,
            prices: &PREMIUM,
            upgrade_targets: &[],
        }],
    },
    ProductDef {
        id: "CFQ7TTC0LFLX",
        title: "Microsoft 365 E3",
        description: "Productivity apps and intelligent cloud services, with enterprise-grade security and compliance.",
        product_type: "OnlineServicesNCE",
        target_view: "OnlineServices",
        skus: &[SkuDef {
            id: "0002",
            title: "Microsoft 365 E3",
            min_quantity: 1,
            max_quantity: 10_000,
            availability_id: "CFQ7TTC0LFLXA1",
            license_sku_id: "05e9a617-0261-4cee-bb44-138d3ef5d965",
            sku_part_number: "SPE_E3",
            licensed: true,
            prices: &E3,
            upgrade_targets: &[],
        }],
    },
    ProductDef {
        id: "CFQ7TTC0RM8K",
        title: "Microsoft Teams Essentials",
        description: "Online meetings, chat and file storage for small businesses, without Office apps.",
        product_type: "OnlineServicesNCE",
        target_view: "OnlineServices",
        skus: &[SkuDef {
            id: "0001",
            title: "Microsoft Teams Essentials",
            min_quantity: 1,
            max_quantity: 300,
            availability_id: "CFQ7TTC0RM8KA1",
            license_sku_id: "3ab6abff-666f-4424-bfb7-f0bc274ec7bc",
            sku_part_number: "TEAMS_ESSENTIALS_AAD",
            licensed: true,
            prices: &TEAMS,
            upgrade_targets: &["CFQ7TTC0LH18:0001"],
        }],
    },
    ProductDef {
        id: "DZH318Z0BPS6",
        title: "Azure plan",
        description: "Azure plan: pay-as-you-go Azure consumption billed monthly.",
        product_type: "Azure",
        target_view: "MicrosoftAzure",
        skus: &[SkuDef {
            id: "0001",
            title: "Azure plan",
            min_quantity: 1,
            max_quantity: 1,
            availability_id: "DZH318Z0BPS6A1",
            license_sku_id: "",
            sku_part_number: "",
            licensed: false,
            prices: &AZURE,
            upgrade_targets: &[],
        }],
    },
];

/// Every `targetView` the real catalog takes (SDKDOC `get-a-list-of-products.md`); the
/// sandbox's products are under `OnlineServices` and `MicrosoftAzure`, the others are empty
/// unless a scenario adds products to them.
pub const TARGET_VIEWS: &[&str] = &[
    "Azure",
    "AzureReservations",
    "AzureReservationsVM",
    "AzureReservationsSQL",
    "AzureReservationsCosmosDb",
    "MicrosoftAzure",
    "OnlineServices",
    "Software",
    "SoftwareSUSELinux",
    "SoftwarePerpetual",
    "SoftwareSubscriptions",
    "SpecializedOffers",
    "MarketplaceSaaS",
];

/// The countries the built-in catalog sells in.
pub const COUNTRIES: &[&str] = &["JP", "US"];

pub fn target_view(raw: &str) -> Option<&'static str> {
    TARGET_VIEWS
        .iter()
        .copied()
        .find(|v| v.eq_ignore_ascii_case(raw.trim()))
}

/// A price list entry: per licence and month, for a one-month and a one-year term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Price {
    pub country: String,
    pub currency: String,
    #[serde(default)]
    pub symbol: String,
    /// Per licence and month with a one-month term.
    pub monthly_p1m: f64,
    /// Per licence and month with a one-year term.
    pub monthly_p1y: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Sku {
    pub id: String,
    pub title: String,
    #[serde(default = "one")]
    pub min_quantity: u32,
    #[serde(default = "three_hundred")]
    pub max_quantity: u32,
    /// Left out: `{productId}{skuId}` (the real catalog's are opaque).
    #[serde(default)]
    pub availability_id: String,
    /// The Entra licence SKU; left out for a licence-based SKU: a GUID derived from the ids.
    #[serde(default)]
    pub license_sku_id: String,
    #[serde(default)]
    pub sku_part_number: String,
    /// Licence-based (seats, terms P1M and P1Y) or usage-based (no term, quantity 1).
    #[serde(default = "yes")]
    pub licensed: bool,
    pub prices: Vec<Price>,
    /// `{productId}:{skuId}` this SKU may upgrade to.
    #[serde(default)]
    pub upgrade_targets: Vec<String>,
}

fn one() -> u32 {
    1
}
fn three_hundred() -> u32 {
    300
}
fn yes() -> bool {
    true
}
fn online_services() -> String {
    "OnlineServices".into()
}
fn nce() -> String {
    "OnlineServicesNCE".into()
}

/// A product: built in, or added by a scenario (`catalog:` in its YAML).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Product {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// `OnlineServicesNCE` (the default) or `Azure`.
    #[serde(default = "nce")]
    pub product_type: String,
    /// The `targetView` that lists it (default `OnlineServices`).
    #[serde(default = "online_services")]
    pub target_view: String,
    pub skus: Vec<Sku>,
}

/// The most products a scenario adds to its sandbox's catalog, and SKUs per product.
pub const MAX_EXTRA_PRODUCTS: usize = 100;
pub const MAX_SKUS: usize = 20;

impl From<&ProductDef> for Product {
    fn from(p: &ProductDef) -> Product {
        Product {
            id: p.id.into(),
            title: p.title.into(),
            description: p.description.into(),
            product_type: p.product_type.into(),
            target_view: p.target_view.into(),
            skus: p
                .skus
                .iter()
                .map(|s| Sku {
                    id: s.id.into(),
                    title: s.title.into(),
                    min_quantity: s.min_quantity,
                    max_quantity: s.max_quantity,
                    availability_id: s.availability_id.into(),
                    license_sku_id: s.license_sku_id.into(),
                    sku_part_number: s.sku_part_number.into(),
                    licensed: s.licensed,
                    prices: s
                        .prices
                        .iter()
                        .map(|x| Price {
                            country: x.country.into(),
                            currency: x.currency.into(),
                            symbol: x.symbol.into(),
                            monthly_p1m: x.monthly_p1m,
                            monthly_p1y: x.monthly_p1y,
                        })
                        .collect(),
                    upgrade_targets: s.upgrade_targets.iter().map(|t| (*t).to_owned()).collect(),
                })
                .collect(),
        }
    }
}

/// A sandbox's catalog: the built-in products and those its scenario adds.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    pub products: Vec<Product>,
}

static BUILTIN_CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();

fn valid_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 32 && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A GUID that depends only on `text` (FNV-1a, two seeds): the same scenario gives the same
/// licence SKU ids in every sandbox.
fn derived_guid(text: &str) -> String {
    let fnv = |seed: u64| {
        text.bytes()
            .fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
    };
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&fnv(0xcbf2_9ce4_8422_2325).to_be_bytes());
    b[8..].copy_from_slice(&fnv(0x8422_2325_cbf2_9ce4).to_be_bytes());
    uuid::Builder::from_random_bytes(b).into_uuid().to_string()
}

/// A scenario's products, checked and completed (availability and licence SKU ids, part
/// numbers): ids are letters and digits, prices are not negative, minimum <= maximum.
pub fn normalized(extra: &[Product]) -> Result<Vec<Product>, FieldError> {
    crate::limits::within("catalog", "catalog products", extra.len(), MAX_EXTRA_PRODUCTS)?;
    let mut products: Vec<Product> = Vec::new();
    for (i, p) in extra.iter().enumerate() {
        let f = |name: &str| format!("catalog[{i}].{name}");
        if !valid_id(&p.id) {
            return Err(FieldError::new(f("id"), "1 to 32 letters and digits"));
        }
        if p.title.trim().is_empty() || p.title.len() > 256 {
            return Err(FieldError::new(f("title"), "1 to 256 characters"));
        }
        if target_view(&p.target_view).is_none() {
            return Err(FieldError::new(
                f("targetView"),
                format!("one of {}", TARGET_VIEWS.join(", ")),
            ));
        }
        if p.skus.is_empty() || p.skus.len() > MAX_SKUS {
            return Err(FieldError::new(f("skus"), format!("1 to {MAX_SKUS} SKUs")));
        }
        let mut product = p.clone();
        product.target_view = target_view(&p.target_view).unwrap_or("OnlineServices").to_owned();
        for (k, s) in product.skus.iter_mut().enumerate() {
            let g = |name: &str| format!("catalog[{i}].skus[{k}].{name}");
            if !valid_id(&s.id) {
                return Err(FieldError::new(g("id"), "1 to 32 letters and digits"));
            }
            if s.min_quantity == 0 || s.min_quantity > s.max_quantity || s.max_quantity > 1_000_000 {
                return Err(FieldError::new(
                    g("maxQuantity"),
                    "1 <= minQuantity <= maxQuantity <= 1000000",
                ));
            }
            if s.prices.is_empty() || s.prices.len() > 50 {
                return Err(FieldError::new(g("prices"), "1 to 50 prices, one per country"));
            }
            for (n, pr) in s.prices.iter_mut().enumerate() {
                let c = pr.country.trim().to_ascii_uppercase();
                if c.len() != 2 || !c.chars().all(|x| x.is_ascii_alphabetic()) {
                    return Err(FieldError::new(
                        g(&format!("prices[{n}].country")),
                        "a two-letter country code",
                    ));
                }
                if !(pr.monthly_p1m >= 0.0 && pr.monthly_p1y >= 0.0) || pr.monthly_p1m > 1e9 || pr.monthly_p1y > 1e9 {
                    return Err(FieldError::new(g(&format!("prices[{n}]")), "prices are 0 or more"));
                }
                let cur = pr.currency.trim().to_ascii_uppercase();
                if cur.len() != 3 || !cur.chars().all(|x| x.is_ascii_alphabetic()) {
                    return Err(FieldError::new(
                        g(&format!("prices[{n}].currency")),
                        "a three-letter currency code",
                    ));
                }
                pr.country = c;
                pr.currency = cur;
            }
            if s.availability_id.is_empty() {
                s.availability_id = format!("{}{}", product.id, s.id);
            } else if !valid_id(&s.availability_id) {
                return Err(FieldError::new(g("availabilityId"), "1 to 32 letters and digits"));
            }
            if s.licensed && s.license_sku_id.is_empty() {
                s.license_sku_id = derived_guid(&format!("{}:{}", product.id, s.id));
            } else if s.licensed && uuid::Uuid::parse_str(&s.license_sku_id).is_err() {
                return Err(FieldError::new(g("licenseSkuId"), "a GUID (the Entra licence SKU id)"));
            }
            if s.sku_part_number.is_empty() {
                s.sku_part_number = format!("{}_{}", product.id, s.id);
            }
            if !s.licensed {
                s.min_quantity = 1;
                s.max_quantity = 1;
            }
        }
        if products.iter().any(|b| b.id.eq_ignore_ascii_case(&product.id)) {
            return Err(FieldError::new(f("id"), format!("'{}' is given twice", product.id)));
        }
        products.push(product);
    }
    Ok(products)
}

impl Catalog {
    /// The built-in catalog.
    pub fn builtin() -> &'static Catalog {
        BUILTIN_CATALOG.get_or_init(|| Catalog {
            products: BUILTIN.iter().map(Product::from).collect(),
        })
    }

    /// The built-in catalog with a scenario's products (a product of the same id replaces the
    /// built-in one).
    pub fn with(extra: &[Product]) -> Result<Catalog, FieldError> {
        let mut products = Catalog::builtin().products.clone();
        for p in normalized(extra)? {
            products.retain(|b| !b.id.eq_ignore_ascii_case(&p.id));
            products.push(p);
        }
        Ok(Catalog { products })
    }

    pub fn products<'a>(&'a self, view: &'a str) -> impl Iterator<Item = &'a Product> + 'a {
        self.products
            .iter()
            .filter(move |p| p.target_view.eq_ignore_ascii_case(view))
    }

    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.id.eq_ignore_ascii_case(id.trim()))
    }

    /// `{productId}:{skuId}:{availabilityId}`.
    pub fn item(&self, catalog_item_id: &str) -> Option<Item<'_>> {
        let mut parts = catalog_item_id.trim().split(':');
        let (p, s, a) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let product = self.product(p)?;
        let sku = product.sku(s)?;
        sku.availability_id
            .eq_ignore_ascii_case(a)
            .then_some(Item { product, sku })
    }
}

impl Product {
    pub fn sku(&self, id: &str) -> Option<&Sku> {
        self.skus.iter().find(|s| s.id.eq_ignore_ascii_case(id.trim()))
    }
}

impl Sku {
    pub fn price(&self, country: &str) -> Option<&Price> {
        self.prices.iter().find(|p| p.country.eq_ignore_ascii_case(country))
    }

    /// The terms its availability offers (none for usage-based).
    pub fn terms(&self) -> &'static [Term] {
        if self.licensed {
            &TERMS
        } else {
            &[]
        }
    }

    pub fn term(&self, duration: &str, billing_cycle: &str) -> Option<&'static Term> {
        self.terms().iter().find(|t| {
            t.duration.eq_ignore_ascii_case(duration.trim())
                && t.billing_cycle.eq_ignore_ascii_case(billing_cycle.trim())
        })
    }
}

/// A sellable item: product, SKU and availability, as `catalogItemId` names it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Item<'a> {
    pub product: &'a Product,
    pub sku: &'a Sku,
}

impl Item<'_> {
    pub fn catalog_item_id(&self) -> String {
        format!("{}:{}:{}", self.product.id, self.sku.id, self.sku.availability_id)
    }
}

/// The price of one licence for a term, per billing period: the monthly price, or twelve of the
/// one-year monthly price for annual billing.
pub fn unit_price(price: &Price, term: &Term) -> f64 {
    match (term.duration, term.billing_cycle) {
        ("P1M", _) => price.monthly_p1m,
        (_, "annual") => round2(price.monthly_p1y * 12.0),
        _ => price.monthly_p1y,
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> &'static Catalog {
        Catalog::builtin()
    }

    #[test]
    fn catalog_item_ids_name_product_sku_and_availability() {
        let i = builtin().item("CFQ7TTC0LH18:0001:CFQ7TTC0K971").unwrap();
        assert_eq!(i.product.title, "Microsoft 365 Business Basic");
        assert_eq!(i.catalog_item_id(), "CFQ7TTC0LH18:0001:CFQ7TTC0K971");
        assert!(builtin().item("CFQ7TTC0LH18:0001:WRONG").is_none());
        assert!(builtin().item("CFQ7TTC0LH18:0001").is_none());
        assert!(builtin().item("CFQ7TTC0LH18:0001:CFQ7TTC0K971:x").is_none());
    }

    #[test]
    fn every_sku_has_a_price_in_every_country_and_unique_ids() {
        let mut ids = std::collections::HashSet::new();
        for p in &builtin().products {
            assert!(target_view(&p.target_view).is_some(), "{}", p.id);
            for s in &p.skus {
                assert!(ids.insert(format!("{}:{}", p.id, s.id)));
                for c in COUNTRIES {
                    assert!(s.price(c).is_some(), "{} {c}", p.id);
                }
                assert!(s.min_quantity <= s.max_quantity);
            }
        }
    }

    #[test]
    fn terms_price_monthly_and_annual_billing() {
        let basic = builtin().product("CFQ7TTC0LH18").unwrap().sku("0001").unwrap();
        let jp = basic.price("jp").unwrap();
        assert_eq!(unit_price(jp, basic.term("P1M", "monthly").unwrap()), 1079.0);
        assert_eq!(unit_price(jp, basic.term("P1Y", "monthly").unwrap()), 899.0);
        assert_eq!(unit_price(jp, basic.term("p1y", "Annual").unwrap()), 10788.0);
        assert!(basic.term("P1M", "annual").is_none());
        assert!(builtin().product("DZH318Z0BPS6").unwrap().skus[0].terms().is_empty());
    }

    fn extra(id: &str, max: u32) -> Product {
        serde_json::from_value(serde_json::json!({
            "id": id, "title": "Contoso Widget Suite",
            "skus": [{"id": "0001", "title": "Widget Suite", "maxQuantity": max,
                      "prices": [{"country": "jp", "currency": "jpy", "symbol": "¥", "monthlyP1m": 500, "monthlyP1y": 400}]}]
        }))
        .unwrap()
    }

    #[test]
    fn a_scenario_adds_products_checked_and_completed() {
        let cat = Catalog::with(&[extra("SBXWIDGET01", 5)]).unwrap();
        let p = cat.product("SBXWIDGET01").unwrap();
        assert_eq!(
            (p.target_view.as_str(), p.product_type.as_str()),
            ("OnlineServices", "OnlineServicesNCE")
        );
        let s = &p.skus[0];
        assert_eq!(s.availability_id, "SBXWIDGET010001");
        assert_eq!(s.prices[0].country, "JP");
        assert_eq!(s.license_sku_id.len(), 36, "a GUID derived from the ids");
        assert!(cat.item("SBXWIDGET01:0001:SBXWIDGET010001").is_some());
        assert!(cat.product("CFQ7TTC0LH18").is_some(), "the built-in products stay");
        assert!(
            Catalog::builtin().product("SBXWIDGET01").is_none(),
            "other sandboxes do not see it"
        );
        assert_eq!(Catalog::with(&[extra("bad id", 5)]).unwrap_err().field, "catalog[0].id");
        assert_eq!(
            Catalog::with(&[extra("SBX", 0)]).unwrap_err().field,
            "catalog[0].skus[0].maxQuantity"
        );
        let many: Vec<Product> = (0..=MAX_EXTRA_PRODUCTS).map(|i| extra(&format!("P{i}"), 5)).collect();
        assert!(Catalog::with(&many).is_err());
    }
}
