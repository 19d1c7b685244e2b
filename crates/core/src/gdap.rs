//! GDAP use-cases: the Graph `tenantRelationships` surface as a partner calls it, the customer's
//! approval (the invitation page and the control plane's action), the partner's security
//! groups, and the roles a partner user holds in a customer's tenant when it signs in there.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use domain::gdap::{
    self, Assignment, Change, Customer, GraphError, Group, Happened, NewAssignment, NewRelationship, Operation, Patch,
    Relationship, Request, RequestAction,
};
use domain::message::{Refusal, RefusalKind};
use domain::{AppId, Role, SandboxId, TenantId, UserId};
use serde_json::{json, Value};
use store::gdap::{Kind, Placement};

use crate::error::{CoreError, Result};
use crate::partner_center::AuthError;
use crate::uow::{UserRef, Write};
use crate::Core;

/// The Partner Customer Delegated Administration service principal app-only GDAP calls need.
pub const PCDA_APP_ID: &str = "2832473f-ec63-45fb-976f-5d45a7d4bb91";

/// A verified caller of the Graph surface.
#[derive(Debug, Clone)]
pub struct GraphCaller {
    pub sandbox: SandboxId,
    /// The token's tenant (`tid`): the partner's own, or a customer's for a GDAP sign-in.
    pub tenant: TenantId,
    pub app_id: AppId,
    pub user: Option<GraphUser>,
    pub mfa: bool,
    /// Delegated permissions (`scp`).
    pub scopes: Vec<String>,
    /// Directory role template ids (`wids`).
    pub wids: Vec<String>,
    pub journal: Arc<store::journal::Who>,
}

#[derive(Debug, Clone)]
pub struct GraphUser {
    pub id: UserId,
    pub upn: String,
    pub home_tenant: TenantId,
    pub roles: Vec<Role>,
}

impl GraphCaller {
    fn has_scope(&self, any: &[&str]) -> bool {
        self.scopes
            .iter()
            .any(|s| any.iter().any(|a| s.eq_ignore_ascii_case(a)))
    }
}

const READ: &[&str] = &[
    "DelegatedAdminRelationship.Read.All",
    "DelegatedAdminRelationship.ReadWrite.All",
];
const WRITE: &[&str] = &["DelegatedAdminRelationship.ReadWrite.All"];

/// A relationship and the time it was read at.
pub struct Seen<T> {
    pub item: T,
    pub now: DateTime<Utc>,
}

fn graph(e: GraphError) -> CoreError {
    CoreError::Graph(e)
}

fn delay_of(secs: i64) -> Duration {
    Duration::seconds(secs.max(0))
}

/// The Graph URL of a relationship (for `Location` headers and mails).
pub fn relationship_path(id: &str) -> String {
    format!("/v1.0/tenantRelationships/delegatedAdminRelationships/{id}")
}

/// Where the customer's Global Administrator approves: the admin center's link, served here.
pub fn invitation_url(base: &str, id: &str) -> String {
    format!("{base}/AdminPortal/partners/invitation/granularAdminRelationships/{id}")
}

