//! The topology file loader (`topologies::from_toml_str`, what `[topology] kind = "file"` reads):
//! any text must end in a topology or an error that names the file, never a panic. A topology
//! that loads must round-trip: its `to_toml` (what `netsim topo --format toml` prints) loads back
//! to a topology with the same `to_toml`.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use net_stack::LinkConfig;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let path = Path::new("fuzz-topology.toml");
    let defaults = LinkConfig::default();
    match topologies::from_toml_str(&text, path, &defaults) {
        Ok(topo) => {
            let written = topo.to_toml();
            let again = topologies::from_toml_str(&written, path, &defaults)
                .unwrap_or_else(|e| panic!("to_toml output does not load: {e}\n{written}"));
            assert_eq!(again.to_toml(), written, "to_toml round-trips");
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                message.contains("fuzz-topology.toml"),
                "the error names the file: {message}"
            );
        }
    }
});
