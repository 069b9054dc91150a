//! Issue 21 on a real Slurm cluster (`scripts/slurm-single-node.sh` starts one on this
//! machine; `.ci/run` runs it before the tests): a sweep submitted as a job array gives the
//! same `sweep.csv` and plot as a local run, byte for byte; a task cancelled mid-run is the
//! only point a resubmission runs again.
//!
//! Without a Slurm node these tests skip themselves with a message — unless `CI` or
//! `NETSIM_REQUIRE_SLURM` is set, where they fail.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use common::{root, run};

/// The sweep of both tests: 3 queue sizes × 2 TCP variants × 2 seeds = 12 points of the TCP
/// dumbbell, with random loss so that the seeds differ; about a second of CPU each.
fn sweep_args(out: &Path) -> Vec<String> {
    let scenario = root().join("examples/tcp-dumbbell.toml");
    [
        "sweep",
        scenario.to_str().unwrap(),
        "--set",
        "duration=100s",
        "--set",
        "trace.pcap=none",
        "--set",
        "trace.timeseries=[]",
        "--set",
        "topology.bottleneck.loss=0.0005",
        "--set",
        "topology.bottleneck.queue=50p,100p,200p",
        "--set",
        "tcp.variant=reno,newreno",
        "--seeds",
        "2",
        "--plot",
        "x=topology.bottleneck.queue,y=flow.bulk0.goodput_bps,series=tcp.variant",
        "--out",
        out.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

const PLOT: &str = "plots/flow.bulk0.goodput_bps-vs-topology.bottleneck.queue-by-tcp.variant.svg";

fn netsim(args: &[String]) -> std::process::Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&args)
}

fn ok(o: &std::process::Output, what: &str) -> String {
    assert!(
        o.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Whether the Slurm node answers; runs `scripts/slurm-single-node.sh` once if Slurm is
/// installed but not running. Skips (false) or fails as the module documentation says.
fn slurm_or_skip() -> bool {
    static UP: OnceLock<Result<(), String>> = OnceLock::new();
    let up = UP.get_or_init(|| {
        if node_idle() {
            return Ok(());
        }
        // Start an installed Slurm; installing it is for `.ci/run` (or you) to decide.
        let installed = Command::new("slurmctld").arg("-V").output().is_ok();
        if !installed {
            return Err(
                "Slurm is not installed; scripts/slurm-single-node.sh installs and \
                        starts it"
                    .into(),
            );
        }
        let script = root().join("scripts/slurm-single-node.sh");
        let started = Command::new("bash").arg(&script).output();
        match started {
            Ok(o) if o.status.success() && node_idle() => Ok(()),
            Ok(o) => Err(format!(
                "{} failed: {}{}",
                script.display(),
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            )),
            Err(e) => Err(format!("cannot run {}: {e}", script.display())),
        }
    });
    match up {
        Ok(()) => true,
        Err(why) => {
            let required = std::env::var_os("NETSIM_REQUIRE_SLURM").is_some()
                || std::env::var_os("CI").is_some();
            assert!(
                !required,
                "Slurm is required here (CI or NETSIM_REQUIRE_SLURM is set) but cannot start: {why}"
            );
            eprintln!("SKIPPED: no Slurm node could be started on this machine ({why})");
            false
        }
    }
}

fn node_idle() -> bool {
    Command::new("sinfo")
        .args(["--noheader", "--Node", "--format=%T"])
        .output()
        .is_ok_and(|o| {
            let s = String::from_utf8_lossy(&o.stdout);
            o.status.success()
                && s.lines()
                    .any(|l| matches!(l.trim(), "idle" | "mixed" | "allocated"))
        })
}

/// The job id from `submitted job N (…)`.
fn job_id(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("submitted job "))
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no job submitted:\n{stdout}"))
        .to_string()
}

/// The job's array tasks Slurm still lists, as `(index, state)`.
fn queued(job: &str) -> Vec<(usize, String)> {
    let o = Command::new("squeue")
        .args(["--noheader", "--array", "--format=%i %T", "--jobs", job])
        .output()
        .expect("squeue runs");
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| {
            let (id, state) = l.trim().split_once(' ')?;
            let index = id.split_once('_')?.1.parse().ok()?;
            Some((index, state.trim().to_string()))
        })
        .collect()
}

