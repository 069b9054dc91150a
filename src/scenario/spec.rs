//! The validated scenario: typed, defaulted, one enum variant per kind.
//!
//! Everything here has passed [`super::validate`]: quantities are in range, per-kind keys belong
//! to their kind, names are unique. What is *not* known yet is whether node names exist — that
//! needs the topology — so every node reference keeps its [`Spanned`] location for the error the
//! simulation builder may raise through [`super::ScenarioSource::error_at`].

use std::path::PathBuf;

pub use net_stack::LinkConfig;
pub use net_stack::apps::{
    BulkParams, FlowBytes, FlowKind, OnOffParams, PingParams, RequestParams, Traffic, TrafficTable,
};
pub use net_stack::routing::Ecmp;
pub use net_stack::tcp::{CcVariant, TcpConfig};
pub use openflow::config::{ControllerConfig, SwitchTimingPreset};
pub use openflow::controller::AppKind;
use serde::Deserialize;
use sim_core::{ByteSize, SimTime};
use toml::Spanned;
pub use vm::{MigrationAlgorithm, MigrationSettings, OrchestratorConfig, Order};

/// A whole scenario: what to build, what to run on it, what to record.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// `name`: a label for results and plots. Default `"netsim"`.
    pub name: String,
    /// `seed`: the master seed every random stream derives from. Default 1.
    pub seed: u64,
    /// `duration`: simulated time to run. Default 10 s; never zero.
    pub duration: SimTime,
    /// `end_after_migrations`: end the run at the instant the last `[[migration]]` finishes
    /// (the orchestrator stops it), or at `duration` if that comes first. Default false.
    pub end_after_migrations: bool,
    /// `[topology]`.
    pub topology: TopologySpec,
    /// `[controller]`.
    pub controller: ControllerConfig,
    /// `[tcp]`: parameters of every TCP connection (flows, workloads, migrations).
    pub tcp: TcpConfig,
    /// `[arp]`: the ARP caches' timing (checked); `None`: ns-3's defaults (120 s entries).
    pub arp: Option<Spanned<net_stack::arp::ArpConfig>>,
    /// `[[flow]]`, in file order.
    pub flows: Vec<FlowSpec>,
    /// `[[host]]`, in file order.
    pub hosts: Vec<HostSpec>,
    /// `[[vm]]`, in file order.
    pub vms: Vec<VmSpec>,
    /// `[orchestrator]`.
    pub orchestrator: OrchestratorConfig,
    /// `[[migration]]`, in file order.
    pub migrations: Vec<MigrationSpec>,
    /// `[[event]]`, in file order.
    pub events: Vec<EventSpec>,
    /// `[[workload]]`, in file order (see `docs/workloads.md`).
    pub workloads: Vec<GeneratorSpec>,
    /// `[trace]`.
    pub trace: TraceConfig,
    /// `[network_migration]` (seed 001): checked against the topology by `crate::netmig`.
    pub network_migration: Option<toml::Spanned<crate::netmig::NetMigTable>>,
    /// What validation found valid but suspicious, in file order of the checks.
    pub warnings: Vec<super::ScenarioWarning>,
}

/// `[topology] kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TopologyKind {
    /// k-ary fat-tree (Al-Fares et al.).
    FatTree,
    /// Senders and receivers joined by one bottleneck link.
    Dumbbell,
    /// Two-tier Clos.
    LeafSpine,
    /// A chain of switches.
    Linear,
    /// Hosts around one switch.
    Star,
    /// The test bed of Qin et al. 2017.
    Qin2017,
    /// The test bed of Arora et al. 2013.
    Arora2013,
    /// Nodes and links read from another TOML file.
    File,
    /// Two data centres (fat-tree or leaf-spine fabrics) behind border routers, a WAN, and
    /// clients outside both: a routed network of IP subnets.
    TwoDc,
    /// Another kind twice (the old and the new network) joined by a tunnel switch (seed 001).
    Twin,
}

impl TopologyKind {
    /// The name used in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            TopologyKind::FatTree => "fat-tree",
            TopologyKind::Dumbbell => "dumbbell",
            TopologyKind::LeafSpine => "leaf-spine",
            TopologyKind::Linear => "linear",
            TopologyKind::Star => "star",
            TopologyKind::Qin2017 => "qin2017",
            TopologyKind::Arora2013 => "arora2013",
            TopologyKind::File => "file",
            TopologyKind::TwoDc => "two-dc",
            TopologyKind::Twin => "twin",
        }
    }
}

