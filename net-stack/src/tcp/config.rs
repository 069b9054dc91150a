//! Parameters of one TCP endpoint, and the scenario's `[tcp]` table that sets them.
//!
//! [`TcpConfig`] deserialises from the `[tcp]` table ([`TcpTable`]): the keys a scenario may
//! write, with units (`min_rto = "200ms"`, `rcv_buf = "4MiB"`); every key not written, and every
//! field the table does not expose, keeps [`TcpConfig::default`]. [`TcpConfig::validate`]
//! checks what the types cannot and names the key at fault.

use serde::Deserialize;
use sim_core::{ByteSize, SimTime};

use super::congestion::CcFactory;
use super::ip::IpFields;
use super::ns3::Ns3Departures;
use crate::FieldError;

/// Which congestion-control algorithm a connection runs (`[tcp] variant`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Deserialize)]
pub enum CcVariant {
    /// `"reno"`: Reno, RFC 5681 §3.1–3.2: fast recovery ends on the first ACK of new data.
    #[serde(rename = "reno")]
    Reno,
    /// `"newreno"`: NewReno, RFC 6582: fast recovery lasts until everything sent before the
    /// loss is acked.
    #[default]
    #[serde(rename = "newreno")]
    NewReno,
    /// `"cubic"`: CUBIC, RFC 9438 (β = 0.7, C = 0.4, Reno-friendly region, fast convergence),
    /// with HyStart++ (RFC 9406) when [`TcpConfig::hystart`]; NewReno's loss recovery.
    #[serde(rename = "cubic")]
    Cubic,
    /// `"dctcp"`: DCTCP, RFC 8257 (α with g = 1/16, cwnd·(1 − α/2) per window of ECN-Echo);
    /// implies ECN ([`TcpConfig::ecn`]) and RFC 8257 §3.2's receiver.
    #[serde(rename = "dctcp")]
    Dctcp,
    /// A controller from outside the crate, made by the factory for each connection, with
    /// NewReno's loss recovery (RFC 6582). Not a scenario value: set it in code, in the
    /// [`TcpConfig`] given to [`NetworkBuilder::tcp_config`](crate::NetworkBuilder::tcp_config)
    /// or to a connection.
    #[serde(skip)]
    Custom(CcFactory),
}

