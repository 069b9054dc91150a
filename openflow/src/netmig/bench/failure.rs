//! Switch failures on the bench, as the OpenFlow plane makes them ([`crate::plane`]): the
//! controller loses the switch's channel at once, its neighbours' ports go down, and on
//! restore the switch restarts empty, its neighbours' ports come up and it connects again.

use super::Bench;

impl Bench {
    /// Switch `dpid` fails; lets the network settle.
    pub(crate) fn fail(&mut self, dpid: u64) {
        let s = self.switches.remove(&dpid).expect("a running switch");
        let ports = s.ports().len() as u32;
        self.failed.insert(dpid, s);
        self.queue.retain(|(d, _, _)| *d != dpid);
        self.ctl.handle_disconnected(self.now, dpid);
        self.set_neighbours(dpid, ports, false);
        self.pump();
    }

    /// Failed switch `dpid` comes back empty and reconnects; lets the network settle.
    pub(crate) fn restore(&mut self, dpid: u64) {
        let mut s = self.failed.remove(&dpid).expect("a failed switch");
        let ports = s.ports().len() as u32;
        s.restart();
        self.switches.insert(dpid, s);
        self.set_neighbours(dpid, ports, true);
        let now = self.now;
        self.switches
            .get_mut(&dpid)
            .expect("restored")
            .handle_connected(now);
        self.ctl.handle_connected(now, dpid);
        self.pump();
    }

    /// Failed switch `dpid`'s FLOW_MOD counter (kept across its restart).
    pub(crate) fn switches_failed_flow_mods(&self, dpid: u64) -> u64 {
        self.failed[&dpid].counters().flow_mods
    }

    /// The far ends of switch `dpid`'s links go down or up (those of running switches).
    fn set_neighbours(&mut self, dpid: u64, ports: u32, up: bool) {
        let now = self.now;
        for p in 1..=ports {
            if let Some(&(pd, pp)) = self.peers.get(&(dpid, p))
                && let Some(n) = self.switches.get_mut(&pd)
            {
                n.set_port_state(now, pp, up).expect("known port");
            }
        }
    }
}
