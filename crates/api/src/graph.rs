//! Microsoft Graph (`/v1.0` and `/beta`): the GDAP family under `tenantRelationships`, and the
//! directory reads (`/users`, `/organization`) a partner user makes in a customer's tenant with
//! the roles its GDAP access assignments give it. Errors are Graph's
//! `{"error": {"code", "message", "innerError"}}`.

use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, SecondsFormat, Utc};
use domain::gdap::{self, Assignment, GraphError, Operation, Relationship, Request as GdapRequest};
use pcsandbox_core::gdap::{assignment_etag, operation_etag, relationship_path, request_etag, GraphCaller};
use pcsandbox_core::CoreError;
use serde_json::{json, Map, Value};

use crate::context::RequestIds;
use crate::AppState;

const MAX_BODY: usize = 64 * 1024;

pub fn router(state: &AppState) -> Router<AppState> {
    let mut r = Router::new();
    for v in ["/v1.0", "/beta"] {
        r = r
            .route(
                &format!("{v}/tenantRelationships/delegatedAdminRelationships"),
                get(list_relationships).post(create_relationship),
            )
            .route(
                &format!("{v}/tenantRelationships/delegatedAdminRelationships/{{id}}"),
                get(get_relationship)
                    .patch(update_relationship)
                    .delete(delete_relationship),
            )
            .route(
                &format!("{v}/tenantRelationships/delegatedAdminRelationships/{{id}}/requests"),
                get(list_requests).post(create_request),
            )
            .route(
                &format!("{v}/tenantRelationships/delegatedAdminRelationships/{{id}}/requests/{{rid}}"),
                get(get_request),
            )
            .route(
                &format!("{v}/tenantRelationships/delegatedAdminRelationships/{{id}}/accessAssignments"),
                get(list_assignments).post(create_assignment),
            )
            .route(
                &format!("{v}/tenantRelationships/delegatedAdminRelationships/{{id}}/accessAssignments/{{aid}}"),
                get(get_assignment).patch(update_assignment).delete(delete_assignment),
            )
            .route(
                &format!("{v}/tenantRelationships/delegatedAdminRelationships/{{id}}/operations"),
                get(list_operations),
            )
            .route(
                &format!("{v}/tenantRelationships/delegatedAdminRelationships/{{id}}/operations/{{oid}}"),
                get(get_operation),
            )
            .route(
                &format!("{v}/tenantRelationships/delegatedAdminCustomers"),
                get(list_customers),
            )
            .route(
                &format!("{v}/tenantRelationships/delegatedAdminCustomers/{{cid}}"),
                get(get_customer),
            )
            .route(
                &format!("{v}/tenantRelationships/delegatedAdminCustomers/{{cid}}/serviceManagementDetails"),
                get(service_management),
            )
            .route(
                &format!("{v}/servicePrincipals"),
                get(list_service_principals).post(create_service_principal),
            )
            .route(&format!("{v}/users"), get(list_users))
            .route(&format!("{v}/organization"), get(organization));
    }
    r.layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .route_layer(middleware::from_fn_with_state(state.clone(), gate))
        .layer(middleware::map_response(in_graphs_format))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
}

/// A body past the limit is refused by axum before any handler, as plain text: Graph's clients
/// read Graph's error object, so it becomes one.
async fn in_graphs_format(res: Response) -> Response {
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE && plain {
        return error_response(
            &GraphError::new(
                413,
                "requestEntityTooLarge",
                format!("The request body is larger than {} KB.", MAX_BODY / 1024),
            ),
            None,
        );
    }
    res
}

fn panicked(payload: Box<dyn std::any::Any + Send>) -> Response {
    tracing::error!(panic = %crate::panic_message(payload.as_ref()), "a Graph handler panicked");
    error_response(
        &GraphError::new(500, "unexpectedError", "An unexpected error occurred."),
        None,
    )
}

/// The request's version segment and base URL, for `@odata.context`, `Location` and next links.
#[derive(Clone)]
struct Base {
    /// `https://127.0.0.1:8443/v1.0`
    url: String,
}

fn version_of(path: &str) -> &'static str {
    if path.starts_with("/beta") {
        "beta"
    } else {
        "v1.0"
    }
}

