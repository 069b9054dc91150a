//! The results directory: checked before a run, written through a staging directory, and
//! committed at the end.
//!
//! A run writes into `<out>/.netsim-staging-<pid>/`. Only when everything is written does
//! [`Staging::commit`] remove the earlier run's files (those listed in [`MANIFEST`]) and move the
//! new ones into place with `rename`, `summary.json` last. So a run that fails — a bad file
//! system, a panic, a kill — leaves the earlier results exactly as they were, and a directory
//! with a `summary.json` always holds one whole run.
//!
//! Nothing is written outside `--out`: file names come from checked names
//! ([`crate::scenario::names`]), and [`check_out`] refuses a results directory whose
//! subdirectories are symbolic links, since moving files into them would write wherever they
//! point.

use std::path::{Component, Path, PathBuf};

use thiserror::Error;

/// The files a run wrote, relative to the results directory, one per line: what the next run
/// into the same directory removes.
pub const MANIFEST: &str = ".netsim-files";

/// The subdirectories a run writes into.
pub const SUBDIRS: [&str; 4] = ["pcap", "timeseries", "plots", "dump-flows"];

/// The prefix of staging directories inside the results directory.
const STAGING_PREFIX: &str = ".netsim-staging-";

/// A problem with the results directory.
#[derive(Debug, Error, miette::Diagnostic)]
pub enum OutputError {
    /// A file or directory could not be read or written.
    #[error("cannot write `{}`: {source}", path.display())]
    #[diagnostic(code(netsim::output))]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Another run is writing into the same results directory.
    #[error("another netsim run{} is writing into `{}`", pid.map_or(String::new(), |p| format!(" (pid {p})")), path.display())]
    #[diagnostic(
        code(netsim::output::busy),
        help("wait for it to finish, or give this run another --out")
    )]
    Busy {
        /// The results directory.
        path: PathBuf,
        /// The other run's process id, when its staging directory shows it.
        pid: Option<u32>,
    },
    /// The results directory is not one netsim can write into safely.
    #[error("cannot use `{}` for results: {reason}", path.display())]
    #[diagnostic(code(netsim::output::unsafe_dir), help("{help}"))]
    Unusable {
        /// The path.
        path: PathBuf,
        /// Why.
        reason: String,
        /// What to do.
        help: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Refuses `path` if it is a symbolic link (a missing path is fine): netsim never writes
/// through a link it finds where it writes.
pub fn refuse_symlink(path: &Path) -> Result<(), OutputError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(OutputError::Unusable {
            path: path.to_path_buf(),
            reason: "it is a symbolic link; netsim writes only below --out and does not follow links there".into(),
            help: "remove the link, or choose another --out".into(),
        }),
        _ => Ok(()),
    }
}

/// Whether `out` can take a run's results, without writing anything: it is a directory or does
/// not exist yet, the nearest existing folder on the way can be written, and none of the
/// subdirectories a run writes into is a symbolic link (or anything but a directory).
pub fn check_out(out: &Path) -> Result<(), OutputError> {
    let unusable = |path: &Path, reason: String, help: &str| OutputError::Unusable {
        path: path.to_path_buf(),
        reason,
        help: help.into(),
    };
    if std::fs::symlink_metadata(out).is_ok_and(|m| m.file_type().is_symlink())
        && std::fs::metadata(out).is_err()
    {
        return Err(unusable(
            out,
            "it is a symbolic link to nothing".into(),
            "remove the link, or point it at a directory",
        ));
    }
    match std::fs::metadata(out) {
        Ok(m) if !m.is_dir() => {
            return Err(unusable(
                out,
                "it is not a directory".into(),
                "give --out a directory (it is created if missing)",
            ));
        }
        Ok(_) => {
            for sub in SUBDIRS {
                let path = out.join(sub);
                refuse_symlink(&path)?;
                match std::fs::symlink_metadata(&path) {
                    Ok(m) if !m.is_dir() => {
                        return Err(unusable(
                            &path,
                            "it is not a directory".into(),
                            "remove or rename it, or choose another --out",
                        ));
                    }
                    _ => {}
                }
            }
        }
        // Missing, or below a file: the nearest existing folder decides (below).
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) => {}
        Err(e) => return Err(io(out)(e)),
    }
    let existing = out
        .ancestors()
        .find(|p| !p.as_os_str().is_empty() && p.exists())
        .unwrap_or(Path::new("."));
    if !existing.is_dir() {
        return Err(unusable(
            existing,
            "it is not a directory, so nothing can be created below it".into(),
            "choose another --out",
        ));
    }
    if !writable(existing) {
        return Err(unusable(
            existing,
            "it cannot be written by this user".into(),
            "choose another --out, or change the folder's permissions",
        ));
    }
    Ok(())
}

