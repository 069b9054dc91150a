//! [`Delay`]: a random (or fixed) duration in integer picoseconds, and its scenario syntax.

use std::fmt;
use std::str::FromStr;

use sim_core::{QuantityError, RngStream, SimTime};
use thiserror::Error;

/// A processing delay: fixed, or drawn per use from a distribution.
///
/// Every sample is a whole number of picoseconds and never negative. Scenario files write a
/// delay as a string (see [`FromStr`](#impl-FromStr-for-Delay)): `"20us"`,
/// `"uniform(4us, 16.5us)"` or `"normal(4us, 101.43ns)"`; the [`Display`](fmt::Display) form
/// parses back to the same value, and serde uses that string both ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Delay {
    /// Always the same duration; draws no randomness.
    Fixed(SimTime),
    /// Uniform on the closed interval `[lo, hi]` of whole picoseconds (`lo ≤ hi`).
    Uniform {
        /// Smallest value.
        lo: SimTime,
        /// Largest value (inclusive).
        hi: SimTime,
    },
    /// Normal with the given mean and standard deviation, **truncated at zero by resampling**:
    /// a draw below zero is thrown away and drawn again, so the result is the normal
    /// distribution conditioned on being non-negative. (Clamping to zero instead would put a
    /// point mass at 0 µs — a switch that sometimes takes no time at all.) When `mean` is many
    /// `sd` above zero this changes nothing measurable; when it is not, the effective mean is
    /// larger than `mean`, and [`Delay::mean`] reports the effective one.
    Normal {
        /// Mean of the untruncated normal.
        mean: SimTime,
        /// Standard deviation of the untruncated normal.
        sd: SimTime,
    },
}

impl Delay {
    /// No delay.
    pub const ZERO: Delay = Delay::Fixed(SimTime::ZERO);

    /// Draws one delay. `Fixed` draws nothing from `rng`; `Uniform` draws one integer (exact,
    /// unbiased, both ends included); `Normal` takes one [`RngStream::standard_normal`] per
    /// attempt (Box–Muller on two [`RngStream::next_f64`] values) and rounds to the nearest
    /// picosecond.
    ///
    /// The normal draw uses sim-core's `ln` and `cos` built from IEEE basic operations
    /// ([`sim_core::dist`]), not the platform's maths library, so every platform draws the
    /// same picoseconds.
    pub fn sample(&self, rng: &mut RngStream) -> SimTime {
        match *self {
            Delay::Fixed(t) => t,
            Delay::Uniform { lo, hi } => {
                let span = hi.as_ps() - lo.as_ps();
                let off = if span == u64::MAX {
                    rng.next_u64()
                } else {
                    rng.below(span + 1)
                };
                SimTime::from_ps(lo.as_ps() + off)
            }
            Delay::Normal { mean, sd } => {
                if sd == SimTime::ZERO {
                    return mean;
                }
                let (mu, sigma) = (mean.as_ps() as f64, sd.as_ps() as f64);
                // At least half of all draws are ≥ mean ≥ 0, so this loop ends after two
                // attempts on average whatever the parameters.
                loop {
                    let z = rng.standard_normal();
                    let x = (mu + sigma * z).round();
                    if x >= 0.0 {
                        // `as` saturates, so an absurd draw becomes SimTime::MAX ("never").
                        return SimTime::from_ps(x as u64);
                    }
                }
            }
        }
    }

