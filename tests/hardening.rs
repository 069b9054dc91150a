//! Issue 14: no file outside the results directory, bounded resources, `check` that catches
//! what `run` would fail on, and warnings. Each case runs the real binary and asserts the exit
//! code and the message.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::flat_stderr as flat;
use common::*;

const BASE: &str = r#"
name = "t"
duration = "20ms"

[topology]
kind = "dumbbell"
pairs = 1

[[flow]]
name = "f"
kind = "udp-cbr"
src = "l0"
dst = "r0"
rate = "10Mbps"
"#;

/// A scenario file in its own temporary folder.
struct Case {
    dir: tempfile::TempDir,
    file: PathBuf,
}

impl Case {
    fn new(text: &str) -> Case {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.toml");
        std::fs::write(&file, text).unwrap();
        Case { dir, file }
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// `netsim --quiet CMD FILE --out OUT ARGS…`
    fn netsim(&self, cmd: &str, args: &[&str]) -> Output {
        netsim()
            .args(["--quiet", cmd])
            .arg(&self.file)
            .arg("--out")
            .arg(self.out())
            .args(args)
            .output()
            .unwrap()
    }

    /// Both `check` and `run` exit 1 with every needle in stderr, and nothing is written.
    fn refused(&self, needles: &[&str]) {
        for cmd in ["check", "run"] {
            let o = self.netsim(cmd, &[]);
            let err = flat(&o);
            assert_eq!(o.status.code(), Some(1), "{cmd}: exit code; stderr: {err}");
            assert!(!err.contains("panicked"), "{cmd}: {err}");
            for n in needles {
                assert!(err.contains(n), "{cmd}: stderr lacks {n:?}: {err}");
            }
            assert!(
                !self.out().exists(),
                "{cmd}: nothing written for a refused scenario"
            );
        }
    }
}

/// Every file below `dir`, relative.
fn tree(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let t = e.file_type().unwrap();
            if t.is_dir() {
                stack.push(e.path());
            }
            files.push(e.path().strip_prefix(dir).unwrap().display().to_string());
        }
    }
    files.sort();
    files
}

/// Flow names that are paths are refused at load, so a time series can never be written
/// outside --out (the issue's `/some/dir/owned` and `../../escape`).
#[test]
fn path_names_are_refused() {
    for (name, why) in [
        ("/some/dir/owned", "a path separator"),
        ("../../escape", "a path separator"),
        ("..", "starts with `.`"),
        ("a/b", "a path separator"),
        ("", "it is empty"),
        ("link:sl-sr", "contains `:`"),
    ] {
        let text = BASE.replace("name = \"f\"", &format!("name = {name:?}"))
            + &format!("\n[trace]\ntimeseries = [{name:?}]\n");
        let c = Case::new(&text);
        c.refused(&["s.toml:", "flow name", "is not a valid name", why]);
        assert_eq!(
            tree(c.dir.path()),
            ["s.toml"],
            "{name}: nothing created anywhere"
        );
    }
}

/// A name longer than 64 bytes (the issue's > 255-byte name made `run` fail after `check` said
/// ok) and a scenario name with a separator are refused by `check` too.
#[test]
fn long_and_scenario_names_are_refused() {
    let long = "x".repeat(300);
    let c = Case::new(&BASE.replace("name = \"f\"", &format!("name = \"{long}\"")));
    c.refused(&["is 300 bytes long; names have at most 64"]);
    let c = Case::new(&BASE.replace("name = \"t\"", "name = \"my/run\""));
    c.refused(&["the scenario's `name`", "a path separator"]);
}

/// A flow named like a VM's workload, or a flow whose series file is a link's, is refused: two
/// things would share one name or one file.
#[test]
fn names_unique_across_flows_workloads_and_series() {
    let vm = r#"
[[vm]]
name = "vm1"
host = "l0"
memory = "4MiB"
workload = { kind = "ping", client = "r0" }
"#;
    let c = Case::new(&(BASE.replace("name = \"f\"", "name = \"vm1-workload\"") + vm));
    c.refused(&["flow `vm1-workload` has the name of the workload of vm `vm1`"]);
    let text = BASE.replace("name = \"f\"", "name = \"link-sl-sr\"")
        + "\n[trace]\ntimeseries = [\"link:sl-sr\", \"link-sl-sr\"]\n";
    Case::new(&text).refused(&["would both write `timeseries/link-sl-sr.csv`"]);
}

