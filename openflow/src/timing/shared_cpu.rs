//! One CPU shared by a set of software switches: the Mininet model of seed 001's test bed.
//!
//! In Mininet every Open vSwitch instance runs on the host's CPU, so a frame costs CPU time at
//! every switch it crosses, and frames of *all* switches queue for the same processor. Each
//! extra hop therefore costs throughput — the effect behind seed 001's Fig. 6 (24 Mbit/s
//! before the migration, 18 and 16 Mbit/s while traffic detours through the tunnel).
//!
//! The model is a FIFO server with a fixed **per-frame time** `frame_time`, whatever the
//! frame's length, in front of every switch it serves:
//!
//! ```text
//!  frame at switch s1 ──┐
//!  frame at switch s2 ──┼──► [ FIFO, at most `queue` frames waiting ] ──frame_time each──► pipeline
//!  frame at switch s3 ──┘          (a frame arriving to a full queue is dropped)
//! ```
//!
//! **Throughput follows from hop counts.** A flow whose frames cross `h` switches of the CPU
//! and whose every data frame brings `a` frames back (TCP: one ACK per segment without
//! delayed ACKs, `a = 1`; one per two with them, `a = 1/2`) saturates the CPU at
//!
//! ```text
//!   goodput = payload_bits / ((1 + a) · h · frame_time)
//! ```
//!
//! so the same flow over `h'` hops gets `h / h'` of it, and a ping's RTT grows by
//! `2 · h · frame_time` over the wire's (one service per hop each way, CPU idle).
//! docs/reproductions.md states the one calibration (seed 001's 24 Mbit/s baseline).

use serde::Deserialize;
use sim_core::SimTime;

use net_stack::FieldError;

/// `[controller.shared_cpu]`: one CPU shared by `switches` (all switches when not given).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedCpuConfig {
    /// `frame_time`: CPU time of one frame at one switch (**required**, greater than zero).
    pub frame_time: SimTime,
    /// `queue`: frames that may wait for the CPU; one more is dropped. Default 1000
    /// (Linux's default `txqueuelen`, the backlog of a Mininet veth).
    #[serde(default = "default_queue")]
    pub queue: u32,
    /// `switches`: the switches that share the CPU, by node name; default every switch.
    #[serde(default)]
    pub switches: Option<Vec<String>>,
}

fn default_queue() -> u32 {
    1000
}

impl SharedCpuConfig {
    /// The rules serde cannot express, each naming its key: `frame_time` and `queue` greater
    /// than zero, a non-empty `switches` without repeats.
    pub fn problems(&self) -> Vec<FieldError> {
        let mut out = Vec::new();
        if self.frame_time == SimTime::ZERO {
            out.push(FieldError::new(
                "frame_time",
                "`frame_time` of the shared CPU must be greater than zero",
                "zero",
            ));
        }
        if self.queue == 0 {
            out.push(
                FieldError::new(
                    "queue",
                    "`queue` of the shared CPU must be at least 1 frame",
                    "zero",
                )
                .with_help("a frame that finds the CPU busy waits in this queue"),
            );
        }
        match &self.switches {
            Some(list) if list.is_empty() => out.push(
                FieldError::new("switches", "`switches` of the shared CPU is empty", "empty")
                    .with_help("leave `switches` out to share the CPU among every switch"),
            ),
            Some(list) => {
                if let Some((_, name)) = list
                    .iter()
                    .enumerate()
                    .find(|(i, n)| list[..*i].contains(n))
                {
                    out.push(FieldError::new(
                        "switches",
                        format!("`switches` of the shared CPU lists `{name}` twice"),
                        "listed twice",
                    ));
                }
            }
            None => {}
        }
        out
    }

    /// Whether switch `name` uses this CPU.
    pub fn serves(&self, name: &str) -> bool {
        self.switches
            .as_ref()
            .is_none_or(|l| l.iter().any(|n| n == name))
    }
}

/// The shared CPU's state: a FIFO server of one frame per `frame_time`; see the
/// [module docs](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SharedCpu {
    frame_time: SimTime,
    queue: u32,
    /// When the last accepted frame finishes service.
    busy_until: SimTime,
    served: u64,
    dropped: u64,
}

impl SharedCpu {
    /// An idle CPU with `config`'s frame time and queue.
    pub fn new(config: &SharedCpuConfig) -> Self {
        SharedCpu {
            frame_time: config.frame_time,
            queue: config.queue,
            busy_until: SimTime::ZERO,
            served: 0,
            dropped: 0,
        }
    }