/// The knobs of a TCP endpoint. `Default` gives a Linux-like data-centre host without delayed
/// ACKs, which is also what ns-3 users expect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(from = "TcpTable")]
pub struct TcpConfig {
    /// Payload bytes per full-sized segment, and the value of the MSS option we send. The sender's
    /// SMSS is the smaller of this and the peer's MSS option (536 if the peer sends none,
    /// RFC 9293 §3.7.1). Options (timestamps) do not reduce it: netsim treats `mss` as payload.
    pub mss: u32,
    /// Initial window (segments) (RFC 6928 recommends 10). One segment if the SYN or SYN-ACK had
    /// to be retransmitted (RFC 5681 §3.1).
    pub initial_cwnd: u32,
    /// Lower bound of the retransmission timeout (RFC 6298 §2.4 says 1 s; Linux uses 200 ms).
    pub min_rto: SimTime,
    /// Upper bound of the retransmission timeout, also for backed-off timers (RFC 6298 §2.5: ≥ 60 s).
    pub max_rto: SimTime,
    /// Retransmission timeout before the first RTT sample (RFC 6298 §2.1: 1 s), the scenario's
    /// `[tcp] initial_rto`; it times a lost SYN, SYN-ACK or first segment. In (0, `max_rto`].
    pub initial_rto: SimTime,
    /// Clock granularity G in RTO = SRTT + max(G, 4·RTTVAR) (RFC 6298 §2.3).
    pub clock_granularity: SimTime,
    /// Delay ACKs: acknowledge every second full-sized segment or after
    /// `delayed_ack_timeout` (RFC 5681 §4.2). Off: every data segment is acknowledged at once.
    pub delayed_ack: bool,
    /// The delayed-ACK timer (ns-3 200 ms, Linux 40 ms; RFC 5681 §4.2 requires < 500 ms).
    pub delayed_ack_timeout: SimTime,
    /// Receive buffer (bytes): the most this endpoint advertises (capped at 2³⁰, the largest
    /// scaled window, RFC 7323 §2.3). Above 65 535 a window-scale option is sent on the SYN.
    pub rcv_buf: u64,
    /// Send buffer (bytes): `write` accepts bytes while unsent + unacknowledged stays below this.
    pub snd_buf: u64,
    /// Offer the RFC 7323 timestamps option (TSval in milliseconds of `now`). Used only when both
    /// ends offer it. RTT samples still come from one timed segment at a time (Karn), not TSecr.
    pub timestamps: bool,
    /// Congestion-control algorithm.
    pub variant: CcVariant,
    /// Congestion avoidance by byte counting (RFC 5681 §3.1's RECOMMENDED method, as Linux and
    /// ns-3 do it: +1 SMSS per cwnd of acknowledged bytes, exactly one SMSS per RTT) instead of
    /// eq. 3 (+SMSS·SMSS/cwnd per ACK, slightly less than one SMSS per RTT). Off by default.
    pub ca_byte_counting: bool,
    /// Reset cwnd to min(IW, cwnd) after an idle period longer than one RTO (RFC 5681 §4.1).
    /// Off by default, like Linux with `tcp_slow_start_after_idle = 0`; seed 002's bursty
    /// pre-copy rounds depend on this choice.
    pub restart_after_idle: bool,
    /// How long TIME-WAIT lasts: 2·MSL (`[tcp] msl`). Real stacks use 60 s (Linux's
    /// `TCP_TIMEWAIT_LEN`) to 240 s (RFC 9293's 2 min MSL); in a simulation no stray old
    /// duplicate survives that long, so the default is a short 1 s (MSL 500 ms), enough to
    /// re-ACK a retransmitted FIN after a lost final ACK on any sane path.
    pub time_wait: SimTime,
    /// At most this many TIME-WAIT records per host once their sockets are freed (Linux's
    /// `tcp_max_tw_buckets`, `[tcp] max_time_wait`): past it a closing connection keeps none
    /// and a late segment for it is answered with a reset, as Linux does ("time wait bucket
    /// table overflow"); counted in `tcp.time_wait_overflows`.
    pub max_time_wait: u32,
    /// Consecutive retransmission timeouts (without progress) after which the connection gives
    /// up and closes with [`TcpEvent::Reset`](crate::tcp::TcpEvent::Reset) (Linux `tcp_retries2` = 15).
    pub max_retransmissions: u32,
    /// The IP fields (DSCP, ECN codepoint) of every segment this endpoint sends; default
    /// DSCP 0 and Not-ECT, i.e. TOS 0. Not a scenario key: an ECT codepoint here marks
    /// segments without negotiating; negotiated ECN is [`TcpConfig::ecn`].
    pub ip: IpFields,
    /// Offer SACK-permitted on the SYN (RFC 2018); used when both ends offer it. The receiver
    /// then reports up to 4 SACK blocks (3 with timestamps) and D-SACK (RFC 2883), and the
    /// sender recovers by RFC 6675 (scoreboard, `IsLost`, `NextSeg`, pipe) instead of NewReno.
    pub sack: bool,
    /// RACK-TLP (RFC 8985): the tail loss probe after PTO = 2·SRTT (needs `sack`).
    pub rack_tlp: bool,
    /// Proportional rate reduction (RFC 6937, PRR-SSRB as Linux) as the sending rule of SACK
    /// recovery (needs `sack`); off: RFC 6675's cwnd = ssthresh and send while pipe < cwnd.
    pub prr: bool,
    /// A SACK recovery that begins while the previous recovery's retransmissions are still in
    /// flight keeps them as retransmitted: pipe counts them and `NextSeg` does not resend them
    /// unless RACK marks them lost (needs `rack_tlp`). Linux's choice (`TCPCB_SACKED_RETRANS`
    /// outlives a new cwnd reduction; RACK alone re-marks a lost retransmission); RFC 6675 §5
    /// (4.1) restarts HighRxt at HighACK instead. On in the `linux` preset.
    pub keep_retransmissions: bool,
    // --- cubic branch (issue 18 part B): ECN, HyStart++ ---
    /// ECN (RFC 3168): offer it on the SYN (ECE + CWR) or accept it on the SYN-ACK (ECE); once
    /// both ends agreed, data goes out ECT(0), CE is echoed as ECE until CWR, and the sender
    /// reduces once per window. Off by default; DCTCP implies it.
    pub ecn: bool,
    /// HyStart++ (RFC 9406) in CUBIC's first slow start; on by default (only CUBIC uses it).
    pub hystart: bool,
    /// Grow cwnd only while the flow uses it (RFC 9438 §5.8: no increase while limited by the
    /// application or the peer's window), by Linux's test (`tcp_is_cwnd_limited`), and keep
    /// idle time out of CUBIC's clock. `None`: on with CUBIC (RFC 9438 requires it), off with
    /// the others (RFC 5681 does not); see [`TcpConfig::holds_when_app_limited`].
    pub hold_when_app_limited: Option<bool>,
    /// ns-3's departures from the RFCs to reproduce (`[tcp] ns3_departures`); none by default.
    pub ns3_departures: Ns3Departures,
}

