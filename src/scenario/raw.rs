//! The scenario file as serde reads it: one flat struct per TOML table.
//!
//! These types mirror the file one to one and are deliberately loose: every key is optional
//! here, and keys that only some kinds accept sit side by side (a flow's `rate` next to its
//! `interval`, in net-stack's `TrafficTable`, which `raw/split.rs` reads beside netsim's own
//! keys). Flat structs keep `#[serde(deny_unknown_fields)]` working and keep the span of
//! every value; serde's internally tagged enums would lose both. [`super::validate`] turns these
//! into the typed [`super::spec`] structs, applying defaults and reporting every problem with the
//! span of the value at fault.

use std::sync::OnceLock;

use net_stack::apps::{FlowKind, TrafficTable};
use net_stack::{LinkConfig, LinkOverrides};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use sim_core::{ByteSize, SimTime};
use toml::Spanned;

use super::set::fields_of;
use super::spec::{LinkState, PcapSelection, TopologyKind};

mod split;

pub(crate) use split::OwnKeys;

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScenarioTable {
    pub name: Option<Spanned<String>>,
    pub seed: Option<u64>,
    pub duration: Option<Spanned<SimTime>>,
    pub end_after_migrations: Option<Spanned<bool>>,
    pub topology: Option<Spanned<TopologyTable>>,
    #[serde(default)]
    pub controller: openflow::config::ControllerConfig,
    #[serde(default)]
    pub tcp: net_stack::tcp::TcpConfig,
    /// `[arp]`: the ARP caches' timing (where hosts speak ARP).
    pub arp: Option<Spanned<net_stack::arp::ArpConfig>>,
    #[serde(default)]
    pub flow: Vec<Spanned<FlowTable>>,
    #[serde(default)]
    pub host: Vec<Spanned<HostTable>>,
    #[serde(default)]
    pub vm: Vec<Spanned<VmTable>>,
    #[serde(default)]
    pub orchestrator: vm::OrchestratorConfig,
    #[serde(default)]
    pub migration: Vec<Spanned<vm::MigrationTable>>,
    #[serde(default)]
    pub event: Vec<Spanned<EventTable>>,
    #[serde(default)]
    pub workload: Vec<Spanned<net_stack::apps::workload::WorkloadTable>>,
    #[serde(default)]
    pub trace: TraceTable,
    /// `[network_migration]` (seed 001), checked against the topology when built.
    pub network_migration: Option<Spanned<crate::netmig::NetMigTable>>,
}

/// `[topology]`: the kind plus every kind's own keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TopologyTable {
    pub kind: Option<Spanned<TopologyKind>>,
    pub link: Option<LinkConfig>,
    pub k: Option<Spanned<u32>>,
    pub pairs: Option<Spanned<u32>>,
    pub bottleneck: Option<Spanned<LinkOverrides>>,
    pub leaves: Option<Spanned<u32>>,
    pub spines: Option<Spanned<u32>>,
    pub hosts_per_leaf: Option<Spanned<u32>>,
    pub switches: Option<Spanned<u32>>,
    pub hosts_per_switch: Option<Spanned<u32>>,
    pub hosts: Option<Spanned<u32>>,
    pub path: Option<Spanned<String>>,
    pub fabric: Option<Spanned<FabricKind>>,
    pub clients: Option<Spanned<u32>>,
    pub wan: Option<Spanned<LinkOverrides>>,
    /// `twin`: the topology to twin (an inner `[topology]` table).
    pub of: Option<Spanned<Box<TopologyTable>>>,
    /// `twin`: the links to the tunnel switch (over `link`).
    pub tunnel: Option<Spanned<LinkOverrides>>,
}

/// `[topology] fabric` of a `two-dc` topology.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum FabricKind {
    LeafSpine,
    FatTree,
}

/// One `[[flow]]`: netsim's keys (names, endpoints, times, the kind) with their spans, and the
/// kind's keys in net-stack's [`TrafficTable`].
#[derive(Debug, Default)]
pub(crate) struct FlowTable {
    pub name: Option<Spanned<String>>,
    pub kind: Option<Spanned<FlowKind>>,
    pub src: Option<Spanned<String>>,
    pub dst: Option<Spanned<String>>,
    pub start: Option<Spanned<SimTime>>,
    pub stop: Option<Spanned<SimTime>>,
    pub traffic: TrafficTable,
}