    /// A frame arrives at `now` (non-decreasing across calls): when its service ends, or
    /// `None` if `queue` frames are already waiting (the frame is dropped).
    ///
    /// Every frame costs the same, so the frames waiting are the backlog divided by
    /// `frame_time`, rounded up (the one in service does not wait).
    #[inline]
    pub fn depart(&mut self, now: SimTime) -> Option<SimTime> {
        let backlog = self.busy_until.saturating_sub(now).as_ps();
        let ft = self.frame_time.as_ps();
        // Frames ahead of this one, the one in service included; those waiting are one fewer.
        let ahead = backlog.div_ceil(ft);
        if ahead > u64::from(self.queue) {
            self.dropped += 1;
            return None;
        }
        self.busy_until = self.busy_until.max(now) + self.frame_time;
        self.served += 1;
        Some(self.busy_until)
    }

    /// Frames served so far.
    pub fn served(&self) -> u64 {
        self.served
    }

    /// Frames dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The per-frame time.
    pub fn frame_time(&self) -> SimTime {
        self.frame_time
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> Result<SharedCpuConfig, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Frames from any switch queue behind each other: n back-to-back frames finish at
    /// n × frame_time; an idle gap resets the server.
    #[test]
    fn fifo_one_frame_time_each() {
        let c = cfg("frame_time = \"80us\"").expect("valid");
        assert_eq!(c.queue, 1000, "default queue");
        assert!(c.serves("anything"), "every switch by default");
        let mut cpu = SharedCpu::new(&c);
        let us = SimTime::from_us;
        assert_eq!(cpu.depart(us(10)), Some(us(90)), "idle: at once");
        assert_eq!(cpu.depart(us(10)), Some(us(170)), "second waits");
        assert_eq!(cpu.depart(us(20)), Some(us(250)), "third waits for both");
        assert_eq!(cpu.depart(us(1000)), Some(us(1080)), "idle again");
        assert_eq!(cpu.served(), 4);
    }

    /// With `queue = 2`, a frame is dropped when two frames wait behind the one in service;
    /// once one leaves, the next is accepted.
    #[test]
    fn full_queue_drops() {
        let c = cfg("frame_time = \"10us\"\nqueue = 2").expect("valid");
        let mut cpu = SharedCpu::new(&c);
        let t0 = SimTime::ZERO;
        assert!(cpu.depart(t0).is_some(), "in service");
        assert!(cpu.depart(t0).is_some(), "waiting 1");
        assert!(cpu.depart(t0).is_some(), "waiting 2");
        assert_eq!(cpu.depart(t0), None, "queue full");
        assert_eq!(cpu.dropped(), 1);
        // At 10 us the first frame has left: two wait behind the second's service.
        assert_eq!(cpu.depart(SimTime::from_us(10)), Some(SimTime::from_us(40)));
        assert_eq!(cpu.served(), 4);
    }

    /// Saturated, the CPU forwards one frame per frame_time whatever the switch: 1000
    /// frames offered at once with a large queue take exactly 1000 × frame_time.
    #[test]
    fn saturated_rate_is_one_per_frame_time() {
        let c = cfg("frame_time = \"40us\"\nqueue = 5000").expect("valid");
        let mut cpu = SharedCpu::new(&c);
        let last = (0..1000)
            .map(|_| cpu.depart(SimTime::ZERO))
            .last()
            .flatten();
        assert_eq!(last, Some(SimTime::from_ms(40)));
    }

    /// Bad values name their keys.
    #[test]
    fn problems_name_keys() {
        let c = cfg("frame_time = \"0s\"\nqueue = 0\nswitches = []").expect("parses");
        let fields: Vec<_> = c.problems().iter().map(|e| e.field).collect();
        assert_eq!(fields, ["frame_time", "queue", "switches"]);
        let c = cfg("frame_time = \"1us\"\nswitches = [\"s0\", \"s1\", \"s0\"]").expect("parses");
        assert_eq!(
            c.problems()[0].message,
            "`switches` of the shared CPU lists `s0` twice"
        );
        assert!(c.serves("s1") && !c.serves("s2"));
        let e = cfg("frame_tme = \"1us\"").expect_err("typo");
        assert!(e.contains("unknown field `frame_tme`"), "{e}");
        let e = cfg("queue = 3").expect_err("missing");
        assert!(e.contains("frame_time"), "{e}");
    }
}
