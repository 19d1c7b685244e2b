//! End-to-end tests: the real server on 127.0.0.1:0, spoken to over HTTP. One binary, many modules.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bounds;
mod bundle;
mod catalog;
mod cli;
mod conformance;
mod control;
mod csp;
mod examples;
mod explain;
mod faults;
mod fidelity;
mod gdap;
mod headless;
mod identity;
mod import_hostile;
mod onboarding;
mod openapi;
mod orders;
mod outbound;
mod partner_center;
mod portal;
mod rebinding;
mod replicas;
mod security;
mod support;
mod teams;
