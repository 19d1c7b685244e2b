//! The Partner Center API surface (`/v1`), wire-compatible with api.partnercenter.microsoft.com.
//!
//! Every route passes [`gate`]: bearer token -> verified principal (cached), then the access
//! rule of its operation from `domain::access` (app-only where allowed, the MFA gate, roles),
//! then the handler; the answered request goes to the journal.

mod collection;
mod commerce;
mod error;
mod extract;
mod orders;
mod profiles;
mod reports;
mod roles;
mod tenancy;
mod webhooks;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, head, post};
use axum::Router;
use domain::access::{self, Operation};
use pcsandbox_core::partner_center::{AuthError, Principal};

pub use error::PcError;

use crate::context::RequestIds;
use crate::AppState;

pub static MS_CV: HeaderName = HeaderName::from_static("ms-cv");
pub static MS_SERVER_ID: HeaderName = HeaderName::from_static("ms-serverid");

pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route(
            "/v1/profiles/legalbusiness",
            get(profiles::get_legal).put(profiles::put_legal),
        )
        .route(
            "/v1/profiles/organization",
            get(profiles::get_organization).put(profiles::put_organization),
        )
        .route("/v1/profiles/mpn", get(profiles::get_mpn))
        .route("/v1/roles", get(roles::list))
        .route("/v1/roles/{role_id}", get(roles::get))
        .route(
            "/v1/roles/{role_id}/usermembers",
            get(roles::members).post(roles::add_member),
        )
        .route(
            "/v1/roles/{role_id}/usermembers/{user_id}",
            delete(roles::remove_member),
        )
        .route("/v1/nonMfaCompliantPartnerPrincipals", get(reports::non_mfa_principals))
        .route("/v1/applicationmfaadoptionstatus", get(reports::adoption))
        .route("/v1/partnerRequests", get(reports::partner_requests))
        .route("/v1/agreements", get(commerce::agreement_metadata))
        .route(
            "/v1/customers",
            get(commerce::customers).post(commerce::create_customer),
        )
        .route(
            "/v1/customers/relationshiprequests",
            get(commerce::customer_relationship_request),
        )
        .route(
            "/v1/customers/{customer_id}",
            get(commerce::customer)
                .patch(commerce::patch_customer)
                .delete(commerce::delete_customer),
        )
        .route(
            "/v1/customers/{customer_id}/profiles/company",
            get(commerce::customer_company_profile),
        )
        .route(
            "/v1/customers/{customer_id}/profiles/billing",
            get(commerce::customer_billing_profile).put(commerce::update_customer_billing_profile),
        )
        .route(
            "/v1/customers/{customer_id}/directSignedMicrosoftCustomerAgreementStatus",
            get(commerce::direct_signed_mca),
        )
        .route("/v1/domains/{domain}", head(commerce::head_domain))
        .route(
            "/v1/validations/checkdomainavailability/{domain_prefix}",
            get(commerce::check_domain_availability),
        )
        .route("/v1/validations/address", post(commerce::validate_address))
        .route(
            "/v1/countryvalidationrules/{country}",
            get(commerce::country_validation_rules),
        )
        .route(
            "/v1/customers/{customer_id}/agreements",
            get(commerce::customer_agreements).post(commerce::create_customer_agreement),
        )
        .route(
            "/v1/customers/{customer_id}/relationships",
            get(commerce::customer_relationships),
        )
        .route(
            "/v1/compliance/{program}/agreementstatus",
            get(commerce::agreement_status),
        )
        .route("/v1/relationships", get(commerce::relationships))
        .route("/v1/products", get(orders::products))
        .route("/v1/products/{product_id}", get(orders::product))
        .route("/v1/products/{product_id}/skus", get(orders::skus))
        .route("/v1/products/{product_id}/skus/{sku_id}", get(orders::sku))
        .route(
            "/v1/products/{product_id}/skus/{sku_id}/availabilities",
            get(orders::availabilities),
        )
        .route(
            "/v1/products/{product_id}/skus/{sku_id}/availabilities/{availability_id}",
            get(orders::availability),
        )
        .route("/v1/customers/{customer_id}/products", get(orders::customer_products))
        .route(
            "/v1/customers/{customer_id}/products/{product_id}",
            get(orders::customer_product),
        )
        .route(
            "/v1/customers/{customer_id}/products/{product_id}/skus",
            get(orders::customer_skus),
        )
        .route(
            "/v1/customers/{customer_id}/products/{product_id}/skus/{sku_id}/availabilities",
            get(orders::customer_availabilities),
        )
        .route("/v1/customers/{customer_id}/carts", post(orders::create_cart))
        .route(
            "/v1/customers/{customer_id}/carts/{cart_id}",
            get(orders::cart).put(orders::update_cart),
        )
        .route(
            "/v1/customers/{customer_id}/carts/{cart_id}/checkout",
            post(orders::checkout),
        )
        .route("/v1/customers/{customer_id}/orders", get(orders::orders))
        .route("/v1/customers/{customer_id}/orders/{order_id}", get(orders::order))
        .route(
            "/v1/customers/{customer_id}/orders/{order_id}/provisioningstatus",
            get(orders::order_provisioning),
        )
        .route("/v1/customers/{customer_id}/subscriptions", get(orders::subscriptions))
        .route(
            "/v1/customers/{customer_id}/subscriptions/{subscription_id}",
            get(orders::subscription).patch(orders::patch_subscription),
        )
        .route(
            "/v1/customers/{customer_id}/subscriptions/{subscription_id}/transitionEligibilities",
            get(orders::transition_eligibilities),
        )
        .route(
            "/v1/customers/{customer_id}/subscriptions/{subscription_id}/transitions",
            post(orders::transition),
        )
        .route(
            "/v1/customers/{customer_id}/users",
            get(tenancy::users).post(tenancy::create_user),
        )
        .route(
            "/v1/customers/{customer_id}/users/{user_id}",
            get(tenancy::user).delete(tenancy::delete_user),
        )
        .route(
            "/v1/customers/{customer_id}/users/{user_id}/licenses",
            get(tenancy::licenses),
        )
        .route(
            "/v1/customers/{customer_id}/users/{user_id}/licenseupdates",
            post(tenancy::license_updates),
        )
        .route(
            "/v1/customers/{customer_id}/subscribedskus",
            get(tenancy::subscribed_skus),
        )
        .route(
            "/v1/customers/{customer_id}/directoryroles",
            get(tenancy::directory_roles),
        )
        .route(
            "/v1/customers/{customer_id}/users/{user_id}/directoryroles",
            get(tenancy::user_directory_roles),
        )
        .route(
            "/v1/customers/{customer_id}/directoryroles/{role_id}/usermembers",
            get(tenancy::role_members).post(tenancy::add_role_member),
        )
        .route(
            "/v1/customers/{customer_id}/directoryroles/{role_id}/usermembers/{user_id}",
            delete(tenancy::remove_role_member),
        )
        .route(
            "/v1/customers/{customer_id}/applicationconsents",
            get(tenancy::consents).post(tenancy::consent),
        )
        .route(
            "/v1/customers/{customer_id}/applicationconsents/{application_id}",
            delete(tenancy::remove_consent),
        )
        .route("/v1/partners/validateresellers", post(commerce::validate_resellers))
        .route("/webhooks/v1/registration/events", get(webhooks::events))
        .route(
            "/webhooks/v1/registration",
            get(webhooks::get)
                .post(webhooks::register)
                .put(webhooks::update)
                .delete(webhooks::delete),
        )
        .route("/webhooks/v1/registration/validationEvents", post(webhooks::test))
        .route(
            "/webhooks/v1/registration/validationEvents/{correlation_id}",
            get(webhooks::validation),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), gate))
        .route("/v1/{*rest}", axum::routing::any(not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(extract::MAX_BODY))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .layer(middleware::from_fn(wire_headers))
}

