//! The scenarios bundled in `examples/`, compiled into the binary so that `netsim examples`
//! and `netsim run` (the default) work from any directory.
//!
//! `examples/topologies/` holds topology files (`kind = "file"`) that bundled scenarios use; they
//! are not scenarios and are not listed. A bundled scenario's relative topology path resolves
//! against [`DIR`], as the same file's would against its folder.

use std::path::Path;

use crate::scenario::{self, Scenario, ScenarioError, ScenarioSource, TopologyShape};

/// The source tree's `examples/` folder, against which bundled scenarios' relative paths (a
/// topology file's) resolve.
pub const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");

/// A bundled scenario.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// File stem: `examples/<name>.toml`.
    pub name: &'static str,
    /// The file's text.
    pub text: &'static str,
}

macro_rules! examples {
    ($($name:literal),* $(,)?) => {
        /// Every bundled scenario, by name.
        pub const EXAMPLES: &[Example] = &[
            $(Example { name: $name, text: include_str!(concat!("../examples/", $name, ".toml")) },)*
        ];
    };
}

examples!(
    "default",
    "dumbbell-udp",
    "tcp-dumbbell",
    "perf-dumbbell",
    "perf-fat-tree-4",
    "perf-fat-tree-8",
    "perf-fat-tree-16",
    "perf-websearch-k8",
    "sdn-fat-tree",
    "migration-fat-tree",
    "qin2017-contention",
    "qin2017-precopy-cwnd",
    "qin2017-migration-time",
    "qin2017-migration-time-bg",
    "maini-dirty-rate",
    "maini-two-networks",
    "chen-terng-break-time",
    "two-racks",
    "two-dc-none",
    "two-dc-host-route",
    "two-dc-sdn",
    "two-dc-mip",
    "seed003-storage",
    "websearch-migration",
    "incast",
    "incast-dctcp",
    "ns3-r3",
    "ns3-r4",
    "ns3-r1",
    "ns3-r2",
    "ns3-r5",
    "ns3-r7",
    "ns3-r6-dumbbell",
    "ns3-r6-fat-tree-4",
    "arora2013-testbed",
    "arora2013-asap",
    "arora2013-alap",
    "twin-fat-tree-4",
    "vcdn",
);

impl Example {
    /// The first sentence of the file's leading comment, without its full stop: its
    /// description in `netsim examples`. A sentence ends at a full stop outside parentheses
    /// that is followed by a capital letter or ends the comment, unless it closes an
    /// abbreviation ("Figs. 4-8", "e.g. a", "et al. 2010"). A sentence longer than
    /// [`LONG`] characters is cut at its first ": " outside parentheses, if that leaves at
    /// least 30 characters (the headline before the details).
    pub fn description(&self) -> String {
        /// A first sentence longer than this is cut at its colon.
        const LONG: usize = 130;
        let comment: Vec<&str> = self
            .text
            .lines()
            .take_while(|l| l.starts_with('#'))
            .map(|l| l.trim_start_matches('#').trim())
            .collect();
        let text = comment.join(" ");
        let mut depth = 0i32;
        let mut end = text.len();
        let mut colon = None;
        for (i, c) in text.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ':' if depth == 0
                    && colon.is_none()
                    && i >= 30
                    && text[i + 1..].starts_with(' ') =>
                {
                    colon = Some(i)
                }
                '.' if depth == 0 && ends_sentence(&text[..i], &text[i + 1..]) => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        if end > LONG
            && let Some(c) = colon
        {
            end = c;
        }
        text[..end].trim_end_matches('.').to_string()
    }

    /// Reads and validates the bundled scenario with `sets` applied, as [`scenario::load`] reads
    /// `examples/<name>.toml`: errors name that file, and a relative topology `path` resolves
    /// against [`DIR`].
    pub fn load(&self, sets: &[String]) -> Result<(Scenario, ScenarioSource), ScenarioError> {
        let name = format!("examples/{}.toml", self.name);
        let (mut sc, source) = scenario::load_str(&name, self.text, sets)?;
        if let TopologyShape::File { path } = &mut sc.topology.shape
            && path.get_ref().is_relative()
        {
            *path.get_mut() = Path::new(DIR).join(path.get_ref());
        }
        Ok((sc, source))
    }

    /// The bundled scenario called `name`.
    pub fn named(name: &str) -> Option<&'static Example> {
        EXAMPLES.iter().find(|e| e.name == name)
    }
}

