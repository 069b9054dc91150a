//! Issue 21 without a cluster: the plan, `run-point`, `status`, `collect`, local `--resume`,
//! and the bad inputs of the Slurm backend. (`tests/slurm.rs` runs the same on real Slurm.)

mod common;

use std::path::Path;
use std::time::SystemTime;

use common::{root, run};

/// `netsim sweep examples/dumbbell-udp.toml` over 2 values of `KEY` × 2 seeds, short.
fn sweep_args(out: &Path, key_values: &str, extra: &[&str]) -> Vec<String> {
    let scenario = root().join("examples/dumbbell-udp.toml");
    let mut args: Vec<String> = [
        "--quiet",
        "sweep",
        scenario.to_str().unwrap(),
        "--set",
        "duration=0.05s",
        "--set",
        "topology.bottleneck.loss=0.01",
        "--set",
        key_values,
        "--seeds",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn netsim(args: &[String]) -> std::process::Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&args)
}

/// stderr with miette's line wrapping undone (wrap marks removed, whitespace runs collapsed).
fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn ok(o: &std::process::Output) {
    assert!(o.status.success(), "failed: {}", stderr(o));
}

fn mtime(p: &Path) -> SystemTime {
    std::fs::metadata(p).unwrap().modified().unwrap()
}

/// Issue 21, must hold: "A sweep with one deliberately failing point (a value that fails
/// validation only at build time) finishes the others, reports the failure with the point's
/// overrides and log path, and exits non-zero." `flow.0.src=nosuch` is a valid string but no
/// node of the topology: the Slurm plan accepts it (only the first combination is built when
/// planning); its points fail in `run-point`, as an array task would, while the others finish;
/// `status` and `collect` name them with their overrides and logs; `collect` exits 1.
#[test]
fn failing_point_finishes_the_others_and_is_reported_with_overrides_and_log() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    ok(&netsim(&sweep_args(
        &out,
        "flow.0.src=l0,nosuch",
        &["--backend", "slurm"],
    )));
    let d = out.to_str().unwrap();
    for i in 0..4 {
        let o = run(&["--quiet", "sweep", "run-point", d, &i.to_string()]);
        let log = String::from_utf8_lossy(&o.stdout);
        if i < 2 {
            ok(&o);
            assert!(log.trim_end().ends_with("done"), "{log}");
        } else {
            assert_eq!(o.status.code(), Some(1), "point {i} should fail");
            let err = stderr(&o);
            assert!(
                err.contains("flow.0.src=nosuch")
                    && err.contains(&format!("logs/point-{i}.log"))
                    && err.contains("unknown node `nosuch`"),
                "{err}"
            );
            // The task's output (Slurm's log file) has the overrides and the pointed error.
            assert!(
                log.contains(
                    "overrides: duration=0.05s topology.bottleneck.loss=0.01 \
                              flow.0.src=nosuch seed="
                ) && log.contains("FAILED")
                    && log.contains("unknown node `nosuch`"),
                "{log}"
            );
        }
    }
    let status = String::from_utf8_lossy(&run(&["sweep", "status", d]).stdout).into_owned();
    assert!(
        status.starts_with("4 points: 2 done, 0 running, 0 pending, 2 failed, 0 missing"),
        "{status}"
    );
    assert!(
        status.contains("(flow.0.src=nosuch, seed=2)") && status.contains("logs/point-3.log"),
        "{status}"
    );
    let o = run(&["sweep", "collect", d]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("2 of 4 sweep points failed")
            && err.contains("(flow.0.src=nosuch, seed=1)")
            && err.contains("logs/point-2.log"),
        "{err}"
    );
    assert!(!out.join("sweep.csv").exists());
    for p in ["0-flow.0.src=l0-seed1", "1-flow.0.src=l0-seed2"] {
        assert!(
            out.join("points").join(p).join("summary.json").exists(),
            "{p}"
        );
    }
}

