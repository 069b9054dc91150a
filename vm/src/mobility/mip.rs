//! The destination hypervisor's side of hypervisor-controlled Mobile IP (seed 003 §IV.B,
//! Fig. 3): it registers the VM's care-of address (its own) with the home agent, ends the
//! tunnel for the VM, and sends the VM's packets direct (triangle routing) or back through
//! the tunnel (RFC 3024).
//!
//! ```text
//!   ResumeGuest{vm, on} ──► request(home = VM, HA, care-of = on, D [G] [T]) ─UDP 434─► HA
//!   arrival at `on`: reply from HA:434 ──► registered (code 0), consumed; renewal timer at
//!                    sent + lifetime − margin; unanswered: resent after 1, 2, 4 … s until
//!                    the binding would expire, then the hypervisor gives up (lapsed)
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
    ETHERNET_MTU, INFINITE_LIFETIME, MIP_PORT, MipSecurity, RegistrationReply, RegistrationRequest,
    RequestFlags, clamp_syn_mss, ntp_identification,
};
use net_stack::wire::{L3, L4, Packet, TunnelKind};
use sim_core::SimTime;

/// The default registration lifetime asked for [s]: 1,800 s (30 minutes), within what home
/// agents accept by default (Junos' `registration-lifetime`, the longest lifetime its home
/// agent grants, defaults to 3,600 s) and longer than any bundled run, so the binding is
/// never renewed in one. RFC 5944 §3.3 allows 1–65,534 s; 65,535 is infinity.
pub const DEFAULT_LIFETIME_S: u16 = 1800;

/// The longest default re-registration margin: a renewal is sent this long before the
/// binding expires (Fortinet's Mobile IPv4/NEMO `renew-interval`, "time before lifetime
/// expiration to send re-registration", defaults to 60 s); for lifetimes under 2 minutes the
/// default is half the lifetime.
pub const DEFAULT_MAX_MARGIN: SimTime = SimTime::from_secs(60);

/// The first retransmission timeout of an unanswered request (RFC 5944 §3.6.3: at least
/// twice the round trip to the home agent plus 100 ms; 1 s covers the two-dc WAN's 10 ms
/// with room), doubled after each retransmission up to [`MAX_RETRANSMIT`].
pub const INITIAL_RETRANSMIT: SimTime = SimTime::from_secs(1);

/// The longest retransmission timeout.
pub const MAX_RETRANSMIT: SimTime = SimTime::from_secs(64);

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
    /// The registration lifetime asked for [s] (1–65,535; 65,535 is infinity).
    pub lifetime_s: u16,
    /// Extra bytes of every tunnel packet (seed 003's SSH tunnel), in both directions: the
    /// home agent pads what it tunnels, the hypervisor what it reverse-tunnels.
    pub tunnel_overhead: u16,
    /// How long before the binding expires the hypervisor re-registers; `None`: the smaller
    /// of [`DEFAULT_MAX_MARGIN`] and half the lifetime.
    pub reregister_margin: Option<SimTime>,
}

impl MipSettings {
    /// The re-registration margin in force.
    pub fn margin(&self) -> SimTime {
        self.reregister_margin.unwrap_or_else(|| {
            let half = SimTime::from_ms(500 * u64::from(self.lifetime_s));
            half.min(DEFAULT_MAX_MARGIN)
        })
    }
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
    /// When the first request left (the resume).
    pub requested_at: SimTime,
    /// The latest request's identification, which the reply echoes.
    pub identification: u64,
    /// When the latest request left.
    pub sent_at: SimTime,
    /// Whether the latest request is unanswered.
    pub awaiting: bool,
    /// The retransmission timeout in force.
    pub retransmit_after: SimTime,
    /// When the binding expires as the hypervisor counts it: the accepted request's sending
    /// time plus the granted lifetime (the agent counts from the arrival, a little later);
    /// `None` before the first acceptance and for an infinite lifetime.
    pub expires_at: Option<SimTime>,
    /// Renewals the home agent accepted (registrations after the first).
    pub reregistrations: u64,
    /// Requests sent again because no reply came in time (RFC 5944 §3.6.3).
    pub retransmissions: u64,
    /// The binding ran out before a renewal was accepted: the hypervisor stops trying (the
    /// VM's sessions through the tunnel are lost), at this time.
    pub lapsed_at: Option<SimTime>,
    /// This binding's timer token in the plane.
    pub token: u64,
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
    /// Registers VM `vm` (home address `home`) from host `on`: the request is sent now; the
    /// binding's timers use `token`.
    pub(super) fn register(
        ctx: &mut HostCtx<'_>,
        vm: NodeId,
        on: NodeId,
        settings: MipSettings,
        token: u64,
    ) -> Option<MipBinding> {
        let home = ctx.nodes()[vm.index()].ip?;
        let host_ip = ctx.nodes()[on.index()].ip?;
        // Back on its home subnet, the VM needs no tunnel: deregister (RFC 5944 §3.6.1.1).
        let deregistration = ctx.nodes()[vm.index()]
            .host()
            .and_then(|h| h.subnet())
            .is_some_and(|s| s.net.contains(host_ip));
        let care_of = if deregistration { home } else { host_ip };
        ctx.hook_receive(on, true);
        ctx.hook_send(vm, true);
        let mut b = MipBinding {
            vm,
            home,
            host: on,
            host_ip,
            care_of,
            deregistration,
            current: true,
            settings,
            requested_at: ctx.now(),
            identification: 0,
            sent_at: ctx.now(),
            awaiting: false,
            retransmit_after: INITIAL_RETRANSMIT,
            expires_at: None,
            reregistrations: 0,
            retransmissions: 0,
            lapsed_at: None,
            token,
            registered_at: None,
            reply_code: None,
            tunnel_packets: 0,
            tunnel_bytes: 0,
            mss_clamped: 0,
            over_mtu_packets: 0,
        };
        b.send_request(ctx);
        Some(b)
    }