/// A symbolic link in the results directory where netsim writes a subdirectory is refused, and
/// nothing is written where it points.
#[test]
fn symlinks_in_out_are_not_followed() {
    let c = Case::new(&(BASE.to_string() + "\n[trace]\ntimeseries = [\"f\"]\n"));
    let elsewhere = c.dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::create_dir_all(c.out()).unwrap();
    std::os::unix::fs::symlink(&elsewhere, c.out().join("timeseries")).unwrap();
    for cmd in ["check", "run"] {
        let o = c.netsim(cmd, &[]);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {}", flat(&o));
        assert!(flat(&o).contains("is a symbolic link"), "{}", flat(&o));
    }
    assert!(
        tree(&elsewhere).is_empty(),
        "nothing written through the link"
    );
    assert!(!c.out().join("summary.json").exists());

    // A link where netsim writes a file is replaced, never written through.
    std::fs::remove_file(c.out().join("timeseries")).unwrap();
    let victim = elsewhere.join("victim.csv");
    std::fs::write(&victim, "keep me").unwrap();
    std::os::unix::fs::symlink(&victim, c.out().join("flows.csv")).unwrap();
    std::os::unix::fs::symlink(&victim, c.out().join("summary.json")).unwrap();
    let o = c.netsim("run", &[]);
    assert!(o.status.success(), "{}", flat(&o));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    for f in ["flows.csv", "summary.json"] {
        let meta = std::fs::symlink_metadata(c.out().join(f)).unwrap();
        assert!(meta.is_file(), "{f} is now netsim's own file");
    }
}

/// A run killed midway leaves the earlier results as they were; the next run clears what the
/// killed one left behind.
#[test]
fn killed_run_keeps_earlier_results() {
    let c = Case::new(BASE);
    assert!(c.netsim("run", &[]).status.success());
    let before = std::fs::read(c.out().join("summary.json")).unwrap();
    let listing = tree(&c.out());
    // A long run with a pcap, killed while it runs.
    let mut child = netsim()
        .args(["--quiet", "run"])
        .arg(&c.file)
        .arg("--out")
        .arg(c.out())
        .args(["--set", "duration=60s", "--set", "flow.0.rate=1Gbps"])
        .args(["--set", "trace.pcap=all", "--force"])
        .spawn()
        .unwrap();
    let staging = || {
        std::fs::read_dir(c.out())
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".netsim-staging-")
            })
    };
    let t0 = std::time::Instant::now();
    while !staging() && t0.elapsed().as_secs() < 20 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        staging(),
        "the long run started (its staging directory appeared)"
    );
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(
        child.try_wait().unwrap().is_none(),
        "still running when killed"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(std::fs::read(c.out().join("summary.json")).unwrap(), before);
    let after: Vec<_> = tree(&c.out())
        .into_iter()
        .filter(|f| !f.starts_with(".netsim-staging-"))
        .collect();
    assert_eq!(after, listing, "the earlier run's files, unchanged");
    assert!(c.netsim("run", &[]).status.success());
    assert!(!staging(), "the killed run's staging directory is cleared");
}

