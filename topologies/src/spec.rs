//! What a topology is made of: node specs (name, role, address). Links carry
//! [`net_stack::LinkConfig`], the one link type.

use std::fmt;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

/// The layer a switch sits in. Only descriptive: it drives labels, tables and tests, and lets a
/// controller app tell uplinks from downlinks; forwarding never depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tier {
    /// Hosts attach here (fat-tree edge / top-of-rack; also the host-facing switches of the
    /// dumbbell, star, linear and test-bed topologies).
    Edge,
    /// Fat-tree aggregation (pod) switch.
    Aggregation,
    /// Fat-tree core switch, or the upper switches of the `qin2017` test bed.
    Core,
    /// Leaf of a leaf-spine fabric (hosts attach here).
    Leaf,
    /// Spine of a leaf-spine fabric.
    Spine,
    /// Anything else (the `arora2013` middle and tunnel switches, file switches by default).
    Other,
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tier::Edge => "edge",
            Tier::Aggregation => "aggregation",
            Tier::Core => "core",
            Tier::Leaf => "leaf",
            Tier::Spine => "spine",
            Tier::Other => "other",
        })
    }
}

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// An end host: runs sockets, applications and VMs. Always has an address.
    Host,
    /// A switch (an OpenFlow switch under a controller, or a static-routing forwarder).
    Switch {
        /// Its layer.
        tier: Tier,
    },
}

impl Role {
    /// `true` for [`Role::Host`].
    pub fn is_host(self) -> bool {
        matches!(self, Role::Host)
    }
    /// The switch tier, `None` for a host.
    pub fn tier(self) -> Option<Tier> {
        match self {
            Role::Host => None,
            Role::Switch { tier } => Some(tier),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Role::Host => f.write_str("host"),
            Role::Switch { .. } => f.write_str("switch"),
        }
    }
}

/// A node of a topology graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
    /// Stable, documented name (`h0`, `e3`, `spine1`, …): what scenarios, pcap file names and
    /// `summary.json` use. Never contains `-` (link names are `a-b`) or whitespace.
    pub name: String,
    /// Host or switch (with its tier).
    pub role: Role,
    /// IPv4 address. Always `Some` for hosts; `Some` for switches only where the topology's
    /// addressing plan gives them one (fat-tree pod and core switches, per Al-Fares).
    pub ip: Option<Ipv4Addr>,
}

/// Checks a builder's link parameters with [`net_stack::LinkConfig::validate`]; `what` names
/// the link in the error, e.g. "fat-tree: the `link` parameters".
pub(crate) fn check_link(
    link: &net_stack::LinkConfig,
    what: &str,
) -> Result<(), crate::TopologyError> {
    link.validate()
        .map_err(|error| crate::TopologyError::BadLink {
            at: None,
            what: what.to_string(),
            error: Box::new(error),
        })
}
