//! The scenario's `[controller]` table: which apps and shim run the network, the latencies of
//! the control plane, and any further controllers (`[[controller.extra]]`, each with its own
//! switches, apps and channel).
//!
//! [`ControllerConfig`] deserialises from the table ([`ControllerTable`]) with units and
//! defaults; [`ControllerConfig::problems`] checks what the types cannot and names the key.
//! `ecmp` sits here because the table is where scenarios write it, but its type is net-stack's
//! [`Ecmp`]: equal-cost multipath is static IP routing, which runs only with `app = "none"`.

use net_stack::FieldError;
use net_stack::routing::Ecmp;
use serde::Deserialize;
use sim_core::SimTime;

use crate::controller::vcdn::VcdnTable;
use crate::controller::{
    AppConfig, AppKind, DetectionKind, FailureDetection, RYU_ECHO_REQUEST_INTERVAL,
    RYU_MAXIMUM_UNREPLIED_ECHO_REQUESTS, ShimKind,
};
use crate::plane::PlaneConfig;
use crate::timing::{self, Delay, SharedCpuConfig, SwitchTiming};

/// `[controller] switch_timing`: the switches' per-packet and per-message latencies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SwitchTimingPreset {
    /// seed 000 §III.D: matching and output action each uniform on 4–16.5 µs per packet.
    #[default]
    Seed000,
    /// `maini2013-paper`: seed 000's model read as its Petri nets are drawn — per packet the
    /// switch's `Serve_switch_request` (normal(4 µs, 101.43 ns)) and `Output_Action` (uniform
    /// 4–16.5 µs); `Matching` only at the controller ([`SwitchTiming::seed000_paper`]).
    #[serde(rename = "maini2013-paper")]
    Maini2013Paper,
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
            SwitchTimingPreset::Maini2013Paper => SwitchTiming::seed000_paper(),
            SwitchTimingPreset::Ofswitch13 => SwitchTiming::ofswitch13(),
            SwitchTimingPreset::Zero => SwitchTiming::zero(),
        }
    }

    /// The controller's default per-message processing time with this preset: seed 000's
    /// controller `Matching` transition (uniform 4–16.5 µs); none for the others (ns-3's
    /// controller applications answer at once).
    pub fn default_processing(self) -> Delay {
        match self {
            SwitchTimingPreset::Seed000 | SwitchTimingPreset::Maini2013Paper => {
                timing::SEED000_STAGE
            }
            _ => Delay::ZERO,
        }
    }
}

/// `[controller]`: the controller `name` (default `c0`) with its apps, shim and channel, the
/// network-wide switch and polling parameters, and any `[[controller.extra]]` controllers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "ControllerTable")]
pub struct ControllerConfig {
    /// `app`, or the first of `apps`. Default `none`: no OpenFlow.
    pub app: AppKind,
    /// Every app, in the order events reach them (`apps`, or `[app]`; empty with `none`).
    pub apps: Vec<AppKind>,
    /// `shim`. Default `none`.
    pub shim: ShimKind,
    /// `name`: the controller's name (its random stream, errors). Default `c0`.
    pub name: String,
    /// `switches`: the switches it runs; `None` (the default) = every switch no
    /// `[[controller.extra]]` controller lists.
    pub switches: Option<Vec<String>>,
    /// `[[controller.extra]]`: further controllers, each with its own switches.
    pub extra: Vec<ExtraController>,
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
    /// `shared_cpu`: one CPU that a set of switches share (seed 001's Mininet), on top of
    /// `switch_timing`. Default none.
    pub shared_cpu: Option<SharedCpuConfig>,
    /// `flip_period`: how often the `path-flip` app moves its pairs to the other path.
    /// Default 1 s (seed 001 §3.3); never zero.
    pub flip_period: SimTime,
    /// `[controller.vcdn]`: the service and replicas of the `vcdn` app. Default none.
    pub vcdn: Option<VcdnTable>,
    /// `failure_detection` (`instant`, the default, or `echo` with `echo_request_interval`
    /// and `maximum_unreplied_echo_requests`, Ryu's defaults 15 s and 0): how every
    /// controller learns that a switch failed ([`crate::controller::FailureDetection`]).
    pub failure_detection: FailureDetection,
    /// Whether `app` and `apps` were written.
    app_keys: (bool, bool),
    /// Whether `echo_request_interval` and `maximum_unreplied_echo_requests` were written
    /// without `failure_detection = "echo"`.
    stray_echo_keys: (bool, bool),
}

