//! How the controller learns that a switch died (`[controller] failure_detection`).
//!
//! * **Instant** (the default): the switch's connection is reset when it fails, and the
//!   controller forgets the datapath at once (what Ryu sees when the switch's process dies
//!   and its host closes the socket).
//! * **Echo** (Ryu's `Datapath._echo_request_loop`, ryu/controller/controller.py, options
//!   `echo-request-interval`, default 15 s, and `maximum-unreplied-echo-requests`, default
//!   0): a failed switch goes silent, and only ECHO tells. From its connection on, the
//!   controller wakes every `interval`; if more than `max_unreplied` of its ECHO_REQUESTs to
//!   the switch are unanswered it closes the connection (the apps see the switch leave),
//!   else it sends another (the first at the connection itself). An ECHO_REPLY takes its
//!   request off the list. With `max_unreplied = 0` (Ryu's default) Ryu sends no ECHO at all
//!   and a silent switch is never detected; here it is then forgotten only when it connects
//!   again. A switch that fails just after an echo is detected `(max_unreplied + 1)` wakes
//!   after the first echo it leaves unanswered: between `(max_unreplied + 1) · interval` and
//!   `(max_unreplied + 2) · interval` after the failure. Until then the controller's
//!   messages to it are lost (counted with the switch's `lost_control_messages`).

use std::collections::{BTreeMap, VecDeque};

use serde::Deserialize;
use sim_core::SimTime;

use super::{Controller, TimerOwner};
use crate::wire::{Message, MessageBody};

/// Ryu's `echo-request-interval` default.
pub const RYU_ECHO_REQUEST_INTERVAL: SimTime = SimTime::from_secs(15);
/// Ryu's `maximum-unreplied-echo-requests` default.
pub const RYU_MAXIMUM_UNREPLIED_ECHO_REQUESTS: u32 = 0;

/// `[controller] failure_detection`: see the [module docs](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DetectionKind {
    /// The controller learns of a failure at once.
    #[default]
    Instant,
    /// By unanswered ECHO_REQUESTs, as Ryu.
    Echo,
}

/// How a controller learns that a switch died; see the [module docs](self).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FailureDetection {
    /// At once.
    #[default]
    Instant,
    /// Ryu's echo loop.
    Echo {
        /// Time between two wakes of the loop.
        interval: SimTime,
        /// Unanswered requests tolerated at a wake (0: no echo is sent).
        max_unreplied: u32,
    },
}

/// The echo loop's state per connected switch.
#[derive(Debug, Default)]
pub(super) struct Liveness {
    interval: SimTime,
    max_unreplied: u32,
    /// Per switch: its connection's number (its loop's timer token) and the xids of its
    /// unanswered requests.
    echo: BTreeMap<u64, (u64, Vec<u32>)>,
    connections: u64,
    /// Connections the loop closed, for the integrator ([`Controller::poll_closed`]).
    closed: VecDeque<u64>,
}

impl Controller {
    /// Detects failed switches as `d` says ([`FailureDetection::Instant`] by default).
    pub fn with_failure_detection(mut self, d: FailureDetection) -> Controller {
        self.liveness = match d {
            FailureDetection::Instant => None,
            FailureDetection::Echo {
                interval,
                max_unreplied,
            } => Some(Liveness {
                interval,
                max_unreplied,
                ..Liveness::default()
            }),
        };
        self
    }

    /// Whether the controller learns of a switch's failure at once (the integrator then
    /// calls [`Controller::handle_disconnected`] when it fails).
    pub fn detects_failures_at_once(&self) -> bool {
        self.liveness.is_none()
    }

    /// Whether the controller still holds a connection to `dpid` (under echo detection, a
    /// switch that failed stays connected until the loop closes it).
    pub fn has_connection(&self, dpid: u64) -> bool {
        self.liveness
            .as_ref()
            .is_some_and(|l| l.echo.contains_key(&dpid))
    }

    /// The next connection the echo loop closed (the switch did not answer), to reset.
    #[must_use]
    pub fn poll_closed(&mut self) -> Option<u64> {
        self.liveness.as_mut()?.closed.pop_front()
    }

    /// The connection to `dpid` is up: its echo loop starts (first request now).
    pub(super) fn echo_connected(&mut self, now: SimTime, dpid: u64) {
        let Some(l) = self.liveness.as_mut() else {
            return;
        };
        l.connections += 1;
        l.echo.insert(dpid, (l.connections, Vec::new()));
        if l.max_unreplied > 0 {
            self.echo_wake(now, dpid);
        }
    }

    /// The connection to `dpid` is gone: its loop stops.
    pub(super) fn echo_disconnected(&mut self, dpid: u64) {
        if let Some(l) = self.liveness.as_mut() {
            l.echo.remove(&dpid);
        }
    }

