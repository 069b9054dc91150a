//! One flow table (OpenFlow 1.3.5 §5.2–5.5, §6.4): lookup by priority, the FLOW_MOD commands,
//! and the entries' idle and hard timeouts as exact timers.
//!
//! # Lookup order
//!
//! Entries live in a `BTreeMap` keyed by `(Reverse(priority), seq)`, where `seq` is a per-table
//! insertion counter. Lookup walks the map in key order and takes the first entry whose match
//! covers the packet: **highest priority wins, and among equal priorities the entry installed
//! first (the oldest) wins.** The spec leaves that tie undefined (§5.3: "the selected flow
//! entry is explicitly undefined"); insertion order makes it deterministic. An ADD that replaces
//! an identical entry installs a new one (§6.4: the old entry "must be cleared from the table,
//! and the new flow entry added"), so the replacement takes the youngest place among its
//! priority.
//!
//! Lookup is a linear scan in that order: data-centre tables in this simulator hold tens to a
//! few thousand entries, and the scan keeps the semantics obvious. A hash on exact-match
//! entries would be the next step if profiles ever show the scan.
//!
//! # Timeouts
//!
//! An entry with an idle timeout expires at `last_used + idle`, one with a hard timeout at
//! `installed + hard` (whichever is earlier); it is live on the half-open interval before that
//! instant, so at its deadline it is gone. This is event-driven and exact to the picosecond,
//! not a periodic sweep like OFSwitch13's 100 ms check: a simulator has no reason to blur the
//! timers, and the integrator schedules a single wake-up at [`FlowTable::next_expiry`].
//!
//! The timers are a lazy min-heap of `(instant, key)` records, one live record per entry with
//! a timeout. Traffic only updates `last_used` (O(1) per packet); when a record comes due and
//! the entry's real deadline has moved on, the record is re-pushed with the new deadline.
//! Records of removed entries are discarded when they surface, and the heap is rebuilt from the
//! entries if stale records ever outnumber live ones.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use sim_core::SimTime;

use super::OfError;
use super::flow_entry::FlowEntry;
use super::matching::{CompiledMatch, PacketFields};
use crate::wire::{FlowMod, FlowModFlags, FlowRemovedReason, FlowStatsRequest, Match};
use crate::wire::{OFPG_ANY, OFPP_ANY};

/// Position of an entry: priority descending, then insertion order.
pub(crate) type EntryKey = (Reverse<u16>, u64);

/// Which entries a MODIFY, DELETE or flow-stats request selects (§6.4, §7.3.5.2).
#[derive(Clone, Debug)]
pub(crate) struct Selector<'a> {
    /// Non-strict: the request's match as a set that the entry's match must lie within.
    /// Strict: the exact (normalised) match.
    pub(crate) match_: &'a Match,
    /// Strict selection: match and priority must be identical.
    pub(crate) strict: bool,
    /// Priority, used only when strict.
    pub(crate) priority: u16,
    /// Cookie value and the bits of it that must agree.
    pub(crate) cookie: u64,
    /// Cookie bits compared (0 = any cookie).
    pub(crate) cookie_mask: u64,
    /// Only entries with an OUTPUT to this port ([`OFPP_ANY`] = any).
    pub(crate) out_port: u32,
    /// Only entries with a GROUP action to this group ([`OFPG_ANY`] = any).
    pub(crate) out_group: u32,
}

impl Selector<'_> {
    fn selects(&self, e: &FlowEntry, general: &CompiledMatch) -> bool {
        let by_match = if self.strict {
            e.priority == self.priority && e.match_ == *self.match_
        } else {
            e.compiled.is_subset_of(general)
        };
        by_match
            && (e.cookie ^ self.cookie) & self.cookie_mask == 0
            && (self.out_port == OFPP_ANY || e.outputs_to(self.out_port))
            && (self.out_group == OFPG_ANY || e.outputs_to_group(self.out_group))
    }
}

/// A selector for a flow-stats request (always non-strict, §7.3.5.2).
pub(crate) fn stats_selector(req: &FlowStatsRequest) -> Selector<'_> {
    Selector {
        match_: &req.match_,
        strict: false,
        priority: 0,
        cookie: req.cookie,
        cookie_mask: req.cookie_mask,
        out_port: req.out_port,
        out_group: req.out_group,
    }
}

