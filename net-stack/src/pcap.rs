//! The pcap tap: writes the frames of traced devices to a libpcap file that Wireshark and
//! tshark read.
//!
//! Packets travel through the simulation as [`Packet`]s — header structs plus a payload
//! *length* (see [`crate::wire`]). Bytes exist only where someone looks:
//!
//! ```text
//! device tx/rx ──► PcapTap::write(now, &pkt)
//!                    └─ Packet::emit (wire/emit.rs): Ethernet [+ tags] [+ tunnel]
//!                       + IPv4 + UDP/TCP/ICMP | ARP + zero-filled payload, truncated to snaplen
//!                    └─ pcap record (nanosecond timestamps, LINKTYPE_ETHERNET)
//!                       ──► BufWriter<File>  (results/pcap/<node>-<port>.pcap)
//! ```
//!
//! Lengths and checksums are correct for the zero-filled payload, so a capture opens in
//! Wireshark without "bad checksum" or "malformed" warnings. (One caveat is Wireshark's, not
//! ours: a heuristic dissector may claim a zero UDP payload on a port with no registered
//! dissector — TAPA does for 4 bytes — and call it malformed; "Decode As… data" or
//! `--disable-heuristic` silences it.) The hot path reuses one frame buffer per tap and
//! allocates nothing per packet.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use pcap_file::pcap::PcapHeader;
use pcap_file::{DataLink, Endianness, PcapError, TsResolution};
use sim_core::SimTime;

use crate::wire::{Packet, SackArena};

/// The snaplen written in the file header when the tap keeps whole frames: libpcap's
/// `MAXIMUM_SNAPLEN`, larger than any IPv4 frame (65,535 + 18 bytes).
pub const WHOLE_FRAME_SNAPLEN: u32 = 262_144;

/// Writes the Ethernet frame of `pkt` into `buf`, truncated to `snaplen` (0 = whole), and
/// returns the untruncated frame length: [`Packet::emit`], kept under its old name for callers
/// outside net-stack.
pub fn serialize_frame(pkt: &Packet, snaplen: usize, buf: &mut Vec<u8>) -> usize {
    pkt.emit(snaplen, buf)
}

/// A pcap file of one traced device: Ethernet link type, nanosecond timestamps (magic
/// `0xa1b23c4d`, little-endian), frames truncated to a snap length.
///
/// Writes go through a `BufWriter`; call [`PcapTap::finish`] to flush and see any error
/// (dropping the tap flushes too, but silently).
///
/// The file header comes from `pcap-file`'s [`PcapHeader`]. The 16-byte record headers are
/// written here rather than through `pcap_file::pcap::PcapWriter`, because that writer (2.0)
/// owns its output and offers no `flush` or `get_mut`, so a tap could not flush mid-run; the
/// record layout is the fixed libpcap one (`ts_sec`, `ts_nsec`, `incl_len`, `orig_len`,
/// each u32 in the file's byte order), and the tests read our files back with `pcap-file`'s
/// reader and with tshark.
#[derive(Debug)]
pub struct PcapTap {
    out: BufWriter<File>,
    /// Bytes kept per frame; 0 = whole frame.
    snaplen: usize,
    /// The frame buffer, reused for every packet.
    buf: Vec<u8>,
    packets: u64,
}

impl PcapTap {
    /// Creates (or truncates) the file at `path` and writes the pcap file header.
    ///
    /// `snaplen` is the number of bytes kept per frame; 0 keeps whole frames. Errors are the
    /// file system's; the caller reports them with the path.
    pub fn create(path: impl AsRef<Path>, snaplen: usize) -> io::Result<Self> {
        let mut out = BufWriter::new(File::create(path)?);
        let header = PcapHeader {
            version_major: 2,
            version_minor: 4,
            ts_correction: 0,
            ts_accuracy: 0,
            snaplen: if snaplen == 0 {
                WHOLE_FRAME_SNAPLEN
            } else {
                u32::try_from(snaplen).unwrap_or(u32::MAX)
            },
            datalink: DataLink::ETHERNET,
            ts_resolution: TsResolution::NanoSecond,
            // Fixed, not native, so a run gives the same bytes on every machine.
            endianness: Endianness::Little,
        };
        header.write_to(&mut out).map_err(pcap_to_io)?;
        Ok(PcapTap {
            out,
            snaplen,
            buf: Vec::with_capacity(if snaplen == 0 {
                2048
            } else {
                snaplen.min(2048)
            }),
            packets: 0,
        })
    }

