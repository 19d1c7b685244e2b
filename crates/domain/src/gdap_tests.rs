#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;

const EXCHANGE: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
const READER: &str = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap()
}

fn partner() -> TenantId {
    TenantId(Uuid::from_u128(7))
}

fn customer() -> TenantId {
    TenantId(Uuid::from_u128(9))
}

fn rel(roles: &[&str], auto: &str) -> Relationship {
    let roles: Vec<String> = roles.iter().map(|r| (*r).to_owned()).collect();
    create(
        NewRelationship {
            id: relationship_id(Uuid::from_u128(1), partner()),
            partner_tenant: partner(),
            display_name: "Contoso admin",
            duration: "P730D",
            customer: None,
            roles: &roles,
            auto_extend: Some(auto),
        },
        Vec::new(),
        t0(),
    )
    .unwrap()
}

fn active(roles: &[&str], auto: &str, delay: Duration) -> Relationship {
    let mut r = rel(roles, auto);
    r.lock_for_approval(t0()).unwrap();
    r.approve(customer(), "Adatum", "admin@adatum.onmicrosoft.com", t0())
        .unwrap();
    r.settle(t0() + delay, delay);
    assert_eq!(r.status, Status::Active);
    r
}

#[test]
fn durations_run_from_one_day_to_two_years() {
    assert_eq!(duration_days("duration", "P730D").unwrap(), 730);
    assert_eq!(duration_days("duration", "P2Y").unwrap(), 730);
    assert_eq!(duration_days("duration", "p1d").unwrap(), 1);
    assert_eq!(duration_days("duration", "P4W").unwrap(), 28);
    for bad in [
        "P0D",
        "P731D",
        "P3Y",
        "PT12H",
        "P1DT1H",
        "730",
        "",
        "P-1D",
        "P99999999999999999999Y",
    ] {
        assert!(duration_days("duration", bad).is_err(), "{bad}");
    }
}

#[test]
fn auto_extension_is_pt0s_p0d_or_p180d_and_never_with_global_administrator() {
    assert_eq!(auto_extend_days("PT0S").unwrap(), 0);
    assert_eq!(auto_extend_days("P0D").unwrap(), 0);
    assert_eq!(auto_extend_days("P180D").unwrap(), 180);
    assert!(auto_extend_days("P90D").is_err());
    let roles = vec![GLOBAL_ADMINISTRATOR.to_owned()];
    assert!(check_auto_extend(&roles, 180).is_err());
    assert!(check_auto_extend(&roles, 0).is_ok());
}

#[test]
fn display_names_are_bounded_and_unique_per_partner() {
    assert!(display_name("", Vec::new()).is_err());
    assert!(display_name(&"x".repeat(51), Vec::new()).is_err());
    assert_eq!(display_name(&"x".repeat(50), Vec::new()).unwrap().len(), 50);
    let e = display_name("Contoso", vec!["contoso".to_owned()]).unwrap_err();
    assert_eq!(e.status, 409);
}

#[test]
fn roles_are_built_in_and_at_least_one() {
    assert!(roles(&[]).is_err());
    assert!(roles(&["dd4db9a0-cc4a-4213-9f9f-70242232d97e".to_owned()]).is_err());
    let r = roles(&[EXCHANGE.to_uppercase(), EXCHANGE.to_owned()]).unwrap();
    assert_eq!(r, vec![EXCHANGE.to_owned()], "canonical and once");
}

#[test]
fn the_state_machine_walks_from_created_to_active_with_the_activation_delay() {
    let delay = Duration::minutes(10);
    let mut r = rel(&[EXCHANGE, READER], "PT0S");
    assert!(r.approve(customer(), "Adatum", "a", t0()).is_err(), "not locked yet");
    r.lock_for_approval(t0()).unwrap();
    assert!(r.lock_for_approval(t0()).is_err(), "only from created");
    assert_eq!(r.status, Status::ApprovalPending);
    let v = r.version;
    r.approve(customer(), "Adatum", "admin@adatum", t0() + Duration::hours(1))
        .unwrap();
    assert!(r.version > v, "the etag changes");
    assert_eq!(r.status, Status::Approved);
    assert_eq!(r.customer_tenant(), Some(customer()));
    r.settle(t0() + Duration::hours(1) + Duration::minutes(5), delay);
    assert_eq!(r.status, Status::Activating);
    let happened = r.settle(t0() + Duration::hours(2), delay);
    assert_eq!(happened, vec![Happened::Activated]);
    assert_eq!(r.status, Status::Active);
    let activated = t0() + Duration::hours(1) + delay;
    assert_eq!(r.activated_at, Some(activated));
    assert_eq!(r.end_at, Some(activated + Duration::days(730)));
}

