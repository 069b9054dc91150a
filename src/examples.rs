//! The scenarios bundled in `examples/`, compiled into the binary so that `netsim examples`
//! and `netsim run` (the default) work from any directory.

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
    "sdn-fat-tree",
    "migration-fat-tree",
    "qin2017-contention",
    "qin2017-precopy-cwnd",
    "qin2017-migration-time",
    "qin2017-migration-time-bg",
    "maini-dirty-rate",
    "chen-terng-break-time",
);

impl Example {
    /// The file's leading comment up to its first ": " or ". " outside parentheses (after at
    /// least 20 characters), without a final full stop: its one-line description.
    pub fn description(&self) -> String {
        let comment: Vec<&str> = self
            .text
            .lines()
            .take_while(|l| l.starts_with('#'))
            .map(|l| l.trim_start_matches('#').trim())
            .collect();
        let text = comment.join(" ");
        let mut depth = 0i32;
        let mut end = text.len();
        for (i, c) in text.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ':' | '.' if depth == 0 && i > 20 && text[i + 1..].starts_with(' ') => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        text[..end].trim_end_matches('.').to_string()
    }

    /// The bundled scenario called `name`.
    pub fn named(name: &str) -> Option<&'static Example> {
        EXAMPLES.iter().find(|e| e.name == name)
    }
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
                e.description().len() > 10 && e.description().len() < 200,
                "{} needs a leading comment",
                e.name
            );
        }
    }
}
