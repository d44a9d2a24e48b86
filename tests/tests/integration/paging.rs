//! Paging the caseload, the due list and a person's history: pages concatenate to the whole
//! list, and a row added between pages neither repeats nor skips an existing row.

use linkwork_core::model::*;
use linkwork_core::Id;
use linkwork_tests::*;

/// Every page of a list, concatenated, checking each page's size.
fn all_pages<T: Clone>(
    limit: i32,
    mut page: impl FnMut(&PageRequest) -> Page<T>,
) -> (Vec<T>, usize) {
    let mut out = Vec::new();
    let mut req = PageRequest::first(limit);
    let mut pages = 0;
    loop {
        let p = page(&req);
        pages += 1;
        assert!(p.items.len() <= limit as usize);
        out.extend(p.items.iter().cloned());
        match p.next {
            Some(next) => {
                assert_eq!(p.items.len(), limit as usize, "only the last page is short");
                req.after = Some(next);
            }
            None => break,
        }
    }
    (out, pages)
}

fn ids(rows: &[CaseloadEntry]) -> Vec<Id> {
    rows.iter().map(|r| r.person_id).collect()
}

#[test]
fn caseload_pages_concatenate_to_the_whole_list() {
    let (_dir, s) = link_worker_store();
    for (g, f) in [
        ("Ada", "Lovelace"),
        ("Grace", "Hopper"),
        ("Alan", "Turing"),
        ("Ada", "Yonath"),
        ("Kit", "Lovelace"),
        ("Mary", "Somerville"),
        ("Ada", "Lovelace"),
    ] {
        add_person(&s, g, f);
    }
    let q = CaseloadQuery::default();
    let whole = ids(&s.caseload(&q).unwrap());
    for limit in [1, 2, 3, 7, 100] {
        let (rows, pages) = all_pages(limit, |r| s.caseload_page(&q, r).unwrap());
        assert_eq!(ids(&rows), whole, "limit {limit}");
        assert_eq!(pages, whole.len().div_ceil(limit as usize).max(1));
    }
    // Filters apply to pages.
    let ada = CaseloadQuery {
        text: Some("ada".into()),
        ..Default::default()
    };
    let (rows, _) = all_pages(2, |r| s.caseload_page(&ada, r).unwrap());
    assert_eq!(ids(&rows), ids(&s.caseload(&ada).unwrap()));
    assert_eq!(rows.len(), 3);
}

#[test]
fn a_person_added_or_renamed_between_pages_neither_repeats_nor_skips_a_row() {
    let (_dir, s) = link_worker_store();
    for f in ["Baker", "Carter", "Evans", "Green", "Jones"] {
        add_person(&s, "Sam", f);
    }
    let q = CaseloadQuery::default();
    let before = ids(&s.caseload(&q).unwrap());
    let first = s.caseload_page(&q, &PageRequest::first(2)).unwrap();
    assert_eq!(ids(&first.items), before[..2]);
    // Added before the cursor (would shift an offset and repeat "Carter") and after it.
    let early = add_person(&s, "Sam", "Abbott");
    let late = add_person(&s, "Sam", "Harris");
    let mut seen = ids(&first.items);
    let mut req = PageRequest {
        limit: 2,
        after: first.next,
    };
    loop {
        let p = s.caseload_page(&q, &req).unwrap();
        seen.extend(ids(&p.items));
        match p.next {
            Some(n) => req.after = Some(n),
            None => break,
        }
    }
    for id in &before {
        assert_eq!(
            seen.iter().filter(|x| *x == id).count(),
            1,
            "every row once"
        );
    }
    assert!(
        !seen.contains(&early),
        "added before the cursor: not on later pages"
    );
    assert!(seen.contains(&late), "added after the cursor: listed");
}

#[test]
fn due_pages_concatenate_and_survive_an_insert() {
    let (_dir, s) = link_worker_store();
    let p = add_person(&s, "Ada", "Lovelace");
    for day in [3, 1, 4, 1, 5, 9, 2, 6] {
        s.add_step(
            p,
            new_step("Step", StepOwner::Person, Some(date(2030, 1, day))),
        )
        .unwrap();
    }
    let until = date(2030, 12, 31);
    let whole = s.due(until).unwrap();
    for limit in [1, 3, 8, 50] {
        let (rows, _) = all_pages(limit, |r| s.due_page(until, r).unwrap());
        assert_eq!(rows, whole, "limit {limit}");
    }
    let first = s.due_page(until, &PageRequest::first(3)).unwrap();
    // A step due earlier than the cursor is added, then one later.
    s.add_step(
        p,
        new_step("Early", StepOwner::Person, Some(date(2030, 1, 1))),
    )
    .unwrap();
    let (rest, _) = {
        let mut req = PageRequest {
            limit: 3,
            after: first.next.clone(),
        };
        let mut out = Vec::new();
        loop {
            let page = s.due_page(until, &req).unwrap();
            out.extend(page.items);
            match page.next {
                Some(n) => req.after = Some(n),
                None => break (out, ()),
            }
        }
    };
    let mut seen: Vec<Id> = first.items.iter().map(|d| d.item_id).collect();
    seen.extend(rest.iter().map(|d| d.item_id));
    let want: Vec<Id> = whole.iter().map(|d| d.item_id).collect();
    assert_eq!(seen, want, "every existing row once, in order");
}

