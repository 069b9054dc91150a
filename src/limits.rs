//! Limits that protect the machine: how much of a scenario file is read, how many files a run
//! may hold open, how many sweep points run at once. The resource estimate of a whole run is
//! in [`crate::estimate`].

use std::path::Path;

/// The largest scenario or topology file read, in bytes. The largest bundled example
/// (`perf-fat-tree-16`, 1024 flows) is about 100 KiB; a file above this is almost certainly not
/// a scenario (`/dev/zero`, a pcap given by mistake).
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// File descriptors kept free for the process itself (standard streams, the binary, libraries,
/// the scenario file) beside the files a run holds open.
const SPARE_FILES: u64 = 32;

/// Reads the text file at `path`, refusing one larger than [`MAX_SCENARIO_BYTES`] without
/// reading more than that.
pub fn read_bounded(path: &Path) -> std::io::Result<String> {
    topologies::read_text_bounded(path, MAX_SCENARIO_BYTES, "a scenario")
}

/// Makes sure this process may hold `files` files open besides its own, raising the soft limit
/// (up to the hard limit) if needed. The error says how many are needed and what the limit is.
pub fn ensure_open_files(files: u64) -> Result<(), String> {
    let needed = files + SPARE_FILES;
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid rlimit for getrlimit to fill.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return Ok(()); // cannot tell; the run reports the file it cannot open
    }
    let unlimited = lim.rlim_cur == libc::RLIM_INFINITY;
    if unlimited || lim.rlim_cur >= needed {
        return Ok(());
    }
    if lim.rlim_max == libc::RLIM_INFINITY || lim.rlim_max >= needed {
        let raised = libc::rlimit {
            rlim_cur: needed,
            rlim_max: lim.rlim_max,
        };
        // SAFETY: `raised` is a valid rlimit within the hard limit.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            return Ok(());
        }
    }
    Err(format!(
        "{files} files open at once (one per traced device and time series), and with {SPARE_FILES} for netsim itself that is more than this process may open ({}, hard limit {})",
        lim.rlim_cur, lim.rlim_max
    ))
}

/// How many sweep points to run at once: `jobs` if given, else the available cores; never more
/// than the points. Returns the number and, if `jobs` asked for more threads than there are
/// points or cores, a warning.
pub fn sweep_jobs(jobs: Option<usize>, points: usize) -> (usize, Option<String>) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let asked = jobs.unwrap_or(cores);
    let n = asked.min(points).max(1);
    let warning = (jobs.is_some() && asked > cores).then(|| {
        format!(
            "--jobs {asked}: this machine has {cores} cores and the sweep {points} points; running {n} at once"
        )
    });
    (n, warning)
}