impl Core {
    /// Verifies a Graph bearer token (audience Microsoft Graph).
    pub async fn authenticate_graph(
        &self,
        token: &str,
        issuer_bases: &[&str],
    ) -> std::result::Result<GraphCaller, AuthError> {
        let invalid = |why: &str| AuthError::Invalid(why.to_owned());
        let tid: TenantId = identity::verify::peek_tenant(token)
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| invalid("the token is malformed"))?;
        let (sandbox_id, _) = self
            .tenant(tid)
            .await
            .map_err(|_| invalid("the token's tenant could not be read"))?
            .ok_or_else(|| invalid("the token's tenant is not a tenant of any sandbox"))?;
        let sandbox = self
            .sandbox(sandbox_id)
            .await
            .map_err(|_| invalid("the token's sandbox could not be read"))?
            .ok_or_else(|| invalid("the token's sandbox no longer exists"))?;
        let now = self.sandbox_now(&sandbox).timestamp();
        let keys = self
            .keyset_for(sandbox_id)
            .await
            .map_err(|_| invalid("the sandbox's keys could not be read"))?;
        let claims = identity::verify(
            &keys,
            token,
            &[identity::claims::GRAPH, identity::claims::GRAPH_APP_ID],
            issuer_bases,
            now,
        )
        .map_err(|e| AuthError::Invalid(e.to_string()))?;
        let claim = |k: &str| claims.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
        let app_id: AppId = claim("appid")
            .parse()
            .or_else(|_| claim("azp").parse())
            .map_err(|_| invalid("the token names no application"))?;
        let user = if claim("idtyp") == "user" {
            let id: UserId = claim("oid").parse().map_err(|_| invalid("the token names no user"))?;
            let mut c = self
                .store
                .conn()
                .await
                .map_err(|_| invalid("the store is unavailable"))?;
            let (s, u) = store::world::user(&mut c, id)
                .await
                .map_err(|_| invalid("the store is unavailable"))?
                .ok_or_else(|| invalid("the token's user does not exist"))?;
            if s != sandbox_id {
                return Err(invalid("the token's user belongs to another sandbox"));
            }
            Some(GraphUser {
                id: u.id,
                upn: u.user_principal_name,
                home_tenant: u.tenant_id,
                roles: u.roles,
            })
        } else {
            None
        };
        let mfa = crate::partner_center::auth::amr_has_mfa(&claims);
        let scopes = claim("scp").split_whitespace().map(str::to_owned).collect();
        let wids = claims
            .get("wids")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        let journal = Arc::new(store::journal::Who {
            tenant_id: Some(tid),
            user_id: user.as_ref().map(|u| u.id),
            upn: user.as_ref().map(|u| u.upn.clone()),
            app_id: Some(app_id),
            app_name: String::new(),
            mfa,
        });
        Ok(GraphCaller {
            sandbox: sandbox_id,
            tenant: tid,
            app_id,
            user,
            mfa,
            scopes,
            wids,
            journal,
        })
    }

    /// The partner side of the GDAP API: a user of the partner's own tenant (GDAP APIs enforce
    /// MFA) with the permission, holding Global admin or Admin agent in Partner Center; or an
    /// application of the partner's tenant, once that tenant holds the Partner Customer Delegated
    /// Administration service principal (as the docs require for application permissions).
    async fn gdap_partner(&self, who: &GraphCaller, write: bool) -> Result<TenantId> {
        let Some(user) = &who.user else {
            let mut c = self.store.conn().await?;
            let home = store::world::app(&mut c, who.app_id).await?.map(|(_, a)| a.tenant_id);
            let provisioned = store::gdap::get::<ServicePrincipal>(
                &mut c,
                Kind::ServicePrincipal,
                who.sandbox,
                &sp_key(who.tenant, PCDA_APP_ID),
            )
            .await?
            .is_some();
            if home == Some(who.tenant) && provisioned {
                return Ok(who.tenant);
            }
            return Err(graph(GraphError::new(
                403,
                "Authorization_RequestDenied",
                format!(
                    "Insufficient privileges to complete the operation. App-only calls need an application of the partner's \
                     tenant and, in that tenant, the Partner Customer Delegated Administration service principal \
                     ({PCDA_APP_ID}): POST /v1.0/servicePrincipals {{\"appId\": \"{PCDA_APP_ID}\"}} as its admin."
                ),
            )));
        };
        if user.home_tenant != who.tenant {
            return Err(graph(GraphError::denied()));
        }
        if !who.has_scope(if write { WRITE } else { READ }) {
            return Err(graph(GraphError::new(
                403,
                "Authorization_RequestDenied",
                format!(
                    "Insufficient privileges to complete the operation. The token's scp lacks {}.",
                    if write { WRITE[0].to_owned() } else { READ.join(" or ") }
                ),
            )));
        }
        if !who.mfa {
            return Err(graph(GraphError::new(
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation. GDAP APIs require multifactor authentication: \
                 the token's amr has no mfa.",
            )));
        }
        if !user
            .roles
            .iter()
            .any(|r| matches!(r, Role::GlobalAdmin | Role::AdminAgent))
        {
            return Err(graph(GraphError::new(
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation. The user needs the Global admin or Admin agent role \
                 in Partner Center.",
            )));
        }
        Ok(who.tenant)
    }

    async fn gdap_delay(&self, c: &mut store::Conn, sandbox: SandboxId) -> Result<Duration> {
        Ok(delay_of(store::gdap::settings(c, sandbox).await?.activation_delay_secs))
    }

    /// Reads a partner's relationship, brought to the sandbox clock (reads settle in memory;
    /// writes save what they settle).
    async fn read_relationship(&self, who: &GraphCaller, partner: TenantId, id: &str) -> Result<Seen<Relationship>> {
        let now = self.sandbox_now_of(who.sandbox).await?;
        let mut c = self.store.conn().await?;
        let delay = self.gdap_delay(&mut c, who.sandbox).await?;
        let mut r: Relationship = store::gdap::get(&mut c, Kind::Relationship, who.sandbox, id.trim())
            .await?
            .filter(|r: &Relationship| r.partner_tenant == partner)
            .ok_or_else(|| graph(GraphError::not_found("delegatedAdminRelationship", id)))?;
        r.settle(now, delay);
        Ok(Seen { item: r, now })
    }

    pub async fn gdap_relationships(&self, who: &GraphCaller) -> Result<Seen<Vec<Relationship>>> {
        let partner = self.gdap_partner(who, false).await?;
        let now = self.sandbox_now_of(who.sandbox).await?;
        let mut c = self.store.conn().await?;
        let delay = self.gdap_delay(&mut c, who.sandbox).await?;
        let mut all: Vec<Relationship> = store::gdap::list(&mut c, Kind::Relationship, partner).await?;
        for r in &mut all {
            r.settle(now, delay);
        }
        Ok(Seen { item: all, now })
    }

    /// A part of a partner's relationship (its requests, assignments, operations), as of now.
    async fn relationship_part<T>(
        &self,
        who: &GraphCaller,
        id: &str,
        part: impl FnOnce(Relationship) -> T,
    ) -> Result<Seen<T>> {
        let partner = self.gdap_partner(who, false).await?;
        let s = self.read_relationship(who, partner, id).await?;
        Ok(Seen {
            item: part(s.item),
            now: s.now,
        })
    }

    pub async fn gdap_relationship(&self, who: &GraphCaller, id: &str) -> Result<Seen<Relationship>> {
        let partner = self.gdap_partner(who, false).await?;
        self.read_relationship(who, partner, id).await
    }

    /// A relationship of the partner inside a write, settled (and its settlement kept).
    async fn relationship_in(&self, w: &mut Write<'_>, partner: TenantId, id: &str) -> Result<Relationship> {
        let sandbox = w.id();
        let r: Relationship = store::gdap::get(w.c(), Kind::Relationship, sandbox, id.trim())
            .await?
            .filter(|r: &Relationship| r.partner_tenant == partner)
            .ok_or_else(|| graph(GraphError::not_found("delegatedAdminRelationship", id)))?;
        Ok(r)
    }

    async fn save_relationship(&self, w: &mut Write<'_>, r: &Relationship, delay: Duration) -> Result<()> {
        let due = r.next_due(delay).map(|d| d.timestamp_millis());
        store::gdap::update(w.c(), Kind::Relationship, &r.id, r.customer_tenant(), due, r)
            .await
            .map_err(Into::into)
    }

    /// `POST /tenantRelationships/delegatedAdminRelationships`.
    pub async fn create_gdap_relationship(&self, who: &GraphCaller, body: &Value) -> Result<Seen<Relationship>> {
        let partner = self.gdap_partner(who, true).await?;
        let text = |k: &str| body.get(k).and_then(Value::as_str);
        let display_name =
            text("displayName").ok_or_else(|| graph(GraphError::bad_request("displayName is required.")))?;
        let duration = text("duration").ok_or_else(|| graph(GraphError::bad_request("duration is required.")))?;
        let roles = unified_roles(body.get("accessDetails"))?
            .ok_or_else(|| graph(GraphError::bad_request("accessDetails is required.")))?;
        let customer = customer_of(body.get("customer"))?;
        let auto = match body.get("autoExtendDuration") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => return Err(graph(GraphError::bad_request("autoExtendDuration must be a string."))),
        };
        let mut w = self.write(who.sandbox).await?;
        let existing: Vec<Relationship> = store::gdap::list(w.c(), Kind::Relationship, partner).await?;
        domain::limits::within(
            "delegatedAdminRelationships",
            "GDAP relationships of a partner",
            existing.len() + 1,
            gdap::MAX_RELATIONSHIPS_PER_PARTNER,
        )?;
        let id = gdap::relationship_id(self.random.uuid(), partner);
        let mut r = gdap::create(
            NewRelationship {
                id,
                partner_tenant: partner,
                display_name,
                duration,
                customer,
                roles: &roles,
                auto_extend: auto,
            },
            existing.into_iter().map(|r| r.display_name).collect(),
            w.now,
        )
        .map_err(graph)?;
        // Its mails go to the user who made it; made app-only, to the partner's primary contact.
        r.created_by = match &who.user {
            Some(u) => u.upn.clone(),
            None => w
                .partner(partner)
                .await
                .map(|p| p.legal_business_profile.primary_contact.email)
                .unwrap_or_default(),
        };
        let now = w.now;
        store::gdap::insert(
            w.c(),
            Kind::Relationship,
            &r.id,
            Placement {
                sandbox: who.sandbox,
                tenant: partner,
                customer: r.customer_tenant(),
                due_at_ms: None,
            },
            &r,
        )
        .await?;
        w.commit().await?;
        Ok(Seen { item: r, now })
    }

    /// `PATCH .../{id}` with `If-Match`: 200 with the relationship, or the operation of a
    /// long-running removal of Global Administrator (202).
    pub async fn update_gdap_relationship(
        &self,
        who: &GraphCaller,
        id: &str,
        if_match: Option<&str>,
        body: &Value,
    ) -> Result<(Seen<Relationship>, Option<Operation>)> {
        let partner = self.gdap_partner(who, true).await?;
        let patch = Patch {
            display_name: opt_text(body, "displayName")?,
            duration: opt_text(body, "duration")?,
            customer: customer_of(body.get("customer"))?,
            roles: unified_roles(body.get("accessDetails"))?,
            auto_extend: opt_text(body, "autoExtendDuration")?,
        };
        let mut w = self.write(who.sandbox).await?;
        let delay = self.gdap_delay(w.c(), who.sandbox).await?;
        let mut r = self.relationship_in(&mut w, partner, id).await?;
        let now = w.now;
        r.settle(now, delay);
        check_etag(if_match, &r.etag())?;
        let taken = store::gdap::list::<Relationship>(w.c(), Kind::Relationship, partner)
            .await?
            .into_iter()
            .filter(|x| x.id != r.id)
            .map(|x| x.display_name)
            .collect();
        let removes_ga = r.update(&patch, now, taken).map_err(graph)?;
        let op = if removes_ga {
            r.room_for_operation().map_err(graph)?;
            let data = json!({"id": r.id, "accessDetails": {"unifiedRoles": r.roles.iter()
                .filter(|x| *x != gdap::GLOBAL_ADMINISTRATOR)
                .map(|x| json!({"roleDefinitionId": x})).collect::<Vec<_>>()}})
            .to_string();
            let op = r.start_operation(
                self.random.uuid().to_string(),
                Change::RemoveGlobalAdministrator,
                data,
                now,
                delay,
            );
            r.settle(now, delay);
            Some(op)
        } else {
            None
        };
        self.save_relationship(&mut w, &r, delay).await?;
        w.commit().await?;
        Ok((Seen { item: r, now }, op))
    }

    /// `DELETE .../{id}` with `If-Match`: only while `created`.
    pub async fn delete_gdap_relationship(&self, who: &GraphCaller, id: &str, if_match: Option<&str>) -> Result<()> {
        let partner = self.gdap_partner(who, true).await?;
        let mut w = self.write(who.sandbox).await?;
        let r = self.relationship_in(&mut w, partner, id).await?;
        check_etag(if_match, &r.etag())?;
        if r.status != gdap::Status::Created {
            return Err(graph(GraphError::bad_request(format!(
                "A relationship can only be deleted while its status is 'created'; this one is '{}'.",
                r.status.as_str()
            ))));
        }
        store::gdap::remove(w.c(), Kind::Relationship, &r.id).await?;
        w.commit().await?;
        Ok(())
    }

    /// `POST .../{id}/requests`: `lockForApproval` (mails the invitation link to the partner) or
    /// `terminate`.
    pub async fn create_gdap_request(&self, who: &GraphCaller, id: &str, body: &Value) -> Result<Seen<Request>> {
        let partner = self.gdap_partner(who, true).await?;
        let raw = body
            .get("action")
            .and_then(Value::as_str)
            .ok_or_else(|| graph(GraphError::bad_request("action is required.")))?;
        let action = RequestAction::parse(raw).ok_or_else(|| {
            graph(GraphError::bad_request(format!(
                "action '{raw}' is not one of lockForApproval, approve, terminate, reject."
            )))
        })?;
        let mut w = self.write(who.sandbox).await?;
        let delay = self.gdap_delay(w.c(), who.sandbox).await?;
        let mut r = self.relationship_in(&mut w, partner, id).await?;
        let now = w.now;
        r.settle(now, delay);
        match action {
            RequestAction::LockForApproval => r.lock_for_approval(now).map_err(graph)?,
            RequestAction::Terminate => r.terminate(now).map_err(graph)?,
            RequestAction::Approve | RequestAction::Reject => {
                return Err(graph(GraphError::bad_request(format!(
                    "'{}' is for an indirect reseller answering a relationship its indirect provider created; \
                     a customer approves through the invitation link.",
                    action.as_str()
                ))))
            }
        }
        let req = r.record_request(self.random.uuid().to_string(), action, now);
        let happened = r.settle(now, delay);
        self.save_relationship(&mut w, &r, delay).await?;
        if action == RequestAction::LockForApproval {
            // To whoever made it; made app-only, to the partner's primary contact.
            let mut to = if r.created_by.is_empty() {
                who.user.as_ref().map(|u| u.upn.clone()).unwrap_or_default()
            } else {
                r.created_by.clone()
            };
            if to.is_empty() {
                to = w
                    .partner(r.partner_tenant)
                    .await
                    .map(|p| p.legal_business_profile.primary_contact.email)
                    .unwrap_or_default();
            }
            if !to.is_empty() {
                let m = domain::mail::gdap_invitation(
                    &to,
                    &r.display_name,
                    &invitation_url(&self.settings.base_url, &r.id),
                    &gdap_role_names(&r.roles),
                );
                w.send(&m).await?;
            }
        }
        w.commit().await?;
        self.gdap_events(who.sandbox, &r, &happened).await;
        Ok(Seen { item: req, now })
    }

    pub async fn gdap_requests(&self, who: &GraphCaller, id: &str) -> Result<Seen<Vec<Request>>> {
        self.relationship_part(who, id, |r| r.requests).await
    }

    /// `POST .../{id}/accessAssignments`: a security group of the partner and a subset of the
    /// relationship's roles.
    pub async fn create_gdap_assignment(
        &self,
        who: &GraphCaller,
        id: &str,
        body: &Value,
    ) -> Result<(String, Assignment)> {
        let partner = self.gdap_partner(who, true).await?;
        let container = body.get("accessContainer");
        let group_id = container
            .and_then(|c| c.get("accessContainerId"))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                graph(GraphError::bad_request(
                    "accessContainer.accessContainerId is required.",
                ))
            })?;
        let kind = container
            .and_then(|c| c.get("accessContainerType"))
            .and_then(Value::as_str)
            .unwrap_or("securityGroup");
        if kind != "securityGroup" {
            return Err(graph(GraphError::bad_request(format!(
                "accessContainerType '{kind}' is not supported: securityGroup is."
            ))));
        }
        let roles = unified_roles(body.get("accessDetails"))?
            .ok_or_else(|| graph(GraphError::bad_request("accessDetails is required.")))?;
        let mut w = self.write(who.sandbox).await?;
        let delay = self.gdap_delay(w.c(), who.sandbox).await?;
        let group: Option<Group> = store::gdap::get(w.c(), Kind::Group, who.sandbox, group_id).await?;
        let group = group.filter(|g| g.tenant_id == partner).ok_or_else(|| {
            graph(GraphError::bad_request(format!(
                "accessContainerId '{group_id}' is not a security group of the partner's tenant."
            )))
        })?;
        let mut r = self.relationship_in(&mut w, partner, id).await?;
        let now = w.now;
        r.settle(now, delay);
        let stuck = store::gdap::settings(w.c(), who.sandbox).await?.stuck_assignments;
        let a = r
            .assign(
                NewAssignment {
                    id: self.random.uuid().to_string(),
                    group_id: group.id,
                    roles,
                    stuck,
                },
                now,
                delay,
            )
            .map_err(graph)?;
        self.save_relationship(&mut w, &r, delay).await?;
        w.commit().await?;
        let mut happened = vec![];
        if a.status == gdap::AssignmentStatus::Active {
            happened.push(Happened::AssignmentActivated { id: a.id.clone() });
        }
        self.assignment_event(who.sandbox, &r, &a.id, "granular-admin-access-assignment-created")
            .await;
        self.gdap_events(who.sandbox, &r, &happened).await;
        Ok((r.id, a))
    }

    pub async fn gdap_assignments(&self, who: &GraphCaller, id: &str) -> Result<Seen<Vec<Assignment>>> {
        self.relationship_part(who, id, |r| r.assignments).await
    }

    /// `PATCH .../accessAssignments/{aid}` with `If-Match`: a long-running operation (202), or
    /// nothing when the roles are the ones it holds (200).
    pub async fn update_gdap_assignment(
        &self,
        who: &GraphCaller,
        id: &str,
        aid: &str,
        if_match: Option<&str>,
        body: &Value,
    ) -> Result<(Assignment, Option<Operation>)> {
        let partner = self.gdap_partner(who, true).await?;
        let roles = unified_roles(body.get("accessDetails"))?
            .ok_or_else(|| graph(GraphError::bad_request("accessDetails is required.")))?;
        let mut w = self.write(who.sandbox).await?;
        let delay = self.gdap_delay(w.c(), who.sandbox).await?;
        let mut r = self.relationship_in(&mut w, partner, id).await?;
        let now = w.now;
        r.settle(now, delay);
        let a = assignment_of(&r, aid)?;
        check_etag(if_match, &assignment_etag(&r, &a))?;
        if !matches!(
            a.status,
            gdap::AssignmentStatus::Active | gdap::AssignmentStatus::Pending
        ) {
            return Err(graph(GraphError::bad_request(format!(
                "An access assignment in status '{}' cannot change.",
                a.status.as_str()
            ))));
        }
        let roles = r.subset(&roles).map_err(graph)?;
        if roles == a.roles {
            return Ok((a, None));
        }
        r.room_for_operation().map_err(graph)?;
        let data = json!({"id": a.id, "accessContainer": {"accessContainerId": a.group_id,
            "accessContainerType": "securityGroup"},
            "accessDetails": {"unifiedRoles": roles.iter().map(|x| json!({"roleDefinitionId": x})).collect::<Vec<_>>()},
            "status": "active"})
        .to_string();
        let op = r.start_operation(
            self.random.uuid().to_string(),
            Change::AssignmentRoles {
                assignment_id: a.id.clone(),
                roles,
            },
            data,
            now,
            delay,
        );
        r.settle(now, delay);
        self.save_relationship(&mut w, &r, delay).await?;
        w.commit().await?;
        self.assignment_event(who.sandbox, &r, &a.id, "granular-admin-access-assignment-updated")
            .await;
        let a = assignment_of(&r, aid)?;
        Ok((a, Some(op)))
    }

    /// `DELETE .../accessAssignments/{aid}` with `If-Match`.
    pub async fn delete_gdap_assignment(
        &self,
        who: &GraphCaller,
        id: &str,
        aid: &str,
        if_match: Option<&str>,
    ) -> Result<()> {
        let partner = self.gdap_partner(who, true).await?;
        let mut w = self.write(who.sandbox).await?;
        let delay = self.gdap_delay(w.c(), who.sandbox).await?;
        let mut r = self.relationship_in(&mut w, partner, id).await?;
        let now = w.now;
        r.settle(now, delay);
        let a = assignment_of(&r, aid)?;
        check_etag(if_match, &assignment_etag(&r, &a))?;
        if matches!(
            a.status,
            gdap::AssignmentStatus::Deleted | gdap::AssignmentStatus::Deleting
        ) {
            return Err(graph(GraphError::not_found("delegatedAdminAccessAssignment", aid)));
        }
        if let Some(x) = r.assignments.iter_mut().find(|x| x.id == a.id) {
            x.status = gdap::AssignmentStatus::Deleting;
            x.due_at = Some(now + delay);
            x.stuck = false;
            x.last_modified_at = now;
            x.version += 1;
        }
        r.settle(now, delay);
        self.save_relationship(&mut w, &r, delay).await?;
        w.commit().await?;
        self.assignment_event(who.sandbox, &r, &a.id, "granular-admin-access-assignment-deleted")
            .await;
        Ok(())
    }

    pub async fn gdap_operations(&self, who: &GraphCaller, id: &str) -> Result<Seen<Vec<Operation>>> {
        self.relationship_part(who, id, |r| r.operations).await
    }

    /// `delegatedAdminCustomers`: the customers of the partner's relationships that exist
    /// (approved and not ended), by tenant, with the newest display name.
    pub async fn gdap_customers(&self, who: &GraphCaller) -> Result<Seen<Vec<Customer>>> {
        let s = self.gdap_relationships(who).await?;
        let mut out: Vec<Customer> = Vec::new();
        for r in &s.item {
            let live = matches!(
                r.status,
                gdap::Status::Approved
                    | gdap::Status::Activating
                    | gdap::Status::Active
                    | gdap::Status::TerminationRequested
                    | gdap::Status::Terminating
            );
            if let (true, Some(c)) = (live, &r.customer) {
                if c.tenant_id.is_some() && !out.iter().any(|x| x.tenant_id == c.tenant_id) {
                    out.push(c.clone());
                }
            }
        }
        Ok(Seen { item: out, now: s.now })
    }

    /// The customer's Global Administrator approves a relationship awaiting approval: the
    /// invitation page and the control plane's `approve-gdap-relationship` action.
    pub async fn approve_gdap_relationship(
        &self,
        sandbox: SandboxId,
        actor: &UserRef,
        id: &str,
    ) -> Result<Relationship> {
        let mut w = self.write(sandbox).await?;
        let delay = self.gdap_delay(w.c(), sandbox).await?;
        let user = actor.find(w.c(), sandbox).await?.ok_or_else(|| CoreError::NotFound {
            what: "user",
            id: actor.shown(),
            field: Some("as".into()),
        })?;
        let (_, tenant) = store::world::tenant(w.c(), user.tenant_id)
            .await?
            .ok_or_else(|| CoreError::not_found("tenant", user.tenant_id))?;
        let profile: Option<domain::licensing::UserProfile> =
            store::commerce::get(w.c(), store::commerce::Kind::User, tenant.id, &user.id.to_string()).await?;
        let global_admin = profile.is_some_and(|p| {
            p.directory_roles
                .iter()
                .any(|r| r.eq_ignore_ascii_case(domain::licensing::COMPANY_ADMINISTRATOR))
        }) || user.roles.contains(&Role::GlobalAdmin);
        if !global_admin {
            return Err(Refusal::new(
                RefusalKind::Forbidden,
                "GlobalAdministratorRequired",
                "この要求を承認できるのは、顧客のテナントのグローバル管理者だけです。",
                "Only a Global Administrator of the customer's tenant can approve this request.",
            )
            .into());
        }
        let mut r: Relationship = store::gdap::get(w.c(), Kind::Relationship, sandbox, id.trim())
            .await?
            .ok_or_else(|| CoreError::NotFound {
                what: "delegatedAdminRelationship",
                id: id.to_owned(),
                field: Some("relationshipId".into()),
            })?;
        let now = w.now;
        r.settle(now, delay);
        if r.partner_tenant == tenant.id {
            return Err(Refusal::new(
                RefusalKind::Forbidden,
                "OwnRelationship",
                "パートナーは自社の GDAP 関係を承認できません。顧客のグローバル管理者が承認します。",
                "A partner cannot approve its own GDAP relationship: the customer's Global Administrator does.",
            )
            .into());
        }
        r.approve(tenant.id, &tenant.display_name, &user.user_principal_name, now)
            .map_err(|e| match e.status {
                403 => CoreError::from(Refusal::new(
                    RefusalKind::Forbidden,
                    "AnotherCustomer",
                    "この関係は別の顧客宛てです。",
                    "This relationship was created for another customer's tenant.",
                )),
                _ => CoreError::from(Refusal::new(
                    RefusalKind::Conflict,
                    "NotAwaitingApproval",
                    format!("この関係は承認待ちではありません (状態: {})。", r.status.as_str()),
                    format!(
                        "This relationship is not awaiting approval (status: {}).",
                        r.status.as_str()
                    ),
                )),
            })?;
        let mut happened = vec![Happened::Approved];
        happened.extend(r.settle(now, delay));
        self.save_relationship(&mut w, &r, delay).await?;
        if !r.created_by.is_empty() {
            let m = domain::mail::gdap_approved(&r.created_by, &r.display_name, &tenant.display_name);
            w.send(&m).await?;
        }
        w.commit().await?;
        self.gdap_events(sandbox, &r, &happened).await;
        Ok(r)
    }

    /// A relationship as the invitation page shows it, to anyone holding its link.
    pub async fn gdap_invitation(&self, sandbox: SandboxId, id: &str) -> Result<Option<(Relationship, String)>> {
        let now = self.sandbox_now_of(sandbox).await?;
        let mut c = self.store.conn().await?;
        let delay = self.gdap_delay(&mut c, sandbox).await?;
        let Some(mut r) = store::gdap::get::<Relationship>(&mut c, Kind::Relationship, sandbox, id.trim()).await?
        else {
            return Ok(None);
        };
        r.settle(now, delay);
        let partner = store::world::tenant(&mut c, r.partner_tenant)
            .await?
            .map(|(_, t)| t.display_name)
            .unwrap_or_default();
        Ok(Some((r, partner)))
    }

    /// Which sandbox holds a relationship (the invitation link names only the relationship).
    pub async fn gdap_sandbox_of(&self, id: &str) -> Result<Option<SandboxId>> {
        let mut c = self.store.conn().await?;
        Ok(store::gdap::sandbox_of(&mut c, id.trim()).await?)
    }

    /// A webhook event about an access assignment (to the partner's registration).
    async fn assignment_event(&self, sandbox: SandboxId, r: &Relationship, assignment: &str, name: &str) {
        let path = format!("delegatedAdminRelationships/{}/accessAssignments/{assignment}", r.id);
        self.emit(sandbox, r.partner_tenant, name, "delegatedAdminAccessAssignment", &path)
            .await;
    }

    /// Webhook events for what happened (to the partner's registration).
    async fn gdap_events(&self, sandbox: SandboxId, r: &Relationship, happened: &[Happened]) {
        for h in happened {
            if let Some((name, resource, path)) = event_of(r, h) {
                self.emit(sandbox, r.partner_tenant, name, resource, &path).await;
            }
        }
    }

    /// Settles a sandbox's GDAP relationships that fell due, inside a write: mails the
    /// reminders and the expiry.
    pub(crate) async fn settle_gdap(&self, w: &mut Write<'_>) -> Result<()> {
        let (sandbox, now) = (w.id(), w.now);
        let due: Vec<Relationship> = store::gdap::due(w.c(), sandbox, now.timestamp_millis()).await?;
        if due.is_empty() {
            return Ok(());
        }
        let delay = self.gdap_delay(w.c(), sandbox).await?;
        for mut r in due {
            let happened = r.settle(now, delay);
            self.save_relationship(w, &r, delay).await?;
            for h in &happened {
                if let Some((name, resource, path)) = event_of(&r, h) {
                    w.events.push((r.partner_tenant, name, resource, path));
                }
            }
            if r.created_by.is_empty() {
                continue;
            }
            for h in happened {
                let m = match h {
                    Happened::Reminder { days } => domain::mail::gdap_expiry_reminder(
                        &r.created_by,
                        &r.display_name,
                        days,
                        r.end_at.unwrap_or(now),
                    ),
                    Happened::Expired => domain::mail::gdap_expired(&r.created_by, &r.display_name),
                    _ => continue,
                };
                w.send(&m).await?;
            }
        }
        Ok(())
    }

    /// The roles a user holds in a customer's tenant through GDAP right now: the role template
    /// ids of the active assignments, on active relationships between the user's partner tenant
    /// and the customer, whose groups hold the user. None: no active relationship at all.
    pub async fn gdap_roles(
        &self,
        c: &mut store::Conn,
        sandbox: SandboxId,
        user: UserId,
        home: TenantId,
        customer: TenantId,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<String>>> {
        let delay = self.gdap_delay(c, sandbox).await?;
        let mut rels: Vec<Relationship> = store::gdap::of_customer(c, customer).await?;
        rels.retain(|r| r.partner_tenant == home);
        let groups: Vec<Group> = store::gdap::list(c, Kind::Group, home).await?;
        let mine: Vec<String> = groups
            .into_iter()
            .filter(|g| g.members.contains(&user))
            .map(|g| g.id)
            .collect();
        let mut any = false;
        let mut out: Vec<String> = Vec::new();
        for mut r in rels {
            r.settle(now, delay);
            if !r.status.grants_access() {
                continue;
            }
            any = true;
            for role in r.granted_roles(&mine) {
                if !out.contains(&role) {
                    out.push(role);
                }
            }
        }
        Ok(any.then_some(out))
    }

    /// `GET /users` in the token's tenant: its own users may read it; a partner user signed in
    /// through GDAP needs a directory-reading role among the token's `wids`.
    pub async fn graph_users(&self, who: &GraphCaller) -> Result<Vec<domain::world::User>> {
        self.directory_reader(who)?;
        let mut c = self.store.conn().await?;
        Ok(store::world::tenant_users(&mut c, who.tenant).await?)
    }

    /// `GET /organization`: the token's tenant.
    pub async fn graph_organization(&self, who: &GraphCaller) -> Result<domain::world::Tenant> {
        self.directory_reader(who)?;
        let mut c = self.store.conn().await?;
        store::world::tenant(&mut c, who.tenant)
            .await?
            .map(|(_, t)| t)
            .ok_or_else(|| graph(GraphError::not_found("organization", &who.tenant.to_string())))
    }

    fn directory_reader(&self, who: &GraphCaller) -> Result<()> {
        let Some(u) = &who.user else {
            return Err(graph(GraphError::denied()));
        };
        if u.home_tenant == who.tenant {
            return Ok(());
        }
        if who
            .wids
            .iter()
            .any(|w| gdap::DIRECTORY_READ_ROLES.iter().any(|r| r.eq_ignore_ascii_case(w)))
        {
            return Ok(());
        }
        Err(graph(GraphError::denied()))
    }

    /// A tenant's initial domain by id (for service management links).
    pub async fn tenant_domain(&self, id: &str) -> Result<Option<String>> {
        let Ok(t) = id.parse::<TenantId>() else { return Ok(None) };
        let mut c = self.store.conn().await?;
        Ok(store::world::tenant(&mut c, t).await?.map(|(_, t)| t.domain))
    }

    /// Whether a user of another tenant may sign in to `customer`'s authority: GDAP access with
    /// at least one role right now. Err carries AADSTS50020 with the reason.
    pub async fn gdap_sign_in(
        &self,
        c: &mut store::Conn,
        sandbox: SandboxId,
        user: &domain::world::User,
        customer: TenantId,
        now: DateTime<Utc>,
        issuer_base: &str,
    ) -> std::result::Result<Vec<String>, crate::entra::EntraError> {
        let idp = format!("https://sts.windows.net/{}/", user.tenant_id);
        let _ = issuer_base;
        let tenant_name = store::world::tenant(c, customer)
            .await
            .ok()
            .flatten()
            .map(|(_, t)| t.domain)
            .unwrap_or_else(|| customer.to_string());
        let refused = |why: String| {
            crate::entra::EntraError::guest_not_allowed(&user.user_principal_name, &idp, &tenant_name).because(why)
        };
        match self.gdap_roles(c, sandbox, user.id, user.tenant_id, customer, now).await {
            Ok(Some(roles)) if !roles.is_empty() => Ok(roles),
            Ok(Some(_)) => Err(refused(format!(
                "{} is in no security group with an active access assignment on the GDAP relationship with {tenant_name}.",
                user.user_principal_name
            ))),
            Ok(None) => Err(refused(format!(
                "The partner tenant of {} has no active GDAP relationship with {tenant_name}.",
                user.user_principal_name
            ))),
            Err(_) => Err(crate::entra::EntraError::server_error()),
        }
    }

    /// The default GDAP relationship of a customer the partner just created (inside that
    /// write): approved by the system at once, active after the sandbox's activation delay.
    pub(crate) async fn default_gdap(
        &self,
        w: &mut Write<'_>,
        who: &crate::partner_center::Principal,
        partner_name: &str,
        customer: &domain::world::Tenant,
    ) -> Result<Relationship> {
        let sandbox = w.id();
        let delay = self.gdap_delay(w.c(), sandbox).await?;
        let existing: Vec<Relationship> = store::gdap::list(w.c(), Kind::Relationship, who.tenant).await?;
        domain::limits::within(
            "delegatedAdminRelationships",
            "GDAP relationships of a partner",
            existing.len() + 1,
            gdap::MAX_RELATIONSHIPS_PER_PARTNER,
        )?;
        let mut name = gdap::default_name(partner_name, &customer.display_name);
        let taken: Vec<String> = existing.into_iter().map(|r| r.display_name).collect();
        // Two customers of the same name: the later default relationship gets a suffix.
        let mut n = 2;
        while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
            let suffix = format!("_{n}");
            name = name
                .chars()
                .take(gdap::MAX_DISPLAY_NAME - suffix.len())
                .collect::<String>()
                + &suffix;
            n += 1;
        }
        let roles: Vec<String> = gdap::DEFAULT_ROLES.iter().map(|r| (*r).to_owned()).collect();
        let now = w.now;
        let mut r = gdap::create(
            NewRelationship {
                id: gdap::relationship_id(self.random.uuid(), who.tenant),
                partner_tenant: who.tenant,
                display_name: &name,
                duration: "P730D",
                customer: Some(Customer {
                    tenant_id: Some(customer.id),
                    display_name: Some(customer.display_name.clone()),
                }),
                roles: &roles,
                auto_extend: None,
            },
            Vec::new(),
            now,
        )
        .map_err(graph)?;
        r.created_by = who.user.as_ref().map(|u| u.upn.clone()).unwrap_or_default();
        r.lock_for_approval(now).map_err(graph)?;
        r.approve(customer.id, &customer.display_name, "Microsoft Partner Center", now)
            .map_err(graph)?;
        r.settle(now, delay);
        store::gdap::insert(
            w.c(),
            Kind::Relationship,
            &r.id,
            Placement {
                sandbox,
                tenant: who.tenant,
                customer: Some(customer.id),
                due_at_ms: r.next_due(delay).map(|d| d.timestamp_millis()),
            },
            &r,
        )
        .await?;
        Ok(r)
    }

    /// The webhook events of a relationship made approved (and maybe active) at once.
    pub(crate) async fn gdap_created_active(&self, sandbox: SandboxId, r: &Relationship) {
        let mut happened = vec![Happened::Approved];
        if r.status == gdap::Status::Active {
            happened.push(Happened::Activated);
        }
        self.gdap_events(sandbox, r, &happened).await;
    }

    /// The console's view: a sandbox's relationships (settled to its clock) and groups.
    pub async fn gdap_overview(&self, sandbox: SandboxId, limit: u32) -> Result<(Vec<Relationship>, Vec<Group>)> {
        let now = self.sandbox_now_of(sandbox).await?;
        let mut c = self.store.conn().await?;
        let delay = self.gdap_delay(&mut c, sandbox).await?;
        let mut rels: Vec<Relationship> = store::gdap::of_sandbox(&mut c, Kind::Relationship, sandbox, limit).await?;
        for r in &mut rels {
            r.settle(now, delay);
        }
        let groups = store::gdap::of_sandbox(&mut c, Kind::Group, sandbox, limit).await?;
        Ok((rels, groups))
    }

    /// `POST /servicePrincipals` in the caller's tenant: only the Partner Customer Delegated
    /// Administration application is provisioned here (what app-only GDAP needs).
    pub async fn create_service_principal(&self, who: &GraphCaller, body: &Value) -> Result<ServicePrincipal> {
        let Some(user) = who.user.as_ref().filter(|u| u.home_tenant == who.tenant) else {
            return Err(graph(GraphError::denied()));
        };
        if !user.roles.contains(&Role::GlobalAdmin) {
            return Err(graph(GraphError::denied()));
        }
        let app = body
            .get("appId")
            .and_then(Value::as_str)
            .map(str::trim)
            .ok_or_else(|| graph(GraphError::new(400, "Request_BadRequest", "appId is required.")))?;
        if !app.eq_ignore_ascii_case(PCDA_APP_ID) {
            return Err(graph(GraphError::new(
                400,
                "Request_BadRequest",
                format!(
                    "pcsandbox provisions only the Partner Customer Delegated Administration service principal ({PCDA_APP_ID})."
                ),
            )));
        }
        let mut w = self.write(who.sandbox).await?;
        let key = sp_key(who.tenant, PCDA_APP_ID);
        if store::gdap::get::<ServicePrincipal>(w.c(), Kind::ServicePrincipal, who.sandbox, &key)
            .await?
            .is_some()
        {
            return Err(graph(GraphError::new(
                409,
                "Request_MultipleObjectsWithSameKeyValue",
                "Another object with the same value for property servicePrincipalNames already exists.",
            )));
        }
        let sp = ServicePrincipal {
            id: self.random.uuid().to_string(),
            app_id: PCDA_APP_ID.to_owned(),
            display_name: "Partner Customer Delegated Administration".to_owned(),
            tenant_id: who.tenant,
            created_at: w.now,
        };
        store::gdap::insert(
            w.c(),
            Kind::ServicePrincipal,
            &key,
            Placement {
                sandbox: who.sandbox,
                tenant: who.tenant,
                customer: None,
                due_at_ms: None,
            },
            &sp,
        )
        .await?;
        w.commit().await?;
        Ok(sp)
    }

    /// `GET /servicePrincipals` of the caller's tenant (the ones pcsandbox provisions).
    pub async fn service_principals(&self, who: &GraphCaller) -> Result<Vec<ServicePrincipal>> {
        if who.user.as_ref().is_some_and(|u| u.home_tenant != who.tenant) {
            return Err(graph(GraphError::denied()));
        }
        let mut c = self.store.conn().await?;
        Ok(store::gdap::list(&mut c, Kind::ServicePrincipal, who.tenant).await?)
    }

    // -- security groups of partner tenants (control plane) --------------------------------

    pub async fn create_group(
        &self,
        sandbox: SandboxId,
        tenant: TenantId,
        name: &str,
        members: &[UserRef],
    ) -> Result<Group> {
        let name = domain::names::display_name("displayName", name)?;
        let mut w = self.write(sandbox).await?;
        let (s, _) = store::world::tenant(w.c(), tenant)
            .await?
            .ok_or_else(|| CoreError::not_found("tenant", tenant))?;
        if s != sandbox {
            return Err(CoreError::not_found("tenant", tenant));
        }
        let n = store::gdap::count(w.c(), Kind::Group, tenant).await?;
        domain::limits::within(
            "groups",
            "security groups of a tenant",
            n + 1,
            gdap::MAX_GROUPS_PER_TENANT,
        )?;
        domain::limits::within(
            "members",
            "members of a group",
            members.len(),
            gdap::MAX_MEMBERS_PER_GROUP,
        )?;
        let mut ids = Vec::with_capacity(members.len());
        for (i, m) in members.iter().enumerate() {
            let u = member_in(&mut w, tenant, m, &format!("members[{i}]")).await?;
            if !ids.contains(&u) {
                ids.push(u);
            }
        }
        let g = Group {
            id: self.random.uuid().to_string(),
            tenant_id: tenant,
            display_name: name,
            members: ids,
            created_at: w.now,
        };
        store::gdap::insert(
            w.c(),
            Kind::Group,
            &g.id,
            Placement {
                sandbox,
                tenant,
                customer: None,
                due_at_ms: None,
            },
            &g,
        )
        .await?;
        w.commit().await?;
        Ok(g)
    }

    pub async fn groups(&self, sandbox: SandboxId, tenant: TenantId) -> Result<Vec<Group>> {
        let mut c = self.store.conn().await?;
        match store::world::tenant(&mut c, tenant).await? {
            Some((s, _)) if s == sandbox => {}
            _ => return Err(CoreError::not_found("tenant", tenant)),
        }
        Ok(store::gdap::list(&mut c, Kind::Group, tenant).await?)
    }

    /// Adds (`add`) or removes a member of a group.
    pub async fn group_member(&self, sandbox: SandboxId, group: &str, user: &UserRef, add: bool) -> Result<Group> {
        let mut w = self.write(sandbox).await?;
        let mut g: Group = store::gdap::get(w.c(), Kind::Group, sandbox, group.trim())
            .await?
            .ok_or_else(|| CoreError::not_found("group", group))?;
        let u = member_in(&mut w, g.tenant_id, user, "user").await?;
        if add {
            if !g.members.contains(&u) {
                domain::limits::within(
                    "members",
                    "members of a group",
                    g.members.len() + 1,
                    gdap::MAX_MEMBERS_PER_GROUP,
                )?;
                g.members.push(u);
            }
        } else {
            g.members.retain(|m| *m != u);
        }
        store::gdap::update(w.c(), Kind::Group, &g.id, None, None, &g).await?;
        w.commit().await?;
        Ok(g)
    }

    /// The sandbox's GDAP timing and faults.
    pub async fn gdap_settings(&self, sandbox: SandboxId) -> Result<store::gdap::Settings> {
        let mut c = self.store.conn().await?;
        Ok(store::gdap::settings(&mut c, sandbox).await?)
    }

    /// Changes the GDAP timing (`activationDelay`, at most a day) and the stuck-assignment fault.
    pub async fn set_gdap_settings(
        &self,
        sandbox: SandboxId,
        delay: Option<Duration>,
        stuck: Option<bool>,
    ) -> Result<store::gdap::Settings> {
        if delay.is_some_and(|d| d > Duration::days(1)) {
            return Err(domain::FieldError::new("activationDelay", "at most one day (P1D)").into());
        }
        let mut w = self.write(sandbox).await?;
        let mut s = store::gdap::settings(w.c(), sandbox).await?;
        if let Some(d) = delay {
            s.activation_delay_secs = d.num_seconds();
        }
        if let Some(x) = stuck {
            s.stuck_assignments = x;
        }
        store::gdap::set_settings(w.c(), sandbox, s).await?;
        w.commit().await?;
        Ok(s)
    }
}