    /// Sends a (re-)registration request now; for a registration, arms the retransmission
    /// timer (never past the binding's expiry).
    fn send_request(&mut self, ctx: &mut HostCtx<'_>) {
        let identification = ntp_identification(ctx.now());
        let req = RegistrationRequest {
            flags: RequestFlags {
                decapsulation: true,
                gre: matches!(self.settings.tunnel, TunnelKind::Gre { .. }),
                reverse_tunnel: self.settings.reverse_tunnel,
            },
            lifetime: if self.deregistration {
                0
            } else {
                self.settings.lifetime_s
            },
            home_address: self.home,
            home_agent: self.settings.home_agent,
            care_of: self.care_of,
            identification,
        };
        let bytes = req.emit(&MipSecurity::default());
        ctx.send_udp(
            self.host,
            self.settings.home_agent,
            (MIP_PORT, MIP_PORT),
            bytes,
        );
        self.identification = identification;
        self.sent_at = ctx.now();
        self.awaiting = true;
        if !self.deregistration {
            let mut at = ctx.now() + self.retransmit_after;
            if let Some(exp) = self.expires_at {
                at = at.min(exp);
            }
            ctx.set_timer(at, self.token);
        }
    }

    /// The binding's timer: a retransmission, a lapse (no renewal accepted before the
    /// expiry), or the renewal `margin` before the expiry (RFC 5944 §3.6: a mobile node
    /// renews a registration that is due to expire).
    pub(super) fn on_timer(&mut self, ctx: &mut HostCtx<'_>) {
        if !self.current || self.deregistration || self.lapsed_at.is_some() {
            return;
        }
        if !self.awaiting {
            self.retransmit_after = INITIAL_RETRANSMIT;
            self.send_request(ctx);
            return;
        }
        if let Some(exp) = self.expires_at.filter(|&e| ctx.now() >= e) {
            self.lapsed_at = Some(exp);
            self.awaiting = false;
            return;
        }
        self.retransmissions += 1;
        self.retransmit_after = (self.retransmit_after + self.retransmit_after).min(MAX_RETRANSMIT);
        self.send_request(ctx);
    }

    /// The VM moved on: this binding ends nothing and renews nothing any more.
    pub(super) fn supersede(&mut self, ctx: &mut HostCtx<'_>) {
        self.current = false;
        ctx.cancel_timer(self.token);
    }

    /// The tunnel's path MTU: Ethernet's less the tunnel headers and overhead.
    fn tunnel_mtu(&self) -> usize {
        let overhead = match self.settings.tunnel {
            TunnelKind::Gre { key: Some(_) } => 28,
            TunnelKind::Gre { key: None } => 24,
            _ => 20,
        };
        ETHERNET_MTU - overhead - usize::from(self.settings.tunnel_overhead)
    }

    /// A frame at the registered host: the reply (consumed), or a tunnelled packet for the
    /// VM (decapsulated and handed to it).
    pub(super) fn on_receive(&mut self, ctx: &mut HostCtx<'_>, pkt: &mut Packet) -> HostVerdict {
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
            if self.awaiting {
                self.accept(ctx, &reply);
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

    /// The reply to the latest request arrived: registered (or renewed) until the granted
    /// lifetime from the request's sending, with the renewal armed `margin` before (RFC 5944
    /// §3.6.2.2's rule: the lifetime runs from when the request was sent); refused: no retry.
    fn accept(&mut self, ctx: &mut HostCtx<'_>, reply: &RegistrationReply) {
        self.awaiting = false;
        ctx.cancel_timer(self.token);
        if reply.code != 0 {
            return;
        }
        if self.deregistration {
            self.registered_at.get_or_insert(ctx.now());
            return;
        }
        if self.registered_at.is_some() {
            self.reregistrations += 1;
        }
        self.registered_at.get_or_insert(ctx.now());
        if reply.lifetime == INFINITE_LIFETIME {
            self.expires_at = None;
            return;
        }
        let exp = self.sent_at + SimTime::from_secs(u64::from(reply.lifetime));
        self.expires_at = Some(exp);
        let renew = exp.saturating_sub(self.settings.margin()).max(ctx.now());
        ctx.set_timer(renew, self.token);
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
            && (self.settings.tunnel_overhead == 0
                || pkt
                    .set_tunnel_trailer(self.settings.tunnel_overhead)
                    .is_ok())
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
