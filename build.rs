//! Records the commit netsim is built from, for `netsim --version` and `summary.json`'s
//! `netsim_version` (results say which build made them). Outside a git checkout (a source
//! tarball) the version is the package's alone.

use std::path::PathBuf;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

fn main() {
    let version = env!("CARGO_PKG_VERSION");
    let commit = git(&["rev-parse", "--short=7", "HEAD"]);
    let full = match &commit {
        Some(c) => format!("{version} ({c})"),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=NETSIM_VERSION={full}");
    // Rebuild when HEAD moves: HEAD itself (a checkout) and the branch refs (a commit). In a
    // worktree these live in two git directories; paths are made absolute, as a missing path
    // would rerun this script on every build.
    for (flag, files) in [
        ("--git-dir", &["HEAD"][..]),
        ("--git-common-dir", &["refs/heads", "packed-refs"][..]),
    ] {
        if let Some(dir) = git(&["rev-parse", "--path-format=absolute", flag]) {
            for f in files {
                let p = PathBuf::from(&dir).join(f);
                if p.exists() {
                    println!("cargo:rerun-if-changed={}", p.display());
                }
            }
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
