//! `directory import|search|show|info`: the community services directory (Open Referral UK).
//! Import prints the per-record report; search and show only read.

use std::fmt::Write as _;
use std::io::Read;

use linkwork_core::directory::{
    DirectoryImportReport, DirectoryPage, DirectoryQuery, DirectoryService, DirectoryVersion,
    FeedError, Near, OpenOn, MAX_FEED_BYTES,
};
use linkwork_core::reports::ServiceOutcomes;
use linkwork_core::Error;

use super::{number, Ctx};
use crate::args::{DirectoryCmd, DirectoryImportArgs, DirectorySearchArgs};
use crate::error::{CliError, CliResult};
use crate::output::{code_of, table, when};

/// Runs a `directory` subcommand.
///
/// # Errors
/// A feed refused whole (exit 3, the directory unchanged); an unknown service (exit 4); bad
/// search values (exit 3); storage and file errors.
pub fn directory(ctx: &Ctx, cmd: DirectoryCmd) -> CliResult {
    match cmd {
        DirectoryCmd::Import(a) => import(ctx, a),
        DirectoryCmd::Search(a) => search(ctx, a),
        DirectoryCmd::Show(a) => {
            let store = ctx.store()?;
            let service = store.directory_service(&a.service)?;
            let outcomes = store.outcomes_for_service(&service.id)?;
            let shown = ServiceWithOutcomes { service, outcomes };
            ctx.out.show(&shown, |s| {
                let mut text = show_service(&s.service);
                text.push_str(&outcomes_text(&s.outcomes));
                text
            })
        }
        DirectoryCmd::Info => {
            let version = ctx.store()?.directory_version()?;
            ctx.out.show(&version, |v| match v {
                Some(v) => version_text(v),
                None => "no directory imported\n".into(),
            })
        }
    }
}

