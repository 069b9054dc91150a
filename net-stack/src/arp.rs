//! A host's ARP cache (RFC 826), used when hosts resolve each other's MAC addresses on a
//! switched (OpenFlow) network.
//!
//! With [`crate::NetworkBuilder::arp`] every host keeps an [`ArpCache`]: an IPv4 packet for an
//! address with no valid entry waits in a short queue while the host broadcasts a request;
//! the reply (or any ARP packet naming the address as its sender) resolves the entry and
//! releases the queue. Without it (the default, and what static IP routing uses) the caches
//! are pre-filled: each hop addresses the peer device directly and no ARP is sent.
//!
//! Receiving follows RFC 826's "packet reception" algorithm: if the sender's protocol address
//! is already in the table its hardware address is updated (the *merge* flag — this is what
//! makes a gratuitous ARP update every cache that hears it); then, if the host is the target,
//! the sender is added when it was not merged, and a request is answered.

use std::collections::{BTreeMap, VecDeque};
use std::net::Ipv4Addr;

use sim_core::SimTime;

use crate::PacketId;
use crate::wire::MacAddr;

/// ARP timing and queueing; read from a scenario's `[arp]` table ([`ArpTable`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(from = "ArpTable")]
pub struct ArpConfig {
    /// How long a resolved entry stays valid after it was last confirmed by an ARP packet
    /// (ns-3 `ArpCache::AliveTimeout`, 120 s).
    pub timeout: SimTime,
    /// Wait for a reply before asking again (ns-3 `WaitReplyTimeout`, Linux `retrans_time`:
    /// 1 s).
    pub retry: SimTime,
    /// Requests sent before giving up, the first included (ns-3 `MaxRetries` 3, Linux
    /// `mcast_solicit` 3).
    pub max_requests: u32,
    /// Packets held per unresolved address; when full the oldest is dropped, as Linux does
    /// (ns-3 `PendingQueueSize` 3).
    pub queue_len: usize,
    /// What a packet meets when its entry has expired ([`ExpiredEntry`]).
    pub expired: ExpiredEntry,
}

/// What happens to traffic for an address whose entry has expired (`[arp] expired_entry`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExpiredEntry {
    /// ns-3's `ArpCache`: the entry is resolved anew and packets wait in the short queue
    /// (`queue_len`, the oldest dropped) until the reply, which comes only after the request
    /// has left behind whatever the host's own device queue held.
    #[default]
    Queue,
    /// Linux's neighbour states STALE → PROBE (`net/core/neighbour.c`): packets keep going to
    /// the known MAC address while the host asks again; an answer renews the entry, and only
    /// after `max_requests` unanswered requests is it forgotten (the next packet then
    /// resolves from scratch). Linux probes by unicast after a DELAY of 5 s; here the
    /// request is broadcast at once.
    Probe,
}

impl Default for ArpConfig {
    fn default() -> Self {
        ArpConfig {
            timeout: SimTime::from_secs(120),
            retry: SimTime::from_secs(1),
            max_requests: 3,
            queue_len: 3,
            expired: ExpiredEntry::Queue,
        }
    }
}

/// `[arp]` as a scenario writes it (keys not written keep [`ArpConfig::default`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArpTable {
    /// `cache_timeout`: [`ArpConfig::timeout`].
    pub cache_timeout: Option<SimTime>,
    /// `expired_entry`: [`ArpConfig::expired`].
    pub expired_entry: Option<ExpiredEntry>,
}

impl From<ArpTable> for ArpConfig {
    fn from(t: ArpTable) -> Self {
        let d = ArpConfig::default();
        ArpConfig {
            timeout: t.cache_timeout.unwrap_or(d.timeout),
            expired: t.expired_entry.unwrap_or(d.expired),
            ..d
        }
    }
}

impl ArpConfig {
    /// What is wrong with the configuration, each problem naming its `[arp]` key.
    pub fn problems(&self) -> Vec<crate::FieldError> {
        let mut p = Vec::new();
        if self.timeout == SimTime::ZERO {
            p.push(
                crate::FieldError::new(
                    "cache_timeout",
                    "`cache_timeout` must be longer than zero: an entry that expires as it is \
                     learned resolves nothing",
                    "zero",
                )
                .with_help("ns-3 and this simulator default to \"120s\""),
            );
        }
        p
    }
}

