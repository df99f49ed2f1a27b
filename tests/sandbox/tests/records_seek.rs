//! Reads answered from the id-ordered store (`$id` seeks, ranges and lists, issue #15)
//! must agree exactly with the full scan: many generated query shapes are answered both
//! ways and compared, as the engine sees them and through records.json and the cursor
//! API, also after writes have changed the app.
#![allow(clippy::result_large_err)]

#[path = "records_fixture.rs"]
mod fixture;

use fixture::*;
use kintone_sandbox::api::records::eval_ctx;
use kintone_sandbox::api::Method;
use kintone_sandbox::query::{prepare_in, QueryKind};
use kintone_sandbox::server::state::Sandbox;
use serde_json::{json, Value};

/// A small deterministic generator: the cases must be the same on every run.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// `n` records through the bulk API, then some deleted, so the ids have gaps.
fn seed(s: &Sandbox, n: usize) -> Vec<u64> {
    let mut ids = Vec::new();
    for chunk in (1..=n).collect::<Vec<_>>().chunks(100) {
        let records: Vec<Value> = chunk
            .iter()
            .map(|i| {
                json!({
                    "title": {"value": format!("t{i}")},
                    "price": {"value": (i * 37) % 101},
                    "rank": {"value": if i % 3 == 0 { "hi" } else { "lo" }},
                    "cust": {"value": if i % 4 == 0 { "C1" } else { "C2" }},
                    "items": {"value": [{"value": {"name": {"value": if i % 5 == 0 { "r" } else { "s" }}}}]},
                })
            })
            .collect();
        let r = admin_call(
            s,
            Method::Post,
            "records",
            json!({"app": MAIN, "records": records}),
        );
        for id in r["ids"].as_array().unwrap() {
            ids.push(id.as_str().unwrap().parse::<u64>().unwrap());
        }
    }
    let gone: Vec<u64> = ids
        .iter()
        .copied()
        .filter(|id| id % 7 == 3)
        .take(100)
        .collect();
    for chunk in gone.chunks(100) {
        admin_call(
            s,
            Method::Delete,
            "records",
            json!({"app": MAIN, "ids": chunk}),
        );
    }
    ids.retain(|id| !gone.contains(id));
    ids
}

fn id_atom(g: &mut Gen, max: u64) -> String {
    let n = g.below(max + 20) as i64 - 10;
    match g.below(11) {
        0 => format!("$id > {n}"),
        1 => format!("$id >= {n}"),
        2 => format!("$id < {n}"),
        3 => format!("$id <= {n}"),
        4 => format!("$id = {n}"),
        5 => format!("$id != {n}"),
        6 | 7 => {
            let k = 1 + g.below(12);
            let list: Vec<String> = (0..k).map(|_| g.below(max + 5).to_string()).collect();
            format!("$id in ({})", list.join(", "))
        }
        8 => {
            let list: Vec<String> = (0..3).map(|_| g.below(max).to_string()).collect();
            format!("$id not in ({})", list.join(", "))
        }
        9 => format!("$id > {n}.5"),
        _ => format!("$id <= {}", g.below(max) as f64 + 0.25),
    }
}

fn other_atom(g: &mut Gen) -> String {
    g.pick(&[
        "price > 50",
        "price <= 20",
        "rank in (\"hi\")",
        "title = \"t12\"",
        "title in (\"t3\", \"t40\", \"t41\")",
        "Record_number >= 100",
        "name in (\"r\")",
        "related.cname in (\"Acme\")",
        "title like \"t7\"",
        "price = \"\"",
    ])
    .to_string()
}

fn atom(g: &mut Gen, max: u64) -> String {
    if g.below(3) == 0 {
        other_atom(g)
    } else {
        id_atom(g, max)
    }
}

fn cond(g: &mut Gen, max: u64, depth: u32) -> String {
    if depth == 0 || g.below(3) == 0 {
        return atom(g, max);
    }
    let a = cond(g, max, depth - 1);
    let b = cond(g, max, depth - 1);
    match g.below(3) {
        0 => format!("{a} and {b}"),
        1 => format!("{a} or {b}"),
        _ => format!("({a} or {b}) and {}", atom(g, max)),
    }
}

fn query(g: &mut Gen, max: u64, cursor: bool) -> String {
    let mut q = if g.below(8) == 0 {
        String::new()
    } else {
        cond(g, max, 3)
    };
    q.push_str(g.pick(&[
        "",
        "",
        " order by $id asc",
        " order by $id desc",
        " order by $id desc, price asc",
        " order by price desc",
        " order by price asc, $id asc",
    ]));
    if !cursor {
        q.push_str(g.pick(&[
            "",
            " limit 500",
            " limit 7",
            " limit 0",
            " limit 50 offset 13",
            " offset 200",
            " limit 3 offset 390",
        ]));
    }
    q
}