    /// Records `pkt` as seen at `time`. The timestamp is `time` truncated to whole
    /// nanoseconds; the original length is the frame length, the captured length
    /// `min(snaplen, frame length)`.
    ///
    /// Fails only with the file system's error.
    pub fn write(&mut self, time: SimTime, pkt: &Packet) -> io::Result<()> {
        self.write_with(time, pkt, &SackArena::new())
    }

    /// [`PcapTap::write`] with the TCP SACK blocks looked up in `sack` (the network's arena,
    /// see [`Packet::emit_with`]).
    ///
    /// Fails only with the file system's error.
    pub fn write_with(&mut self, time: SimTime, pkt: &Packet, sack: &SackArena) -> io::Result<()> {
        self.write_payload(time, pkt, sack, None)
    }

    /// [`PcapTap::write_with`] with the payload's real bytes, if the packet carries some
    /// ([`Packet::emit_payload`]).
    pub fn write_payload(
        &mut self,
        time: SimTime,
        pkt: &Packet,
        sack: &SackArena,
        payload: Option<&[u8]>,
    ) -> io::Result<()> {
        let orig_len = pkt.emit_payload(self.snaplen, &mut self.buf, sack, payload);
        write_record(&mut self.out, time, &self.buf, orig_len)?;
        self.packets += 1;
        Ok(())
    }

    /// Records an already serialised Ethernet frame as seen at `time`, for callers that
    /// build their own bytes (the OpenFlow control-channel capture). Timestamp, snap length
    /// and lengths follow the same rules as [`PcapTap::write`]: the original length is
    /// `frame.len()`, the captured bytes its first `min(snaplen, len)`.
    ///
    /// Fails only with the file system's error.
    pub fn write_raw(&mut self, time: SimTime, frame: &[u8]) -> io::Result<()> {
        let keep = if self.snaplen == 0 {
            frame.len()
        } else {
            self.snaplen.min(frame.len())
        };
        write_record(&mut self.out, time, &frame[..keep], frame.len())?;
        self.packets += 1;
        Ok(())
    }

    /// Pushes buffered records to the file.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Flushes and closes the file; returns the number of packets written.
    pub fn finish(mut self) -> io::Result<u64> {
        self.out.flush()?;
        Ok(self.packets)
    }

    /// Packets written so far.
    pub fn packets_written(&self) -> u64 {
        self.packets
    }

    /// Bytes kept per frame; 0 means whole frames.
    pub fn snaplen(&self) -> usize {
        self.snaplen
    }
}

/// One pcap record: the 16-byte header (`ts_sec`, `ts_nsec`, `incl_len`, `orig_len`, each
/// u32 little-endian) and the captured bytes. The timestamp is `time` truncated to whole
/// nanoseconds.
fn write_record(
    out: &mut BufWriter<File>,
    time: SimTime,
    data: &[u8],
    orig_len: usize,
) -> io::Result<()> {
    let ns = time.as_ps() / 1_000;
    // u64 picoseconds end at about 1.8e7 s, far below the 2³² s of the seconds field.
    let ts_sec = (ns / 1_000_000_000) as u32;
    let ts_nsec = (ns % 1_000_000_000) as u32;
    let mut rec = [0u8; 16];
    rec[0..4].copy_from_slice(&ts_sec.to_le_bytes());
    rec[4..8].copy_from_slice(&ts_nsec.to_le_bytes());
    rec[8..12].copy_from_slice(&(data.len() as u32).to_le_bytes());
    rec[12..16].copy_from_slice(&(orig_len as u32).to_le_bytes());
    out.write_all(&rec)?;
    out.write_all(data)
}

