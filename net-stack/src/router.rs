//! The state of a router of a routed network ([`crate::node::NodeKind::LpmRouter`]): its
//! interfaces (the subnets it is the gateway of), its longest-prefix-match table
//! ([`crate::routing::lpm`]), its ARP cache, and its counters. What it does with packets is
//! in `network/router.rs`.
//!
//! ```text
//!   host 10.1.0.1/24 ──(ARP: who has 10.1.0.254?)──► [port 0: 10.1.0.254/24]  LpmRouter
//!                                                     [port 1: unnumbered]──► next router
//! ```
//!
//! * **Interfaces.** A port with an interface has an address and prefix on the subnet behind
//!   it; the router answers ARP requests for that address, resolves destinations on the
//!   subnet by ARP (RFC 826), and uses the shared gateway MAC address [`GATEWAY_MAC`] there
//!   (VRRP's virtual router MAC, RFC 5798 §7.3, as an anycast gateway: a VM that moved keeps
//!   the gateway MAC it learned). Ports without one are unnumbered point-to-point links to
//!   other routers (RFC 1812 §2.2.7), where the next hop is the link's peer and no ARP runs.
//! * **Proxy ARP** (RFC 1027), per interface: the router also answers a request for an
//!   address it routes out of another port (or into a tunnel): how a home agent attracts the
//!   packets for a mobile node that is away (RFC 5944 §4.6), and how a VM that moved to
//!   another subnet still reaches a gateway for its own.

use std::net::Ipv4Addr;

use crate::arp::{ArpCache, ArpConfig};
use crate::routing::lpm::{Ipv4Net, LpmTable};
use crate::wire::MacAddr;

/// The gateway MAC address of every router interface: 00:00:5e:00:01:01, VRRP's virtual
/// router MAC for router 1 (RFC 5798 §7.3), shared by all routers as an anycast gateway.
pub const GATEWAY_MAC: MacAddr = MacAddr([0x00, 0x00, 0x5e, 0x00, 0x01, 0x01]);

/// A router's interface on a subnet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interface {
    /// The port the subnet is behind.
    pub port: u16,
    /// The router's address on the subnet, with the subnet's prefix length.
    pub net: Ipv4Net,
    /// Whether the router answers ARP for addresses it routes elsewhere (RFC 1027).
    pub proxy_arp: bool,
}

/// A host's (or VM's) subnet and default gateway in a routed network: destinations inside
/// the subnet are resolved by ARP directly, all others through the gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostSubnet {
    /// The subnet (the host's address and prefix length).
    pub net: Ipv4Net,
    /// The default gateway's address (a router interface on the subnet).
    pub gateway: Ipv4Addr,
}

/// Counters of one router.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RouterStats {
    /// Packets forwarded (every packet sent on, tunnelled ones included).
    pub forwarded: u64,
    /// Packets a mobility binding encapsulated (home agent to care-of address).
    pub tunnelled_packets: u64,
    /// Frame bytes of those packets after encapsulation.
    pub tunnelled_bytes: u64,
    /// Tunnelled packets addressed to the router that it decapsulated and forwarded (reverse
    /// tunnelling, RFC 3024).
    pub decapsulated_packets: u64,
    /// ARP requests answered for another address (proxy ARP).
    pub proxy_arp_replies: u64,
    /// Mobile IP registration requests a home agent accepted.
    pub registrations: u64,
    /// Deregistrations (lifetime 0, RFC 5944 §3.8.3.2) a home agent accepted.
    pub deregistrations: u64,
    /// TCP SYNs whose MSS option a home agent clamped at the tunnel entry.
    pub mss_clamped: u64,
    /// Bindings a home agent removed because their lifetime ran out (RFC 5944 §3.8.3).
    pub binding_expiries: u64,
}

/// When a home agent's binding for a home address expires, and the event that will remove it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BindingLifetime {
    pub home: Ipv4Addr,
    pub expires: sim_core::SimTime,
    pub event: sim_core::EventId,
}

/// A router's Mobile IP home agent role (RFC 5944 §3.8): its address (one of its interface
/// addresses, or a loopback address the other routers learn a /32 for), the security
/// association it checks registrations with, and whether it clamps the MSS of TCP SYNs it
/// tunnels (Linux's `TCPMSS --clamp-mss-to-pmtu` on the tunnel).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HomeAgent {
    /// The home agent address registrations are sent to and tunnels start from.
    pub address: Ipv4Addr,
    /// The mobility security association.
    pub security: crate::wire::mip::MipSecurity,
    /// Clamp the MSS option of tunnelled SYNs to the tunnel's path MTU.
    pub clamp_mss: bool,
    /// Extra bytes of every packet it tunnels (a [`crate::wire::Trailer`]): seed 003's SSH
    /// tunnel's per-packet overhead; 0 for plain IP-in-IP or GRE.
    pub tunnel_overhead: u16,
}

