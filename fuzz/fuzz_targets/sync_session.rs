//! libFuzzer entry point; the body is [`linkwork_fuzz::targets::sync_session`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| linkwork_fuzz::targets::sync_session(data));