#[test]
fn an_invitation_not_approved_in_90_days_expires() {
    let mut r = rel(&[EXCHANGE], "PT0S");
    r.lock_for_approval(t0()).unwrap();
    assert!(r.settle(t0() + Duration::days(89), Duration::zero()).is_empty());
    assert_eq!(r.next_due(Duration::zero()), Some(t0() + Duration::days(90)));
    assert_eq!(
        r.settle(t0() + Duration::days(90), Duration::zero()),
        vec![Happened::Expired]
    );
    assert_eq!(r.status, Status::Expired);
    assert!(r.approve(customer(), "Adatum", "a", t0() + Duration::days(91)).is_err());
}

#[test]
fn a_customer_named_at_creation_is_the_only_one_that_can_approve() {
    let mut r = rel(&[EXCHANGE], "PT0S");
    r.customer = Some(Customer {
        tenant_id: Some(customer()),
        display_name: None,
    });
    r.lock_for_approval(t0()).unwrap();
    let e = r
        .approve(TenantId(Uuid::from_u128(99)), "Other", "x", t0())
        .unwrap_err();
    assert_eq!(e.status, 403);
    assert_eq!(r.status, Status::ApprovalPending);
}

#[test]
fn without_auto_extension_reminders_go_out_then_it_expires() {
    let mut r = active(&[EXCHANGE], "PT0S", Duration::zero());
    let end = r.end_at.unwrap();
    assert_eq!(
        r.settle(end - Duration::days(30), Duration::zero()),
        vec![Happened::Reminder { days: 30 }]
    );
    assert!(
        r.settle(end - Duration::days(20), Duration::zero()).is_empty(),
        "once each"
    );
    assert_eq!(
        r.settle(end - Duration::hours(12), Duration::zero()),
        vec![Happened::Reminder { days: 7 }, Happened::Reminder { days: 1 }]
    );
    assert_eq!(r.status, Status::Active);
    assert_eq!(r.settle(end, Duration::zero()), vec![Happened::Expired]);
    assert_eq!(r.status, Status::Expired);
}

#[test]
fn with_a_delay_an_ended_relationship_is_expiring_before_expired() {
    let delay = Duration::minutes(4);
    let mut r = active(&[EXCHANGE], "PT0S", delay);
    let end = r.end_at.unwrap();
    r.settle(end + Duration::minutes(1), delay);
    assert_eq!(r.status, Status::Expiring);
    assert!(r.granted_roles(&[]).is_empty());
    r.settle(end + delay, delay);
    assert_eq!(r.status, Status::Expired);
}

#[test]
fn auto_extension_rolls_the_end_by_180_days_as_often_as_the_clock_passed_it() {
    let mut r = active(&[EXCHANGE], "P180D", Duration::zero());
    let end = r.end_at.unwrap();
    let happened = r.settle(end + Duration::days(200), Duration::zero());
    assert_eq!(
        happened,
        vec![
            Happened::Extended {
                until: end + Duration::days(180)
            },
            Happened::Extended {
                until: end + Duration::days(360)
            }
        ]
    );
    assert_eq!(r.status, Status::Active);
    assert_eq!(r.end_at, Some(end + Duration::days(360)));
}

#[test]
fn access_assignments_take_a_subset_one_per_group_and_activate_after_the_delay() {
    let delay = Duration::seconds(30);
    let mut r = rel(&[EXCHANGE, READER], "PT0S");
    let new = |id: &str, group: &str, roles: &[&str]| NewAssignment {
        id: id.into(),
        group_id: group.into(),
        roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        stuck: false,
    };
    assert!(r.assign(new("a0", "g1", &[READER]), t0(), delay).is_err(), "not active");
    r.lock_for_approval(t0()).unwrap();
    r.approve(customer(), "Adatum", "x", t0()).unwrap();
    r.settle(t0(), Duration::zero());
    let e = r
        .assign(new("a1", "g1", &[GLOBAL_ADMINISTRATOR]), t0(), delay)
        .unwrap_err();
    assert_eq!(e.status, 400, "not one of the relationship's roles");
    let a = r.assign(new("a1", "g1", &[READER]), t0(), delay).unwrap();
    assert_eq!(a.status, AssignmentStatus::Pending);
    assert_eq!(
        r.assign(new("a2", "G1", &[EXCHANGE]), t0(), delay).unwrap_err().status,
        409
    );
    assert!(r.granted_roles(&["g1".into()]).is_empty(), "pending grants nothing");
    r.settle(t0() + delay, delay);
    assert_eq!(r.granted_roles(&["g1".into()]), vec![READER.to_owned()]);
    assert!(r.granted_roles(&["g2".into()]).is_empty());
    // A stuck assignment stays pending whatever the clock says.
    let stuck = r
        .assign(
            NewAssignment {
                stuck: true,
                ..new("a3", "g2", &[EXCHANGE])
            },
            t0(),
            delay,
        )
        .unwrap();
    r.settle(t0() + Duration::days(3), delay);
    assert_eq!(
        r.assignments.iter().find(|a| a.id == stuck.id).unwrap().status,
        AssignmentStatus::Pending
    );
}