/// One OpenFlow flow table with its lookup counters.
#[derive(Clone, Debug)]
pub struct FlowTable {
    table_id: u8,
    capacity: usize,
    entries: BTreeMap<EntryKey, FlowEntry>,
    timers: BinaryHeap<Reverse<(SimTime, EntryKey)>>,
    next_seq: u64,
    lookup_count: u64,
    matched_count: u64,
}

impl FlowTable {
    /// An empty table holding at most `capacity` entries.
    pub(crate) fn new(table_id: u8, capacity: usize) -> FlowTable {
        FlowTable {
            table_id,
            capacity,
            entries: BTreeMap::new(),
            timers: BinaryHeap::new(),
            next_seq: 0,
            lookup_count: 0,
            matched_count: 0,
        }
    }

    /// The table's number.
    pub fn table_id(&self) -> u8 {
        self.table_id
    }

    /// Number of entries (`active_count` in table stats).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Packets looked up in this table (`lookup_count`).
    pub fn lookup_count(&self) -> u64 {
        self.lookup_count
    }

    /// Packets that matched an entry of this table (`matched_count`).
    pub fn matched_count(&self) -> u64 {
        self.matched_count
    }

    /// The entries in lookup order: priority descending, then oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &FlowEntry> {
        self.entries.values()
    }

    /// Looks a packet up: counts the lookup, and on a hit counts the packet and its `bytes`
    /// on the entry and resets its idle timer. Expired entries must have been removed first
    /// ([`FlowTable::expire`]).
    pub(crate) fn lookup(
        &mut self,
        now: SimTime,
        fields: &PacketFields,
        bytes: u64,
    ) -> Option<&FlowEntry> {
        self.lookup_count += 1;
        let e = self
            .entries
            .values_mut()
            .find(|e| e.compiled.matches(fields))?;
        self.matched_count += 1;
        e.count(now, bytes);
        Some(e)
    }

    /// OFPFC_ADD (§6.4) of an already validated FLOW_MOD whose match is `m` (normalised).
    ///
    /// With CHECK_OVERLAP, any entry of the same priority that some packet could match along
    /// with the new one is an error (OVERLAP). Otherwise an entry with identical match and
    /// priority is replaced by the new one, whose counters are copied from it unless
    /// RESET_COUNTS is set; its duration restarts. Returns whether an entry was replaced.
    pub(crate) fn add(&mut self, now: SimTime, fm: &FlowMod, m: Match) -> Result<bool, OfError> {
        let entry = FlowEntry::new(
            m,
            fm.priority,
            fm.cookie,
            fm.instructions.clone(),
            fm.idle_timeout,
            fm.hard_timeout,
            fm.flags,
            now,
            self.next_seq,
        );
        let same_priority = (Reverse(fm.priority), 0)..=(Reverse(fm.priority), u64::MAX);
        if fm.flags.contains(FlowModFlags::CHECK_OVERLAP)
            && self
                .entries
                .range(same_priority.clone())
                .any(|(_, e)| e.compiled.overlaps(&entry.compiled))
        {
            return Err(OfError::OVERLAP);
        }
        let old = self
            .entries
            .range(same_priority)
            .find(|(_, e)| e.match_ == entry.match_)
            .map(|(k, _)| *k);
        if old.is_none() && self.entries.len() >= self.capacity {
            return Err(OfError::TABLE_FULL);
        }
        let mut entry = entry;
        if let Some(old) = old.and_then(|k| self.entries.remove(&k))
            && !fm.flags.contains(FlowModFlags::RESET_COUNTS)
        {
            entry.packet_count = old.packet_count;
            entry.byte_count = old.byte_count;
        }
        self.next_seq += 1;
        let key = (Reverse(entry.priority), entry.seq);
        if let Some((t, _)) = entry.deadline() {
            self.timers.push(Reverse((t, key)));
        }
        self.entries.insert(key, entry);
        self.compact_timers();
        Ok(old.is_some())
    }

    /// OFPFC_MODIFY / MODIFY_STRICT (§6.4): replaces the instructions of every selected entry
    /// (cookie, timeouts and flags stay), resetting counters with RESET_COUNTS. Adds nothing
    /// when nothing is selected (the 1.3 behaviour). Returns how many entries changed.
    pub(crate) fn modify(&mut self, fm: &FlowMod, sel: &Selector<'_>) -> usize {
        let general = CompiledMatch::new(sel.match_);
        let mut n = 0;
        for e in self.entries.values_mut() {
            if sel.selects(e, &general) {
                e.instructions = fm.instructions.clone();
                if fm.flags.contains(FlowModFlags::RESET_COUNTS) {
                    e.packet_count = 0;
                    e.byte_count = 0;
                }
                n += 1;
            }
        }
        n
    }

    /// OFPFC_DELETE / DELETE_STRICT (§6.4): removes and returns the selected entries in lookup
    /// order.
    pub(crate) fn delete(&mut self, sel: &Selector<'_>) -> Vec<FlowEntry> {
        let general = CompiledMatch::new(sel.match_);
        let keys: Vec<EntryKey> = self
            .entries
            .iter()
            .filter(|(_, e)| sel.selects(e, &general))
            .map(|(k, _)| *k)
            .collect();
        let removed = keys.iter().filter_map(|k| self.entries.remove(k)).collect();
        self.compact_timers();
        removed
    }

    /// The entries a flow-stats request selects, in lookup order.
    pub(crate) fn select<'a>(&'a self, sel: &Selector<'_>) -> Vec<&'a FlowEntry> {
        let general = CompiledMatch::new(sel.match_);
        self.entries
            .values()
            .filter(|e| sel.selects(e, &general))
            .collect()
    }

    /// Removes every entry whose deadline is at or before `now`, returning each with the
    /// timeout that fired and its deadline (the instant of removal), in deadline order.
    pub(crate) fn expire(&mut self, now: SimTime) -> Vec<(FlowEntry, FlowRemovedReason, SimTime)> {
        let mut out = Vec::new();
        while let Some(&Reverse((t, key))) = self.timers.peek() {
            if t > now {
                break;
            }
            self.timers.pop();
            let Some(e) = self.entries.get(&key) else {
                continue; // stale: the entry was deleted or replaced
            };
            match e.deadline() {
                Some((d, reason)) if d <= now => {
                    if let Some(e) = self.entries.remove(&key) {
                        out.push((e, reason, d));
                    }
                }
                Some((d, _)) => self.timers.push(Reverse((d, key))),
                None => {}
            }
        }
        out
    }

    /// The earliest instant an entry expires, exact: stale heap records (removed entries,
    /// idle timers pushed back by traffic) are settled first.
    pub(crate) fn next_expiry(&mut self) -> Option<SimTime> {
        loop {
            let &Reverse((t, key)) = self.timers.peek()?;
            match self.entries.get(&key).and_then(FlowEntry::deadline) {
                Some((d, _)) if d == t => return Some(t),
                Some((d, _)) => {
                    self.timers.pop();
                    self.timers.push(Reverse((d, key)));
                }
                None => {
                    self.timers.pop();
                }
            }
        }
    }

    /// Rebuilds the timer heap when stale records outnumber the entries, so that a long run
    /// of deletions cannot grow it without bound.
    fn compact_timers(&mut self) {
        if self.timers.len() > 2 * self.entries.len() + 64 {
            self.timers = self
                .entries
                .iter()
                .filter_map(|(k, e)| e.deadline().map(|(t, _)| Reverse((t, *k))))
                .collect();
        }
    }

    /// Panics if an internal invariant is broken: keys agree with entries, no two entries
    /// share (match, priority), and every entry with a timeout has a timer record no later
    /// than its deadline. For tests.
    #[cfg(test)]
    pub(crate) fn check_invariants(&self) {
        let mut seen = std::collections::BTreeSet::new();
        for (k, e) in &self.entries {
            assert_eq!(*k, (Reverse(e.priority), e.seq), "key agrees with entry");
            assert!(e.seq < self.next_seq, "seq issued by this table");
            assert!(
                seen.insert((e.priority, format!("{:?}", e.match_))),
                "duplicate (match, priority) {:?}/{}",
                e.match_,
                e.priority
            );
            assert_eq!(
                e.compiled,
                CompiledMatch::new(&e.match_),
                "compiled match current"
            );
            if let Some((d, _)) = e.deadline() {
                assert!(
                    self.timers.iter().any(|r| r.0.1 == *k && r.0.0 <= d),
                    "entry with a timeout has a timer record no later than its deadline"
                );
            }
        }
        assert!(self.entries.len() <= self.capacity, "capacity respected");
        assert!(
            self.matched_count <= self.lookup_count,
            "matched <= lookups"
        );
    }
}
