//! The ideal flow-completion time: a lower bound on how fast a flow of a given size can
//! complete on its path when it is alone in the network.
//!
//! HPCC's `fct_analysis.py` and Parsimon define the ideal (or "standalone") FCT as the base RTT
//! of the path plus the size over the bottleneck rate. netsim measures a flow from the moment
//! the sender opens its connection (the SYN) to the moment the last data byte is acknowledged,
//! so the bound here spells out each part a TCP flow cannot avoid, packet by packet, with the
//! path's hops (rate Cᵢ, propagation delay dᵢ, in path order) and the headers counted:
//!
//! * **handshake**: the SYN out and the SYN-ACK back — Σᵢ (2·dᵢ + 2·ser(54, Cᵢ));
//! * **data**: the segments leave after the SYN-ACK arrives. Every data frame (payload + 54
//!   bytes of Ethernet, IPv4 and TCP headers, + 12 with timestamps) crosses every hop, so for
//!   any hop b: the first frame crosses the hops before b, all W frame bytes are serialised at
//!   b, the last frame crosses the hops after b — Σ_{i<b} ser(f₁, Cᵢ) + ser(W, C_b) +
//!   Σ_{i>b} ser(fₙ, Cᵢ); the bound takes the largest over b (the bottleneck), plus Σ dᵢ;
//! * **the last ACK** back: Σᵢ (dᵢ + ser(54, Cᵢ)).
//!
//! ser(x, C) = ⌊8x / C⌋ in picoseconds (links round each frame up, so the floor never
//! exceeds what a link takes). Queueing, slow start and ARP only add to this, so
//! FCT ≥ ideal holds by construction; a flow whose window never limits it on an idle path
//! completes in exactly the bound plus the SYN options' few bytes.

use sim_core::SimTime;

/// The smallest Ethernet + IPv4 + TCP header: 14 + 20 + 20 bytes.
pub const HEADER_BYTES: u64 = 54;

/// One hop of a path: its rate and propagation delay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hop {
    /// Rate [bit/s].
    pub rate_bps: u64,
    /// Propagation delay [ps].
    pub delay_ps: u64,
}

/// A path's hops from the sender's NIC to the receiver (the reverse path is taken to be the
/// same links backwards, as on full-duplex point-to-point links).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathProfile {
    /// Hops in order.
    pub hops: Vec<Hop>,
}

fn ser(bytes: u64, rate_bps: u64) -> u64 {
    (u128::from(bytes) * 8 * 1_000_000_000_000 / u128::from(rate_bps.max(1))) as u64
}

impl PathProfile {
    /// The base RTT: a minimum-size frame out and back (Σ 2·(dᵢ + ser(54, Cᵢ))).
    pub fn base_rtt(&self) -> SimTime {
        SimTime::from_ps(
            self.hops
                .iter()
                .map(|h| 2 * (h.delay_ps + ser(HEADER_BYTES, h.rate_bps)))
                .sum(),
        )
    }

    /// The smallest rate along the path [bit/s].
    pub fn bottleneck_bps(&self) -> u64 {
        self.hops.iter().map(|h| h.rate_bps).min().unwrap_or(0)
    }

    /// The ideal FCT of `size` bytes sent in segments of `mss` payload bytes with
    /// `per_segment` header bytes each (54, or 66 with timestamps); see the module docs.
    pub fn ideal_fct(&self, size: u64, mss: u64, per_segment: u64) -> SimTime {
        let hops = &self.hops;
        if hops.is_empty() {
            return SimTime::ZERO;
        }
        let size = size.max(1);
        let mss = mss.max(1);
        let segments = size.div_ceil(mss);
        let last = size - (segments - 1) * mss;
        let wire = size + segments * per_segment;
        let (f_first, f_last) = (size.min(mss) + per_segment, last + per_segment);
        let delays: u64 = hops.iter().map(|h| h.delay_ps).sum();
        let handshake: u64 = hops
            .iter()
            .map(|h| 2 * h.delay_ps + 2 * ser(HEADER_BYTES, h.rate_bps))
            .sum();
        let ack: u64 = hops
            .iter()
            .map(|h| h.delay_ps + ser(HEADER_BYTES, h.rate_bps))
            .sum();
        // Running sums: before b (first frame) and after b (last frame).
        let after_total: u64 = hops.iter().map(|h| ser(f_last, h.rate_bps)).sum();
        let (mut before, mut after, mut data) = (0u64, after_total, 0u64);
        for h in hops {
            after -= ser(f_last, h.rate_bps);
            data = data.max(before + ser(wire, h.rate_bps) + after);
            before += ser(f_first, h.rate_bps);
        }
        SimTime::from_ps(handshake + data + delays + ack)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop(gbps: u64, us: u64) -> Hop {
        Hop {
            rate_bps: gbps * 1_000_000_000,
            delay_ps: us * 1_000_000,
        }
    }

    /// One 1 Gbit/s hop with 1 µs delay, a 1000-byte flow: handshake 2·1 µs + 2·432 ns, data
    /// 1054·8 ns + 1 µs, ACK 1 µs + 432 ns — worked by hand.
    #[test]
    fn one_hop_by_hand() {
        let p = PathProfile {
            hops: vec![hop(1, 1)],
        };
        let ps = p.ideal_fct(1000, 1448, 54).as_ps();
        let hand = (2_000 + 2 * 432) + (1054 * 8 + 1_000) + (1_000 + 432);
        assert_eq!(ps, hand * 1000);
        assert_eq!(p.base_rtt().as_ps(), 2 * (1_000 + 432) * 1000);
    }

    /// The slowest hop is the one whose serialisation of every frame counts: a 1 Gbit/s hop
    /// in the middle of 10 Gbit/s hops gives the same data time as the formula with b there.
    #[test]
    fn bottleneck_in_the_middle() {
        let p = PathProfile {
            hops: vec![hop(10, 1), hop(1, 1), hop(10, 1)],
        };
        let size = 14_480; // 10 full segments
        let ideal = p.ideal_fct(size, 1448, 54).as_ps();
        let ser = |b: u64, g: u64| b * 8 * 1000 / g; // ps
        let wire = size + 10 * 54;
        let handshake: u64 = 3 * 2 * 1_000_000 + 2 * (2 * ser(54, 10) + ser(54, 1));
        let data = ser(1502, 10) + ser(wire, 1) + ser(1502, 10) + 3_000_000;
        let ack = 3_000_000 + 2 * ser(54, 10) + ser(54, 1);
        assert_eq!(ideal, handshake + data + ack);
        assert_eq!(p.bottleneck_bps(), 1_000_000_000);
    }

    /// Bigger flows never have a smaller ideal.
    #[test]
    fn monotone_in_size() {
        let p = PathProfile {
            hops: vec![hop(10, 1), hop(10, 2), hop(10, 1)],
        };
        let mut last = SimTime::ZERO;
        for size in (1..200_000).step_by(997) {
            let t = p.ideal_fct(size, 1448, 54);
            assert!(t >= last, "{size}");
            last = t;
        }
    }
}
