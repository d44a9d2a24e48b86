//! Generates the Kotlin and Swift bindings of `linkwork-ffi`.
//!
//! Wraps uniffi's own command line; after `generate --language swift` it renames the cases of
//! the generated Swift error enums to lowerCamelCase like every other enum
//! (see [`swift_errors`]), so every script that generates Swift gets the same API.

mod swift_errors;

use std::path::PathBuf;
use std::process::ExitCode;

/// The out dir of a `generate` run for Swift, from uniffi's arguments, or `None` for any other
/// run (other languages, other subcommands, `--help`).
fn swift_out_dir(args: &[String]) -> Option<PathBuf> {
    if args.get(1).map(String::as_str) != Some("generate") {
        return None;
    }
    let mut swift = false;
    let mut out_dir = None;
    let mut it = args.iter().skip(2);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--language" | "-l" => swift |= it.next().is_some_and(|l| l == "swift"),
            "--out-dir" | "-o" => out_dir = it.next().map(PathBuf::from),
            a if a.starts_with("--language=") => swift |= a == "--language=swift",
            a if a.starts_with("--out-dir=") => {
                out_dir = a.strip_prefix("--out-dir=").map(PathBuf::from)
            }
            _ => {}
        }
    }
    out_dir.filter(|_| swift)
}

/// Renames the error cases in every generated `.swift` file of `dir`: enums declared in one
/// file (`LinkWorkError` in `LinkWorkCore.swift`) are renamed where the others use them too.
fn rewrite_swift(dir: &std::path::Path) -> Result<(), String> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|e| e == "swift") {
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            files.push((path, text));
        }
    }
    let mut renames = Vec::new();
    for (path, text) in &files {
        renames.extend(
            swift_errors::error_cases(text).map_err(|e| format!("{}: {e}", path.display()))?,
        );
    }
    for (path, text) in &files {
        let renamed = swift_errors::apply_renames(text, &renames)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if &renamed != text {
            std::fs::write(path, renamed).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    uniffi::uniffi_bindgen_main();
    if let Some(dir) = swift_out_dir(&args) {
        if let Err(e) = rewrite_swift(&dir) {
            eprintln!("uniffi-bindgen: renaming Swift error cases failed: {e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
