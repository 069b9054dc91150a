//! A video stream played at a constant `bitrate` over one TCP connection, with a playout
//! buffer (seed 003 §V, the vCDN's clients): start-up delay, stalls and their time.
//!
//! ```text
//!  client (src)                                   server (dst: a host or the VM)
//!    request a segment ── 200 B ─────────────────► ResponseServer
//!    (while buffered + requested + one segment      answers each request with one
//!     fits in `buffer` seconds of media)      ◄──── segment = `segment` × `bitrate` bytes
//!  received bytes ─► buffer level [s of media] ─► playback drains it at 1 s per s
//! ```
//!
//! **Who limits the buffer.** As DASH players do, the client *requests* media segment by
//! segment and asks for the next one only while the media buffered plus the media requested
//! and not yet received leaves room for one more segment within `buffer`; the server sends
//! each segment as fast as TCP lets it. So the buffer never holds more than `buffer` seconds,
//! and the connection idles (no flow-control stall of TCP) while the buffer is full.
//!
//! **Playback.** It starts once `startup` seconds of media are buffered (the start-up delay
//! runs from the flow's start). When the buffer empties during playback, the player stalls;
//! it resumes once `rebuffer` seconds are buffered again (dash.js's `rebufferingGoal`,
//! default `startup`). Media time is counted in picoseconds of playout: `bytes × 8 / bitrate`.
//!
//! A single timer is kept armed at the earliest instant something can happen without a
//! delivery — the buffer running empty, or room for the next request; a delivery only moves
//! the former later, so a timer that fires early just re-arms.

use std::net::Ipv4Addr;

use sim_core::{DataRate, SimTime};

use super::traffic::{TrafficTable, positive_time};
use crate::FieldError;
use crate::app::{AppCtx, AppReport, Application, Report};
use crate::report::{BufferSample, Stall, StreamReport};
use crate::socket::SocketId;
use crate::tcp::TcpEvent;

/// Size of one segment request [bytes] (an HTTP GET with its headers).
pub const SEGMENT_REQUEST: u64 = 200;

/// Picoseconds per second.
const PS: u128 = 1_000_000_000_000;

/// Time-series spacing while nothing but deliveries happen.
const SAMPLE_EVERY: SimTime = SimTime::from_ms(10);

/// The keys of a `stream` flow or workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamParams {
    /// `bitrate` of the media [bit/s]; required (a rate is never zero).
    pub bitrate: DataRate,
    /// `startup`: media buffered before playback first starts. Default 2 s.
    pub startup: SimTime,
    /// `rebuffer`: media buffered before playback resumes after a stall. Default `startup`.
    pub rebuffer: SimTime,
    /// `buffer`: the most media the client holds (buffered + requested). Default 10 s.
    pub buffer: SimTime,
    /// `segment`: media per request. Default 1 s.
    pub segment: SimTime,
}