/// `[topology]`: the shape of the network and the parameters of its links.
#[derive(Debug, Clone, PartialEq)]
pub struct TopologySpec {
    /// The kind-specific parameters.
    pub shape: TopologyShape,
    /// `link`: every link's parameters (the dumbbell's bottleneck excepted).
    pub link: LinkConfig,
    /// Where `kind` is written, for errors about the topology as a whole.
    pub span: std::ops::Range<usize>,
}

/// One variant per [`TopologyKind`], with that kind's keys.
#[derive(Debug, Clone, PartialEq)]
pub enum TopologyShape {
    /// `fat-tree`: `k` pods of k switches, k³/4 hosts.
    FatTree {
        /// `k`: even, at least 2. Default 4.
        k: Spanned<u32>,
    },
    /// `dumbbell`: `pairs` senders `l0…` and receivers `r0…` around `sl`—`sr`.
    Dumbbell {
        /// `pairs`: sender/receiver pairs, at least 1. Default 2.
        pairs: u32,
        /// `bottleneck`: the `sl`—`sr` link; keys not given are taken from `link`.
        bottleneck: LinkConfig,
    },
    /// `leaf-spine`: every leaf connects to every spine.
    LeafSpine {
        /// `leaves`: default 4.
        leaves: u32,
        /// `spines`: default 2.
        spines: u32,
        /// `hosts_per_leaf`: default 2.
        hosts_per_leaf: u32,
    },
    /// `linear`: switches in a chain, hosts hanging off each.
    Linear {
        /// `switches`: default 3.
        switches: u32,
        /// `hosts_per_switch`: default 1.
        hosts_per_switch: u32,
    },
    /// `star`: hosts around one switch.
    Star {
        /// `hosts`: default 4.
        hosts: u32,
    },
    /// `qin2017`: the fixed test bed of seed 002.
    Qin2017,
    /// `arora2013`: the fixed test bed of seed 001.
    Arora2013,
    /// `two-dc`: two data centres joined by a WAN ([`topologies::two_dc`]).
    TwoDc {
        /// `fabric` (`leaf-spine`, the default, or `fat-tree`) with that kind's keys.
        fabric: topologies::two_dc::Fabric,
        /// `clients`: hosts outside both data centres. Default 1.
        clients: u32,
        /// `wan`: the WAN links; keys not given take [`topologies::two_dc::default_wan`]'s.
        wan: LinkConfig,
    },
    /// `twin`: `of` twice, `o…` and `n…`, joined by the tunnel switch `ts`
    /// ([`topologies::twin`]).
    Twin {
        /// `of`: the topology to twin (any kind but `twin` and `two-dc`); its `link`
        /// defaults to the outer one.
        of: Box<TopologySpec>,
        /// `tunnel`: the links to `ts`; keys not given are taken from `link`.
        tunnel: LinkConfig,
    },
    /// `file`: nodes and links from a TOML file.
    File {
        /// `path`: relative paths are resolved against the scenario file's folder by
        /// [`super::load`].
        path: Spanned<PathBuf>,
    },
}

impl TopologyShape {
    /// The kind this shape belongs to.
    pub fn kind(&self) -> TopologyKind {
        match self {
            TopologyShape::FatTree { .. } => TopologyKind::FatTree,
            TopologyShape::Dumbbell { .. } => TopologyKind::Dumbbell,
            TopologyShape::LeafSpine { .. } => TopologyKind::LeafSpine,
            TopologyShape::Linear { .. } => TopologyKind::Linear,
            TopologyShape::Star { .. } => TopologyKind::Star,
            TopologyShape::Qin2017 => TopologyKind::Qin2017,
            TopologyShape::Arora2013 => TopologyKind::Arora2013,
            TopologyShape::File { .. } => TopologyKind::File,
            TopologyShape::TwoDc { .. } => TopologyKind::TwoDc,
            TopologyShape::Twin { .. } => TopologyKind::Twin,
        }
    }

    /// The topology file's path of a `file` shape, or of a `twin` of one.
    pub fn file_path_mut(&mut self) -> Option<&mut Spanned<PathBuf>> {
        match self {
            TopologyShape::File { path } => Some(path),
            TopologyShape::Twin { of, .. } => of.shape.file_path_mut(),
            _ => None,
        }
    }
}

/// One `[[flow]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowSpec {
    /// `name`: unique among flows. Default `flow<index>`, spanning the `[[flow]]` table.
    pub name: Spanned<String>,
    /// `src`: the sending node.
    pub src: Spanned<String>,
    /// `dst`: the receiving node.
    pub dst: Spanned<String>,
    /// `start`. Default 0 s.
    pub start: SimTime,
    /// `stop`: when the source stops sending; `None` (the default) runs to the end.
    pub stop: Option<SimTime>,
    /// `kind` and its keys, read and checked by net-stack's applications.
    pub kind: Traffic,
}

