//! An HTTP-like probe (seed 004's "machine at the outer network accesses the HTTP service"):
//! one request at a time, each over a **new TCP connection**, with an application timeout.
//!
//! ```text
//!  tick (every `interval`, skipped while a request is outstanding)
//!    └─ attempt: tcp_connect ──SYN (lost: again at 1, 3, 7, 15 s, Linux's RTO backoff)──►
//!         Connected ──► write `request` ──► `response` bytes back ──► answered, close
//!         no answer `timeout` after the attempt began ──► close it, new attempt at once
//! ```
//!
//! The SYN retries are the TCP's own: a lost SYN is retransmitted after `[tcp] initial_rto`
//! (1 s, RFC 6298 §2.1) and the timer doubles (§5.5), so the retries leave 1, 3, 7, 15 s after
//! the attempt began, as Linux's `tcp_syn_retries`. The **response time** of a request is what
//! a user waits: from the first attempt to the whole answer, retries included, so a request
//! that meets a migration's pause waits until the VM runs again and one of its SYNs gets
//! through — the peak of the paper's response-time curves (Figs. 4–8). Every request is kept
//! as a [`ProbeSample`] (the series the figures plot).

use std::net::Ipv4Addr;

use sim_core::SimTime;

use super::traffic::{TrafficTable, positive_bytes, positive_time};
use crate::FieldError;
use crate::app::{AppCtx, AppReport, Application, Report};
use crate::report::{ProbeReport, ProbeSample, RequestReport};
use crate::socket::SocketId;
use crate::tcp::TcpEvent;

/// The keys of an `http-probe` flow or workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpProbeParams {
    /// `request` size [bytes]. Default 200; never zero.
    pub request: u64,
    /// `response` size [bytes]. Default 4000; never zero.
    pub response: u64,
    /// `interval` between request starts. Default 100 ms; never zero.
    pub interval: SimTime,
    /// `timeout`: an attempt not answered this long after it began is abandoned and a new
    /// connection tried at once. Default 2 s; never zero.
    pub timeout: SimTime,
}

impl Default for HttpProbeParams {
    fn default() -> Self {
        HttpProbeParams {
            request: 200,
            response: 4000,
            interval: SimTime::from_ms(100),
            timeout: SimTime::from_secs(2),
        }
    }
}

impl HttpProbeParams {
    /// The keys of [`TrafficTable`] an `http-probe` takes.
    pub const KEYS: &'static [&'static str] = &["interval", "request", "response", "timeout"];

    /// Reads and checks the `http-probe` keys of `t`.
    pub(crate) fn read(t: &TrafficTable, what: &str, errors: &mut Vec<FieldError>) -> Self {
        let d = HttpProbeParams::default();
        HttpProbeParams {
            request: positive_bytes(t.request, "request", d.request, what, errors),
            response: positive_bytes(t.response, "response", d.response, what, errors),
            interval: positive_time(t.interval, "interval", d.interval, what, errors),
            timeout: positive_time(t.timeout, "timeout", d.timeout, what, errors),
        }
    }
}

/// Token of the request tick; attempt deadlines use their attempt number (from 1).
const TICK: u64 = 0;

/// The probe client; see the [module docs](self).
#[derive(Debug)]
pub struct HttpProbe {
    p: HttpProbeParams,
    dst: Ipv4Addr,
    dst_port: u16,
    running: bool,
    /// The outstanding request's start, and its current attempt's socket and number.
    current: Option<(SimTime, SocketId, u32)>,
    /// Attempts started in all (the deadline timers' tokens).
    attempts: u64,
    /// Bytes of the current answer received.
    partial: u64,
    counters: AppReport,
    samples: Vec<ProbeSample>,
    timeouts: u64,
    response_sum: SimTime,
    max_response: SimTime,
}

impl HttpProbe {
    /// A probe of the server at `dst:dst_port`.
    pub fn new(p: HttpProbeParams, dst: Ipv4Addr, dst_port: u16) -> Self {
        HttpProbe {
            p,
            dst,
            dst_port,
            running: false,
            current: None,
            attempts: 0,
            partial: 0,
            counters: AppReport::default(),
            samples: Vec::new(),
            timeouts: 0,
            response_sum: SimTime::ZERO,
            max_response: SimTime::ZERO,
        }
    }

    /// Every request so far, in start order.
    pub fn samples(&self) -> &[ProbeSample] {
        &self.samples
    }

    /// Opens a new connection for the request that started at `start`.
    fn attempt(&mut self, ctx: &mut AppCtx<'_>, start: SimTime, tries: u32) {
        self.attempts += 1;
        self.partial = 0;
        let sock = ctx.tcp_connect(self.dst, self.dst_port);
        self.current = Some((start, sock, tries + 1));
        ctx.set_timer(ctx.now() + self.p.timeout, self.attempts);
    }
}

impl Application for HttpProbe {
    fn start(&mut self, ctx: &mut AppCtx<'_>) {
        self.running = true;
        self.on_timer(ctx, TICK);
    }

    fn stop(&mut self, _ctx: &mut AppCtx<'_>) {
        self.running = false;
    }

    fn on_timer(&mut self, ctx: &mut AppCtx<'_>, token: u64) {
        if !self.running {
            return;
        }
        let now = ctx.now();
        if token == TICK {
            if self.current.is_none() {
                self.counters.packets_sent += 1;
                self.counters.bytes_sent += self.p.request;
                self.samples.push(ProbeSample {
                    start: now,
                    answered: None,
                    attempts: 1,
                });
                self.attempt(ctx, now, 0);
            }
            ctx.set_timer(now + self.p.interval, TICK);
        } else if token == self.attempts
            && let Some((start, sock, tries)) = self.current
        {
            // This attempt's deadline, still unanswered: abandon it, try a new connection.
            self.timeouts += 1;
            ctx.tcp_close(sock);
            if let Some(s) = self.samples.last_mut() {
                s.attempts = tries + 1;
            }
            self.attempt(ctx, start, tries);
        }
    }

    fn on_tcp(&mut self, ctx: &mut AppCtx<'_>, sock: SocketId, event: TcpEvent) {
        let Some((start, current, _)) = self.current else {
            return;
        };
        if sock != current {
            return; // an abandoned attempt
        }
        match event {
            TcpEvent::Connected => {
                ctx.tcp_write(sock, self.p.request);
            }
            TcpEvent::Delivered(n) => {
                self.partial += n;
                if self.partial < self.p.response {
                    return;
                }
                let now = ctx.now();
                self.counters.record_rx(now, self.partial, true);
                let rt = now - start;
                self.response_sum += rt;
                self.max_response = self.max_response.max(rt);
                if let Some(s) = self.samples.last_mut() {
                    s.answered = Some(now);
                }
                self.current = None;
                ctx.tcp_close(sock);
            }
            _ => {}
        }
    }

    fn report(&self) -> Report {
        let answers = self.counters.packets_received;
        Report::HttpProbe(ProbeReport {
            request: RequestReport {
                counters: self.counters.clone(),
                socket: None,
                mean_response_time: (answers > 0).then(|| self.response_sum / answers),
                max_response_time: self.max_response,
            },
            samples: self.samples.clone(),
            timeouts: self.timeouts,
        })
    }
}