/// A panic is a bug: the client gets Partner Center's 500 body; the log line (in the request's
/// span) says where.
pub(crate) fn panicked(payload: Box<dyn std::any::Any + Send>) -> Response {
    tracing::error!(panic = %crate::panic_message(payload.as_ref()), "a /v1 handler panicked");
    PcError::internal().into_response()
}

async fn not_found() -> PcError {
    PcError::not_found("Not found")
        .explained("No Partner Center resource at this path (see /openapi/partner-center.yaml).")
}

/// The request as the real front door routes it: `/V1/Customers/` reaches `/v1/customers`.
pub(crate) fn canonical_request<B>(mut req: axum::http::Request<B>) -> axum::http::Request<B> {
    let path = req.uri().path();
    let ours = |prefix: &str| path.len() >= prefix.len() && path[..prefix.len()].eq_ignore_ascii_case(prefix);
    if !(ours("/v1/") || ours("/webhooks/")) {
        return req;
    }
    if let Some(canonical) = access::canonical_path(path) {
        let rebuilt = match req.uri().query() {
            Some(q) => format!("{canonical}?{q}"),
            None => canonical,
        };
        if let Ok(pq) = axum::http::uri::PathAndQuery::try_from(rebuilt) {
            let mut parts = req.uri().clone().into_parts();
            parts.path_and_query = Some(pq);
            if let Ok(uri) = axum::http::Uri::from_parts(parts) {
                *req.uri_mut() = uri;
            }
        }
    }
    req
}