/// Every generated query, answered by the planned reads and by the full scan.
fn compare_many(s: &Sandbox, seed_value: u64, cases: usize, like_threshold: usize) {
    let dom = s.read();
    let app = &dom.apps[&MAIN];
    let max = app.records.keys().next_back().copied().unwrap_or(0);
    let mut ctx = eval_ctx(&dom, &pw("admin"), s.now());
    ctx.like_abort_threshold = like_threshold;
    let mut g = Gen(seed_value);
    let mut planned = 0;
    for case in 0..cases {
        let cursor = case % 4 == 3;
        let q = query(&mut g, max, cursor);
        let kind = if cursor {
            QueryKind::Cursor
        } else {
            QueryKind::Records
        };
        let p = match prepare_in(&dom, app, &q, kind, &ctx) {
            Ok(p) => p,
            Err(e) => panic!("{q}: {e}"),
        };
        let scan = p.select_by_scan(&dom, app, &ctx);
        let sel = p.select_in(&dom, app, &ctx);
        assert_eq!(sel.ids, scan.ids, "select: {q}");
        assert_eq!(sel.aborted, scan.aborted, "aborted: {q}");
        if !cursor {
            let offset = p.offset() as usize;
            let limit = p.limit().unwrap() as usize;
            let want: Vec<u64> = scan.ids.iter().copied().skip(offset).take(limit).collect();
            for count_all in [false, true] {
                let w = p.select_window(&dom, app, &ctx, count_all);
                assert_eq!(w.ids, want, "window: {q}");
                assert_eq!(w.total, count_all.then_some(scan.ids.len()), "total: {q}");
                assert_eq!(w.aborted, scan.aborted, "aborted: {q}");
            }
        }
        planned += usize::from(!scan.ids.is_empty());
    }
    // The generator must produce non-trivial answers, or the comparison proves little.
    assert!(planned > cases / 3, "only {planned} non-empty answers");
}

#[test]
fn planned_reads_equal_the_full_scan() {
    let s = sandbox();
    seed(&s, 400);
    compare_many(&s, 15, 1500, 0);
}

#[test]
fn like_abort_still_scans_in_id_order() {
    let s = sandbox();
    seed(&s, 200);
    // A threshold the `like` terms reach: such queries take the full scan and abort
    // exactly where it does.
    compare_many(&s, 77, 400, 3);
}

#[test]
fn large_in_lists_and_ranges() {
    let s = sandbox();
    let ids = seed(&s, 600);
    let dom = s.read();
    let app = &dom.apps[&MAIN];
    let ctx = eval_ctx(&dom, &pw("admin"), s.now());
    let every: Vec<String> = (0..700).map(|i| i.to_string()).collect();
    for q in [
        format!("$id in ({}) order by $id asc limit 500", every.join(",")),
        format!(
            "$id in ({}) and price > 10 limit 500 offset 20",
            every.join(",")
        ),
        format!(
            "$id in ({}) or title = \"t5\" order by $id asc",
            every[..50].join(",")
        ),
        "$id > 100 and $id <= 300 and $id > 150 and $id < 1000 order by $id asc limit 500".into(),
        "($id < 10 or $id > 590) and ($id < 5 or $id > 595) order by $id desc".into(),
        "$id > 18446744073709551615 or $id < -5 or $id in (99999999999999999999999)".into(),
    ] {
        let p = prepare_in(&dom, app, &q, QueryKind::Records, &ctx).unwrap();
        let scan = p.select_by_scan(&dom, app, &ctx);
        let w = p.select_window(&dom, app, &ctx, true);
        let want: Vec<u64> = scan
            .ids
            .iter()
            .copied()
            .skip(p.offset() as usize)
            .take(p.limit().unwrap() as usize)
            .collect();
        assert_eq!(w.ids, want, "{q}");
        assert_eq!(w.total, Some(scan.ids.len()), "{q}");
    }
    // The first query names every stored record.
    let p = prepare_in(
        &dom,
        app,
        &format!("$id in ({})", every.join(",")),
        QueryKind::Records,
        &ctx,
    )
    .unwrap();
    assert_eq!(
        p.select_window(&dom, app, &ctx, true).total,
        Some(ids.len())
    );
}

