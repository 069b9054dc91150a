//! The scenario's `[controller]` table: which app runs the network, and the latencies of the
//! control plane.
//!
//! [`ControllerConfig`] deserialises from the table ([`ControllerTable`]) with units and
//! defaults; [`ControllerConfig::problems`] checks what the types cannot and names the key.
//! `ecmp` sits here because the table is where scenarios write it, but its type is net-stack's
//! [`Ecmp`]: equal-cost multipath is static IP routing, which runs only with `app = "none"`.

use net_stack::FieldError;
use net_stack::routing::Ecmp;
use serde::Deserialize;
use sim_core::SimTime;

use crate::controller::{AppConfig, AppKind};
use crate::plane::PlaneConfig;
use crate::timing::{self, Delay, SwitchTiming};

/// `[controller] switch_timing`: the switches' per-packet and per-message latencies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SwitchTimingPreset {
    /// seed 000 §III.D: matching and output action each uniform on 4–16.5 µs per packet.
    #[default]
    Seed000,
    /// ns-3 OFSwitch13: 20 µs × ⌈log2 n⌉ for n entries, CPU capacity 100 Gbit/s.
    Ofswitch13,
    /// An ideal switch: no latency.
    Zero,
}

impl SwitchTimingPreset {
    /// The timing model of the preset.
    pub fn timing(self) -> SwitchTiming {
        match self {
            SwitchTimingPreset::Seed000 => SwitchTiming::seed000(),
            SwitchTimingPreset::Ofswitch13 => SwitchTiming::ofswitch13(),
            SwitchTimingPreset::Zero => SwitchTiming::zero(),
        }
    }

    /// The controller's default per-message processing time with this preset: seed 000's
    /// controller `Matching` transition (uniform 4–16.5 µs); none for the others (ns-3's
    /// controller applications answer at once).
    pub fn default_processing(self) -> Delay {
        match self {
            SwitchTimingPreset::Seed000 => timing::SEED000_STAGE,
            _ => Delay::ZERO,
        }
    }
}

/// `[controller]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(from = "ControllerTable")]
pub struct ControllerConfig {
    /// `app`. Default `none`.
    pub app: AppKind,
    /// `ecmp`: only with `app = "none"`. Default `off`.
    pub ecmp: Ecmp,
    /// `stats_interval`: port-statistics polling period. Default 5 s; never zero.
    pub stats_interval: SimTime,
    /// `channel_latency`: one-way switch–controller latency. Default 50 µs.
    pub channel_latency: SimTime,
    /// `switch_timing`: the switches' latency model. Default `seed000`.
    pub switch_timing: SwitchTimingPreset,
    /// `processing_time`: the controller's time per message (a delay distribution). Default
    /// per `switch_timing`.
    pub processing_time: Delay,
}

impl Default for ControllerConfig {
    fn default() -> Self {
        ControllerTable::default().into()
    }
}

/// The `[controller]` table as a scenario writes it; keys not written take the defaults of
/// [`ControllerConfig`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControllerTable {
    /// `app`.
    pub app: Option<AppKind>,
    /// `ecmp`.
    pub ecmp: Option<Ecmp>,
    /// `stats_interval`.
    pub stats_interval: Option<SimTime>,
    /// `channel_latency`.
    pub channel_latency: Option<SimTime>,
    /// `switch_timing`.
    pub switch_timing: Option<SwitchTimingPreset>,
    /// `processing_time`.
    pub processing_time: Option<Delay>,
}

impl From<ControllerTable> for ControllerConfig {
    fn from(t: ControllerTable) -> Self {
        let switch_timing = t.switch_timing.unwrap_or_default();
        ControllerConfig {
            app: t.app.unwrap_or_default(),
            ecmp: t.ecmp.unwrap_or_default(),
            stats_interval: t.stats_interval.unwrap_or(SimTime::from_secs(5)),
            channel_latency: t.channel_latency.unwrap_or(SimTime::from_us(50)),
            switch_timing,
            processing_time: t
                .processing_time
                .unwrap_or_else(|| switch_timing.default_processing()),
        }
    }
}

impl ControllerConfig {
    /// Every rule the types cannot express, each naming its key: `ecmp` other than `off` only
    /// with `app = "none"`, `stats_interval` greater than zero.
    pub fn problems(&self) -> Vec<FieldError> {
        let mut out = Vec::new();
        if self.ecmp != Ecmp::Off && self.app.is_openflow() {
            out.push(
                FieldError::new(
                    "ecmp",
                    "`ecmp` applies only with `app = \"none\"`",
                    "needs app = \"none\"",
                )
                .with_help(
                    "OpenFlow apps choose their own paths; remove `ecmp` or set `app = \"none\"`",
                ),
            );
        }
        if self.stats_interval == SimTime::ZERO {
            out.push(FieldError::new(
                "stats_interval",
                "`stats_interval` must be greater than zero",
                "zero",
            ));
        }
        out
    }

    /// The apps' parameters.
    pub fn app_config(&self) -> AppConfig {
        AppConfig {
            stats_interval: self.stats_interval,
            ..AppConfig::default()
        }
    }

    /// The OpenFlow plane's parameters.
    pub fn plane_config(&self) -> PlaneConfig {
        PlaneConfig {
            channel_latency: self.channel_latency,
            controller_processing: self.processing_time,
            timing: self.switch_timing.timing(),
            ..PlaneConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Result<ControllerConfig, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// The table reads app and ECMP names, units and delay forms; `processing_time` defaults
    /// from `switch_timing` (seed 000's controller stage, nothing for the others).
    #[test]
    fn table_reads_names_units_and_dependent_default() {
        let d = ControllerConfig::default();
        assert_eq!(d.app, AppKind::None, "no controller by default");
        assert_eq!(d.processing_time, timing::SEED000_STAGE, "seed 000 default");
        let c =
            table("app = \"dynamic-routing\"\nstats_interval = \"1s\"\nswitch_timing = \"zero\"")
                .expect("valid");
        assert_eq!(c.app, AppKind::DynamicRouting);
        assert_eq!(
            c.app_config().stats_interval,
            SimTime::from_secs(1),
            "reaches the app"
        );
        assert_eq!(c.processing_time, Delay::ZERO, "zero preset, no processing");
        let c = table("processing_time = \"uniform(1us, 2us)\"\necmp = \"per-flow\"").expect("ok");
        assert_eq!(
            c.processing_time,
            Delay::Uniform {
                lo: SimTime::from_us(1),
                hi: SimTime::from_us(2)
            }
        );
        assert_eq!(c.ecmp, Ecmp::PerFlow);
        let e = table("ap = \"learning\"").expect_err("typo");
        assert!(e.contains("unknown field `ap`"), "{e}");
        let e = table("app = \"ryu\"").expect_err("unknown app");
        assert!(e.contains("`shortest-path`"), "{e}");
    }

    /// ECMP with an OpenFlow app and a zero polling period are refused, naming their keys.
    #[test]
    fn problems_name_their_fields() {
        assert!(ControllerConfig::default().problems().is_empty());
        let c = ControllerConfig {
            app: AppKind::Learning,
            ecmp: Ecmp::PerPacket,
            stats_interval: SimTime::ZERO,
            ..ControllerConfig::default()
        };
        let fields: Vec<_> = c.problems().iter().map(|e| e.field).collect();
        assert_eq!(fields, ["ecmp", "stats_interval"]);
        let ok = ControllerConfig {
            ecmp: Ecmp::PerPacket,
            ..ControllerConfig::default()
        };
        assert!(ok.problems().is_empty(), "ECMP with app = none is fine");
    }
}
