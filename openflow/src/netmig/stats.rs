//! Statistics the apps ask one virtual switch for, gathered from its copies and merged:
//! flow counters summed per app entry, port counters summed per port (§2.2, "counters").

use std::collections::{BTreeMap, VecDeque};

use sim_core::SimTime;

use super::rules::{Copy, VRule};
use crate::switch::flow_entry::sec_nsec;
use crate::wire::{FlowStats, MultipartReplyBody, PortStats};

/// A request sent to several real switches whose replies become one reply to the app.
#[derive(Debug)]
pub struct Pending {
    /// The virtual switch the app asked.
    pub vdpid: u64,
    /// Replies still expected.
    pub waiting: usize,
    /// The parts received, in arrival order (the old switch's first when it answered first).
    pub parts: Vec<(u64, MultipartReplyBody)>,
}

/// Requests in flight: per real switch, which pending request its next reply answers
/// (a switch answers in order).
#[derive(Debug, Default)]
pub struct Gather {
    next: u64,
    pub(super) pending: BTreeMap<u64, Pending>,
    pub(super) queues: BTreeMap<u64, VecDeque<u64>>,
}

impl Gather {
    /// Registers a request from the app to `vdpid`, sent to `targets`.
    pub fn start(&mut self, vdpid: u64, targets: &[u64]) {
        let id = self.next;
        self.next += 1;
        self.pending.insert(
            id,
            Pending {
                vdpid,
                waiting: targets.len(),
                parts: Vec::new(),
            },
        );
        for &t in targets {
            self.queues.entry(t).or_default().push_back(id);
        }
    }

    /// Real switch `dpid` will answer nothing more (it failed): the requests still waiting
    /// for it stop waiting; those it was the last wait of, with a part from another switch,
    /// are returned finished (the others are forgotten).
    pub fn abandon(&mut self, dpid: u64) -> Vec<Pending> {
        let mut done = Vec::new();
        for id in self.queues.remove(&dpid).unwrap_or_default() {
            let Some(p) = self.pending.get_mut(&id) else {
                continue;
            };
            p.waiting -= 1;
            if p.waiting == 0
                && let Some(p) = self.pending.remove(&id)
                && !p.parts.is_empty()
            {
                done.push(p);
            }
        }
        done
    }

    /// A reply part from real switch `dpid`: `Some` with the finished request when this was
    /// the last reply it waited for; `more` = the part is not the reply's last.
    pub fn reply(&mut self, dpid: u64, body: MultipartReplyBody, more: bool) -> Option<Pending> {
        let q = self.queues.get_mut(&dpid)?;
        let &id = q.front()?;
        if !more {
            q.pop_front();
        }
        let p = self.pending.get_mut(&id)?;
        p.parts.push((dpid, body));
        if !more {
            p.waiting -= 1;
        }
        if p.waiting == 0 {
            self.pending.remove(&id)
        } else {
            None
        }
    }
}

/// One flow-stats reply for the app: per app entry with a copy among `parts`, in the order
/// the copies were reported, the app's match, priority, timeouts and instructions with the
/// copies' packets and bytes summed (plus those of copies already gone). Entries that are
/// the shim's own (tunnel rules) are left out.
pub fn merge_flows(
    now: SimTime,
    rules: &[VRule],
    parts: &[(u64, MultipartReplyBody)],
    bytes_of: impl Fn(&VRule, &Copy, u64, u64) -> u64,
) -> Vec<FlowStats> {
    let mut order: Vec<usize> = Vec::new();
    let mut sums: BTreeMap<usize, (u64, u64)> = BTreeMap::new();
    let mut durations: BTreeMap<usize, SimTime> = BTreeMap::new();
    for (dpid, body) in parts {
        let MultipartReplyBody::Flow(entries) = body else {
            continue;
        };
        for e in entries {
            let Some((ri, copy)) = find_copy(rules, *dpid, e) else {
                continue;
            };
            let s = sums.entry(ri).or_insert_with(|| {
                order.push(ri);
                rules[ri].carried
            });
            s.0 += e.packet_count;
            s.1 += bytes_of(&rules[ri], copy, e.packet_count, e.byte_count);
            // The copy's age plus how long after the app's install it was made.
            let age = SimTime::from_secs(u64::from(e.duration_sec))
                + SimTime::from_ns(u64::from(e.duration_nsec))
                + copy.sent.saturating_sub(rules[ri].installed);
            let d = durations.entry(ri).or_insert(age);
            *d = (*d).max(age);
        }
    }
    order
        .into_iter()
        .map(|ri| {
            let r = &rules[ri];
            let (packets, bytes) = sums[&ri];
            let (duration_sec, duration_nsec) = sec_nsec(
                durations
                    .get(&ri)
                    .copied()
                    .unwrap_or(now.saturating_sub(r.installed)),
            );
            FlowStats {
                table_id: r.fm.table_id,
                duration_sec,
                duration_nsec,
                priority: r.fm.priority,
                idle_timeout: r.fm.idle_timeout,
                hard_timeout: r.fm.hard_timeout,
                flags: r.fm.flags,
                cookie: r.fm.cookie,
                packet_count: packets,
                byte_count: bytes,
                match_: r.fm.match_.clone(),
                instructions: r.fm.instructions.clone(),
            }
        })
        .collect()
}

/// The rule (index) and copy of the entry `e` reported by `dpid`.
fn find_copy<'r>(rules: &'r [VRule], dpid: u64, e: &FlowStats) -> Option<(usize, &'r Copy)> {
    let norm = crate::switch::matching::normalize(&e.match_);
    rules.iter().enumerate().find_map(|(i, r)| {
        r.copies
            .iter()
            .find(|c| {
                c.dpid == dpid
                    && r.fm.priority == e.priority
                    && crate::switch::matching::normalize(&c.match_) == norm
            })
            .map(|c| (i, c))
    })
}

/// One port-stats reply for the app: per port number, in the order first reported, the
/// copies' counters summed; the tunnel ports (`hidden`, real dpid and port) are left out.
pub fn merge_ports(parts: &[(u64, MultipartReplyBody)], hidden: &[(u64, u32)]) -> Vec<PortStats> {
    let mut out: Vec<PortStats> = Vec::new();
    for (dpid, body) in parts {
        let MultipartReplyBody::PortStats(entries) = body else {
            continue;
        };
        for e in entries {
            if hidden.contains(&(*dpid, e.port_no)) {
                continue;
            }
            match out.iter_mut().find(|s| s.port_no == e.port_no) {
                None => out.push(*e),
                Some(s) => {
                    s.rx_packets += e.rx_packets;
                    s.tx_packets += e.tx_packets;
                    s.rx_bytes += e.rx_bytes;
                    s.tx_bytes += e.tx_bytes;
                    s.rx_dropped += e.rx_dropped;
                    s.tx_dropped += e.tx_dropped;
                    s.rx_errors += e.rx_errors;
                    s.tx_errors += e.tx_errors;
                    s.rx_frame_err += e.rx_frame_err;
                    s.rx_over_err += e.rx_over_err;
                    s.rx_crc_err += e.rx_crc_err;
                    s.collisions += e.collisions;
                }
            }
        }
    }
    out
}
