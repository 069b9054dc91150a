//! Data-centre workloads: open-loop generators of many short TCP flows, with their
//! flow-completion times (FCT).
//!
//! ```text
//! [[workload]] ──serde──▶ WorkloadTable ──WorkloadParams::read──▶ WorkloadParams
//!   (netsim resolves host names, reads a CDF file, computes each host pair's PathProfile)
//! WorkloadGen: one application for the whole generator
//!   arrivals (Poisson per host, or incast epochs) ──▶ tcp_connect_from(src) ──▶ dst:port
//!   AllAcked ──▶ one FlowRecord streamed to its CSV file; sockets released and recycled
//! ```
//!
//! One [`WorkloadGen`] drives every flow of a generator: it opens each flow's connection on
//! the flow's source host ([`crate::app::AppCtx::tcp_connect_from`]), listens on every
//! destination host, and frees both ends when the flow is done
//! ([`crate::app::AppCtx::tcp_release`]), so memory follows the flows in flight, not the flows
//! completed. Records stream to a CSV file (`fct.csv` in a results directory) as flows
//! complete; the generator keeps counters only.

mod cdf;
mod generator;
mod ideal;
pub mod ks;
mod record;

use serde::Deserialize;
use sim_core::{ByteSize, SimTime};

pub use cdf::{BUNDLED_NAMES, CdfError, SizeCdf};
pub use generator::{WorkloadGen, WorkloadHost};
pub use ideal::{HEADER_BYTES, Hop, PathProfile};
pub use record::{FCT_CSV_HEADER, FlowRecord, FlowStatus, WorkloadReport, secs};

use crate::FieldError;

/// Who talks to whom.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pattern {
    /// Any other host of the workload, uniformly.
    AllToAll,
    /// A host under the same edge switch (rack).
    WithinRack,
    /// A host under another edge switch.
    AcrossRack,
    /// A host in the same pod.
    WithinPod,
    /// A host in another pod.
    AcrossPod,
    /// Each host sends to one fixed other host, a random derangement drawn at the start.
    Permutation,
    /// `senders` hosts answer one `receiver`'s request with `response` bytes each, every
    /// `interval` (the DCTCP paper's partition/aggregate).
    Incast,
}

impl Pattern {
    /// The name in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            Pattern::AllToAll => "all-to-all",
            Pattern::WithinRack => "within-rack",
            Pattern::AcrossRack => "across-rack",
            Pattern::WithinPod => "within-pod",
            Pattern::AcrossPod => "across-pod",
            Pattern::Permutation => "permutation",
            Pattern::Incast => "incast",
        }
    }

    /// Whether the pattern lets a host send to another one that is (or is not) in its rack
    /// and in its pod; the patterns without such a rule allow every pair.
    pub fn allows(self, same_rack: bool, same_pod: bool) -> bool {
        match self {
            Pattern::WithinRack => same_rack,
            Pattern::AcrossRack => !same_rack,
            Pattern::WithinPod => same_pod,
            Pattern::AcrossPod => !same_pod,
            Pattern::AllToAll | Pattern::Permutation | Pattern::Incast => true,
        }
    }
}

/// What `load` is a fraction of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LoadPer {
    /// Each sending host's link rate: one Poisson process per host, of rate
    /// `load` × its rate / (8 × mean size) (HPCC's `traffic_gen.py`).
    #[default]
    Host,
    /// The fabric's: the sum of the sending hosts' link rates. One Poisson process for the
    /// whole generator, of rate `load` × Σ rates / (8 × mean size), each arrival's source
    /// drawn uniformly among the hosts. With equal link rates the two offer the same load.
    Fabric,
}

impl LoadPer {
    /// The name in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            LoadPer::Host => "host",
            LoadPer::Fabric => "fabric",
        }
    }
}

/// One `[[workload]]` as written: every key optional (netsim reads `name`, `hosts`,
/// `receiver` and `sizes_file` itself).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadTable {
    /// `name`: names the records in `fct.csv` and the summary (default `workload<i>`).
    pub name: Option<String>,
    /// `pattern` (default all-to-all).
    pub pattern: Option<Pattern>,
    /// `sizes`: a bundled CDF (`websearch`, `datamining`, `hadoop`; default websearch).
    pub sizes: Option<String>,
    /// `sizes_file`: a CSV file of `size, probability` lines instead.
    pub sizes_file: Option<String>,
    /// `load`: offered load as a fraction of each sending host's link rate, in (0, 1].
    pub load: Option<f64>,
    /// `load_per`: what `load` is a fraction of (default each host's link).
    pub load_per: Option<LoadPer>,
    /// `start` (default 0).
    pub start: Option<SimTime>,
    /// `stop`: no arrivals from then (default: the end of the run).
    pub stop: Option<SimTime>,
    /// `max_flows`: no arrivals after this many flows.
    pub max_flows: Option<u64>,
    /// `hosts`: the hosts taking part (default every host).
    pub hosts: Option<Vec<String>>,
    /// `receiver` (incast): the aggregator (default the first host).
    pub receiver: Option<String>,
    /// `senders` (incast): how many hosts answer each request.
    pub senders: Option<u32>,
    /// `response` (incast): bytes each sender answers with (default 64KB... 64 000 bytes).
    pub response: Option<ByteSize>,
    /// `interval` (incast): time between requests (default 10ms).
    pub interval: Option<SimTime>,
    /// `jitter` (incast): each response starts after a uniform random delay in [0, jitter]
    /// from the request (default 0: all at once).
    pub jitter: Option<SimTime>,
    /// `buckets`: flow-size bucket edges for the summary (default 10KB, 100KB, 1MB).
    pub buckets: Option<Vec<ByteSize>>,
    /// `port`: the TCP port the generator listens on at the destinations (default 5001).
    pub port: Option<u16>,
}