/// One `[[host]]`: settings for a host node of the topology.
#[derive(Debug, Clone, PartialEq)]
pub struct HostSpec {
    /// `name`: a host node of the topology. Required; unique.
    pub name: Spanned<String>,
    /// `capacity`: memory available to VMs; `None` (the default) is unlimited.
    pub capacity: Option<ByteSize>,
    /// `resume_time`: how long this host takes, as a migration's target, from the last byte
    /// of the migration acknowledged to the VM running on it (restoring the VM's state and
    /// resuming it; seed 004: "the hardware capacity will affect the service break time").
    /// Default 0; at most [`MAX_RESUME_TIME`].
    pub resume_time: SimTime,
    /// `cpus`, `cpu_speed`, `disk_rate` and `memory` (`capacity` is `memory`'s older name):
    /// the hardware seed 004's target choice compares and its `image` migration runs on. The
    /// link rate is filled in from the topology when migrations are planned.
    pub hardware: vm::placement::HostHardware,
}

/// The longest `[[host]] resume_time` accepted: an hour. Restoring a VM takes seconds on real
/// hardware (seed 004's whole service breaks are 18–25 s); anything near an hour is a unit
/// mistake (`"3600"` meant as milliseconds, say).
pub const MAX_RESUME_TIME: SimTime = SimTime::from_secs(3600);

/// One `[[vm]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct VmSpec {
    /// `name`. Required; unique.
    pub name: Spanned<String>,
    /// `host`: the host it starts on. Required.
    pub host: Spanned<String>,
    /// `memory`. Required; a whole number of pages.
    pub memory: ByteSize,
    /// `page_size` (bytes). Default 4096.
    pub page_size: u64,
    /// `dirty_rate` (pages/s). Default 0.
    pub dirty_rate: u64,
    /// `hot_fraction`: share of pages taking most writes, in [0, 1]; 0 turns it off. Default 0.
    pub hot_fraction: f64,
    /// `dirty_arrivals`: `even` or `poisson` (seed 000's exponential `Write_Page`). Default
    /// `even`.
    pub dirty_arrivals: vm::DirtyArrivals,
    /// `state`: CPU and device state sent in the final round. Default 8 MiB.
    pub state: ByteSize,
    /// `vcpus`: at least 1. Default 1.
    pub vcpus: u32,
    /// `cpu_utilization`: the busy share of each vCPU, in [0, 1]. Default 0.
    pub cpu_utilization: f64,
    /// `bandwidth`: the network rate the VM needs [bit/s]. Default 0.
    pub bandwidth: u64,
    /// `workload`: traffic between a client and the VM. Default none.
    pub workload: Option<WorkloadSpec>,
    /// `address`: the VM's IPv4 address. Default: in a routed network (`two-dc`) the next
    /// free address of its home host's subnet (10.x.i.10 and up), elsewhere 10.200.0.(i+1).
    pub address: Option<Spanned<std::net::Ipv4Addr>>,
    /// `disk`, `storage`, `disk_write_rate`, `context` (seed 003), spanned by the first given
    /// of `storage`, `disk`, `context`; `None` when none is given.
    pub storage: Option<Spanned<vm::StorageConfig>>,
}

/// A VM's `workload`.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadSpec {
    /// `client`: the node at the other end; it sends requests, datagrams, echo requests or bulk
    /// data to the VM. Required.
    pub client: Spanned<String>,
    /// `kind` and its keys, as for a flow.
    pub kind: Traffic,
}

/// One `[[migration]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationSpec {
    /// `vm`: a VM defined by a `[[vm]]` (checked). Required.
    pub vm: Spanned<String>,
    /// `to`: the target host; `None` lets the orchestrator choose by capacity.
    pub to: Option<Spanned<String>>,
    /// `at`: start time; `None` waits for the orchestrator's `period`.
    pub at: Option<SimTime>,
    /// `algorithm` and the engine's stop conditions, read and checked by vm.
    pub settings: MigrationSettings,
    /// `mobility` (seed 003); `None`: the network's own way.
    pub mobility: Option<Spanned<vm::Mobility>>,
    /// `convergence_delay` of `host-route`. Default 1 s.
    pub convergence_delay: SimTime,
    /// `mip`: `home_agent` (a router's name); `None`: the home data centre's border.
    pub home_agent: Option<Spanned<String>>,
    /// `mip`: `tunnel`, `reverse_tunnel`, `clamp_mss`.
    pub mip: MipKeys,
    /// `new_mac`, `gratuitous_arp`: what the destination hypervisor does to the VM's NIC.
    pub nic: NicKeys,
    /// `via`: the temporary server of an `image` migration (required for it, refused
    /// otherwise).
    pub via: Option<Spanned<String>>,
    /// `tcp`: the migration connections' own TCP settings (checked); `None`: `[tcp]`'s.
    pub tcp: Option<TcpConfig>,
}