impl Default for TcpConfig {
    fn default() -> Self {
        TcpConfig {
            mss: 1448,
            initial_cwnd: 10,
            min_rto: SimTime::from_ms(200),
            max_rto: SimTime::from_secs(60),
            initial_rto: SimTime::from_secs(1),
            clock_granularity: SimTime::from_ms(1),
            delayed_ack: false,
            delayed_ack_timeout: SimTime::from_ms(200),
            rcv_buf: 4 << 20,
            snd_buf: 4 << 20,
            timestamps: false,
            variant: CcVariant::NewReno,
            ca_byte_counting: false,
            restart_after_idle: false,
            time_wait: SimTime::from_secs(1),
            max_time_wait: DEFAULT_MAX_TIME_WAIT,
            max_retransmissions: 15,
            ip: IpFields::default(),
            sack: false,
            rack_tlp: false,
            prr: false,
            keep_retransmissions: false,
            ecn: false,
            hystart: true,
            hold_when_app_limited: None,
            ns3_departures: Ns3Departures::NONE,
        }
    }
}

/// A named set of `[tcp]` settings (`[tcp] preset`), applied before the table's other keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
pub enum TcpPreset {
    /// `"linux"`: a Linux 6.x host's defaults (see [`TcpConfig::linux`]).
    #[serde(rename = "linux")]
    Linux,
}

impl TcpConfig {
    /// Linux's defaults (6.x, `net.ipv4.tcp_*` sysctls untouched): CUBIC with HyStart
    /// (`tcp_congestion_control = cubic`, `hystart = 1`), delayed ACKs with the 40 ms minimum
    /// (`TCP_DELACK_MIN`), min RTO 200 ms (`TCP_RTO_MIN`), max RTO 120 s (`TCP_RTO_MAX`),
    /// timestamps (`tcp_timestamps = 1`), slow start after idle (`tcp_slow_start_after_idle =
    /// 1`), initial window 10 (`TCP_INIT_CWND`), no ECN request (`tcp_ecn = 2`: only answer).
    /// SACK, RACK-TLP and PRR (`tcp_sack = 1`, `tcp_recovery = 1`, PRR always), retransmissions
    /// kept across recoveries (`keep_retransmissions`); no cwnd growth
    /// while not cwnd-limited (`tcp_is_cwnd_limited`, in every controller's `cong_avoid`).
    /// Sources: docs/tcp.md ("The linux preset").
    pub fn linux() -> Self {
        TcpConfig {
            variant: CcVariant::Cubic,
            hystart: true,
            delayed_ack: true,
            delayed_ack_timeout: SimTime::from_ms(40),
            min_rto: SimTime::from_ms(200),
            max_rto: SimTime::from_secs(120),
            timestamps: true,
            restart_after_idle: true,
            initial_cwnd: 10,
            ecn: false,
            sack: true,
            rack_tlp: true,
            prr: true,
            keep_retransmissions: true,
            hold_when_app_limited: Some(true),
            ..TcpConfig::default()
        }
    }

