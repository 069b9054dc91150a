//! The one rule for user-chosen names, and the file names netsim derives from them.
//!
//! Names are data, never paths: the scenario's `name`, flow and VM names are checked here when
//! the scenario is read, and node names of topology files by the topologies crate with the same
//! rule (plus no `-`, which joins the two nodes of a link name). Every file a run writes is
//! built from checked names ([`output_files`]), so no scenario can name a file outside the
//! results directory, and two things can never write the same file.

/// The longest name accepted, in bytes. Far below the 255-byte file-name limit of common file
/// systems even with netsim's prefixes and extensions (`migration-<vm>-tcp.csv`).
pub const MAX_NAME_LEN: usize = 64;

/// Why `name` is not a valid name, if it is not: 1 to [`MAX_NAME_LEN`] characters of ASCII
/// letters, digits, `_`, `-` and `.`, starting with a letter or a digit.
pub fn check_name(name: &str) -> Result<(), String> {
    let Some(first) = name.chars().next() else {
        return Err("it is empty".into());
    };
    if name.len() > MAX_NAME_LEN {
        return Err(format!(
            "it is {} bytes long; names have at most {MAX_NAME_LEN}",
            name.len()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        return Err(format!(
            "it contains {}; names use only ASCII letters, digits, `_`, `-` and `.`",
            describe_char(c)
        ));
    }
    if !first.is_ascii_alphanumeric() {
        return Err(format!(
            "it starts with `{first}`; names start with a letter or a digit"
        ));
    }
    Ok(())
}

fn describe_char(c: char) -> String {
    match c {
        '/' | '\\' => format!("`{c}`, a path separator"),
        ' ' => "a space".into(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        c => format!("`{c}`"),
    }
}

/// What a results file is written for, to say which two entries collide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Path relative to the results directory, `/`-separated.
    pub path: String,
    /// The scenario entry that asks for it (`trace.timeseries entry "bg0"`, …).
    pub from: String,
}

/// The time-series files `trace.timeseries` asks for, relative to the results directory, in
/// the order of the entries: `timeseries/<flow>.csv`, `timeseries/link-<a>-<b>.csv`,
/// `timeseries/migration-<vm>.csv` and `timeseries/migration-<vm>-tcp.csv`.
pub fn timeseries_files(entry: &str) -> Vec<String> {
    if let Some(link) = entry.strip_prefix("link:") {
        vec![format!("timeseries/link-{link}.csv")]
    } else if let Some(vm) = entry.strip_prefix("migration:") {
        vec![
            format!("timeseries/migration-{vm}.csv"),
            format!("timeseries/migration-{vm}-tcp.csv"),
        ]
    } else {
        vec![format!("timeseries/{entry}.csv")]
    }
}

/// The first pair of entries that would write the same file, if any.
pub fn collision(files: &[OutputFile]) -> Option<(&OutputFile, &OutputFile)> {
    let mut seen: std::collections::BTreeMap<&str, &OutputFile> = Default::default();
    for f in files {
        if let Some(first) = seen.insert(f.path.as_str(), f) {
            return Some((first, f));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names that could leave the results directory or break a file name are refused, with the
    /// reason; ordinary names pass.
    #[test]
    fn names_are_data_not_paths() {
        for ok in [
            "bg0",
            "vm1-workload",
            "h0",
            "fat-tree-migration",
            "a.b_c",
            "0x",
        ] {
            assert_eq!(check_name(ok), Ok(()), "{ok}");
        }
        let long = "x".repeat(MAX_NAME_LEN + 1);
        for (bad, why) in [
            ("", "empty"),
            ("/some/dir/owned", "path separator"),
            ("../../escape", "path separator"),
            ("..", "starts with `.`"),
            ("a/b", "path separator"),
            ("a\\b", "path separator"),
            ("two words", "a space"),
            ("link:sl-sr", "`:`"),
            ("-x", "starts with `-`"),
            ("tab\there", "control character"),
            ("é", "`é`"),
            (long.as_str(), "at most 64"),
        ] {
            let e = check_name(bad).expect_err(bad);
            assert!(e.contains(why), "{bad:?}: {e}");
        }
        assert!(check_name(&"x".repeat(MAX_NAME_LEN)).is_ok());
    }

    /// A flow named like a link's or a migration's series would overwrite it; the collision is
    /// found and names both entries.
    #[test]
    fn collisions_are_found() {
        let files: Vec<OutputFile> = ["link:sl-sr", "link-sl-sr", "bg"]
            .iter()
            .flat_map(|e| {
                timeseries_files(e).into_iter().map(|path| OutputFile {
                    path,
                    from: e.to_string(),
                })
            })
            .collect();
        let (a, b) = collision(&files).expect("collision");
        assert_eq!(
            (a.from.as_str(), b.from.as_str()),
            ("link:sl-sr", "link-sl-sr")
        );
        assert!(collision(&files[2..]).is_none());
    }
}
