//! GDAP: granular delegated admin relationships as Microsoft Graph serves them
//! (`/tenantRelationships/delegatedAdminRelationships`, microsoft-graph-docs-contrib
//! api-reference/v1.0), their requests, access assignments and long-running operations, and the
//! state machine they follow on the sandbox clock:
//!
//! created -> approvalPending -> approved -> activating -> active -> (expiring -> expired |
//! terminationRequested -> terminating -> terminated); an invitation not approved within 90 days
//! expires; an active relationship with `autoExtendDuration` P180D rolls over by 180 days at its
//! end instead of expiring.
//!
//! Everything here is a pure function of the document and `now`; the sandbox's activation delay
//! (how long approved -> active, a termination and an access assignment take) is a parameter.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::TenantId;

/// Global Administrator's role template id: never with auto-extension.
pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";

/// The built-in Microsoft Entra roles a relationship may ask for (GDAP takes built-in roles
/// only), by role template id.
pub const BUILT_IN_ROLES: &[(&str, &str)] = &[
    ("62e90394-69f5-4237-9190-012177145e10", "Global Administrator"),
    ("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader"),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"),
    ("729827e3-9c14-49f7-bb1b-9608f156bbb8", "Helpdesk Administrator"),
    ("88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "Directory Readers"),
    ("9360feb5-f418-4baa-8175-e2a00bac4301", "Directory Writers"),
    ("e6d1a23a-da11-4be4-9570-befc86d067a7", "Compliance Data Administrator"),
    ("9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "Application Administrator"),
    (
        "158c047a-c907-4556-b7ef-446551a6b5f7",
        "Cloud Application Administrator",
    ),
    ("194ae4cb-b126-40b2-bd5b-6091b380977d", "Security Administrator"),
    ("5d6b6bb7-de71-4623-b4af-96380a352509", "Security Reader"),
    ("29232cdf-9323-42fd-ade2-1d097af3e4de", "Exchange Administrator"),
    ("f28a1f50-f6e7-4571-818b-6a12f2af6b6c", "SharePoint Administrator"),
    ("69091246-20e8-4a56-aa4d-066075b2a7a8", "Teams Administrator"),
    ("3a2c62db-5318-420d-8d74-23affee5d9d5", "Intune Administrator"),
    ("4d6ac14f-3453-41d0-bef9-a3e0c569773a", "License Administrator"),
    ("b0f54661-2d74-4c50-afa3-1ec803f12efe", "Billing Administrator"),
    (
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        "Privileged Authentication Administrator",
    ),
    ("e8611ab8-c189-46e8-94e1-60213ab1f814", "Privileged Role Administrator"),
    ("966707d0-3269-4727-9be2-8c3a10f19b9d", "Password Administrator"),
    ("c4e39bd9-1100-46d3-8c65-fb160da0071f", "Authentication Administrator"),
    ("f023fd81-a637-4b56-95fd-791ac0226033", "Service Support Administrator"),
    ("17315797-102d-40b4-93e0-432062caca18", "Compliance Administrator"),
    ("4a5d8f65-41da-4de4-8968-e035b65339cf", "Reports Reader"),
    ("11648597-926c-4cf3-9c36-bcebb0ba8dcc", "Power Platform Administrator"),
    ("44367163-eba1-44c3-98af-f5787879f96a", "Dynamics 365 Administrator"),
    ("892c5842-a9a6-463a-8041-72aa08ca3cf6", "Cloud Device Administrator"),
];

/// The roles that let a caller read a customer's users and organization through Graph.
pub const DIRECTORY_READ_ROLES: &[&str] = &[
    "62e90394-69f5-4237-9190-012177145e10",
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
    "fe930be7-5e62-47db-91af-98c3a49a38b1",
    "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
    "966707d0-3269-4727-9be2-8c3a10f19b9d",
    "c4e39bd9-1100-46d3-8c65-fb160da0071f",
    "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
    "5d6b6bb7-de71-4623-b4af-96380a352509",
    "194ae4cb-b126-40b2-bd5b-6091b380977d",
];

/// The roles of the default GDAP relationship Partner Center makes with a new customer
/// (`POST /v1/customers`, `enableGDAPByDefault`): the nine roles of Graph's example of such a
/// relationship (api-reference/v1.0 tenantrelationship-list-delegatedadminrelationships).
pub const DEFAULT_ROLES: [&str; 9] = [
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
    "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "fe930be7-5e62-47db-91af-98c3a49a38b1",
    "729827e3-9c14-49f7-bb1b-9608f156bbb8",
    "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
    "f023fd81-a637-4b56-95fd-791ac0226033",
    "9360feb5-f418-4baa-8175-e2a00bac4301",
    "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
];

/// The default relationship's display name: `Default_{partner}_{customer}`, cut to 50 characters.
pub fn default_name(partner: &str, customer: &str) -> String {
    format!("Default_{partner}_{customer}")
        .chars()
        .take(MAX_DISPLAY_NAME)
        .collect()
}

/// The roles that let a partner user consent an application in a customer's tenant through
/// Partner Center (`POST /v1/customers/{id}/applicationconsents`): Global Administrator,
/// Application Administrator, Cloud Application Administrator.
pub const CONSENT_ROLES: [&str; 3] = [
    "62e90394-69f5-4237-9190-012177145e10",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    "158c047a-c907-4556-b7ef-446551a6b5f7",
];

/// A built-in role by template id (any case).
pub fn built_in_role(id: &str) -> Option<(&'static str, &'static str)> {
    BUILT_IN_ROLES
        .iter()
        .copied()
        .find(|(i, _)| i.eq_ignore_ascii_case(id.trim()))
}

/// Unapproved invitations expire after 90 days.
pub const APPROVAL_DAYS: i64 = 90;
/// Auto-extension adds 180 days.
pub const AUTO_EXTEND_DAYS: i64 = 180;
/// The longest relationship: two years.
pub const MAX_DURATION_DAYS: i64 = 730;
/// Expiry reminders go out this many days before the end.
pub const REMINDER_DAYS: [i64; 3] = [30, 7, 1];
/// A display name is at most 50 characters.
pub const MAX_DISPLAY_NAME: usize = 50;
/// Bounds of what a client can make grow.
pub const MAX_RELATIONSHIPS_PER_PARTNER: usize = 1000;
pub const MAX_ASSIGNMENTS_PER_RELATIONSHIP: usize = 100;
pub const MAX_OPERATIONS_PER_RELATIONSHIP: usize = 100;
pub const MAX_REQUESTS_PER_RELATIONSHIP: usize = 50;
pub const MAX_GROUPS_PER_TENANT: usize = 200;
pub const MAX_MEMBERS_PER_GROUP: usize = 1000;
/// `$top` on a list: at most 300 (Graph's page size for this API).
pub const MAX_TOP: usize = 300;

/// A Graph error: `{"error": {"code", "message"}}` with an HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl GraphError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        GraphError {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        GraphError::new(400, "badRequest", message)
    }
    pub fn not_found(what: &str, id: &str) -> Self {
        GraphError::new(404, "notFound", format!("The {what} with id '{id}' was not found."))
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        GraphError::new(409, "conflict", message)
    }
    /// A missing or stale `If-Match` (the docs name no status: pcsandbox answers 412, as
    /// HTTP's conditional requests do, and 428 when the header is missing).
    pub fn precondition_failed(etag: &str) -> Self {
        GraphError::new(
            412,
            "preconditionFailed",
            format!("The If-Match header does not match the resource's current ETag {etag}."),
        )
    }
    pub fn precondition_required() -> Self {
        GraphError::new(
            428,
            "preconditionRequired",
            "The If-Match header is required: send the resource's @odata.etag.",
        )
    }
    pub fn denied() -> Self {
        GraphError::new(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    Created,
    ApprovalPending,
    Approved,
    Activating,
    Active,
    Expiring,
    Expired,
    TerminationRequested,
    Terminating,
    Terminated,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::ApprovalPending => "approvalPending",
            Status::Approved => "approved",
            Status::Activating => "activating",
            Status::Active => "active",
            Status::Expiring => "expiring",
            Status::Expired => "expired",
            Status::TerminationRequested => "terminationRequested",
            Status::Terminating => "terminating",
            Status::Terminated => "terminated",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        ALL_STATUSES
            .iter()
            .copied()
            .find(|x| x.as_str().eq_ignore_ascii_case(s))
    }
    /// Whether access assignments of the relationship work.
    pub fn grants_access(self) -> bool {
        self == Status::Active
    }
    pub fn ended(self) -> bool {
        matches!(self, Status::Expired | Status::Terminated)
    }
}

pub const ALL_STATUSES: [Status; 10] = [
    Status::Created,
    Status::ApprovalPending,
    Status::Approved,
    Status::Activating,
    Status::Active,
    Status::Expiring,
    Status::Expired,
    Status::TerminationRequested,
    Status::Terminating,
    Status::Terminated,
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    pub tenant_id: Option<TenantId>,
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RequestAction {
    LockForApproval,
    Approve,
    Terminate,
    Reject,
}

impl RequestAction {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestAction::LockForApproval => "lockForApproval",
            RequestAction::Approve => "approve",
            RequestAction::Terminate => "terminate",
            RequestAction::Reject => "reject",
        }
    }
    pub fn parse(s: &str) -> Option<RequestAction> {
        [
            RequestAction::LockForApproval,
            RequestAction::Approve,
            RequestAction::Terminate,
            RequestAction::Reject,
        ]
        .into_iter()
        .find(|a| a.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RequestStatus {
    Created,
    Pending,
    Succeeded,
    Failed,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Created => "created",
            RequestStatus::Pending => "pending",
            RequestStatus::Succeeded => "succeeded",
            RequestStatus::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub id: String,
    pub action: RequestAction,
    pub status: RequestStatus,
    pub created_at: DateTime<Utc>,
    pub last_modified_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AssignmentStatus {
    Pending,
    Active,
    Deleting,
    Deleted,
    Error,
}

impl AssignmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentStatus::Pending => "pending",
            AssignmentStatus::Active => "active",
            AssignmentStatus::Deleting => "deleting",
            AssignmentStatus::Deleted => "deleted",
            AssignmentStatus::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<AssignmentStatus> {
        [
            AssignmentStatus::Pending,
            AssignmentStatus::Active,
            AssignmentStatus::Deleting,
            AssignmentStatus::Deleted,
            AssignmentStatus::Error,
        ]
        .into_iter()
        .find(|a| a.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assignment {
    pub id: String,
    /// The partner tenant's security group.
    pub group_id: String,
    pub roles: Vec<String>,
    pub status: AssignmentStatus,
    pub created_at: DateTime<Utc>,
    pub last_modified_at: DateTime<Utc>,
    /// When pending work (activation, deletion) completes.
    pub due_at: Option<DateTime<Utc>>,
    /// A fault: the assignment stays pending whatever the clock says.
    #[serde(default)]
    pub stuck: bool,
    pub version: u32,
}

impl Assignment {
    /// Counts for the one-per-group rule: everything but a deleted one.
    pub fn live(&self) -> bool {
        !matches!(self.status, AssignmentStatus::Deleted)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OperationStatus {
    NotStarted,
    Running,
    Succeeded,
    Failed,
}

impl OperationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OperationStatus::NotStarted => "notStarted",
            OperationStatus::Running => "running",
            OperationStatus::Succeeded => "succeeded",
            OperationStatus::Failed => "failed",
        }
    }
}

/// What a long-running operation changes when it succeeds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum Change {
    /// An access assignment's roles are replaced.
    AssignmentRoles { assignment_id: String, roles: Vec<String> },
    /// Global Administrator leaves an active relationship.
    RemoveGlobalAdministrator,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    pub id: String,
    pub operation_type: String,
    pub status: OperationStatus,
    pub created_at: DateTime<Utc>,
    pub last_modified_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub change: Change,
    /// The JSON of what the operation is about (Graph sends it as a string in `data`).
    pub data: String,
    pub version: u32,
}

/// A delegated admin relationship with everything that hangs off it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Relationship {
    pub id: String,
    pub partner_tenant: TenantId,
    pub display_name: String,
    /// The duration as the partner wrote it (`P730D`), and in days.
    pub duration: String,
    pub duration_days: i64,
    pub customer: Option<Customer>,
    pub roles: Vec<String>,
    pub auto_extend: String,
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub last_modified_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
    pub end_at: Option<DateTime<Utc>>,
    /// When it was locked for approval (the 90 days run from here).
    pub locked_at: Option<DateTime<Utc>>,
    pub approved_at: Option<DateTime<Utc>>,
    pub approved_by: Option<String>,
    pub termination_requested_at: Option<DateTime<Utc>>,
    /// Who created it (its mails go there).
    #[serde(default)]
    pub created_by: String,
    /// Reminders already mailed (days before the end).
    #[serde(default)]
    pub reminders_sent: Vec<i64>,
    pub version: u32,
    #[serde(default)]
    pub requests: Vec<Request>,
    #[serde(default)]
    pub assignments: Vec<Assignment>,
    #[serde(default)]
    pub operations: Vec<Operation>,
}

/// An ETag as Graph writes them: `W/"<base64 of a quoted value>"`.
pub fn etag(id: &str, version: u32, at: DateTime<Utc>) -> String {
    use base64::Engine;
    let raw = format!("\"{id}:{version}:{}\"", at.timestamp_millis());
    format!(
        "W/\"{}\"",
        base64::engine::general_purpose::STANDARD.encode(format!("'{raw}'"))
    )
}

/// Parses a relationship duration: ISO 8601 of whole days, `P1D` to `P2Y` (`P730D`); a year is
/// 365 days.
pub fn duration_days(field: &str, text: &str) -> Result<i64, GraphError> {
    let t = text.trim().to_ascii_uppercase();
    let bad = || {
        GraphError::bad_request(format!(
            "{field} '{text}' is not a valid duration: use an ISO 8601 duration of whole days from P1D to P2Y (P730D)."
        ))
    };
    let days = if let Some(y) = t.strip_prefix('P').and_then(|r| r.strip_suffix('Y')) {
        y.parse::<i64>().ok().and_then(|y| y.checked_mul(365)).ok_or_else(bad)?
    } else {
        let d = crate::clock::parse_duration(field, &t).map_err(|_| bad())?;
        if d.num_milliseconds() % 86_400_000 != 0 {
            return Err(bad());
        }
        d.num_days()
    };
    if !(1..=MAX_DURATION_DAYS).contains(&days) {
        return Err(bad());
    }
    Ok(days)
}

/// `autoExtendDuration`: `PT0S` or `P0D` (none) or `P180D`; returns the days (0 or 180).
pub fn auto_extend_days(text: &str) -> Result<i64, GraphError> {
    match text.trim().to_ascii_uppercase().as_str() {
        "PT0S" | "P0D" => Ok(0),
        "P180D" => Ok(AUTO_EXTEND_DAYS),
        _ => Err(GraphError::bad_request(format!(
            "autoExtendDuration '{text}' is not supported: use PT0S (no auto-extension) or P180D."
        ))),
    }
}

/// Validates a display name: 1 to 50 characters, unique among the partner's relationships.
pub fn display_name(name: &str, taken: impl IntoIterator<Item = String>) -> Result<String, GraphError> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > MAX_DISPLAY_NAME {
        return Err(GraphError::bad_request(format!(
            "displayName must have 1 to {MAX_DISPLAY_NAME} characters."
        )));
    }
    if taken.into_iter().any(|t| t.eq_ignore_ascii_case(n)) {
        return Err(GraphError::conflict(format!(
            "A relationship with the display name '{n}' already exists for this partner."
        )));
    }
    Ok(n.to_owned())
}

/// Validates role template ids: at least one, built-in only, each once.
pub fn roles(ids: &[String]) -> Result<Vec<String>, GraphError> {
    if ids.is_empty() {
        return Err(GraphError::bad_request(
            "accessDetails.unifiedRoles must name at least one role.",
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        let (canonical, _) = built_in_role(id).ok_or_else(|| {
            GraphError::bad_request(format!(
                "roleDefinitionId '{id}' is not a built-in Microsoft Entra role: GDAP takes built-in roles only."
            ))
        })?;
        if !out.iter().any(|r| r == canonical) {
            out.push(canonical.to_owned());
        }
    }
    Ok(out)
}

/// Global Administrator cannot be auto-extended.
pub fn check_auto_extend(roles: &[String], auto_extend_days: i64) -> Result<(), GraphError> {
    if auto_extend_days > 0 && roles.iter().any(|r| r == GLOBAL_ADMINISTRATOR) {
        return Err(GraphError::bad_request(
            "A relationship with the Global Administrator role cannot be auto-extended: set autoExtendDuration to PT0S.",
        ));
    }
    Ok(())
}

/// What changed on its own when a relationship was settled: for mails and webhook events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Happened {
    /// The customer approved (recorded by the approval itself, not by settling).
    Approved,
    Activated,
    Extended {
        until: DateTime<Utc>,
    },
    Expired,
    Terminated,
    /// An expiry reminder `days` before the end.
    Reminder {
        days: i64,
    },
    AssignmentActivated {
        id: String,
    },
    AssignmentDeleted {
        id: String,
    },
    OperationSucceeded {
        id: String,
    },
}

impl Relationship {
    pub fn etag(&self) -> String {
        etag(&self.id, self.version, self.last_modified_at)
    }

    pub fn auto_extend_days(&self) -> i64 {
        auto_extend_days(&self.auto_extend).unwrap_or(0)
    }

    pub fn customer_tenant(&self) -> Option<TenantId> {
        self.customer.as_ref().and_then(|c| c.tenant_id)
    }

    fn touch(&mut self, at: DateTime<Utc>) {
        self.version += 1;
        self.last_modified_at = at;
    }

    /// Brings the relationship to where the clock says it is (`delay`: the sandbox's activation
    /// delay). Returns what happened, in order.
    pub fn settle(&mut self, now: DateTime<Utc>, delay: Duration) -> Vec<Happened> {
        let mut out = Vec::new();
        // An invitation not approved in 90 days expires.
        if self.status == Status::ApprovalPending {
            if let Some(locked) = self.locked_at {
                let end = locked + Duration::days(APPROVAL_DAYS);
                if now >= end {
                    self.status = Status::Expired;
                    self.end_at = Some(end);
                    self.touch(end);
                    out.push(Happened::Expired);
                }
            }
        }
        if matches!(self.status, Status::Approved | Status::Activating) {
            if let Some(at) = self.approved_at {
                if now >= at + delay {
                    let active = at + delay;
                    self.status = Status::Active;
                    self.activated_at = Some(active);
                    self.end_at = Some(active + Duration::days(self.duration_days));
                    self.touch(active);
                    out.push(Happened::Activated);
                } else if now >= at + delay / 2 && self.status == Status::Approved {
                    self.status = Status::Activating;
                    self.touch(at + delay / 2);
                }
            }
        }
        if matches!(self.status, Status::TerminationRequested | Status::Terminating) {
            if let Some(at) = self.termination_requested_at {
                if now >= at + delay {
                    self.status = Status::Terminated;
                    self.end_at = Some(at + delay);
                    self.touch(at + delay);
                    out.push(Happened::Terminated);
                } else if now >= at + delay / 2 && self.status == Status::TerminationRequested {
                    self.status = Status::Terminating;
                    self.touch(at + delay / 2);
                }
            }
        }
        // Operations and assignments complete while the relationship works.
        if self.status.grants_access() {
            self.settle_operations(now, &mut out);
            self.settle_assignments(now, &mut out);
        }
        if self.status.grants_access() {
            self.settle_term(now, &mut out);
        }
        // `expiring`: past its end, being deprovisioned for the activation delay.
        if self.status == Status::Expiring {
            if let Some(end) = self.end_at {
                if now >= end + delay {
                    self.status = Status::Expired;
                    self.touch(end + delay);
                    out.push(Happened::Expired);
                }
            }
        }
        if self.status.ended() {
            for a in &mut self.assignments {
                if a.status != AssignmentStatus::Deleted {
                    a.status = AssignmentStatus::Deleted;
                    a.due_at = None;
                    a.version += 1;
                }
            }
        }
        out
    }

    fn settle_term(&mut self, now: DateTime<Utc>, out: &mut Vec<Happened>) {
        let Some(mut end) = self.end_at else { return };
        // Auto-extension rolls the end forward by 180 days as often as the clock passed it.
        while now >= end && self.auto_extend_days() > 0 {
            end += Duration::days(self.auto_extend_days());
            self.end_at = Some(end);
            self.reminders_sent.clear();
            self.touch(end - Duration::days(self.auto_extend_days()));
            out.push(Happened::Extended { until: end });
        }
        // Without auto-extension, reminders 30, 7 and 1 days before the end.
        if self.auto_extend_days() == 0 {
            for d in REMINDER_DAYS {
                if now >= end - Duration::days(d) && now < end && !self.reminders_sent.contains(&d) {
                    self.reminders_sent.push(d);
                    out.push(Happened::Reminder { days: d });
                }
            }
        }
        if now >= end {
            self.status = Status::Expiring;
            self.touch(end);
        }
    }

    fn settle_assignments(&mut self, now: DateTime<Utc>, out: &mut Vec<Happened>) {
        for a in &mut self.assignments {
            let Some(due) = a.due_at else { continue };
            if now < due || a.stuck {
                continue;
            }
            match a.status {
                AssignmentStatus::Pending => {
                    a.status = AssignmentStatus::Active;
                    out.push(Happened::AssignmentActivated { id: a.id.clone() });
                }
                AssignmentStatus::Deleting => {
                    a.status = AssignmentStatus::Deleted;
                    out.push(Happened::AssignmentDeleted { id: a.id.clone() });
                }
                _ => {}
            }
            a.due_at = None;
            a.last_modified_at = due;
            a.version += 1;
        }
    }

    fn settle_operations(&mut self, now: DateTime<Utc>, out: &mut Vec<Happened>) {
        let mut changes = Vec::new();
        for op in &mut self.operations {
            if matches!(op.status, OperationStatus::Succeeded | OperationStatus::Failed) {
                continue;
            }
            let started = op.created_at + (op.due_at - op.created_at) / 2;
            if now >= op.due_at {
                op.status = OperationStatus::Succeeded;
                op.last_modified_at = op.due_at;
                op.version += 1;
                changes.push((op.change.clone(), op.due_at));
                out.push(Happened::OperationSucceeded { id: op.id.clone() });
            } else if now >= started && op.status == OperationStatus::NotStarted {
                op.status = OperationStatus::Running;
                op.last_modified_at = started;
                op.version += 1;
            }
        }
        for (change, at) in changes {
            match change {
                Change::AssignmentRoles { assignment_id, roles } => {
                    if let Some(a) = self.assignments.iter_mut().find(|a| a.id == assignment_id) {
                        a.roles = roles;
                        a.last_modified_at = at;
                        a.version += 1;
                    }
                }
                Change::RemoveGlobalAdministrator => {
                    self.roles.retain(|r| r != GLOBAL_ADMINISTRATOR);
                    for a in &mut self.assignments {
                        a.roles.retain(|r| r != GLOBAL_ADMINISTRATOR);
                    }
                    self.touch(at);
                }
            }
        }
    }

    /// When the relationship next changes by itself (for the store's due index).
    pub fn next_due(&self, delay: Duration) -> Option<DateTime<Utc>> {
        let mut due: Vec<DateTime<Utc>> = Vec::new();
        match self.status {
            Status::ApprovalPending => due.extend(self.locked_at.map(|l| l + Duration::days(APPROVAL_DAYS))),
            Status::Created => {}
            Status::Approved | Status::Activating => due.extend(self.approved_at.map(|a| a + delay / 2)),
            Status::TerminationRequested | Status::Terminating => {
                due.extend(self.termination_requested_at.map(|a| a + delay / 2))
            }
            Status::Expiring => due.extend(self.end_at.map(|e| e + delay)),
            Status::Active => {
                if let Some(end) = self.end_at {
                    due.push(end);
                    if self.auto_extend_days() == 0 {
                        for d in REMINDER_DAYS {
                            if !self.reminders_sent.contains(&d) {
                                due.push(end - Duration::days(d));
                            }
                        }
                    }
                }
                due.extend(self.assignments.iter().filter(|a| !a.stuck).filter_map(|a| a.due_at));
                due.extend(
                    self.operations
                        .iter()
                        .filter(|o| matches!(o.status, OperationStatus::NotStarted | OperationStatus::Running))
                        .map(|o| o.created_at + (o.due_at - o.created_at) / 2),
                );
            }
            _ => {}
        }
        due.into_iter().min()
    }

    /// `lockForApproval`: only from `created`; the invitation link can then be approved.
    pub fn lock_for_approval(&mut self, now: DateTime<Utc>) -> Result<(), GraphError> {
        if self.status != Status::Created {
            return Err(GraphError::bad_request(format!(
                "Only a relationship in status 'created' can be locked for approval; this one is '{}'.",
                self.status.as_str()
            )));
        }
        self.status = Status::ApprovalPending;
        self.locked_at = Some(now);
        self.touch(now);
        Ok(())
    }

    /// The customer's Global Administrator approves all roles: `customer` is the approving tenant.
    pub fn approve(
        &mut self,
        customer: TenantId,
        customer_name: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), GraphError> {
        if self.status != Status::ApprovalPending {
            return Err(GraphError::bad_request(format!(
                "Only a relationship awaiting approval can be approved; this one is '{}'.",
                self.status.as_str()
            )));
        }
        if let Some(t) = self.customer_tenant() {
            if t != customer {
                return Err(GraphError::denied());
            }
        }
        self.customer = Some(Customer {
            tenant_id: Some(customer),
            display_name: Some(customer_name.to_owned()),
        });
        self.status = Status::Approved;
        self.approved_at = Some(now);
        self.approved_by = Some(by.to_owned());
        self.touch(now);
        Ok(())
    }

    /// `terminate`: an approved or active relationship ends (the partner or the customer asks).
    pub fn terminate(&mut self, now: DateTime<Utc>) -> Result<(), GraphError> {
        if !matches!(self.status, Status::Approved | Status::Activating | Status::Active) {
            return Err(GraphError::bad_request(format!(
                "Only an active relationship can be terminated; this one is '{}'.",
                self.status.as_str()
            )));
        }
        self.status = Status::TerminationRequested;
        self.termination_requested_at = Some(now);
        self.touch(now);
        Ok(())
    }

    /// A request record for an action that was carried out.
    pub fn record_request(&mut self, id: String, action: RequestAction, now: DateTime<Utc>) -> Request {
        let r = Request {
            id,
            action,
            status: RequestStatus::Succeeded,
            created_at: now,
            last_modified_at: now,
        };
        if self.requests.len() >= MAX_REQUESTS_PER_RELATIONSHIP {
            self.requests.remove(0);
        }
        self.requests.push(r.clone());
        r
    }

    /// PATCH: which fields may change in which status (`displayName`, `duration`, `customer`,
    /// `accessDetails` only while `created`; `autoExtendDuration` also while `active`). Returns
    /// whether the change is the long-running removal of Global Administrator (202).
    pub fn update(&mut self, patch: &Patch, now: DateTime<Utc>, taken: Vec<String>) -> Result<bool, GraphError> {
        let created = self.status == Status::Created;
        let active = self.status.grants_access();
        let mut removes_ga = false;
        let mut next = self.clone();
        if let Some(n) = &patch.display_name {
            if !created {
                return Err(editable_only_while_created("displayName", self.status));
            }
            next.display_name = display_name(n, taken)?;
        }
        if let Some(d) = &patch.duration {
            if !created {
                return Err(editable_only_while_created("duration", self.status));
            }
            next.duration_days = duration_days("duration", d)?;
            next.duration = d.trim().to_ascii_uppercase();
        }
        if let Some(c) = &patch.customer {
            if !created {
                return Err(editable_only_while_created("customer", self.status));
            }
            next.customer = Some(c.clone());
        }
        if let Some(r) = &patch.roles {
            let r = roles(r)?;
            if created {
                next.roles = r;
            } else if active
                && self.roles.iter().any(|x| x == GLOBAL_ADMINISTRATOR)
                && !r.iter().any(|x| x == GLOBAL_ADMINISTRATOR)
                && self.roles.iter().filter(|x| *x != GLOBAL_ADMINISTRATOR).eq(r.iter())
            {
                removes_ga = true;
            } else {
                return Err(GraphError::bad_request(format!(
                    "accessDetails can change only while the relationship is 'created' (or, while active, to remove Global Administrator alone); this one is '{}'.",
                    self.status.as_str()
                )));
            }
        }
        if let Some(a) = &patch.auto_extend {
            if !(created || active) {
                return Err(GraphError::bad_request(format!(
                    "autoExtendDuration can change only while the relationship is 'created' or 'active'; this one is '{}'.",
                    self.status.as_str()
                )));
            }
            auto_extend_days(a)?;
            next.auto_extend = a.trim().to_ascii_uppercase();
        }
        let roles_after: Vec<String> = if removes_ga {
            next.roles
                .iter()
                .filter(|r| *r != GLOBAL_ADMINISTRATOR)
                .cloned()
                .collect()
        } else {
            next.roles.clone()
        };
        // Removing Global Administrator is what allows auto-extension afterwards.
        if !removes_ga {
            check_auto_extend(&roles_after, next.auto_extend_days())?;
        }
        next.touch(now);
        *self = next;
        Ok(removes_ga)
    }

    /// A new access assignment: the relationship active, the roles a subset of its roles, one
    /// live assignment per group (409).
    pub fn assign(&mut self, a: NewAssignment, now: DateTime<Utc>, delay: Duration) -> Result<Assignment, GraphError> {
        if !self.status.grants_access() {
            return Err(GraphError::bad_request(format!(
                "Access assignments can be created only on an active relationship; this one is '{}'.",
                self.status.as_str()
            )));
        }
        let roles = self.subset(&a.roles)?;
        if self
            .assignments
            .iter()
            .any(|x| x.live() && x.group_id.eq_ignore_ascii_case(&a.group_id))
        {
            return Err(GraphError::conflict("The resource already exists."));
        }
        if self.assignments.iter().filter(|x| x.live()).count() >= MAX_ASSIGNMENTS_PER_RELATIONSHIP {
            return Err(GraphError::bad_request(format!(
                "A relationship holds at most {MAX_ASSIGNMENTS_PER_RELATIONSHIP} access assignments."
            )));
        }
        self.assignments.retain(|x| x.live());
        let out = Assignment {
            id: a.id,
            group_id: a.group_id,
            roles,
            status: AssignmentStatus::Pending,
            created_at: now,
            last_modified_at: now,
            due_at: Some(now + delay),
            stuck: a.stuck,
            version: 1,
        };
        self.assignments.push(out.clone());
        let mut ignored = Vec::new();
        self.settle_assignments(now, &mut ignored);
        Ok(self.assignments.last().cloned().unwrap_or(out))
    }

    /// Roles an assignment may hold: a non-empty subset of the relationship's.
    pub fn subset(&self, ids: &[String]) -> Result<Vec<String>, GraphError> {
        let r = roles(ids)?;
        if let Some(extra) = r.iter().find(|x| !self.roles.contains(x)) {
            return Err(GraphError::bad_request(format!(
                "Role '{extra}' is not one of the relationship's roles: an access assignment takes a subset of them."
            )));
        }
        Ok(r)
    }

    /// Whether another operation may start: the record keeps the newest
    /// [`MAX_OPERATIONS_PER_RELATIONSHIP`], dropping finished ones, never one still running.
    pub fn room_for_operation(&self) -> Result<(), GraphError> {
        let busy = self
            .operations
            .iter()
            .filter(|o| matches!(o.status, OperationStatus::NotStarted | OperationStatus::Running))
            .count();
        if busy >= MAX_OPERATIONS_PER_RELATIONSHIP {
            return Err(GraphError::new(
                429,
                "tooManyRequests",
                format!("{MAX_OPERATIONS_PER_RELATIONSHIP} operations of this relationship are still running: retry once some finished."),
            ));
        }
        Ok(())
    }

    /// A long-running operation, due after the delay (check [`Self::room_for_operation`] first).
    pub fn start_operation(
        &mut self,
        id: String,
        change: Change,
        data: String,
        now: DateTime<Utc>,
        delay: Duration,
    ) -> Operation {
        let op = Operation {
            id,
            operation_type: match change {
                Change::AssignmentRoles { .. } => "delegatedAdminAccessAssignmentUpdate".into(),
                Change::RemoveGlobalAdministrator => "delegatedAdminRelationshipUpdate".into(),
            },
            status: OperationStatus::NotStarted,
            created_at: now,
            last_modified_at: now,
            due_at: now + delay,
            change,
            data,
            version: 1,
        };
        if self.operations.len() >= MAX_OPERATIONS_PER_RELATIONSHIP {
            if let Some(i) = self
                .operations
                .iter()
                .position(|o| matches!(o.status, OperationStatus::Succeeded | OperationStatus::Failed))
            {
                self.operations.remove(i);
            }
        }
        self.operations.push(op.clone());
        op
    }

    /// The roles a member of these groups holds in the customer's tenant now.
    pub fn granted_roles(&self, groups: &[String]) -> Vec<String> {
        if !self.status.grants_access() {
            return Vec::new();
        }
        let mut out: Vec<String> = Vec::new();
        for a in &self.assignments {
            if a.status == AssignmentStatus::Active && groups.iter().any(|g| g.eq_ignore_ascii_case(&a.group_id)) {
                for r in &a.roles {
                    if !out.contains(r) {
                        out.push(r.clone());
                    }
                }
            }
        }
        out
    }
}

fn editable_only_while_created(field: &str, status: Status) -> GraphError {
    GraphError::bad_request(format!(
        "{field} can change only while the relationship is 'created'; this one is '{}'.",
        status.as_str()
    ))
}

/// The fields a PATCH may carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Patch {
    pub display_name: Option<String>,
    pub duration: Option<String>,
    pub customer: Option<Customer>,
    pub roles: Option<Vec<String>>,
    pub auto_extend: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAssignment {
    pub id: String,
    pub group_id: String,
    pub roles: Vec<String>,
    pub stuck: bool,
}

/// A new relationship in status `created`, validated.
pub struct NewRelationship<'a> {
    pub id: String,
    pub partner_tenant: TenantId,
    pub display_name: &'a str,
    pub duration: &'a str,
    pub customer: Option<Customer>,
    pub roles: &'a [String],
    pub auto_extend: Option<&'a str>,
}

pub fn create(n: NewRelationship<'_>, taken: Vec<String>, now: DateTime<Utc>) -> Result<Relationship, GraphError> {
    let display_name = display_name(n.display_name, taken)?;
    let duration_days = duration_days("duration", n.duration)?;
    let roles = roles(n.roles)?;
    let auto_extend = n.auto_extend.unwrap_or("PT0S").trim().to_ascii_uppercase();
    check_auto_extend(&roles, auto_extend_days(&auto_extend)?)?;
    Ok(Relationship {
        id: n.id,
        partner_tenant: n.partner_tenant,
        display_name,
        duration: n.duration.trim().to_ascii_uppercase(),
        duration_days,
        customer: n.customer,
        roles,
        auto_extend,
        status: Status::Created,
        created_at: now,
        last_modified_at: now,
        activated_at: None,
        end_at: None,
        locked_at: None,
        approved_at: None,
        approved_by: None,
        termination_requested_at: None,
        created_by: String::new(),
        reminders_sent: Vec::new(),
        version: 1,
        requests: Vec::new(),
        assignments: Vec::new(),
        operations: Vec::new(),
    })
}

/// A relationship id: two GUIDs joined by a hyphen, the second the partner tenant's.
pub fn relationship_id(first: Uuid, partner: TenantId) -> String {
    format!("{first}-{partner}")
}

/// A security group of a partner tenant (the access container of assignments).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: String,
    pub tenant_id: TenantId,
    pub display_name: String,
    pub members: Vec<crate::UserId>,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
#[path = "gdap_tests.rs"]
mod tests;
