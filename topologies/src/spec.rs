//! What a topology is made of: node specs (name, role, address) and fully resolved link specs.

use std::fmt;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};
use sim_core::{DataRate, QueueLimit, SimTime};

use crate::TopologyError;

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

/// A link's fully resolved parameters: no defaults left to apply. Each direction of the link has
/// its own output queue of `queue` and its own independent random loss of `loss`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkSpec {
    /// Line rate (bit/s), each direction.
    pub rate: DataRate,
    /// One-way propagation delay.
    pub delay: SimTime,
    /// Drop-tail limit of the output queue at each end.
    pub queue: QueueLimit,
    /// Probability in [0, 1] that a frame is lost, per direction.
    pub loss: f64,
}

impl LinkSpec {
    /// A loss-free link with a queue of 100 packets.
    pub fn new(rate: DataRate, delay: SimTime) -> Self {
        LinkSpec {
            rate,
            delay,
            queue: QueueLimit::default(),
            loss: 0.0,
        }
    }

    /// Checks what the types cannot: `loss` is a finite number in [0, 1]. (`rate` and `queue` are
    /// never zero by construction of [`DataRate`] and [`QueueLimit`].) `what` names the link in
    /// the error, e.g. "the `link` parameters of fat-tree".
    pub fn validate(&self, what: &str) -> Result<(), TopologyError> {
        if (0.0..=1.0).contains(&self.loss) {
            Ok(())
        } else {
            Err(TopologyError::LossOutOfRange {
                at: None,
                what: what.to_string(),
                value: self.loss,
            })
        }
    }
}

impl Default for LinkSpec {
    /// The scenario defaults: 1 Gbps, 1 µs, 100 packets, no loss.
    fn default() -> Self {
        LinkDefaults::default().into()
    }
}

/// The scenario's `[topology] link` table: the parameters every link gets unless a topology file
/// overrides them per link. Keys not given take the defaults 1 Gbps, 1 µs, 100 packets, loss 0.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LinkDefaults {
    /// `rate` (bit/s). Default "1Gbps".
    pub rate: DataRate,
    /// `delay`: one-way propagation delay. Default "1us".
    pub delay: SimTime,
    /// `queue`: drop-tail limit per output queue. Default "100p".
    pub queue: QueueLimit,
    /// `loss`: probability in [0, 1] per direction. Default 0.
    pub loss: f64,
}

impl Default for LinkDefaults {
    fn default() -> Self {
        LinkDefaults {
            rate: DataRate::gbps(1),
            delay: SimTime::from_us(1),
            queue: QueueLimit::Packets(100),
            loss: 0.0,
        }
    }
}

impl From<LinkDefaults> for LinkSpec {
    fn from(d: LinkDefaults) -> Self {
        LinkSpec {
            rate: d.rate,
            delay: d.delay,
            queue: d.queue,
            loss: d.loss,
        }
    }
}

impl From<LinkSpec> for LinkDefaults {
    fn from(l: LinkSpec) -> Self {
        LinkDefaults {
            rate: l.rate,
            delay: l.delay,
            queue: l.queue,
            loss: l.loss,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The link table deserialises with defaults for missing keys and rejects unknown keys.
    #[test]
    fn link_defaults_fill_missing_keys_and_reject_unknown_ones() {
        let d: LinkDefaults = toml::from_str("rate = \"10Gbps\"\nloss = 0.5").expect("valid table");
        assert_eq!(d.rate, DataRate::gbps(10), "rate given");
        assert_eq!(d.delay, SimTime::from_us(1), "delay defaulted");
        assert_eq!(d.queue, QueueLimit::Packets(100), "queue defaulted");
        assert_eq!(d.loss, 0.5, "loss given");
        let e = toml::from_str::<LinkDefaults>("rat = \"1Gbps\"").expect_err("typo");
        assert!(e.to_string().contains("unknown field `rat`"), "{e}");
    }

    /// Loss outside [0, 1] (or NaN) is rejected with the value and the place in the message.
    #[test]
    fn link_spec_validate_rejects_bad_loss() {
        for bad in [-0.1, 1.5, f64::NAN] {
            let l = LinkSpec {
                loss: bad,
                ..LinkSpec::default()
            };
            let e = l.validate("the test link").expect_err("bad loss");
            assert!(e.to_string().contains("the test link"), "{e}");
        }
        assert!(LinkSpec::default().validate("x").is_ok(), "loss 0 is fine");
    }
}