/// Whether the full stop between `before` and `after` ends a sentence: the next word starts
/// with neither a small letter nor a digit (a capital, a quote, a backtick), or nothing
/// follows, and the word before is no abbreviation.
fn ends_sentence(before: &str, after: &str) -> bool {
    const ABBREVIATIONS: [&str; 9] = ["Fig", "Figs", "Eq", "Eqs", "e.g", "i.e", "cf", "al", "vs"];
    let next = after.strip_prefix(' ').map(|a| a.chars().next());
    let capital = match next {
        Some(Some(c)) => !c.is_lowercase() && !c.is_ascii_digit(),
        Some(None) => true,
        None => after.is_empty(),
    };
    let word = before.rsplit(' ').next().unwrap_or("");
    capital && !ABBREVIATIONS.contains(&word)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `examples/*.toml` is bundled, and every bundled example has a description.
    #[test]
    fn every_example_is_bundled() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| {
                let p = e.unwrap().path();
                (p.extension()? == "toml").then(|| p.file_stem().unwrap().to_string_lossy().into())
            })
            .collect();
        files.sort();
        let mut bundled: Vec<String> = EXAMPLES.iter().map(|e| e.name.to_string()).collect();
        bundled.sort();
        assert_eq!(files, bundled, "add new examples to the examples! list");
        for e in EXAMPLES {
            assert!(
                e.description().len() > 10 && e.description().len() < 320,
                "{} needs a leading comment of one sentence: {:?}",
                e.name,
                e.description()
            );
        }
    }

    /// `netsim examples` tells every example apart: no two share a description, and none is
    /// cut at an abbreviation such as "Figs." (the list once showed "Seed 001 (Arora &
    /// Perez-Botero)" for both ASAP and ALAP).
    #[test]
    fn descriptions_are_whole_sentences_that_differ() {
        let mut seen = std::collections::BTreeMap::new();
        for e in EXAMPLES {
            let d = e.description();
            assert!(
                !d.ends_with(" Figs") && !d.ends_with(" Fig"),
                "{}: {d}",
                e.name
            );
            if let Some(other) = seen.insert(d.clone(), e.name) {
                panic!("{} and {other} share the description {d:?}", e.name);
            }
        }
        let asap = Example::named("arora2013-asap").unwrap().description();
        assert!(asap.contains("Tunnel ASAP"), "{asap}");
    }

    #[test]
    fn sentence_ends() {
        assert!(ends_sentence("a b", " The next"));
        assert!(ends_sentence("the end", ""));
        assert!(ends_sentence("a fabric)", " `kind` builds"));
        assert!(!ends_sentence("Seed 004 Figs", " 4-8, the"));
        assert!(!ends_sentence("Zhang et al", " Fig"));
        assert!(!ends_sentence("a b", " lower case"));
        assert!(!ends_sentence("10", "5 Mbit/s"));
    }

    /// A bundled scenario with a file topology loads by name from any directory: its relative
    /// `path` resolves against the source tree's `examples/`, to the sample topology file.
    #[test]
    fn bundled_file_topology_resolves_against_examples() {
        let e = Example::named("two-racks").expect("bundled");
        let (sc, source) = e.load(&["duration=1ms".into()]).expect("valid");
        assert_eq!(
            source.name, "examples/two-racks.toml",
            "named like the file"
        );
        let TopologyShape::File { path } = &sc.topology.shape else {
            panic!("file topology")
        };
        assert_eq!(
            path.get_ref(),
            &Path::new(DIR).join("topologies/two-racks.toml"),
            "resolved against examples/"
        );
        assert!(path.get_ref().is_file(), "the sample topology file exists");
    }

    /// A new user's first runs are clean: every bundled example passes `netsim check` with no
    /// warning (`--deny-warnings` would refuse none of them).
    #[test]
    fn every_example_checks_without_warnings() {
        for e in EXAMPLES {
            let (sc, source) = e.load(&[]).expect("valid");
            let report = crate::build::check(&sc, &source, &Default::default())
                .unwrap_or_else(|err| panic!("{}: {err:?}", e.name));
            let messages: Vec<&str> = report.warnings.iter().map(|w| &w.message[..]).collect();
            assert!(messages.is_empty(), "{}: {messages:?}", e.name);
        }
    }
}