impl StreamParams {
    /// The keys of [`TrafficTable`] a `stream` takes.
    pub const KEYS: &'static [&'static str] =
        &["bitrate", "startup", "rebuffer", "buffer", "segment"];

    /// Reads and checks the `stream` keys of `t`: a `bitrate`; positive times; `startup`,
    /// `rebuffer` and `segment` within `buffer`, and at least one byte per segment.
    pub(crate) fn read(t: &TrafficTable, what: &str, errors: &mut Vec<FieldError>) -> Self {
        if t.bitrate.is_none() {
            errors.push(
                FieldError::new(
                    "bitrate",
                    format!("{what} is stream but has no `bitrate`"),
                    "needs `bitrate`",
                )
                .with_help("add, for example, `bitrate = \"4Mbps\"`"),
            );
        }
        let startup = positive_time(t.startup, "startup", SimTime::from_secs(2), what, errors);
        let p = StreamParams {
            bitrate: t.bitrate.unwrap_or(DataRate::mbps(4)),
            startup,
            rebuffer: positive_time(t.rebuffer, "rebuffer", startup, what, errors),
            buffer: positive_time(t.buffer, "buffer", SimTime::from_secs(10), what, errors),
            segment: positive_time(t.segment, "segment", SimTime::from_secs(1), what, errors),
        };
        if !errors.is_empty() {
            return p;
        }
        if p.segment > p.buffer {
            errors.push(within_buffer("segment", p.segment, p.buffer, what));
            return p;
        }
        // The buffer fills by whole segments, so a threshold above the whole segments that
        // fit in it would never be reached.
        let whole = SimTime::from_ps(p.buffer.as_ps() / p.segment.as_ps() * p.segment.as_ps());
        // An unwritten `rebuffer` is `startup`, whose own check speaks for it.
        let written = [("startup", true), ("rebuffer", t.rebuffer.is_some())];
        for ((key, v), (_, shown)) in [("startup", p.startup), ("rebuffer", p.rebuffer)]
            .into_iter()
            .zip(written)
        {
            if shown && v > whole {
                let mut e = within_buffer(key, v, p.buffer, what);
                if v <= p.buffer {
                    e.message = format!(
                        "`{key}` of {what} ({}) is more than the whole segments of `segment` \
                         ({}) that fit in `buffer` ({})",
                        secs(v),
                        secs(p.segment),
                        secs(p.buffer)
                    );
                }
                errors.push(e);
            }
        }
        if p.bitrate.bytes_in(p.segment) == 0 {
            errors.push(FieldError::new(
                "segment",
                format!("`segment` of {what} carries less than one byte at its `bitrate`"),
                "too short",
            ));
        }
        p
    }

    /// Bytes of one segment.
    pub fn segment_bytes(&self) -> u64 {
        self.bitrate.bytes_in(self.segment)
    }
}

fn secs(t: SimTime) -> String {
    format!("{} s", t.as_secs_f64())
}

fn within_buffer(key: &'static str, v: SimTime, buffer: SimTime, what: &str) -> FieldError {
    FieldError::new(
        key,
        format!(
            "`{key}` of {what} ({}) is larger than its `buffer` ({})",
            secs(v),
            secs(buffer)
        ),
        "larger than the buffer",
    )
    .with_help("the player can never hold more than `buffer` seconds of media")
}

/// Where playback is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Not yet started: position 0, waiting for `startup`.
    Startup,
    /// Playing since `since`, at media position `pos` [ps] then.
    Playing { since: SimTime, pos: u64 },
    /// Stalled at media position `pos` [ps].
    Stalled { pos: u64 },
    /// The flow stopped; nothing is counted any more.
    Stopped,
}

/// The player; see the [module docs](self).
#[derive(Debug)]
pub struct StreamClient {
    p: StreamParams,
    dst: Ipv4Addr,
    dst_port: u16,
    socket: Option<SocketId>,
    started: SimTime,
    phase: Phase,
    /// Bytes requested and bytes received.
    requested: u64,
    received: u64,
    /// The instant the one live timer is armed for.
    armed: Option<SimTime>,
    startup_delay: Option<SimTime>,
    stalls: Vec<Stall>,
    samples: Vec<BufferSample>,
    /// When the current rolling sample's 10-ms bucket began.
    bucket: Option<SimTime>,
    counters: AppReport,
}

impl StreamClient {
    /// A player of the stream served at `dst:dst_port`.
    pub fn new(p: StreamParams, dst: Ipv4Addr, dst_port: u16) -> Self {
        StreamClient {
            p,
            dst,
            dst_port,
            socket: None,
            started: SimTime::ZERO,
            phase: Phase::Startup,
            requested: 0,
            received: 0,
            armed: None,
            startup_delay: None,
            stalls: Vec::new(),
            samples: Vec::new(),
            bucket: None,
            counters: AppReport::default(),
        }
    }

    /// Playout time of `bytes` of media [ps].
    fn media(&self, bytes: u64) -> u64 {
        (u128::from(bytes) * 8 * PS / u128::from(self.p.bitrate.bps())) as u64
    }

    /// The media position at `now` [ps].
    fn position(&self, now: SimTime) -> u64 {
        match self.phase {
            Phase::Startup | Phase::Stopped => 0,
            Phase::Playing { since, pos } => pos + (now - since).as_ps(),
            Phase::Stalled { pos } => pos,
        }
    }

