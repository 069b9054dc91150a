//! The scenario's `[[migration]]` table: which VM moves where and when (by name), and the
//! settings of its migration engine.
//!
//! vm reads the whole table ([`MigrationTable`]) with units and defaults and checks the engine
//! settings ([`MigrationSettings::problems`], each problem naming its key). The names (`vm`,
//! `to`) and the trigger (`at`) are data here: netsim's scenario loader resolves them against
//! the `[[vm]]` tables and the topology, and places every error at its key.

use net_stack::FieldError;
use serde::Deserialize;
use sim_core::{ByteSize, SimTime};

use crate::{MigrationConfig, PostcopyConfig, PrecopyConfig, StopAndCopyConfig};

/// `[[migration]] algorithm`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MigrationAlgorithm {
    /// `"precopy"`: iterative pre-copy with the Xen stop conditions.
    #[default]
    Precopy,
    /// `"stop-and-copy"`: pause, copy everything, resume.
    StopAndCopy,
    /// `"postcopy"`: resume at the target first, fetch pages on demand.
    Postcopy,
    /// `"image"`: save an image, copy it through a temporary server, restore it (seed 004).
    Image,
}

/// One `[[migration]]` table as a scenario writes it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigrationTable {
    /// `vm`: the VM's name. Required (the loader reports it missing).
    pub vm: Option<String>,
    /// `to`: the target host's name; none lets the orchestrator choose by capacity.
    pub to: Option<String>,
    /// `at`: the trigger time; none waits for the orchestrator's `period`.
    pub at: Option<SimTime>,
    /// `algorithm`.
    pub algorithm: Option<MigrationAlgorithm>,
    /// `early_notification`.
    pub early_notification: Option<bool>,
    /// `max_rounds`.
    pub max_rounds: Option<u32>,
    /// `stop_threshold` (a size).
    pub stop_threshold: Option<ByteSize>,
    /// `max_total_factor`.
    pub max_total_factor: Option<f64>,
    /// `dirty_rate_stop`.
    pub dirty_rate_stop: Option<bool>,
    /// `mobility` (seed 003): how the VM stays reachable on another subnet; none keeps the
    /// network's own way (static routing's /32 or the controller's re-route).
    pub mobility: Option<crate::Mobility>,
    /// `convergence_delay`: `host-route`'s delay from resume to the injected route.
    pub convergence_delay: Option<SimTime>,
    /// `home_agent` (`mip`): the router acting as home agent (a name); default the home
    /// data centre's border router.
    pub home_agent: Option<String>,
    /// `tunnel` (`mip`): `ipip` (default) or `gre`.
    pub tunnel: Option<crate::mobility::mip::MipTunnel>,
    /// `reverse_tunnel` (`mip`): replies through the home agent (RFC 3024); default false.
    pub reverse_tunnel: Option<bool>,
    /// `clamp_mss` (`mip`): clamp tunnelled SYNs' MSS to the tunnel's MTU; default true.
    pub clamp_mss: Option<bool>,
    /// `lifetime` (`mip`): the registration lifetime asked for, whole seconds (1 s – 65,535 s,
    /// the last infinity); default 1,800 s.
    pub lifetime: Option<SimTime>,
    /// `reregister_margin` (`mip`): how long before the binding expires the hypervisor
    /// re-registers; default the smaller of 60 s and half the lifetime.
    pub reregister_margin: Option<SimTime>,
    /// `tunnel_overhead` (`mip`): extra bytes per tunnel packet (seed 003's SSH tunnel);
    /// default 0.
    pub tunnel_overhead: Option<u32>,
    /// `new_mac` (seed 004 §III.C): the VM takes a new MAC address on resume (`true`: a
    /// fresh one; or the address); default false.
    pub new_mac: Option<crate::NewMac>,
    /// `gratuitous_arp`: the destination hypervisor announces the VM with one gratuitous ARP
    /// on resume (RFC 5227 §3); default true.
    pub gratuitous_arp: Option<bool>,
    /// `via`: the temporary server an `image` migration copies through (a host name).
    pub via: Option<String>,
    /// `restore_cycles_per_byte` (`image`).
    pub restore_cycles_per_byte: Option<u64>,
    /// `transport`: `tcp` (default) or `channel` ([`crate::channel`]).
    pub transport: Option<crate::channel::MigrationTransport>,
    /// `prepare_time` (`precopy`): the preparation phase before round 0 (seed 002 §2.1).
    pub prepare_time: Option<SimTime>,
    /// `tcp`: the TCP settings of this migration's connections (the hypervisors' stack), with
    /// the keys of `[tcp]` (`preset` included) on `[tcp]`'s defaults; none: the scenario's
    /// `[tcp]`, as the guests'.
    pub tcp: Option<net_stack::tcp::TcpConfig>,
}

