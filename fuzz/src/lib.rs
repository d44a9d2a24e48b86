//! linkwork's fuzz targets. The bodies live in [`targets`], shared by the libFuzzer binaries
//! in `fuzz_targets/` and by the stable regression suite in the main workspace
//! (`tests/tests/integration/fuzz_corpus.rs` includes the same file), which runs every committed seed and
//! reproducer through them on every `cargo test`.

pub mod targets;