fn import(ctx: &Ctx, a: DirectoryImportArgs) -> CliResult {
    let file_error = |source| CliError::File {
        action: "read the feed file",
        source,
    };
    let file = std::fs::File::open(&a.file).map_err(file_error)?;
    // Read at most one byte past the limit: an oversized file is refused without reading it.
    let mut bytes = Vec::new();
    file.take(MAX_FEED_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(file_error)?;
    if bytes.len() > MAX_FEED_BYTES {
        return Err(Error::from(FeedError::TooLarge {
            limit: MAX_FEED_BYTES,
        })
        .into());
    }
    let source = a.source.unwrap_or_else(|| {
        a.file
            .file_name()
            .map_or_else(|| "feed".into(), |n| n.to_string_lossy().into_owned())
    });
    let report = ctx.store()?.directory_import(&bytes, &source)?;
    ctx.out.show(&report, import_text)
}

fn search(ctx: &Ctx, a: DirectorySearchArgs) -> CliResult {
    let query = DirectoryQuery {
        text: a.text,
        need: a.need,
        near: a.near.as_deref().map(Near::parse).transpose()?,
        within_km: a
            .within
            .as_deref()
            .map(|w| number("within_km", w, "expected kilometres, e.g. 2.5"))
            .transpose()?,
        open_on: a.open.as_deref().map(OpenOn::parse).transpose()?,
        age: a
            .age
            .as_deref()
            .map(|n| number("age", n, "expected whole years"))
            .transpose()?,
        offset: number("offset", &a.offset, "expected a whole number")?,
        limit: number("limit", &a.limit, "expected 1 to 100")?,
    };
    let store = ctx.store()?;
    let page = store.directory_search(&query)?;
    if !a.outcomes {
        return ctx.out.show(&page, page_text);
    }
    let all = store.service_outcomes()?;
    let outcomes: Vec<ServiceOutcomes> = page
        .hits
        .iter()
        .map(|h| {
            all.iter()
                .find(|o| o.service_id == h.service_id)
                .cloned()
                .unwrap_or_else(|| ServiceOutcomes {
                    service_id: h.service_id.clone(),
                    ..Default::default()
                })
        })
        .collect();
    let shown = PageWithOutcomes { page, outcomes };
    ctx.out.show(&shown, |p| {
        let mut text = page_text(&p.page);
        for o in &p.outcomes {
            let _ = write!(text, "\n{}\n{}", o.service_id, outcomes_text(o));
        }
        text
    })
}

/// `directory show`: the service's record with an `outcomes` key (this store's referrals).
#[derive(serde::Serialize)]
struct ServiceWithOutcomes {
    #[serde(flatten)]
    service: DirectoryService,
    outcomes: ServiceOutcomes,
}

/// `directory search --outcomes`: the page with an `outcomes` key, one per hit, in hit order.
#[derive(serde::Serialize)]
struct PageWithOutcomes {
    #[serde(flatten)]
    page: DirectoryPage,
    outcomes: Vec<ServiceOutcomes>,
}

/// A service's referral outcomes as text lines.
fn outcomes_text(o: &ServiceOutcomes) -> String {
    let wait = o
        .mean_wait_days
        .map_or_else(|| "-".into(), |d| format!("{d:.1} days"));
    format!(
        "referrals from this store: {} (accepted {}, attended {}, no capacity {}, awaiting \
         answer {}); mean wait to acceptance: {wait}\n",
        o.referrals, o.accepted, o.attended, o.no_capacity, o.awaiting_response
    )
}

fn version_text(v: &DirectoryVersion) -> String {
    format!(
        "source: {}\nfeed date: {}\nimported: {}\nservices: {}\ncontent hash: {}\n",
        v.source,
        v.feed_date.as_deref().unwrap_or("-"),
        when(&v.imported_at),
        v.services,
        v.content_hash
    )
}

fn import_text(r: &DirectoryImportReport) -> String {
    let mut out = format!(
        "{}: {} records read, {} services imported, {} skipped\n",
        code_of(&r.outcome),
        r.records,
        r.imported,
        r.skipped
    );
    out.push_str(&version_text(&r.version));
    if !r.issues.is_empty() {
        out.push('\n');
        let rows: Vec<Vec<String>> = r
            .issues
            .iter()
            .map(|i| {
                vec![
                    i.index.map_or_else(|| "feed".into(), |n| n.to_string()),
                    i.service_id.clone().unwrap_or_else(|| "-".into()),
                    if i.field.is_empty() {
                        "-".into()
                    } else {
                        i.field.clone()
                    },
                    code_of(&i.kind),
                    code_of(&i.action),
                ]
            })
            .collect();
        out.push_str(&table(
            &["record", "service", "field", "problem", "action"],
            &rows,
        ));
    }
    if r.issues_not_listed > 0 {
        let _ = writeln!(
            out,
            "... and {} more problems not listed",
            r.issues_not_listed
        );
    }
    out
}

fn page_text(p: &DirectoryPage) -> String {
    if p.hits.is_empty() {
        return format!("no services found ({} in all)\n", p.total);
    }
    let rows: Vec<Vec<String>> = p
        .hits
        .iter()
        .map(|h| {
            vec![
                h.service_id.clone(),
                h.name.clone(),
                h.organization.clone().unwrap_or_else(|| "-".into()),
                h.distance_km
                    .map_or_else(|| "-".into(), |d| format!("{d:.1} km")),
            ]
        })
        .collect();
    let mut out = table(&["id", "name", "organisation", "distance"], &rows);
    let _ = writeln!(
        out,
        "{} to {} of {}",
        p.offset + 1,
        p.offset as usize + p.hits.len(),
        p.total
    );
    out
}

fn show_service(s: &DirectoryService) -> String {
    let mut out = format!("{}\nid: {}\n", s.name, s.id);
    let mut line = |label: &str, v: Option<&str>| {
        if let Some(v) = v {
            let _ = writeln!(out, "{label}: {v}");
        }
    };
    line(
        "organisation",
        s.organization.as_ref().map(|o| o.name.as_str()),
    );
    line("status", s.status.as_deref());
    line("description", s.description.as_deref());
    line("how to apply", s.application_process.as_deref());
    line("eligibility", s.eligibility_description.as_deref());
    line("fees", s.fees_description.as_deref());
    line("web", s.url.as_deref());
    line("email", s.email.as_deref());
    let ages = match (s.minimum_age, s.maximum_age) {
        (None, None) => None,
        (a, b) => Some(format!(
            "{} to {}",
            a.map_or_else(|| "any".into(), |a| a.to_string()),
            b.map_or_else(|| "any".into(), |b| b.to_string())
        )),
    };
    line("ages", ages.as_deref());
    for l in &s.locations {
        let place = [
            l.name.as_deref(),
            l.address.as_deref(),
            l.postcode.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        line("location", Some(&place));
    }
    for r in &s.schedules {
        let days = r
            .byday
            .as_deref()
            .or(r.bymonthday.as_deref())
            .unwrap_or("?");
        let hours = format!(
            "{} {} {}-{}",
            r.freq.as_deref().unwrap_or("WEEKLY"),
            days,
            r.opens_at.as_deref().unwrap_or("?"),
            r.closes_at.as_deref().unwrap_or("?")
        );
        line("open", Some(&hours));
    }
    for p in s
        .phones
        .iter()
        .chain(s.contacts.iter().flat_map(|c| &c.phones))
    {
        line("phone", Some(&p.number));
    }
    for t in &s.taxonomy_terms {
        line("need", Some(&t.name));
    }
    for c in &s.cost_options {
        let cost = format!(
            "{} {} {}",
            c.amount.map_or_else(|| "-".into(), |a| format!("{a:.2}")),
            c.currency.as_deref().unwrap_or(""),
            c.amount_description.as_deref().unwrap_or("")
        );
        line("cost", Some(cost.trim()));
    }
    out
}
