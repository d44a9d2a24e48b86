//! Shared helpers for linkwork integration tests.