fn error_response(e: &GraphError, ids: Option<&RequestIds>) -> Response {
    let now = Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
    let (rid, cid) = ids
        .map(|i| (i.request_id.clone(), i.correlation_id.clone()))
        .unwrap_or_default();
    let body = json!({"error": {"code": e.code, "message": e.message,
        "innerError": {"date": now, "request-id": rid, "client-request-id": cid}}});
    let mut res = (
        StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body.to_string(),
    )
        .into_response();
    if e.status == 401 {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\""),
        );
    }
    res.extensions_mut().insert(store::journal::Note {
        code: e.code.to_owned(),
        field: None,
        explanation: e.message.clone(),
    });
    res
}

struct Fail(GraphError);

impl From<CoreError> for Fail {
    fn from(e: CoreError) -> Self {
        Fail(match e {
            CoreError::Graph(g) => g,
            CoreError::Invalid(f) => GraphError::bad_request(f.to_string()),
            CoreError::NotFound { what, id, .. } => GraphError::not_found(what, &id),
            CoreError::Conflict { message, .. } => GraphError::conflict(message),
            CoreError::Refused(r) => GraphError::new(r.kind.status(), "badRequest", r.text.en),
            CoreError::Fault(f) => GraphError::new(f.status, "badRequest", f.description),
            CoreError::Store(e) if e.is_unavailable() => {
                tracing::error!(error = %e, "the database is unavailable");
                GraphError::new(
                    503,
                    "serviceNotAvailable",
                    "The service is temporarily unavailable. Try again later.",
                )
            }
            CoreError::Store(e) => {
                tracing::error!(error = %e, "store failed");
                GraphError::new(500, "unexpectedError", "An unexpected error occurred.")
            }
        })
    }
}

impl IntoResponse for Fail {
    fn into_response(self) -> Response {
        error_response(&self.0, None)
    }
}

type Answer = Result<Response, Fail>;

/// Authenticates every Graph request, applies injected faults, journals.
async fn gate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let ids = req.extensions().get::<RequestIds>().cloned();
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(s, _)| s.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_owned());
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return error_response(
            &GraphError::new(401, "InvalidAuthenticationToken", "Access token is empty."),
            ids.as_ref(),
        );
    };
    let caller = match state.core.authenticate_graph(&token, &state.urls.all()).await {
        Ok(c) => c,
        Err(e) => {
            return error_response(
                &GraphError::new(
                    401,
                    "InvalidAuthenticationToken",
                    format!("Access token validation failure: {e}"),
                ),
                ids.as_ref(),
            )
        }
    };
    let base = format!(
        "{}/{}",
        crate::entra::base_for(&state, req.headers()),
        version_of(&path)
    );
    let fault = state.core.strike(caller.sandbox, &method, &path, None);
    let mut res = match fault {
        Some(f) if f.drop => crate::faults::dropped(),
        Some(f) if f.status.is_some() => {
            if let Some(ms) = f.latency_ms {
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            }
            let status = f.status.unwrap_or(500);
            let code = if status == 429 {
                "TooManyRequests"
            } else {
                "unexpectedError"
            };
            crate::faults::with_retry_after(
                error_response(
                    &GraphError::new(
                        status,
                        code,
                        format!(
                            "An unexpected error occurred. (Fault {} injected on this sandbox.)",
                            f.id
                        ),
                    ),
                    ids.as_ref(),
                ),
                f.retry_after,
            )
        }
        other => {
            if let Some(ms) = other.and_then(|f| f.latency_ms) {
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            }
            req.extensions_mut().insert(caller.clone());
            req.extensions_mut().insert(Base { url: base });
            next.run(req).await
        }
    };
    // Errors made by handlers get the request's ids.
    if !res.status().is_success() {
        if let Some(ids) = &ids {
            let h = res.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&ids.request_id) {
                h.insert("request-id", v);
            }
            if let Ok(v) = HeaderValue::from_str(&ids.correlation_id) {
                h.insert("client-request-id", v);
            }
        }
    }
    let outcome = crate::outcome(&res);
    crate::journal(
        &state,
        crate::Journaled {
            sandbox: caller.sandbox,
            surface: store::journal::GRAPH,
            method: method.clone(),
            path: path.clone(),
            operation: format!("{method} {path}"),
            who: caller.journal.clone(),
        },
        ids.as_ref(),
        outcome,
    )
    .await;
    res
}