/// pcap-file wraps I/O errors; unwrap them, and report anything else as invalid input.
fn pcap_to_io(e: PcapError) -> io::Error {
    match e {
        PcapError::IoError(e) => e,
        other => io::Error::new(io::ErrorKind::InvalidInput, other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::ArpOp;
    use crate::wire::test_packets::{arp, udp};

    fn temp_path(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("netsim-pcap-{}-{name}.pcap", std::process::id()))
    }

    /// The file header says nanosecond resolution (magic 0xa1b23c4d), Ethernet and the
    /// snaplen; records carry the time truncated to ns, orig_len = frame length and
    /// incl_len = min(snaplen, frame); the packet count is right.
    #[test]
    fn tap_writes_ns_records() {
        let path = temp_path("unit");
        let mut tap = PcapTap::create(&path, 64).expect("create");
        let times = [
            SimTime::from_ps(1_000_000_123_999), // 1.000000123999 s → 1.000000123 s
            SimTime::from_secs(2),
        ];
        tap.write(times[0], &udp(1000, None)).expect("write");
        tap.write(times[1], &arp(ArpOp::Request)).expect("write");
        assert_eq!(tap.packets_written(), 2);
        assert_eq!(tap.finish().expect("finish"), 2);

        let bytes = std::fs::read(&path).expect("read back");
        std::fs::remove_file(&path).ok();
        assert_eq!(&bytes[..4], &0xa1b2_3c4du32.to_le_bytes(), "ns magic");
        let mut reader = pcap_file::pcap::PcapReader::new(&bytes[..]).expect("pcap header");
        let header = reader.header();
        assert_eq!(header.ts_resolution, TsResolution::NanoSecond);
        assert_eq!(header.datalink, DataLink::ETHERNET);
        assert_eq!(header.snaplen, 64);
        // Raw records: pcap-file 2.0's checked reader rejects orig_len > snaplen, which is
        // exactly what a truncated capture has.
        let r = reader.next_raw_packet().expect("one").expect("valid");
        assert_eq!((r.ts_sec, r.ts_frac), (1, 123));
        assert_eq!((r.incl_len, r.orig_len), (64, 1042));
        assert_eq!(r.data.len(), 64);
        let r = reader.next_raw_packet().expect("two").expect("valid");
        assert_eq!((r.ts_sec, r.ts_frac), (2, 0));
        assert_eq!((r.incl_len, r.orig_len), (42, 42));
        assert!(reader.next_raw_packet().is_none(), "exactly two records");
    }

    /// `write_raw` of a frame's bytes gives the same file as `write` of the packet, whole or
    /// truncated to the snap length.
    #[test]
    fn write_raw_matches_write() {
        for snaplen in [0, 64] {
            let (a, b) = (temp_path("raw-a"), temp_path("raw-b"));
            let pkts = [udp(1000, None), arp(ArpOp::Reply)];
            let t = SimTime::from_ps(3_000_000_456_789);
            let mut ta = PcapTap::create(&a, snaplen).expect("create");
            let mut tb = PcapTap::create(&b, snaplen).expect("create");
            let mut full = Vec::new();
            for p in &pkts {
                ta.write(t, p).expect("write");
                serialize_frame(p, 0, &mut full);
                tb.write_raw(t, &full).expect("write_raw");
            }
            assert_eq!(tb.packets_written(), 2);
            assert_eq!((ta.finish().unwrap(), tb.finish().unwrap()), (2, 2));
            let (ba, bb) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
            std::fs::remove_file(&a).ok();
            std::fs::remove_file(&b).ok();
            assert_eq!(ba, bb, "snaplen {snaplen}: identical files");
        }
    }
}
