//! peerlab-web's integration tests, one binary with a module per feature: the real server
//! on 127.0.0.1:0 with a fresh database per test, every behaviour test run once on SQLite
//! and once on PostgreSQL, and the browser journeys in headless Chromium.

#[macro_use]
mod common;

mod api;
mod auth;
mod browser;
mod browser_groups;
mod coach;
mod coffee;
mod grouping;
mod grouping_store;
mod import;
mod jobs;
mod lrs;
mod outbound;
mod partners;
mod password_reset;
mod people;
mod programs;
mod programs_matrix;
mod read_policy;
mod sessions;
mod small_groups;
mod spaces;
mod webhooks;