struct Ctx {
    who: GraphCaller,
    base: String,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Ctx {
    type Rejection = Fail;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Fail> {
        let who = parts.extensions.get::<GraphCaller>().cloned();
        let base = parts.extensions.get::<Base>().map(|b| b.url.clone());
        match (who, base) {
            (Some(who), Some(base)) => Ok(Ctx { who, base }),
            _ => Err(Fail(GraphError::new(
                500,
                "unexpectedError",
                "An unexpected error occurred.",
            ))),
        }
    }
}

fn body_json(bytes: &Bytes) -> Result<Value, Fail> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| {
        Fail(GraphError::bad_request(format!(
            "The request body is not valid JSON: {e}."
        )))
    })?;
    if !v.is_object() {
        return Err(Fail(GraphError::bad_request("The request body must be a JSON object.")));
    }
    Ok(v)
}

fn if_match(h: &HeaderMap) -> Option<String> {
    h.get(header::IF_MATCH).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn opt_time(t: Option<DateTime<Utc>>) -> Value {
    t.map(|t| Value::String(time(t))).unwrap_or(Value::Null)
}

fn context(base: &str, tail: &str) -> String {
    format!("{base}/tenantRelationships/$metadata#{tail}")
}

fn roles_json(roles: &[String]) -> Value {
    json!({"unifiedRoles": roles.iter().map(|r| json!({"roleDefinitionId": r})).collect::<Vec<_>>()})
}

fn relationship_json(r: &Relationship) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "@odata.type".into(),
        json!("#microsoft.graph.delegatedAdminRelationship"),
    );
    m.insert("@odata.etag".into(), json!(r.etag()));
    m.insert("id".into(), json!(r.id));
    m.insert("displayName".into(), json!(r.display_name));
    m.insert("duration".into(), json!(r.duration));
    m.insert(
        "customer".into(),
        match &r.customer {
            Some(c) => json!({"tenantId": c.tenant_id.map(|t| t.to_string()), "displayName": c.display_name}),
            None => Value::Null,
        },
    );
    m.insert("accessDetails".into(), roles_json(&r.roles));
    m.insert("status".into(), json!(r.status.as_str()));
    m.insert("autoExtendDuration".into(), json!(r.auto_extend));
    m.insert("createdDateTime".into(), json!(time(r.created_at)));
    m.insert("lastModifiedDateTime".into(), json!(time(r.last_modified_at)));
    m.insert("activatedDateTime".into(), opt_time(r.activated_at));
    m.insert("endDateTime".into(), opt_time(r.end_at));
    m
}

fn request_json(r: &GdapRequest, status: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "@odata.type".into(),
        json!("#microsoft.graph.delegatedAdminRelationshipRequest"),
    );
    m.insert("@odata.etag".into(), json!(request_etag(r)));
    m.insert("id".into(), json!(r.id));
    m.insert("action".into(), json!(r.action.as_str()));
    m.insert("status".into(), json!(status));
    m.insert("createdDateTime".into(), json!(time(r.created_at)));
    m.insert("lastModifiedDateTime".into(), json!(time(r.last_modified_at)));
    m
}

fn assignment_json(r: &Relationship, a: &Assignment) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "@odata.type".into(),
        json!("#microsoft.graph.delegatedAdminAccessAssignment"),
    );
    m.insert("@odata.etag".into(), json!(assignment_etag(r, a)));
    m.insert("id".into(), json!(a.id));
    m.insert("status".into(), json!(a.status.as_str()));
    m.insert("createdDateTime".into(), json!(time(a.created_at)));
    m.insert("lastModifiedDateTime".into(), json!(time(a.last_modified_at)));
    m.insert(
        "accessContainer".into(),
        json!({"accessContainerId": a.group_id, "accessContainerType": "securityGroup"}),
    );
    m.insert("accessDetails".into(), roles_json(&a.roles));
    m
}

fn operation_json(o: &Operation) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(
        "@odata.type".into(),
        json!("#microsoft.graph.delegatedAdminRelationshipOperation"),
    );
    m.insert("@odata.etag".into(), json!(operation_etag(o)));
    m.insert("id".into(), json!(o.id));
    m.insert("operationType".into(), json!(o.operation_type));
    m.insert("data".into(), json!(o.data));
    m.insert("status".into(), json!(o.status.as_str()));
    m.insert("createdDateTime".into(), json!(time(o.created_at)));
    m.insert("lastModifiedDateTime".into(), json!(time(o.last_modified_at)));
    m
}

fn customer_json(c: &gdap::Customer) -> Map<String, Value> {
    let id = c.tenant_id.map(|t| t.to_string()).unwrap_or_default();
    let mut m = Map::new();
    m.insert("@odata.type".into(), json!("#microsoft.graph.delegatedAdminCustomer"));
    m.insert(
        "@odata.etag".into(),
        json!(gdap::etag(&id, 1, chrono::DateTime::<Utc>::UNIX_EPOCH)),
    );
    m.insert("id".into(), json!(id));
    m.insert("tenantId".into(), json!(id));
    m.insert("displayName".into(), json!(c.display_name));
    m
}

