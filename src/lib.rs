//! # netsim — scenario files, composition, the command line, and results
//!
//! The root package of the workspace: it reads a scenario file ([`scenario`]), builds the
//! simulation from the crates below ([`build`], [`topology`]), runs it ([`run`]) and writes the
//! results directory ([`summary`]) with its plots ([`plot`]); [`sweep`] runs one scenario over
//! many parameter values and seeds in parallel; [`bench`] times whole scenarios, one process
//! per run, for `netsim bench`.
//!
//! ```text
//! sim-core  <-  net-stack  <-  openflow    <-  netsim (this package: scenario → build → run → results)
//!                 ^  ^------  vm          <-
//!                 +---------  topologies  <-
//! ```
#![warn(missing_docs)]

pub mod bench;
pub mod build;
pub mod console;
pub mod estimate;
pub mod examples;
pub mod fct;
pub mod limits;
pub mod migrate;
pub mod netmig;
pub mod new_mac;
pub mod output;
pub mod plot;
pub mod probe;
pub mod routed;
pub mod routed_mip;
pub mod run;
pub mod scenario;
pub mod sdn;
pub mod stream;
pub mod summary;
pub mod sweep;
pub mod topology;
pub mod vcdn;

/// This build's version: the package version and, when built from a git checkout, the commit,
/// as `0.1.0 (242d867)` (see `build.rs`). `netsim --version` prints it and `summary.json`
/// records it as `netsim_version`.
pub const VERSION: &str = env!("NETSIM_VERSION");
