//! The scenario file as serde reads it: one flat struct per TOML table.
//!
//! These types mirror the file one to one and are deliberately loose: every key is optional
//! here, and keys that only some kinds accept sit side by side (a flow's `rate` next to its
//! `interval`). Flat structs keep `#[serde(deny_unknown_fields)]` working and keep the span of
//! every value; serde's internally tagged enums would lose both. [`super::validate`] turns these
//! into the typed [`super::spec`] structs, applying defaults and reporting every problem with the
//! span of the value at fault.

use net_stack::{LinkConfig, LinkOverrides};
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use sim_core::{ByteSize, DataRate, SimTime};
use toml::Spanned;

use super::spec::{FlowKind, LinkState, PcapSelection, TopologyKind};

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
    pub trace: TraceTable,
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
}

/// `bytes = "unlimited"` or a size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlowBytes {
    Unlimited,
    Limited(ByteSize),
}

impl<'de> Deserialize<'de> for FlowBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = FlowBytes;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("\"unlimited\" or a size such as \"50MB\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FlowBytes, E> {
                if v.trim() == "unlimited" {
                    return Ok(FlowBytes::Unlimited);
                }
                v.parse().map(FlowBytes::Limited).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<FlowBytes, E> {
                Ok(FlowBytes::Limited(ByteSize(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<FlowBytes, E> {
                u64::try_from(v)
                    .map(|v| FlowBytes::Limited(ByteSize(v)))
                    .map_err(|_| E::custom(format!("`{v}` is not a size: it is negative")))
            }
        }
        d.deserialize_any(V)
    }
}

/// The keys that choose what a flow (or a VM's workload) sends; which ones apply depends on its
/// kind. Shared by [`FlowTable`] and [`WorkloadTable`] so that one function validates both.
#[derive(Debug, Default, Clone)]
pub(crate) struct KindKeys {
    pub bytes: Option<Spanned<FlowBytes>>,
    pub rate: Option<Spanned<DataRate>>,
    pub packet_size: Option<Spanned<ByteSize>>,
    pub on: Option<Spanned<SimTime>>,
    pub off: Option<Spanned<SimTime>>,
    pub interval: Option<Spanned<SimTime>>,
    pub size: Option<Spanned<ByteSize>>,
    pub request: Option<Spanned<ByteSize>>,
    pub response: Option<Spanned<ByteSize>>,
}

/// One `[[flow]]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FlowTable {
    pub name: Option<Spanned<String>>,
    pub kind: Option<Spanned<FlowKind>>,
    pub src: Option<Spanned<String>>,
    pub dst: Option<Spanned<String>>,
    pub start: Option<Spanned<SimTime>>,
    pub stop: Option<Spanned<SimTime>>,
    pub bytes: Option<Spanned<FlowBytes>>,
    pub rate: Option<Spanned<DataRate>>,
    pub packet_size: Option<Spanned<ByteSize>>,
    pub on: Option<Spanned<SimTime>>,
    pub off: Option<Spanned<SimTime>>,
    pub interval: Option<Spanned<SimTime>>,
    pub size: Option<Spanned<ByteSize>>,
    pub request: Option<Spanned<ByteSize>>,
    pub response: Option<Spanned<ByteSize>>,
}

impl FlowTable {
    pub fn kind_keys(&self) -> KindKeys {
        KindKeys {
            bytes: self.bytes.clone(),
            rate: self.rate.clone(),
            packet_size: self.packet_size.clone(),
            on: self.on.clone(),
            off: self.off.clone(),
            interval: self.interval.clone(),
            size: self.size.clone(),
            request: self.request.clone(),
            response: self.response.clone(),
        }
    }
}

/// One `[[host]]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HostTable {
    pub name: Option<Spanned<String>>,
    pub capacity: Option<ByteSize>,
    pub resume_time: Option<Spanned<SimTime>>,
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
    pub state: Option<ByteSize>,
    pub workload: Option<Spanned<WorkloadTable>>,
}

/// A VM's `workload = { kind = ..., client = ..., ... }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WorkloadTable {
    pub kind: Option<Spanned<FlowKind>>,
    pub client: Option<Spanned<String>>,
    pub bytes: Option<Spanned<FlowBytes>>,
    pub rate: Option<Spanned<DataRate>>,
    pub packet_size: Option<Spanned<ByteSize>>,
    pub on: Option<Spanned<SimTime>>,
    pub off: Option<Spanned<SimTime>>,
    pub interval: Option<Spanned<SimTime>>,
    pub size: Option<Spanned<ByteSize>>,
    pub request: Option<Spanned<ByteSize>>,
    pub response: Option<Spanned<ByteSize>>,
}

impl WorkloadTable {
    pub fn kind_keys(&self) -> KindKeys {
        KindKeys {
            bytes: self.bytes.clone(),
            rate: self.rate.clone(),
            packet_size: self.packet_size.clone(),
            on: self.on.clone(),
            off: self.off.clone(),
            interval: self.interval.clone(),
            size: self.size.clone(),
            request: self.request.clone(),
            response: self.response.clone(),
        }
    }
}

/// One `[[event]]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventTable {
    pub at: Option<Spanned<SimTime>>,
    pub link: Option<Spanned<String>>,
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
