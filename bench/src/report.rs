//! The caseload tables: linkwork against the raw engine per caseload size, and the issue's
//! targets for 1,000 people.

use crate::harness::Figures;

fn t(ms: f64) -> String {
    if ms.is_nan() {
        "–".into()
    } else if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 10_000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

fn b(bytes: f64) -> String {
    if bytes.is_nan() {
        "–".into()
    } else if bytes < 10_000.0 {
        format!("{bytes:.0} B")
    } else if bytes < 10_000_000.0 {
        format!("{:.1} KB", bytes / 1000.0)
    } else {
        format!("{:.1} MB", bytes / 1e6)
    }
}

fn ratio(lw: f64, raw: f64) -> String {
    if lw.is_nan() || raw.is_nan() || raw <= 0.0 {
        "–".into()
    } else if lw / raw < 0.01 {
        "<0.01x".into()
    } else {
        format!("{:.2}x", lw / raw)
    }
}

fn mem(f: &Figures, lw: &str, raw: &str) -> String {
    let mb = |kb: f64| {
        if kb.is_nan() {
            "–".to_string()
        } else {
            format!("{:.0}", kb / 1024.0)
        }
    };
    format!(
        "{} / {} MB",
        mb(f.get(lw, "peak_kb")),
        mb(f.get(raw, "peak_kb"))
    )
}

fn sync_cell(f: &Figures, s: &str) -> String {
    let sessions = f.get(s, "sync_sessions");
    if !f.figs.contains_key(s) {
        return "–".into();
    }
    format!(
        "{} → / {} ←, {} RT, {}{}",
        b(f.get(s, "sync_a_to_b")),
        b(f.get(s, "sync_b_to_a")),
        f.get(s, "sync_round_trips"),
        t(f.get(s, "sync_ms")),
        if sessions > 1.0 {
            format!(" (**{sessions} sessions**: the first did not converge)")
        } else {
            String::new()
        }
    )
}

fn sync_bytes(f: &Figures, s: &str) -> f64 {
    f.get(s, "sync_a_to_b") + f.get(s, "sync_b_to_a")
}

fn frames(f: &Figures, s: &str, key: &str) -> String {
    format!("{:.2}", f.get(s, key))
}

/// `table n` for each table whose pages an action's WAL frames held (`pages::FrameCounter`).
fn by_table(f: &Figures, s: &str) -> String {
    f.figs
        .get(s)
        .map(|fig| {
            fig.iter()
                .filter_map(|(k, v)| k.strip_prefix("frames:").map(|n| (n, *v)))
                .map(|(name, v)| format!("{name} {v:.2}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// Prints the table of one caseload size.
pub fn print_size(f: &Figures) {
    let n = f.n;
    let gen_cached = f.get("gen", "cached") == 1.0;
    println!();
    println!(
        "### {n} people (generated through the Store at {} per person{}, peak memory {:.0} MB{})",
        t(f.get("gen", "gen_ms_per_person")),
        if f.get("gen", "gen_threads") == 2.0 {
            format!(
                " on two threads in {:.0} s, {:.0} of them in a second store and imported",
                f.get("gen", "gen_ms") / 1e3,
                f.get("gen", "helper_people")
            )
        } else {
            String::new()
        },
        f.get("gen", "peak_kb") / 1024.0,
        if gen_cached {
            ", cached from an earlier run"
        } else {
            ""
        }
    );
    println!();
    println!("| measure | linkwork | raw automerge + SQLite | linkwork / raw | peak memory (linkwork / raw) |");
    println!("| --- | --- | --- | --- | --- |");
    let row = |label: &str, lw: String, raw: String, r: String, m: String| {
        println!("| {label} | {lw} | {raw} | {r} | {m} |");
    };
    // One figure of a linkwork scenario beside the same figure of its raw twin, and their ratio.
    let same = |label: &str, fmt: fn(f64) -> String, (lw, raw, key): (&str, &str, &str), m| {
        let (x, y) = (f.get(lw, key), f.get(raw, key));
        row(label, fmt(x), fmt(y), ratio(x, y), m);
    };
    let (a, ra) = ("action", "raw-action");
    same(
        "one action (record goal progress) committed, median",
        t,
        (a, ra, "median_ms"),
        mem(f, a, ra),
    );
    same("one action, p99", t, (a, ra, "p99_ms"), String::new());
    same(
        "bytes written to disk per action (WAL frames + checkpoints)",
        b,
        (a, ra, "written_per_action"),
        String::new(),
    );
    row(
        "one action, same 4 people again (writer cache hit), median / p99",
        format!(
            "{} / {}",
            t(f.get(a, "warm_median_ms")),
            t(f.get(a, "warm_p99_ms"))
        ),
        "–".into(),
        "–".into(),
        String::new(),
    );
    let (o, ro) = ("open", "raw-open");
    row(
        "cold open + first screen (50 people)",
        format!(
            "{} ({} + {})",
            t(f.get(o, "open_screen_ms")),
            t(f.get(o, "open_ms")),
            t(f.get(o, "screen_ms"))
        ),
        format!(
            "{} (loads 50 case documents)",
            t(f.get(ro, "open_screen_ms"))
        ),
        ratio(f.get(o, "open_screen_ms"), f.get(ro, "open_screen_ms")),
        mem(f, o, ro),
    );
    row(
        &format!("whole caseload list ({n} rows)"),
        t(f.get(o, "full_ms")),
        format!("{} (loads {n} case documents)", t(f.get(ro, "full_ms"))),
        ratio(f.get(o, "full_ms"), f.get(ro, "full_ms")),
        String::new(),
    );
    let (r, rr) = ("record", "raw-record");
    same(
        "one full record (Store::person; raw: load + hydrate both documents), median",
        t,
        (r, rr, "median_ms"),
        mem(f, r, rr),
    );
    same("one full record, p99", t, (r, rr, "p99_ms"), String::new());
    row(
        "one full record after Store::compact, median",
        t(f.get("size", "record_compacted_median_ms")),
        "–".into(),
        "–".into(),
        String::new(),
    );
    let (s, rb) = ("size", "raw-build");
    same(
        "disk per person before compaction (file + WAL; raw: a row per commit)",
        b,
        (s, rb, "before_per_person"),
        mem(f, s, rb),
    );
    row(
        "disk per person after Store::compact (raw: one snapshot per document)",
        format!(
            "{} ({} after VACUUM)",
            b(f.get(s, "after_per_person")),
            b(f.get(s, "vacuumed_per_person"))
        ),
        b(f.get(rb, "after_per_person")),
        ratio(f.get(s, "after_per_person"), f.get(rb, "after_per_person")),
        String::new(),
    );
    let sync_rows = [
        (
            "sync: a new device receives the caseload",
            "sync-new",
            "raw-sync-new",
        ),
        (
            "sync: reconnect, nothing to do",
            "sync-idle",
            "raw-sync-idle",
        ),
        ("sync: one offline edit", "sync-one", "raw-sync-one"),
        (
            "sync: a week offline (300 edits over 60 people on each device)",
            "sync-week",
            "raw-sync-week",
        ),
    ];
    for (label, lw, raw) in sync_rows {
        if !f.sync {
            row(
                label,
                "not run at this size".into(),
                "not run".into(),
                "–".into(),
                String::new(),
            );
            continue;
        }
        row(
            label,
            sync_cell(f, lw),
            sync_cell(f, raw),
            format!(
                "time {}, bytes {}",
                ratio(f.get(lw, "sync_ms"), f.get(raw, "sync_ms")),
                ratio(sync_bytes(f, lw), sync_bytes(f, raw))
            ),
            mem(f, lw, raw),
        );
    }
    if f.figs.contains_key(s) {
        println!();
        println!(
            "Where the bytes are after compaction, per person: automerge documents {}, {}; \
         free pages left by compaction {}. Compaction took {}.",
            b(f.get(s, "automerge_after_per_person")),
            f.figs
                .get(s)
                .map(|fig| {
                    fig.iter()
                        .filter_map(|(k, v)| k.strip_prefix("after_table:").map(|n| (n, *v)))
                        .map(|(name, v)| format!("{name} {}", b(v)))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default(),
            b(f.get(s, "freelist_per_person")),
            t(f.get(s, "compact_ms"))
        );
    }
    if f.figs.contains_key(a) && f.figs.contains_key(ra) {
        println!();
        println!(
            "WAL frames (4 KB pages) per action before checkpoints, by table: linkwork {} ({}); \
             raw {} ({}).",
            frames(f, a, "frames_per_action"),
            by_table(f, a),
            frames(f, ra, "frames_per_action"),
            by_table(f, ra)
        );
    }
    println!(
        "Bench time for this size: {:.0} s. Arrows: → from the caseload's device to the other \
         (for a new device: to it), ← back. RT = round trips.",
        f.seconds
    );
}

/// Prints issue 18's phone targets for one caseload size with PASS or MISS, every ratio from
/// this run's linkwork and raw figures.
pub fn print_targets_18(f: &Figures) {
    println!();
    println!("### Targets of issue 18 ({} people)", f.n);
    println!();
    println!("| target | linkwork | raw | linkwork / raw | result |");
    println!("| --- | --- | --- | --- | --- |");
    let line = |target: &str, lw: String, raw: String, x: f64, limit: f64| {
        let verdict = if x.is_nan() {
            "not run"
        } else if x <= limit {
            "PASS"
        } else {
            "MISS"
        };
        let r = if x.is_nan() {
            "–".to_string()
        } else {
            format!("{x:.2}x")
        };
        println!("| {target} | {lw} | {raw} | {r} | {verdict} |");
    };
    let pair = |s: &str, rs: &str, key: &str| (f.get(s, key), f.get(rs, key));
    let (lw, raw) = pair("action", "raw-action", "median_ms");
    line(
        "one action, median ≤ 1.2x raw",
        t(lw),
        t(raw),
        lw / raw,
        1.2,
    );
    let (lw, raw) = pair("action", "raw-action", "p99_ms");
    line("one action, p99 ≤ 2x raw", t(lw), t(raw), lw / raw, 2.0);
    let (lw, raw) = pair("action", "raw-action", "written_per_action");
    line(
        "bytes written per action ≤ 2x raw",
        b(lw),
        b(raw),
        lw / raw,
        2.0,
    );
    let (lw, raw) = (
        f.get("size", "after_per_person"),
        f.get("raw-build", "after_per_person"),
    );
    line(
        "disk per person after compaction ≤ 1.5x raw",
        b(lw),
        b(raw),
        lw / raw,
        1.5,
    );
    let (lw, raw) = pair("sync-new", "raw-sync-new", "sync_ms");
    let m = |s: &str| f.get(s, "peak_kb") / 1024.0;
    line(
        "a new device receives the caseload no slower than raw",
        format!(
            "{}, {} RT, peak {:.0} MB",
            t(lw),
            f.get("sync-new", "sync_round_trips"),
            m("sync-new")
        ),
        format!(
            "{}, {} RT, peak {:.0} MB",
            t(raw),
            f.get("raw-sync-new", "sync_round_trips"),
            m("raw-sync-new")
        ),
        lw / raw,
        1.0,
    );
}

/// Prints the targets for 1,000 people with PASS or MISS.
pub fn print_targets(f: &Figures) {
    println!();
    println!("### Targets ({} people)", f.n);
    println!();
    println!("| target | measured | result |");
    println!("| --- | --- | --- |");
    let line = |target: &str, measured: String, ok: bool| {
        println!(
            "| {target} | {measured} | {} |",
            if ok { "PASS" } else { "MISS" }
        );
    };
    let median = f.get("action", "median_ms");
    line("one action, median < 2 ms", t(median), median < 2.0);
    let p99 = f.get("action", "p99_ms");
    line("one action, p99 < 10 ms", t(p99), p99 < 10.0);
    let open = f.get("open", "open_screen_ms");
    line(
        "cold open to first caseload screen < 50 ms",
        t(open),
        open < 50.0,
    );
    let rec = f.get("record", "median_ms");
    line("one full record < 5 ms", t(rec), rec < 5.0);
    let size = f.get("size", "after_per_person");
    line(
        "< 30 KB per person on disk after compaction",
        b(size),
        size < 30_000.0,
    );
    let (rt, bytes) = (
        f.get("sync-idle", "sync_round_trips"),
        sync_bytes(f, "sync-idle"),
    );
    line(
        "reconnect with nothing to do: one round trip, < 1 KB",
        format!("{rt} RT, {}", b(bytes)),
        rt <= 1.0 && bytes < 1000.0,
    );
    let one = sync_bytes(f, "sync-one");
    line("one offline edit < 2 KB", b(one), one < 2000.0);
    let w = median / f.get("raw-action", "median_ms");
    line(
        "write overhead over raw automerge + SQLite ≤ 1.5x (action median)",
        format!("{w:.2}x"),
        w <= 1.5,
    );
    for (label, lw, raw) in [
        ("new device", "sync-new", "raw-sync-new"),
        ("reconnect", "sync-idle", "raw-sync-idle"),
        ("one offline edit", "sync-one", "raw-sync-one"),
        ("a week offline", "sync-week", "raw-sync-week"),
    ] {
        let tr = f.get(lw, "sync_ms") / f.get(raw, "sync_ms");
        let br = sync_bytes(f, lw) / sync_bytes(f, raw);
        line(
            &format!("sync overhead ≤ 1.5x: {label} (time, bytes)"),
            format!(
                "{}, {}",
                ratio(f.get(lw, "sync_ms"), f.get(raw, "sync_ms")),
                ratio(sync_bytes(f, lw), sync_bytes(f, raw))
            ),
            tr <= 1.5 && br <= 1.5,
        );
    }
}