/// The Partner Center webhook event of something that happened to a relationship.
fn event_of(r: &Relationship, h: &Happened) -> Option<(&'static str, &'static str, String)> {
    let rel = || format!("delegatedAdminRelationships/{}", r.id);
    Some(match h {
        Happened::Approved => (
            "granular-admin-relationship-approved",
            "delegatedAdminRelationship",
            rel(),
        ),
        Happened::Activated => (
            "granular-admin-relationship-activated",
            "delegatedAdminRelationship",
            rel(),
        ),
        Happened::Terminated => (
            "granular-admin-relationship-terminated",
            "delegatedAdminRelationship",
            rel(),
        ),
        Happened::Expired => (
            "granular-admin-relationship-expired",
            "delegatedAdminRelationship",
            rel(),
        ),
        Happened::AssignmentActivated { id } => (
            "granular-admin-access-assignment-activated",
            "delegatedAdminAccessAssignment",
            format!("delegatedAdminRelationships/{}/accessAssignments/{id}", r.id),
        ),
        Happened::AssignmentDeleted { .. }
        | Happened::Extended { .. }
        | Happened::Reminder { .. }
        | Happened::OperationSucceeded { .. } => return None,
    })
}

/// A service principal provisioned in a tenant.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipal {
    pub id: String,
    pub app_id: String,
    pub display_name: String,
    pub tenant_id: TenantId,
    pub created_at: DateTime<Utc>,
}

