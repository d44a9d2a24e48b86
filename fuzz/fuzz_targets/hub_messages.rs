//! libFuzzer entry point; the body is [`linkwork_fuzz::targets::hub_messages`].
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| linkwork_fuzz::targets::hub_messages(data));