async fn method_not_allowed() -> PcError {
    PcError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        1000,
        "The requested resource does not support this HTTP method.",
    )
}

/// `MS-CV` and `MS-ServerId` on every `/v1` answer, as the real service sends them.
async fn wire_headers(req: Request, next: Next) -> Response {
    let cv = req
        .headers()
        .get(&MS_CV)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .map(|v| format!("{v}.1"))
        .unwrap_or_else(|| {
            use base64::Engine;
            let id = uuid::Uuid::new_v4();
            format!(
                "{}.0",
                base64::engine::general_purpose::STANDARD_NO_PAD.encode(&id.as_bytes()[..12])
            )
        });
    let mut res = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&cv) {
        res.headers_mut().insert(MS_CV.clone(), v);
    }
    res.headers_mut()
        .insert(MS_SERVER_ID.clone(), HeaderValue::from_static("pcsandbox"));
    res
}

fn bearer(req: &Request) -> Option<&str> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
        .filter(|t| !t.is_empty())
}

/// Authenticates, authorises by the operation's access rule, runs the handler, journals.
async fn gate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let op = req
        .extensions()
        .get::<MatchedPath>()
        .and_then(|m| Operation::from_route(method.as_str(), m.as_str()));
    let Some(op) = op else {
        // A route without an entry in the access table is a bug: refuse rather than let it through.
        tracing::error!(path = %req.uri().path(), "a /v1 route has no access rule");
        return PcError::internal().into_response();
    };
    let principal = match bearer(&req) {
        None => Err(AuthError::Missing),
        Some(token) => state.core.authenticate(token, &state.urls.all()).await,
    };
    let principal = match principal {
        Ok(p) => p,
        Err(e) => return PcError::from(e).into_response(),
    };
    let facts = RequestFacts {
        ids: req.extensions().get::<RequestIds>().cloned(),
        method: method.as_str().to_owned(),
        path: req.uri().path().to_owned(),
        source_ip: req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_default(),
    };
    // A fault the test injected strikes before the access rules, as a front door's would.
    let fault = state.core.strike(principal.sandbox, method.as_str(), &facts.path, None);
    if let Some(f) = &fault {
        if let Some(ms) = f.latency_ms {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
    }
    let res = match (fault, access::authorize(op, &principal.kind(), principal.policy)) {
        (Some(f), _) if f.drop => crate::faults::dropped(),
        (Some(f), _) if f.status.is_some() => crate::faults::with_retry_after(
            PcError::new(
                StatusCode::from_u16(f.status.unwrap_or(503)).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
                u32::from(f.status.unwrap_or(503)),
                StatusCode::from_u16(f.status.unwrap_or(503))
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("Service Unavailable"),
            )
            .explained(format!("Fault {} injected on this sandbox (POST .../faults).", f.id))
            .into_response(),
            f.retry_after,
        ),
        (_, Err(denial)) => PcError::from(denial).into_response(),
        (_, Ok(())) => {
            req.extensions_mut().insert(principal.clone());
            next.run(req).await
        }
    };
    let note = res.extensions().get::<store::journal::Note>().cloned().map(Box::new);
    journal(&state, &principal, op, facts, res.status().as_u16(), note).await;
    res
}

/// Records an answered request: the caller is shared with every other request of its token.
async fn journal(
    state: &AppState,
    who: &Principal,
    op: Operation,
    req: RequestFacts,
    status: u16,
    refusal: Option<Box<store::journal::Note>>,
) {
    let ids = req.ids.unwrap_or(RequestIds {
        request_id: String::new(),
        correlation_id: String::new(),
    });
    state
        .core
        .journal_request(store::journal::Record {
            sandbox_id: who.sandbox,
            at_ms: state.core.clock.now().timestamp_millis() + who.clock_offset_ms,
            request_id: ids.request_id,
            correlation_id: ids.correlation_id,
            method: req.method,
            path: req.path,
            operation: std::borrow::Cow::Borrowed(op.name()),
            status,
            source_ip: req.source_ip,
            who: who.journal.clone(),
            surface: store::journal::PARTNER_CENTER,
            refusal,
        })
        .await;
}

/// What the journal keeps of a request, taken before the handler consumes it.
struct RequestFacts {
    ids: Option<RequestIds>,
    method: String,
    path: String,
    source_ip: String,
}

/// A JSON body with Partner Center's content type.
pub(crate) fn json_response<T: serde::Serialize>(body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            )],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "could not serialise a response");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