    /// The expected value of [`Delay::sample`], rounded to the nearest picosecond.
    ///
    /// For `Normal` this is the mean of the normal truncated at zero,
    /// `μ + σ·φ(α) / (1 − Φ(α))` with `α = −μ/σ`: within 1.5·10⁻⁶ σ of `mean` when `mean` is
    /// at least 5 `sd` above zero, and within 10⁻¹¹ σ from 7 `sd`.
    pub fn mean(&self) -> SimTime {
        match *self {
            Delay::Fixed(t) => t,
            Delay::Uniform { lo, hi } => {
                let sum = lo.as_ps() as u128 + hi.as_ps() as u128;
                SimTime::from_ps(sum.div_ceil(2) as u64)
            }
            Delay::Normal { mean, sd } => {
                if sd == SimTime::ZERO {
                    return mean;
                }
                let (mu, sigma) = (mean.as_ps() as f64, sd.as_ps() as f64);
                let alpha = -mu / sigma;
                let pdf = (-0.5 * alpha * alpha).exp() / (std::f64::consts::TAU).sqrt();
                let survival = 0.5 * erfc(alpha / std::f64::consts::SQRT_2);
                SimTime::from_ps((mu + sigma * pdf / survival).round() as u64)
            }
        }
    }
}

/// Complementary error function, Chebyshev fit with fractional error below 1.2e-7 everywhere
/// (Press et al., *Numerical Recipes*, §6.2 `erfcc`). Only [`Delay::mean`] uses it, for
/// reporting; no sample depends on it.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// Why a delay string did not parse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DelayParseError {
    /// A time inside the string is not a time.
    #[error("in delay `{input}`: {source}")]
    Time {
        /// The whole delay string.
        input: String,
        /// What was wrong with the time.
        source: QuantityError,
    },
    /// `name(…)` with a name other than `uniform` or `normal`.
    #[error(
        "unknown distribution `{name}` in delay `{input}`; expected a time such as \"20us\", \
         uniform(lo, hi) or normal(mean, sd)"
    )]
    UnknownDistribution {
        /// The whole delay string.
        input: String,
        /// The distribution name found.
        name: String,
    },
    /// Missing closing parenthesis or text after it.
    #[error("delay `{input}` is not of the form name(a, b)")]
    Syntax {
        /// The whole delay string.
        input: String,
    },
    /// Not exactly two arguments.
    #[error("delay `{input}`: {name} takes 2 arguments, found {found}")]
    Arity {
        /// The whole delay string.
        input: String,
        /// The distribution name.
        name: &'static str,
        /// How many comma-separated arguments there were.
        found: usize,
    },
    /// `uniform(lo, hi)` with `lo > hi`.
    #[error("delay `{input}`: lower bound {lo} exceeds upper bound {hi}")]
    Inverted {
        /// The whole delay string.
        input: String,
        /// The lower bound given.
        lo: SimTime,
        /// The upper bound given.
        hi: SimTime,
    },
}

impl FromStr for Delay {
    type Err = DelayParseError;

    /// Parses `"20us"` (fixed; any [`SimTime`] syntax, a plain number meaning seconds),
    /// `"uniform(4us, 16.5us)"` or `"normal(4us, 1us)"`. Names are case-insensitive and
    /// spaces around the parts are ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let input = s.trim();
        let time = |t: &str| {
            t.trim()
                .parse::<SimTime>()
                .map_err(|source| DelayParseError::Time {
                    input: input.to_string(),
                    source,
                })
        };
        let Some((name, rest)) = input.split_once('(') else {
            return time(input).map(Delay::Fixed);
        };
        let syntax = || DelayParseError::Syntax {
            input: input.to_string(),
        };
        let args = rest.strip_suffix(')').ok_or_else(syntax)?;
        if args.contains(['(', ')']) {
            return Err(syntax());
        }
        let name = match name.trim().to_ascii_lowercase().as_str() {
            "uniform" => "uniform",
            "normal" => "normal",
            _ => {
                return Err(DelayParseError::UnknownDistribution {
                    input: input.to_string(),
                    name: name.trim().to_string(),
                });
            }
        };
        let parts: Vec<&str> = args.split(',').collect();
        let [a, b] = parts[..] else {
            return Err(DelayParseError::Arity {
                input: input.to_string(),
                name,
                found: parts.len(),
            });
        };
        let (a, b) = (time(a)?, time(b)?);
        if name == "uniform" {
            if a > b {
                return Err(DelayParseError::Inverted {
                    input: input.to_string(),
                    lo: a,
                    hi: b,
                });
            }
            Ok(Delay::Uniform { lo: a, hi: b })
        } else {
            Ok(Delay::Normal { mean: a, sd: b })
        }
    }
}

