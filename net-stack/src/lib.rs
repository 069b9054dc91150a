//! # net-stack — netsim's network model
//!
//! Nodes with devices, full-duplex point-to-point links with a transmit state machine and
//! output queues with a discipline (drop-tail, RED, an ECN threshold marker; [`queue`]), Ethernet/IPv4/UDP/ICMP headers, hosts with applications, static
//! shortest-path routing, and pcap taps.
//!
//! ```text
//!  Application ──AppCtx──► host IP layer ──route──► Device: queue ─► wire (rate, delay, loss)
//!                                                                         │
//!  Application ◄── host (UDP port / ICMP) ◄── router: TTL, route ◄─────────┘
//! ```
//!
//! A [`Network`] is a [`sim_core::Model`]: build one with a [`NetworkBuilder`], wrap it in a
//! [`sim_core::Simulation`], call [`Network::schedule_apps`], and run.
#![warn(missing_docs)]

pub mod app;
pub mod apps;
pub mod arp;
mod builder;
pub mod device;
mod field_error;
mod ids;
mod link_config;
mod network;
pub mod node;
pub mod pcap;
pub mod plane;
pub mod queue;
pub mod routing;
pub mod socket;
pub mod tcp;
pub mod trace;
pub mod wire;

pub use builder::{BuildError, NetworkBuilder};
pub use field_error::FieldError;
pub use ids::{AppId, DeviceId, LinkId, NodeId, PacketId};
pub use link_config::{LinkConfig, LinkOverrides};
pub use network::{Event, Network, PacketFates};