impl MigrationTable {
    /// The engine settings, with the defaults for keys not written.
    pub fn settings(&self) -> MigrationSettings {
        let d = MigrationSettings::default();
        MigrationSettings {
            algorithm: self.algorithm.unwrap_or(d.algorithm),
            early_notification: self.early_notification.unwrap_or(d.early_notification),
            max_rounds: self.max_rounds.unwrap_or(d.max_rounds),
            stop_threshold: self.stop_threshold.unwrap_or(d.stop_threshold),
            max_total_factor: self.max_total_factor.unwrap_or(d.max_total_factor),
            dirty_rate_stop: self.dirty_rate_stop.unwrap_or(d.dirty_rate_stop),
            restore_cycles_per_byte: self
                .restore_cycles_per_byte
                .unwrap_or(d.restore_cycles_per_byte),
            transport: self.transport.unwrap_or(d.transport),
            prepare_time: self.prepare_time.unwrap_or(d.prepare_time),
        }
    }
}

/// The engine settings of one `[[migration]]`. Defaults are Xen's, as seed 002 §6.1 uses them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MigrationSettings {
    /// `algorithm`. Default `precopy`.
    pub algorithm: MigrationAlgorithm,
    /// `early_notification` (seed 002). Default false.
    pub early_notification: bool,
    /// `max_rounds`: pre-copy round limit, at least 2 (round 0 and the final round). Default 30.
    pub max_rounds: u32,
    /// `stop_threshold`: stop pre-copy when this little is left dirty. Default 200 KB.
    pub stop_threshold: ByteSize,
    /// `max_total_factor`: stop when this many times the memory has been sent, at least 1.
    /// Default 3.0.
    pub max_total_factor: f64,
    /// `dirty_rate_stop`: stop pre-copy when the VM wrote more during a round than the round
    /// sent (seed 002 §2.1 (1), seed 000). Xen's defaults have no such rule. Default true.
    pub dirty_rate_stop: bool,
    /// `restore_cycles_per_byte` (`image`): CPU cycles the target spends per image byte to
    /// rebuild the guest, on one core of its `cpu_speed`. Default 0 (restoring is reading the
    /// image from disk only).
    pub restore_cycles_per_byte: u64,
    /// `transport`: `tcp` through the network, or seed 000's timed `channel`
    /// ([`crate::channel`]). Default `tcp`.
    pub transport: crate::channel::MigrationTransport,
    /// `prepare_time` (`precopy`): seed 002 §2.1's preparation phase, a fixed time from the
    /// migration's start to round 0 while the VM runs. Default 0 (none).
    pub prepare_time: SimTime,
}

impl Default for MigrationSettings {
    fn default() -> Self {
        let p = PrecopyConfig::default();
        MigrationSettings {
            algorithm: MigrationAlgorithm::Precopy,
            early_notification: p.early_notification,
            max_rounds: p.max_rounds,
            stop_threshold: p.stop_threshold,
            max_total_factor: p.max_total_factor,
            dirty_rate_stop: p.dirty_rate_check,
            restore_cycles_per_byte: 0,
            transport: crate::channel::MigrationTransport::Tcp,
            prepare_time: p.prepare_time,
        }
    }
}

impl MigrationSettings {
    /// Every rule the types cannot express, each naming its key: `max_rounds` ≥ 2,
    /// `max_total_factor` a number ≥ 1, no `channel` transport for `image` (which copies
    /// through a temporary server over TCP), `prepare_time` only for `precopy`.
    pub fn problems(&self) -> Vec<FieldError> {
        let mut out = Vec::new();
        if self.transport == crate::channel::MigrationTransport::Channel
            && self.algorithm == MigrationAlgorithm::Image
        {
            out.push(
                FieldError::new(
                    "transport",
                    "`transport = \"channel\"` does not apply to `algorithm = \"image\"`, which copies its image over TCP through `via`",
                    "not with image",
                )
                .with_help("use `transport = \"tcp\"` (the default), or another algorithm"),
            );
        }
        if self.prepare_time > SimTime::ZERO && self.algorithm != MigrationAlgorithm::Precopy {
            out.push(
                FieldError::new(
                    "prepare_time",
                    "`prepare_time` is the preparation phase of `precopy` (seed 002 §2.1); this migration's algorithm has none".to_string(),
                    "not pre-copy",
                )
                .with_help("remove `prepare_time`, or set `algorithm = \"precopy\"`"),
            );
        }
        if !(self.max_total_factor.is_finite() && self.max_total_factor >= 1.0) {
            out.push(
                FieldError::new(
                    "max_total_factor",
                    format!(
                        "`max_total_factor` must be at least 1.0, not {}",
                        self.max_total_factor
                    ),
                    "below 1",
                )
                .with_help("it is a multiple of the VM's memory; 3.0 is Xen's default"),
            );
        }
        // The engine needs round 0 (all memory) and a final stop-and-copy round
        // (`PrecopyConfig::validate`): with fewer, `check` would pass and the build fail.
        if self.max_rounds == 0
            || (self.max_rounds == 1 && self.algorithm == MigrationAlgorithm::Precopy)
        {
            out.push(
                FieldError::new(
                    "max_rounds",
                    format!("`max_rounds` must be at least 2, not {}", self.max_rounds),
                    "below 2",
                )
                .with_help("round 0 sends all memory and the last round what is left; 2 means no iteration between them"),
            );
        }
        out
    }

