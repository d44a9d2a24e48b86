//! linkwork's integration tests: one test binary (each extra binary would link SQLCipher again),
//! one module per area. Shared helpers: `sync_support` (sync drivers and the test-side codec),
//! `fixture` (the full FHIR record), `targets` (the fuzz targets, replayed over their corpus).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../../fhir/fixture.rs"]
#[allow(dead_code)]
mod fixture;
#[path = "../../../fuzz/src/targets.rs"]
#[allow(dead_code)]
mod targets;

mod clinical_safety;
mod sync_support;

mod case;
mod concurrency;
mod consent;
mod crash_safety;
mod encryption;
mod episode;
mod erasure_raw;
mod fhir_export;
mod field_types;
mod fuzz_corpus;
mod history;
mod identity_signing;
mod listeners;
mod measures_recording;
mod merge;
mod merge_properties;
mod onward;
mod onward_directory;
mod paging;
mod pairing_once;
mod people;
mod plan;
mod privacy;
mod projections;
mod reports_caseload;
mod reports_gp_message;
mod reports_paired;
mod roles;
mod schema_evolution;
mod store_files;
mod sync_conflicts;
mod sync_convergence;
mod sync_cost;
mod sync_erasure;
mod sync_live;
mod sync_new_device;
mod sync_policy;
mod sync_properties;
mod sync_resilience;
mod sync_state;
mod sync_week_offline;
