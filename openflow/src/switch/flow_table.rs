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
    /// RESET_COUNTS is set; its duration restarts. The new entry gets `lifetime` as its
    /// [`FlowEntry::lifetime`]. Returns whether an entry was replaced.
    pub(crate) fn add_with_lifetime(
        &mut self,
        now: SimTime,
        fm: &FlowMod,
        m: Match,
        lifetime: Option<SimTime>,
    ) -> Result<bool, OfError> {
        let mut entry = FlowEntry::new(
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
        entry.lifetime = lifetime;
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

    /// [`FlowTable::add_with_lifetime`] without a lifetime.
    #[cfg(test)]
    pub(crate) fn add(&mut self, now: SimTime, fm: &FlowMod, m: Match) -> Result<bool, OfError> {
        self.add_with_lifetime(now, fm, m, None)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::switch::matching::normalize;
    use crate::switch::matching::tests::udp;
    use crate::wire::{Action, FlowModCommand, Instruction, Masked};
    use net_stack::wire::Packet;
    use std::net::Ipv4Addr;

    fn out(port: u32) -> Vec<Instruction> {
        vec![Instruction::apply(vec![Action::output(port)])]
    }

    /// An ADD of `m` at `priority` with `cookie`, outputting to `port`.
    fn fm(priority: u16, m: Match, cookie: u64, port: u32) -> FlowMod {
        FlowMod {
            cookie,
            ..FlowMod::add(priority, m, out(port))
        }
    }

    fn add(t: &mut FlowTable, now: SimTime, f: &FlowMod) -> Result<bool, OfError> {
        t.add(now, f, normalize(&f.match_))
    }

    fn dst(host: u8) -> Match {
        Match {
            eth_type: Some(0x0800),
            ipv4_dst: Some(Masked::exact(Ipv4Addr::new(10, 0, 0, host))),
            ..Match::default()
        }
    }

    fn net24() -> Match {
        Match {
            eth_type: Some(0x0800),
            ipv4_dst: Some(Masked::with_mask(
                Ipv4Addr::new(10, 0, 0, 0),
                Ipv4Addr::new(255, 255, 255, 0),
            )),
            ..Match::default()
        }
    }

    /// Cookie of the entry a packet hits (and counts it).
    fn hit(t: &mut FlowTable, now: SimTime, p: &Packet) -> Option<u64> {
        let f = PacketFields::of(1, p);
        t.lookup(now, &f, p.frame_len() as u64).map(|e| e.cookie)
    }

    fn sel<'a>(m: &'a Match, strict: bool, priority: u16) -> Selector<'a> {
        Selector {
            match_: m,
            strict,
            priority,
            cookie: 0,
            cookie_mask: 0,
            out_port: OFPP_ANY,
            out_group: OFPG_ANY,
        }
    }

    fn cookies(t: &FlowTable) -> Vec<u64> {
        t.iter().map(|e| e.cookie).collect()
    }

    /// The highest-priority matching entry wins, whatever the insertion order.
    #[test]
    fn priority_order() {
        let mut t = FlowTable::new(0, usize::MAX);
        let t0 = SimTime::ZERO;
        add(&mut t, t0, &fm(10, net24(), 1, 1)).unwrap();
        add(&mut t, t0, &fm(20, dst(2), 2, 2)).unwrap();
        add(&mut t, t0, &fm(0, Match::all(), 3, 3)).unwrap();
        assert_eq!(
            hit(&mut t, t0, &udp(1, 2, 1, 1)),
            Some(2),
            "priority 20 beats 10 and 0"
        );
        assert_eq!(
            hit(&mut t, t0, &udp(1, 3, 1, 1)),
            Some(1),
            "priority 10 for other /24"
        );
        let mut outside = udp(1, 3, 1, 1);
        if let net_stack::wire::L3::Ipv4(ip) = &mut outside.l3 {
            ip.dst = Ipv4Addr::new(192, 168, 0, 1);
        }
        assert_eq!(
            hit(&mut t, t0, &outside),
            Some(3),
            "table-miss entry catches the rest"
        );
        assert_eq!(
            (t.lookup_count(), t.matched_count()),
            (3, 3),
            "lookups counted"
        );
    }

    /// Among equal priorities, the entry installed first wins, and a replacement by an
    /// identical ADD moves to the back.
    #[test]
    fn insertion_order_among_equal_priorities() {
        let mut t = FlowTable::new(0, usize::MAX);
        let t0 = SimTime::ZERO;
        add(&mut t, t0, &fm(5, net24(), 1, 1)).unwrap();
        add(&mut t, t0, &fm(5, dst(2), 2, 2)).unwrap();
        assert_eq!(
            hit(&mut t, t0, &udp(1, 2, 1, 1)),
            Some(1),
            "oldest of equal priority wins"
        );
        assert_eq!(
            add(&mut t, t0, &fm(5, net24(), 7, 1)),
            Ok(true),
            "identical ADD replaces"
        );
        assert_eq!(
            hit(&mut t, t0, &udp(1, 2, 1, 1)),
            Some(2),
            "the replacement is youngest"
        );
        assert_eq!(cookies(&t), vec![2, 7], "lookup order after replacement");
    }

    /// MODIFY changes every entry within the match (any priority) and MODIFY_STRICT only the
    /// identical one; neither adds an entry when nothing is selected; the cookie mask filters.
    #[test]
    fn modify_strict_and_non_strict() {
        let mut t = FlowTable::new(0, usize::MAX);
        let t0 = SimTime::ZERO;
        add(&mut t, t0, &fm(10, dst(2), 0x11, 1)).unwrap();
        add(&mut t, t0, &fm(20, dst(3), 0x21, 1)).unwrap();
        add(&mut t, t0, &fm(30, Match::all(), 0x31, 1)).unwrap();
        let outputs = |t: &FlowTable| -> Vec<bool> { t.iter().map(|e| e.outputs_to(9)).collect() };

        let mut m = fm(10, net24(), 0, 9);
        m.command = FlowModCommand::ModifyStrict;
        let n24 = normalize(&net24());
        assert_eq!(
            t.modify(&m, &sel(&n24, true, 10)),
            0,
            "strict: no entry is exactly /24"
        );
        assert_eq!(t.len(), 3, "MODIFY_STRICT adds nothing");

        m.command = FlowModCommand::Modify;
        let mut s = sel(&n24, false, 0);
        s.cookie = 0x20;
        s.cookie_mask = 0xf0;
        assert_eq!(
            t.modify(&m, &s),
            1,
            "non-strict + cookie 0x20/0xf0: only 0x21"
        );
        assert_eq!(
            outputs(&t),
            vec![false, true, false],
            "entry 0x21 (prio 20) now outputs 9"
        );

        assert_eq!(
            t.modify(&m, &sel(&n24, false, 0)),
            2,
            "both /24 members, not the wildcard"
        );
        let exact = normalize(&dst(2));
        assert_eq!(
            t.modify(&m, &sel(&exact, true, 99)),
            0,
            "strict needs the priority too"
        );
        let all = Match::all();
        assert_eq!(
            t.modify(&m, &sel(&all, false, 0)),
            3,
            "empty match selects everything"
        );
    }

    /// DELETE removes entries within the match, DELETE_STRICT only match+priority; out_port and
    /// the cookie mask narrow both.
    #[test]
    fn delete_strict_non_strict_out_port_cookie() {
        let mut t = FlowTable::new(0, usize::MAX);
        let t0 = SimTime::ZERO;
        add(&mut t, t0, &fm(10, dst(2), 0x11, 1)).unwrap();
        add(&mut t, t0, &fm(10, dst(3), 0x12, 2)).unwrap();
        add(&mut t, t0, &fm(20, dst(4), 0x21, 2)).unwrap();
        add(&mut t, t0, &fm(10, net24(), 0x13, 2)).unwrap();
        add(&mut t, t0, &fm(0, Match::all(), 0x01, 1)).unwrap();

        let d2 = normalize(&dst(2));
        assert!(
            t.delete(&sel(&d2, true, 11)).is_empty(),
            "strict: wrong priority"
        );
        let n24 = normalize(&net24());
        let mut s = sel(&n24, false, 0);
        s.out_port = 2;
        s.cookie = 0x10;
        s.cookie_mask = 0xf0;
        let gone: Vec<u64> = t.delete(&s).iter().map(|e| e.cookie).collect();
        assert_eq!(gone, vec![0x12, 0x13], "within /24, output 2, cookie 0x1?");
        assert_eq!(cookies(&t), vec![0x21, 0x11, 0x01], "others stay");

        let gone: Vec<u64> = t
            .delete(&sel(&d2, true, 10))
            .iter()
            .map(|e| e.cookie)
            .collect();
        assert_eq!(gone, vec![0x11], "strict delete of dst 2 at priority 10");
        let all = Match::all();
        let gone = t.delete(&sel(&all, false, 0));
        assert_eq!(gone.len(), 2, "empty non-strict match deletes the rest");
        assert!(t.is_empty(), "table empty");
    }

    /// CHECK_OVERLAP refuses an ADD that overlaps an entry of the same priority, and accepts
    /// one at another priority or with a disjoint match.
    #[test]
    fn check_overlap() {
        let mut t = FlowTable::new(0, usize::MAX);
        let t0 = SimTime::ZERO;
        add(&mut t, t0, &fm(10, net24(), 1, 1)).unwrap();
        let mut f = fm(10, dst(5), 2, 1);
        f.flags = FlowModFlags::CHECK_OVERLAP;
        assert_eq!(
            add(&mut t, t0, &f),
            Err(OfError::OVERLAP),
            "dst 5 lies in the /24"
        );
        let mut other_net = dst(5);
        other_net.ipv4_dst = Some(Masked::exact(Ipv4Addr::new(10, 0, 1, 5)));
        f.match_ = other_net;
        assert_eq!(add(&mut t, t0, &f), Ok(false), "disjoint match is fine");
        f.match_ = dst(5);
        f.priority = 11;
        assert_eq!(add(&mut t, t0, &f), Ok(false), "another priority is fine");
        assert_eq!(t.len(), 3, "two accepted ADDs");
    }

    /// An ADD identical in match and priority replaces the entry: counters carry over unless
    /// RESET_COUNTS, the duration restarts, instructions and cookie are the new ones.
    #[test]
    fn add_replace_keeps_or_resets_counters() {
        let mut t = FlowTable::new(0, usize::MAX);
        add(&mut t, SimTime::ZERO, &fm(10, dst(2), 1, 1)).unwrap();
        for _ in 0..3 {
            hit(&mut t, SimTime::from_ms(1), &udp(1, 2, 1, 1));
        }
        let bytes = 3 * udp(1, 2, 1, 1).frame_len() as u64;
        let now = SimTime::from_secs(2);
        assert_eq!(
            add(&mut t, now, &fm(10, dst(2), 2, 5)),
            Ok(true),
            "replaced"
        );
        let e = t.iter().next().unwrap();
        assert_eq!((e.packet_count, e.byte_count), (3, bytes), "counters kept");
        assert_eq!(
            (e.cookie, e.installed),
            (2, now),
            "new cookie, duration restarts"
        );
        assert!(e.outputs_to(5), "new instructions");
        let mut r = fm(10, dst(2), 3, 5);
        r.flags = FlowModFlags::RESET_COUNTS;
        assert_eq!(add(&mut t, now, &r), Ok(true), "replaced again");
        let e = t.iter().next().unwrap();
        assert_eq!(
            (e.packet_count, e.byte_count),
            (0, 0),
            "RESET_COUNTS zeroes counters"
        );
        assert_eq!(t.len(), 1, "still one entry");
        t.check_invariants();
    }

    /// Idle timeout fires exactly at last_used + idle (to the picosecond), traffic pushes it
    /// back, the hard timeout fires at installed + hard regardless of traffic, and
    /// next_expiry always reports the true next deadline.
    #[test]
    fn idle_and_hard_timeouts_exact() {
        let mut t = FlowTable::new(0, usize::MAX);
        let t0 = SimTime::from_ms(100);
        let mut idle = fm(10, dst(2), 1, 1);
        idle.idle_timeout = 2;
        let mut hard = fm(10, dst(3), 2, 1);
        hard.hard_timeout = 3;
        add(&mut t, t0, &idle).unwrap();
        add(&mut t, t0, &hard).unwrap();
        let ps = |t: SimTime| t.as_ps();
        assert_eq!(
            t.next_expiry(),
            Some(SimTime::from_ms(2100)),
            "idle first at 2.1 s"
        );

        // Traffic at 1.5 s resets the idle timer to 3.5 s; the hard one stays at 3.1 s.
        hit(&mut t, SimTime::from_ms(1500), &udp(1, 2, 1, 1));
        hit(&mut t, SimTime::from_ms(1500), &udp(1, 3, 1, 1));
        assert_eq!(
            t.next_expiry(),
            Some(SimTime::from_ms(3100)),
            "hard at 3.1 s is next"
        );
        assert!(
            t.expire(SimTime::from_ms(2100)).is_empty(),
            "idle was reset by traffic"
        );

        let before = SimTime::from_ps(ps(SimTime::from_ms(3100)) - 1);
        assert!(
            t.expire(before).is_empty(),
            "nothing 1 ps before the hard deadline"
        );
        let fired = t.expire(SimTime::from_ms(3100));
        assert_eq!(fired.len(), 1, "hard timeout fires at 3.1 s");
        assert_eq!(
            (fired[0].0.cookie, fired[0].1, fired[0].2),
            (2, FlowRemovedReason::HardTimeout, SimTime::from_ms(3100)),
            "hard entry, reason, instant"
        );
        assert_eq!(
            t.next_expiry(),
            Some(SimTime::from_ms(3500)),
            "idle now due at 3.5 s"
        );
        let before = SimTime::from_ps(ps(SimTime::from_ms(3500)) - 1);
        assert!(
            t.expire(before).is_empty(),
            "nothing 1 ps before the idle deadline"
        );
        let fired = t.expire(SimTime::from_secs(10));
        assert_eq!(
            (fired[0].1, fired[0].2),
            (FlowRemovedReason::IdleTimeout, SimTime::from_ms(3500)),
            "idle fires at its deadline even when handled late"
        );
        assert_eq!(
            (t.len(), t.next_expiry()),
            (0, None),
            "table empty, no timer"
        );
    }

    /// A packet of the wrong kind for a transport match falls through to the next entry.
    #[test]
    fn prerequisites_at_lookup() {
        let mut t = FlowTable::new(0, usize::MAX);
        let tcp80 = Match {
            ip_proto: Some(6),
            tcp_dst: Some(80),
            ..dst(2)
        };
        add(&mut t, SimTime::ZERO, &fm(10, tcp80, 1, 1)).unwrap();
        add(&mut t, SimTime::ZERO, &fm(0, Match::all(), 2, 1)).unwrap();
        assert_eq!(
            hit(&mut t, SimTime::ZERO, &udp(1, 2, 9, 80)),
            Some(2),
            "UDP skips tcp_dst"
        );
    }

    /// A full table refuses new entries but still accepts a replacement.
    #[test]
    fn table_full() {
        let mut t = FlowTable::new(0, 1);
        add(&mut t, SimTime::ZERO, &fm(1, dst(2), 1, 1)).unwrap();
        assert_eq!(
            add(&mut t, SimTime::ZERO, &fm(1, dst(3), 2, 1)),
            Err(OfError::TABLE_FULL)
        );
        assert_eq!(
            add(&mut t, SimTime::ZERO, &fm(1, dst(2), 3, 1)),
            Ok(true),
            "replace ok"
        );
    }
}