/// One `[[controller.extra]]` controller, its defaults resolved from `[controller]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraController {
    /// `name` (**required**).
    pub name: String,
    /// `app` / `apps`; default: those of `[controller]`.
    pub apps: Vec<AppKind>,
    /// `shim`; default: that of `[controller]`.
    pub shim: ShimKind,
    /// `channel_latency`; default: that of `[controller]`.
    pub channel_latency: SimTime,
    /// `processing_time`; default: that of `[controller]`.
    pub processing_time: Delay,
    /// `switches` (**required**, not empty): the switches it runs.
    pub switches: Vec<String>,
    /// Whether `app` and `apps` were written.
    app_keys: (bool, bool),
}

impl Default for ControllerConfig {
    fn default() -> Self {
        ControllerTable::default().into()
    }
}

/// The `[controller]` table as a scenario writes it; keys not written take the defaults of
/// [`ControllerConfig`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControllerTable {
    /// `app`.
    pub app: Option<AppKind>,
    /// `apps`.
    pub apps: Option<Vec<AppKind>>,
    /// `shim`.
    pub shim: Option<ShimKind>,
    /// `name`.
    pub name: Option<String>,
    /// `switches`.
    pub switches: Option<Vec<String>>,
    /// `[[controller.extra]]`.
    #[serde(default)]
    pub extra: Vec<ExtraControllerTable>,
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
    /// `shared_cpu`.
    pub shared_cpu: Option<SharedCpuConfig>,
    /// `flip_period`.
    pub flip_period: Option<SimTime>,
    /// `vcdn`.
    pub vcdn: Option<VcdnTable>,
    /// `failure_detection`.
    pub failure_detection: Option<DetectionKind>,
    /// `echo_request_interval`.
    pub echo_request_interval: Option<SimTime>,
    /// `maximum_unreplied_echo_requests`.
    pub maximum_unreplied_echo_requests: Option<u32>,
}

/// A `[[controller.extra]]` table as a scenario writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtraControllerTable {
    /// `name`.
    pub name: String,
    /// `app`.
    pub app: Option<AppKind>,
    /// `apps`.
    pub apps: Option<Vec<AppKind>>,
    /// `shim`.
    pub shim: Option<ShimKind>,
    /// `channel_latency`.
    pub channel_latency: Option<SimTime>,
    /// `processing_time`.
    pub processing_time: Option<Delay>,
    /// `switches`.
    pub switches: Vec<String>,
}

/// The app list `app` and `apps` describe: `apps` if written, else `[app]` (nothing for
/// `none`), else `default`.
fn app_list(app: Option<AppKind>, apps: Option<Vec<AppKind>>, default: &[AppKind]) -> Vec<AppKind> {
    match (app, apps) {
        (_, Some(list)) => list,
        (Some(AppKind::None), None) => Vec::new(),
        (Some(a), None) => vec![a],
        (None, None) => default.to_vec(),
    }
}

impl From<ControllerTable> for ControllerConfig {
    fn from(t: ControllerTable) -> Self {
        let switch_timing = t.switch_timing.unwrap_or_default();
        let app_keys = (t.app.is_some(), t.apps.is_some());
        let apps = app_list(t.app, t.apps, &[]);
        let shim = t.shim.unwrap_or_default();
        let channel_latency = t.channel_latency.unwrap_or(SimTime::from_us(50));
        let processing_time = t
            .processing_time
            .unwrap_or_else(|| switch_timing.default_processing());
        let extra = t
            .extra
            .into_iter()
            .map(|e| ExtraController {
                app_keys: (e.app.is_some(), e.apps.is_some()),
                apps: app_list(e.app, e.apps, &apps),
                name: e.name,
                shim: e.shim.unwrap_or(shim),
                channel_latency: e.channel_latency.unwrap_or(channel_latency),
                processing_time: e.processing_time.unwrap_or(processing_time),
                switches: e.switches,
            })
            .collect();
        ControllerConfig {
            app: apps.first().copied().unwrap_or(AppKind::None),
            apps,
            shim,
            name: t.name.unwrap_or_else(|| "c0".into()),
            switches: t.switches,
            extra,
            ecmp: t.ecmp.unwrap_or_default(),
            stats_interval: t.stats_interval.unwrap_or(SimTime::from_secs(5)),
            channel_latency,
            switch_timing,
            processing_time,
            shared_cpu: t.shared_cpu,
            flip_period: t
                .flip_period
                .unwrap_or(crate::controller::DEFAULT_FLIP_PERIOD),
            vcdn: t.vcdn,
            failure_detection: match t.failure_detection.unwrap_or_default() {
                DetectionKind::Instant => FailureDetection::Instant,
                DetectionKind::Echo => FailureDetection::Echo {
                    interval: t.echo_request_interval.unwrap_or(RYU_ECHO_REQUEST_INTERVAL),
                    max_unreplied: (t.maximum_unreplied_echo_requests)
                        .unwrap_or(RYU_MAXIMUM_UNREPLIED_ECHO_REQUESTS),
                },
            },
            app_keys,
            stray_echo_keys: match t.failure_detection {
                Some(DetectionKind::Echo) => (false, false),
                _ => (
                    t.echo_request_interval.is_some(),
                    t.maximum_unreplied_echo_requests.is_some(),
                ),
            },
        }
    }
}