    /// An ECHO_REPLY from `dpid`.
    pub(super) fn echo_reply(&mut self, dpid: u64, xid: u32) {
        if let Some((_, unreplied)) = self.liveness.as_mut().and_then(|l| l.echo.get_mut(&dpid)) {
            unreplied.retain(|&x| x != xid);
        }
    }

    /// The echo loop of connection `token` wakes.
    pub(super) fn echo_timer(&mut self, now: SimTime, token: u64) {
        let Some(l) = self.liveness.as_ref() else {
            return;
        };
        let Some((&dpid, _)) = l.echo.iter().find(|(_, (c, _))| *c == token) else {
            return; // that connection is gone
        };
        self.echo_wake(now, dpid);
    }

    /// One turn of Ryu's loop for `dpid`: close the connection if too many requests are
    /// unanswered, else send one and sleep.
    fn echo_wake(&mut self, now: SimTime, dpid: u64) {
        let xid = self.take_xid();
        let l = self.liveness.as_mut().expect("echo detection");
        let (token, unreplied) = l.echo.get_mut(&dpid).expect("connected");
        if unreplied.len() > l.max_unreplied as usize {
            l.echo.remove(&dpid);
            l.closed.push_back(dpid);
            self.handle_disconnected(now, dpid);
            return;
        }
        unreplied.push(xid);
        let (token, at) = (*token, now + l.interval);
        self.emit(
            dpid,
            Message::new(xid, MessageBody::EchoRequest(Vec::new())).into(),
        );
        self.add_timers(TimerOwner::Echo, vec![(at, token)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::controller::harness::fat_tree_topology;
    use crate::controller::{AppKind, app};

    fn secs(ms: u64) -> SimTime {
        SimTime::from_ms(ms)
    }

    /// A controller with echo detection (`interval` 1 s, `max` unanswered), switch 1
    /// connected at 0; runs its timers up to `until`, switch 1 answering every ECHO_REQUEST
    /// sent before `silent_from`. Returns the times of the requests and of the close.
    fn run(max: u32, silent_from: SimTime, until: SimTime) -> (Vec<SimTime>, Option<SimTime>) {
        let topo = fat_tree_topology(4, 4);
        let mut c = Controller::new(topo.clone(), app(AppKind::ShortestPath, &topo).unwrap())
            .with_failure_detection(FailureDetection::Echo {
                interval: secs(1000),
                max_unreplied: max,
            });
        c.handle_connected(SimTime::ZERO, 1);
        let mut timers = Vec::new();
        let (mut sent, mut closed) = (Vec::new(), None);
        let mut now = SimTime::ZERO;
        loop {
            while let Some((dpid, m)) = c.poll_message() {
                if dpid == 1 && matches!(m.msg.body, MessageBody::EchoRequest(_)) {
                    sent.push(now);
                    if now < silent_from {
                        let reply = Message::new(m.msg.xid, MessageBody::EchoReply(Vec::new()));
                        c.handle_message(now, 1, reply.into());
                    }
                }
            }
            timers.extend(std::iter::from_fn(|| c.poll_timer()));
            if let Some(d) = c.poll_closed() {
                assert_eq!(d, 1);
                closed = Some(now);
            }
            timers.sort();
            if timers.is_empty() || timers[0].0 > until {
                break;
            }
            let (at, id) = timers.remove(0);
            now = at;
            c.handle_timer(now, id);
        }
        (sent, closed)
    }

    /// Ryu's loop: a request at the connection and one per interval while the switch
    /// answers; once it stops, `max + 1` more wakes send requests, and the next closes the
    /// connection: (max + 1) intervals after the first unanswered request. With max = 0 no
    /// request is ever sent (Ryu's default).
    #[test]
    fn echo_loop_closes_after_max_plus_one_unanswered_wakes() {
        let (sent, closed) = run(2, secs(3500), secs(20_000));
        let want: Vec<SimTime> = (0..=6).map(|k| secs(k * 1000)).collect();
        assert_eq!(sent, want, "0 s to 3 s answered, 4, 5, 6 s not");
        assert_eq!(
            closed,
            Some(secs(4000 + 3 * 1000)),
            "first unanswered + 3 s"
        );

        let (sent, closed) = run(1, secs(30_000), secs(10_000));
        assert_eq!(sent.len(), 11, "an answering switch is asked every second");
        assert_eq!(closed, None);

        let (sent, closed) = run(0, SimTime::ZERO, secs(100_000));
        assert_eq!(
            (sent.len(), closed),
            (0, None),
            "Ryu's default sends nothing"
        );
    }
}