impl OwnKeys for FlowTable {
    type Rest = TrafficTable;
    const KEYS: &'static [&'static str] = &["name", "kind", "src", "dst", "start", "stop"];

    fn all_keys() -> &'static [&'static str] {
        static ALL: OnceLock<Vec<&'static str>> = OnceLock::new();
        split::concat(&ALL, Self::KEYS, fields_of::<TrafficTable>())
    }

    fn read<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "name" => self.name = Some(map.next_value()?),
            "kind" => self.kind = Some(map.next_value()?),
            "src" => self.src = Some(map.next_value()?),
            "dst" => self.dst = Some(map.next_value()?),
            "start" => self.start = Some(map.next_value()?),
            _ => self.stop = Some(map.next_value()?),
        }
        Ok(())
    }

    fn set_rest(&mut self, rest: TrafficTable) {
        self.traffic = rest;
    }
}

impl<'de> Deserialize<'de> for FlowTable {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        split::deserialize(d, "FlowTable")
    }
}

/// One `[[host]]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HostTable {
    pub name: Option<Spanned<String>>,
    pub capacity: Option<Spanned<ByteSize>>,
    pub resume_time: Option<Spanned<SimTime>>,
    pub cpus: Option<Spanned<u32>>,
    pub cpu_speed: Option<vm::placement::CpuSpeed>,
    pub disk_rate: Option<sim_core::DataRate>,
    pub memory: Option<Spanned<ByteSize>>,
}

/// One `[[vm]]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VmTable {
    pub name: Option<Spanned<String>>,
    pub host: Option<Spanned<String>>,
    pub memory: Option<Spanned<ByteSize>>,
    pub page_size: Option<Spanned<ByteSize>>,
    pub dirty_rate: Option<u64>,
    pub hot_fraction: Option<Spanned<f64>>,
    pub dirty_arrivals: Option<vm::DirtyArrivals>,
    pub state: Option<ByteSize>,
    pub vcpus: Option<Spanned<u32>>,
    pub cpu_utilization: Option<Spanned<f64>>,
    pub bandwidth: Option<sim_core::DataRate>,
    pub workload: Option<Spanned<WorkloadTable>>,
    pub address: Option<Spanned<std::net::Ipv4Addr>>,
    pub disk: Option<Spanned<ByteSize>>,
    pub storage: Option<Spanned<vm::Storage>>,
    pub disk_write_rate: Option<u64>,
    pub context: Option<Spanned<ByteSize>>,
}

/// A VM's `workload = { kind = ..., client = ..., ... }`: the kind and the client, and the
/// kind's keys in the same [`TrafficTable`] as a flow's.
#[derive(Debug, Default)]
pub(crate) struct WorkloadTable {
    pub kind: Option<Spanned<FlowKind>>,
    pub client: Option<Spanned<String>>,
    pub traffic: TrafficTable,
}

impl OwnKeys for WorkloadTable {
    type Rest = TrafficTable;
    const KEYS: &'static [&'static str] = &["kind", "client"];

    fn all_keys() -> &'static [&'static str] {
        static ALL: OnceLock<Vec<&'static str>> = OnceLock::new();
        split::concat(&ALL, Self::KEYS, fields_of::<TrafficTable>())
    }

    fn read<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "kind" => self.kind = Some(map.next_value()?),
            _ => self.client = Some(map.next_value()?),
        }
        Ok(())
    }

    fn set_rest(&mut self, rest: TrafficTable) {
        self.traffic = rest;
    }
}

impl<'de> Deserialize<'de> for WorkloadTable {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        split::deserialize(d, "WorkloadTable")
    }
}

/// One `[[event]]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventTable {
    pub at: Option<Spanned<SimTime>>,
    pub link: Option<Spanned<String>>,
    pub switch: Option<Spanned<String>>,
    pub state: Option<LinkState>,
}

/// `[trace]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TraceTable {
    pub pcap: Option<PcapSelection>,
    pub openflow_pcap: Option<Spanned<bool>>,
    pub timeseries: Option<Vec<Spanned<String>>>,
    pub sample_interval: Option<Spanned<SimTime>>,
    pub snaplen: Option<u32>,
}

impl<'de> Deserialize<'de> for PcapSelection {
    /// `"none"`, `"hosts"`, `"all"`, or a list of node names (each keeping its span).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PcapSelection;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("\"none\", \"hosts\", \"all\" or a list of node names")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PcapSelection, E> {
                match v {
                    "none" => Ok(PcapSelection::None),
                    "hosts" => Ok(PcapSelection::Hosts),
                    "all" => Ok(PcapSelection::All),
                    other => Err(E::unknown_variant(other, &["none", "hosts", "all"])),
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PcapSelection, A::Error> {
                let mut nodes = Vec::new();
                while let Some(node) = seq.next_element::<Spanned<String>>()? {
                    nodes.push(node);
                }
                Ok(PcapSelection::Nodes(nodes))
            }
        }
        d.deserialize_any(V)
    }
}
