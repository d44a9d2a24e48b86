//! uniffi bindings of linkwork-core.
uniffi::setup_scaffolding!();