    /// Whether cwnd grows only while the flow is cwnd-limited (RFC 9438 §5.8): the
    /// `hold_when_app_limited` key, else CUBIC's default (on) or the others' (off).
    pub fn holds_when_app_limited(&self) -> bool {
        self.hold_when_app_limited
            .unwrap_or(self.variant == CcVariant::Cubic)
    }

    /// Whether this endpoint negotiates ECN: `ecn`, or DCTCP.
    pub fn ecn_enabled(&self) -> bool {
        self.ecn || self.variant == CcVariant::Dctcp
    }
}

/// The default bound of TIME-WAIT records per host ([`TcpConfig::max_time_wait`]).
pub const DEFAULT_MAX_TIME_WAIT: u32 = 2048;

/// The largest `[tcp] msl`: one hour (TIME-WAIT then lasts two).
pub const MAX_MSL: SimTime = SimTime::from_secs(3600);

/// The largest TCP receive window RFC 7323 §2.3 allows (2³⁰ bytes): the bound of `rcv_buf`.
pub const MAX_RCV_BUF: u64 = 1 << 30;

/// The `[tcp]` table as a scenario writes it: the keys of [`TcpConfig`] that scenarios may set.
/// A key not written keeps [`TcpConfig::default`]; so do the fields not listed here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TcpTable {
    /// `preset`: `"linux"`; the other keys override it.
    pub preset: Option<TcpPreset>,
    /// `variant`: `"reno"`, `"newreno"`, `"cubic"` or `"dctcp"`.
    pub variant: Option<CcVariant>,
    /// `mss` (bytes).
    pub mss: Option<u32>,
    /// `initial_cwnd` (segments).
    pub initial_cwnd: Option<u32>,
    /// `min_rto`.
    pub min_rto: Option<SimTime>,
    /// `initial_rto`.
    pub initial_rto: Option<SimTime>,
    /// `delayed_ack`.
    pub delayed_ack: Option<bool>,
    /// `rcv_buf` (a size).
    pub rcv_buf: Option<ByteSize>,
    /// `snd_buf` (a size).
    pub snd_buf: Option<ByteSize>,
    /// `timestamps`.
    pub timestamps: Option<bool>,
    /// `restart_after_idle`.
    pub restart_after_idle: Option<bool>,
    /// `sack`.
    pub sack: Option<bool>,
    /// `rack_tlp`.
    pub rack_tlp: Option<bool>,
    /// `prr`.
    pub prr: Option<bool>,
    /// `keep_retransmissions`.
    pub keep_retransmissions: Option<bool>,
    /// `ecn`.
    pub ecn: Option<bool>,
    /// `hystart`.
    pub hystart: Option<bool>,
    /// `hold_when_app_limited`.
    pub hold_when_app_limited: Option<bool>,
    /// `msl`: the maximum segment lifetime; TIME-WAIT lasts twice it.
    pub msl: Option<SimTime>,
    /// `max_time_wait`: TIME-WAIT records per host.
    pub max_time_wait: Option<u32>,
    /// `ns3_departures`: `"all"`, `"none"` or a list of names.
    pub ns3_departures: Option<Ns3Departures>,
}

