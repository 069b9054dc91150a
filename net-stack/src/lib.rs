//! # net-stack — netsim's network model
//!
//! Nodes (hosts, routers, switches, VMs) with devices; full-duplex point-to-point links with a
//! transmit state machine, output queues with a discipline (drop-tail, RED, an ECN threshold
//! marker; [`queue`]) and random loss;
//! Ethernet, IPv4, ARP, UDP, ICMP and TCP headers ([`wire`]); hosts with an IP layer, ARP and
//! sockets; TCP (Reno, NewReno) as a sans-IO state machine ([`tcp`]); applications ([`app`],
//! [`apps`]); static shortest-path routing with ECMP ([`routing`]); VMs that pause and move
//! between hosts; pcap taps ([`pcap`]) and time series ([`trace`]).
//!
//! ```text
//!  Application ──AppCtx──► socket ─► TCP ─► host IP layer ──route──► Device: queue ─► wire
//!                                                                    (rate, delay, loss)
//!  Application ◄── socket ◄── TCP ◄── host ◄── router: TTL, route ◄── switch plane ◄┘
//! ```
//!
//! Two extension points let higher crates add behaviour without editing net-stack: the switch
//! plane ([`plane`], the forwarding of switch nodes; the `openflow` crate) and host planes
//! ([`host_plane`], the hypervisor's virtual switch between a host's IP layer and its devices;
//! the `vm` crate bridges VMs with one).
//!
//! A [`Network`] is a [`sim_core::Model`]: build one with a [`NetworkBuilder`], wrap it in a
//! [`sim_core::Simulation`], call [`Network::schedule_apps`], and run. The path of a packet,
//! file by file, and the seams for new behaviour are in `docs/architecture.md`.
//!
//! Applications coordinate through typed [`signal`]s delivered as engine events (with a
//! written ordering contract), can stop the run, follow their TCP streams' acknowledgements,
//! and report their results as a typed [`report::Report`] per kind.
#![warn(missing_docs)]

pub mod app;
pub mod apps;
pub mod arp;
mod builder;
pub mod device;
mod field_error;
pub mod host_plane;
mod ids;
mod link_config;
mod network;
pub mod node;
pub mod pcap;
pub mod plane;
pub mod queue;
pub mod report;
pub mod router;
pub mod routing;
pub mod signal;
pub mod socket;
pub mod tcp;
pub mod trace;
pub mod wire;

pub use builder::{BuildError, NetworkBuilder};
pub use field_error::FieldError;
pub use ids::{AppId, DeviceId, LinkId, NodeId, PacketId};
pub use link_config::{LinkConfig, LinkOverrides};
pub use network::{Event, Network, PacketFates, SwitchFailure};
