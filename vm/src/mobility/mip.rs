//! The destination hypervisor's side of hypervisor-controlled Mobile IP (seed 003 §IV.B,
//! Fig. 3): it registers the VM's care-of address (its own) with the home agent, ends the
//! tunnel for the VM, and sends the VM's packets direct (triangle routing) or back through
//! the tunnel (RFC 3024).
//!
//! ```text
//!   ResumeGuest{vm, on} ──► request(home = VM, HA, care-of = on, D [G] [T]) ─UDP 434─► HA
//!   arrival at `on`: reply from HA:434 ──► registered (code 0), consumed
//!                    outer dst = on, inner dst = VM ──► decapsulate ─► Deliver(VM)
//!   VM sends: SYN ──► MSS clamped to the tunnel's MTU (the answers come tunnelled)
//!             reverse tunnelling, once registered ──► encapsulate(on ─► HA)
//! ```
//!
//! The hypervisor acts as the mobile node with a co-located care-of address (RFC 5944 §1.6,
//! D flag): it decapsulates itself, so no foreign agent is involved.

use std::net::Ipv4Addr;

use net_stack::NodeId;
use net_stack::host_plane::{HostCtx, HostDrop, HostVerdict};
use net_stack::wire::mip::{
    ETHERNET_MTU, MIP_PORT, MipSecurity, RegistrationReply, RegistrationRequest, RequestFlags,
    clamp_syn_mss, ntp_identification,
};
use net_stack::wire::{L3, L4, Packet, TunnelKind};
use sim_core::SimTime;

/// The registration lifetime asked for [s]: longer than any run, so the binding never
/// expires during one (RFC 5944 §3.3 allows up to 65,534 s).
pub const LIFETIME_S: u16 = 1800;

/// `[[migration]] tunnel` of `mobility = "mip"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MipTunnel {
    /// `"ipip"`: IP in IP (RFC 2003), 20 bytes per packet.
    #[default]
    Ipip,
    /// `"gre"`: GRE (RFC 2784), 24 bytes per packet.
    Gre,
}

impl MipTunnel {
    /// The encapsulation.
    pub fn kind(self) -> TunnelKind {
        match self {
            MipTunnel::Ipip => TunnelKind::IpIp,
            MipTunnel::Gre => TunnelKind::Gre { key: None },
        }
    }
}

/// `[[migration]]` settings of `mobility = "mip"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MipSettings {
    /// The home agent's address.
    pub home_agent: Ipv4Addr,
    /// IP-in-IP (RFC 2003) or GRE (RFC 2784).
    pub tunnel: TunnelKind,
    /// Replies through the tunnel (RFC 3024) instead of direct (triangle routing).
    pub reverse_tunnel: bool,
    /// The hypervisor clamps the MSS of the VM's SYNs to the tunnel's path MTU.
    pub clamp_mss: bool,
}

/// One registration of a VM and its tunnel's traffic at the hypervisor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MipBinding {
    /// The VM.
    pub vm: NodeId,
    /// The VM's home address.
    pub home: Ipv4Addr,
    /// The host it registered from (the care-of address is that host's).
    pub host: NodeId,
    /// The host's own address (where the reply comes to).
    pub host_ip: Ipv4Addr,
    /// The care-of address: the host's, or for a deregistration the home address (RFC 5944
    /// §3.6.1.1: a mobile node back home deregisters with care-of = home, lifetime 0).
    pub care_of: Ipv4Addr,
    /// A deregistration (lifetime 0): the VM returned to its home subnet (RFC 5944 §3.8.3.2).
    /// It tunnels nothing.
    pub deregistration: bool,
    /// Whether this is the VM's latest registration; an older one ends nothing and sends
    /// nothing through its tunnel any more.
    pub current: bool,
    /// The settings.
    pub settings: MipSettings,
    /// When the request left (the resume).
    pub requested_at: SimTime,
    /// The request's identification, which the reply echoes.
    pub identification: u64,
    /// When an accepting reply arrived.
    pub registered_at: Option<SimTime>,
    /// The reply's code, once one arrived.
    pub reply_code: Option<u8>,
    /// Packets that came through the tunnel to the VM, and (reverse tunnelling) went back.
    pub tunnel_packets: u64,
    /// Their frame bytes with the tunnel headers.
    pub tunnel_bytes: u64,
    /// SYNs of the VM whose MSS the hypervisor clamped.
    pub mss_clamped: u64,
    /// Tunnel packets whose outer IPv4 packet exceeds Ethernet's 1,500 bytes: segments of
    /// connections whose MSS was agreed before the tunnel existed. netsim's links carry
    /// them (it models no MTU and so no PMTUD, RFC 1191); this counts what a 1,500-byte path
    /// would have refused.
    pub over_mtu_packets: u64,
}

