//! libFuzzer entry point; the body is [`linkwork_fuzz::targets::directory_feed`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| linkwork_fuzz::targets::directory_feed(data));
