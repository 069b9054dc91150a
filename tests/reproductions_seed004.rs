//! Seed 004's service break times (Chen & Terng, Figs. 4–8: scenarios 1–5) reproduced from
//! `examples/chen-terng-break-time.toml` with its image migration, host hardware and HTTP probe
//! (docs/reproductions.md), and the models they rest on.
//!
//! The example's layout: VM1 and VM2 on machine A (h0), VM3 on a second machine (h1), all three
//! moving to the target (h2) through the temporary server (h4); a client (h3) probes each VM
//! with a new TCP connection per request. Scenarios 1–2 have h1 = B and h2 = C; scenarios 3–4
//! swap the two machines' hardware (C is "better": 8 cores at 3 GHz against 4 at 1.5 GHz).
//! Nothing in the example says how long a break is: the save, the two copies and the restore
//! follow from the image size, the disk rates, the network and the CPU speeds.

mod common;

use common::*;

/// Scenario 3's swap: h1 becomes machine C, the target h2 machine B.
const SWAP_B_C: [&str; 8] = [
    "--set",
    "host.1.cpus=8",
    "--set",
    "host.1.cpu_speed=3GHz",
    "--set",
    "host.2.cpus=4",
    "--set",
    "host.2.cpu_speed=1.5GHz",
];
/// Scenarios 2 and 4: VM3's machine first.
const VM3_FIRST: [&str; 4] = ["--set", "migration.0.vm=vm3", "--set", "migration.2.vm=vm1"];

/// Per VM (vm1, vm2, vm3): start, downtime and break (the probe's `service_downtime_s`) [s].
#[derive(Debug, Clone, Copy)]
struct Run {
    start_s: [f64; 3],
    downtime_s: [f64; 3],
    break_s: [f64; 3],
}

fn break_run(extra: &[&str]) -> Run {
    run_example("chen-terng-break-time", extra, |_, s| {
        let mut r = Run {
            start_s: [0.0; 3],
            downtime_s: [0.0; 3],
            break_s: [0.0; 3],
        };
        for m in s["migrations"].as_array().expect("migrations[]") {
            let i = ["vm1", "vm2", "vm3"]
                .iter()
                .position(|v| *v == m["vm"].as_str().unwrap())
                .unwrap();
            assert_eq!(m["algorithm"], "image");
            r.start_s[i] = num(m, "start_s");
            r.downtime_s[i] = num(m, "downtime_s");
            r.break_s[i] = num(m, "service_downtime_s");
        }
        r
    })
}

fn table(names: &[&str], runs: &[Run]) -> String {
    let mut t = String::from("scenario            break_s vm1    vm2    vm3   downtime_s vm1\n");
    for (n, r) in names.iter().zip(runs) {
        t += &format!(
            "{n:<18}  {:>11.2}  {:>5.2}  {:>5.2}  {:>14.3}\n",
            r.break_s[0], r.break_s[1], r.break_s[2], r.downtime_s[0]
        );
    }
    t
}