impl MipBinding {
    /// Registers VM `vm` (home address `home`) from host `on`: the request is sent now.
    pub(super) fn register(
        ctx: &mut HostCtx<'_>,
        vm: NodeId,
        on: NodeId,
        settings: MipSettings,
    ) -> Option<MipBinding> {
        let home = ctx.nodes()[vm.index()].ip?;
        let host_ip = ctx.nodes()[on.index()].ip?;
        // Back on its home subnet, the VM needs no tunnel: deregister (RFC 5944 §3.6.1.1).
        let deregistration = ctx.nodes()[vm.index()]
            .host()
            .and_then(|h| h.subnet())
            .is_some_and(|s| s.net.contains(host_ip));
        let care_of = if deregistration { home } else { host_ip };
        let identification = ntp_identification(ctx.now());
        let req = RegistrationRequest {
            flags: RequestFlags {
                decapsulation: true,
                gre: matches!(settings.tunnel, TunnelKind::Gre { .. }),
                reverse_tunnel: settings.reverse_tunnel,
            },
            lifetime: if deregistration { 0 } else { LIFETIME_S },
            home_address: home,
            home_agent: settings.home_agent,
            care_of,
            identification,
        };
        let bytes = req.emit(&MipSecurity::default());
        ctx.send_udp(on, settings.home_agent, (MIP_PORT, MIP_PORT), bytes);
        ctx.hook_receive(on, true);
        ctx.hook_send(vm, true);
        Some(MipBinding {
            vm,
            home,
            host: on,
            host_ip,
            care_of,
            deregistration,
            current: true,
            settings,
            requested_at: ctx.now(),
            identification,
            registered_at: None,
            reply_code: None,
            tunnel_packets: 0,
            tunnel_bytes: 0,
            mss_clamped: 0,
            over_mtu_packets: 0,
        })
    }

    /// The tunnel's path MTU: Ethernet's less the tunnel headers.
    fn tunnel_mtu(&self) -> usize {
        let overhead = match self.settings.tunnel {
            TunnelKind::Gre { key: Some(_) } => 28,
            TunnelKind::Gre { key: None } => 24,
            _ => 20,
        };
        ETHERNET_MTU - overhead
    }

    /// A frame at the registered host: the reply (consumed), or a tunnelled packet for the
    /// VM (decapsulated and handed to it).
    pub(super) fn on_receive(&mut self, ctx: &HostCtx<'_>, pkt: &mut Packet) -> HostVerdict {
        if let (None, L4::Udp(u), L3::Ipv4(ip)) = (pkt.encap, pkt.l4, pkt.l3)
            && u.src_port == MIP_PORT
            && ip.dst == self.host_ip
            && ip.src == self.settings.home_agent
        {
            let reply = ctx
                .payload(pkt)
                .and_then(|b| RegistrationReply::parse(b, &MipSecurity::default()).ok());
            let Some(reply) = reply.filter(|r| r.identification == self.identification) else {
                return HostVerdict::Pass;
            };
            self.reply_code = Some(reply.code);
            if reply.code == 0 {
                self.registered_at.get_or_insert(ctx.now());
            }
            return HostVerdict::Drop(HostDrop::Consumed);
        }
        let Some(e) = pkt.encap else {
            return HostVerdict::Pass;
        };
        if !self.current
            || self.deregistration
            || e.outer.dst != self.care_of
            || pkt.ipv4().is_none_or(|ip| ip.dst != self.home)
        {
            return HostVerdict::Pass;
        }
        self.count(pkt);
        pkt.decapsulate();
        let guest = ctx.nodes()[self.vm.index()].host().and_then(|h| h.guest());
        pkt.eth.dst = guest.expect("a VM").mac;
        HostVerdict::Deliver(self.vm)
    }

    /// The VM sends: clamp a SYN's MSS; reverse-tunnel once registered.
    pub(super) fn on_send(&mut self, pkt: &mut Packet) -> HostVerdict {
        if self.deregistration {
            return HostVerdict::Pass;
        }
        if self.settings.clamp_mss && clamp_syn_mss(pkt, self.tunnel_mtu()) {
            self.mss_clamped += 1;
        }
        if self.settings.reverse_tunnel
            && self.registered_at.is_some()
            && pkt
                .encapsulate(self.settings.tunnel, self.care_of, self.settings.home_agent)
                .is_ok()
        {
            self.count(pkt);
        }
        HostVerdict::Pass
    }

    /// Counts a tunnel packet (encapsulated).
    fn count(&mut self, pkt: &Packet) {
        let frame = pkt.frame_len();
        self.tunnel_packets += 1;
        self.tunnel_bytes += frame as u64;
        if frame - pkt.eth.header_len() > ETHERNET_MTU {
            self.over_mtu_packets += 1;
        }
    }
}