    /// Media buffered at `now` [ps].
    fn level(&self, now: SimTime) -> u64 {
        self.media(self.received).saturating_sub(self.position(now))
    }

    /// Records the level at `now`. A `rolling` sample replaces the previous rolling one of the
    /// same 10-ms bucket (so a burst of deliveries leaves its latest level); any other starts
    /// a new point.
    fn sample(&mut self, now: SimTime, rolling: bool) {
        let point = BufferSample {
            at: now,
            level: SimTime::from_ps(self.level(now)),
            playing: matches!(self.phase, Phase::Playing { .. }),
        };
        match (rolling, self.bucket) {
            (true, Some(b)) if now < b + SAMPLE_EVERY => {
                if let Some(last) = self.samples.last_mut() {
                    *last = point;
                }
            }
            _ => {
                self.bucket = rolling.then_some(now);
                self.samples.push(point);
            }
        }
    }

    /// Requests segments while buffered + requested media leaves room for one more.
    fn request_more(&mut self, ctx: &mut AppCtx<'_>) {
        let Some(sock) = self.socket else { return };
        let seg = self.p.segment_bytes();
        let pos = self.position(ctx.now());
        while self.media(self.requested + seg).saturating_sub(pos) <= self.p.buffer.as_ps() {
            if ctx.tcp_write(sock, SEGMENT_REQUEST) != SEGMENT_REQUEST {
                return;
            }
            self.requested += seg;
            self.counters.packets_sent += 1;
            self.counters.bytes_sent += SEGMENT_REQUEST;
        }
    }

    /// Arms the timer for the buffer running empty or room for a request, if earlier than the
    /// armed one. Only playback moves either, so nothing is armed otherwise.
    fn arm(&mut self, ctx: &mut AppCtx<'_>) {
        let Phase::Playing { since, pos } = self.phase else {
            return;
        };
        let empty = self.media(self.received).saturating_sub(pos);
        let seg = self.p.segment_bytes();
        let room = self
            .media(self.requested + seg)
            .saturating_sub(self.p.buffer.as_ps())
            .saturating_sub(pos);
        let at = since + SimTime::from_ps(empty.min(room).max(1));
        let at = at.max(ctx.now() + SimTime::from_ps(1));
        if self.armed.is_none_or(|a| at < a) {
            self.armed = Some(at);
            ctx.set_timer(at, at.as_ps());
        }
    }

    /// Starts or resumes playback at `now` if the buffer reached its threshold.
    fn maybe_play(&mut self, now: SimTime) {
        let threshold = match self.phase {
            Phase::Startup => self.p.startup,
            Phase::Stalled { .. } => self.p.rebuffer,
            Phase::Playing { .. } | Phase::Stopped => return,
        };
        if self.level(now) < threshold.as_ps() {
            return;
        }
        if self.phase == Phase::Startup {
            self.startup_delay = Some(now - self.started);
        } else if let Some(s) = self.stalls.last_mut() {
            s.end = Some(now);
        }
        self.phase = Phase::Playing {
            since: now,
            pos: self.position(now),
        };
        self.sample(now, false);
    }
}

impl Application for StreamClient {
    fn start(&mut self, ctx: &mut AppCtx<'_>) {
        self.started = ctx.now();
        self.socket = Some(ctx.tcp_connect(self.dst, self.dst_port));
        self.sample(ctx.now(), false);
        self.request_more(ctx);
    }

    fn stop(&mut self, ctx: &mut AppCtx<'_>) {
        let now = ctx.now();
        if let Some(s) = self.stalls.last_mut()
            && s.end.is_none()
        {
            s.end = Some(now);
        }
        self.sample(now, false);
        self.phase = Phase::Stopped;
    }

    fn on_timer(&mut self, ctx: &mut AppCtx<'_>, token: u64) {
        let now = ctx.now();
        if self.armed != Some(now) || token != now.as_ps() {
            return; // superseded by an earlier one
        }
        self.armed = None;
        if let Phase::Playing { .. } = self.phase
            && self.level(now) == 0
        {
            let pos = self.position(now);
            self.phase = Phase::Stalled { pos };
            self.stalls.push(Stall {
                last_rx: self.counters.last_rx,
                start: now,
                end: None,
            });
            self.sample(now, false);
        }
        self.request_more(ctx);
        self.arm(ctx);
    }

