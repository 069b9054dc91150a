//! A request-response service over one persistent TCP connection: the client sends a request
//! of `request` bytes every `interval`; the server answers each complete request with `response`
//! bytes. Payload is virtual, so requests and answers are delimited by counting bytes.

use std::collections::VecDeque;
use std::net::Ipv4Addr;

use sim_core::SimTime;

use super::traffic::{TrafficTable, positive_bytes, positive_time};
use crate::FieldError;
use crate::app::{AppCtx, AppReport, Application, Report};
use crate::report::RequestReport;
use crate::socket::SocketId;
use crate::tcp::TcpEvent;

/// Parameters of a [`RequestClient`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestConfig {
    /// The server.
    pub dst: Ipv4Addr,
    /// The server's port.
    pub dst_port: u16,
    /// Request size [bytes].
    pub request: u64,
    /// Response size [bytes].
    pub response: u64,
    /// Time between requests.
    pub interval: SimTime,
}

/// The keys of a `request-response` flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestParams {
    /// `request` size [bytes]. Default 200; never zero.
    pub request: u64,
    /// `response` size [bytes]. Default 4000; never zero.
    pub response: u64,
    /// `interval` between requests. Default 10 ms; never zero.
    pub interval: SimTime,
}

impl Default for RequestParams {
    fn default() -> Self {
        RequestParams {
            request: 200,
            response: 4000,
            interval: SimTime::from_ms(10),
        }
    }
}

impl RequestParams {
    /// The keys of [`TrafficTable`] a `request-response` flow takes.
    pub const KEYS: &'static [&'static str] = &["request", "response", "interval"];

    /// Reads and checks the `request-response` keys of `t`.
    pub(crate) fn read(t: &TrafficTable, what: &str, errors: &mut Vec<FieldError>) -> Self {
        let d = RequestParams::default();
        RequestParams {
            request: positive_bytes(t.request, "request", d.request, what, errors),
            response: positive_bytes(t.response, "response", d.response, what, errors),
            interval: positive_time(t.interval, "interval", d.interval, what, errors),
        }
    }

    /// The client's configuration for a server at `dst:dst_port`.
    pub fn config(self, dst: Ipv4Addr, dst_port: u16) -> RequestConfig {
        RequestConfig {
            dst,
            dst_port,
            request: self.request,
            response: self.response,
            interval: self.interval,
        }
    }
}

/// The client: a request every `interval`, queued while the previous answer is outstanding.
#[derive(Debug)]
pub struct RequestClient {
    cfg: RequestConfig,
    socket: Option<SocketId>,
    running: bool,
    /// Requests due but not yet sent because an answer is outstanding.
    backlog: u64,
    /// Send times of requests whose answer has not fully arrived, oldest first.
    outstanding: VecDeque<SimTime>,
    /// Bytes of the current answer received so far.
    partial: u64,
    requests: u64,
    answers: u64,
    last_answer: Option<SimTime>,
    max_gap: SimTime,
    /// The longest gap between answers within each migration of the server's VM.
    windows: crate::report::ServiceWindows,
    response_time_sum: SimTime,
    max_response_time: SimTime,
    bytes_received: u64,
}

impl RequestClient {
    /// A client with `cfg`.
    pub fn new(cfg: RequestConfig) -> Self {
        RequestClient {
            cfg,
            socket: None,
            running: false,
            backlog: 0,
            outstanding: VecDeque::new(),
            partial: 0,
            requests: 0,
            answers: 0,
            last_answer: None,
            max_gap: SimTime::ZERO,
            windows: crate::report::ServiceWindows::default(),
            response_time_sum: SimTime::ZERO,
            max_response_time: SimTime::ZERO,
            bytes_received: 0,
        }
    }

    /// Requests sent.
    pub fn requests(&self) -> u64 {
        self.requests
    }
    /// Complete answers received.
    pub fn answers(&self) -> u64 {
        self.answers
    }
    /// The longest time between two consecutive answers.
    pub fn max_gap(&self) -> SimTime {
        self.max_gap
    }
    /// Mean time from sending a request to receiving its whole answer.
    pub fn mean_response_time(&self) -> Option<SimTime> {
        (self.answers > 0).then(|| self.response_time_sum / self.answers)
    }
    /// Longest time from a request to its whole answer.
    pub fn max_response_time(&self) -> SimTime {
        self.max_response_time
    }
    /// The connection, once opened.
    pub fn socket(&self) -> Option<SocketId> {
        self.socket
    }