#[test]
fn history_pages_concatenate_and_survive_new_changes() {
    let (_dir, s) = link_worker_store();
    let f = full_person(&s);
    let whole = s.history(f.person).unwrap();
    assert!(whole.len() > 5);
    for limit in [1, 4, 1000] {
        let (rows, _) = all_pages(limit, |r| s.history_page(f.person, r).unwrap());
        assert_eq!(rows, whole, "limit {limit}");
    }
    let first = s.history_page(f.person, &PageRequest::first(4)).unwrap();
    s.set_what_matters(f.person, "More walks").unwrap();
    let mut req = PageRequest {
        limit: 4,
        after: first.next.clone(),
    };
    let mut seen = first.items.clone();
    loop {
        let p = s.history_page(f.person, &req).unwrap();
        seen.extend(p.items);
        match p.next {
            Some(n) => req.after = Some(n),
            None => break,
        }
    }
    // The new change is listed once, in its place by time; every earlier one once, in order.
    assert_eq!(seen.len(), whole.len() + 1);
    let new: Vec<_> = seen.iter().filter(|e| !whole.contains(e)).collect();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].action, "plan.what-matters");
    let old: Vec<_> = seen.iter().filter(|e| whole.contains(e)).cloned().collect();
    assert_eq!(old, whole);
}

#[test]
fn bad_limits_and_cursors_are_refused() {
    let (_dir, s) = link_worker_store();
    let a = add_person(&s, "Ada", "Lovelace");
    let b = add_person(&s, "Kit", "Marlowe");
    s.add_step(a, new_step("x", StepOwner::Person, Some(date(2030, 1, 1))))
        .unwrap();
    s.add_step(a, new_step("y", StepOwner::Person, Some(date(2030, 1, 2))))
        .unwrap();
    let q = CaseloadQuery::default();
    let until = date(2031, 1, 1);
    for limit in [0, -1, MAX_PAGE_SIZE as i32 + 1] {
        assert_invalid(
            &s.caseload_page(&q, &PageRequest::first(limit)).unwrap_err(),
            "limit",
        );
        assert_invalid(
            &s.due_page(until, &PageRequest::first(limit)).unwrap_err(),
            "limit",
        );
        assert_invalid(
            &s.history_page(a, &PageRequest::first(limit)).unwrap_err(),
            "limit",
        );
    }
    let caseload_cursor = s
        .caseload_page(&q, &PageRequest::first(1))
        .unwrap()
        .next
        .unwrap();
    let due_cursor = s
        .due_page(until, &PageRequest::first(1))
        .unwrap()
        .next
        .unwrap();
    let history_cursor = s
        .history_page(a, &PageRequest::first(1))
        .unwrap()
        .next
        .unwrap();
    let after = |c: &str| PageRequest {
        limit: 5,
        after: Some(c.to_string()),
    };
    for bad in ["", "not hex", "0", "7b7d", "deadbeef"] {
        assert_invalid(&s.caseload_page(&q, &after(bad)).unwrap_err(), "after");
        assert_invalid(&s.due_page(until, &after(bad)).unwrap_err(), "after");
        assert_invalid(&s.history_page(a, &after(bad)).unwrap_err(), "after");
    }
    // Another list's cursor, and another person's history cursor.
    assert_invalid(
        &s.caseload_page(&q, &after(&due_cursor)).unwrap_err(),
        "after",
    );
    assert_invalid(
        &s.due_page(until, &after(&caseload_cursor)).unwrap_err(),
        "after",
    );
    assert_invalid(
        &s.history_page(a, &after(&caseload_cursor)).unwrap_err(),
        "after",
    );
    assert_invalid(
        &s.history_page(b, &after(&history_cursor)).unwrap_err(),
        "after",
    );
    // The real cursors work.
    assert_eq!(
        s.caseload_page(&q, &after(&caseload_cursor))
            .unwrap()
            .items
            .len(),
        1
    );
    assert_eq!(
        s.due_page(until, &after(&due_cursor)).unwrap().items.len(),
        1
    );
}
