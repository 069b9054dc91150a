//! `[controller.vcdn]` as a scenario writes it: the service address and the replica names.
//! The scenario layer resolves the names to addresses and switch ports ([`VcdnReplica`]).
//!
//! [`VcdnReplica`]: super::VcdnReplica

use std::net::Ipv4Addr;

use net_stack::FieldError;
use serde::Deserialize;
use sim_core::SimTime;

/// `[controller.vcdn]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VcdnTable {
    /// `service` (**required**): the virtual address clients ask for; no host may have it.
    pub service: Ipv4Addr,
    /// `replicas` (**required**, not empty): host or VM names, or `{ name, start }` tables.
    #[serde(default)]
    pub replicas: Vec<ReplicaEntry>,
}

/// One entry of `replicas`: a name, or a table with the time it joins the service.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(
    untagged,
    expecting = "a host or VM name, or a table `{ name = \"…\", start = \"…\" }`"
)]
pub enum ReplicaEntry {
    /// `"a_h1"`: serving from the start.
    Name(String),
    /// `{ name = "vm2", start = "4s" }`.
    Table(ReplicaTable),
}

/// `{ name, start }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicaTable {
    /// The host or VM.
    pub name: String,
    /// When it joins the service (sessions that begin earlier never go to it). Default 0.
    #[serde(default)]
    pub start: SimTime,
}

impl ReplicaEntry {
    /// The host or VM name.
    pub fn name(&self) -> &str {
        match self {
            ReplicaEntry::Name(n) => n,
            ReplicaEntry::Table(t) => &t.name,
        }
    }

    /// When it joins the service.
    pub fn start(&self) -> SimTime {
        match self {
            ReplicaEntry::Name(_) => SimTime::ZERO,
            ReplicaEntry::Table(t) => t.start,
        }
    }
}

impl VcdnTable {
    /// What the types cannot say: at least one replica, none listed twice.
    pub fn problems(&self) -> Vec<FieldError> {
        let mut out = Vec::new();
        if self.replicas.is_empty() {
            out.push(
                FieldError::new(
                    "vcdn.replicas",
                    "the `vcdn` app has no replicas: clients of the service would have no server",
                    "no replicas",
                )
                .with_help("list the hosts or VMs that serve it: `replicas = [\"h2\", \"vm1\"]`"),
            );
        }
        for (i, r) in self.replicas.iter().enumerate() {
            if self.replicas[..i].iter().any(|o| o.name() == r.name()) {
                out.push(FieldError::new(
                    "vcdn.replicas",
                    format!("`replicas` lists `{}` twice", r.name()),
                    "listed twice",
                ));
                break;
            }
        }
        out
    }
}