    /// The engine's configuration, with the target host's `resume_time`; `None` for `image`,
    /// which runs its own engine ([`crate::image`]).
    pub fn engine(&self, resume_time: SimTime) -> Option<MigrationConfig> {
        Some(match self.algorithm {
            MigrationAlgorithm::Image => return None,
            MigrationAlgorithm::Precopy => MigrationConfig::Precopy(PrecopyConfig {
                max_rounds: self.max_rounds,
                stop_threshold: self.stop_threshold,
                max_total_factor: self.max_total_factor,
                early_notification: self.early_notification,
                dirty_rate_check: self.dirty_rate_stop,
                resume_time,
                prepare_time: self.prepare_time,
            }),
            MigrationAlgorithm::StopAndCopy => {
                MigrationConfig::StopAndCopy(StopAndCopyConfig { resume_time })
            }
            MigrationAlgorithm::Postcopy => MigrationConfig::Postcopy(PostcopyConfig {
                resume_time,
                ..PostcopyConfig::default()
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Result<MigrationTable, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// The table reads names as plain data, units and algorithm names; keys not written keep
    /// Xen's defaults; unknown keys are refused.
    #[test]
    fn table_reads_units_names_and_defaults() {
        let t = table(
            "vm = \"vm1\"\nat = \"1s\"\nalgorithm = \"stop-and-copy\"\nstop_threshold = \"1MB\"",
        )
        .expect("valid");
        assert_eq!(t.vm.as_deref(), Some("vm1"));
        assert_eq!(t.at, Some(SimTime::from_secs(1)));
        let s = t.settings();
        assert_eq!(s.algorithm, MigrationAlgorithm::StopAndCopy);
        assert_eq!(s.stop_threshold, ByteSize(1_000_000), "decimal MB");
        assert_eq!(
            (s.max_rounds, s.max_total_factor, s.dirty_rate_stop),
            (30, 3.0, true),
            "defaults"
        );
        let e = table("max_round = 3").expect_err("typo");
        assert!(e.contains("unknown field `max_round`"), "{e}");
    }

    /// Bad settings name their keys; the engine config carries every setting and the resume
    /// time of the target.
    #[test]
    fn problems_and_engine_config() {
        assert!(MigrationSettings::default().problems().is_empty());
        let bad = MigrationSettings {
            max_rounds: 0,
            max_total_factor: f64::NAN,
            ..MigrationSettings::default()
        };
        let fields: Vec<_> = bad.problems().iter().map(|e| e.field).collect();
        assert_eq!(fields, ["max_total_factor", "max_rounds"]);
        // One round is refused here, not at build time, for pre-copy (which needs two).
        let one = MigrationSettings {
            max_rounds: 1,
            ..MigrationSettings::default()
        };
        assert_eq!(one.problems().len(), 1);
        match one.engine(SimTime::ZERO).expect("pre-copy") {
            MigrationConfig::Precopy(p) => assert!(p.validate().is_err(), "the engine refuses it"),
            other => panic!("pre-copy expected, got {other:?}"),
        }
        let s = MigrationSettings {
            max_rounds: 7,
            early_notification: true,
            ..MigrationSettings::default()
        };
        match s.engine(SimTime::from_ms(5)).expect("pre-copy") {
            MigrationConfig::Precopy(p) => {
                assert_eq!(p.max_rounds, 7);
                assert!(p.early_notification);
                assert_eq!(p.resume_time, SimTime::from_ms(5));
            }
            other => panic!("expected pre-copy, got {other:?}"),
        }
    }
}