/// Seed 004 §IV: "the break time of these VMs during migration are between 18 to 19 seconds"
/// (Figs. 4–5, scenarios 1–2, target C) and "about 25 seconds" (Figs. 6–7, scenarios 3–4,
/// target B); "the hardware capacity will affect the service break time"; Fig. 8: scenario 5
/// (VM1 with 2 VCPUs) breaks "slightly" longer than scenario 1.
///
/// Asserted, with the image algorithm and the documented calibration, the break measured by
/// the HTTP probe: every VM breaks 18–19 s in scenarios 1–2 and 25 ± 1.5 s in 3–4; every VM's
/// break and downtime is longer with B as target than with C (from the hardware keys alone —
/// the example sets no `resume_time`); in scenario 5 VM1's downtime is longer than in scenario
/// 1 (a larger image) and its break 0–10 % longer. Each break is at least the downtime and
/// less than one probe step (1 s: the SYN retry, then a new connection every 2-s timeout)
/// plus 0.1 s above it.
#[test]
fn seed004_image_breaks_18_19_s_to_c_25_s_to_b_and_scenario5_slightly_longer() {
    let rr: Vec<&str> = [&SWAP_B_C[..], &VM3_FIRST[..]].concat();
    let variants: [(&str, Vec<&str>); 5] = [
        ("1  A first, to C", vec![]),
        ("2  VM3 first, to C", VM3_FIRST.to_vec()),
        ("3  A first, to B", SWAP_B_C.to_vec()),
        ("4  VM3 first, to B", rr),
        ("5  VM1 2 vCPUs, C", vec!["--set", "vm.0.vcpus=2"]),
    ];
    let runs = par_map_bounded(&variants, |(_, args)| break_run(args));
    let names: Vec<&str> = variants.iter().map(|v| v.0).collect();
    let t = table(&names, &runs);
    for (k, r) in runs.iter().enumerate() {
        let (lo, hi) = match k {
            0 | 1 => (18.0, 19.0),
            2 | 3 => (23.5, 26.5),
            _ => (18.0, 19.8),
        };
        for vm in 0..3 {
            let (d, b) = (r.downtime_s[vm], r.break_s[vm]);
            assert!(
                (lo..=hi).contains(&b),
                "{}: vm{} breaks {b:.3} s, not in [{lo}, {hi}]\n{t}",
                names[k],
                vm + 1
            );
            assert!(
                d <= b && b < d + 1.1,
                "{}: vm{} break {b:.3} s against downtime {d:.3} s\n{t}",
                names[k],
                vm + 1
            );
        }
    }
    for (c, b) in [(0, 2), (1, 3)] {
        for vm in 0..3 {
            assert!(
                runs[b].break_s[vm] > runs[c].break_s[vm]
                    && runs[b].downtime_s[vm] > runs[c].downtime_s[vm],
                "vm{}: target B must be slower than C\n{t}",
                vm + 1
            );
        }
    }
    let (one, five) = (&runs[0], &runs[4]);
    assert!(
        five.downtime_s[0] > one.downtime_s[0],
        "two vCPUs make a larger image\n{t}"
    );
    // 1 ms allowed below zero: the same probe step, answered a handshake apart.
    let longer = five.break_s[0] / one.break_s[0] - 1.0;
    assert!(
        (-0.001 / 18.0..=0.10).contains(&longer),
        "scenario 5 breaks {:.1} % longer\n{t}",
        longer * 100.0
    );
    // VM3's place: last when A goes first, first otherwise.
    assert!(runs[0].start_s[2] > runs[0].start_s[1] && runs[1].start_s[2] < runs[1].start_s[0]);
    insta::assert_snapshot!(t);
}

/// Seed 004 Fig. 8 (issue 19 must-hold: "scenario 5 breaks 0–10 % longer than scenario 1"),
/// as a consequence of the mechanism rather than of a fitted input. A second vCPU adds one
/// `state` (8 MiB) to VM1's image (256 MiB memory + 8 MiB per vCPU: 264 → 272 MiB, +3.03 %),
/// and every phase of the break — save, both copies, restore — is proportional to the image,
/// so the downtime grows by the image's ratio. The probe turns a downtime d into a break in
/// [d, d + step]: VM1 migrates first in both scenarios, so its pause starts at the same
/// instant under the same probe schedule, and the break can only grow with the resume time.
/// Hence the break grows by 0 to (d₅ + step)/d₁ − 1: at most 9.4 % with the example's 2-s
/// client (1-s steps: the SYN retry, then a new connection per timeout) and at most 3.6 % with
/// a 100-ms client (a new connection every 100 ms), whose step is finer than the 0.52 s the
/// downtime grows by, so its break must be strictly longer. Asserted with the 100-ms client
/// (the example's client is the first test's scenario 5 row): downtime ratio within 0.3 % of
/// the image ratio, break within [d, d + 0.1 s + a handshake], and scenario 5's break
/// 0–10 % longer and strictly longer.
#[test]
fn seed004_scenario5_breaks_0_10_pct_longer_than_scenario1_in_proportion_to_the_image() {
    let fine = [
        "--set",
        "vm.0.workload.timeout=100ms",
        "--set",
        "vm.1.workload.timeout=100ms",
        "--set",
        "vm.2.workload.timeout=100ms",
    ];
    let five: Vec<&str> = [&fine[..], &["--set", "vm.0.vcpus=2"]].concat();
    let variants: [(&str, Vec<&str>); 2] = [
        ("1  100-ms client", fine.to_vec()),
        ("5  100-ms client", five),
    ];
    let runs = par_map_bounded(&variants, |(_, args)| break_run(args));
    let names: Vec<&str> = variants.iter().map(|v| v.0).collect();
    let t = table(&names, &runs);
    let (one, five) = (&runs[0], &runs[1]);
    let image_ratio = (256.0 + 2.0 * 8.0) / (256.0 + 8.0);
    let downtime_ratio = five.downtime_s[0] / one.downtime_s[0];
    assert!(
        (downtime_ratio / image_ratio - 1.0).abs() < 0.003,
        "downtime grows {downtime_ratio:.4}x, the image {image_ratio:.4}x\n{t}"
    );
    for r in &runs {
        for vm in 0..3 {
            let (d, b) = (r.downtime_s[vm], r.break_s[vm]);
            assert!(
                d <= b && b <= d + 0.11,
                "vm{}: break {b:.3} s is not within a 100-ms step of the downtime {d:.3} s\n{t}",
                vm + 1
            );
        }
    }
    let longer = five.break_s[0] / one.break_s[0] - 1.0;
    assert!(
        longer > 0.0 && longer <= 0.10,
        "scenario 5 breaks {:.2} % longer than scenario 1\n{t}",
        longer * 100.0
    );
    insta::assert_snapshot!(t);
}

