//! The rows of TCP and flow time series: one `sample` row per tick and none repeated at the end
//! of the run (found by a new user: the tick at the end and the closing sample were both
//! written), and a request-response flow traced on the connection that sends its answers.

mod common;

use common::*;

const SCENARIO: &str = r#"
name = "rows"
duration = "1s"

[topology]
kind = "dumbbell"
pairs = 2
link = { rate = "1Gbps", delay = "10us" }
bottleneck = { rate = "100Mbps", delay = "1ms", queue = "50p" }

[[flow]]
name = "bulk"
kind = "tcp-bulk"
src = "l0"
dst = "r0"

[[flow]]
name = "rr"
kind = "request-response"
src = "l1"
dst = "r1"
request = "200B"
response = "20KB"
interval = "10ms"

[[flow]]
name = "cbr"
kind = "udp-cbr"
src = "l1"
dst = "r0"
rate = "1Mbps"

[trace]
timeseries = ["bulk", "rr", "cbr"]
sample_interval = "100ms"
"#;

fn rows(dir: &std::path::Path, name: &str) -> Vec<Vec<String>> {
    let csv = std::fs::read_to_string(dir.join(format!("out/timeseries/{name}.csv"))).unwrap();
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn one_row_per_tick_and_answers_traced_at_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(&file, SCENARIO).unwrap();
    let s = run_ok(&dir.path().join("out"), &[file.to_str().unwrap()]);
    // Ticks at 0, 0.1, …, 1.0 s, each once (the end of the run is the last tick); the server's
    // connection does not exist at 0, so its series starts at 0.1 s.
    for (name, ticks) in [("bulk", 11), ("rr", 10)] {
        let r = rows(dir.path(), name);
        let samples: Vec<f64> = r
            .iter()
            .filter(|f| f[10] == "sample")
            .map(|f| f[0].parse().unwrap())
            .collect();
        assert_eq!(samples.len(), ticks, "{name}: {samples:?}");
        assert!(
            samples.windows(2).all(|w| w[0] < w[1]),
            "{name}: {samples:?}"
        );
        assert_eq!(samples.last(), Some(&1.0), "{name}");
    }
    let cbr = rows(dir.path(), "cbr");
    assert_eq!(cbr.len(), 11, "flow series: one row per tick");
    // The answers' connection: its acknowledged bytes at the end are the answers' bytes.
    let rr = flow(&s, "rr");
    let answers = u(rr, "answers");
    assert!(answers > 50, "{rr}");
    let last = rows(dir.path(), "rr").pop().unwrap();
    let acked: u64 = last[6].parse().unwrap();
    assert!(
        (answers * 20_000..=(answers + 1) * 20_000).contains(&acked),
        "acked {acked} B at the server for {answers} answers of 20 KB"
    );
}