impl From<TcpTable> for TcpConfig {
    fn from(t: TcpTable) -> Self {
        let d = match t.preset {
            None => TcpConfig::default(),
            Some(TcpPreset::Linux) => TcpConfig::linux(),
        };
        let sack = t.sack.unwrap_or(d.sack);
        let rack_tlp = t.rack_tlp.unwrap_or(d.rack_tlp && sack);
        TcpConfig {
            ecn: t.ecn.unwrap_or(d.ecn),
            hystart: t.hystart.unwrap_or(d.hystart),
            hold_when_app_limited: t.hold_when_app_limited.or(d.hold_when_app_limited),
            variant: t.variant.unwrap_or(d.variant),
            mss: t.mss.unwrap_or(d.mss),
            initial_cwnd: t.initial_cwnd.unwrap_or(d.initial_cwnd),
            min_rto: t.min_rto.unwrap_or(d.min_rto),
            initial_rto: t.initial_rto.unwrap_or(d.initial_rto),
            delayed_ack: t.delayed_ack.unwrap_or(d.delayed_ack),
            rcv_buf: t.rcv_buf.map_or(d.rcv_buf, ByteSize::bytes),
            snd_buf: t.snd_buf.map_or(d.snd_buf, ByteSize::bytes),
            timestamps: t.timestamps.unwrap_or(d.timestamps),
            restart_after_idle: t.restart_after_idle.unwrap_or(d.restart_after_idle),
            sack,
            // A preset's RACK-TLP and PRR need its SACK: `sack = false` turns them off too,
            // unless the table asks for them (`rack_tlp` above).
            rack_tlp,
            prr: t.prr.unwrap_or(d.prr && sack),
            // It needs RACK to re-mark a lost kept retransmission: off with the preset's RACK.
            keep_retransmissions: t
                .keep_retransmissions
                .unwrap_or(d.keep_retransmissions && rack_tlp),
            ns3_departures: t.ns3_departures.unwrap_or(d.ns3_departures),
            time_wait: t.msl.map_or(d.time_wait, |msl| msl.saturating_add(msl)),
            max_time_wait: t.max_time_wait.unwrap_or(d.max_time_wait),
            ..d
        }
    }
}

impl TcpConfig {
    /// Every rule the types cannot express, each broken one naming its key: `mss` fits an IPv4
    /// packet (with the timestamp option when on), `initial_cwnd` ≥ 1, `min_rto` in
    /// (0, `max_rto`], `initial_rto` in (0, `max_rto`], `rcv_buf` in [1 B, 2³⁰ B], `snd_buf` ≥ 1 B,
    /// `rack_tlp` and `prr` only with `sack`, `keep_retransmissions` only with `rack_tlp`, `msl` at most [`MAX_MSL`] (`time_wait` at most
    /// twice that).
    pub fn problems(&self) -> Vec<FieldError> {
        let mut out = Vec::new();
        // 65535 − 20 (IPv4) − 20 (TCP): the largest payload of one IPv4 packet.
        if !(1..=65_495).contains(&self.mss) {
            out.push(FieldError::new(
                "mss",
                format!("`mss` must be between 1 and 65495 bytes, not {}", self.mss),
                "out of range",
            ));
        } else if self.timestamps && self.mss > 65_483 {
            out.push(
                FieldError::new(
                    "mss",
                    format!(
                        "`mss` must be at most 65483 bytes with `timestamps = true`, not {}",
                        self.mss
                    ),
                    "too large with timestamps",
                )
                .with_help(
                    "the 12-byte timestamp option must fit in the 65535-byte IPv4 packet too",
                ),
            );
        }
        if self.time_wait > MAX_MSL + MAX_MSL {
            out.push(FieldError::new(
                "msl",
                format!(
                    "`msl` must be at most {MAX_MSL}, not {}",
                    SimTime::from_ps(self.time_wait.as_ps() / 2)
                ),
                "too long",
            ));
        }
        if self.initial_cwnd == 0 {
            out.push(FieldError::new(
                "initial_cwnd",
                "`initial_cwnd` must be at least 1",
                "zero",
            ));
        }
        if self.min_rto == SimTime::ZERO {
            out.push(FieldError::new(
                "min_rto",
                "`min_rto` must be greater than zero",
                "zero",
            ));
        } else if self.min_rto > self.max_rto {
            // RFC 6298 §2.5: the RTO is capped, so a larger floor is meaningless.
            out.push(FieldError::new(
                "min_rto",
                format!(
                    "`min_rto` must be at most {} (the RTO's upper bound), not {}",
                    self.max_rto, self.min_rto
                ),
                "above the maximum RTO",
            ));
        }
        if self.initial_rto == SimTime::ZERO || self.initial_rto > self.max_rto {
            // RFC 6298 §2.1 sets 1 s; zero would retransmit at once, forever, and above the
            // cap the estimator would clamp it anyway.
            out.push(FieldError::new(
                "initial_rto",
                format!(
                    "`initial_rto` must be greater than zero and at most {} (the RTO's upper \
                     bound), not {}",
                    self.max_rto, self.initial_rto
                ),
                "out of range",
            ));
        }
        if self.rcv_buf == 0 || self.rcv_buf > MAX_RCV_BUF {
            out.push(FieldError::new(
                "rcv_buf",
                format!(
                    "`rcv_buf` must be between 1 byte and {}, not {}",
                    ByteSize(MAX_RCV_BUF),
                    ByteSize(self.rcv_buf)
                ),
                "out of range",
            ));
        }
        if self.snd_buf == 0 {
            out.push(FieldError::new(
                "snd_buf",
                format!(
                    "`snd_buf` must be greater than zero, not {}",
                    ByteSize(self.snd_buf)
                ),
                "out of range",
            ));
        }
        // RACK-TLP and PRR act on the SACK scoreboard (RFC 8985 §2, RFC 6937 §3 with RFC 6675).
        for (key, on) in [("rack_tlp", self.rack_tlp), ("prr", self.prr)] {
            if on && !self.sack {
                out.push(
                    FieldError::new(
                        key,
                        format!("`{key} = true` needs `sack = true`"),
                        "needs sack",
                    )
                    .with_help(format!("set `sack = true`, or `{key} = false`")),
                );
            }
        }
        // Without RACK a kept retransmission that is lost again would wait for the RTO.
        if self.keep_retransmissions && !(self.sack && self.rack_tlp) {
            out.push(
                FieldError::new(
                    "keep_retransmissions",
                    "`keep_retransmissions = true` needs `sack = true` and `rack_tlp = true`"
                        .to_string(),
                    "needs rack_tlp",
                )
                .with_help("set `rack_tlp = true`, or `keep_retransmissions = false`"),
            );
        }
        out
    }

