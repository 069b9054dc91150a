//! Empirical flow-size distributions: a piecewise-linear CDF over sizes in bytes, sampled by
//! inverse transform, as the HPCC repository's `traffic_gen/custom_rand.py` does.
//!
//! Bundled distributions (each point is (size in bytes, cumulative probability)):
//!
//! * `websearch` — the web-search workload of the DCTCP paper (Alizadeh et al., SIGCOMM
//!   2010, Fig. 4), as tabulated in HPCC's `traffic_gen/WebSearch_distribution.txt`
//!   (alibaba-edu/High-Precision-Congestion-Control).
//! * `datamining` — the data-mining workload of VL2 (Greenberg et al., SIGCOMM 2009, Fig. 2),
//!   as tabulated in `Figure1_traffic/datamining.csv` of TritonNetworking/opera-sim (the CDF
//!   pFabric and Homa use).
//! * `hadoop` — Facebook's Hadoop cluster (Roy et al., SIGCOMM 2015), as tabulated in HPCC's
//!   `traffic_gen/FbHdp_distribution.txt`.
//!
//! A user CDF is a text file with one `size, probability` pair per line (comma or blanks
//! between; `#` starts a comment); probabilities are fractions ending at 1 or percentages
//! ending at 100, sizes and probabilities non-decreasing.

use std::fmt;

use sim_core::RngStream;

/// A bundled distribution's name and points (size in bytes, cumulative percent).
const BUNDLED: &[(&str, &[(u64, f64)])] = &[
    (
        "websearch",
        &[
            (0, 0.0),
            (10_000, 15.0),
            (20_000, 20.0),
            (30_000, 30.0),
            (50_000, 40.0),
            (80_000, 53.0),
            (200_000, 60.0),
            (1_000_000, 70.0),
            (2_000_000, 80.0),
            (5_000_000, 90.0),
            (10_000_000, 97.0),
            (30_000_000, 100.0),
        ],
    ),
    (
        "datamining",
        &[
            (100, 0.0),
            (180, 8.5),
            (250, 14.0),
            (560, 33.0),
            (900, 47.0),
            (1_100, 55.0),
            (1_870, 65.0),
            (3_160, 70.0),
            (10_000, 80.0),
            (100_001, 87.4),
            (400_000, 90.0),
            (1_850_000, 95.0),
            (10_000_000, 97.0),
            (30_000_000, 98.0),
            (100_000_000, 99.0),
            (250_000_000, 99.5),
            (1_000_000_000, 100.0),
        ],
    ),
    (
        "hadoop",
        &[
            (0, 0.0),
            (100, 1.0),
            (200, 2.0),
            (300, 5.0),
            (350, 15.0),
            (400, 20.0),
            (500, 30.0),
            (600, 40.0),
            (700, 50.0),
            (1_000, 60.0),
            (2_000, 67.0),
            (7_000, 70.0),
            (30_000, 72.0),
            (50_000, 82.0),
            (80_000, 87.0),
            (120_000, 90.0),
            (300_000, 95.0),
            (1_000_000, 97.5),
            (2_000_000, 99.0),
            (10_000_000, 100.0),
        ],
    ),
];

/// The names of the bundled distributions.
pub const BUNDLED_NAMES: [&str; 3] = ["websearch", "datamining", "hadoop"];

/// A flow-size CDF: sizes (bytes) with cumulative probabilities in [0, 1], both
/// non-decreasing, the last probability 1.
#[derive(Clone, Debug, PartialEq)]
pub struct SizeCdf {
    points: Vec<(u64, f64)>,
}

/// What is wrong with a CDF file (or, from [`SizeCdf::parse_with_doubt`], doubtful), and on
/// which line (from 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CdfError {
    /// The line at fault (0: the file as a whole).
    pub line: usize,
    /// A whole sentence.
    pub message: String,
}

impl fmt::Display for CdfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

