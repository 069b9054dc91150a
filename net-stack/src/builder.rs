//! Assembling a [`Network`]: nodes, links, applications, traces; then static routes.

use std::net::Ipv4Addr;
use std::path::Path;

use sim_core::{RngStreams, SimTime};
use thiserror::Error;

use crate::LinkConfig;
use crate::app::Application;
use crate::arp::{ArpCache, ArpConfig};
use crate::device::{Device, Role, TapSlot, WireStats};
use crate::host_plane::{HostPlane, HostPlanes, MAX_HOST_PLANES};
use crate::network::{AppSlot, Network, Parts};
use crate::node::{Guest, Host, Node, NodeKind};
use crate::pcap::PcapTap;
use crate::plane::SwitchPlane;
use crate::queue::Queue;
use crate::routing::{Ecmp, RoutingTable};
use crate::socket::SocketTable;
use crate::tcp::TcpConfig;
use crate::trace::{FlowTrace, LinkTrace, Series, TcpTrace};
use crate::wire::MacAddr;
use crate::{AppId, DeviceId, LinkId, NodeId};

/// A network that cannot be built as described.
#[derive(Debug, Error)]
pub enum BuildError {
    /// Two nodes share a name.
    #[error("two nodes are called `{0}`")]
    DuplicateName(String),
    /// Two hosts share an address.
    #[error("nodes `{0}` and `{1}` have the same address {2}")]
    DuplicateAddress(String, String, Ipv4Addr),
    /// A host cannot reach another.
    #[error("the network is not connected: `{from}` has no path to `{to}`")]
    Disconnected {
        /// A node without a path.
        from: String,
        /// The host it cannot reach.
        to: String,
    },
    /// A port is bound twice on one host.
    #[error("port {port} on `{node}` is bound twice")]
    PortInUse {
        /// Host name.
        node: String,
        /// UDP port or ICMP identifier.
        port: u16,
    },
    /// More host planes than [`crate::host_plane::MAX_HOST_PLANES`].
    #[error("{0} host planes are installed; a network can have at most {max}", max = crate::host_plane::MAX_HOST_PLANES)]
    TooManyHostPlanes(usize),
    /// An output file (pcap, time series) could not be created.
    #[error("cannot create `{path}`: {source}")]
    Pcap {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Builds a [`Network`] step by step, like ns-3's helpers.
#[derive(Default)]
pub struct NetworkBuilder {
    nodes: Vec<Node>,
    devices: Vec<Device>,
    links: u32,
    apps: Vec<AppSlot>,
    schedule: Vec<(AppId, SimTime, Option<SimTime>)>,
    taps: Vec<(DeviceId, PcapTap)>,
    ecmp: Ecmp,
    streams: Option<RngStreams>,
    tcp: TcpConfig,
    app_tcp: Vec<(AppId, TcpConfig)>,
    listeners: Vec<(AppId, NodeId, u16)>,
    link_events: Vec<(SimTime, LinkId, bool)>,
    switch_events: Vec<(SimTime, NodeId, bool)>,
    traces: Vec<Series>,
    plane: Option<Box<dyn SwitchPlane>>,
    host_planes: Vec<Box<dyn HostPlane>>,
    arp: Option<ArpConfig>,
}

impl NetworkBuilder {
    /// An empty network whose random streams derive from `streams`.
    pub fn new(streams: RngStreams) -> Self {
        NetworkBuilder {
            streams: Some(streams),
            ..Default::default()
        }
    }

    /// The random stream `name` of this network's seed (an application's own draws).
    pub fn rng_stream(&self, name: &str) -> sim_core::RngStream {
        self.streams
            .as_ref()
            .expect("NetworkBuilder::new sets the streams")
            .stream(name)
    }

    /// Chooses how forwarding nodes pick among equal-cost paths.
    pub fn ecmp(&mut self, ecmp: Ecmp) -> &mut Self {
        self.ecmp = ecmp;
        self
    }

    fn add_node(&mut self, name: &str, ip: Option<Ipv4Addr>, kind: NodeKind) -> NodeId {
        self.nodes.push(Node {
            name: name.to_string(),
            ip,
            devices: Vec::new(),
            kind,
        });
        NodeId(self.nodes.len() as u32 - 1)
    }

    /// Sets the TCP configuration every connection gets.
    pub fn tcp_config(&mut self, cfg: TcpConfig) -> &mut Self {
        self.tcp = cfg;
        self
    }

    /// TCP settings of one application's connections (those it opens and those accepted on
    /// its listening ports), instead of [`NetworkBuilder::tcp_config`]'s: a migration's
    /// stream can use the hypervisor's stack while guests use theirs.
    pub fn tcp_config_for_app(&mut self, app: AppId, cfg: TcpConfig) -> &mut Self {
        self.app_tcp.push((app, cfg));
        self
    }

    /// Adds an end host with address `ip`.
    pub fn add_host(&mut self, name: &str, ip: Ipv4Addr) -> NodeId {
        self.add_node(name, Some(ip), NodeKind::Host(Host::default()))
    }

    /// Adds an IP forwarding node.
    pub fn add_router(&mut self, name: &str) -> NodeId {
        self.add_node(name, None, NodeKind::Router)
    }

    /// Adds a router of a routed network: longest-prefix-match forwarding over the subnets
    /// given by [`NetworkBuilder::router_interface`], ARP on them (see [`crate::router`]).
    pub fn add_lpm_router(&mut self, name: &str) -> NodeId {
        let r = crate::router::LpmRouter::new(ArpConfig::default());
        self.add_node(name, None, NodeKind::LpmRouter(Box::new(r)))
    }

    /// Gives router `node` an interface on the subnet behind its `port` (which must exist):
    /// its address and prefix there `net`, and whether it answers ARP for addresses it routes
    /// elsewhere (proxy ARP, RFC 1027). The router's first interface address is also the
    /// node's address. Panics if `node` is not a router of a routed network.
    pub fn router_interface(
        &mut self,
        node: NodeId,
        port: u16,
        net: crate::routing::lpm::Ipv4Net,
        proxy_arp: bool,
    ) -> &mut Self {
        let n = &mut self.nodes[node.index()];
        assert!(
            (port as usize) < n.devices.len(),
            "`{}` has no port {port}",
            n.name
        );
        let NodeKind::LpmRouter(r) = &mut n.kind else {
            panic!("`{}` is not a router of a routed network", n.name)
        };
        r.add_interface(crate::router::Interface {
            port,
            net,
            proxy_arp,
        });
        n.ip.get_or_insert(net.addr);
        self
    }

    /// Makes router `node` a Mobile IP home agent (RFC 5944 §3.8) answering registrations
    /// at `ha.address`: one of its interface addresses, or a loopback address to which
    /// every other router gets a /32 when the tables are computed. Panics if `node` is not
    /// a router of a routed network.
    pub fn home_agent(&mut self, node: NodeId, ha: crate::router::HomeAgent) -> &mut Self {
        let n = &mut self.nodes[node.index()];
        let NodeKind::LpmRouter(r) = &mut n.kind else {
            panic!("`{}` is not a router of a routed network", n.name)
        };
        r.home_agent = Some(ha);
        self
    }

    /// Puts host (or VM) `node` on a subnet with a default gateway (a routed network): it
    /// resolves on-subnet destinations by ARP itself and sends the rest to the gateway. The
    /// host's one uplink is its port 0. Needs [`NetworkBuilder::arp`].
    pub fn host_subnet(&mut self, node: NodeId, subnet: crate::router::HostSubnet) -> &mut Self {
        self.host_mut(node).1.subnet = Some(subnet);
        self
    }

    /// Adds a VM with address `ip` running on host `host`: a host node with no devices whose
    /// packets leave through `host`. It gets its own MAC address. Applications install on it
    /// like on any host. Frames reach it only through a host plane that bridges VMs (the `vm`
    /// crate's `VmBridge`, installed with [`NetworkBuilder::host_plane`]): without one, what
    /// arrives at `host` for the VM meets `host`'s own NIC.
    pub fn add_vm(&mut self, name: &str, ip: Ipv4Addr, host: NodeId) -> NodeId {
        let vms = self
            .nodes
            .iter()
            .filter(|n| n.host().is_some_and(|h| h.guest.is_some()))
            .count() as u32;
        let h = Host {
            guest: Some(Guest {
                host,
                mac: MacAddr::for_vm(vms + 1),
            }),
            ..Host::default()
        };
        let id = self.add_node(name, Some(ip), NodeKind::Host(h));
        match &self.nodes[host.index()].kind {
            NodeKind::Host(p) if p.guest.is_none() => {}
            _ => panic!("`{}` cannot host a VM", self.nodes[host.index()].name),
        }
        id
    }

    /// Adds a switch: a node whose forwarding is done by the plane given to
    /// [`NetworkBuilder::plane`].
    pub fn add_switch(&mut self, name: &str) -> NodeId {
        self.add_node(name, None, NodeKind::Switch)
    }

    /// Hands the switch nodes' forwarding to `plane` (see [`crate::plane`]).
    pub fn plane(&mut self, plane: Box<dyn SwitchPlane>) -> &mut Self {
        self.plane = Some(plane);
        self
    }

    /// The switch plane given to [`NetworkBuilder::plane`], to finish configuring it once the
    /// applications it must know are installed.
    pub fn plane_mut(&mut self) -> Option<&mut (dyn SwitchPlane + 'static)> {
        self.plane.as_deref_mut()
    }

    /// Adds a host plane: logic between hosts' IP layers and their devices (see
    /// [`crate::host_plane`]). Several compose as a stack, the first installed nearest the
    /// hosts' IP layers.
    pub fn host_plane(&mut self, plane: Box<dyn HostPlane>) -> &mut Self {
        self.host_planes.push(plane);
        self
    }

    /// Makes every host resolve addresses with ARP (RFC 826) instead of pre-filled caches:
    /// what a switched (OpenFlow) network needs. Hosts address IPv4 packets to the
    /// destination's own MAC address, so the hosts must share one layer-2 network.
    pub fn arp(&mut self, config: ArpConfig) -> &mut Self {
        self.arp = Some(config);
        self
    }

    /// Looks a node up by name.
    pub fn node(&self, name: &str) -> Option<NodeId> {
        self.nodes
            .iter()
            .position(|n| n.name == name)
            .map(|i| NodeId(i as u32))
    }

    /// The nodes so far.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Connects `a` and `b` with a full-duplex link; each gets a new device (the next port).
    pub fn connect(&mut self, a: NodeId, b: NodeId, params: LinkConfig) -> LinkId {
        let link = LinkId(self.links);
        self.links += 1;
        let streams = self.streams.expect("NetworkBuilder::new sets the streams");
        let da = DeviceId(self.devices.len() as u32);
        let db = DeviceId(da.0 + 1);
        for (dev, node, peer) in [(da, a, db), (db, b, da)] {
            let n = &mut self.nodes[node.index()];
            let port = n.devices.len() as u16;
            n.devices.push(dev);
            let rng = streams.stream(&format!("link/{}/{}", n.name, port));
            // Only a discipline that draws (RED) gets a stream, named after the device.
            let queue = Queue::new(params.queue, &params.aqm, params.rate, || {
                streams.stream(&format!("queue/{}/{}", n.name, port))
            });
            self.devices.push(Device {
                in_flight: Default::default(),
                peer,
                // Copied from the peer once both ends exist (below).
                peer_node: node,
                peer_tap: TapSlot::NONE,
                peer_role: Role::Router,
                up: true,
                tx_started: SimTime::ZERO,
                ps_per_byte: crate::device::whole_ps_per_byte(params.rate),
                delay: params.delay,
                lossy: params.loss > 0.0,
                tx: crate::device::TxState::Ready,
                tx_len: 0,
                tap: TapSlot::NONE,
                mac: MacAddr::from_index(dev.0 + 1),
                peer_mac: MacAddr::default(),
                queue,
                node,
                port,
                link,
                params,
                loss_rng: rng,
                wire: WireStats::default(),
            });
        }
        for (dev, peer) in [(da, db), (db, da)] {
            let p = &self.devices[peer.index()];
            let (peer_node, peer_mac) = (p.node, p.mac);
            let peer_role = Role::of(&self.nodes[peer_node.index()].kind);
            let d = &mut self.devices[dev.index()];
            (d.peer_node, d.peer_mac, d.peer_role) = (peer_node, peer_mac, peer_role);
        }
        link
    }

    /// The rate of `node`'s first link (a host's network interface), if it has one.
    pub fn first_link_rate(&self, node: NodeId) -> Option<sim_core::DataRate> {
        let dev = *self.nodes[node.index()].devices.first()?;
        Some(self.devices[dev.index()].params.rate)
    }

    /// Where `node`'s first interface is plugged in: its MAC, the node at the other end and
    /// that node's port (from 0); `None` for a node without links.
    pub fn attachment(&self, node: NodeId) -> Option<(MacAddr, NodeId, u16)> {
        let dev = &self.devices[self.nodes[node.index()].devices.first()?.index()];
        let peer = &self.devices[dev.peer.index()];
        Some((dev.mac, peer.node, peer.port))
    }

    /// `node`'s neighbours in port order, each with the rate of the link to it.
    pub fn neighbours(
        &self,
        node: NodeId,
    ) -> impl Iterator<Item = (NodeId, sim_core::DataRate)> + '_ {
        self.nodes[node.index()].devices.iter().map(|d| {
            let dev = &self.devices[d.index()];
            (self.devices[dev.peer.index()].node, dev.params.rate)
        })
    }

    /// The id the next [`NetworkBuilder::add_app`] returns (ids are dense, in order), for
    /// applications that must name each other before all are added.
    pub fn next_app_id(&self) -> AppId {
        AppId(self.apps.len() as u32)
    }

    /// Installs `app` on host `node`; it starts at `start` and stops at `stop`. `flow` tags the
    /// packets it sends (the scenario's flow index).
    pub fn add_app(
        &mut self,
        node: NodeId,
        flow: u32,
        app: Box<dyn Application>,
        start: SimTime,
        stop: Option<SimTime>,
    ) -> AppId {
        let id = AppId(self.apps.len() as u32);
        self.apps.push(AppSlot { node, flow, app });
        self.schedule.push((id, start, stop));
        id
    }

    fn host_mut(&mut self, node: NodeId) -> (&str, &mut Host) {
        let n = &mut self.nodes[node.index()];
        match &mut n.kind {
            NodeKind::Host(h) => (&n.name, h),
            NodeKind::Router | NodeKind::LpmRouter(_) | NodeKind::Switch => {
                panic!("`{}` is not a host", n.name)
            }
        }
    }

    /// Delivers UDP datagrams for `port` on the app's host to `app`.
    pub fn bind_udp(&mut self, app: AppId, port: u16) -> Result<(), BuildError> {
        let node = self.apps[app.index()].node;
        let (name, host) = self.host_mut(node);
        if host.udp_ports.insert(port, app).is_some() {
            return Err(BuildError::PortInUse {
                node: name.to_string(),
                port,
            });
        }
        Ok(())
    }

    /// Delivers ICMP echo replies with identifier `ident` on the app's host to `app`.
    pub fn bind_icmp(&mut self, app: AppId, ident: u16) -> Result<(), BuildError> {
        let node = self.apps[app.index()].node;
        let (name, host) = self.host_mut(node);
        if host.icmp_idents.insert(ident, app).is_some() {
            return Err(BuildError::PortInUse {
                node: name.to_string(),
                port: ident,
            });
        }
        Ok(())
    }

    /// The link between nodes `a` and `b`, if there is one.
    pub fn link_between(&self, a: NodeId, b: NodeId) -> Option<LinkId> {
        self.nodes[a.index()]
            .devices
            .iter()
            .map(|d| &self.devices[d.index()])
            .find(|d| self.devices[d.peer.index()].node == b)
            .map(|d| d.link)
    }

    /// Takes `link` down (`up = false`) or up at time `at`.
    pub fn link_event(&mut self, at: SimTime, link: LinkId, up: bool) {
        self.link_events.push((at, link, up));
    }

    /// Fails forwarding node `node` (`up = false`) or brings it back at time `at`
    /// ([`crate::SwitchFailure`]).
    pub fn switch_event(&mut self, at: SimTime, node: NodeId, up: bool) {
        self.switch_events.push((at, node, up));
    }

    /// Accepts TCP connections to `port` on the app's host; they report to `app`.
    pub fn listen_tcp(&mut self, app: AppId, port: u16) -> Result<(), BuildError> {
        let node = self.apps[app.index()].node;
        self.listen_tcp_on(app, node, port)
    }

    /// Accepts TCP connections to `port` on host `node` (any host, not only the app's own);
    /// they report to `app`. A workload generator listens on every host it sends to.
    pub fn listen_tcp_on(&mut self, app: AppId, node: NodeId, port: u16) -> Result<(), BuildError> {
        if self
            .listeners
            .iter()
            .any(|&(_, n, p)| p == port && n == node)
        {
            return Err(BuildError::PortInUse {
                node: self.nodes[node.index()].name.clone(),
                port,
            });
        }
        self.listeners.push((app, node, port));
        Ok(())
    }

    /// Writes a time series of the first TCP connection `app` opens to `path` (see
    /// [`TcpTrace`]).
    pub fn trace_tcp(
        &mut self,
        app: AppId,
        interval: SimTime,
        path: &Path,
    ) -> Result<(), BuildError> {
        // The controller of `app`'s connections: its own settings if it has them.
        let variant = self
            .app_tcp
            .iter()
            .rev()
            .find(|(a, _)| *a == app)
            .map_or(self.tcp.variant, |(_, c)| c.variant);
        let columns = crate::trace::TcpColumns::for_variant(variant);
        let t =
            TcpTrace::create(app, interval, path, columns).map_err(|source| BuildError::Pcap {
                path: path.display().to_string(),
                source,
            })?;
        self.traces.push(Series::Tcp(t));
        Ok(())
    }

    /// Writes what `app` receives (bytes, packets) every `interval` to `path` (see
    /// [`FlowTrace`]).
    pub fn trace_flow(
        &mut self,
        app: AppId,
        interval: SimTime,
        path: &Path,
    ) -> Result<(), BuildError> {
        let t = FlowTrace::create(app, interval, path).map_err(|source| BuildError::Pcap {
            path: path.display().to_string(),
            source,
        })?;
        self.traces.push(Series::Flow(t));
        Ok(())
    }

    /// Writes both directions of `link` (queue depth, utilisation, drops) every `interval` to
    /// `path` (see [`LinkTrace`]).
    pub fn trace_link(
        &mut self,
        link: LinkId,
        interval: SimTime,
        path: &Path,
    ) -> Result<(), BuildError> {
        let name = |d: &Device| self.nodes[d.node.index()].name.clone();
        let ends = (0..self.devices.len() as u32)
            .map(DeviceId)
            .filter(|d| self.devices[d.index()].link == link)
            .map(|d| {
                let dev = &self.devices[d.index()];
                (d, name(dev), name(&self.devices[dev.peer.index()]))
            })
            .collect();
        let t = LinkTrace::create(ends, interval, path).map_err(|source| BuildError::Pcap {
            path: path.display().to_string(),
            source,
        })?;
        self.traces.push(Series::Link(t));
        Ok(())
    }

    /// Records every frame that device `port` of `node` sends or receives into `path`.
    pub fn trace(
        &mut self,
        node: NodeId,
        port: u16,
        path: &Path,
        snaplen: usize,
    ) -> Result<(), BuildError> {
        let dev = self.nodes[node.index()].devices[port as usize];
        let tap = PcapTap::create(path, snaplen).map_err(|source| BuildError::Pcap {
            path: path.display().to_string(),
            source,
        })?;
        let index = TapSlot::new(self.taps.len() as u32);
        self.devices[dev.index()].tap = index;
        let peer = self.devices[dev.index()].peer;
        self.devices[peer.index()].peer_tap = index;
        self.taps.push((dev, tap));
        Ok(())
    }

    /// Checks names and addresses, computes the static routes, and returns the network.
    pub fn build(self) -> Result<Network, BuildError> {
        if self.host_planes.len() > MAX_HOST_PLANES {
            return Err(BuildError::TooManyHostPlanes(self.host_planes.len()));
        }
        let mut names: Vec<(&str, usize)> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name.as_str(), i))
            .collect();
        names.sort();
        if let Some(w) = names.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(BuildError::DuplicateName(w[0].0.to_string()));
        }
        let mut ips: Vec<(Ipv4Addr, &str)> = self
            .nodes
            .iter()
            .filter_map(|n| n.ip.map(|ip| (ip, n.name.as_str())))
            .collect();
        ips.sort();
        if let Some(w) = ips.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(BuildError::DuplicateAddress(
                w[0].1.to_string(),
                w[1].1.to_string(),
                w[0].0,
            ));
        }
        let (routes, unreachable) = RoutingTable::compute(&self.nodes, &self.devices);
        if let Some(u) = unreachable {
            return Err(BuildError::Disconnected {
                from: self.nodes[u.from.index()].name.clone(),
                to: self.nodes[u.to.index()].name.clone(),
            });
        }
        let streams = self.streams.expect("NetworkBuilder::new sets the streams");
        let ecmp_rngs = self
            .nodes
            .iter()
            .map(|n| streams.stream(&format!("ecmp/{}", n.name)))
            .collect();
        let mut tcp = SocketTable::new(self.tcp, streams);
        for &(app, cfg) in &self.app_tcp {
            tcp.set_app_config(app, cfg);
        }
        for &(app, node, port) in &self.listeners {
            tcp.listen(node, port, app);
        }
        let mut nodes = self.nodes;
        if let Some(cfg) = self.arp {
            for n in &mut nodes {
                match &mut n.kind {
                    NodeKind::Host(h) => h.arp = Some(ArpCache::new(cfg)),
                    NodeKind::LpmRouter(r) => r.set_arp_config(cfg),
                    NodeKind::Router | NodeKind::Switch => {}
                }
            }
        }
        crate::routing::lpm::compute(&mut nodes, &self.devices);
        let mut net = Network::from_parts(Parts {
            nodes,
            devices: self.devices,
            apps: self.apps,
            app_schedule: self.schedule,
            routes,
            ecmp: self.ecmp,
            ecmp_rngs,
            tcp,
        });
        net.taps = self.taps;
        net.series = self.traces;
        net.link_events = self.link_events;
        net.switch_events = self.switch_events;
        net.plane = self.plane;
        if !self.host_planes.is_empty() {
            net.host_planes = Some(HostPlanes::start(
                self.host_planes,
                &net.nodes,
                &net.devices,
            ));
        }
        Ok(net)
    }
}