/// `access(2)` with `W_OK`: asks without writing.
fn writable(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

/// A staging directory inside the results directory; removed on drop unless committed.
#[derive(Debug)]
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
    created_out: bool,
    done: bool,
    /// The results directory itself, opened and locked (`flock`) for as long as the run
    /// writes into it: a second run into the same directory is refused, not interleaved.
    /// Unlocked when dropped, or by the system when the process ends, however it ends.
    _lock: std::fs::File,
}

impl Staging {
    /// Checks `out` ([`check_out`]), creates it if needed, clears staging directories that
    /// killed runs left behind, and makes a new staging directory.
    pub fn begin(out: &Path) -> Result<Staging, OutputError> {
        check_out(out)?;
        let created_out = !out.exists();
        std::fs::create_dir_all(out).map_err(io(out))?;
        let lock = lock(out)?;
        remove_stale_staging(out)?;
        let dir = out.join(format!("{STAGING_PREFIX}{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io(&dir))?;
        }
        std::fs::create_dir(&dir).map_err(io(&dir))?;
        Ok(Staging {
            out: out.to_path_buf(),
            dir,
            created_out,
            done: false,
            _lock: lock,
        })
    }

    /// Where the run writes.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Replaces the earlier run's files by the staged ones: checks that every file can go where
    /// it belongs (before anything is removed), records old and new files in [`MANIFEST`] (so a
    /// commit cut short leaves nothing untracked), removes `summary.json` and the earlier run's
    /// files that the new run does not replace, moves every staged file into place with `rename`
    /// (which replaces a file or a symbolic link, never writes through one), `summary.json`
    /// last, and writes the new manifest. Files in the results directory that netsim did not
    /// write are left alone, unless the new run writes a file of the same name.
    pub fn commit(mut self) -> Result<(), OutputError> {
        check_out(&self.out)?;
        let mut files = Vec::new();
        staged_files(&self.dir, Path::new(""), &mut files)?;
        files.sort();
        // summary.json goes last: a directory with it holds a whole run.
        files.sort_by_key(|f| f == Path::new("summary.json"));
        for f in &files {
            let to = self.out.join(f);
            if std::fs::symlink_metadata(&to).is_ok_and(|m| m.is_dir()) {
                return Err(OutputError::Unusable {
                    path: to,
                    reason: "it is a directory where this run writes a file".into(),
                    help: "remove or rename it; the earlier results were left as they were".into(),
                });
            }
        }
        let earlier = previous_run(&self.out)?;
        let mut tracked: Vec<PathBuf> = earlier.iter().chain(&files).cloned().collect();
        tracked.sort();
        tracked.dedup();
        self.write_manifest(&tracked)?;
        remove_if_present(&self.out.join("summary.json"))?;
        for old in earlier.iter().filter(|f| !files.contains(f)) {
            remove_if_present(&self.out.join(old))?;
        }
        for f in &files {
            let to = self.out.join(f);
            if let Some(parent) = to.parent()
                && parent != self.out
            {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            std::fs::rename(self.dir.join(f), &to).map_err(io(&to))?;
        }
        self.write_manifest(&files)?;
        std::fs::remove_dir_all(&self.dir).map_err(io(&self.dir))?;
        self.done = true;
        Ok(())
    }

    /// Writes [`MANIFEST`] listing `files`, through the staging directory and a rename, so a
    /// link standing in its place is replaced, not followed.
    fn write_manifest(&self, files: &[PathBuf]) -> Result<(), OutputError> {
        let mut text = String::new();
        for f in files {
            text.push_str(&f.to_string_lossy());
            text.push('\n');
        }
        let staged = self.dir.join(MANIFEST);
        std::fs::write(&staged, text).map_err(io(&staged))?;
        let to = self.out.join(MANIFEST);
        std::fs::rename(&staged, &to).map_err(io(&to))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        if self.created_out {
            // Only if empty: never a user's file.
            let _ = std::fs::remove_dir(&self.out);
        }
    }
}

/// Every regular file below `dir`, relative to it.
fn staged_files(root: &Path, rel: &Path, files: &mut Vec<PathBuf>) -> Result<(), OutputError> {
    let dir = root.join(rel);
    for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
        let entry = entry.map_err(io(&dir))?;
        let kind = entry.file_type().map_err(io(&entry.path()))?;
        let path = rel.join(entry.file_name());
        if kind.is_dir() {
            staged_files(root, &path, files)?;
        } else if kind.is_file() {
            files.push(path);
        }
    }
    Ok(())
}

/// Takes the results directory's lock, or says which run holds it.
fn lock(out: &Path) -> Result<std::fs::File, OutputError> {
    let dir = std::fs::File::open(out).map_err(io(out))?;
    match dir.try_lock() {
        Ok(()) => Ok(dir),
        Err(std::fs::TryLockError::WouldBlock) => Err(OutputError::Busy {
            path: out.to_path_buf(),
            pid: staging_pids(out).into_iter().next(),
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(io(out)(e)),
    }
}

/// The process ids in the names of the staging directories in `out`.
fn staging_pids(out: &Path) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir(out) else {
        return Vec::new();
    };
    let mut pids: Vec<u32> = entries
        .filter_map(|e| {
            let name = e.ok()?.file_name();
            name.to_str()?.strip_prefix(STAGING_PREFIX)?.parse().ok()
        })
        .collect();
    pids.sort_unstable();
    pids
}

/// Staging directories of runs that are no longer running (killed, or the machine stopped).
fn remove_stale_staging(out: &Path) -> Result<(), OutputError> {
    for entry in std::fs::read_dir(out).map_err(io(out))? {
        let entry = entry.map_err(io(out))?;
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(STAGING_PREFIX))
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        // SAFETY: signal 0 only asks whether the process exists. EPERM: it exists, but is
        // another user's.
        let alive = pid as u32 == std::process::id()
            || unsafe { libc::kill(pid, 0) } == 0
            || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
        if !alive && entry.file_type().is_ok_and(|t| t.is_dir()) {
            std::fs::remove_dir_all(entry.path()).map_err(io(&entry.path()))?;
        }
    }
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<(), OutputError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(path)(e)),
        _ => Ok(()),
    }
}

