//! One flow entry (OpenFlow 1.3.5 §5.2): match, priority, instructions, counters and the two
//! timeouts, with the conversions to the FLOW_STATS and FLOW_REMOVED wire records.

use sim_core::SimTime;

use super::matching::CompiledMatch;
use crate::wire::{
    Action, FlowModFlags, FlowRemoved, FlowRemovedReason, FlowStats, Instruction, Match,
};

/// Picoseconds per second.
const PS_PER_SEC: u64 = 1_000_000_000_000;

/// A duration in OpenFlow's `(duration_sec, duration_nsec)` form; saturates at `u32::MAX` s.
pub(crate) fn sec_nsec(d: SimTime) -> (u32, u32) {
    let ps = d.as_ps();
    let sec = u32::try_from(ps / PS_PER_SEC).unwrap_or(u32::MAX);
    // < 10^9, fits.
    let nsec = ((ps % PS_PER_SEC) / 1_000) as u32;
    (sec, nsec)
}

/// A timeout in seconds as simulated time.
pub(crate) fn secs(s: u16) -> SimTime {
    SimTime::from_secs(u64::from(s))
}

/// A flow entry as installed in a [`super::FlowTable`].
///
/// Fields are public for reading; a table only hands out shared references, so they change
/// only through FLOW_MODs, traffic and time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowEntry {
    /// The match, normalised (masks canonical, see the `matching` module).
    pub match_: Match,
    /// Priority; higher wins.
    pub priority: u16,
    /// Controller-chosen opaque id.
    pub cookie: u64,
    /// What the entry does with a packet.
    pub instructions: Vec<Instruction>,
    /// Idle timeout (s); 0 = none.
    pub idle_timeout: u16,
    /// Hard timeout (s); 0 = none.
    pub hard_timeout: u16,
    /// `OFPFF_*` flags from the FLOW_MOD that added it.
    pub flags: FlowModFlags,
    /// Packets matched (stays 0 with `OFPFF_NO_PKT_COUNTS`).
    pub packet_count: u64,
    /// Bytes matched, Ethernet frame without FCS (stays 0 with `OFPFF_NO_BYT_COUNTS`).
    pub byte_count: u64,
    /// When the entry was installed (the start of its duration and of its hard timeout).
    pub installed: SimTime,
    /// When it last matched a packet (its install time before that); the idle timeout runs
    /// from here.
    pub last_used: SimTime,
    /// A lifetime the switch gave the entry itself, finer than OpenFlow's whole seconds:
    /// seed 000's `FlowExpires` drawn when the entry was written
    /// ([`crate::timing::SwitchTiming::flow_expires`]). It ends the entry at
    /// `installed + lifetime` like a hard timeout, and its removal is always announced.
    pub lifetime: Option<SimTime>,
    pub(crate) compiled: CompiledMatch,
    /// Table-wide insertion sequence: the tie-break among equal priorities.
    pub(crate) seq: u64,
}

