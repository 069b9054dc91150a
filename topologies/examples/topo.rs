//! Prints a built-in topology, until `netsim topo` exists:
//! `cargo run -p topologies --example topo -- KIND [N] [table|dot|json|toml]`, where N is k
//! for `fat-tree`, pairs for `dumbbell`, hosts for `star`, leaves for `leaf-spine` and switches
//! for `linear` (the other parameters take the scenario defaults).

use topologies::{LinkConfig, Topology, TopologyError};

fn build(kind: &str, n: Option<u32>) -> Result<Topology, TopologyError> {
    let l = LinkConfig::default();
    match kind {
        "fat-tree" => topologies::fat_tree(n.unwrap_or(4), l),
        "dumbbell" => topologies::dumbbell(n.unwrap_or(2), l, l),
        "leaf-spine" => topologies::leaf_spine(n.unwrap_or(4), 2, 2, l),
        "linear" => topologies::linear(n.unwrap_or(3), 1, l),
        "star" => topologies::star(n.unwrap_or(4), l),
        "qin2017" => topologies::qin2017(l),
        "arora2013" => topologies::arora2013(l),
        other => {
            eprintln!("unknown kind `{other}`");
            std::process::exit(2)
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let kind = args.first().map_or("fat-tree", String::as_str);
    let n = args.get(1).and_then(|s| s.parse().ok());
    let format = args.iter().skip(1).find(|a| a.parse::<u32>().is_err());
    match build(kind, n) {
        Ok(t) => print!(
            "{}",
            match format.map_or("table", String::as_str) {
                "dot" => t.to_dot(),
                "json" => t.to_json(),
                "toml" => t.to_toml(),
                _ => t.to_table(),
            }
        ),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1)
        }
    }
}
