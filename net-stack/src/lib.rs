//! # net-stack — netsim's network model
//!
//! Nodes with devices, point-to-point links with a transmit state machine and shallow drop-tail
//! queues, Ethernet/IPv4/UDP/ICMP/TCP headers, host IP routing, applications and pcap taps.
#![warn(missing_docs)]

pub mod tcp;
pub mod wire;
