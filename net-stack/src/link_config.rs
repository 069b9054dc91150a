//! A point-to-point link's parameters, as scenarios write them and as devices use them.
//!
//! This is the one link type of netsim: the scenario's `[topology] link` and `bottleneck`
//! tables deserialise into it ([`LinkConfig`], [`LinkOverrides`]), the `topologies` crate
//! stores it on every edge, and [`crate::NetworkBuilder::connect`] takes it.

use serde::{Deserialize, Serialize};
use sim_core::{DataRate, QueueLimit, SimTime};

use crate::FieldError;
use crate::queue::AqmConfig;

/// Parameters of one link (both directions share them; loss is drawn per direction). As a
/// table, keys not given take the defaults 1 Gbps, 1 µs, 100 packets, loss 0, drop-tail.
// Read through `LinkOverrides` over the defaults, so that a table is the only form accepted
// (a derived `default` container would also take a list of values in field order).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "LinkOverrides")]
pub struct LinkConfig {
    /// `rate`: serialisation rate [bit/s], each direction. Default "1Gbps".
    pub rate: DataRate,
    /// `delay`: one-way propagation delay. Default "1us".
    pub delay: SimTime,
    /// `queue`: the hard limit of the output queue at each end, whatever its discipline.
    /// Default "100p".
    pub queue: QueueLimit,
    /// `loss`: probability in [0, 1] that a frame is lost on the wire, per direction.
    /// Default 0.
    pub loss: f64,
    /// `aqm`: the discipline of the output queues (see [`crate::queue`]). Default drop-tail.
    #[serde(skip_serializing_if = "AqmConfig::is_drop_tail")]
    pub aqm: AqmConfig,
}

impl Default for LinkConfig {
    /// 1 Gbit/s, 1 µs, 100 packets, lossless.
    fn default() -> Self {
        LinkConfig {
            rate: DataRate::gbps(1),
            delay: SimTime::from_us(1),
            queue: QueueLimit::Packets(100),
            loss: 0.0,
            aqm: AqmConfig::DropTail {},
        }
    }
}

impl LinkConfig {
    /// A loss-free link with a queue of 100 packets.
    pub fn new(rate: DataRate, delay: SimTime) -> Self {
        LinkConfig {
            rate,
            delay,
            ..LinkConfig::default()
        }
    }

    /// Checks what the types cannot: `loss` is a number in [0, 1], and the `aqm` discipline's
    /// rules against `queue` ([`AqmConfig::problems`]; fields named `aqm.<key>`). (`rate` and
    /// `queue` are never zero by construction of [`DataRate`] and [`QueueLimit`].)
    pub fn problems(&self) -> Vec<FieldError> {
        let mut out: Vec<FieldError> = FieldError::check_fraction("loss", self.loss)
            .err()
            .into_iter()
            .collect();
        out.extend(self.aqm.problems(self.queue));
        out
    }

    /// The first of [`LinkConfig::problems`].
    pub fn validate(&self) -> Result<(), FieldError> {
        match self.problems().into_iter().next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// A link table whose keys not given come from another link (the dumbbell's `bottleneck` over
/// `link`, a topology file's `[[link]]` over the scenario's `link`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkOverrides {
    /// `rate`, if given.
    pub rate: Option<DataRate>,
    /// `delay`, if given.
    pub delay: Option<SimTime>,
    /// `queue`, if given.
    pub queue: Option<QueueLimit>,
    /// `loss`, if given.
    pub loss: Option<f64>,
    /// `aqm`, if given: it replaces the base's discipline as a whole (keys are not merged).
    pub aqm: Option<AqmConfig>,
}

impl From<LinkOverrides> for LinkConfig {
    fn from(o: LinkOverrides) -> Self {
        o.over(LinkConfig::default())
    }
}

impl LinkOverrides {
    /// `base` with every key given here replaced.
    pub fn over(&self, base: LinkConfig) -> LinkConfig {
        LinkConfig {
            rate: self.rate.unwrap_or(base.rate),
            delay: self.delay.unwrap_or(base.delay),
            queue: self.queue.unwrap_or(base.queue),
            loss: self.loss.unwrap_or(base.loss),
            aqm: self.aqm.unwrap_or(base.aqm),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// A link table takes its units through sim-core's string forms, fills every key not given
    /// with the documented default, and refuses unknown keys (so a typo is never ignored).
    #[test]
    fn link_table_defaults_units_and_unknown_keys() {
        let l: LinkConfig = parse("rate = \"10Gbps\"\nqueue = \"150KB\"").expect("valid");
        assert_eq!(l.rate, DataRate::gbps(10), "rate given");
        assert_eq!(l.queue, QueueLimit::Bytes(150_000), "queue given in bytes");
        assert_eq!(l.delay, SimTime::from_us(1), "delay defaulted to 1 us");
        assert_eq!(l.loss, 0.0, "loss defaulted to 0");
        let e = parse::<LinkConfig>("rat = \"1Gbps\"").expect_err("typo");
        assert!(e.contains("unknown field `rat`"), "{e}");
        let e = parse::<LinkOverrides>("qeue = \"1p\"").expect_err("typo");
        assert!(e.contains("unknown field `qeue`"), "{e}");
    }

    /// Overrides replace exactly the keys given and keep the base's others.
    #[test]
    fn overrides_replace_only_given_keys() {
        let base = LinkConfig {
            loss: 0.25,
            ..LinkConfig::new(DataRate::gbps(10), SimTime::from_us(5))
        };
        let o: LinkOverrides = parse("rate = \"100Mbps\"").expect("valid");
        let l = o.over(base);
        assert_eq!(l.rate, DataRate::mbps(100), "overridden");
        assert_eq!(
            (l.delay, l.queue, l.loss),
            (base.delay, base.queue, 0.25),
            "kept"
        );
    }

    /// Loss outside [0, 1] (or NaN) is refused, naming the field and the value.
    #[test]
    fn validate_names_the_loss_field() {
        for bad in [-0.1, 1.5, f64::NAN] {
            let e = LinkConfig {
                loss: bad,
                ..LinkConfig::default()
            }
            .validate()
            .expect_err("bad loss");
            assert_eq!(e.field, "loss");
            assert!(e.message.contains(&format!("not {bad}")), "{e}");
        }
        assert!(LinkConfig::default().validate().is_ok(), "loss 0 is fine");
        let one = LinkConfig {
            loss: 1.0,
            ..LinkConfig::default()
        };
        assert!(one.validate().is_ok(), "loss 1 is a valid probability");
    }
}