fn sp_key(tenant: TenantId, app: &str) -> String {
    format!("{tenant}:{}", app.to_ascii_lowercase())
}

async fn member_in(w: &mut Write<'_>, tenant: TenantId, who: &UserRef, field: &str) -> Result<UserId> {
    let sandbox = w.id();
    let u = who.find(w.c(), sandbox).await?;
    match u {
        Some(u) if u.tenant_id == tenant => Ok(u.id),
        Some(u) => Err(domain::FieldError::new(
            field,
            format!("{} is not a user of the group's tenant", u.user_principal_name),
        )
        .into()),
        None => Err(CoreError::NotFound {
            what: "user",
            id: who.shown(),
            field: Some(field.to_owned()),
        }),
    }
}

fn assignment_of(r: &Relationship, aid: &str) -> Result<Assignment> {
    r.assignments
        .iter()
        .find(|a| a.id.eq_ignore_ascii_case(aid.trim()))
        .cloned()
        .ok_or_else(|| graph(GraphError::not_found("delegatedAdminAccessAssignment", aid)))
}

pub fn assignment_etag(r: &Relationship, a: &Assignment) -> String {
    gdap::etag(&format!("{}/{}", r.id, a.id), a.version, a.last_modified_at)
}

pub fn operation_etag(o: &Operation) -> String {
    gdap::etag(&o.id, o.version, o.last_modified_at)
}