fn ok_json(status: StatusCode, v: Value, location: Option<String>) -> Response {
    let mut res = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(
                "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8",
            ),
        )],
        v.to_string(),
    )
        .into_response();
    if let Some(l) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        res.headers_mut().insert(header::LOCATION, l);
    }
    res
}

fn entity(
    base: &str,
    ctx_tail: &str,
    mut m: Map<String, Value>,
    status: StatusCode,
    location: Option<String>,
) -> Response {
    m.insert("@odata.context".into(), json!(context(base, ctx_tail)));
    ok_json(status, Value::Object(order_odata(m)), location)
}

/// `@odata.*` first, as Graph writes them.
fn order_odata(m: Map<String, Value>) -> Map<String, Value> {
    let (odata, rest): (Vec<_>, Vec<_>) = m.into_iter().partition(|(k, _)| k.starts_with("@odata"));
    odata.into_iter().chain(rest).collect()
}

/// OData list parameters: `$filter` (eq on a few properties, joined by `and`), `$select`,
/// `$top` (1..=300), `$count`, `$skiptoken` (a position this server gave in a next link).
struct ListQuery {
    filters: Vec<(String, String)>,
    select: Option<Vec<String>>,
    top: usize,
    count: bool,
    skip: usize,
    raw: Vec<(String, String)>,
}

fn list_query(uri: &axum::http::Uri, filterable: &[&str]) -> Result<ListQuery, Fail> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(uri.query().unwrap_or_default())
        .map_err(|e| Fail(GraphError::bad_request(format!("The query string is malformed: {e}."))))?;
    let mut q = ListQuery {
        filters: Vec::new(),
        select: None,
        top: gdap::MAX_TOP,
        count: false,
        skip: 0,
        raw: Vec::new(),
    };
    for (k, v) in pairs {
        match k.to_ascii_lowercase().as_str() {
            "$filter" => {
                for clause in split_and(&v) {
                    let parts: Vec<&str> = clause.trim().splitn(3, ' ').collect();
                    let [prop, op, value] = parts[..] else {
                        return Err(Fail(GraphError::bad_request(format!(
                            "Invalid filter clause: '{clause}'."
                        ))));
                    };
                    if !op.eq_ignore_ascii_case("eq") {
                        return Err(Fail(GraphError::bad_request(format!(
                            "Invalid filter clause: only 'eq' is supported, not '{op}'."
                        ))));
                    }
                    let Some(p) = filterable.iter().find(|f| f.eq_ignore_ascii_case(prop)) else {
                        return Err(Fail(GraphError::bad_request(format!(
                            "Invalid filter clause: '{prop}' cannot be filtered on (only {}).",
                            filterable.join(", ")
                        ))));
                    };
                    let value = value.trim();
                    let value = value
                        .strip_prefix('\'')
                        .and_then(|v| v.strip_suffix('\''))
                        .ok_or_else(|| Fail(GraphError::bad_request(format!("Invalid filter clause: '{clause}'."))))?;
                    q.filters.push(((*p).to_owned(), value.replace("''", "'")));
                }
                q.raw.push((k, v));
            }
            "$select" => {
                q.select = Some(
                    v.split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect(),
                );
                q.raw.push((k, v));
            }
            "$top" => {
                let n: usize = v
                    .trim()
                    .parse()
                    .map_err(|_| Fail(GraphError::bad_request(format!("Invalid value '{v}' for $top."))))?;
                if n == 0 || n > gdap::MAX_TOP {
                    return Err(Fail(GraphError::bad_request(format!(
                        "$top must be between 1 and {}.",
                        gdap::MAX_TOP
                    ))));
                }
                q.top = n;
                q.raw.push((k, v));
            }
            "$count" => {
                q.count = match v.trim().to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(Fail(GraphError::bad_request("$count must be true or false."))),
                };
                q.raw.push((k, v));
            }
            "$skiptoken" => {
                q.skip = v
                    .trim()
                    .strip_prefix("pcs-")
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| Fail(GraphError::bad_request("The $skiptoken is not one this server gave.")))?;
            }
            "$orderby" | "$expand" => {
                return Err(Fail(GraphError::bad_request(format!(
                    "{k} is not supported by pcsandbox for this collection."
                ))))
            }
            _ => q.raw.push((k, v)),
        }
    }
    Ok(q)
}

