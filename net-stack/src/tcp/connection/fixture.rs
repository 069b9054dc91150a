//! Test fixture: a connection scripted segment by segment from an imaginary peer (the smoltcp
//! `established()` habit).

use sim_core::SimTime;

use crate::tcp::{Ecn, TcpConfig, TcpConnection, TcpEvent};
use crate::wire::{SeqNum, TcpFlags, TcpOptions, TcpRepr};

/// Our ISS; data offset `k` is sequence `ISS + 1 + k`.
pub const ISS: SeqNum = SeqNum(1000);
/// The peer's ISS.
pub const PEER_ISS: SeqNum = SeqNum(50_000);
/// Our port.
pub const LOCAL: u16 = 40_000;
/// The peer's port.
pub const REMOTE: u16 = 80;
/// The fixture's handshake RTT.
pub const HANDSHAKE_RTT: SimTime = SimTime::from_ms(10);

/// A connection plus the peer's view of the sequence spaces.
pub struct Fx {
    /// The connection under test.
    pub c: TcpConnection,
    /// Our ISS (data offset 0 is `iss + 1`).
    pub iss: SeqNum,
    /// Next sequence number the peer will send.
    pub peer_nxt: SeqNum,
    /// Window the peer advertises (unscaled field; the peer's shift is 7 → ×128).
    pub peer_window: u16,
}

/// A connection after an active open whose SYN went out at t = 0 and whose SYN-ACK came back at
/// t = 10 ms, with the peer advertising 65535 << 7 ≈ 8 MiB. Our final ACK has been drained.
pub fn established(cfg: TcpConfig) -> Fx {
    established_iss(cfg, ISS)
}

/// [`established`] with a chosen ISS.
pub fn established_iss(cfg: TcpConfig, iss: SeqNum) -> Fx {
    let mut c = TcpConnection::connect(SimTime::ZERO, &cfg, LOCAL, REMOTE, iss);
    let syn = c.poll_transmit(SimTime::ZERO).expect("SYN").repr;
    assert!(
        syn.flags.contains(TcpFlags::SYN),
        "first segment is the SYN"
    );
    let synack = TcpRepr {
        src_port: REMOTE,
        dst_port: LOCAL,
        seq: PEER_ISS,
        ack: iss + 1,
        flags: TcpFlags::SYN | TcpFlags::ACK,
        window: 65_535,
        options: TcpOptions {
            mss: std::num::NonZeroU16::new(cfg.mss as u16),
            window_scale: Some(7),
            timestamps: syn.options.timestamps.map(|(v, _)| (1, v)),
            sack: syn.options.sack,
        },
    };
    c.handle_segment(HANDSHAKE_RTT, &synack, 0, Ecn::NotEct);
    let t = c.poll_transmit(HANDSHAKE_RTT).expect("handshake ACK");
    let (ack, len) = (t.repr, t.payload_len);
    assert_eq!((ack.flags, len), (TcpFlags::ACK, 0), "pure ACK");
    assert_eq!(c.poll_event(), Some(TcpEvent::Connected), "connected");
    let mut fx = Fx {
        c,
        iss,
        peer_nxt: PEER_ISS + 1,
        peer_window: 65_535,
    };
    // The peer's first non-SYN segment scales its window (RFC 7323 §2.2), so that later
    // duplicate ACKs do not count as window updates.
    fx.ack(HANDSHAKE_RTT, 0);
    let shift = if cfg.window_shift().is_some() { 7 } else { 0 };
    assert_eq!(
        fx.c.snd_wnd(),
        65_535 << shift,
        "peer window, scaled iff we offered"
    );
    assert!(fx.drain(HANDSHAKE_RTT).is_empty(), "nothing to send yet");
    fx
}

impl Fx {
    /// Sequence number of data offset `off`.
    pub fn seq(&self, off: u32) -> SeqNum {
        self.iss + 1 + off
    }

    /// A segment from the peer (ACK set) acknowledging our data offset `ack_off`.
    pub fn peer_seg(&self, ack_off: u32) -> TcpRepr {
        TcpRepr {
            src_port: REMOTE,
            dst_port: LOCAL,
            seq: self.peer_nxt,
            ack: self.seq(ack_off),
            flags: TcpFlags::ACK,
            window: self.peer_window,
            options: TcpOptions::default(),
        }
    }

    /// The peer acknowledges everything below data offset `ack_off` at `now`.
    pub fn ack(&mut self, now: SimTime, ack_off: u32) {
        let seg = self.peer_seg(ack_off);
        self.c.handle_segment(now, &seg, 0, Ecn::NotEct);
    }

    /// The peer sends `len` bytes at its sequence `peer_nxt + rel` (out of order when
    /// `rel > 0`), acknowledging our data offset `ack_off`.
    pub fn peer_data(&mut self, now: SimTime, rel: u32, len: u32, ack_off: u32) {
        let mut seg = self.peer_seg(ack_off);
        seg.seq = self.peer_nxt + rel;
        self.c.handle_segment(now, &seg, len, Ecn::NotEct);
    }

    /// Everything the connection sends now.
    pub fn drain(&mut self, now: SimTime) -> Vec<(TcpRepr, u32)> {
        let mut out = vec![];
        while let Some(t) = self.c.poll_transmit(now) {
            self.c.check_drained(now);
            out.push((t.repr, t.payload_len));
            assert!(out.len() < 100_000, "poll_transmit never ends");
        }
        out
    }

    /// Data offsets of what the connection sends now.
    pub fn drain_offsets(&mut self, now: SimTime) -> Vec<(u32, u32)> {
        let base = self.iss + 1;
        self.drain(now)
            .into_iter()
            .map(|(s, len)| ((s.seq - base) as u32, len))
            .collect()
    }

    /// All pending events.
    pub fn events(&mut self) -> Vec<TcpEvent> {
        std::iter::from_fn(|| self.c.poll_event()).collect()
    }
}