/// Local `--resume` runs only the points that are not done (one point's status and summary
/// removed, as a killed run leaves it), keeps the others' files untouched, and gives the same
/// `sweep.csv`; `run-point` on a done point runs nothing.
#[test]
fn local_resume_runs_only_missing_points() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let args = sweep_args(&out, "flow.0.rate=100Mbps,300Mbps", &[]);
    ok(&netsim(&args));
    let csv = std::fs::read(out.join("sweep.csv")).unwrap();
    let summary = |p: &str| out.join("points").join(p).join("summary.json");
    let names = [
        "0-flow.0.rate=100Mbps-seed1",
        "1-flow.0.rate=100Mbps-seed2",
        "2-flow.0.rate=300Mbps-seed1",
        "3-flow.0.rate=300Mbps-seed2",
    ];
    std::fs::remove_file(out.join("status/2.json")).unwrap();
    std::fs::remove_file(summary(names[2])).unwrap();
    let before: Vec<SystemTime> = [0, 1, 3]
        .iter()
        .map(|&i| mtime(&summary(names[i])))
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(1100));

    let mut resume = args.clone();
    resume.retain(|a| a != "--quiet");
    resume.push("--resume".into());
    let o = netsim(&resume);
    ok(&o);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("1 points run (3 done already)"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let after: Vec<SystemTime> = [0, 1, 3]
        .iter()
        .map(|&i| mtime(&summary(names[i])))
        .collect();
    assert_eq!(before, after, "a done point ran again");
    assert!(summary(names[2]).exists());
    assert_eq!(std::fs::read(out.join("sweep.csv")).unwrap(), csv);

    let o = run(&["sweep", "run-point", out.to_str().unwrap(), "1"]);
    ok(&o);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("is done already"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(mtime(&summary(names[1])), after[1]);
}

/// Issue 21, must hold (bad input): a plan directory from another scenario is refused — by
/// `--resume` and by the Slurm backend — naming both scenarios and `--start-over`, which then
/// starts over; a plan made by another netsim binary is refused by `run-point` and `--resume`.
#[test]
fn plan_directory_from_another_scenario_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    ok(&netsim(&sweep_args(
        &out,
        "flow.0.rate=100Mbps,300Mbps",
        &["--backend", "slurm"],
    )));
    let other = root().join("examples/tcp-dumbbell.toml");
    let mut args = sweep_args(&out, "tcp.variant=reno,newreno", &["--backend", "slurm"]);
    args[2] = other.to_str().unwrap().to_string();
    let o = netsim(&args);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("holds another plan")
            && err.contains("another scenario")
            && err.contains("dumbbell-udp.toml")
            && err.contains("tcp-dumbbell.toml")
            && err.contains("--start-over"),
        "{err}"
    );
    let mut local = args.clone();
    local.truncate(local.len() - 2);
    local.push("--resume".into());
    let o = netsim(&local);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("another scenario"), "{}", stderr(&o));
    local.pop();
    local.push("--start-over".into());
    ok(&netsim(&local));
    assert!(out.join("sweep.csv").exists());

    // Another binary: the plan's binary hash no longer matches this netsim.
    let path = out.join("plan.json");
    let mut plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    plan["binary_hash"] = "0000000000000000".into();
    std::fs::write(&path, serde_json::to_string(&plan).unwrap()).unwrap();
    let o = run(&["sweep", "run-point", out.to_str().unwrap(), "0"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("another netsim binary"),
        "{}",
        stderr(&o)
    );
    let mut resume = local.clone();
    resume.pop();
    resume.push("--resume".into());
    let o = netsim(&resume);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("another netsim binary"),
        "{}",
        stderr(&o)
    );
}

/// Issue 21, must hold (bad input): a point index out of range, and a directory without a
/// plan, are refused by `run-point`, naming the plan's size.
#[test]
fn point_index_out_of_range_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    ok(&netsim(&sweep_args(
        &out,
        "flow.0.rate=100Mbps,300Mbps",
        &["--backend", "slurm"],
    )));
    let o = run(&["sweep", "run-point", out.to_str().unwrap(), "4"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("point 4 is out of range")
            && stderr(&o).contains("has 4 points (0 to 3)"),
        "{}",
        stderr(&o)
    );
    assert!(!out.join("status").join("4.json").exists());
    for sub in ["run-point", "status", "collect"] {
        let mut args = vec!["sweep", sub, dir.path().to_str().unwrap()];
        if sub == "run-point" {
            args.push("0");
        }
        let o = run(&args);
        assert_eq!(o.status.code(), Some(1), "{sub}");
        assert!(
            stderr(&o).contains("there is no plan here"),
            "{sub}: {}",
            stderr(&o)
        );
    }
}