fn wait_for(job: &str) {
    let start = Instant::now();
    while !queued(job).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(240),
            "job {job} still queued after 4 minutes: {:?}",
            queued(job)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The local sweep both tests compare with, run once.
fn local_reference() -> &'static PathBuf {
    static LOCAL: OnceLock<PathBuf> = OnceLock::new();
    LOCAL.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("slurm-local-reference");
        let _ = std::fs::remove_dir_all(&out);
        let mut args = vec!["--quiet".to_string()];
        args.extend(sweep_args(&out));
        ok(&netsim(&args), "the local sweep");
        out
    })
}

/// The two tests share the one-node cluster one at a time.
static CLUSTER: Mutex<()> = Mutex::new(());

fn same_results(slurm: &Path) {
    let local = local_reference();
    for f in ["sweep.csv", PLOT] {
        let a = std::fs::read(local.join(f)).unwrap();
        let b = std::fs::read(slurm.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(a == b, "{f} differs between the local and the Slurm sweep");
    }
    let rows = std::fs::read_to_string(slurm.join("sweep.csv")).unwrap();
    assert_eq!(rows.lines().count(), 13, "a header and 12 rows:\n{rows}");
}

/// Issue 21, must hold: "Local and Slurm sweeps of the same plan give byte-identical
/// `sweep.csv` and plot files." The Slurm sweep runs as a 12-task array throttled to 2 at once
/// (`%2` in the script), collected by `netsim sweep collect`.
#[test]
fn local_and_slurm_sweeps_give_byte_identical_csv_and_plots() {
    if !slurm_or_skip() {
        return;
    }
    local_reference();
    let _cluster = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("slurm");
    let mut args = sweep_args(&out);
    args.extend(["--backend", "slurm", "--max-parallel", "2", "--submit"].map(String::from));
    let stdout = ok(&netsim(&args), "the Slurm submission");
    let script = std::fs::read_to_string(out.join("sweep.sbatch")).unwrap();
    assert!(script.contains("#SBATCH --array=0-11%2"), "{script}");
    let job = job_id(&stdout);
    wait_for(&job);

    let status = ok(
        &run(&["sweep", "status", out.to_str().unwrap()]),
        "sweep status",
    );
    assert!(
        status.starts_with("12 points: 12 done, 0 running, 0 pending, 0 failed, 0 missing"),
        "{status}"
    );
    ok(
        &run(&["--quiet", "sweep", "collect", out.to_str().unwrap()]),
        "sweep collect",
    );
    same_results(&out);
    // Each point's log names the point and ends with its outcome.
    let log = std::fs::read_to_string(out.join("logs/point-7.log")).unwrap();
    assert!(
        log.contains("point 7 of 12") && log.trim_end().ends_with("done"),
        "{log}"
    );
}

fn mtime(p: &Path) -> SystemTime {
    std::fs::metadata(p)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Issue 21, must hold: "Resume after a killed task re-runs only that point." One array task
/// is cancelled (`scancel JOB_N`) while it runs; the point is then missing (no summary, no
/// status), the others done. Submitting the same sweep again runs that point only — every
/// other point's `summary.json` keeps its modification time — and the collected results equal
/// the local run's.
#[test]
fn resume_after_a_cancelled_task_reruns_only_that_point() {
    if !slurm_or_skip() {
        return;
    }
    local_reference();
    let _cluster = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    // A point runs for about 0.4 s, so a cancel can land after its task finished (squeue still
    // said RUNNING): then that attempt proves nothing, and a fresh sweep is submitted (at most
    // three times).
    let mut attempt = 0;
    let (out, args, killed) = loop {
        attempt += 1;
        let out = dir.path().join(format!("slurm{attempt}"));
        let mut args = sweep_args(&out);
        args.extend(["--backend", "slurm", "--max-parallel", "2", "--submit"].map(String::from));
        let job = job_id(&ok(&netsim(&args), "the Slurm submission"));

        // Cancel the first task seen running, past the first two (so that the array is under
        // way).
        let start = Instant::now();
        let killed = loop {
            if let Some((i, _)) = queued(&job)
                .into_iter()
                .find(|(i, s)| *i >= 2 && s == "RUNNING")
            {
                let o = Command::new("scancel")
                    .arg(format!("{job}_{i}"))
                    .output()
                    .unwrap();
                assert!(o.status.success(), "scancel: {o:?}");
                break i;
            }
            assert!(
                start.elapsed() < Duration::from_secs(240),
                "no task of job {job} ran"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        wait_for(&job);
        let finished_first = out.join(format!("status/{killed}.json")).exists();
        if !finished_first || attempt == 3 {
            break (out, args, killed);
        }
    };

    let status = ok(
        &run(&["sweep", "status", out.to_str().unwrap()]),
        "sweep status",
    );
    assert!(
        status.starts_with("12 points: 11 done, 0 running, 0 pending, 0 failed, 1 missing"),
        "task {killed} was cancelled (attempt {attempt}):\n{status}"
    );
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
    let dirs: Vec<String> = plan["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["dir"].as_str().unwrap().to_string())
        .collect();
    let summary = |i: usize| out.join("points").join(&dirs[i]).join("summary.json");
    assert!(
        !out.join(format!("status/{killed}.json")).exists(),
        "the cancelled point left a status"
    );
    // Collecting now refuses, naming the missing point and its log.
    let o = run(&["sweep", "collect", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&dirs[killed]) && err.contains(&format!("logs/point-{killed}.log")),
        "{err}"
    );
    assert!(!out.join("sweep.csv").exists());

    let before: Vec<Option<SystemTime>> = (0..12)
        .map(|i| (i != killed).then(|| mtime(&summary(i))))
        .collect();
    std::thread::sleep(Duration::from_millis(1100));
    let stdout = ok(&netsim(&args), "the resubmission");
    assert!(stdout.contains("(1 points)"), "{stdout}");
    let again = job_id(&stdout);
    wait_for(&again);
    for (i, t) in before.iter().enumerate() {
        match t {
            Some(t) => assert_eq!(mtime(&summary(i)), *t, "point {i} ran again"),
            None => assert!(
                summary(i).exists(),
                "the cancelled point {i} did not run again"
            ),
        }
    }
    ok(
        &run(&["--quiet", "sweep", "collect", out.to_str().unwrap()]),
        "sweep collect",
    );
    same_results(&out);
}

/// Issue 21, must hold, on Slurm: "A sweep with one deliberately failing point (a value that
/// fails validation only at build time) finishes the others, reports the failure with the
/// point's overrides and log path, and exits non-zero." `flow.0.src=nosuch` names no node of
/// the topology; its tasks fail, the others finish; the log Slurm wrote for a failed task holds
/// its overrides and the pointed error; `collect` exits 1 naming the overrides and that log.
#[test]
fn failing_point_on_slurm_finishes_the_others_and_names_overrides_and_log() {
    if !slurm_or_skip() {
        return;
    }
    let _cluster = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("slurm");
    let scenario = root().join("examples/dumbbell-udp.toml");
    let stdout = ok(
        &run(&[
            "sweep",
            scenario.to_str().unwrap(),
            "--set",
            "duration=0.05s",
            "--set",
            "flow.0.src=l0,nosuch",
            "--seeds",
            "2",
            "--out",
            out.to_str().unwrap(),
            "--backend",
            "slurm",
            "--submit",
        ]),
        "the Slurm submission",
    );
    wait_for(&job_id(&stdout));
    let status = ok(
        &run(&["sweep", "status", out.to_str().unwrap()]),
        "sweep status",
    );
    assert!(
        status.starts_with("4 points: 2 done, 0 running, 0 pending, 2 failed, 0 missing"),
        "{status}"
    );
    let log = std::fs::read_to_string(out.join("logs/point-3.log")).unwrap();
    assert!(
        log.contains("overrides: duration=0.05s flow.0.src=nosuch seed=2")
            && log.contains("FAILED")
            && log.contains("unknown node `nosuch`"),
        "{log}"
    );
    let o = run(&["sweep", "collect", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err: String = String::from_utf8_lossy(&o.stderr)
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let log_path = out.join("logs/point-3.log");
    assert!(
        err.contains("2 of 4 sweep points failed")
            && err.contains("(flow.0.src=nosuch, seed=2)")
            && err.contains(log_path.to_str().unwrap()),
        "{err}"
    );
    for p in ["0-flow.0.src=l0-seed1", "1-flow.0.src=l0-seed2"] {
        assert!(
            out.join("points").join(p).join("summary.json").exists(),
            "{p}"
        );
    }
}
