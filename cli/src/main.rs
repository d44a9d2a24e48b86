//! `linkwork`: an inspection and demo tool on top of linkwork-core.
//!
//! `linkwork demo` tells a home-visit story on temporary stores; every other command works on
//! one store file given with `--db FILE`. Errors are one line on stderr, `error: <message>`,
//! with exit code 2 (usage), 3 (invalid input), 4 (not found), 5 (illegal transition or not
//! permitted) or 1 (anything else).

/// The command line (clap).
mod args;
/// Command implementations.
mod commands;
/// `linkwork demo`.
mod demo;
/// Errors and exit codes.
mod error;
/// The device side of the organisation's hub (TLS WebSocket).
mod hub_client;
/// Text and JSON printing.
mod output;
/// Options for sync state and paging.
mod state_args;
/// The reference TCP transport for sync sessions.
mod transport;

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser;

/// Parses the command line, runs the command, and maps failure to an exit code.
fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are printed to stdout and succeed; usage errors exit with 2.
            let code = if e.use_stderr() { error::EXIT_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            e.exit_code()
        }
    }
}