/// One address's state.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Entry {
    /// Resolved until `expires`.
    Resolved { mac: MacAddr, expires: SimTime },
    /// [`ExpiredEntry::Probe`]: expired, still used while asked again out of `port`.
    Probing {
        mac: MacAddr,
        port: u16,
        requests: u32,
    },
    /// A request is out; `queue` holds the packets waiting (with the port each leaves by).
    Pending {
        queue: VecDeque<(PacketId, u16)>,
        requests: u32,
    },
}

/// What [`ArpCache::resolve`] decided for a packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resolution {
    /// Send it to this MAC address.
    Send(MacAddr),
    /// Send it to this MAC address, and ask for the address again (an expired entry under
    /// [`ExpiredEntry::Probe`]; the retry timer is to be armed).
    SendAndAsk(MacAddr),
    /// It waits for a reply.
    Queued(Enqueued),
}

/// What became of a packet offered to [`ArpCache::enqueue`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Enqueued {
    /// The first packet for this address: send a request and arm the retry timer.
    NewRequest,
    /// A request is already out; the packet waits.
    Waiting,
    /// The queue was full: the returned (oldest) packet was pushed out.
    Overflow(PacketId),
}

/// What the retry timer found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Still unanswered: send another request out of `port` and re-arm.
    Again {
        /// The port the waiting packets leave by.
        port: u16,
    },
    /// Out of requests: these packets are dropped and the entry forgotten.
    GiveUp(VecDeque<(PacketId, u16)>),
    /// Resolved meanwhile, or gone.
    Nothing,
}

/// Counters of one host's ARP activity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ArpStats {
    /// Requests sent (retries included; gratuitous announcements excluded).
    pub requests_sent: u64,
    /// Replies sent.
    pub replies_sent: u64,
    /// Entries added or updated by received ARP packets.
    pub learned: u64,
    /// Packets dropped because their address never resolved or the queue overflowed.
    pub unresolved_drops: u64,
}

/// A host's ARP table; see the [module docs](self).
#[derive(Clone, Debug, Default)]
pub struct ArpCache {
    config: ArpConfig,
    entries: BTreeMap<Ipv4Addr, Entry>,
    pub(crate) stats: ArpStats,
}