    fn on_tcp(&mut self, ctx: &mut AppCtx<'_>, _sock: SocketId, event: TcpEvent) {
        let TcpEvent::Delivered(n) = event else {
            return;
        };
        if self.phase == Phase::Stopped {
            return;
        }
        let now = ctx.now();
        let seg = self.p.segment_bytes();
        let segments_before = self.received / seg;
        // The low point of the saw-tooth, just before this delivery.
        if self
            .samples
            .last()
            .is_none_or(|l| now >= l.at + SAMPLE_EVERY)
        {
            self.sample(now, false);
        }
        self.received += n;
        self.counters.record_rx(now, n, false);
        self.counters.packets_received += self.received / seg - segments_before;
        self.maybe_play(now);
        self.sample(now, true);
        self.request_more(ctx);
        self.arm(ctx);
    }

    fn on_signal(&mut self, ctx: &mut AppCtx<'_>, signal: crate::signal::Signal) {
        self.counters.windows.on_signal(ctx.now(), signal);
    }

    fn report(&self) -> Report {
        Report::Stream(StreamReport {
            counters: self.counters.clone(),
            socket: self.socket,
            startup_delay: self.startup_delay,
            stalls: self.stalls.clone(),
            samples: self.samples.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<StreamParams, Vec<FieldError>> {
        let t: TrafficTable = toml::from_str(text).expect("a valid table");
        let mut errors = Vec::new();
        let p = StreamParams::read(&t, "flow `s`", &mut errors);
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(errors)
        }
    }

    fn fields(r: Result<StreamParams, Vec<FieldError>>) -> Vec<&'static str> {
        r.expect_err("refused").iter().map(|e| e.field).collect()
    }

    /// The defaults: 2 s start-up (and rebuffer), a 10 s buffer of 1 s segments; a 4 Mbit/s
    /// segment is 500 000 bytes.
    #[test]
    fn defaults_and_segment_size() {
        let p = read("bitrate = \"4Mbps\"").expect("valid");
        assert_eq!(p.startup, SimTime::from_secs(2));
        assert_eq!(p.rebuffer, p.startup, "rebuffer defaults to startup");
        assert_eq!(p.buffer, SimTime::from_secs(10));
        assert_eq!(p.segment_bytes(), 500_000);
        let p = read("bitrate = \"4Mbps\"\nstartup = \"3s\"").expect("valid");
        assert_eq!(
            p.rebuffer,
            SimTime::from_secs(3),
            "follows a written startup"
        );
    }

    /// Each rule names its key: a missing bitrate, zero times, thresholds and segments larger
    /// than the buffer, a threshold above the whole segments that fit.
    #[test]
    fn checks_name_their_keys() {
        assert_eq!(fields(read("")), ["bitrate"]);
        assert!(toml::from_str::<TrafficTable>("bitrate = \"0bps\"").is_err());
        assert_eq!(
            fields(read("bitrate = \"1Mbps\"\nstartup = \"0s\"")),
            ["startup"]
        );
        let e = read("bitrate = \"1Mbps\"\nstartup = \"12s\"").expect_err("too big");
        assert_eq!(e.len(), 1, "an unwritten rebuffer follows startup silently");
        assert_eq!(e[0].field, "startup");
        assert_eq!(
            e[0].message,
            "`startup` of flow `s` (12 s) is larger than its `buffer` (10 s)"
        );
        assert_eq!(
            fields(read("bitrate = \"1Mbps\"\nsegment = \"11s\"")),
            ["segment"]
        );
        assert_eq!(
            fields(read(
                "bitrate = \"1Mbps\"\nbuffer = \"5s\"\nsegment = \"2s\"\nrebuffer = \"5s\""
            )),
            ["rebuffer"],
            "two whole 2 s segments fit in 5 s"
        );
        assert_eq!(
            fields(read(
                "bitrate = \"1bps\"\nsegment = \"1s\"\nstartup = \"1s\""
            )),
            ["segment"]
        );
    }
}
