//! Switch failures: a forwarding node (an OpenFlow switch or a router) that fails forwards
//! nothing until it comes back. Built on the link-down path: the failure takes every link of
//! the node that is up down (frames queued, serialising or on those wires are lost, frames
//! sent to them later are refused, static routes move to the surviving links, plane switches
//! at the far ends see their ports go down), and tells the plane first, so that the failed
//! switch itself reports nothing ([`crate::plane::SwitchPlane::on_switch_state`]). When the
//! node comes back, the links the failure took down come back up, then the plane restarts
//! the switch. Every frame lost on those links while the node was down counts as a drop of
//! the failure ([`SwitchFailure::drops`]).

use sim_core::{Scheduler, SimTime};

use super::{Event, Network};
use crate::{LinkId, NodeId};

/// One failure of a forwarding node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwitchFailure {
    /// The node that failed.
    pub node: NodeId,
    /// When it failed.
    pub down_at: SimTime,
    /// When it came back (`None`: still down).
    pub up_at: Option<SimTime>,
    /// The links the failure took down (a link already down stays as it was, and is not
    /// brought up by the recovery).
    pub links: Vec<LinkId>,
    /// Frames lost on those links from the failure to the recovery (or to now): those
    /// queued or in flight when it failed and those sent towards it while it was down.
    pub drops: u64,
    /// The links' down-drop counters when it failed.
    base: u64,
}

impl Network {
    /// Fails (`up = false`) or restores node `node` now; see the [module docs](self). A
    /// failure of a node already down, or a recovery of one that is up, does nothing.
    pub fn set_switch_state(&mut self, sched: &mut Scheduler<Event>, node: NodeId, up: bool) {
        let open = self
            .failures
            .iter()
            .rposition(|f| f.node == node && f.up_at.is_none());
        let is_plane_switch = self.nodes[node.index()].is_switch();
        match (up, open) {
            (false, None) => {
                if is_plane_switch {
                    self.with_plane(sched, |p, ctx| p.on_switch_state(ctx, node, false));
                }
                let mut links: Vec<LinkId> = self.nodes[node.index()]
                    .devices
                    .iter()
                    .map(|d| &self.devices[d.index()])
                    .filter(|d| d.up)
                    .map(|d| d.link)
                    .collect();
                links.dedup();
                let base = self.down_drops_on(&links);
                for &l in &links {
                    self.set_link_state(sched, l, false);
                }
                self.failures.push(SwitchFailure {
                    node,
                    down_at: sched.now(),
                    up_at: None,
                    links,
                    drops: 0,
                    base,
                });
            }
            (true, Some(i)) => {
                let drops = self.down_drops_on(&self.failures[i].links) - self.failures[i].base;
                let f = &mut self.failures[i];
                f.drops = drops;
                f.up_at = Some(sched.now());
                for l in f.links.clone() {
                    self.set_link_state(sched, l, true);
                }
                if is_plane_switch {
                    self.with_plane(sched, |p, ctx| p.on_switch_state(ctx, node, true));
                }
            }
            _ => {}
        }
    }

    /// Every switch failure so far, in the order they happened; the drops of one still open
    /// are counted up to now.
    pub fn switch_failures(&self) -> Vec<SwitchFailure> {
        let mut all = self.failures.clone();
        for f in all.iter_mut().filter(|f| f.up_at.is_none()) {
            f.drops = self.down_drops_on(&f.links) - f.base;
        }
        all
    }

    /// Whether `node` is down now (failed and not restored).
    pub fn switch_is_down(&self, node: NodeId) -> bool {
        self.failures
            .iter()
            .any(|f| f.node == node && f.up_at.is_none())
    }

    /// The down drops of both directions of `links`.
    fn down_drops_on(&self, links: &[LinkId]) -> u64 {
        self.devices
            .iter()
            .filter(|d| links.contains(&d.link))
            .map(|d| d.wire.down_drops)
            .sum()
    }
}
