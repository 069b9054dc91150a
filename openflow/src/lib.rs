//! # openflow — OpenFlow 1.3 for netsim
//!
//! This crate holds netsim's OpenFlow 1.3 world: switches with a multi-table pipeline, the
//! control channels, and a Ryu-like controller runtime:
//!
//! * the **wire codec** ([`wire`]): plain Rust types for the messages switch and controller
//!   exchange, and their exact byte encoding, so that the simulator's control channel can carry
//!   the types directly and `pcap/openflow.pcap` can carry the bytes for Wireshark
//!   (`openflow_v4`);
//! * the **switch** ([`switch`]): a sans-IO OpenFlow 1.3 switch — flow tables with priorities,
//!   FLOW_MOD semantics, exact idle/hard timeouts, a multi-table pipeline with action sets,
//!   PACKET_IN buffers that expire, port and flow counters, multipart statistics — that matches
//!   on net-stack packets;
//! * the **timing model** ([`timing`]): per-packet pipeline latency, controller-message
//!   handling time and processing capacity of a switch, with the seed 000 and OFSwitch13
//!   presets;
//! * the **control-channel capture** ([`capture`]): `openflow.pcap`, the messages as
//!   OpenFlow 1.3 over TCP port 6653 for Wireshark, one address per controller;
//! * the **controller** ([`controller`]): a sans-IO Ryu-like runtime (handshake, echo, xids,
//!   timers handed to the integrator, multipart joining) running an ordered list of apps behind
//!   a shim — a learning switch flooding along a spanning tree, reactive shortest-path
//!   routing, seed 002's dynamic routing on port statistics, Ryu's `simple_monitor_13` — and
//!   the shims (`none`, `barrier`);
//! * the **plane** ([`plane`]): all of the above as net-stack's switch plane, so that a
//!   simulated network's switch nodes run OpenFlow under one or more controllers; every
//!   channel delivery, switch completion, flow expiry and controller timer is an engine event
//!   (no private timeline), and each switch and controller draws from its own random stream;
//! * the **configuration** ([`config`]): the scenario's `[controller]` and
//!   `[[controller.extra]]` tables.
//!
//! ```text
//!  controller app ──Message──► channel (latency) ──Message──► switch pipeline
//!                                   │
//!                                   └── Message::encode ──► TCP port 6653 in openflow.pcap
//! ```
//!
//! Every message is a [`Message`] (transaction id + [`MessageBody`]). Matches are a friendly
//! [`Match`] of `Option`s that converts to and from the ordered OXM TLV list; actions and
//! instructions are enums. Decoding is strict and total: malformed input yields a
//! [`DecodeError`], never a panic.
//!
//! ```
//! use openflow::{Action, FlowMod, Instruction, Match, Message, MessageBody, OFPP_FLOOD};
//!
//! // Ryu's simple_switch_13: flood everything from port 1 to 02:00:00:00:00:02.
//! let m = Match { in_port: Some(1), eth_dst: Some([2, 0, 0, 0, 0, 2].into()), ..Match::default() };
//! let fm = FlowMod::add(1, m, vec![Instruction::apply(vec![Action::output(OFPP_FLOOD)])]);
//! let msg = Message::new(7, MessageBody::FlowMod(fm));
//!
//! let mut bytes = Vec::new();
//! msg.encode(&mut bytes);
//! assert_eq!(bytes.len(), msg.encoded_len());
//! let (back, used) = Message::decode(&bytes).unwrap();
//! assert_eq!((back, used), (msg, bytes.len()));
//! ```
#![warn(missing_docs)]

pub mod capture;
pub mod config;
pub mod controller;
pub mod netmig;
pub mod plane;
pub mod switch;
pub mod timing;
pub mod wire;

pub use wire::*;