impl FlowEntry {
    /// A fresh entry with zero counters.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        match_: Match,
        priority: u16,
        cookie: u64,
        instructions: Vec<Instruction>,
        idle_timeout: u16,
        hard_timeout: u16,
        flags: FlowModFlags,
        now: SimTime,
        seq: u64,
    ) -> FlowEntry {
        FlowEntry {
            compiled: CompiledMatch::new(&match_),
            match_,
            priority,
            cookie,
            instructions,
            idle_timeout,
            hard_timeout,
            flags,
            packet_count: 0,
            byte_count: 0,
            installed: now,
            last_used: now,
            lifetime: None,
            seq,
        }
    }

    /// Whether this is a table-miss entry (§5.4: priority 0 and an empty match).
    pub fn is_table_miss(&self) -> bool {
        self.priority == 0 && self.match_.is_empty()
    }

    /// Time since installation.
    pub fn duration(&self, now: SimTime) -> SimTime {
        now.saturating_sub(self.installed)
    }

    /// The instant the idle timeout fires unless traffic comes first: `last_used + idle`.
    pub fn idle_deadline(&self) -> Option<SimTime> {
        (self.idle_timeout > 0).then(|| self.last_used.saturating_add(secs(self.idle_timeout)))
    }

    /// The instant the hard timeout fires: `installed + hard`, or `installed + lifetime` when
    /// the entry's [`lifetime`](FlowEntry::lifetime) ends first.
    pub fn hard_deadline(&self) -> Option<SimTime> {
        let hard = (self.hard_timeout > 0).then(|| secs(self.hard_timeout));
        let d = match (hard, self.lifetime) {
            (Some(h), Some(l)) => Some(h.min(l)),
            (h, l) => h.or(l),
        };
        d.map(|d| self.installed.saturating_add(d))
    }

    /// The earliest instant the entry expires and why; the hard timeout wins a tie.
    pub fn deadline(&self) -> Option<(SimTime, FlowRemovedReason)> {
        let hard = self
            .hard_deadline()
            .map(|t| (t, FlowRemovedReason::HardTimeout));
        let idle = self
            .idle_deadline()
            .map(|t| (t, FlowRemovedReason::IdleTimeout));
        match (hard, idle) {
            (Some(h), Some(i)) => Some(if i.0 < h.0 { i } else { h }),
            (h, i) => h.or(i),
        }
    }

    /// Counts one matched packet of `bytes` at `now` (resets the idle timer).
    pub(crate) fn count(&mut self, now: SimTime, bytes: u64) {
        if !self.flags.contains(FlowModFlags::NO_PKT_COUNTS) {
            self.packet_count += 1;
        }
        if !self.flags.contains(FlowModFlags::NO_BYT_COUNTS) {
            self.byte_count += bytes;
        }
        self.last_used = now;
    }

    /// Whether any OUTPUT action of the entry (apply- or write-actions) names `port`: the
    /// `out_port` filter of DELETE and flow-stats requests (§7.3.4.1).
    pub fn outputs_to(&self, port: u32) -> bool {
        self.actions()
            .any(|a| matches!(a, Action::Output { port: p, .. } if *p == port))
    }

    /// Whether any GROUP action names `group` (the `out_group` filter).
    pub fn outputs_to_group(&self, group: u32) -> bool {
        self.actions()
            .any(|a| matches!(a, Action::Group { group_id } if *group_id == group))
    }

    fn actions(&self) -> impl Iterator<Item = &Action> {
        self.instructions.iter().flat_map(|i| match i {
            Instruction::ApplyActions(a) | Instruction::WriteActions(a) => a.as_slice(),
            _ => &[],
        })
    }

    /// The entry as an `ofp_flow_stats` record of table `table_id` at `now`.
    pub fn flow_stats(&self, table_id: u8, now: SimTime) -> FlowStats {
        let (duration_sec, duration_nsec) = sec_nsec(self.duration(now));
        FlowStats {
            table_id,
            duration_sec,
            duration_nsec,
            priority: self.priority,
            idle_timeout: self.idle_timeout,
            hard_timeout: self.hard_timeout,
            flags: self.flags,
            cookie: self.cookie,
            packet_count: self.packet_count,
            byte_count: self.byte_count,
            match_: self.match_.clone(),
            instructions: self.instructions.clone(),
        }
    }

    /// The FLOW_REMOVED body announcing this entry's removal at `now`.
    pub fn flow_removed(
        &self,
        table_id: u8,
        now: SimTime,
        reason: FlowRemovedReason,
    ) -> FlowRemoved {
        let (duration_sec, duration_nsec) = sec_nsec(self.duration(now));
        FlowRemoved {
            cookie: self.cookie,
            priority: self.priority,
            reason,
            table_id,
            duration_sec,
            duration_nsec,
            idle_timeout: self.idle_timeout,
            hard_timeout: self.hard_timeout,
            packet_count: self.packet_count,
            byte_count: self.byte_count,
            match_: self.match_.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(idle: u16, hard: u16) -> FlowEntry {
        let t0 = SimTime::from_ms(500);
        FlowEntry::new(
            Match::all(),
            1,
            0,
            vec![],
            idle,
            hard,
            FlowModFlags::NONE,
            t0,
            0,
        )
    }

    /// Deadlines: idle runs from last use, hard from install, the earlier one wins, and a
    /// hard/idle tie reports HARD_TIMEOUT.
    #[test]
    fn deadlines() {
        let mut e = entry(2, 5);
        assert_eq!(
            e.deadline(),
            Some((SimTime::from_ms(2500), FlowRemovedReason::IdleTimeout)),
            "idle 2 s from install at 0.5 s"
        );
        e.count(SimTime::from_ms(3500), 100);
        assert_eq!(
            e.deadline(),
            Some((SimTime::from_ms(5500), FlowRemovedReason::HardTimeout)),
            "idle pushed to 5.5 s ties with hard 5.5 s: hard wins"
        );
        assert_eq!(entry(0, 0).deadline(), None, "no timeouts, no deadline");
    }

    /// Duration converts picoseconds into (sec, nsec) with nanosecond truncation.
    #[test]
    fn duration_split() {
        assert_eq!(
            sec_nsec(SimTime::from_ps(3 * PS_PER_SEC + 1_234_567_999)),
            (3, 1_234_567),
            "3 s + 1.234567999 ms"
        );
    }
}