    /// The first of [`TcpConfig::problems`], if any.
    pub fn validate(&self) -> Result<(), FieldError> {
        self.problems().into_iter().next().map_or(Ok(()), Err)
    }

    /// The receive buffer as a window: at most 2³⁰ bytes (RFC 7323 §2.3).
    pub(crate) fn rcv_buf_window(&self) -> u32 {
        self.rcv_buf.min(1 << 30) as u32
    }

    /// The window-scale shift that makes the receive buffer fit in 16 bits (RFC 7323 §2.3),
    /// or `None` when it already fits and no option is needed.
    pub(crate) fn window_shift(&self) -> Option<u8> {
        let buf = self.rcv_buf_window();
        (buf > 0xffff).then(|| {
            let mut shift = 0u8;
            while (buf >> shift) > 0xffff && shift < 14 {
                shift += 1;
            }
            shift
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shift is the smallest that fits the buffer in 16 bits: 4 MiB needs 7 (4 MiB >> 7 =
    /// 32 768), 64 KiB − 1 needs none.
    #[test]
    fn window_shift_fits_buffer() {
        let mut cfg = TcpConfig::default();
        assert_eq!(cfg.window_shift(), Some(7), "4 MiB");
        cfg.rcv_buf = 65_535;
        assert_eq!(cfg.window_shift(), None, "fits without scaling");
        cfg.rcv_buf = 65_536;
        assert_eq!(cfg.window_shift(), Some(1), "one more byte needs shift 1");
        cfg.rcv_buf = 1 << 40;
        assert_eq!(cfg.window_shift(), Some(14), "capped at 14, RFC 7323 §2.3");
    }

    fn table(text: &str) -> Result<TcpConfig, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// The `[tcp]` table reads units and variant names, keeps the defaults for every key not
    /// written (and for the fields it does not expose), and refuses unknown keys and lists.
    #[test]
    fn table_reads_units_and_keeps_defaults() {
        let c = table(
            "variant = \"reno\"\nmin_rto = \"1s\"\nrcv_buf = \"64KiB\"\nmss = 1460\ninitial_rto = \"3s\"",
        )
        .expect("valid");
        assert_eq!(
            c.initial_rto,
            SimTime::from_secs(3),
            "initial_rto with its unit"
        );
        assert_eq!(
            TcpConfig::default().initial_rto,
            SimTime::from_secs(1),
            "RFC 6298 §2.1"
        );
        let d = TcpConfig::default();
        assert_eq!(c.variant, CcVariant::Reno, "variant");
        assert_eq!(c.min_rto, SimTime::from_secs(1), "min_rto with its unit");
        assert_eq!(c.rcv_buf, 64 << 10, "rcv_buf in binary units");
        assert_eq!(c.mss, 1460, "mss");
        assert_eq!(
            TcpConfig {
                variant: d.variant,
                min_rto: d.min_rto,
                rcv_buf: d.rcv_buf,
                mss: d.mss,
                initial_rto: d.initial_rto,
                ..c
            },
            d,
            "every other field keeps its default"
        );
        assert_eq!(
            table("").expect("empty"),
            d,
            "an empty table is the default"
        );
        let e = table("variant = \"cubic2\"").expect_err("unknown variant");
        assert!(e.contains("unknown variant `cubic2`"), "{e}");
        let e = table("max_rto = \"1s\"").expect_err("not exposed");
        assert!(e.contains("unknown field `max_rto`"), "{e}");
    }

    /// `sack`, `rack_tlp` and `prr` read as booleans, default off; `rack_tlp` or `prr` without
    /// `sack` is refused naming the key.
    #[test]
    fn sack_keys() {
        let c = table("sack = true\nrack_tlp = true\nprr = true").expect("valid");
        assert!(c.sack && c.rack_tlp && c.prr, "all three on");
        let d = TcpConfig::default();
        assert!(!d.sack && !d.rack_tlp && !d.prr, "off by default");
        assert!(c.problems().is_empty(), "consistent");
        let lone = TcpConfig {
            rack_tlp: true,
            prr: true,
            ..d
        };
        let fields: Vec<_> = lone.problems().iter().map(|e| e.field).collect();
        assert_eq!(fields, ["rack_tlp", "prr"], "each names its key");
        assert!(
            lone.problems()[0].message.contains("needs `sack = true`"),
            "says why"
        );
        let e = table("sack = \"yes\"").expect_err("not a boolean");
        assert!(e.contains("invalid type"), "{e}");
    }

    /// The cubic-branch keys: `variant` cubic / dctcp, `ecn`, `hystart`, and `preset = "linux"`,
    /// which sets Linux's defaults and lets the table's other keys override them; an unknown
    /// preset is refused by name.
    #[test]
    fn cubic_keys_and_linux_preset() {
        let c = table("variant = \"cubic\"\nhystart = false").expect("valid");
        assert_eq!(
            (c.variant, c.hystart, c.ecn),
            (CcVariant::Cubic, false, false)
        );
        assert!(TcpConfig::default().hystart, "HyStart++ on by default");
        let d = table("variant = \"dctcp\"").expect("valid");
        assert!(d.ecn_enabled() && !d.ecn, "DCTCP implies ECN");
        assert!(table("ecn = true").expect("valid").ecn_enabled(), "ecn");
        let l = table("preset = \"linux\"").expect("valid");
        assert_eq!(l, TcpConfig::linux(), "the preset alone");
        assert_eq!(l.variant, CcVariant::Cubic, "CUBIC");
        assert!(l.delayed_ack && l.timestamps && l.restart_after_idle && l.hystart);
        assert!(
            l.sack && l.rack_tlp && l.prr && l.keep_retransmissions,
            "Linux's loss recovery"
        );
        assert!(l.problems().is_empty(), "a consistent preset");
        assert_eq!(
            (l.delayed_ack_timeout, l.min_rto, l.max_rto),
            (
                SimTime::from_ms(40),
                SimTime::from_ms(200),
                SimTime::from_secs(120)
            ),
            "Linux's timers"
        );
        let o = table("preset = \"linux\"\ndelayed_ack = false\nvariant = \"newreno\"").unwrap();
        assert_eq!(
            TcpConfig {
                delayed_ack: true,
                variant: CcVariant::Cubic,
                ..o
            },
            l,
            "keys override the preset, nothing else moves"
        );
        assert!(l.problems().is_empty(), "the preset is valid");
        let no_sack = table("preset = \"linux\"\nsack = false").unwrap();
        assert_eq!(
            (
                no_sack.sack,
                no_sack.rack_tlp,
                no_sack.prr,
                no_sack.keep_retransmissions
            ),
            (false, false, false, false),
            "`sack = false` takes the preset's RACK-TLP, PRR and kept retransmissions with it"
        );
        let no_rack = table("preset = \"linux\"\nrack_tlp = false").unwrap();
        assert!(
            !no_rack.keep_retransmissions && no_rack.problems().is_empty(),
            "`rack_tlp = false` takes `keep_retransmissions` with it"
        );
        let bad = table("sack = true\nkeep_retransmissions = true").unwrap();
        let fields: Vec<_> = bad.problems().iter().map(|e| e.field).collect();
        assert_eq!(fields, ["keep_retransmissions"], "needs rack_tlp");
        assert!(no_sack.problems().is_empty(), "and is valid");
        let asked = table("preset = \"linux\"\nsack = false\nprr = true").unwrap();
        let fields: Vec<_> = asked.problems().iter().map(|e| e.field).collect();
        assert_eq!(fields, ["prr"], "PRR asked for without SACK");
        let e = table("preset = \"bsd\"").expect_err("unknown preset");
        assert!(e.contains("unknown variant `bsd`"), "{e}");
    }

    /// Each rule names its field, and the default configuration breaks none.
    #[test]
    fn problems_name_their_fields() {
        assert!(
            TcpConfig::default().problems().is_empty(),
            "defaults are valid"
        );
        let fields = |c: TcpConfig| c.problems().iter().map(|e| e.field).collect::<Vec<_>>();
        let d = TcpConfig::default();
        assert_eq!(fields(TcpConfig { mss: 0, ..d }), ["mss"], "mss 0");
        assert_eq!(
            fields(TcpConfig { mss: 65_495, ..d }),
            Vec::<&str>::new(),
            "mss max"
        );
        let ts = TcpConfig {
            mss: 65_484,
            timestamps: true,
            ..d
        };
        assert_eq!(fields(ts), ["mss"], "mss too large with timestamps");
        assert!(
            ts.problems()[0].message.contains("65483"),
            "states the bound"
        );
        let huge = TcpConfig {
            mss: 70_000,
            timestamps: true,
            ..d
        };
        assert_eq!(huge.problems().len(), 1, "one error for one bad mss");
        assert_eq!(
            fields(TcpConfig {
                initial_cwnd: 0,
                ..d
            }),
            ["initial_cwnd"]
        );
        assert_eq!(
            fields(TcpConfig {
                min_rto: SimTime::from_secs(61),
                ..d
            }),
            ["min_rto"],
            "min_rto above the 60 s maximum"
        );
        assert_eq!(
            fields(TcpConfig {
                min_rto: SimTime::ZERO,
                ..d
            }),
            ["min_rto"]
        );
        assert_eq!(
            fields(TcpConfig {
                rcv_buf: MAX_RCV_BUF,
                ..d
            }),
            Vec::<&str>::new()
        );
        assert_eq!(
            fields(TcpConfig {
                rcv_buf: MAX_RCV_BUF + 1,
                ..d
            }),
            ["rcv_buf"]
        );
        assert_eq!(fields(TcpConfig { snd_buf: 0, ..d }), ["snd_buf"]);
        for bad in [SimTime::ZERO, SimTime::from_secs(61)] {
            let c = TcpConfig {
                initial_rto: bad,
                ..d
            };
            assert_eq!(fields(c), ["initial_rto"], "initial_rto {bad}");
        }
        let max = TcpConfig {
            initial_rto: SimTime::from_secs(60),
            ..d
        };
        assert!(max.problems().is_empty(), "initial_rto may equal max_rto");
    }
}
