//! The measuring side of `netsim bench`: one scenario run inside a process of its own, and the
//! resources that process used.
//!
//! Peak RSS is the process's `VmHWM` (high-water resident set) from `/proc/self/status`, not
//! `getrusage`'s `ru_maxrss`: Linux carries the `ru_maxrss` of the memory image a process had
//! before `execve` into the new program's count, so a child spawned from a large parent (by
//! `fork` or `posix_spawn` alike) reports at least the parent's peak. `VmHWM` belongs to the
//! memory image the scenario actually ran in.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::BenchError;
use crate::run::{RunOptions, run};
use crate::scenario::{Scenario, ScenarioSource};
use crate::summary::Summary;

/// What one run of one scenario measured, as the child process prints it (one JSON line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// Simulated time [s].
    pub sim_time_s: f64,
    /// Events executed (`summary.json` → `events`).
    pub events: u64,
    /// Frames serialised onto a link, summed over every device (`summary.json` → the sum of
    /// `queues[].tx_packets`).
    pub link_transmissions: u64,
    /// Wall-clock time of the event loop [s] (`summary.json` → `wall_time_s`): building the
    /// network and writing the results are not included.
    pub wall_s: f64,
    /// CPU time (user + system) of the whole process [s], building and writing included.
    pub cpu_s: f64,
    /// Peak resident set size of the process [bytes].
    pub peak_rss_bytes: u64,
    /// Flows of `[[workload]]` generators completed (`summary.json` → the sum of
    /// `workloads[].completed`; 0 without workloads).
    #[serde(default)]
    pub flows_completed: u64,
}

/// Frames serialised onto a link in a finished run: the sum of `queues[].tx_packets`.
pub fn link_transmissions(summary: &Summary) -> u64 {
    summary.queues.iter().map(|q| q.tx_packets).sum()
}

/// Runs `scenario` exactly as `netsim run` does (results go to a fresh directory under the
/// system's temporary directory, removed afterwards) and measures this process.
///
/// Meant to run in a process of its own: the CPU time and peak RSS are the whole process's.
pub fn measure(scenario: &Scenario, source: &ScenarioSource) -> Result<Measurement, BenchError> {
    let out = scratch_dir()?;
    let opts = RunOptions {
        out: out.clone(),
        progress: false,
        dump_flows: false,
        check: Default::default(),
        print_warnings: false,
    };
    let result = run(scenario, source, &opts);
    // Best effort: a leftover scratch directory is untidy, not wrong.
    let _ = std::fs::remove_dir_all(&out);
    let summary = result?.summary;
    Ok(Measurement {
        sim_time_s: summary.sim_time_s,
        events: summary.events,
        link_transmissions: link_transmissions(&summary),
        wall_s: summary.wall_time_s,
        cpu_s: cpu_time_s()?,
        peak_rss_bytes: peak_rss_bytes()?,
        flows_completed: summary.workloads.iter().map(|w| w.completed).sum(),
    })
}

/// A new, empty directory `netsim-bench-<pid>-<n>` under the temporary directory.
fn scratch_dir() -> Result<PathBuf, BenchError> {
    let base = std::env::temp_dir();
    for n in 0..1000 {
        let dir = base.join(format!("netsim-bench-{}-{n}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(source) => return Err(BenchError::Output { path: dir, source }),
        }
    }
    Err(BenchError::Probe {
        what: "a scratch directory",
        reason: format!("no free name netsim-bench-* in {}", base.display()),
    })
}

/// User + system CPU time of this process [s], from `getrusage(RUSAGE_SELF)`.
#[cfg(unix)]
fn cpu_time_s() -> Result<f64, BenchError> {
    // SAFETY: `getrusage` writes one `rusage` into the zeroed value we pass and reads nothing.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return Err(BenchError::Probe {
            what: "CPU time",
            reason: std::io::Error::last_os_error().to_string(),
        });
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    Ok(secs(ru.ru_utime) + secs(ru.ru_stime))
}

#[cfg(not(unix))]
fn cpu_time_s() -> Result<f64, BenchError> {
    Err(BenchError::Probe {
        what: "CPU time",
        reason: "netsim bench measures CPU time with getrusage, on Unix only".into(),
    })
}

/// The `VmHWM` line of `/proc/self/status` [bytes] (see the module docs for why not
/// `ru_maxrss`).
fn peak_rss_bytes() -> Result<u64, BenchError> {
    let path = "/proc/self/status";
    let text = std::fs::read_to_string(path).map_err(|e| BenchError::Probe {
        what: "peak RSS",
        reason: format!("cannot read {path} (netsim bench needs Linux's /proc): {e}"),
    })?;
    parse_vm_hwm(&text).ok_or_else(|| BenchError::Probe {
        what: "peak RSS",
        reason: format!("no VmHWM line in {path}"),
    })
}

/// `VmHWM:\t  5728 kB` → 5728 × 1024 bytes (the kernel's "kB" are KiB).
fn parse_vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let mut words = line["VmHWM:".len()..].split_whitespace();
    let kib: u64 = words.next()?.parse().ok()?;
    (words.next()? == "kB").then_some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kernel's "kB" are KiB; a malformed line gives nothing rather than a wrong number.
    #[test]
    fn vm_hwm_parses() {
        let status = "Name:\tnetsim\nVmPeak:\t   20000 kB\nVmHWM:\t    5728 kB\nVmRSS:\t 5000 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(5728 * 1024));
        assert_eq!(parse_vm_hwm("VmHWM:\t 12 MB\n"), None);
        assert_eq!(parse_vm_hwm("VmRSS:\t 12 kB\n"), None);
    }

    /// This test process has touched memory, so its own peak RSS is positive and at least its
    /// current RSS.
    #[cfg(target_os = "linux")]
    #[test]
    fn peak_rss_of_this_process() {
        let big = vec![1u8; 8 << 20];
        let peak = peak_rss_bytes().unwrap();
        assert!(
            peak >= 8 << 20,
            "peak RSS {peak} B below the 8 MiB just touched"
        );
        assert_eq!(big.iter().map(|&b| b as u64).sum::<u64>(), 8 << 20);
    }
}