/// Splits a `$filter` at ` and ` outside quotes. Byte-wise: ` and ` is ASCII, so every split
/// falls on a character boundary whatever the quoted values hold.
fn split_and(s: &str) -> Vec<String> {
    let lower = s.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let mut quoted = false;
    let b = s.as_bytes();
    while i < b.len() {
        if b[i] == b'\'' {
            quoted = !quoted;
        }
        if !quoted && lower.as_bytes()[i..].starts_with(b" and ") {
            out.push(s[start..i].to_owned());
            i += 5;
            start = i;
            continue;
        }
        i += 1;
    }
    out.push(s[start..].to_owned());
    out
}

fn value_at<'a>(m: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('/');
    let mut v = m.get(parts.next()?)?;
    for p in parts {
        v = v.get(p)?;
    }
    Some(v)
}

/// Filters, pages and shapes a collection.
fn collection(
    base: &str,
    uri: &axum::http::Uri,
    ctx_tail: &str,
    items: Vec<Map<String, Value>>,
    q: ListQuery,
) -> Response {
    let matching: Vec<Map<String, Value>> = items
        .into_iter()
        .filter(|m| {
            q.filters.iter().all(|(p, want)| {
                value_at(m, p)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.eq_ignore_ascii_case(want))
            })
        })
        .collect();
    let total = matching.len();
    let page: Vec<Value> = matching
        .into_iter()
        .skip(q.skip)
        .take(q.top)
        .map(|m| {
            let m = match &q.select {
                None => m,
                Some(sel) => m
                    .into_iter()
                    .filter(|(k, _)| {
                        k.starts_with("@odata") || k == "id" || sel.iter().any(|s| s.eq_ignore_ascii_case(k))
                    })
                    .collect(),
            };
            Value::Object(m)
        })
        .collect();
    let mut out = Map::new();
    let ctx = if ctx_tail.starts_with("$metadata") {
        format!("{base}/{ctx_tail}")
    } else {
        context(base, ctx_tail)
    };
    out.insert("@odata.context".into(), json!(ctx));
    if q.count {
        out.insert("@odata.count".into(), json!(total));
    }
    let next = q.skip + page.len();
    if next < total {
        let mut params = q.raw.clone();
        params.push(("$skiptoken".into(), format!("pcs-{next}")));
        let qs = serde_urlencoded::to_string(&params).unwrap_or_default();
        let path = uri.path();
        let origin = base.rsplit_once('/').map(|(o, _)| o).unwrap_or(base);
        out.insert("@odata.nextLink".into(), json!(format!("{origin}{path}?{qs}")));
    }
    out.insert("value".into(), Value::Array(page));
    ok_json(StatusCode::OK, Value::Object(out), None)
}

fn select_one(uri: &axum::http::Uri, m: Map<String, Value>) -> Result<Map<String, Value>, Fail> {
    let q = list_query(uri, &[])?;
    Ok(match q.select {
        None => m,
        Some(sel) => m
            .into_iter()
            .filter(|(k, _)| k.starts_with("@odata") || k == "id" || sel.iter().any(|s| s.eq_ignore_ascii_case(k)))
            .collect(),
    })
}

fn rel_url(base: &str, id: &str) -> String {
    let origin = base.rsplit_once('/').map(|(o, _)| o).unwrap_or(base);
    format!("{origin}{}", relationship_path(id))
        .replace("/v1.0/", &format!("/{}/", base.rsplit('/').next().unwrap_or("v1.0")))
}

// -- relationships ---------------------------------------------------------------------------

async fn list_relationships(State(s): State<AppState>, c: Ctx, uri: axum::http::Uri) -> Answer {
    let q = list_query(&uri, &["status", "displayName", "customer/tenantId", "id"])?;
    let seen = s.core.gdap_relationships(&c.who).await?;
    let items = seen.item.iter().map(relationship_json).collect();
    Ok(collection(&c.base, &uri, "delegatedAdminRelationships", items, q))
}

async fn create_relationship(State(s): State<AppState>, c: Ctx, body: Bytes) -> Answer {
    let v = body_json(&body)?;
    let seen = s.core.create_gdap_relationship(&c.who, &v).await?;
    let loc = rel_url(&c.base, &seen.item.id);
    Ok(entity(
        &c.base,
        "delegatedAdminRelationships",
        relationship_json(&seen.item),
        StatusCode::CREATED,
        Some(loc),
    ))
}

