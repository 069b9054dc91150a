//! The twin map: which new switch is each old switch's counterpart, where the tunnel switch
//! sits, and the host positions that VMs move between (seed 001 Fig. 2(a), Fig. 5).

use std::collections::BTreeSet;

use crate::controller::{SwitchInfo, SwitchLink, Topology};

/// One end of a host position: a switch and its host-facing port.
pub type PortRef = (u64, u32);

/// A place a host (VM) can be: a port of an old switch and the same place in the new
/// network. A migrated host leaves `old` and reappears at `new` with the same MAC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// The old network's switch and port.
    pub old: PortRef,
    /// The new network's switch and port.
    pub new: PortRef,
}

/// How an edge switch of either network reaches the tunnel switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TunnelPort {
    /// The edge switch.
    pub dpid: u64,
    /// Its port to the tunnel switch.
    pub port: u32,
    /// The tunnel switch's port to it.
    pub ts_port: u32,
}

/// The two networks and the inter-network data link; see the [module docs](self).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TwinMap {
    /// (old dpid, new dpid) for every switch of the network being migrated, by old dpid.
    pub pairs: Vec<(u64, u64)>,
    /// The tunnel switch joining the networks.
    pub tunnel_switch: u64,
    /// Every edge switch's link to the tunnel switch (both networks).
    pub tunnel_ports: Vec<TunnelPort>,
    /// The host positions, in order (position i's tunnel tags are derived from i).
    pub positions: Vec<Position>,
}

/// Why a [`TwinMap`] cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TwinError {
    /// Two old switches map to one new switch, or one switch is in both networks.
    #[error("the switch mapping is not a bijection: switch {0:#x} appears twice")]
    NotBijection(u64),
    /// A position's switches are not counterparts.
    #[error("position {0}: its old switch {1:#x} does not map to its new switch {2:#x}")]
    PositionMismatch(usize, u64, u64),
    /// A position's switch has no link to the tunnel switch.
    #[error("switch {0:#x} hosts a position but has no link to the tunnel switch")]
    NoTunnel(u64),
    /// Too many positions for the 12-bit VLAN id space.
    #[error("{0} host positions: at most 1000 fit the VLAN id space")]
    TooManyPositions(usize),
}

/// First VLAN id the tunnels use; position i uses `TAG_BASE + 3i … TAG_BASE + 3i + 2`.
pub const TAG_BASE: u16 = 100;

/// What a tunnel tag tells the tunnel switch and the receiving edge switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tag {
    /// Deliver to position i's host port on the old side.
    DeliverOld(usize),
    /// Deliver to position i's host port on the new side.
    DeliverNew(usize),
    /// Tunnel ASAP's first hop: a packet from the migrated host at position i enters the old
    /// network as if it had arrived on the position's old port.
    EnterOld(usize),
}

impl Tag {
    /// The VLAN id (without OFPVID_PRESENT).
    pub fn vid(self) -> u16 {
        let (i, k) = match self {
            Tag::DeliverOld(i) => (i, 0),
            Tag::DeliverNew(i) => (i, 1),
            Tag::EnterOld(i) => (i, 2),
        };
        TAG_BASE + 3 * i as u16 + k
    }

    /// The tag with VLAN id `vid`, if the tunnels use it.
    pub fn of_vid(vid: u16) -> Option<Tag> {
        let off = vid.checked_sub(TAG_BASE)?;
        let i = usize::from(off / 3);
        Some(match off % 3 {
            0 => Tag::DeliverOld(i),
            1 => Tag::DeliverNew(i),
            _ => Tag::EnterOld(i),
        })
    }
}

impl TwinMap {
    /// Checks the map: a bijection between disjoint switch sets, positions on counterpart
    /// switches that reach the tunnel switch, and VLAN ids to spare.
    pub fn validate(&self) -> Result<(), TwinError> {
        let mut seen = BTreeSet::new();
        for &(o, n) in &self.pairs {
            for d in [o, n] {
                if !seen.insert(d) {
                    return Err(TwinError::NotBijection(d));
                }
            }
        }
        if self.positions.len() > 1000 {
            return Err(TwinError::TooManyPositions(self.positions.len()));
        }
        for (i, p) in self.positions.iter().enumerate() {
            if self.new_of(p.old.0) != Some(p.new.0) {
                return Err(TwinError::PositionMismatch(i, p.old.0, p.new.0));
            }
            for d in [p.old.0, p.new.0] {
                if self.tunnel_port(d).is_none() {
                    return Err(TwinError::NoTunnel(d));
                }
            }
        }
        Ok(())
    }

