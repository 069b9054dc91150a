//! The switch's ports: link state, OpenFlow port descriptions and per-port counters
//! (OpenFlow 1.3.5 §7.2.1, §7.3.5.6).

use sim_core::SimTime;

use super::flow_entry::sec_nsec;
use crate::wire::{Port, PortStats};

/// `OFPPF_10GB_FD | OFPPF_COPPER`: what `curr` advertises.
const FEATURES_10GB_FD_COPPER: u32 = (1 << 6) | (1 << 11);
/// `OFPPS_LIVE`
const STATE_LIVE: u32 = 4;

/// Per-port counters as in `ofp_port_stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PortCounters {
    /// Packets received.
    pub rx_packets: u64,
    /// Packets handed to the integrator for transmission.
    pub tx_packets: u64,
    /// Bytes received (Ethernet frames without FCS).
    pub rx_bytes: u64,
    /// Bytes handed over for transmission.
    pub tx_bytes: u64,
    /// Packets received while the port was down.
    pub rx_dropped: u64,
    /// Packets the output queue dropped, as reported by the integrator
    /// ([`super::Switch::record_tx_drop`]).
    pub tx_dropped: u64,
}

/// One switch port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwitchPort {
    /// Port number, 1-based.
    pub port_no: u32,
    /// Whether the link is up.
    pub up: bool,
    /// Counters.
    pub counters: PortCounters,
    /// When the port was created (the start of its stats duration).
    pub created: SimTime,
    /// MAC address reported in the port description.
    pub hw_addr: [u8; 6],
    /// Name, Mininet style (`s1-eth2`).
    pub name: String,
}

impl SwitchPort {
    pub(crate) fn new(datapath_id: u64, port_no: u32, now: SimTime) -> SwitchPort {
        let d = datapath_id.to_be_bytes();
        let p = port_no.to_be_bytes();
        SwitchPort {
            port_no,
            up: true,
            counters: PortCounters::default(),
            created: now,
            hw_addr: [0x0a, d[6], d[7], p[1], p[2], p[3]],
            name: format!("s{datapath_id}-eth{port_no}"),
        }
    }

    /// The `ofp_port` description; `speed_kbps` goes into `curr_speed` and `max_speed`.
    pub fn desc(&self, speed_kbps: u32) -> Port {
        Port {
            port_no: self.port_no,
            hw_addr: self.hw_addr,
            name: self.name.clone(),
            config: 0,
            state: if self.up {
                STATE_LIVE
            } else {
                Port::STATE_LINK_DOWN
            },
            curr: FEATURES_10GB_FD_COPPER,
            advertised: 0,
            supported: 0,
            peer: 0,
            curr_speed: speed_kbps,
            max_speed: speed_kbps,
        }
    }

    /// The `ofp_port_stats` record at `now`.
    pub fn stats(&self, now: SimTime) -> PortStats {
        let c = &self.counters;
        let (duration_sec, duration_nsec) = sec_nsec(now.saturating_sub(self.created));
        PortStats {
            port_no: self.port_no,
            rx_packets: c.rx_packets,
            tx_packets: c.tx_packets,
            rx_bytes: c.rx_bytes,
            tx_bytes: c.tx_bytes,
            rx_dropped: c.rx_dropped,
            tx_dropped: c.tx_dropped,
            rx_errors: 0,
            tx_errors: 0,
            rx_frame_err: 0,
            rx_over_err: 0,
            rx_crc_err: 0,
            collisions: 0,
            duration_sec,
            duration_nsec,
        }
    }
}