async fn get_relationship(State(s): State<AppState>, c: Ctx, Path(id): Path<String>, uri: axum::http::Uri) -> Answer {
    let seen = s.core.gdap_relationship(&c.who, &id).await?;
    let m = select_one(&uri, relationship_json(&seen.item))?;
    Ok(entity(
        &c.base,
        "delegatedAdminRelationships/$entity",
        m,
        StatusCode::OK,
        None,
    ))
}

async fn update_relationship(
    State(s): State<AppState>,
    c: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let v = body_json(&body)?;
    let (seen, op) = s
        .core
        .update_gdap_relationship(&c.who, &id, if_match(&headers).as_deref(), &v)
        .await?;
    Ok(match op {
        Some(op) => accepted(&c.base, &seen.item.id, &op),
        None => entity(
            &c.base,
            "delegatedAdminRelationships/$entity",
            relationship_json(&seen.item),
            StatusCode::OK,
            None,
        ),
    })
}

/// 202 with the operation's `Location` and `Retry-After`.
fn accepted(base: &str, rel: &str, op: &Operation) -> Response {
    let mut res = ok_json(
        StatusCode::ACCEPTED,
        json!({}),
        Some(format!("{}/operations/{}", rel_url(base, rel), op.id)),
    );
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
    res
}

async fn delete_relationship(State(s): State<AppState>, c: Ctx, Path(id): Path<String>, headers: HeaderMap) -> Answer {
    s.core
        .delete_gdap_relationship(&c.who, &id, if_match(&headers).as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// -- requests ---------------------------------------------------------------------------------

async fn create_request(State(s): State<AppState>, c: Ctx, Path(id): Path<String>, body: Bytes) -> Answer {
    let v = body_json(&body)?;
    let seen = s.core.create_gdap_request(&c.who, &id, &v).await?;
    let loc = format!("{}/requests/{}", rel_url(&c.base, &id), seen.item.id);
    let mut m = request_json(&seen.item, "created");
    m.remove("@odata.etag");
    Ok(entity(&c.base, "requests", m, StatusCode::CREATED, Some(loc)))
}

async fn list_requests(State(s): State<AppState>, c: Ctx, Path(id): Path<String>, uri: axum::http::Uri) -> Answer {
    let q = list_query(&uri, &["status", "action", "id"])?;
    let seen = s.core.gdap_requests(&c.who, &id).await?;
    let items = seen.item.iter().map(|r| request_json(r, r.status.as_str())).collect();
    Ok(collection(&c.base, &uri, "requests", items, q))
}

async fn get_request(
    State(s): State<AppState>,
    c: Ctx,
    Path((id, rid)): Path<(String, String)>,
    uri: axum::http::Uri,
) -> Answer {
    let seen = s.core.gdap_requests(&c.who, &id).await?;
    let r = seen
        .item
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(rid.trim()))
        .ok_or_else(|| Fail(GraphError::not_found("delegatedAdminRelationshipRequest", &rid)))?;
    let m = select_one(&uri, request_json(r, r.status.as_str()))?;
    Ok(entity(&c.base, "requests/$entity", m, StatusCode::OK, None))
}

// -- access assignments -----------------------------------------------------------------------

async fn create_assignment(State(s): State<AppState>, c: Ctx, Path(id): Path<String>, body: Bytes) -> Answer {
    let v = body_json(&body)?;
    let (rel, a) = s.core.create_gdap_assignment(&c.who, &id, &v).await?;
    let seen = s.core.gdap_relationship(&c.who, &rel).await?;
    let loc = format!("{}/accessAssignments/{}", rel_url(&c.base, &rel), a.id);
    Ok(entity(
        &c.base,
        "accessAssignments",
        assignment_json(&seen.item, &a),
        StatusCode::CREATED,
        Some(loc),
    ))
}

async fn list_assignments(State(s): State<AppState>, c: Ctx, Path(id): Path<String>, uri: axum::http::Uri) -> Answer {
    let q = list_query(&uri, &["status", "accessContainer/accessContainerId", "id"])?;
    let seen = s.core.gdap_relationship(&c.who, &id).await?;
    let items = seen
        .item
        .assignments
        .iter()
        .map(|a| assignment_json(&seen.item, a))
        .collect();
    Ok(collection(&c.base, &uri, "accessAssignments", items, q))
}

async fn get_assignment(
    State(s): State<AppState>,
    c: Ctx,
    Path((id, aid)): Path<(String, String)>,
    uri: axum::http::Uri,
) -> Answer {
    let seen = s.core.gdap_relationship(&c.who, &id).await?;
    let a = seen
        .item
        .assignments
        .iter()
        .find(|a| a.id.eq_ignore_ascii_case(aid.trim()))
        .ok_or_else(|| Fail(GraphError::not_found("delegatedAdminAccessAssignment", &aid)))?;
    let m = select_one(&uri, assignment_json(&seen.item, a))?;
    Ok(entity(&c.base, "accessAssignments/$entity", m, StatusCode::OK, None))
}

async fn update_assignment(
    State(s): State<AppState>,
    c: Ctx,
    Path((id, aid)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let v = body_json(&body)?;
    let (a, op) = s
        .core
        .update_gdap_assignment(&c.who, &id, &aid, if_match(&headers).as_deref(), &v)
        .await?;
    Ok(match op {
        Some(op) => accepted(&c.base, &id, &op),
        None => {
            let seen = s.core.gdap_relationship(&c.who, &id).await?;
            entity(
                &c.base,
                "accessAssignments/$entity",
                assignment_json(&seen.item, &a),
                StatusCode::OK,
                None,
            )
        }
    })
}

async fn delete_assignment(
    State(s): State<AppState>,
    c: Ctx,
    Path((id, aid)): Path<(String, String)>,
    headers: HeaderMap,
) -> Answer {
    s.core
        .delete_gdap_assignment(&c.who, &id, &aid, if_match(&headers).as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// -- operations and customers ----------------------------------------------------------------

async fn list_operations(State(s): State<AppState>, c: Ctx, Path(id): Path<String>, uri: axum::http::Uri) -> Answer {
    let q = list_query(&uri, &["status", "operationType", "id"])?;
    let seen = s.core.gdap_operations(&c.who, &id).await?;
    let items = seen.item.iter().map(operation_json).collect();
    Ok(collection(&c.base, &uri, "operations", items, q))
}

async fn get_operation(
    State(s): State<AppState>,
    c: Ctx,
    Path((id, oid)): Path<(String, String)>,
    uri: axum::http::Uri,
) -> Answer {
    let seen = s.core.gdap_operations(&c.who, &id).await?;
    let o = seen
        .item
        .iter()
        .find(|o| o.id.eq_ignore_ascii_case(oid.trim()))
        .ok_or_else(|| Fail(GraphError::not_found("delegatedAdminRelationshipOperation", &oid)))?;
    let m = select_one(&uri, operation_json(o))?;
    Ok(entity(&c.base, "operations/$entity", m, StatusCode::OK, None))
}

async fn list_customers(State(s): State<AppState>, c: Ctx, uri: axum::http::Uri) -> Answer {
    let q = list_query(&uri, &["tenantId", "displayName", "id"])?;
    let seen = s.core.gdap_customers(&c.who).await?;
    let items = seen.item.iter().map(customer_json).collect();
    Ok(collection(&c.base, &uri, "delegatedAdminCustomers", items, q))
}

async fn customer_by_id(s: &AppState, c: &Ctx, cid: &str) -> Result<gdap::Customer, Fail> {
    let seen = s.core.gdap_customers(&c.who).await?;
    seen.item
        .into_iter()
        .find(|x| {
            x.tenant_id
                .is_some_and(|t| t.to_string().eq_ignore_ascii_case(cid.trim()))
        })
        .ok_or_else(|| Fail(GraphError::not_found("delegatedAdminCustomer", cid)))
}

async fn get_customer(State(s): State<AppState>, c: Ctx, Path(cid): Path<String>, uri: axum::http::Uri) -> Answer {
    let found = customer_by_id(&s, &c, &cid).await?;
    let m = select_one(&uri, customer_json(&found))?;
    Ok(entity(
        &c.base,
        "delegatedAdminCustomers/$entity",
        m,
        StatusCode::OK,
        None,
    ))
}

async fn service_management(State(s): State<AppState>, c: Ctx, Path(cid): Path<String>) -> Answer {
    let found = customer_by_id(&s, &c, &cid).await?;
    let tenant = found.tenant_id.map(|t| t.to_string()).unwrap_or_default();
    let domain = s.core.tenant_domain(&tenant).await?.unwrap_or_else(|| tenant.clone());
    let services = [
        (
            "Azure Active Directory",
            format!("https://aad.portal.azure.com/{domain}"),
        ),
        (
            "Microsoft 365 Lighthouse",
            "https://lighthouse.microsoft.com".to_owned(),
        ),
        (
            "Exchange",
            format!(
                "https://admin.exchange.microsoft.com/?landingpage=homepage&form=mac_sidebar&delegatedOrg={domain}"
            ),
        ),
        (
            "Teams",
            format!("https://admin.teams.microsoft.com/?delegatedOrg={domain}"),
        ),
        (
            "Microsoft 365 admin center",
            format!("https://admin.microsoft.com/Partner/BeginClientSession.aspx?CTID={tenant}&CSDEST=o365admincenter"),
        ),
    ];
    let value: Vec<Value> = services
        .iter()
        .map(|(name, url)| {
            let id = stable_id(&format!("{tenant}|{name}"));
            json!({"@odata.type": "#microsoft.graph.delegatedAdminServiceManagementDetail", "id": id.to_string(),
                "serviceManagementUrl": url, "serviceName": name})
        })
        .collect();
    Ok(ok_json(
        StatusCode::OK,
        json!({"@odata.context": context(&c.base, &format!("delegatedAdminCustomers/{tenant}/serviceManagementDetails")),
            "value": value}),
        None,
    ))
}

/// A GUID-shaped id derived from a text: the same every time.
fn stable_id(text: &str) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(text.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    uuid::Builder::from_random_bytes(b).into_uuid().to_string()
}

// -- service principals (the Partner Customer Delegated Administration one) ------------------

fn service_principal_json(sp: &pcsandbox_core::gdap::ServicePrincipal) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(sp.id));
    m.insert("appId".into(), json!(sp.app_id));
    m.insert("displayName".into(), json!(sp.display_name));
    m.insert("appDisplayName".into(), json!(sp.display_name));
    m.insert("accountEnabled".into(), json!(true));
    m.insert("servicePrincipalType".into(), json!("Application"));
    m.insert(
        "appOwnerOrganizationId".into(),
        json!("f8cdef31-a31e-4b4a-93e4-5f571e91255a"),
    );
    m.insert("servicePrincipalNames".into(), json!([sp.app_id]));
    m
}

async fn create_service_principal(State(s): State<AppState>, c: Ctx, body: Bytes) -> Answer {
    let v = body_json(&body)?;
    let sp = s.core.create_service_principal(&c.who, &v).await?;
    let mut m = service_principal_json(&sp);
    m.insert(
        "@odata.context".into(),
        json!(format!("{}/$metadata#servicePrincipals/$entity", c.base)),
    );
    let origin = c.base.rsplit_once('/').map(|(o, _)| o).unwrap_or(&c.base);
    let loc = format!("{origin}/v1.0/servicePrincipals/{}", sp.id);
    Ok(ok_json(StatusCode::CREATED, Value::Object(order_odata(m)), Some(loc)))
}

async fn list_service_principals(State(s): State<AppState>, c: Ctx, uri: axum::http::Uri) -> Answer {
    let q = list_query(&uri, &["appId", "displayName", "id"])?;
    let sps = s.core.service_principals(&c.who).await?;
    let items = sps.iter().map(service_principal_json).collect();
    Ok(collection(&c.base, &uri, "$metadata#servicePrincipals", items, q))
}

// -- the customer's directory, read with GDAP roles -----------------------------------------

async fn list_users(State(s): State<AppState>, c: Ctx, uri: axum::http::Uri) -> Answer {
    let q = list_query(&uri, &["userPrincipalName", "displayName", "id"])?;
    let users = s.core.graph_users(&c.who).await?;
    let items = users
        .into_iter()
        .map(|u| {
            let mut m = Map::new();
            m.insert("id".into(), json!(u.id.to_string()));
            m.insert("displayName".into(), json!(u.display_name));
            m.insert("userPrincipalName".into(), json!(u.user_principal_name));
            m.insert("mail".into(), Value::Null);
            m
        })
        .collect();
    Ok(collection(&c.base, &uri, "$metadata#users", items, q))
}

async fn organization(State(s): State<AppState>, c: Ctx) -> Answer {
    let t = s.core.graph_organization(&c.who).await?;
    Ok(ok_json(
        StatusCode::OK,
        json!({"@odata.context": format!("{}/$metadata#organization", c.base),
            "value": [{"id": t.id.to_string(), "displayName": t.display_name, "countryLetterCode": t.country,
                "verifiedDomains": t.all_domains().iter().map(|d| json!({"name": d, "isDefault": *d == t.domain,
                    "isInitial": *d == t.domain, "type": "Managed", "capabilities": "Email, OfficeCommunicationsOnline"}))
                    .collect::<Vec<_>>()}]}),
        None,
    ))
}