/// Seed 004 §III.B: round-robin's break "may be better" than machine by machine. With two
/// migrations at once and the sources' links (100 Mbit/s) as the bottleneck, machine by
/// machine copies VM1 and VM2 together over A's one link while round-robin pairs VM1 with VM3,
/// each on its own source link: round-robin's mean break is below machine by machine's. With
/// one migration at a time the two orders give every VM the same break (they differ only in
/// when), as docs/reproductions.md says.
#[test]
fn seed004_round_robin_mean_break_below_machine_by_machine_when_source_links_bottleneck() {
    let points: Vec<(&str, &str)> = ["2", "1"]
        .into_iter()
        .flat_map(|c| [("machine-by-machine", c), ("round-robin", c)])
        .collect();
    let runs = par_map_bounded(&points, |&(order, concurrent)| {
        let (o, c) = (
            format!("orchestrator.order={order}"),
            format!("orchestrator.concurrent={concurrent}"),
        );
        let args = [
            "--set",
            "topology.path=topologies/chen-terng-slow-sources.toml",
            "--set",
            &o,
            "--set",
            &c,
            "--set",
            "duration=160s",
            "--set",
            "vm.0.memory=128MiB",
            "--set",
            "vm.1.memory=128MiB",
            "--set",
            "vm.2.memory=128MiB",
        ];
        break_run(&args)
    });
    let mean = |r: &Run| r.break_s.iter().sum::<f64>() / 3.0;
    let t = table(
        &[
            "mbm, 2 at once",
            "rr, 2 at once",
            "mbm, 1 at a time",
            "rr, 1 at a time",
        ],
        &runs,
    );
    assert!(
        mean(&runs[1]) < mean(&runs[0]) - 1.0,
        "round-robin {:.2} s against machine by machine {:.2} s\n{t}",
        mean(&runs[1]),
        mean(&runs[0])
    );
    for vm in 0..3 {
        assert!(
            (runs[2].break_s[vm] - runs[3].break_s[vm]).abs() < 1e-3,
            "one at a time, vm{}'s break does not depend on the order\n{t}",
            vm + 1
        );
    }
}

