//! `sweep.csv`: one row per point, in point order.
//!
//! Columns, in this order:
//!
//! * `point` — the point's index (from 0); `dir` — its results directory, relative to the sweep
//!   directory (`points/<index>-<key=value…>-seed<s>`);
//! * one column per swept key, named by the key (`flow.0.rate`), holding the value as written
//!   on the command line;
//! * `seed`, `sim_time_s`, `events`;
//! * per flow, in scenario order, `flow.<name>.<metric>` with the metrics `goodput_bps` and
//!   `bytes_delivered` for every flow, `retransmissions` and `timeouts` for TCP flows
//!   (`tcp-bulk`, `request-response`) and `rtt_avg_s` for `ping` flows;
//! * per `[[migration]]` entry, by its index in the file, `migration.<i>.total_time_s`,
//!   `migration.<i>.downtime_s` and `migration.<i>.service_downtime_s`;
//! * per `[[workload]]`, `workload.<name>.<metric>` with `flows` (started), `completed`,
//!   `unfinished` (still running at the end), `timeouts` (summed over its flows' `fct.csv`
//!   rows), and `p50_slowdown` and `p99_slowdown` over its **completed** flows only
//!   (docs/workloads.md).
//!
//! The metric columns follow from each point's scenario (flow names and kinds, migration
//! entries), so they are known before anything runs; when points differ (a swept flow name or
//! kind), the header is the union in order of first appearance and a point without a column
//! leaves its cell empty. A value the run did not produce (a ping that got no reply has no
//! `rtt_avg_s`) is an empty cell too. Numbers are written in Rust's shortest round-trip form.
//! There is no wall-clock column, so the file is the same whatever `--jobs` is.

use crate::scenario::{FlowKind, Scenario};

/// The metric columns a point of `scenario` will have.
pub(crate) fn metric_columns(scenario: &Scenario) -> Vec<String> {
    let mut cols = vec!["sim_time_s".to_string(), "events".to_string()];
    for f in &scenario.flows {
        for m in flow_metrics(f.kind.kind()) {
            cols.push(format!("flow.{}.{m}", f.name.get_ref()));
        }
    }
    for i in 0..scenario.migrations.len() {
        for m in MIGRATION_METRICS {
            cols.push(format!("migration.{i}.{m}"));
        }
    }
    for w in &scenario.workloads {
        for m in WORKLOAD_METRICS {
            cols.push(format!("workload.{}.{m}", w.name));
        }
    }
    cols
}

const MIGRATION_METRICS: [&str; 3] = ["total_time_s", "downtime_s", "service_downtime_s"];

/// A workload's columns: the counts from `workloads[]`, the percentiles from its `overall`.
const WORKLOAD_METRICS: [&str; 6] = [
    "flows",
    "completed",
    "unfinished",
    "timeouts",
    "p50_slowdown",
    "p99_slowdown",
];

fn flow_metrics(kind: FlowKind) -> &'static [&'static str] {
    match kind {
        FlowKind::TcpBulk | FlowKind::RequestResponse => &[
            "goodput_bps",
            "bytes_delivered",
            "retransmissions",
            "timeouts",
        ],
        FlowKind::Ping => &["goodput_bps", "bytes_delivered", "rtt_avg_s"],
        FlowKind::HttpProbe => &["goodput_bps", "bytes_delivered", "timeouts"],
        FlowKind::Dns => &["goodput_bps", "loss_pct", "rtt_avg_s"],
        FlowKind::Stream => &["startup_delay_s", "stalls", "stall_time_s"],
        _ => &["goodput_bps", "bytes_delivered"],
    }
}

/// The value of metric column `col` in a point's `summary.json` (parsed), if the run produced
/// one. Integers are written as integers and other numbers in Rust's shortest round-trip form
/// (`summary.json` is parsed with exact float round-tripping, so this is the value the run
/// computed).
pub(crate) fn metric_value(summary: &serde_json::Value, col: &str) -> Option<String> {
    match col {
        "sim_time_s" | "events" => return number(summary.get(col)?),
        _ => {}
    }
    if let Some(rest) = col.strip_prefix("flow.") {
        let (name, metric) = rest.rsplit_once('.')?;
        let f = summary
            .get("flows")?
            .as_array()?
            .iter()
            .find(|f| f.get("name").and_then(|n| n.as_str()) == Some(name))?;
        return match metric {
            "goodput_bps" | "bytes_delivered" | "retransmissions" | "timeouts" | "rtt_avg_s"
            | "loss_pct" => number(f.get(metric)?),
            _ => None,
        };
    }
    if let Some(rest) = col.strip_prefix("workload.") {
        let (name, metric) = rest.rsplit_once('.')?;
        let w = summary
            .get("workloads")?
            .as_array()?
            .iter()
            .find(|w| w.get("name").and_then(|n| n.as_str()) == Some(name))?;
        return match metric {
            "flows" | "completed" | "unfinished" | "timeouts" => number(w.get(metric)?),
            "p50_slowdown" | "p99_slowdown" => number(w.get("overall")?.get(metric)?),
            _ => None,
        };
    }
    let rest = col.strip_prefix("migration.")?;
    let (index, metric) = rest.split_once('.')?;
    let m = summary
        .get("migrations")?
        .as_array()?
        .get(index.parse::<usize>().ok()?)?;
    let field = m.get(metric)?;
    field
        .as_f64()
        .map(|v| v.to_string())
        .or_else(|| field.as_str().map(str::to_string))
}

/// A JSON number as `sweep.csv` writes it: an integer as such, anything else as an `f64` in
/// shortest round-trip form; `null` (a value the run did not produce) is `None`.
fn number(v: &serde_json::Value) -> Option<String> {
    if let Some(u) = v.as_u64() {
        Some(u.to_string())
    } else if let Some(i) = v.as_i64() {
        Some(i.to_string())
    } else {
        v.as_f64().map(|f| f.to_string())
    }
}

/// One field of a CSV row, quoted (RFC 4180) when it holds a comma, a quote or a line break.
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Parses CSV text (RFC 4180 quoting) into rows of fields.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fields with commas and quotes survive a write and a parse unchanged.
    #[test]
    fn csv_quoting_round_trips() {
        let fields = ["plain", "a,b", r#"["h0","h1"]"#, ""];
        let line = fields.map(csv_field).join(",") + "\n";
        assert_eq!(parse_csv(&line), vec![fields.map(String::from).to_vec()]);
    }

    /// Every flow kind has goodput and delivered bytes; TCP adds its loss counters and ping its
    /// mean RTT; migrations are named by their index in the file.
    #[test]
    fn columns_follow_flow_kinds() {
        let text = r#"
            name = "t"
            [topology]
            kind = "dumbbell"
            [[flow]]
            name = "a"
            kind = "tcp-bulk"
            src = "l0"
            dst = "r0"
            [[flow]]
            name = "p"
            kind = "ping"
            src = "l1"
            dst = "r1"
        "#;
        let (sc, _) = crate::scenario::load_str("t", text, &[]).expect("valid");
        assert_eq!(
            metric_columns(&sc),
            [
                "sim_time_s",
                "events",
                "flow.a.goodput_bps",
                "flow.a.bytes_delivered",
                "flow.a.retransmissions",
                "flow.a.timeouts",
                "flow.p.goodput_bps",
                "flow.p.bytes_delivered",
                "flow.p.rtt_avg_s"
            ]
        );
    }
}