#[test]
fn an_assignment_update_is_an_operation_that_applies_when_it_succeeds() {
    let delay = Duration::seconds(10);
    let mut r = active(&[EXCHANGE, READER], "PT0S", Duration::zero());
    let a = r
        .assign(
            NewAssignment {
                id: "a1".into(),
                group_id: "g1".into(),
                roles: vec![READER.into()],
                stuck: false,
            },
            t0(),
            Duration::zero(),
        )
        .unwrap();
    assert_eq!(a.status, AssignmentStatus::Active);
    let op = r.start_operation(
        "op1".into(),
        Change::AssignmentRoles {
            assignment_id: "a1".into(),
            roles: vec![EXCHANGE.into()],
        },
        "{}".into(),
        t0(),
        delay,
    );
    assert_eq!(op.status, OperationStatus::NotStarted);
    r.settle(t0() + Duration::seconds(5), delay);
    assert_eq!(r.operations[0].status, OperationStatus::Running);
    assert_eq!(r.granted_roles(&["g1".into()]), vec![READER.to_owned()]);
    r.settle(t0() + delay, delay);
    assert_eq!(r.operations[0].status, OperationStatus::Succeeded);
    assert_eq!(r.granted_roles(&["g1".into()]), vec![EXCHANGE.to_owned()]);
}

#[test]
fn fields_change_only_while_created_and_global_admin_leaves_an_active_one_by_operation() {
    let mut r = rel(&[EXCHANGE], "PT0S");
    let patch = Patch {
        display_name: Some("Renamed".into()),
        duration: Some("P31D".into()),
        ..Patch::default()
    };
    assert!(!r.update(&patch, t0(), Vec::new()).unwrap());
    assert_eq!((r.display_name.as_str(), r.duration_days), ("Renamed", 31));
    let mut r = active(&[GLOBAL_ADMINISTRATOR, EXCHANGE], "PT0S", Duration::zero());
    assert!(r.update(&patch, t0(), Vec::new()).is_err(), "not while active");
    let auto = Patch {
        auto_extend: Some("P180D".into()),
        ..Patch::default()
    };
    assert!(
        r.update(&auto, t0(), Vec::new()).is_err(),
        "Global Administrator blocks it"
    );
    let drop_ga = Patch {
        roles: Some(vec![EXCHANGE.into()]),
        ..Patch::default()
    };
    assert!(r.update(&drop_ga, t0(), Vec::new()).unwrap(), "a long-running removal");
    let add = Patch {
        roles: Some(vec![EXCHANGE.into(), READER.into()]),
        ..Patch::default()
    };
    assert!(r.update(&add, t0(), Vec::new()).is_err(), "roles are fixed once active");
}

#[test]
fn termination_ends_access_and_deletes_assignments() {
    let mut r = active(&[EXCHANGE], "PT0S", Duration::zero());
    r.assign(
        NewAssignment {
            id: "a1".into(),
            group_id: "g1".into(),
            roles: vec![EXCHANGE.into()],
            stuck: false,
        },
        t0(),
        Duration::zero(),
    )
    .unwrap();
    let delay = Duration::minutes(2);
    r.terminate(t0() + Duration::days(1)).unwrap();
    assert_eq!(r.status, Status::TerminationRequested);
    assert!(r.granted_roles(&["g1".into()]).is_empty());
    r.settle(t0() + Duration::days(1) + Duration::minutes(1), delay);
    assert_eq!(r.status, Status::Terminating);
    assert_eq!(r.settle(t0() + Duration::days(2), delay), vec![Happened::Terminated]);
    assert_eq!(r.assignments[0].status, AssignmentStatus::Deleted);
    assert!(r.terminate(t0() + Duration::days(3)).is_err());
}
