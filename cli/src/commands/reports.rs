//! Reports and exports: the caseload report (printed or as CSV files), the FHIR R4 export of
//! one person's record, and the message back to the GP. None of them changes the store.

use linkwork_core::gp_message::GpEvent;
use serde_json::json;

use super::{code, id, write_atomically, Ctx};
use crate::args::{ExportCmd, ExportFhirArgs, GpMessageArgs, ReportArgs};
use crate::error::{CliError, CliResult};
use crate::output;

/// `report [--csv DIR]`: the caseload report as compact tables, as JSON, or as CSV files
/// (their paths printed one per line, or `{"ok": true, "files": [...]}`).
///
/// # Errors
/// A patient store (not permitted); storage errors; a directory or file that cannot be
/// written.
pub fn report(ctx: &Ctx, a: ReportArgs) -> CliResult {
    let report = ctx.store()?.caseload_report()?;
    match a.csv {
        None => ctx.out.show(&report, output::caseload_report),
        Some(dir) => {
            let written = report.write_csv(&dir)?;
            let paths: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
            ctx.out
                .done(Some(paths.join("\n")), json!({ "files": paths }))
        }
    }
}

/// `export fhir PERSON --out FILE [--include-case-data]`.
///
/// # Errors
/// Unknown person; case data asked for on a patient store; a file that cannot be written.
pub fn export(ctx: &Ctx, cmd: ExportCmd) -> CliResult {
    match cmd {
        ExportCmd::Fhir(a) => export_fhir(ctx, a),
    }
}

/// `export fhir`: writes the Bundle atomically, then prints the file's path.
fn export_fhir(ctx: &Ctx, a: ExportFhirArgs) -> CliResult {
    let person = id("person", &a.person)?;
    let mut text = ctx.store()?.export_fhir_json(person, a.include_case_data)?;
    text.push('\n');
    write_atomically(&a.out, text.as_bytes()).map_err(|source| CliError::File {
        action: "write the FHIR bundle file",
        source,
    })?;
    let path = a.out.display().to_string();
    ctx.out.done(
        Some(path.clone()),
        json!({
            "path": path,
            "bytes": text.len(),
            "include_case_data": a.include_case_data,
        }),
    )
}

/// `gp-message PERSON --event accepted|declined|discharged`.
///
/// # Errors
/// A bad event code; unknown person; an episode not in a state the event fits; a patient
/// store.
pub fn gp_message(ctx: &Ctx, a: GpMessageArgs) -> CliResult {
    let person = id("person", &a.person)?;
    let event: GpEvent = code("event", &a.event)?;
    let message = ctx.store()?.gp_message(person, event)?;
    ctx.out.show(&message, output::gp_message)
}
