//! `[tcp] ns3_departures`: which of ns-3's documented departures from the RFCs a connection
//! reproduces (ns-3.48-85-g140646449; the behaviour is in `connection/ns3_departures.rs`,
//! the list and its sources in docs/ns3-comparison.md). Off by default: netsim follows the
//! RFCs. Turned on, they answer a migrating user's "is my result different because of the
//! simulator?".

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};

/// A set of ns-3 departures (a bit set; `Copy`, so that [`TcpConfig`](super::TcpConfig) stays
/// `Copy`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Ns3Departures(u16);

/// The departures, each with its scenario name (docs/ns3-comparison.md, "ns-3's departures
/// on demand", cites ns-3's code for each).
pub const NS3_DEPARTURES: [(&str, Ns3Departures); 12] = [
    ("no-growth-on-sack", Ns3Departures::NO_GROWTH_ON_SACK),
    ("retx-lost-by-time", Ns3Departures::RETX_LOST_BY_TIME),
    ("ssthresh-from-pipe", Ns3Departures::SSTHRESH_FROM_PIPE),
    ("newreno-per-ack", Ns3Departures::NEWRENO_PER_ACK),
    (
        "partial-ack-retransmit",
        Ns3Departures::PARTIAL_ACK_RETRANSMIT,
    ),
    ("sack-dupacks", Ns3Departures::SACK_DUPACKS),
    ("no-rescue", Ns3Departures::NO_RESCUE),
    ("send-by-pipe", Ns3Departures::SEND_BY_PIPE),
    ("cubic-segments", Ns3Departures::CUBIC_SEGMENTS),
    (
        "growth-on-recovery-exit",
        Ns3Departures::GROWTH_ON_RECOVERY_EXIT,
    ),
    (
        "rxt-across-recoveries",
        Ns3Departures::RXT_ACROSS_RECOVERIES,
    ),
    ("cwnd-limited", Ns3Departures::CWND_LIMITED),
];

impl Ns3Departures {
    /// None: the RFCs.
    pub const NONE: Self = Ns3Departures(0);
    /// C: no cwnd growth on a cumulative ACK that SACKs new data outside recovery
    /// (`tcp-socket-base.cc:2108-2110`, `:1837-1846`, `:2271-2291`, `:2361-2363`).
    pub const NO_GROWTH_ON_SACK: Self = Ns3Departures(1);
    /// A: a retransmission is declared lost when a segment sent after it is SACKed
    /// (`tcp-tx-buffer.cc:867`, `:929-955`), and `NextSeg` rule 1 tests "not retransmitted"
    /// (`:1014-1036`).
    pub const RETX_LOST_BY_TIME: Self = Ns3Departures(2);
    /// 3: NewReno's ssthresh from pipe (`BytesInFlight()`), not FlightSize
    /// (`tcp-socket-base.cc:1786-1790`, `:4058`, `:4105`).
    pub const SSTHRESH_FROM_PIPE: Self = Ns3Departures(4);
    /// 1: NewReno grows per ACK: slow start one SMSS, congestion avoidance
    /// ⌊SMSS·SMSS/cwnd⌋ (at least 1) (`tcp-congestion-ops.cc:161-200`).
    pub const NEWRENO_PER_ACK: Self = Ns3Departures(8);
    /// B: a partial ACK in recovery sends one segment outside pipe and cwnd
    /// (`tcp-socket-base.cc:2203-2208`, `DoRetransmit` `:4228-4259`).
    pub const PARTIAL_ACK_RETRANSMIT: Self = Ns3Departures(16);
    /// E: with SACK an ACK is a duplicate when it SACKs new data, counted across ACKs that
    /// advance SND.UNA and reset only by one without new SACK information
    /// (`tcp-socket-base.cc:2108-2110`, `:2161-2164`, `:1816-1829`, `:1865-1932`).
    pub const SACK_DUPACKS: Self = Ns3Departures(32);
    /// No rescue retransmission, `NextSeg` rule 4 (`tcp-tx-buffer.cc:1078-1093`).
    pub const NO_RESCUE: Self = Ns3Departures(64);
    /// F: outside recovery too, new data goes out while cwnd − pipe allows, so every ACK that
    /// SACKs a segment releases one (`SendPendingData` `tcp-socket-base.cc:3509-3516`,
    /// `AvailableWindow` `:3679-3710`); RFC 5681 and RFC 6675 §5 keep FlightSize ≤ cwnd outside
    /// recovery except for Limited Transmit's two segments (RFC 3042).
    pub const SEND_BY_PIPE: Self = Ns3Departures(128);
    /// README departure 4: `TcpCubic` in whole segments, as Linux's `tcp_cubic.c`: cwnd grows
    /// one SMSS per `cnt` acknowledged segments, W_est per 1.875·cwnd of them, ssthresh =
    /// ⌊0.7·cwnd_segments⌋ SMSS (`tcp-cubic.cc:188-355`, `:455-490`; `congestion/cubic/ns3.rs`).
    pub const CUBIC_SEGMENTS: Self = Ns3Departures(256);
    /// The ACK that ends SACK recovery sets cwnd = ssthresh and then grows it like any ACK in
    /// CA_OPEN, by its whole acknowledged segments (`tcp-socket-base.cc:2304-2363`).
    pub const GROWTH_ON_RECOVERY_EXIT: Self = Ns3Departures(512);
    /// A recovery that begins before the previous one's retransmissions are acknowledged
    /// keeps them as retransmitted (ns-3's per-segment `m_retrans`, which only a timeout, A or
    /// `MarkHeadAsLost` clears: `tcp-tx-buffer.cc:1014-1036`, `:1098-1116`,
    /// `tcp-socket-base.cc:1766-1773`), where RFC 6675 §5 step (4.1) restarts HighRxt at
    /// HighACK and so resends them and stops counting them in pipe.
    pub const RXT_ACROSS_RECOVERIES: Self = Ns3Departures(1024);
    /// CUBIC grows cwnd only while the flow is cwnd-limited: `m_isCwndLimited = cwnd <
    /// BytesInFlight + SMSS`, set after every data segment sent (`tcp-socket-base.cc:3445`, false
    /// before the first), checked first in `TcpCubic::IncreaseWindow` (`tcp-cubic.cc:193`;
    /// ns-3.42, ns-3 issue 966). Not a departure from RFC 9438 but ns-3's reading of its §5.8
    /// ("no increase while application-limited"), which netsim's RFC mode does not apply; a
    /// receive-window-limited slow start keeps growing cwnd there.
    pub const CWND_LIMITED: Self = Ns3Departures(2048);
    /// Every departure above.
    pub const ALL: Self = Ns3Departures(4095);