/// The `mip` keys of a `[[migration]]` other than `home_agent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MipKeys {
    /// `tunnel`: ipip (default) or gre.
    pub tunnel: vm::mobility::mip::MipTunnel,
    /// `reverse_tunnel`: default false (triangle routing).
    pub reverse_tunnel: bool,
    /// `clamp_mss`: default true.
    pub clamp_mss: bool,
    /// `lifetime` [s]: default 1,800.
    pub lifetime_s: u16,
    /// `reregister_margin`: default `None` (the smaller of 60 s and half the lifetime).
    pub reregister_margin: Option<SimTime>,
    /// `tunnel_overhead` [bytes]: default 0.
    pub tunnel_overhead: u16,
}

impl Default for MipKeys {
    fn default() -> Self {
        MipKeys {
            tunnel: Default::default(),
            reverse_tunnel: false,
            clamp_mss: true,
            lifetime_s: vm::mobility::mip::DEFAULT_LIFETIME_S,
            reregister_margin: None,
            tunnel_overhead: 0,
        }
    }
}

/// The `[[migration]]` keys of the VM's NIC on resume (seed 004 §III.C).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NicKeys {
    /// `new_mac`: default false (the VM keeps its MAC).
    pub new_mac: vm::NewMac,
    /// `gratuitous_arp`: default true.
    pub gratuitous_arp: bool,
}

impl Default for NicKeys {
    fn default() -> Self {
        NicKeys {
            new_mac: vm::NewMac::Keep,
            gratuitous_arp: true,
        }
    }
}

/// `[[event]] state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkState {
    /// The link stops carrying frames.
    Down,
    /// The link carries frames again.
    Up,
}

/// One `[[event]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSpec {
    /// `at`. Required.
    pub at: SimTime,
    /// `link` or `switch`: what goes down or up. Exactly one is required.
    pub target: EventTarget,
    /// `state`. Required.
    pub state: LinkState,
}

/// What an `[[event]]` takes down or brings up.
#[derive(Debug, Clone, PartialEq)]
pub enum EventTarget {
    /// `link`: two node names joined by `-`, as in `"a0-c0"`.
    Link(Spanned<String>),
    /// `switch`: a forwarding node (switch or router) by name; it fails with all its links.
    Switch(Spanned<String>),
}

impl EventTarget {
    /// The name as written.
    pub fn name(&self) -> &Spanned<String> {
        match self {
            EventTarget::Link(n) | EventTarget::Switch(n) => n,
        }
    }

    /// `link` or `switch`, for messages.
    pub fn key(&self) -> &'static str {
        match self {
            EventTarget::Link(_) => "link",
            EventTarget::Switch(_) => "switch",
        }
    }
}

/// `[trace] pcap`: which devices get a pcap file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PcapSelection {
    /// No pcap files.
    #[default]
    None,
    /// Every host device.
    Hosts,
    /// Every device.
    All,
    /// Every device of the named nodes.
    Nodes(Vec<Spanned<String>>),
}

/// `[trace]`.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceConfig {
    /// `pcap`. Default `none`.
    pub pcap: PcapSelection,
    /// `openflow_pcap`. Default false.
    pub openflow_pcap: bool,
    /// `timeseries`: flow names or `migration:<vm>` (checked). Default empty.
    pub timeseries: Vec<Spanned<String>>,
    /// `sample_interval`. Default 1 ms; never zero.
    pub sample_interval: SimTime,
    /// `snaplen` (bytes): bytes captured per frame, 0 for the whole frame. Default 0.
    pub snaplen: u32,
}

impl Default for TraceConfig {
    fn default() -> Self {
        TraceConfig {
            pcap: PcapSelection::None,
            openflow_pcap: false,
            timeseries: Vec::new(),
            sample_interval: SimTime::from_ms(1),
            snaplen: 0,
        }
    }
}

/// One `[[workload]]`: net-stack's checked parameters, the size distribution, and the host
/// names netsim resolves when it builds the network.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratorSpec {
    /// `name` (default `workload<i>`).
    pub name: String,
    /// The keys net-stack owns.
    pub params: net_stack::apps::workload::WorkloadParams,
    /// `sizes` or `sizes_file`.
    pub cdf: net_stack::apps::workload::SizeCdf,
    /// `hosts` (default every host), each with its place.
    pub hosts: Option<Vec<Spanned<String>>>,
    /// `receiver` (incast).
    pub receiver: Option<Spanned<String>>,
    /// The table's place.
    pub span: std::ops::Range<usize>,
}
