//! Run plots from `timeseries/<flow>.csv` (header in `net_stack::trace::HEADER`).
//!
//! * cwnd: every row's `cwnd_bytes` at its `time_s` — rows are written every sample interval
//!   and on every cwnd or ssthresh change, so each step shows.
//! * throughput: `acked_bytes` is cumulative, so the throughput in a bin `[a, b)` is
//!   (acked(b) − acked(a)) × 8 / (b − a), where acked(t) is the value of the last row at or
//!   before t (0 before the first row). The run is cut into [`bins`] equal bins (at most
//!   [`MAX_BINS`], never shorter than the sample interval) and each bin's value is drawn at its
//!   middle. This is the rate at which the receiver acknowledged in-order data, i.e. the flow's
//!   goodput as its sender sees it; nothing is interpolated or invented.

use sim_core::SimTime;

use super::{Chart, Line};

/// One row of a flow's time series: the columns the plots use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// `time_s` (s).
    pub time_s: f64,
    /// `cwnd_bytes` (bytes); TCP flows only.
    pub cwnd_bytes: Option<u64>,
    /// Cumulative bytes (bytes): `acked_bytes` for TCP flows, `delivered_bytes` for others.
    pub acked_bytes: u64,
}

/// Most throughput bins in a run plot.
pub const MAX_BINS: u64 = 200;

/// Parses a time-series CSV; an error is (1-based line, message).
pub fn parse(text: &str) -> Result<Vec<Sample>, (usize, String)> {
    let mut lines = text.lines().enumerate();
    let header: Vec<&str> = match lines.next() {
        Some((_, h)) => h.split(',').collect(),
        None => return Ok(Vec::new()),
    };
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or((1, format!("no `{name}` column")))
    };
    let t = col("time_s")?;
    // TCP series carry cwnd and acknowledged bytes; other flows' series carry delivered bytes.
    let (c, a) = match col("cwnd_bytes") {
        Ok(c) => (Some(c), col("acked_bytes")?),
        Err(_) => (None, col("delivered_bytes")?),
    };
    let mut out = Vec::new();
    for (i, line) in lines {
        if line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        let get = |j: usize| f.get(j).copied().unwrap_or("");
        let bad = |j: usize| (i + 1, format!("bad `{}` value `{}`", header[j], get(j)));
        out.push(Sample {
            time_s: get(t).parse().map_err(|_| bad(t))?,
            cwnd_bytes: match c {
                Some(c) => Some(get(c).parse().map_err(|_| bad(c))?),
                None => None,
            },
            acked_bytes: get(a).parse().map_err(|_| bad(a))?,
        });
    }
    Ok(out)
}

/// Throughput bins for a run of `duration` sampled every `interval`.
pub fn bins(duration: SimTime, interval: SimTime) -> u64 {
    (duration.as_ps() / interval.as_ps().max(1)).clamp(1, MAX_BINS)
}

/// Throughput (bit/s) of one flow in `bins` equal bins over `[0, end_s)`, as (bin middle (s),
/// rate) points.
pub fn throughput(samples: &[Sample], end_s: f64, bins: u64) -> Vec<(f64, f64)> {
    let width = end_s / bins as f64;
    let mut next = 0; // first sample after the current bin edge
    let mut acked = 0u64; // acked(edge)
    let mut out = Vec::with_capacity(bins as usize);
    for j in 0..bins {
        let hi = if j + 1 == bins {
            end_s
        } else {
            (j + 1) as f64 * width
        };
        let before = acked;
        while next < samples.len() && samples[next].time_s <= hi {
            acked = samples[next].acked_bytes;
            next += 1;
        }
        let mid = (j as f64 + 0.5) * width;
        out.push((mid, acked.saturating_sub(before) as f64 * 8.0 / width));
    }
    out
}

/// `cwnd.svg`: one line per flow.
pub fn cwnd_chart(scenario: &str, series: &[(String, Vec<Sample>)]) -> Chart {
    Chart {
        title: format!("{scenario}: congestion window"),
        x_label: "time [s]".into(),
        y_label: "cwnd [bytes]".into(),
        x_categories: None,
        markers: false,
        lines: series
            .iter()
            .filter(|(_, s)| s.iter().any(|r| r.cwnd_bytes.is_some()))
            .map(|(name, s)| Line {
                name: name.clone(),
                points: s
                    .iter()
                    .filter_map(|r| Some((r.time_s, r.cwnd_bytes? as f64)))
                    .collect(),
                bars: Vec::new(),
            })
            .collect(),
    }
}