/// A router of a routed network; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct LpmRouter {
    pub(crate) interfaces: Vec<Interface>,
    pub(crate) table: LpmTable,
    /// One ARP cache per interface, in the order of `interfaces` (a neighbour table is kept
    /// per interface, as Linux keys it by device and address).
    pub(crate) arp: Vec<ArpCache>,
    pub(crate) arp_config: ArpConfig,
    pub(crate) stats: RouterStats,
    /// The home agent role, if the router has one.
    pub(crate) home_agent: Option<HomeAgent>,
    /// The finite lifetimes of the agent's bindings (a binding of lifetime 65,535 s has
    /// none: infinity, RFC 5944 §3.3).
    pub(crate) lifetimes: Vec<BindingLifetime>,
    /// Bindings that expired: (home address, when), in order.
    pub(crate) expired: Vec<(Ipv4Addr, sim_core::SimTime)>,
}

impl LpmRouter {
    /// A router with no interfaces and an empty table.
    pub fn new(arp: ArpConfig) -> Self {
        LpmRouter {
            interfaces: Vec::new(),
            table: LpmTable::default(),
            arp: Vec::new(),
            arp_config: arp,
            stats: RouterStats::default(),
            home_agent: None,
            lifetimes: Vec::new(),
            expired: Vec::new(),
        }
    }

    /// The interfaces, in the order they were added.
    pub fn interfaces(&self) -> &[Interface] {
        &self.interfaces
    }

    /// The interface on `port`, if the port has one.
    #[inline]
    pub fn interface(&self, port: u16) -> Option<&Interface> {
        self.interfaces.iter().find(|i| i.port == port)
    }

    /// Adds an interface with an empty ARP cache.
    pub(crate) fn add_interface(&mut self, iface: Interface) {
        self.interfaces.push(iface);
        self.arp.push(ArpCache::new(self.arp_config));
    }

    /// Replaces the ARP configuration of every interface (empty caches).
    pub(crate) fn set_arp_config(&mut self, cfg: ArpConfig) {
        self.arp_config = cfg;
        self.arp = vec![ArpCache::new(cfg); self.interfaces.len()];
    }

    /// The ARP cache of the interface on `port`, mutably.
    pub(crate) fn arp_mut(&mut self, port: u16) -> Option<&mut ArpCache> {
        let i = self.interfaces.iter().position(|i| i.port == port)?;
        Some(&mut self.arp[i])
    }

    /// Whether `ip` is one of the router's own addresses.
    pub fn owns(&self, ip: Ipv4Addr) -> bool {
        self.interfaces.iter().any(|i| i.net.addr == ip)
            || self.home_agent.is_some_and(|h| h.address == ip)
    }

    /// The home agent role, if any.
    pub fn home_agent(&self) -> Option<&HomeAgent> {
        self.home_agent.as_ref()
    }

    /// The home agent's address when it is not one of the interfaces' (a loopback address).
    pub(crate) fn loopback(&self) -> Option<Ipv4Addr> {
        let h = self.home_agent?;
        (!self.interfaces.iter().any(|i| i.net.addr == h.address)).then_some(h.address)
    }

    /// When the home agent's binding for `home` expires, if it has one with a finite lifetime.
    pub fn binding_expires(&self, home: Ipv4Addr) -> Option<sim_core::SimTime> {
        self.lifetimes
            .iter()
            .find(|l| l.home == home)
            .map(|l| l.expires)
    }

    /// The home agent's bindings that expired: (home address, when), in order.
    pub fn expired_bindings(&self) -> &[(Ipv4Addr, sim_core::SimTime)] {
        &self.expired
    }

    /// The forwarding table.
    pub fn table(&self) -> &LpmTable {
        &self.table
    }

    /// The ARP cache of the interface on `port`.
    pub fn arp(&self, port: u16) -> Option<&ArpCache> {
        let i = self.interfaces.iter().position(|i| i.port == port)?;
        Some(&self.arp[i])
    }

    /// The counters.
    pub fn stats(&self) -> RouterStats {
        self.stats
    }

    /// The router's first interface address: its identity (a home agent's address).
    pub fn address(&self) -> Option<Ipv4Addr> {
        self.interfaces.first().map(|i| i.net.addr)
    }
}