/// The problems of one controller's app list, each naming `apps`.
fn app_problems(apps: &[AppKind], (app, list): (bool, bool), out: &mut Vec<FieldError>) {
    if app && list {
        out.push(
            FieldError::new("apps", "write `app` or `apps`, not both", "both given")
                .with_help("`apps = [\"learning\", \"monitor\"]` lists every app in order"),
        );
    }
    if apps.contains(&AppKind::None) {
        out.push(
            FieldError::new("apps", "`apps` cannot list `none`", "none in a list")
                .with_help("`app = \"none\"` alone turns OpenFlow off"),
        );
    }
    if list && apps.is_empty() {
        out.push(FieldError::new(
            "apps",
            "`apps` is empty: a controller runs at least one app",
            "empty",
        ));
    }
    for (i, a) in apps.iter().enumerate() {
        if apps[..i].contains(a) {
            out.push(FieldError::new(
                "apps",
                format!("`apps` lists `{}` twice", a.as_str()),
                "listed twice",
            ));
            break;
        }
    }
}

impl ControllerConfig {
    /// Every rule the types cannot express for `[controller]` itself, each naming its key:
    /// `ecmp` other than `off` only without OpenFlow, `stats_interval` greater than zero, a
    /// valid app list, `[[controller.extra]]` only with an OpenFlow app, an empty `switches`.
    /// The extra controllers' own problems are [`ControllerConfig::extra_problems`].
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
        app_problems(&self.apps, self.app_keys, &mut out);
        if self.apps.is_empty() && !self.extra.is_empty() {
            out.push(
                FieldError::new(
                    "extra",
                    "`[[controller.extra]]` needs OpenFlow, but `[controller]` runs no app",
                    "no OpenFlow",
                )
                .with_help("give `[controller]` an `app` (or `apps`) as well"),
            );
        }
        if self.flip_period == SimTime::ZERO {
            out.push(FieldError::new(
                "flip_period",
                "`flip_period` must be greater than zero",
                "zero",
            ));
        }
        if let FailureDetection::Echo {
            interval: SimTime::ZERO,
            ..
        } = self.failure_detection
        {
            out.push(FieldError::new(
                "echo_request_interval",
                "`echo_request_interval` must be greater than zero",
                "zero",
            ));
        }
        let (interval, max) = self.stray_echo_keys;
        for key in [
            interval.then_some("echo_request_interval"),
            max.then_some("maximum_unreplied_echo_requests"),
        ]
        .into_iter()
        .flatten()
        {
            out.push(
                FieldError::new(
                    key,
                    format!("`{key}` needs `failure_detection = \"echo\"`"),
                    "failure detection is instant",
                )
                .with_help("set `failure_detection = \"echo\"` or remove the key"),
            );
        }
        for mut e in self.shared_cpu.iter().flat_map(SharedCpuConfig::problems) {
            e.field = match e.field {
                "frame_time" => "shared_cpu.frame_time",
                "queue" => "shared_cpu.queue",
                "switches" => "shared_cpu.switches",
                _ => "shared_cpu",
            };
            out.push(e);
        }
        match (&self.vcdn, self.apps.contains(&AppKind::Vcdn)) {
            (Some(v), true) => out.extend(v.problems()),
            (Some(_), false) => out.push(
                FieldError::new(
                    "vcdn",
                    "`[controller.vcdn]` configures the `vcdn` app, which this controller does not run",
                    "no vcdn app",
                )
                .with_help("set `app = \"vcdn\"`, or remove `[controller.vcdn]`"),
            ),
            (None, true) => out.push(
                FieldError::new(
                    if self.app_keys.1 { "apps" } else { "app" },
                    "the `vcdn` app needs `[controller.vcdn]`: its service address and replicas",
                    "no [controller.vcdn]",
                )
                .with_help(
                    "add `vcdn = { service = \"10.250.0.1\", replicas = [\"h2\"] }` to `[controller]`",
                ),
            ),
            (None, false) => {}
        }
        if self.switches.as_ref().is_some_and(Vec::is_empty) {
            out.push(
                FieldError::new("switches", "`switches` is empty", "empty").with_help(
                    "leave `switches` out to run every switch no other controller lists",
                ),
            );
        }
        out
    }

    /// The problems of each `[[controller.extra]]` controller, with its index: a valid app
    /// list, a name of its own, a non-empty `switches`.
    pub fn extra_problems(&self) -> Vec<(usize, FieldError)> {
        let mut out = Vec::new();
        for (i, e) in self.extra.iter().enumerate() {
            let mut p = Vec::new();
            app_problems(&e.apps, e.app_keys, &mut p);
            if e.apps.is_empty() && !e.app_keys.1 {
                p.push(FieldError::new(
                    "app",
                    format!("controller `{}` runs no app", e.name),
                    "no app",
                ));
            }
            let taken = e.name == self.name || self.extra[..i].iter().any(|o| o.name == e.name);
            if taken {
                p.push(FieldError::new(
                    "name",
                    format!("duplicate controller name `{}`", e.name),
                    "duplicate",
                ));
            }
            if e.switches.is_empty() {
                p.push(FieldError::new(
                    "switches",
                    format!("controller `{}` lists no switches", e.name),
                    "empty",
                ));
            }
            out.extend(p.into_iter().map(|f| (i, f)));
        }
        out
    }

    /// The apps' parameters.
    pub fn app_config(&self) -> AppConfig {
        AppConfig {
            stats_interval: self.stats_interval,
            flip_period: self.flip_period,
            ..AppConfig::default()
        }
    }

    /// Whether any controller runs `kind`.
    pub fn runs(&self, kind: AppKind) -> bool {
        self.apps.contains(&kind) || self.extra.iter().any(|e| e.apps.contains(&kind))
    }

    /// The OpenFlow plane's parameters.
    pub fn plane_config(&self) -> PlaneConfig {
        PlaneConfig {
            channel_latency: self.channel_latency,
            controller_processing: self.processing_time,
            timing: self.switch_timing.timing(),
            shared_cpu: self.shared_cpu.clone(),
            failure_detection: self.failure_detection,
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
            apps: vec![AppKind::Learning],
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

    /// `shared_cpu` reads as a table and reaches the plane; `flip_period` defaults to 1 s and
    /// reaches the apps; their problems are named by dotted key.
    #[test]
    fn shared_cpu_and_flip_period() {
        let d = ControllerConfig::default();
        assert_eq!(d.shared_cpu, None);
        assert_eq!(d.flip_period, SimTime::from_secs(1));
        let c = table(
            "app = \"path-flip\"\nflip_period = \"500ms\"\n[shared_cpu]\nframe_time = \"80.444us\"\nswitches = [\"os1\"]",
        )
        .expect("valid");
        assert_eq!(c.app, AppKind::PathFlip);
        assert_eq!(c.app_config().flip_period, SimTime::from_ms(500));
        let cpu = c.plane_config().shared_cpu.expect("reaches the plane");
        assert_eq!(cpu.frame_time, SimTime::from_ns(80_444));
        assert_eq!(cpu.queue, 1000);
        assert!(c.problems().is_empty());
        let c = table("flip_period = \"0s\"\nshared_cpu = { frame_time = \"0s\", queue = 0 }")
            .expect("parses");
        let fields: Vec<_> = c.problems().iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["flip_period", "shared_cpu.frame_time", "shared_cpu.queue"]
        );
    }
}