fn page_ids(v: &Value) -> Vec<u64> {
    v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["$id"]["value"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// What `getAllRecordsWithId` does: `$id > last order by $id asc limit 500` until a
/// short page.
fn read_by_seeks(s: &Sandbox, fields: Option<Value>) -> (Vec<u64>, Vec<Value>) {
    let (mut ids, mut records, mut last) = (Vec::new(), Vec::new(), 0u64);
    loop {
        let mut params =
            json!({"app": MAIN, "query": format!("$id > {last} order by $id asc limit 500")});
        if let Some(f) = &fields {
            params["fields"] = f.clone();
        }
        let v = admin_call(s, Method::Get, "records", params);
        let page = page_ids(&v);
        records.extend(v["records"].as_array().unwrap().iter().cloned());
        ids.extend(&page);
        if page.len() < 500 {
            return (ids, records);
        }
        last = *page.last().unwrap();
    }
}

#[test]
fn seek_pages_follow_every_kind_of_write() {
    let s = sandbox();
    let mut ids = seed(&s, 1200);
    let (got, _) = read_by_seeks(&s, None);
    assert_eq!(got, ids);

    // Single and bulk adds, updates and deletes; each is visible to the next seek.
    let new_id = add(&s, json!({"title": {"value": "late"}}));
    ids.push(new_id);
    let changed = ids[10];
    admin_call(
        &s,
        Method::Put,
        "record",
        json!({"app": MAIN, "id": changed, "record": {"price": {"value": 999}}}),
    );
    let doomed = vec![ids[0], ids[499], ids[500], ids[501]];
    admin_call(
        &s,
        Method::Delete,
        "records",
        json!({"app": MAIN, "ids": doomed}),
    );
    ids.retain(|id| !doomed.contains(id));
    let bulk = admin_call(
        &s,
        Method::Post,
        "bulkRequest",
        json!({"requests": [
            {"method": "POST", "api": "/k/v1/records.json", "payload": {"app": MAIN, "records": [{"title": {"value": "b1"}}, {"title": {"value": "b2"}}]}},
            {"method": "DELETE", "api": "/k/v1/records.json", "payload": {"app": MAIN, "ids": [ids[3]]}},
        ]}),
    );
    for id in bulk["results"][0]["ids"].as_array().unwrap() {
        ids.push(id.as_str().unwrap().parse().unwrap());
    }
    ids.remove(3);
    let (got, records) = read_by_seeks(&s, Some(json!(["$id", "price"])));
    assert_eq!(got, ids);
    let updated = records
        .iter()
        .find(|r| r["$id"]["value"] == json!(changed.to_string()))
        .unwrap();
    assert_eq!(updated["price"]["value"], json!("999"));
    assert_eq!(records[0].as_object().unwrap().len(), 2, "fields honoured");

    // Ranges, lists and descending pages with totalCount, through records.json.
    let v = admin_call(
        &s,
        Method::Get,
        "records",
        json!({"app": MAIN, "query": format!("$id >= {} and $id <= {} order by $id desc limit 5 offset 2", ids[100], ids[300]), "totalCount": true}),
    );
    assert_eq!(
        page_ids(&v),
        ids[294..=298].iter().rev().copied().collect::<Vec<_>>()
    );
    assert_eq!(v["totalCount"], json!("201"));
    let v = admin_call(
        &s,
        Method::Get,
        "records",
        json!({"app": MAIN, "query": format!("$id in ({}, {}, 0, {}) and title != \"nope\"", ids[7], ids[2], new_id), "totalCount": true}),
    );
    assert_eq!(page_ids(&v), vec![new_id, ids[7], ids[2]]);
    assert_eq!(v["totalCount"], json!("3"));
    assert_eq!(v["records"][0]["price"]["value"], json!(""));

    // The cursor API in ascending and default (descending) $id order.
    for (q, asc) in [("order by $id asc", true), ("", false)] {
        let c = admin_call(
            &s,
            Method::Post,
            "records/cursor",
            json!({"app": MAIN, "query": q, "size": 500}),
        );
        let cid = c["id"].as_str().unwrap().to_string();
        assert_eq!(c["totalCount"], json!(ids.len().to_string()));
        let mut got = Vec::new();
        loop {
            let v = admin_call(&s, Method::Get, "records/cursor", json!({"id": cid}));
            got.extend(page_ids(&v));
            if v["next"] == json!(false) {
                break;
            }
        }
        let mut want = ids.clone();
        if !asc {
            want.reverse();
        }
        assert_eq!(got, want, "cursor {q:?}");
    }
}
