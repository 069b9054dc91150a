//! A home agent's binding lifetime (RFC 5944 §3.8.3): an accepted registration binds the home
//! address for the lifetime it asked for (granted as asked), counted from the request's
//! arrival; a registration before the end renews it, a deregistration ends it, and at the end
//! the agent forgets the binding — the tunnel route, and with it the proxy ARP — so packets
//! for the home address follow its subnet route again.
//!
//! ```text
//!   request(lifetime L) accepted at t ─► expiry event at t + L (cancelling the previous one)
//!   L = 65,535 s: infinity (RFC 5944 §3.3), no event;  L = 0: deregistration, no event
//!   expiry event ─► clear_binding ─► RouterStats::binding_expiries, expired_bindings()
//! ```

use std::net::Ipv4Addr;

use sim_core::{Scheduler, SimTime};

use super::{Event, Network};
use crate::NodeId;
use crate::router::BindingLifetime;
use crate::wire::mip::INFINITE_LIFETIME;

impl Network {
    /// Home agent `ha` (re)bound `home` for `lifetime` seconds from now (0: unbound).
    pub(super) fn binding_lifetime(
        &mut self,
        sched: &mut Scheduler<Event>,
        ha: NodeId,
        home: Ipv4Addr,
        lifetime: u16,
    ) {
        let r = self.router_mut(ha);
        if let Some(i) = r.lifetimes.iter().position(|l| l.home == home) {
            let old = r.lifetimes.swap_remove(i);
            sched.cancel(old.event);
        }
        if lifetime == 0 || lifetime == INFINITE_LIFETIME {
            return;
        }
        let expires = sched.now() + SimTime::from_secs(u64::from(lifetime));
        let event = sched.schedule_cancellable_at(expires, Event::BindingExpiry(ha, home));
        self.router_mut(ha).lifetimes.push(BindingLifetime {
            home,
            expires,
            event,
        });
    }

    /// Home agent `ha`'s binding for `home` reached the end of its lifetime.
    pub(super) fn on_binding_expiry(
        &mut self,
        sched: &mut Scheduler<Event>,
        ha: NodeId,
        home: Ipv4Addr,
    ) {
        let r = self.router_mut(ha);
        let Some(i) = r.lifetimes.iter().position(|l| l.home == home) else {
            return;
        };
        r.lifetimes.swap_remove(i);
        if self.clear_binding(ha, home) {
            let r = self.router_mut(ha);
            r.stats.binding_expiries += 1;
            r.expired.push((home, sched.now()));
        }
    }
}