/// Target choice compares vectors (CAP ≥ REQ + ΣREQ for cpu, memory and bandwidth) under
/// each `placement`, end to end; `symmetrical` refuses unequal machines.
#[test]
fn seed004_target_choice_compares_hardware_vectors() {
    // VM1 needs 2 cores (2 vCPUs fully busy) and 64 MiB. h1 has memory but 1 core: it never
    // fits. h2 (headroom left: min(2/4 cores, 0.97 of memory) = 0.5), h3 (0 cores left: an
    // exact fit) and h4 (0.75) fit: first fit takes h2, most free h4, best fit h3.
    let hosts = "[[host]]\nname=\"h1\"\ncpus=1\nmemory=\"64GiB\"\n\
                 [[host]]\nname=\"h2\"\ncpus=4\nmemory=\"2GiB\"\n\
                 [[host]]\nname=\"h3\"\ncpus=2\nmemory=\"1GiB\"\n\
                 [[host]]\nname=\"h4\"\ncpus=8\nmemory=\"8GiB\"\n";
    let text = format!(
        "name=\"place\"\nduration=\"1s\"\n[topology]\nkind=\"star\"\nhosts=5\n{hosts}\
         [[vm]]\nname=\"vm1\"\nhost=\"h0\"\nmemory=\"1GiB\"\nvcpus=2\ncpu_utilization=1.0\n\
         [[migration]]\nvm=\"vm1\"\nat=\"0.1s\"\nalgorithm=\"stop-and-copy\"\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("place.toml");
    std::fs::write(&path, &text).unwrap();
    for (policy, expect) in [("first-fit", "h2"), ("most-free", "h4"), ("best-fit", "h3")] {
        let out = dir.path().join(policy);
        let set = format!("orchestrator.placement={policy}");
        let s = run_ok(
            &out,
            &[
                path.to_str().unwrap(),
                "--set",
                &set,
                "--set",
                "vm.0.memory=64MiB",
            ],
        );
        assert_eq!(s["migrations"][0]["to"], expect, "{policy}");
    }
    // Symmetrical: h0 (unstated) and h2 differ; refused with the key that differs.
    let out = dir.path().join("sym");
    let o = run(&[
        "--quiet",
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--set",
        "orchestrator.symmetrical=true",
        "--set",
        "migration.0.to=h2",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("symmetrical migration needs equal machines")
            && err.contains("`h2` differs from `h0`"),
        "the message names the machines and the key: {err}"
    );
}

/// Bad input for the new keys: an exit code of 1 and a message naming the key.
#[test]
fn seed004_image_and_hardware_bad_values_are_refused_naming_the_key() {
    let scenario = root().join("examples/chen-terng-break-time.toml");
    for (set, expect) in [
        (
            "migration.0.via=h0",
            "is not a host other than the migration's source and target",
        ),
        (
            "migration.0.algorithm=precopy",
            "`via` applies to `algorithm = \"image\"` only",
        ),
        ("host.0.cpus=0", "`cpus` of host `h0` must be at least 1"),
        ("host.0.cpu_speed=3", "expected a CPU speed such as"),
        ("host.0.capacity=1GiB", "gives both `memory` and `capacity`"),
        ("vm.0.vcpus=0", "`vcpus` of vm `vm1` must be at least 1"),
        (
            "vm.0.cpu_utilization=1.5",
            "`cpu_utilization` must be between 0 and 1",
        ),
        (
            "vm.0.workload.timeout=0s",
            "`timeout` of the workload of vm `vm1` must be greater than zero",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let o = run(&[
            "--quiet",
            "run",
            scenario.to_str().unwrap(),
            "--set",
            set,
            "--set",
            "duration=1ms",
            "--out",
            dir.path().join("o").to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{set}: {err}");
        assert!(err.contains(expect), "{set}: expected `{expect}` in: {err}");
    }
    // `image` without `via`: replace the migration table.
    let o = run(&[
        "check",
        scenario.to_str().unwrap(),
        "--set",
        "migration=[{vm=\"vm1\",to=\"h2\",algorithm=\"image\"}]",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("names no `via`"), "{err}");
}

/// `[[host]] resume_time` is the time from the last byte the VM needs before it can run
/// (pre-copy's final round, stop-and-copy's everything, post-copy's CPU state) being
/// acknowledged to the VM running on that host. With everything else equal (same seed, so the
/// same page writes and rounds), a target that takes 1.5 s longer adds exactly 1.5 s to the
/// downtime (1 ns allowed for the decimal printing) for all three algorithms, and to the total
/// time of pre-copy and stop-and-copy, which end at the resume. Post-copy keeps pushing pages
/// while the destination restores, so its total grows by less (here the pages are all there by
/// the resume): it is only checked not to end before the resume.
#[test]
fn host_resume_time_adds_exactly_to_downtime_and_total_time() {
    let points: Vec<(&str, &str)> = ["precopy", "stop-and-copy", "postcopy"]
        .into_iter()
        .flat_map(|a| [(a, "0s"), (a, "1.5s")])
        .collect();
    let runs = par_map_bounded(&points, |&(algorithm, resume)| {
        // One migration (vm1 to h2) of the short variant.
        let (migration, res) = (
            format!("migration=[{{vm=\"vm1\",to=\"h2\",algorithm=\"{algorithm}\"}}]"),
            format!("host.2.resume_time={resume}"),
        );
        let args = [
            "--set",
            &res,
            "--set",
            "vm.0.memory=32MiB",
            "--set",
            "duration=5s",
            "--set",
            "orchestrator.period=1s",
            "--set",
            "trace.timeseries=[]",
            "--set",
            &migration,
        ];
        run_example("chen-terng-break-time", &args, |_, s| {
            let m = &s["migrations"][0];
            (num(m, "downtime_s"), num(m, "total_time_s"))
        })
    });
    for (pair, &(algorithm, _)) in runs.chunks(2).zip(points.iter().step_by(2)) {
        let ((d0, t0), (d1, t1)) = (pair[0], pair[1]);
        let total_exact = algorithm != "postcopy";
        assert!(
            (d1 - d0 - 1.5).abs() < 1e-9
                && if total_exact {
                    (t1 - t0 - 1.5).abs() < 1e-9
                } else {
                    t1 >= d1 && t1 > t0
                },
            "{algorithm}: resume_time 1.5 s moved downtime {d0:.9} → {d1:.9} s and total time \
             {t0:.9} → {t1:.9} s"
        );
    }
}

/// A `resume_time` that is not a time, is negative, or is longer than an hour is refused with
/// exit code 1 and a message naming the key.
#[test]
fn host_resume_time_bad_values_are_refused_naming_the_key() {
    let scenario = root().join("examples/chen-terng-break-time.toml");
    for (value, expect) in [
        ("fast", "is not a time"),
        ("-1s", "is not a time"),
        ("2h", "longer than an hour"),
        ("61min", "longer than an hour"),
    ] {
        let set = format!("host.0.resume_time={value}");
        let o = run(&["check", scenario.to_str().unwrap(), "--set", &set]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{value}: {err}");
        assert!(
            err.contains("resume_time") && err.contains(expect),
            "{value}: the message names the key and the problem: {err}"
        );
    }
}