    fn send_request(&mut self, ctx: &mut AppCtx<'_>) {
        let Some(sock) = self.socket else { return };
        // The send buffer holds far more than one request; a refusal would mean a closed
        // connection, in which case the request is simply not sent.
        if ctx.tcp_write(sock, self.cfg.request) == self.cfg.request {
            self.requests += 1;
            self.outstanding.push_back(ctx.now());
        }
    }
}

impl Application for RequestClient {
    fn start(&mut self, ctx: &mut AppCtx<'_>) {
        self.running = true;
        self.socket = Some(ctx.tcp_connect(self.cfg.dst, self.cfg.dst_port));
        self.send_request(ctx);
        ctx.set_timer(ctx.now() + self.cfg.interval, 0);
    }

    fn stop(&mut self, _ctx: &mut AppCtx<'_>) {
        self.running = false;
    }

    fn on_timer(&mut self, ctx: &mut AppCtx<'_>, _token: u64) {
        if !self.running {
            return;
        }
        if self.outstanding.is_empty() {
            self.send_request(ctx);
        } else {
            self.backlog += 1;
        }
        ctx.set_timer(ctx.now() + self.cfg.interval, 0);
    }

    fn on_tcp(&mut self, ctx: &mut AppCtx<'_>, _sock: SocketId, event: TcpEvent) {
        let TcpEvent::Delivered(mut n) = event else {
            return;
        };
        self.bytes_received += n;
        while n > 0 {
            let need = self.cfg.response - self.partial;
            let take = n.min(need);
            self.partial += take;
            n -= take;
            if self.partial < self.cfg.response {
                break;
            }
            self.partial = 0;
            let now = ctx.now();
            if let Some(sent) = self.outstanding.pop_front() {
                let rt = now - sent;
                self.response_time_sum += rt;
                self.max_response_time = self.max_response_time.max(rt);
            }
            self.windows.record(self.last_answer, now);
            if let Some(prev) = self.last_answer {
                self.max_gap = self.max_gap.max(now - prev);
            }
            self.last_answer = Some(now);
            self.answers += 1;
        }
        if self.outstanding.is_empty() && self.backlog > 0 && self.running {
            self.backlog -= 1;
            self.send_request(ctx);
        }
    }

    fn on_signal(&mut self, ctx: &mut AppCtx<'_>, signal: crate::signal::Signal) {
        self.windows.on_signal(ctx.now(), signal);
    }

    fn report(&self) -> Report {
        Report::RequestClient(RequestReport {
            counters: AppReport {
                packets_sent: self.requests,
                bytes_sent: self.requests * self.cfg.request,
                packets_received: self.answers,
                bytes_received: self.bytes_received,
                first_rx: None,
                last_rx: self.last_answer,
                max_gap: self.max_gap(),
                windows: self.windows.clone(),
            },
            socket: self.socket,
            mean_response_time: self.mean_response_time(),
            max_response_time: self.max_response_time,
        })
    }
}

/// The server: answers every complete request on every connection accepted on its port.
#[derive(Debug, Default)]
pub struct ResponseServer {
    request: u64,
    response: u64,
    /// Per socket: bytes of the current request received so far.
    partial: std::collections::BTreeMap<SocketId, u64>,
    answered: u64,
    bytes_received: u64,
}

impl ResponseServer {
    /// A server for requests of `request` bytes, answering `response` bytes.
    pub fn new(request: u64, response: u64) -> Self {
        ResponseServer {
            request,
            response,
            ..Default::default()
        }
    }
}

impl Application for ResponseServer {
    fn start(&mut self, _ctx: &mut AppCtx<'_>) {}

    fn on_tcp(&mut self, ctx: &mut AppCtx<'_>, sock: SocketId, event: TcpEvent) {
        match event {
            TcpEvent::Delivered(n) => {
                self.bytes_received += n;
                let p = self.partial.entry(sock).or_insert(0);
                *p += n;
                let complete = *p / self.request;
                *p %= self.request;
                for _ in 0..complete {
                    ctx.tcp_write(sock, self.response);
                    self.answered += 1;
                }
            }
            TcpEvent::PeerClosed => ctx.tcp_close(sock),
            _ => {}
        }
    }

    fn report(&self) -> Report {
        Report::Counters(AppReport {
            packets_sent: self.answered,
            bytes_sent: self.answered * self.response,
            packets_received: 0,
            bytes_received: self.bytes_received,
            first_rx: None,
            last_rx: None,
            max_gap: SimTime::ZERO,
            windows: crate::report::ServiceWindows::default(),
        })
    }
}