pub fn request_etag(r: &Request) -> String {
    gdap::etag(&r.id, 1, r.last_modified_at)
}

/// `If-Match` is required on PATCH and DELETE; `*` matches anything.
fn check_etag(if_match: Option<&str>, current: &str) -> Result<()> {
    let Some(sent) = if_match.map(str::trim).filter(|s| !s.is_empty()) else {
        return Err(graph(GraphError::precondition_required()));
    };
    if sent == "*" || sent.split(',').any(|s| s.trim() == current) {
        Ok(())
    } else {
        Err(graph(GraphError::precondition_failed(current)))
    }
}

fn opt_text(body: &Value, k: &str) -> Result<Option<String>> {
    match body.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(graph(GraphError::bad_request(format!("{k} must be a string.")))),
    }
}

fn unified_roles(v: Option<&Value>) -> Result<Option<Vec<String>>> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let roles = v
        .get("unifiedRoles")
        .and_then(Value::as_array)
        .ok_or_else(|| graph(GraphError::bad_request("accessDetails.unifiedRoles must be an array.")))?;
    if roles.len() > gdap::BUILT_IN_ROLES.len() * 2 {
        return Err(graph(GraphError::bad_request(
            "accessDetails.unifiedRoles has too many roles.",
        )));
    }
    roles
        .iter()
        .map(|r| {
            r.get("roleDefinitionId")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| graph(GraphError::bad_request("each unifiedRole needs a roleDefinitionId.")))
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

fn customer_of(v: Option<&Value>) -> Result<Option<Customer>> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let tenant_id = match v.get("tenantId") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.trim().parse::<TenantId>().map_err(|_| {
            graph(GraphError::bad_request(format!(
                "customer.tenantId '{s}' is not a GUID."
            )))
        })?),
        Some(_) => return Err(graph(GraphError::bad_request("customer.tenantId must be a string."))),
    };
    let display_name = match v.get("displayName") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() <= 256 => Some(s.clone()),
        Some(_) => {
            return Err(graph(GraphError::bad_request(
                "customer.displayName must be a string of at most 256 characters.",
            )))
        }
    };
    Ok(Some(Customer {
        tenant_id,
        display_name,
    }))
}

/// Role names for a mail or a page.
pub fn gdap_role_names(ids: &[String]) -> Vec<String> {
    ids.iter()
        .map(|id| {
            gdap::built_in_role(id)
                .map(|(_, n)| n.to_owned())
                .unwrap_or_else(|| id.clone())
        })
        .collect()
}