/// The checked values of a `[[workload]]` that net-stack owns.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadParams {
    /// Who talks to whom.
    pub pattern: Pattern,
    /// Offered load, a fraction of each sending host's link rate or of their sum
    /// (`load_per`); unused for incast.
    pub load: f64,
    /// What `load` is a fraction of.
    pub load_per: LoadPer,
    /// First arrival not before.
    pub start: SimTime,
    /// No arrivals from.
    pub stop: Option<SimTime>,
    /// At most this many flows.
    pub max_flows: Option<u64>,
    /// Incast: senders per request.
    pub senders: u32,
    /// Incast: bytes per response.
    pub response: u64,
    /// Incast: time between requests.
    pub interval: SimTime,
    /// Incast: the largest delay of a response after its request.
    pub jitter: SimTime,
    /// Bucket edges [bytes], increasing.
    pub buckets: Vec<u64>,
    /// Listening port.
    pub port: u16,
}

/// The default bucket edges: ≤ 10 KB, ≤ 100 KB, ≤ 1 MB, larger.
pub const DEFAULT_BUCKETS: [u64; 3] = [10_000, 100_000, 1_000_000];

impl WorkloadParams {
    /// The keys net-stack reads (netsim reads `name`, `hosts`, `receiver`, `sizes`,
    /// `sizes_file`).
    pub const KEYS: &'static [&'static str] = &[
        "pattern",
        "load",
        "load_per",
        "start",
        "stop",
        "max_flows",
        "senders",
        "response",
        "interval",
        "jitter",
        "buckets",
        "port",
    ];

    /// Reads and checks `t`; every broken rule is a [`FieldError`] naming its key.
    pub fn read(t: &WorkloadTable) -> Result<WorkloadParams, Vec<FieldError>> {
        let mut errors = Vec::new();
        let pattern = t.pattern.unwrap_or(Pattern::AllToAll);
        let incast = pattern == Pattern::Incast;
        let load = t.load.unwrap_or(0.0);
        match t.load {
            None if !incast => errors.push(
                FieldError::new(
                    "pattern",
                    format!("a `{}` workload needs `load`", pattern.as_str()),
                    "no load",
                )
                .with_help("add e.g. `load = 0.3` (30 % of each host's link rate)"),
            ),
            Some(l) if !(l > 0.0 && l <= 1.0) => errors.push(FieldError::new(
                "load",
                format!("`load` must be in (0, 1], a fraction of the link rate; found {l}"),
                "out of range",
            )),
            Some(_) if incast => errors.push(
                FieldError::new(
                    "load",
                    "an `incast` workload sends `senders` × `response` every `interval`; it takes no `load`",
                    "not for incast",
                )
                .with_help("remove `load`, or set the pattern"),
            ),
            _ => {}
        }
        for (key, set) in [
            ("senders", t.senders.is_some()),
            ("response", t.response.is_some()),
            ("interval", t.interval.is_some()),
            ("jitter", t.jitter.is_some()),
            ("receiver", t.receiver.is_some()),
        ] {
            if set && !incast {
                errors.push(FieldError::new(
                    key,
                    format!(
                        "`{key}` belongs to an `incast` workload; this one is `{}`",
                        pattern.as_str()
                    ),
                    "incast only",
                ));
            }
        }
        for (key, set) in [
            ("sizes", t.sizes.is_some()),
            ("sizes_file", t.sizes_file.is_some()),
        ] {
            if incast && set {
                errors.push(
                    FieldError::new(
                        key,
                        "an `incast` workload's flows are its senders' answers of `response` \
                         bytes; it draws no sizes",
                        "not for incast",
                    )
                    .with_help(format!("remove `{key}`, or set `response`")),
                );
            }
        }
        if incast && t.load_per.is_some() {
            errors.push(
                FieldError::new(
                    "load_per",
                    "an `incast` workload takes no `load`, so no `load_per`",
                    "not for incast",
                )
                .with_help("remove `load_per`"),
            );
        }
        let senders = t.senders.unwrap_or(0);
        if incast && senders == 0 {
            errors.push(
                FieldError::new(
                    if t.senders.is_some() {
                        "senders"
                    } else {
                        "pattern"
                    },
                    "an `incast` workload needs `senders` ≥ 1",
                    "no senders",
                )
                .with_help("add e.g. `senders = 16`"),
            );
        }
        let response = t.response.map_or(64_000, |b| b.0);
        if response == 0 {
            errors.push(FieldError::new(
                "response",
                "`response` must be at least one byte",
                "zero",
            ));
        }
        let interval = t.interval.unwrap_or(SimTime::from_ms(10));
        if interval == SimTime::ZERO {
            errors.push(FieldError::new(
                "interval",
                "`interval` must be greater than zero",
                "zero",
            ));
        }
        let start = t.start.unwrap_or(SimTime::ZERO);
        if let Some(stop) = t.stop
            && stop <= start
        {
            errors.push(FieldError::new(
                "stop",
                format!("`stop` ({stop}) must come after `start` ({start})"),
                "not after start",
            ));
        }
        if t.max_flows == Some(0) {
            errors.push(FieldError::new(
                "max_flows",
                "`max_flows` must be at least 1",
                "zero",
            ));
        }
        let buckets: Vec<u64> = t.buckets.as_ref().map_or(DEFAULT_BUCKETS.to_vec(), |b| {
            b.iter().map(|b| b.0).collect()
        });
        if buckets.is_empty() || buckets.windows(2).any(|w| w[0] >= w[1]) || buckets[0] == 0 {
            errors.push(FieldError::new(
                "buckets",
                "`buckets` must be a non-empty list of increasing sizes above zero",
                "not increasing",
            ));
        }
        if t.port == Some(0) {
            errors.push(FieldError::new("port", "`port` must not be 0", "zero"));
        }
        if t.sizes.is_some() && t.sizes_file.is_some() {
            errors.push(FieldError::new(
                "sizes_file",
                "give `sizes` (a bundled CDF) or `sizes_file` (your own), not both",
                "both given",
            ));
        }
        if let Some(s) = &t.sizes
            && !BUNDLED_NAMES.contains(&s.as_str())
        {
            errors.push(
                FieldError::new(
                    "sizes",
                    format!("`sizes = \"{s}\"` is not a bundled flow-size distribution"),
                    "unknown",
                )
                .with_help(format!(
                    "use one of {}, or `sizes_file` for a CSV of `size, probability` lines",
                    BUNDLED_NAMES.join(", ")
                )),
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(WorkloadParams {
            pattern,
            load,
            load_per: t.load_per.unwrap_or_default(),
            start,
            stop: t.stop,
            max_flows: t.max_flows,
            senders,
            response,
            interval,
            jitter: t.jitter.unwrap_or(SimTime::ZERO),
            buckets,
            port: t.port.unwrap_or(5001),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(toml_text: &str) -> WorkloadTable {
        toml::from_str(toml_text).unwrap()
    }

    /// Defaults fill the gaps; bad values are refused at their key.
    #[test]
    fn read_checks_each_key() {
        let p = WorkloadParams::read(&table("load = 0.3")).unwrap();
        assert_eq!(
            (p.pattern, p.buckets.clone(), p.port),
            (Pattern::AllToAll, DEFAULT_BUCKETS.to_vec(), 5001)
        );
        let fields = |t: &str| -> Vec<&'static str> {
            WorkloadParams::read(&table(t))
                .unwrap_err()
                .iter()
                .map(|e| e.field)
                .collect()
        };
        assert_eq!(fields("load = 1.5"), ["load"]);
        assert_eq!(fields("pattern = \"permutation\""), ["pattern"]);
        assert_eq!(fields("load = 0.1\nsenders = 3"), ["senders"]);
        assert_eq!(fields("pattern = \"incast\""), ["pattern"]);
        assert_eq!(
            fields("pattern = \"incast\"\nsenders = 2\nload_per = \"fabric\""),
            ["load_per"]
        );
        assert_eq!(
            fields("pattern = \"incast\"\nsenders = 2\nsizes = \"hadoop\""),
            ["sizes"],
            "an incast's flows are its responses: it draws no sizes"
        );
        assert_eq!(
            fields("pattern = \"incast\"\nsenders = 2\nsizes_file = \"s.csv\""),
            ["sizes_file"]
        );
        let p = WorkloadParams::read(&table("load = 0.3\nload_per = \"fabric\"")).unwrap();
        assert_eq!(p.load_per, LoadPer::Fabric);
        assert!(toml::from_str::<WorkloadTable>("load_per = \"rack\"").is_err());
        assert_eq!(
            fields("load = 0.1\nbuckets = [\"1MB\", \"10KB\"]"),
            ["buckets"]
        );
        assert_eq!(fields("load = 0.1\nsizes = \"nope\""), ["sizes"]);
        assert_eq!(
            fields("load = 0.1\nstart = \"2s\"\nstop = \"1s\""),
            ["stop"]
        );
        assert!(toml::from_str::<WorkloadTable>("lode = 1").is_err());
    }
}
