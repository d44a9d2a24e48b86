//! Reports and exports: the caseload report (printed or as CSV files), the FHIR R4 export of
//! one person's record, and the message back to the GP. None of them changes the store.

use std::fmt::Write as _;

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
    if let (Some(from), Some(to)) = (a.period.from.clone(), a.period.to.clone()) {
        return super::period::period_report(ctx, a, &from, &to);
    }
    if a.suppress_below.is_some() && !a.commissioner {
        return Err(CliError::Usage(
            "--suppress-below needs --commissioner or --from/--to".into(),
        ));
    }
    let report = ctx.store()?.caseload_report()?;
    match a.csv {
        None => ctx.out.show(&report, output::caseload_report),
        Some(dir) => {
            let written = if a.commissioner {
                let threshold = a
                    .suppress_below
                    .unwrap_or(linkwork_core::reports::DEFAULT_SUPPRESSION_THRESHOLD);
                report.write_csv_for_commissioner(&dir, threshold)?
            } else {
                report.write_csv(&dir)?
            };
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
    let export = ctx.store()?.fhir_export(person, a.include_case_data)?;
    let mut text = export.json()?;
    text.push('\n');
    write_atomically(&a.out, text.as_bytes()).map_err(|source| CliError::File {
        action: "write the FHIR bundle file",
        source,
    })?;
    let path = a.out.display().to_string();
    let mut shown = path.clone();
    if !export.withheld.is_empty() {
        shown.push_str("\nWithheld:");
        for w in &export.withheld {
            let _ = write!(shown, "\n  {w}");
        }
    }
    ctx.out.done(
        Some(shown),
        json!({
            "path": path,
            "bytes": text.len(),
            "include_case_data": a.include_case_data,
            "withheld": export.withheld,
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