impl fmt::Display for Delay {
    /// The scenario syntax, which [`FromStr`] parses back: `20us`, `uniform(4us, 16.5us)`,
    /// `normal(4us, 101.43ns)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Delay::Fixed(t) => write!(f, "{t}"),
            Delay::Uniform { lo, hi } => write!(f, "uniform({lo}, {hi})"),
            Delay::Normal { mean, sd } => write!(f, "normal({mean}, {sd})"),
        }
    }
}

sim_core::serde_as_string!(
    Delay,
    "a delay such as \"20us\", \"uniform(4us, 16.5us)\" or \"normal(4us, 1us)\""
);

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::RngStreams;

    fn rng() -> RngStream {
        RngStreams::new(7).stream("timing/test")
    }

    fn us(x: u64) -> SimTime {
        SimTime::from_us(x)
    }

    /// Sample mean of `n` draws, in picoseconds, and the extremes seen.
    fn stats(d: Delay, n: u32) -> (f64, SimTime, SimTime) {
        let mut r = rng();
        let (mut sum, mut min, mut max) = (0f64, SimTime::MAX, SimTime::ZERO);
        for _ in 0..n {
            let x = d.sample(&mut r);
            sum += x.as_ps() as f64;
            min = min.min(x);
            max = max.max(x);
        }
        (sum / n as f64, min, max)
    }

    /// A fixed delay is returned as is and consumes no randomness.
    #[test]
    fn fixed_draws_nothing() {
        let mut a = rng();
        let b = rng();
        assert_eq!(Delay::Fixed(us(20)).sample(&mut a), us(20));
        let mut b2 = b.clone();
        assert_eq!(
            a.next_u64(),
            b2.next_u64(),
            "Fixed must not advance the stream"
        );
        assert_eq!(Delay::Fixed(us(20)).mean(), us(20));
    }

    /// Uniform draws stay in [lo, hi], reach both ends of a tiny range, and average (lo+hi)/2.
    #[test]
    fn uniform_range_and_mean() {
        let d = Delay::Uniform {
            lo: us(4),
            hi: SimTime::from_ns(16_500),
        };
        let (mean, min, max) = stats(d, 200_000);
        assert!(
            min >= us(4) && max <= SimTime::from_ns(16_500),
            "{min}..{max}"
        );
        let want = d.mean().as_ps() as f64;
        assert_eq!(d.mean(), SimTime::from_ns(10_250));
        // sd of U(4, 16.5) µs is 3.6 µs; 200k draws give a standard error of 8 ns.
        assert!(
            (mean - want).abs() < 50_000.0,
            "mean {mean} ps vs {want} ps"
        );

        let tiny = Delay::Uniform {
            lo: SimTime::from_ps(5),
            hi: SimTime::from_ps(7),
        };
        let (_, min, max) = stats(tiny, 1000);
        assert_eq!((min, max), (SimTime::from_ps(5), SimTime::from_ps(7)));
        let point = Delay::Uniform {
            lo: us(3),
            hi: us(3),
        };
        assert_eq!(point.sample(&mut rng()), us(3));
    }

    /// A normal far from zero has the requested mean and sd.
    #[test]
    fn normal_mean_and_sd() {
        let d = Delay::Normal {
            mean: us(1000),
            sd: us(200),
        };
        let mut r = rng();
        let xs: Vec<f64> = (0..200_000)
            .map(|_| d.sample(&mut r).as_ps() as f64 / 1e6)
            .collect();
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!((m - 1000.0).abs() < 2.0, "mean {m} us");
        assert!((var.sqrt() - 200.0).abs() < 2.0, "sd {} us", var.sqrt());
        // Truncation at 5 sd below the mean shifts the true mean by σ·φ(5)/Φ(5) ≈ 297 ps.
        assert_eq!(d.mean(), us(1000) + SimTime::from_ps(297));
    }

    /// With sd ≫ mean (the paper's 4 µs / 101.43 µs reading) draws are never negative and
    /// their average matches the truncated-normal mean that `mean()` reports (≈ 82.4 µs).
    #[test]
    fn truncated_normal_never_negative_and_mean_matches() {
        let d = Delay::Normal {
            mean: us(4),
            sd: SimTime::from_ns(101_430),
        };
        let want = d.mean().as_ps() as f64;
        assert!((want / 1e6 - 82.4).abs() < 0.2, "truncated mean {want} ps");
        let (mean, min, _) = stats(d, 200_000);
        assert!(min >= SimTime::ZERO);
        // sd of the truncated normal is about 61 µs: standard error 0.14 µs.
        assert!(
            (mean - want).abs() < 1e6,
            "sample mean {mean} ps vs {want} ps"
        );
        // The same stream gives the same draws (determinism).
        let (a, b) = (stats(d, 100), stats(d, 100));
        assert_eq!(a.0.to_bits(), b.0.to_bits());
    }

    /// Good strings parse to the intended values and Display round-trips them.
    #[test]
    fn parses_good_strings() {
        let cases = [
            ("20us", Delay::Fixed(us(20))),
            ("0", Delay::ZERO),
            (
                " uniform( 4us , 16.5us ) ",
                Delay::Uniform {
                    lo: us(4),
                    hi: SimTime::from_ns(16_500),
                },
            ),
            (
                "Normal(4us, 101.43ns)",
                Delay::Normal {
                    mean: us(4),
                    sd: SimTime::from_ps(101_430),
                },
            ),
        ];
        for (s, want) in cases {
            let got: Delay = s.parse().unwrap_or_else(|e| panic!("{s:?}: {e}"));
            assert_eq!(got, want, "{s:?}");
            assert_eq!(
                got.to_string().parse::<Delay>(),
                Ok(got),
                "round trip of {got}"
            );
        }
        assert_eq!(
            Delay::Uniform {
                lo: us(4),
                hi: SimTime::from_ns(16_500)
            }
            .to_string(),
            "uniform(4us, 16.5us)"
        );
    }

    /// Bad strings give the error that names the problem.
    #[test]
    fn rejects_bad_strings() {
        let err = |s: &str| s.parse::<Delay>().unwrap_err();
        assert!(matches!(err("20 parsecs"), DelayParseError::Time { .. }));
        assert!(matches!(err(""), DelayParseError::Time { .. }));
        assert!(matches!(
            err("uniform(4us, x)"),
            DelayParseError::Time { .. }
        ));
        assert!(matches!(
            err("gamma(1us, 2us)"),
            DelayParseError::UnknownDistribution { .. }
        ));
        assert!(matches!(
            err("uniform(4us, 5us"),
            DelayParseError::Syntax { .. }
        ));
        assert!(matches!(
            err("uniform(4us, 5us) x"),
            DelayParseError::Syntax { .. }
        ));
        assert!(matches!(
            err("normal(4us)"),
            DelayParseError::Arity { found: 1, .. }
        ));
        assert!(matches!(
            err("uniform(1us, 2us, 3us)"),
            DelayParseError::Arity { found: 3, .. }
        ));
        assert!(matches!(
            err("uniform(5us, 4us)"),
            DelayParseError::Inverted { .. }
        ));
        let msg = err("gamma(1us, 2us)").to_string();
        assert!(msg.contains("uniform(lo, hi)"), "hint in {msg}");
    }

    /// erfc agrees with known values to the fit's accuracy.
    #[test]
    fn erfc_values() {
        for (x, want) in [
            (0.0, 1.0),
            (0.5, 0.479_500_122),
            (-1.0, 1.842_700_793),
            (2.0, 0.004_677_735),
        ] {
            assert!((erfc(x) - want).abs() < 1e-6, "erfc({x}) = {}", erfc(x));
        }
    }
}