    /// The new counterpart of old switch `old`.
    pub fn new_of(&self, old: u64) -> Option<u64> {
        self.pairs.iter().find(|p| p.0 == old).map(|p| p.1)
    }

    /// The old switch whose counterpart is `new`.
    pub fn old_of(&self, new: u64) -> Option<u64> {
        self.pairs.iter().find(|p| p.1 == new).map(|p| p.0)
    }

    /// The virtual switch `dpid` stands for (itself when old, its counterpart when new), and
    /// whether it is in the new network; `None` for the tunnel switch and strangers.
    pub fn virtual_of(&self, dpid: u64) -> Option<(u64, bool)> {
        if self.new_of(dpid).is_some() {
            Some((dpid, false))
        } else {
            self.old_of(dpid).map(|o| (o, true))
        }
    }

    /// `dpid`'s link to the tunnel switch.
    pub fn tunnel_port(&self, dpid: u64) -> Option<TunnelPort> {
        self.tunnel_ports.iter().copied().find(|t| t.dpid == dpid)
    }

    /// The position at old switch `vdpid`'s port `port`, if one is there.
    pub fn position_at(&self, vdpid: u64, port: u32) -> Option<usize> {
        self.positions.iter().position(|p| p.old == (vdpid, port))
    }

    /// The network the apps see: the old switches and the links among them, from the full
    /// controller topology `full`. A tunnel port that is its switch's last port (as the
    /// twin builders number them) is hidden: the switch has one port fewer.
    pub fn virtual_topology(&self, full: &Topology) -> Topology {
        let old: BTreeSet<u64> = self.pairs.iter().map(|p| p.0).collect();
        let switches: Vec<SwitchInfo> = full
            .switches
            .iter()
            .filter(|s| old.contains(&s.dpid))
            .map(|s| {
                let mut s = s.clone();
                if self
                    .tunnel_port(s.dpid)
                    .is_some_and(|t| t.port == s.n_ports)
                {
                    s.n_ports -= 1;
                }
                s
            })
            .collect();
        let links: Vec<SwitchLink> = full
            .links
            .iter()
            .filter(|l| old.contains(&l.a.0) && old.contains(&l.b.0))
            .copied()
            .collect();
        Topology { switches, links }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> TwinMap {
        TwinMap {
            pairs: vec![(1, 5), (2, 6)],
            tunnel_switch: 9,
            tunnel_ports: vec![
                TunnelPort {
                    dpid: 1,
                    port: 4,
                    ts_port: 1,
                },
                TunnelPort {
                    dpid: 5,
                    port: 4,
                    ts_port: 2,
                },
            ],
            positions: vec![Position {
                old: (1, 1),
                new: (5, 1),
            }],
        }
    }

    /// Every tag round-trips through its VLAN id, and ids of different tags differ.
    #[test]
    fn tags_round_trip() {
        let mut vids = BTreeSet::new();
        for i in 0..1000 {
            for t in [Tag::DeliverOld(i), Tag::DeliverNew(i), Tag::EnterOld(i)] {
                assert_eq!(Tag::of_vid(t.vid()), Some(t), "round trip {t:?}");
                assert!(t.vid() < 4095, "fits 12 bits");
                assert!(vids.insert(t.vid()), "unique {t:?}");
            }
        }
        assert_eq!(Tag::of_vid(99), None, "below the base");
    }

    /// The checks name what is wrong: a switch mapped twice, a position across
    /// non-counterparts, a position switch without a tunnel link.
    #[test]
    fn validation() {
        assert_eq!(map().validate(), Ok(()));
        let mut m = map();
        m.pairs.push((3, 5));
        assert_eq!(m.validate(), Err(TwinError::NotBijection(5)), "5 twice");
        let mut m = map();
        m.positions[0].new = (6, 1);
        assert_eq!(m.validate(), Err(TwinError::PositionMismatch(0, 1, 6)));
        let mut m = map();
        m.tunnel_ports.pop();
        assert_eq!(m.validate(), Err(TwinError::NoTunnel(5)));
        assert_eq!(map().virtual_of(6), Some((2, true)), "new → old");
        assert_eq!(map().virtual_of(9), None, "tunnel switch hidden");
    }
}