impl SizeCdf {
    /// A bundled distribution by name.
    pub fn bundled(name: &str) -> Option<SizeCdf> {
        BUNDLED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, pts)| SizeCdf {
                points: pts.iter().map(|&(s, p)| (s, p / 100.0)).collect(),
            })
    }

    /// Reads a CDF from the text of a file (see the module docs for the format).
    pub fn parse(text: &str) -> Result<SizeCdf, CdfError> {
        Self::parse_with_doubt(text).map(|(cdf, _)| cdf)
    }

    /// Like [`SizeCdf::parse`], and also says what is valid but doubtful: a file whose last
    /// probability is 100 (so the file is read in percent) while every other probability is
    /// at most 1 — fractions ended at 100 by mistake, in which 0.9 would be read as 0.9 %.
    pub fn parse_with_doubt(text: &str) -> Result<(SizeCdf, Option<CdfError>), CdfError> {
        let mut raw: Vec<(usize, u64, f64)> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|f| !f.is_empty())
                .collect();
            let err = |message: String| CdfError { line: n, message };
            if fields.len() != 2 {
                return Err(err(format!(
                    "expected two values, `size, probability`, found {}",
                    fields.len()
                )));
            }
            let size = parse_size(fields[0])
                .ok_or_else(|| err(format!("`{}` is not a size in bytes", fields[0])))?;
            let p: f64 = fields[1]
                .parse()
                .ok()
                .filter(|p: &f64| p.is_finite() && *p >= 0.0)
                .ok_or_else(|| err(format!("`{}` is not a probability", fields[1])))?;
            if let Some(&(_, s0, p0)) = raw.last() {
                if size < s0 {
                    return Err(err(format!("sizes must not decrease: {size} follows {s0}")));
                }
                if p < p0 {
                    return Err(err(format!(
                        "the CDF is not monotone: probability {p} follows {p0}"
                    )));
                }
            }
            raw.push((n, size, p));
        }
        let Some(&(last_line, _, last)) = raw.last() else {
            return Err(CdfError {
                line: 0,
                message: "the file has no `size, probability` lines".into(),
            });
        };
        let scale = if last == 1.0 {
            1.0
        } else if last == 100.0 {
            100.0
        } else {
            return Err(CdfError {
                line: last_line,
                message: format!(
                    "the last probability is {last}: a CDF ends at 1 (or at 100 in percent)"
                ),
            });
        };
        if let Some(&(n, _, p)) = raw.iter().find(|(_, _, p)| *p > scale) {
            return Err(CdfError {
                line: n,
                message: format!("probability {p} is above {scale}"),
            });
        }
        if raw.iter().all(|&(_, s, _)| s == 0) {
            return Err(CdfError {
                line: last_line,
                message: "every size is zero".into(),
            });
        }
        let before_last = &raw[..raw.len() - 1];
        let doubt = (scale == 100.0
            && before_last.iter().any(|&(_, _, p)| p > 0.0)
            && before_last.iter().all(|&(_, _, p)| p <= 1.0))
        .then(|| {
            let (n, _, p) = *before_last
                .iter()
                .rfind(|&&(_, _, p)| p > 0.0)
                .expect("any");
            let as_fraction = format!("{:.6}", p * 100.0);
            let as_fraction = as_fraction.trim_end_matches('0').trim_end_matches('.');
            CdfError {
                line: last_line,
                message: format!(
                    "the last probability is 100, so the file is read in percent, but every \
                     other probability is at most 1: {p} on line {n} means {p} %, not \
                     {as_fraction} %"
                ),
            }
        });
        let cdf = SizeCdf {
            points: raw.into_iter().map(|(_, s, p)| (s, p / scale)).collect(),
        };
        Ok((cdf, doubt))
    }

    /// The points (size in bytes, cumulative probability in [0, 1]).
    pub fn points(&self) -> &[(u64, f64)] {
        &self.points
    }

    /// The size at cumulative probability `u` in [0, 1): linear between the points, at least
    /// one byte (HPCC's `getValueFromPercentile`).
    pub fn quantile(&self, u: f64) -> u64 {
        let pts = &self.points;
        let i = pts.partition_point(|&(_, p)| p <= u);
        let size = if i == 0 {
            pts[0].0 as f64
        } else if i >= pts.len() {
            pts[pts.len() - 1].0 as f64
        } else {
            let (s0, p0) = pts[i - 1];
            let (s1, p1) = pts[i];
            s0 as f64 + (u - p0) / (p1 - p0) * (s1 - s0) as f64
        };
        (size.round() as u64).max(1)
    }

    /// Draws a size from `rng`.
    pub fn sample(&self, rng: &mut RngStream) -> u64 {
        self.quantile(rng.next_f64())
    }

    /// The CDF at `size`: linear between the points (the distribution [`SizeCdf::quantile`]
    /// samples, before rounding).
    pub fn cdf(&self, size: f64) -> f64 {
        let pts = &self.points;
        let i = pts.partition_point(|&(s, _)| (s as f64) <= size);
        if i == 0 {
            return 0.0;
        }
        if i >= pts.len() {
            return 1.0;
        }
        let (s0, p0) = pts[i - 1];
        let (s1, p1) = pts[i];
        p0 + (size - s0 as f64) / (s1 - s0) as f64 * (p1 - p0)
    }

    /// The mean size in bytes (each linear piece contributes its probability times its
    /// midpoint).
    pub fn mean(&self) -> f64 {
        let mut first = self.points[0];
        // An atom at the first size (probability > 0 there).
        let mut mean = first.0 as f64 * first.1;
        for &(s, p) in &self.points[1..] {
            mean += (p - first.1) * (s as f64 + first.0 as f64) / 2.0;
            first = (s, p);
        }
        mean
    }
}