impl ArpCache {
    /// An empty cache.
    pub fn new(config: ArpConfig) -> Self {
        ArpCache {
            config,
            entries: BTreeMap::new(),
            stats: ArpStats::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &ArpConfig {
        &self.config
    }

    /// The counters.
    pub fn stats(&self) -> ArpStats {
        self.stats
    }

    /// The MAC address for `ip` if the entry is resolved and still valid at `now`.
    pub fn lookup(&self, now: SimTime, ip: Ipv4Addr) -> Option<MacAddr> {
        match self.entries.get(&ip) {
            Some(&Entry::Resolved { mac, expires }) if now < expires => Some(mac),
            _ => None,
        }
    }

    /// Resolved entries (valid or not) in address order, for inspection.
    pub fn entries(&self) -> impl Iterator<Item = (Ipv4Addr, MacAddr, SimTime)> + '_ {
        self.entries.iter().filter_map(|(&ip, e)| match *e {
            Entry::Resolved { mac, expires } => Some((ip, mac, expires)),
            Entry::Probing { .. } | Entry::Pending { .. } => None,
        })
    }

    /// Where packet `pkt` for `ip`, leaving by `port`, goes at `now`: to a valid entry's
    /// address; under [`ExpiredEntry::Probe`] to an expired entry's address too (the first
    /// such packet also asks again); else into the queue ([`ArpCache::enqueue`]).
    pub(crate) fn resolve(
        &mut self,
        now: SimTime,
        ip: Ipv4Addr,
        pkt: PacketId,
        port: u16,
    ) -> Resolution {
        let probe = self.config.expired == ExpiredEntry::Probe;
        match self.entries.get_mut(&ip) {
            Some(&mut Entry::Resolved { mac, expires }) if now < expires => Resolution::Send(mac),
            Some(e) if probe && matches!(e, Entry::Resolved { .. }) => {
                let Entry::Resolved { mac, .. } = *e else {
                    unreachable!("matched above")
                };
                *e = Entry::Probing {
                    mac,
                    port,
                    requests: 1,
                };
                self.stats.requests_sent += 1;
                Resolution::SendAndAsk(mac)
            }
            Some(&mut Entry::Probing { mac, .. }) => Resolution::Send(mac),
            _ => Resolution::Queued(self.enqueue(ip, pkt, port)),
        }
    }

    /// Queues a packet for `ip`, which [`ArpCache::lookup`] did not resolve.
    pub(crate) fn enqueue(&mut self, ip: Ipv4Addr, pkt: PacketId, port: u16) -> Enqueued {
        let limit = self.config.queue_len.max(1);
        match self.entries.get_mut(&ip) {
            Some(Entry::Pending { queue, .. }) => {
                queue.push_back((pkt, port));
                if queue.len() > limit {
                    let (old, _) = queue.pop_front().expect("over the limit");
                    self.stats.unresolved_drops += 1;
                    return Enqueued::Overflow(old);
                }
                Enqueued::Waiting
            }
            _ => {
                // Absent or expired: ask again.
                self.entries.insert(
                    ip,
                    Entry::Pending {
                        queue: VecDeque::from([(pkt, port)]),
                        requests: 1,
                    },
                );
                self.stats.requests_sent += 1;
                Enqueued::NewRequest
            }
        }
    }

    /// RFC 826 reception for the sender `(ip, mac)` of an ARP packet: updates an existing
    /// entry (returns `true` = merged), or adds one when `add` (the host was the target).
    /// Packets that were waiting for `ip` are returned to be sent.
    pub(crate) fn learn(
        &mut self,
        now: SimTime,
        ip: Ipv4Addr,
        mac: MacAddr,
        add: bool,
    ) -> (bool, VecDeque<(PacketId, u16)>) {
        let expires = now + self.config.timeout;
        let resolved = Entry::Resolved { mac, expires };
        match self.entries.get_mut(&ip) {
            Some(e) => {
                let old = std::mem::replace(e, resolved);
                self.stats.learned += 1;
                let queue = match old {
                    Entry::Pending { queue, .. } => queue,
                    Entry::Resolved { .. } | Entry::Probing { .. } => VecDeque::new(),
                };
                (true, queue)
            }
            None => {
                if add {
                    self.entries.insert(ip, resolved);
                    self.stats.learned += 1;
                }
                (false, VecDeque::new())
            }
        }
    }

    /// The retry timer for `ip` fired.
    pub(crate) fn retry(&mut self, ip: Ipv4Addr) -> Retry {
        let max = self.config.max_requests;
        match self.entries.get_mut(&ip) {
            Some(Entry::Pending { requests, queue }) if *requests < max => {
                *requests += 1;
                self.stats.requests_sent += 1;
                Retry::Again {
                    port: queue.front().map_or(0, |&(_, port)| port),
                }
            }
            Some(Entry::Pending { .. }) => {
                let Some(Entry::Pending { queue, .. }) = self.entries.remove(&ip) else {
                    unreachable!("matched above")
                };
                self.stats.unresolved_drops += queue.len() as u64;
                Retry::GiveUp(queue)
            }
            Some(Entry::Probing { requests, port, .. }) if *requests < max => {
                *requests += 1;
                self.stats.requests_sent += 1;
                Retry::Again { port: *port }
            }
            Some(Entry::Probing { .. }) => {
                // Unanswered: forget the address; the next packet resolves it from scratch.
                self.entries.remove(&ip);
                Retry::GiveUp(VecDeque::new())
            }
            _ => Retry::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slotmap::SlotMap;

    fn ids(n: usize) -> Vec<PacketId> {
        let mut m: SlotMap<PacketId, ()> = SlotMap::with_key();
        (0..n).map(|_| m.insert(())).collect()
    }
    const IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);

    /// A miss queues the packet and asks once; the reply resolves the entry and releases the
    /// queue in order; the entry expires `timeout` after it was learned.
    #[test]
    fn resolve_release_expire() {
        let p = ids(2);
        let mut c = ArpCache::new(ArpConfig::default());
        assert_eq!(c.lookup(SimTime::ZERO, IP), None);
        assert_eq!(c.enqueue(IP, p[0], 0), Enqueued::NewRequest);
        assert_eq!(c.enqueue(IP, p[1], 0), Enqueued::Waiting);
        let mac = MacAddr::from_index(7);
        let t = SimTime::from_ms(3);
        let (merged, q) = c.learn(t, IP, mac, true);
        assert!(merged, "a pending entry is an existing entry");
        assert_eq!(q, VecDeque::from([(p[0], 0), (p[1], 0)]));
        assert_eq!(c.lookup(t, IP), Some(mac));
        let exp = t + SimTime::from_secs(120);
        assert_eq!(c.lookup(exp - SimTime::from_ps(1), IP), Some(mac));
        assert_eq!(c.lookup(exp, IP), None, "expired exactly at the timeout");
        assert_eq!(c.stats().requests_sent, 1);
    }

    /// `expired_entry = "queue"` (ns-3): an expired entry queues packets and asks again.
    /// `"probe"` (Linux): packets keep going to the old address, the first one asks, a reply
    /// renews the entry, and `max_requests` unanswered requests forget it.
    #[test]
    fn expired_entry_queues_or_probes() {
        let p = ids(4);
        let mac = MacAddr::from_index(7);
        let later = SimTime::from_secs(121);
        let mut ns3 = ArpCache::new(ArpConfig::default());
        ns3.learn(SimTime::ZERO, IP, mac, true);
        assert_eq!(
            ns3.resolve(SimTime::ZERO, IP, p[0], 0),
            Resolution::Send(mac)
        );
        assert_eq!(
            ns3.resolve(later, IP, p[0], 0),
            Resolution::Queued(Enqueued::NewRequest)
        );
        let probe = ArpConfig {
            expired: ExpiredEntry::Probe,
            ..ArpConfig::default()
        };
        let mut linux = ArpCache::new(probe);
        linux.learn(SimTime::ZERO, IP, mac, true);
        assert_eq!(
            linux.resolve(later, IP, p[0], 2),
            Resolution::SendAndAsk(mac)
        );
        assert_eq!(
            linux.resolve(later, IP, p[1], 2),
            Resolution::Send(mac),
            "asked once"
        );
        assert_eq!(linux.stats().requests_sent, 1);
        let renewed = MacAddr::from_index(8);
        let (merged, q) = linux.learn(later, IP, renewed, false);
        assert!(merged && q.is_empty(), "nothing waited");
        assert_eq!(linux.resolve(later, IP, p[2], 2), Resolution::Send(renewed));
        // Unanswered: asked `max_requests` times, then forgotten.
        let much_later = later + SimTime::from_secs(121);
        assert_eq!(
            linux.resolve(much_later, IP, p[2], 2),
            Resolution::SendAndAsk(renewed)
        );
        assert_eq!(linux.retry(IP), Retry::Again { port: 2 });
        assert_eq!(linux.retry(IP), Retry::Again { port: 2 });
        assert_eq!(linux.retry(IP), Retry::GiveUp(VecDeque::new()));
        assert_eq!(linux.stats().requests_sent, 4);
        assert_eq!(
            linux.resolve(much_later, IP, p[3], 2),
            Resolution::Queued(Enqueued::NewRequest),
            "forgotten: resolved from scratch"
        );
    }

    /// RFC 826: a sender not in the table is added only when the host is the target; an
    /// existing entry is updated whoever the target (gratuitous ARP).
    #[test]
    fn merge_rule() {
        let mut c = ArpCache::new(ArpConfig::default());
        let (a, b) = (MacAddr::from_index(1), MacAddr::from_index(2));
        assert!(!c.learn(SimTime::ZERO, IP, a, false).0);
        assert_eq!(
            c.lookup(SimTime::ZERO, IP),
            None,
            "not the target: not added"
        );
        c.learn(SimTime::ZERO, IP, a, true);
        assert!(c.learn(SimTime::ZERO, IP, b, false).0, "merged");
        assert_eq!(
            c.lookup(SimTime::ZERO, IP),
            Some(b),
            "updated by a gratuitous ARP"
        );
    }

    /// The queue keeps the newest `queue_len` packets; after `max_requests` unanswered
    /// requests the waiting packets are given up.
    #[test]
    fn overflow_and_give_up() {
        let p = ids(5);
        let mut c = ArpCache::new(ArpConfig::default());
        for &id in &p[..3] {
            c.enqueue(IP, id, 1);
        }
        assert_eq!(c.enqueue(IP, p[3], 1), Enqueued::Overflow(p[0]));
        assert_eq!(c.retry(IP), Retry::Again { port: 1 });
        assert_eq!(c.retry(IP), Retry::Again { port: 1 });
        assert_eq!(
            c.retry(IP),
            Retry::GiveUp(VecDeque::from([(p[1], 1), (p[2], 1), (p[3], 1)]))
        );
        assert_eq!(c.stats().requests_sent, 3);
        assert_eq!(c.stats().unresolved_drops, 4);
        assert_eq!(c.retry(IP), Retry::Nothing);
        assert_eq!(c.enqueue(IP, p[4], 1), Enqueued::NewRequest, "asks afresh");
    }
}