    /// Whether every departure of `other` is on.
    #[inline]
    pub fn has(self, other: Self) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// Whether any departure is on.
    #[inline]
    pub fn any(self) -> bool {
        self.0 != 0
    }

    /// The union.
    pub fn with(self, other: Self) -> Self {
        Ns3Departures(self.0 | other.0)
    }

    /// The departure named `name` (`"all"` for every one).
    pub fn from_name(name: &str) -> Option<Self> {
        if name == "all" {
            return Some(Self::ALL);
        }
        NS3_DEPARTURES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, d)| d)
    }
}

fn names() -> String {
    NS3_DEPARTURES
        .iter()
        .map(|(n, _)| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every value a name may take: `"all"`, `"none"` and the departures, for serde's
/// `unknown variant` error (from which the scenario loader suggests the nearest name).
const VALUES: [&str; NS3_DEPARTURES.len() + 2] = {
    let mut v = [""; NS3_DEPARTURES.len() + 2];
    v[0] = "all";
    v[1] = "none";
    let mut i = 0;
    while i < NS3_DEPARTURES.len() {
        v[i + 2] = NS3_DEPARTURES[i].0;
        i += 1;
    }
    v
};

#[derive(Clone, Copy)]
struct DeparturesVisitor;

impl<'de> Visitor<'de> for DeparturesVisitor {
    type Value = Ns3Departures;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "\"all\", \"none\" or a list of ns-3 departures ({})",
            names()
        )
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Ns3Departures, E> {
        if v == "none" {
            return Ok(Ns3Departures::NONE);
        }
        Ns3Departures::from_name(v).ok_or_else(|| E::unknown_variant(v, &VALUES))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ns3Departures, A::Error> {
        let mut set = Ns3Departures::NONE;
        while let Some(name) = seq.next_element::<String>()? {
            set = set.with(self.visit_str::<A::Error>(&name)?);
        }
        Ok(set)
    }
}

impl<'de> Deserialize<'de> for Ns3Departures {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DeparturesVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct T {
        d: Ns3Departures,
    }

    fn parse(s: &str) -> Result<Ns3Departures, String> {
        toml::from_str::<T>(&format!("d = {s}"))
            .map(|t| t.d)
            .map_err(|e| e.to_string())
    }

    /// `"all"`, `"none"`, a list of names; an unknown name is refused naming the choices.
    #[test]
    fn names_lists_and_all() {
        assert_eq!(parse("\"all\""), Ok(Ns3Departures::ALL));
        assert_eq!(parse("\"none\""), Ok(Ns3Departures::NONE));
        assert_eq!(parse("[]"), Ok(Ns3Departures::NONE));
        let d = parse("[\"retx-lost-by-time\", \"no-rescue\"]").unwrap();
        assert!(d.has(Ns3Departures::RETX_LOST_BY_TIME) && d.has(Ns3Departures::NO_RESCUE));
        assert!(!d.has(Ns3Departures::NO_GROWTH_ON_SACK));
        let all = NS3_DEPARTURES
            .iter()
            .fold(Ns3Departures::NONE, |a, &(_, d)| a.with(d));
        assert_eq!(all, Ns3Departures::ALL, "ALL is every listed departure");
        let e = parse("[\"cubic\"]").unwrap_err();
        assert!(e.contains("unknown variant `cubic`"), "{e}");
        assert!(e.contains("`sack-dupacks`"), "lists the choices: {e}");
        let e = parse("3").unwrap_err();
        assert!(e.contains("\"all\", \"none\" or a list"), "{e}");
    }
}