/// `throughput.svg`: one line per flow.
pub fn throughput_chart(
    scenario: &str,
    series: &[(String, Vec<Sample>)],
    end_s: f64,
    bins: u64,
) -> Chart {
    Chart {
        title: format!(
            "{scenario}: throughput (TCP: acknowledged, others: delivered bytes; {} ms bins)",
            super::si(end_s / bins as f64 * 1e3)
        ),
        x_label: "time [s]".into(),
        y_label: "throughput [bit/s]".into(),
        x_categories: None,
        markers: false,
        lines: series
            .iter()
            .map(|(name, s)| Line {
                name: name.clone(),
                points: throughput(s, end_s, bins),
                bars: Vec::new(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(time_s: f64, acked_bytes: u64) -> Sample {
        Sample {
            time_s,
            cwnd_bytes: Some(0),
            acked_bytes,
        }
    }

    /// Each bin's throughput is the growth of the cumulative acked bytes across the bin, so the
    /// bins add up to the total acknowledged: nothing is lost or invented between samples.
    #[test]
    fn throughput_is_the_growth_of_acked_bytes_per_bin() {
        let rows = [
            s(0.1, 0),
            s(0.3, 1000),
            s(0.5, 1000),
            s(0.7, 3000),
            s(1.0, 4000),
        ];
        let t = throughput(&rows, 1.0, 2);
        assert_eq!(
            t,
            vec![(0.25, 1000.0 * 8.0 / 0.5), (0.75, 3000.0 * 8.0 / 0.5)]
        );
        let total: f64 = t.iter().map(|p| p.1 * 0.5 / 8.0).sum();
        assert_eq!(total, 4000.0);
    }

    /// The parser takes columns by name from the header and names the line of a bad value.
    #[test]
    fn parse_reads_the_trace_header() {
        let text = format!(
            "{}0.001,14480,4294967295,,0.2,14480,0,0,0,sample\nx,1,1,,0,0,0,0,0,sample\n",
            net_stack::trace::HEADER
        );
        assert_eq!(parse(&text).unwrap_err().0, 3);
        let ok: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
        assert_eq!(
            parse(&ok).unwrap(),
            vec![Sample {
                time_s: 0.001,
                cwnd_bytes: Some(14480),
                acked_bytes: 0
            }]
        );
    }

    /// Bins never get shorter than the sample interval and never exceed MAX_BINS.
    #[test]
    fn bin_count() {
        assert_eq!(bins(SimTime::from_secs(5), SimTime::from_ms(10)), MAX_BINS);
        assert_eq!(bins(SimTime::from_ms(100), SimTime::from_ms(10)), 10);
        assert_eq!(bins(SimTime::from_ms(1), SimTime::from_ms(10)), 1);
    }
}

/// One row of a `timeseries/link-<a>-<b>.csv` (header in `net_stack::trace::LINK_HEADER`).
#[derive(Debug, Clone, PartialEq)]
pub struct LinkSample {
    /// `time_s` (s).
    pub time_s: f64,
    /// "a→b".
    pub direction: String,
    /// `queue_packets`: packets waiting at the sample time.
    pub queue_packets: u64,
    /// `utilisation`: share of the last interval spent serialising.
    pub utilisation: f64,
}

/// Parses a link series; errors give the 1-based line and what is wrong.
pub fn parse_link(text: &str) -> Result<Vec<LinkSample>, (usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() < 6 {
            return Err((i + 1, format!("expected 8 columns, found {}", f.len())));
        }
        let bad = |what: &str| (i + 1, format!("bad `{what}` value"));
        out.push(LinkSample {
            time_s: f[0].parse().map_err(|_| bad("time_s"))?,
            direction: format!("{}→{}", f[1], f[2]),
            queue_packets: f[3].parse().map_err(|_| bad("queue_packets"))?,
            utilisation: f[5].parse().map_err(|_| bad("utilisation"))?,
        });
    }
    Ok(out)
}

/// Queue depth (packets) or utilisation over time, one line per link direction.
pub fn link_chart(scenario: &str, links: &[(String, Vec<LinkSample>)], queue: bool) -> Chart {
    let mut lines = Vec::new();
    for (link, rows) in links {
        let mut dirs: Vec<&str> = rows.iter().map(|r| r.direction.as_str()).collect();
        dirs.dedup();
        dirs.sort();
        dirs.dedup();
        for dir in dirs {
            let points = rows
                .iter()
                .filter(|r| r.direction == dir)
                .map(|r| {
                    let y = if queue {
                        r.queue_packets as f64
                    } else {
                        r.utilisation
                    };
                    (r.time_s, y)
                })
                .collect();
            lines.push(Line {
                name: format!("{link} {dir}"),
                points,
                bars: Vec::new(),
            });
        }
    }
    Chart {
        title: if queue {
            format!("{scenario}: queue depth")
        } else {
            format!("{scenario}: link utilisation")
        },
        x_label: "time [s]".into(),
        y_label: if queue {
            "queue [packets]".into()
        } else {
            "utilisation [share of the interval]".into()
        },
        x_categories: None,
        markers: false,
        lines,
    }
}