/// The files the earlier run listed in [`MANIFEST`], relative to `out`: only names netsim
/// writes — a file at the top (`flows.csv`, `summary.json`) or in one of [`SUBDIRS`] (which
/// [`check_out`] found not to be links) — whatever the file says. A manifest that is a link is
/// not read.
fn previous_run(out: &Path) -> Result<Vec<PathBuf>, OutputError> {
    let manifest = out.join(MANIFEST);
    if std::fs::symlink_metadata(&manifest).is_ok_and(|m| m.file_type().is_symlink()) {
        return Ok(Vec::new());
    }
    let text = match std::fs::read_to_string(&manifest) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(&manifest)(e)),
    };
    let ours = |rel: &Path| {
        let parts: Vec<Component> = rel.components().collect();
        match parts.as_slice() {
            [Component::Normal(_)] => true,
            [Component::Normal(dir), Component::Normal(_)] => {
                SUBDIRS.iter().any(|s| std::ffi::OsStr::new(s) == *dir)
            }
            _ => false,
        }
    };
    Ok(text
        .lines()
        .map(PathBuf::from)
        .filter(|rel| ours(rel) && rel != Path::new(MANIFEST))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A staged run replaces the earlier run's files and keeps the user's; an uncommitted one
    /// leaves the directory as it was.
    #[test]
    fn commit_replaces_only_the_earlier_run() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("r");
        let s = Staging::begin(&out).unwrap();
        std::fs::create_dir(s.path().join("pcap")).unwrap();
        std::fs::write(s.path().join("pcap/a.pcap"), "1").unwrap();
        std::fs::write(s.path().join("summary.json"), "{}").unwrap();
        s.commit().unwrap();
        std::fs::write(out.join("pcap/mine.pcap"), "user").unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join(MANIFEST)).unwrap(),
            "pcap/a.pcap\nsummary.json\n"
        );

        // A second run that fails midway: nothing changes.
        let s = Staging::begin(&out).unwrap();
        std::fs::write(s.path().join("flows.csv"), "x").unwrap();
        drop(s);
        assert!(out.join("pcap/a.pcap").exists() && out.join("summary.json").exists());
        assert!(!out.join("flows.csv").exists());
        let left: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
        assert_eq!(left.len(), 3, "pcap/, summary.json, manifest: {left:?}");

        // A second run that finishes: a.pcap (the earlier run's) goes, the user's file stays.
        let s = Staging::begin(&out).unwrap();
        std::fs::write(s.path().join("summary.json"), "{}").unwrap();
        s.commit().unwrap();
        assert!(!out.join("pcap/a.pcap").exists());
        assert!(out.join("pcap/mine.pcap").exists());
    }

    /// While a run stages into a results directory, a second run into it is refused, naming
    /// the first run's process; once the first has committed, the directory is free again.
    #[test]
    fn a_second_run_into_a_busy_directory_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("r");
        let first = Staging::begin(&out).unwrap();
        let e = Staging::begin(&out).expect_err("locked");
        let pid = std::process::id();
        assert!(
            matches!(e, OutputError::Busy { pid: Some(p), .. } if p == pid),
            "{e:?}"
        );
        assert!(e.to_string().contains(&format!("(pid {pid})")), "{e}");
        std::fs::write(first.path().join("summary.json"), "{}").unwrap();
        first.commit().unwrap();
        Staging::begin(&out)
            .expect("free after the first run")
            .commit()
            .unwrap();
    }

    /// A manifest someone else wrote cannot make a run delete or create a file outside the
    /// results directory: paths through a link, and a manifest that is itself a link, are
    /// ignored (found by review: `evil/victim.txt` with `evil` a link).
    #[test]
    fn manifest_cannot_reach_outside() {
        let d = tempfile::tempdir().unwrap();
        let (out, elsewhere) = (d.path().join("r"), d.path().join("elsewhere"));
        std::fs::create_dir_all(&out).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("victim.txt"), "precious").unwrap();
        std::os::unix::fs::symlink(&elsewhere, out.join("evil")).unwrap();
        std::fs::write(
            out.join(MANIFEST),
            "evil/victim.txt\n../elsewhere/victim.txt\n",
        )
        .unwrap();
        let s = Staging::begin(&out).unwrap();
        std::fs::write(s.path().join("summary.json"), "{}").unwrap();
        s.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(elsewhere.join("victim.txt")).unwrap(),
            "precious"
        );

        std::fs::remove_file(out.join(MANIFEST)).unwrap();
        std::os::unix::fs::symlink(elsewhere.join("created"), out.join(MANIFEST)).unwrap();
        let s = Staging::begin(&out).unwrap();
        std::fs::write(s.path().join("summary.json"), "{}").unwrap();
        s.commit().unwrap();
        assert!(
            !elsewhere.join("created").exists(),
            "nothing created through the link"
        );
        assert!(
            std::fs::symlink_metadata(out.join(MANIFEST))
                .unwrap()
                .is_file()
        );
    }

    /// A commit that cannot put a file in place fails before it removes anything: the earlier
    /// results stay whole (found by review: a directory where a time series goes).
    #[test]
    fn blocked_commit_keeps_the_earlier_run() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("r");
        let s = Staging::begin(&out).unwrap();
        std::fs::write(s.path().join("flows.csv"), "old").unwrap();
        std::fs::write(s.path().join("summary.json"), "old").unwrap();
        s.commit().unwrap();
        std::fs::create_dir_all(out.join("timeseries/f.csv")).unwrap();
        let s = Staging::begin(&out).unwrap();
        std::fs::create_dir(s.path().join("timeseries")).unwrap();
        std::fs::write(s.path().join("timeseries/f.csv"), "new").unwrap();
        std::fs::write(s.path().join("summary.json"), "new").unwrap();
        let e = s.commit().unwrap_err();
        assert!(e.to_string().contains("timeseries/f.csv"), "{e}");
        assert_eq!(
            std::fs::read_to_string(out.join("summary.json")).unwrap(),
            "old"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("flows.csv")).unwrap(),
            "old"
        );
    }

    /// A dangling link given as --out is refused by the check, not by a confusing failure later.
    #[test]
    fn dangling_out_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("r");
        std::os::unix::fs::symlink(d.path().join("nothing"), &out).unwrap();
        let e = check_out(&out).unwrap_err();
        assert!(e.to_string().contains("symbolic link to nothing"), "{e}");
    }

    /// A symbolic link where a run writes a subdirectory is refused before anything is written.
    #[test]
    fn symlinked_subdirectory_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("r");
        let elsewhere = d.path().join("elsewhere");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, out.join("timeseries")).unwrap();
        let e = Staging::begin(&out).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);
    }
}
