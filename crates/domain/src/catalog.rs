//! The built-in new-commerce catalog: a handful of Microsoft 365, Teams and Azure products with
//! their SKUs, availabilities, terms and prices in JPY (Japan) and USD (United States).
//!
//! Shapes follow SDKDOC `product-resources.md` (Product, Sku, Availability, terms with
//! `cancellationPolicies`); product IDs, titles and the Business Basic SKU/availability come from
//! the docs' examples (`get-a-sku-by-id.md`, `get-an-availability-by-id.md`). The other
//! availability IDs, the term IDs and the prices are the sandbox's own: the real catalog's
//! availability IDs change and its prices are per partner. `provisioningId` is the Entra license
//! SKU ID (`skuId` of subscribedskus and licenseupdates).

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
pub struct Price {
    pub country: &'static str,
    pub currency: &'static str,
    pub symbol: &'static str,
    /// Per licence and month: a one-month term, and a one-year term.
    pub monthly_p1m: f64,
    pub monthly_p1y: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sku {
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
    pub prices: &'static [Price],
    /// `{productId}:{skuId}` this SKU may upgrade to.
    pub upgrade_targets: &'static [&'static str],
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Product {
    pub id: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    /// `OnlineServicesNCE` or `Azure`.
    pub product_type: &'static str,
    /// The `targetView` that lists it.
    pub target_view: &'static str,
    pub skus: &'static [Sku],
}

const fn jp_us(jpy_p1m: f64, jpy_p1y: f64, usd_p1m: f64, usd_p1y: f64) -> [Price; 2] {
    [
        Price {
            country: "JP",
            currency: "JPY",
            symbol: "¥",
            monthly_p1m: jpy_p1m,
            monthly_p1y: jpy_p1y,
        },
        Price {
            country: "US",
            currency: "USD",
            symbol: "$",
            monthly_p1m: usd_p1m,
            monthly_p1y: usd_p1y,
        },
    ]
}

const BASIC: [Price; 2] = jp_us(1079.0, 899.0, 7.2, 6.0);
const STANDARD: [Price; 2] = jp_us(2249.0, 1874.0, 15.0, 12.5);
const PREMIUM: [Price; 2] = jp_us(3958.0, 3298.0, 26.4, 22.0);
const E3: [Price; 2] = jp_us(6476.0, 5397.0, 43.2, 36.0);
const TEAMS: [Price; 2] = jp_us(719.0, 599.0, 4.8, 4.0);
const AZURE: [Price; 2] = jp_us(0.0, 0.0, 0.0, 0.0);

pub const PRODUCTS: &[Product] = &[
    Product {
        id: "CFQ7TTC0LH18",
        title: "Microsoft 365 Business Basic",
        description: "Best for businesses that need professional email, cloud file storage, and online meetings & chat. Desktop versions of Office apps like Excel, Word, and PowerPoint not included. For businesses with up to 300 employees.",
        product_type: "OnlineServicesNCE",
        target_view: "OnlineServices",
        skus: &[Sku {
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
    Product {
        id: "CFQ7TTC0LDPB",
        title: "Microsoft 365 Business Standard",
        description: "Everything that small and medium businesses need to run and grow their business. Desktop versions of Office apps with premium features. For businesses with up to 300 employees.",
        product_type: "OnlineServicesNCE",
        target_view: "OnlineServices",
        skus: &[Sku {
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
    Product {
        id: "CFQ7TTC0LCHC",
        title: "Microsoft 365 Business Premium",
        description: "Everything in Business Standard plus advanced security, access and data control, and cyberthreat protection. For businesses with up to 300 employees.",
        product_type: "OnlineServicesNCE",
        target_view: "OnlineServices",
        skus: &[Sku {
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
    Product {
        id: "CFQ7TTC0LFLX",
        title: "Microsoft 365 E3",
        description: "Productivity apps and intelligent cloud services, with enterprise-grade security and compliance.",
        product_type: "OnlineServicesNCE",
        target_view: "OnlineServices",
        skus: &[Sku {
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
    Product {
        id: "CFQ7TTC0RM8K",
        title: "Microsoft Teams Essentials",
        description: "Online meetings, chat and file storage for small businesses, without Office apps.",
        product_type: "OnlineServicesNCE",
        target_view: "OnlineServices",
        skus: &[Sku {
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
    Product {
        id: "DZH318Z0BPS6",
        title: "Azure plan",
        description: "Azure plan: pay-as-you-go Azure consumption billed monthly.",
        product_type: "Azure",
        target_view: "MicrosoftAzure",
        skus: &[Sku {
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
/// sandbox's products are under `OnlineServices` and `MicrosoftAzure`, the others are empty.
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

/// The countries the sandbox's catalog sells in.
pub const COUNTRIES: &[&str] = &["JP", "US"];

pub fn target_view(raw: &str) -> Option<&'static str> {
    TARGET_VIEWS
        .iter()
        .copied()
        .find(|v| v.eq_ignore_ascii_case(raw.trim()))
}

pub fn products(view: &str) -> impl Iterator<Item = &'static Product> + '_ {
    PRODUCTS
        .iter()
        .filter(move |p| p.target_view.eq_ignore_ascii_case(view))
}

pub fn product(id: &str) -> Option<&'static Product> {
    PRODUCTS.iter().find(|p| p.id.eq_ignore_ascii_case(id.trim()))
}

impl Product {
    pub fn sku(&self, id: &str) -> Option<&'static Sku> {
        self.skus.iter().find(|s| s.id.eq_ignore_ascii_case(id.trim()))
    }
}

impl Sku {
    pub fn price(&self, country: &str) -> Option<&'static Price> {
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
pub struct Item {
    pub product: &'static Product,
    pub sku: &'static Sku,
}

impl Item {
    pub fn catalog_item_id(&self) -> String {
        format!("{}:{}:{}", self.product.id, self.sku.id, self.sku.availability_id)
    }
}

/// `{productId}:{skuId}:{availabilityId}`.
pub fn item(catalog_item_id: &str) -> Option<Item> {
    let mut parts = catalog_item_id.trim().split(':');
    let (p, s, a) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let product = product(p)?;
    let sku = product.sku(s)?;
    sku.availability_id
        .eq_ignore_ascii_case(a)
        .then_some(Item { product, sku })
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

    #[test]
    fn catalog_item_ids_name_product_sku_and_availability() {
        let i = item("CFQ7TTC0LH18:0001:CFQ7TTC0K971").unwrap();
        assert_eq!(i.product.title, "Microsoft 365 Business Basic");
        assert_eq!(i.catalog_item_id(), "CFQ7TTC0LH18:0001:CFQ7TTC0K971");
        assert!(item("CFQ7TTC0LH18:0001:WRONG").is_none());
        assert!(item("CFQ7TTC0LH18:0001").is_none());
        assert!(item("CFQ7TTC0LH18:0001:CFQ7TTC0K971:x").is_none());
    }

    #[test]
    fn every_sku_has_a_price_in_every_country_and_unique_ids() {
        let mut ids = std::collections::HashSet::new();
        for p in PRODUCTS {
            assert!(target_view(p.target_view).is_some(), "{}", p.id);
            for s in p.skus {
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
        let basic = product("CFQ7TTC0LH18").unwrap().sku("0001").unwrap();
        let jp = basic.price("jp").unwrap();
        assert_eq!(unit_price(jp, basic.term("P1M", "monthly").unwrap()), 1079.0);
        assert_eq!(unit_price(jp, basic.term("P1Y", "monthly").unwrap()), 899.0);
        assert_eq!(unit_price(jp, basic.term("p1y", "Annual").unwrap()), 10788.0);
        assert!(basic.term("P1M", "annual").is_none());
        assert!(product("DZH318Z0BPS6").unwrap().skus[0].terms().is_empty());
    }
}