/// `netsim check /dev/zero` stops at the size limit instead of reading forever.
#[test]
fn endless_file_is_refused() {
    let o = run(&["check", "/dev/zero"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(flat(&o).contains("larger than 16 MiB"), "{}", flat(&o));
}

/// Each runaway of the issue is refused with the estimate and the key that drives it, and
/// accepted by `check --force`.
#[test]
fn runaways_are_refused_with_the_key() {
    let ping = BASE.to_string()
        + "\n[[flow]]\nname = \"p\"\nkind = \"ping\"\nsrc = \"l0\"\ndst = \"r0\"\ninterval = \"1ps\"\n";
    let cbr = BASE.replace("rate = \"10Mbps\"", "rate = 9200000000000000000");
    let stats = BASE
        .replace("duration = \"20ms\"", "duration = \"10s\"")
        .replace(
            "[[flow]]",
            "[controller]\napp = \"dynamic-routing\"\nstats_interval = \"5ns\"\n\n[[flow]]",
        );
    // Dynamic routing listed second among a controller's apps still polls.
    let stats_second = stats.replace(
        "app = \"dynamic-routing\"",
        "apps = [\"monitor\", \"dynamic-routing\"]",
    );
    let samples = BASE.replace("duration = \"20ms\"", "duration = \"10s\"")
        + "\n[trace]\ntimeseries = [\"f\", \"link:sl-sr\"]\nsample_interval = \"1ps\"\n";
    let dirty = BASE.replace("duration = \"20ms\"", "duration = \"10s\"")
        + "\n[[vm]]\nname = \"v\"\nhost = \"l0\"\nmemory = \"4MiB\"\ndirty_rate = 1000000000000\n\
           [[migration]]\nvm = \"v\"\nto = \"r0\"\nat = \"0s\"\n";
    let k48 = "name = \"t\"\n[topology]\nkind = \"fat-tree\"\nk = 48\n".to_string();
    for (text, needles) in [
        (ping, vec!["the run would take about", "events", "flow `p`"]),
        (cbr, vec!["the run would take about", "flow `f`"]),
        (stats, vec!["events", "stats_interval"]),
        (stats_second, vec!["events", "stats_interval"]),
        (samples, vec!["sample_interval"]),
        (dirty, vec!["events", "`dirty_rate` of vm `v`"]),
        (
            k48,
            vec!["building the routes would take about", "topology"],
        ),
    ] {
        let c = Case::new(&text);
        let t0 = std::time::Instant::now();
        c.refused(&needles);
        assert!(t0.elapsed().as_secs() < 20, "refused quickly: {needles:?}");
        // (k = 48 with --force would really build the routes: minutes.)
        if !needles.contains(&"topology") {
            let o = c.netsim("check", &["--force"]);
            assert!(o.status.success(), "--force accepts: {}", flat(&o));
            assert!(String::from_utf8_lossy(&o.stdout).is_empty(), "--quiet");
        }
    }
}

/// `netsim check` prints the estimate; it is the right order of magnitude for bundled
/// examples (within 0.4–3 × the events the run really executes), so it neither refuses real
/// work nor lets a runaway through.
#[test]
fn estimate_is_the_right_order_of_magnitude() {
    for (name, sets) in [
        ("default", vec!["duration=0.5s"]),
        ("dumbbell-udp", vec![]),
        ("tcp-dumbbell", vec![]),
        ("perf-dumbbell", vec!["duration=0.2s"]),
        ("perf-fat-tree-4", vec!["duration=20ms"]),
        ("sdn-fat-tree", vec!["duration=0.3s"]),
        ("migration-fat-tree", vec![]),
        // `[[workload]]` generators (their traffic was left out: "-0 events" for incast, 380×
        // too few for websearch-migration).
        ("incast-dctcp", vec!["duration=0.2s"]),
        ("incast", vec!["duration=0.2s"]),
        ("perf-websearch-k8", vec!["duration=20ms"]),
        ("websearch-migration", vec!["duration=0.2s"]),
        // A shared switch CPU, a lossy bottleneck, a migration over a channel (each was
        // over-estimated 20–100×).
        ("arora2013-testbed", vec![]),
        ("ns3-r3", vec![]),
        ("maini-two-networks", vec![]),
    ] {
        let sets: Vec<String> = sets
            .iter()
            .flat_map(|s| ["--set".to_string(), s.to_string()])
            .collect();
        let o = netsim()
            .arg("check")
            .arg(name)
            .args(&sets)
            .output()
            .unwrap();
        assert!(o.status.success(), "{name}: {}", flat(&o));
        let text = String::from_utf8_lossy(&o.stdout).to_string();
        assert!(!text.contains("-0"), "{name}: {text}");
        let est = parse_count(text.split("estimate: ").nth(1).expect("estimate line"));
        let d = tempfile::tempdir().unwrap();
        let mut args: Vec<&str> = vec![name];
        args.extend(sets.iter().map(String::as_str));
        let s = run_ok(&d.path().join("o"), &args);
        let actual = s["events"].as_f64().unwrap();
        let ratio = est / actual;
        assert!(
            (0.4..=3.0).contains(&ratio),
            "{name}: estimate {est}, actual {actual}"
        );
    }
}

/// A workload's runaway is refused like a flow's, naming the workload and pointing at its
/// `load` (the issue: websearch-migration for 1000 s, about 6.6·10¹⁰ events, was "ok").
#[test]
fn workload_runaway_is_refused_at_its_load() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("o");
    for cmd in ["check", "run"] {
        let o = netsim()
            .args([
                "--quiet",
                cmd,
                "websearch-migration",
                "--set",
                "duration=1000s",
                "--out",
            ])
            .arg(&out)
            .output()
            .unwrap();
        let err = flat(&o);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {err}");
        for needle in [
            "the run would take about",
            "workload `ws` ([[workload]] 0, its `load`)",
            "load = 0.3",
        ] {
            assert!(
                err.contains(needle),
                "{cmd}: stderr lacks {needle:?}: {err}"
            );
        }
        assert!(!out.exists(), "{cmd}: nothing written");
    }
    // An incast's runaway names the keys that set its traffic.
    let text = "name = \"t\"\nduration = \"100000s\"\n[topology]\nkind = \"star\"\nhosts = 9\n\
                [[workload]]\npattern = \"incast\"\nsenders = 8\nresponse = \"1MB\"\ninterval = \"1ms\"\n";
    Case::new(text).refused(&["events", "workload `workload0`", "`interval`"]);
}

/// A scenario without traffic estimates 0 events, never "-0" (the sum of no amounts).
#[test]
fn an_idle_scenario_estimates_zero_not_minus_zero() {
    let text = "name = \"t\"\nduration = \"1s\"\n[topology]\nkind = \"dumbbell\"\npairs = 1\n";
    let c = Case::new(text);
    let o = netsim().arg("check").arg(&c.file).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(o.status.success(), "{}", flat(&o));
    assert!(
        out.contains("estimate: 0 events (0 per simulated second)"),
        "{out}"
    );
    assert!(!out.contains("-0"), "{out}");
}

/// "12.3 M events" → 12 300 000.
fn parse_count(s: &str) -> f64 {
    let mut words = s.split_whitespace();
    let x: f64 = words.next().unwrap().parse().unwrap();
    x * match words.next().unwrap() {
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        _ => 1.0,
    }
}

/// `pcap = "all"` on a k = 16 fat-tree needs thousands of open files: under a 1024 hard limit
/// `check` says so, with the number, before anything is written (the issue: run failed after
/// wiping the earlier results).
#[test]
fn too_many_open_files_is_caught_by_check() {
    use std::os::unix::process::CommandExt;
    let c = Case::new(
        "name = \"t\"\nduration = \"1ms\"\n[topology]\nkind = \"fat-tree\"\nk = 16\n[trace]\npcap = \"all\"\n",
    );
    for cmd in ["check", "run"] {
        let mut command = netsim();
        command
            .args(["--quiet", cmd])
            .arg(&c.file)
            .arg("--out")
            .arg(c.out());
        // SAFETY: setrlimit is async-signal-safe; nothing else runs in the child before exec.
        unsafe {
            command.pre_exec(|| {
                let lim = libc::rlimit {
                    rlim_cur: 1024,
                    rlim_max: 1024,
                };
                libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
                Ok(())
            });
        }
        let o = command.output().unwrap();
        let err = flat(&o);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {err}");
        assert!(err.contains("6144 files open at once"), "{cmd}: {err}");
        assert!(err.contains("hard limit 1024"), "{cmd}: {err}");
        assert!(!c.out().exists());
    }
    // Without the hard limit, the soft limit is raised and the run goes through.
    let o = c.netsim("run", &[]);
    assert!(o.status.success(), "{}", flat(&o));
    assert_eq!(
        std::fs::read_dir(c.out().join("pcap")).unwrap().count(),
        6144
    );
}

/// An --out below a file cannot be created: `check` says so without writing anything.
#[test]
fn unwritable_out_is_caught_by_check() {
    let c = Case::new(BASE);
    let file = c.dir.path().join("plain-file");
    std::fs::write(&file, "x").unwrap();
    let o = netsim()
        .args(["--quiet", "check"])
        .arg(&c.file)
        .arg("--out")
        .arg(file.join("results"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(flat(&o).contains("is not a directory"), "{}", flat(&o));
}

/// `sweep --jobs 100000` starts no more threads than points (and says so), and finishes.
#[test]
fn sweep_jobs_are_capped() {
    let c = Case::new(BASE);
    let o = netsim()
        .args(["sweep"])
        .arg(&c.file)
        .arg("--out")
        .arg(c.out())
        .args(["--set", "flow.0.rate=1Mbps,2Mbps", "--jobs", "100000"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", flat(&o));
    assert!(flat(&o).contains("--jobs 100000"), "{}", flat(&o));
    assert!(flat(&o).contains("running 2 at once"), "{}", flat(&o));
    let o = netsim()
        .args(["sweep"])
        .arg(&c.file)
        .arg("--out")
        .arg(c.out())
        .args(["--set", "flow.0.rate=1Mbps,2Mbps", "--jobs", "100000"])
        .arg("--deny-warnings")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", flat(&o));
    assert!(
        flat(&o).contains("denied by --deny-warnings"),
        "{}",
        flat(&o)
    );
}

/// Valid but suspicious input runs, with a warning on stderr and in summary.json; with
/// --deny-warnings it is an error.
#[test]
fn warnings_are_printed_recorded_and_deniable() {
    let events = |body: &str| {
        BASE.replace("duration = \"20ms\"", "duration = \"1s\"")
            .replace("pairs = 1", "pairs = 2")
            + body
    };
    let cases = [
        (
            events(
                "[[event]]\nat = \"0.1s\"\nlink = \"sl-sr\"\nstate = \"down\"\n[[event]]\nat = \"0.2s\"\nlink = \"sr-sl\"\nstate = \"down\"\n",
            ),
            "link `sr-sl` is taken down at 200ms, but it has been down since 100ms",
        ),
        (
            events("[[event]]\nat = \"0.1s\"\nlink = \"sl-sr\"\nstate = \"up\"\n"),
            "link `sl-sr` is brought up at 100ms, but it is not down",
        ),
        (
            events("[[event]]\nat = \"2s\"\nlink = \"sl-sr\"\nstate = \"down\"\n"),
            "comes at or after the end of the run (1s)",
        ),
        (
            events("").replace("rate = \"10Mbps\"", "rate = \"10Mbps\"\nstart = \"5s\""),
            "flow `f` starts at 5s, at or after the end of the run (1s)",
        ),
        (
            events(
                "[[vm]]\nname = \"v\"\nhost = \"l0\"\nmemory = \"4MiB\"\n[[migration]]\nvm = \"v\"\nto = \"r0\"\nat = \"3s\"\n",
            ),
            "the migration of vm `v` is due at 3s, at or after the end of the run (1s)",
        ),
        (
            events(
                "[[vm]]\nname = \"v\"\nhost = \"l0\"\nmemory = \"4MiB\"\n[[vm]]\nname = \"w\"\nhost = \"l1\"\nmemory = \"4MiB\"\n[orchestrator]\nperiod = \"0.6s\"\n[[migration]]\nvm = \"v\"\nto = \"r0\"\n[[migration]]\nvm = \"w\"\nto = \"r1\"\n",
            ),
            "2 migrations without `at` are due every 600ms, the last at 1.2s; only 1 are due before the end of the run (1s)",
        ),
        (
            events("[trace]\nopenflow_pcap = true\n"),
            "`openflow_pcap` is set, but `[controller] app` is \"none\"",
        ),
        (
            events("[tcp]\nhystart = true\n"),
            "`hystart = true` has no effect with `variant = \"newreno\"`",
        ),
        (
            events(
                "[[vm]]\nname = \"v\"\nhost = \"l0\"\nmemory = \"4MiB\"\n[trace]\ntimeseries = [\"migration:v\"]\n",
            ),
            "no [[migration]] moves vm `v`",
        ),
        (
            events(
                "[tcp]\nmin_rto = \"200ms\"\nsack = true\n[[vm]]\nname = \"v\"\nhost = \"l0\"\nmemory = \"1MiB\"\n[[migration]]\nvm = \"v\"\nto = \"r0\"\nat = \"0.1s\"\ntcp = { sack = true }\n",
            ),
            "the `tcp` table of [[migration]] index 0 starts from the defaults, not from [tcp], so [tcp]'s `min_rto` does not apply to this migration's connections",
        ),
    ];
    for (text, needle) in cases {
        let c = Case::new(&text);
        let o = c.netsim("check", &[]);
        assert!(o.status.success(), "{needle}: {}", flat(&o));
        assert!(
            flat(&o).contains(needle),
            "check warns {needle:?}: {}",
            flat(&o)
        );
        assert!(
            flat(&o).contains("s.toml:"),
            "names the file and line: {}",
            flat(&o)
        );
        let o = c.netsim("run", &[]);
        assert!(o.status.success(), "{needle}: {}", flat(&o));
        assert!(flat(&o).contains(needle), "run warns: {}", flat(&o));
        let s: serde_json::Value =
            serde_json::from_slice(&std::fs::read(c.out().join("summary.json")).unwrap()).unwrap();
        let w = &s["warnings"][0];
        assert!(w["message"].as_str().unwrap().contains(needle), "{w}");
        assert!(w["line"].as_u64().unwrap() > 1, "{w}");
        std::fs::remove_dir_all(c.out()).unwrap();
        for cmd in ["check", "run"] {
            let o = c.netsim(cmd, &["--deny-warnings"]);
            assert_eq!(o.status.code(), Some(1), "{cmd} --deny-warnings: {needle}");
            assert!(
                flat(&o).contains("denied by --deny-warnings"),
                "{}",
                flat(&o)
            );
            assert!(!c.out().exists());
        }
    }
    // A scenario without anything odd has no `warnings` key at all (the bundled examples'
    // summaries are unchanged).
    let c = Case::new(BASE);
    assert!(c.netsim("run", &[]).status.success());
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(c.out().join("summary.json")).unwrap()).unwrap();
    assert!(s.get("warnings").is_none());
}

/// A sweep directory holding links where the sweep writes is refused (found by review: points
/// and plots landed where the links pointed), and a sweep of absurdly many points is refused
/// instead of aborting on the plan's allocation.
#[test]
fn sweep_output_is_guarded() {
    let c = Case::new(BASE);
    let elsewhere = c.dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::create_dir_all(c.out()).unwrap();
    std::os::unix::fs::symlink(&elsewhere, c.out().join("points")).unwrap();
    let sweep = |args: &[&str]| {
        netsim()
            .args(["--quiet", "sweep"])
            .arg(&c.file)
            .arg("--out")
            .arg(c.out())
            .args(args)
            .output()
            .unwrap()
    };
    let o = sweep(&["--set", "flow.0.rate=1Mbps,2Mbps"]);
    assert_eq!(o.status.code(), Some(1), "{}", flat(&o));
    assert!(flat(&o).contains("is a symbolic link"), "{}", flat(&o));
    assert!(tree(&elsewhere).is_empty());
    for seeds in ["100000000", "18446744073709551615"] {
        let o = sweep(&["--seeds", seeds]);
        assert_eq!(o.status.code(), Some(1), "{seeds}: {}", flat(&o));
        assert!(flat(&o).contains("more than 100000 points"), "{}", flat(&o));
    }
}

/// A TCP flow to a VM is estimated over the path to the VM's host (found by review: it was
/// estimated at zero, so a runaway to a VM slipped past the limit).
#[test]
fn flows_to_vms_are_estimated() {
    let text = BASE
        .replace("kind = \"udp-cbr\"", "kind = \"tcp-bulk\"")
        .replace("dst = \"r0\"", "dst = \"v\"")
        .replace("rate = \"10Mbps\"\n", "")
        + "\n[[vm]]\nname = \"v\"\nhost = \"r0\"\nmemory = \"4MiB\"\n";
    let c = Case::new(&text.replace("duration = \"20ms\"", "duration = \"100000s\""));
    c.refused(&["the run would take about", "flow `f`"]);
}

// Issue 14's review leftovers: `check --dump-flows`, the `dirty_rate` driver's place, a link's
// series named both ways, a VM named like a topology node, two runs into one `--out`, and a
// closed stderr.

/// `check --dump-flows` gives the warning `run --dump-flows` gives (no OpenFlow app, so no
/// flow tables): exit 0 with the warning, exit 1 with `--deny-warnings`; without the flag,
/// no warning.
#[test]
fn check_takes_dump_flows_and_warns_as_run_does() {
    let c = Case::new(BASE);
    let warning = "--dump-flows is given, but `[controller] app` is \"none\"";
    for cmd in ["check", "run"] {
        let o = c.netsim(cmd, &["--dump-flows"]);
        assert_eq!(o.status.code(), Some(0), "{cmd}: {}", flat(&o));
        assert!(flat(&o).contains(warning), "{cmd}: {}", flat(&o));
        let o = c.netsim(cmd, &["--dump-flows", "--deny-warnings"]);
        assert_eq!(o.status.code(), Some(1), "{cmd} denied: {}", flat(&o));
        assert!(flat(&o).contains(warning), "{cmd} denied: {}", flat(&o));
    }
    let o = c.netsim("check", &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!flat(&o).contains("--dump-flows"), "{}", flat(&o));
}

/// A network with equal-cost paths and `ecmp` left at its default (`off`, one path) gets a
/// warning at `kind`, in `check` and in summary.json; writing `ecmp` (even `"off"`), a network
/// without a choice of paths, or an OpenFlow app (which routes by its own rules) gets none.
#[test]
fn default_ecmp_on_equal_cost_paths_warns() {
    let warning = "the network has equal-cost paths, but `[controller] ecmp` is not written";
    let fat_tree = |extra: &str| {
        BASE.replace(
            "kind = \"dumbbell\"\npairs = 1",
            "kind = \"fat-tree\"\nk = 4",
        )
        .replace("dst = \"r0\"", "dst = \"h15\"")
        .replace("src = \"l0\"", "src = \"h0\"")
            + extra
    };
    let c = Case::new(&fat_tree(""));
    let o = c.netsim("check", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", flat(&o));
    assert!(flat(&o).contains(warning), "{}", flat(&o));
    assert!(flat(&o).contains("s.toml:6:8"), "at `kind`: {}", flat(&o));
    let o = c.netsim("run", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", flat(&o));
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(c.out().join("summary.json")).unwrap()).unwrap();
    let recorded = s["warnings"].as_array().unwrap();
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert!(
        recorded[0]["message"]
            .as_str()
            .unwrap()
            .starts_with(warning)
    );
    for (text, what) in [
        (
            fat_tree("[controller]\necmp = \"off\"\n"),
            "ecmp written as off",
        ),
        (
            fat_tree("[controller]\necmp = \"per-flow\"\n"),
            "ecmp per-flow",
        ),
        (
            fat_tree("[controller]\napp = \"shortest-path\"\n"),
            "an OpenFlow app",
        ),
        (BASE.to_string(), "a dumbbell: one path"),
    ] {
        let o = Case::new(&text).netsim("check", &["--deny-warnings"]);
        assert_eq!(o.status.code(), Some(0), "{what}: {}", flat(&o));
        assert!(!flat(&o).contains("equal-cost"), "{what}: {}", flat(&o));
    }
}

/// After a `--set` that adds a key (and so a line), an error or a warning about the file's own
/// text names the file's line, not the edited text's; one about a value `--set` wrote says so,
/// in its help and in summary.json (`set`, no `line`).
#[test]
fn set_keeps_messages_on_the_files_own_lines() {
    // `[tcp]` comes before the flow: `tcp.mss` is inserted above the flow's lines.
    let text = BASE.replace("[topology]", "[tcp]\nsack = true\n\n[topology]");
    let line_of = |needle: &str| 1 + text.lines().position(|l| l == needle).unwrap();
    let c = Case::new(&text.replace("dst = \"r0\"", "dst = \"r7\""));
    let o = c.netsim("check", &["--set", "tcp.mss=1000"]);
    assert_eq!(o.status.code(), Some(1), "{}", flat(&o));
    let at = format!("s.toml:{}:7", line_of("dst = \"r0\""));
    assert!(flat(&o).contains(&at), "{at}: {}", flat(&o));
    assert!(!flat(&o).contains("comes from `--set"), "{}", flat(&o));
    // A warning about a line below the insertion, and one about a value --set wrote.
    let c = Case::new(&text.replace("rate = \"10Mbps\"", "rate = \"10Mbps\"\nstart = \"5s\""));
    let o = c.netsim(
        "run",
        &["--set", "tcp.mss=1000", "--set", "trace.openflow_pcap=true"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", flat(&o));
    let start = 1 + line_of("rate = \"10Mbps\"");
    assert!(
        flat(&o).contains(&format!("s.toml:{start}:9")),
        "{start}: {}",
        flat(&o)
    );
    assert!(
        flat(&o).contains("this value comes from `--set trace.openflow_pcap=true`"),
        "{}",
        flat(&o)
    );
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(c.out().join("summary.json")).unwrap()).unwrap();
    let w = s["warnings"].as_array().unwrap();
    let starts = w
        .iter()
        .find(|w| w["message"].as_str().unwrap().contains("starts at 5s"));
    assert_eq!(starts.unwrap()["line"], start, "{w:?}");
    let pcap = w
        .iter()
        .find(|w| w["message"].as_str().unwrap().contains("openflow_pcap"));
    let pcap = pcap.unwrap();
    assert_eq!(pcap["set"], "trace.openflow_pcap=true", "{pcap}");
    assert!(pcap["line"].is_null(), "{pcap}");
    // The `--set` named is the one that wrote the value, not an earlier one that landed below.
    let c = Case::new(BASE);
    let o = c.netsim(
        "run",
        &["--set", "trace.snaplen=100", "--set", "flow.0.start=5s"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", flat(&o));
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(c.out().join("summary.json")).unwrap()).unwrap();
    let w = &s["warnings"][0];
    assert_eq!(w["set"], "flow.0.start=5s", "{w}");
}

/// The estimate's refusal for a runaway `dirty_rate` points at the `dirty_rate` value (its
/// line and column), not at the VM's name.
#[test]
fn dirty_rate_refusal_points_at_its_value() {
    let text = BASE.replace("duration = \"20ms\"", "duration = \"10s\"")
        + "\n[[vm]]\nname = \"v\"\nhost = \"l0\"\nmemory = \"4MiB\"\ndirty_rate = 1000000000000\n\
           [[migration]]\nvm = \"v\"\nto = \"r0\"\nat = \"0s\"\n";
    let line = 1 + text
        .lines()
        .position(|l| l.starts_with("dirty_rate"))
        .unwrap();
    let c = Case::new(&text);
    c.refused(&[
        "`dirty_rate` of vm `v`",
        &format!("s.toml:{line}:14"),
        "dirty_rate = 1000000000000",
    ]);
}

/// `link:sl-sr` and `link:sr-sl` are one link, whose series already holds both directions:
/// the second entry is refused where it is written, naming both, instead of writing the same
/// series twice under two names.
#[test]
fn a_link_series_named_both_ways_is_refused() {
    let c = Case::new(&format!(
        "{BASE}\n[trace]\ntimeseries = [\"link:sl-sr\", \"link:sr-sl\"]\n"
    ));
    c.refused(&[
        "`timeseries` entries \"link:sl-sr\" (line 17) and \"link:sr-sl\" name the same link",
        "s.toml:17:29",
        "records both directions",
    ]);
    assert!(!c.out().exists(), "nothing written");
    // One direction alone is a valid series of both directions.
    let c = Case::new(&format!("{BASE}\n[trace]\ntimeseries = [\"link:sr-sl\"]\n"));
    let o = c.netsim("run", &[]);
    assert_eq!(o.status.code(), Some(0), "{}", flat(&o));
    let series = std::fs::read_dir(c.out().join("timeseries"))
        .unwrap()
        .count();
    assert_eq!(series, 1, "one file");
}

/// A `[[vm]]` named like a node of the topology is reported at the VM's name, naming the
/// `[[vm]]` and the node (it used to be "two nodes are called `l1`" at `[topology] kind`).
#[test]
fn a_vm_named_like_a_host_is_reported_at_the_vm() {
    let c = Case::new(&format!(
        "{BASE}\n[[vm]]\nname = \"r0\"\nhost = \"l0\"\nmemory = \"4MiB\"\n"
    ));
    c.refused(&[
        "s.toml:17:8",
        "the [[vm]] named `r0` has the name of the topology's host `r0`",
    ]);
    let c = Case::new(&format!(
        "{BASE}\n[[vm]]\nname = \"sl\"\nhost = \"l0\"\nmemory = \"4MiB\"\n"
    ));
    c.refused(&["the [[vm]] named `sl` has the name of the topology's forwarding node `sl`"]);
}

/// While one run writes into a results directory, a second run into it exits 1 naming the
/// first run's process id, and leaves the first alone; the first then finishes normally.
#[test]
fn a_second_run_into_one_out_is_refused() {
    // About a second of work: long enough to start the second run while it stages.
    let c = Case::new(
        &BASE
            .replace("duration = \"20ms\"", "duration = \"3s\"")
            .replace("rate = \"10Mbps\"", "rate = \"900Mbps\""),
    );
    let mut first = netsim()
        .args(["--quiet", "run"])
        .arg(&c.file)
        .arg("--out")
        .arg(c.out())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let staging = c.out().join(format!(".netsim-staging-{}", first.id()));
    let t0 = Instant::now();
    while !staging.exists() {
        assert!(
            first.try_wait().unwrap().is_none(),
            "the first run ended before staging"
        );
        assert!(t0.elapsed() < Duration::from_secs(30), "staging appears");
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = c.netsim("run", &[]);
    let first_done = first.wait_with_output().unwrap();
    assert_eq!(
        first_done.status.code(),
        Some(0),
        "the first run finishes: {}",
        flat(&first_done)
    );
    assert_eq!(second.status.code(), Some(1), "{}", flat(&second));
    let err = flat(&second);
    assert!(
        err.contains(&format!(
            "another netsim run (pid {}) is writing into",
            first_done_pid(&staging)
        )),
        "{err}"
    );
    assert!(err.contains("give this run another --out"), "{err}");
    assert!(
        c.out().join("summary.json").exists(),
        "the first run's results"
    );
}

/// The pid in a staging directory's name.
fn first_done_pid(staging: &std::path::Path) -> u32 {
    let name = staging.file_name().unwrap().to_str().unwrap();
    name.rsplit('-').next().unwrap().parse().unwrap()
}

/// An error written to a stderr whose reader has gone exits with netsim's code for the
/// error (1), not 101 from a panic; and a closed stdout does not turn `check`'s success
/// into a failure.
#[test]
fn a_closed_stderr_keeps_the_exit_code() {
    let c = Case::new(&BASE.replace("rate = \"10Mbps\"", "rate = \"fast\""));
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let status = netsim()
        .arg("check")
        .arg(&c.file)
        .stdout(Stdio::null())
        .stderr(writer)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1), "an invalid scenario, stderr closed");
    let good = Case::new(BASE);
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let status = netsim()
        .arg("check")
        .arg(&good.file)
        .stdout(writer)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0), "a valid scenario, stdout closed");
}
