//! Generates the Kotlin and Swift bindings of `linkwork-ffi`.
fn main() {
    uniffi::uniffi_bindgen_main()
}