/// A size as written in a CDF file: a plain number of bytes (`1e6` style accepted when it is
/// a whole number).
fn parse_size(s: &str) -> Option<u64> {
    if let Ok(n) = s.parse::<u64>() {
        return Some(n);
    }
    let f: f64 = s.parse().ok()?;
    (f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < 1.0e19).then_some(f as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::RngStreams;

    /// The web-search mean is the one the HPCC generator's `getAvg` gives for the same
    /// table (about 1.6 MB), computed by hand from the trapezoids.
    #[test]
    fn websearch_mean_matches_the_trapezoids() {
        let cdf = SizeCdf::bundled("websearch").unwrap();
        let by_hand = 0.15 * 5_000.0
            + 0.05 * 15_000.0
            + 0.10 * 25_000.0
            + 0.10 * 40_000.0
            + 0.13 * 65_000.0
            + 0.07 * 140_000.0
            + 0.10 * 600_000.0
            + 0.10 * 1_500_000.0
            + 0.10 * 3_500_000.0
            + 0.07 * 7_500_000.0
            + 0.03 * 20_000_000.0;
        assert!(
            (cdf.mean() - by_hand).abs() < 1e-6,
            "{} vs {by_hand}",
            cdf.mean()
        );
    }

    /// Quantile and CDF are inverses between the points.
    #[test]
    fn quantile_inverts_the_cdf() {
        let cdf = SizeCdf::bundled("datamining").unwrap();
        for u in [0.1, 0.33, 0.5, 0.874, 0.99] {
            let s = cdf.quantile(u);
            assert!((cdf.cdf(s as f64) - u).abs() < 1e-3, "u {u} size {s}");
        }
    }

    /// Sizes drawn match the CDF (Kolmogorov–Smirnov, α = 0.01; the must-hold).
    #[test]
    fn drawn_sizes_pass_ks_against_the_cdf() {
        for name in BUNDLED_NAMES {
            let cdf = SizeCdf::bundled(name).unwrap();
            let mut rng = RngStreams::new(7).stream(&format!("test/{name}"));
            let mut xs: Vec<f64> = (0..20_000).map(|_| cdf.sample(&mut rng) as f64).collect();
            let d = super::super::ks::statistic(&mut xs, |x| cdf.cdf(x));
            // Rounding to whole bytes moves a draw by at most half a byte: the CDF a byte
            // either side bounds it.
            assert!(
                super::super::ks::passes(d, xs.len(), 0.01),
                "{name}: D = {d} over {}",
                xs.len()
            );
        }
    }

    /// A non-monotone, malformed or unterminated file is refused at the line at fault.
    #[test]
    fn bad_files_name_the_line() {
        let e = SizeCdf::parse("100, 0.1\n50, 0.5\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("decrease"), "{e}");
        let e = SizeCdf::parse("# sizes\n100 0.5\n200 0.4\n300 1\n").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("not monotone"), "{e}");
        let e = SizeCdf::parse("100 0.5\n200 x\n").unwrap_err();
        assert_eq!((e.line, e.message.contains("`x`")), (2, true), "{e}");
        let e = SizeCdf::parse("100 0.5 3\n").unwrap_err();
        assert_eq!(e.line, 1, "{e}");
        let e = SizeCdf::parse("100 0.5\n200 0.9\n").unwrap_err();
        assert!(e.message.contains("ends at 1"), "{e}");
        assert_eq!(SizeCdf::parse("# nothing\n").unwrap_err().line, 0);
        let ok = SizeCdf::parse("0 0\n1000, 50\n2000,100\n").unwrap();
        assert_eq!(ok.points(), &[(0, 0.0), (1000, 0.5), (2000, 1.0)]);
    }

    /// Fractions ended at 100 are read in percent, as written, with a doubt at the last line
    /// naming the last non-zero fraction; a true percent file, or fractions ended at 1, have
    /// none.
    #[test]
    fn fractions_ended_at_100_are_doubted() {
        let (cdf, doubt) = SizeCdf::parse_with_doubt("0, 0\n1000, 0.9\n2000, 100\n").unwrap();
        assert_eq!(cdf.points(), &[(0, 0.0), (1000, 0.9 / 100.0), (2000, 1.0)]);
        let doubt = doubt.expect("doubtful");
        assert_eq!(doubt.line, 3, "{doubt}");
        assert!(
            doubt
                .message
                .contains("0.9 on line 2 means 0.9 %, not 90 %"),
            "{doubt}"
        );
        for clean in [
            "0 0\n1000, 50\n2000,100\n",
            "0 0\n1000, 0.9\n2000, 1\n",
            "0 0\n2000, 100\n",
            "0 0\n1000 0.5\n1500 5\n2000 100\n",
        ] {
            let (_, doubt) = SizeCdf::parse_with_doubt(clean).unwrap();
            assert_eq!(doubt, None, "{clean:?}");
        }
    }
}