/// Issue 21, must hold (bad input): `--submit` where `sbatch` is not installed names what is
/// missing and how to run locally; the plan and the script are still written. Slurm-only
/// options without `--backend slurm`, `--jobs` with it, and a malformed `--time` or `--mem`
/// are refused too.
#[test]
fn missing_sbatch_is_named_with_the_local_alternative() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let empty = tempfile::tempdir().unwrap();
    let args = sweep_args(
        &out,
        "flow.0.rate=100Mbps,300Mbps",
        &["--backend", "slurm", "--submit"],
    );
    let o = common::netsim()
        .args(&args)
        .env("PATH", empty.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("`sbatch` was not found") && err.contains("--backend local"),
        "{err}"
    );
    assert!(out.join("plan.json").exists() && out.join("sweep.sbatch").exists());

    let o = netsim(&sweep_args(
        &out,
        "flow.0.rate=1Mbps,2Mbps",
        &["--max-parallel", "2"],
    ));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("need --backend slurm"),
        "{}",
        stderr(&o)
    );
    let o = netsim(&sweep_args(
        &out,
        "flow.0.rate=1Mbps,2Mbps",
        &["--backend", "slurm", "--jobs", "2"],
    ));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("--jobs sets a local sweep"),
        "{}",
        stderr(&o)
    );
    for (flag, value) in [("--time", "1:2:3:4"), ("--time", "ten"), ("--mem", "4GB")] {
        let o = netsim(&sweep_args(
            &out,
            "flow.0.rate=1Mbps,2Mbps",
            &["--backend", "slurm", flag, value],
        ));
        assert_eq!(o.status.code(), Some(2), "{flag} {value}");
        assert!(stderr(&o).contains(value), "{}", stderr(&o));
    }
}

/// `--estimate` measures one short point per configuration (2 here, not 4 points) and
/// suggests a time and memory in Slurm's formats, with the margin (1.5 × the longest point + 1
/// minute in whole minutes; whole 64 MiB).
#[test]
fn estimate_suggests_time_and_memory_per_configuration() {
    let scenario = root().join("examples/dumbbell-udp.toml");
    let o = run(&[
        "sweep",
        scenario.to_str().unwrap(),
        "--set",
        "duration=0.2s",
        "--set",
        "flow.0.rate=100Mbps,300Mbps",
        "--seeds",
        "2",
        "--estimate",
    ]);
    ok(&o);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.starts_with("2 configurations measured (1/10 of the simulated time each)"),
        "{text}"
    );
    assert!(
        text.contains("flow.0.rate=300Mbps: 20ms simulated"),
        "{text}"
    );
    let line = text
        .lines()
        .find(|l| l.starts_with("suggested for each of the 4 points: --time "))
        .unwrap_or_else(|| panic!("{text}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let time = words[words.len() - 3];
    let longest = text
        .lines()
        .filter_map(|l| l.split("a point takes about ").nth(1))
        .map(|r| r.split(' ').next().unwrap().parse::<f64>().unwrap())
        .fold(0.0, f64::max);
    let hms: Vec<u64> = time.split(':').map(|p| p.parse().unwrap()).collect();
    let secs = hms[0] * 3600 + hms[1] * 60 + hms[2];
    assert!(
        hms.len() == 3 && hms[2] == 0 && secs >= 60 && secs as f64 >= 1.5 * longest + 60.0,
        "{line}: not whole minutes of at least 1.5 × {longest} s + 1 minute"
    );
    assert!(
        secs as f64 <= 1.5 * longest + 180.0,
        "{line}: too much margin"
    );
    let mem = words[words.len() - 1];
    let mib: u64 = mem.strip_suffix('M').unwrap().parse().unwrap();
    assert!(mib >= 64 && mib.is_multiple_of(64), "{line}");
}
