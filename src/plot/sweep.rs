//! Sweep plots: `--plot x=KEY,y=METRIC[,series=KEY[+KEY…]]` draws `DIR/plots/<y>-vs-<x>.svg`
//! (`<y>-vs-<x>-by-<series>.svg` with a series) from the rows of `sweep.csv`.
//!
//! * `x` and the `series` keys name swept keys (multi-valued `--set` keys) or `seed`; `y` names a
//!   metric column of `sweep.csv` (`flow.cbr0.goodput_bps`, `events`, …). All are checked
//!   before the sweep runs.
//! * Each drawn point is the **mean** of `y` over every row with that (x, series) value — the
//!   seeds, and any swept key named neither as x nor in series — with an error bar from the
//!   smallest to the largest of those values. Empty cells are left out of the mean.
//! * One line per series value, in the order the values first appear in `sweep.csv` (the order
//!   given); without `series`, one line. Several keys joined by `+` make one line per
//!   combination of their values (`series=vm.0.dirty_rate+controller.app`).
//! * The x axis is numeric when every x value is a number or a quantity of one kind (a rate
//!   `"100Mbps"` → bit/s, a time `"0.5s"` → s, a size `"20MB"` → bytes); otherwise each value
//!   is a category, in the order given.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use miette::Diagnostic;
use sim_core::{ByteSize, DataRate, SimTime};
use thiserror::Error;

use super::{Chart, Line, PlotError};

/// A bad `--plot` specification.
#[derive(Debug, Error, Diagnostic)]
#[error("--plot `{arg}`: {message}")]
#[diagnostic(code(netsim::sweep::plot_spec))]
pub struct PlotSpecError {
    /// The argument as given.
    pub arg: String,
    /// What is wrong.
    pub message: String,
    /// What is allowed.
    #[help]
    pub help: String,
}

/// One `--plot x=KEY,y=METRIC[,series=KEY[+KEY…]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlotSpec {
    /// The swept key (or `seed`) on the x axis.
    pub x: String,
    /// The metric column on the y axis.
    pub y: String,
    /// The swept keys (or `seed`) whose combined values make one line each; empty: one line.
    pub series: Vec<String>,
}

impl PlotSpec {
    /// Parses `arg`, checking `x` and `series` against `swept` (the swept keys and `seed`) and
    /// `y` against `metrics` (the metric columns of `sweep.csv`).
    pub fn parse(arg: &str, swept: &[String], metrics: &[String]) -> Result<Self, PlotSpecError> {
        let fail = |message: String, help: String| PlotSpecError {
            arg: arg.to_string(),
            message,
            help,
        };
        let usage = || "write --plot x=KEY,y=METRIC[,series=KEY[+KEY…]]".to_string();
        let (mut x, mut y, mut series) = (None, None, None);
        for part in arg.split(',') {
            let Some((k, v)) = part.split_once('=') else {
                return Err(fail(format!("`{part}` is not NAME=VALUE"), usage()));
            };
            let slot = match k.trim() {
                "x" => &mut x,
                "y" => &mut y,
                "series" => &mut series,
                other => {
                    return Err(fail(
                        format!("unknown part `{other}`"),
                        "the parts are x, y and series".into(),
                    ));
                }
            };
            if slot.replace(v.trim().to_string()).is_some() {
                return Err(fail(format!("`{}` is given twice", k.trim()), usage()));
            }
        }
        let (Some(x), Some(y)) = (x, y) else {
            return Err(fail("both x and y are required".into(), usage()));
        };
        let series: Vec<String> = match series {
            None => Vec::new(),
            Some(s) => s.split('+').map(|k| k.trim().to_string()).collect(),
        };
        let swept_help = || format!("the swept keys are: {}", swept.join(", "));
        for (i, key) in series.iter().enumerate() {
            if series[..i].contains(key) {
                return Err(fail(format!("series names `{key}` twice"), swept_help()));
            }
        }
        for key in std::iter::once(&x).chain(&series) {
            if !swept.contains(key) {
                return Err(fail(
                    format!("`{key}` is not a swept key"),
                    swept_help() + " (sweep a key with --set KEY=V1,V2,…)",
                ));
            }
        }
        if series.contains(&x) {
            return Err(fail(
                format!("`{x}` is both x and a series key"),
                swept_help(),
            ));
        }
        if !metrics.contains(&y) {
            return Err(fail(
                format!("`{y}` is not a column of sweep.csv"),
                format!("the metric columns are: {}", metrics.join(", ")),
            ));
        }
        Ok(PlotSpec { x, y, series })
    }

    /// The SVG file name: `<y>-vs-<x>.svg`, or `<y>-vs-<x>-by-<series>.svg`.
    pub fn file_name(&self) -> String {
        let safe = |s: &str| {
            s.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '=') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect::<String>()
        };
        if self.series.is_empty() {
            format!("{}-vs-{}.svg", safe(&self.y), safe(&self.x))
        } else {
            let by = self.series.join("+");
            format!(
                "{}-vs-{}-by-{}.svg",
                safe(&self.y),
                safe(&self.x),
                safe(&by)
            )
        }
    }
}

/// One drawn point: the mean of y over the rows that share an (x, series) value.
#[derive(Debug, Clone, PartialEq)]
pub struct MeanPoint {
    /// The x value as written in `sweep.csv`.
    pub x: String,
    /// Mean of y.
    pub mean: f64,
    /// Smallest y.
    pub min: f64,
    /// Largest y.
    pub max: f64,
    /// Rows averaged.
    pub n: usize,
}

/// One line: a series value (`None` without `series`) and its points in x order.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The series value: `key=value` for each series key, joined by `, `.
    pub value: Option<String>,
    /// Points, in the order the x values first appear.
    pub points: Vec<MeanPoint>,
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|e| e == s) {
        v.push(s.to_string());
    }
}

/// Builds the plotted data from `sweep.csv` `rows` (header first). An error is a message.
pub fn series(spec: &PlotSpec, rows: &[Vec<String>]) -> Result<Vec<Series>, String> {
    let Some((header, body)) = rows.split_first() else {
        return Ok(Vec::new());
    };
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("sweep.csv has no column `{name}`"))
    };
    let (xc, yc) = (col(&spec.x)?, col(&spec.y)?);
    let sc: Vec<usize> = spec
        .series
        .iter()
        .map(|k| col(k))
        .collect::<Result<_, _>>()?;
    // Several keys label a line by their last parts (`dirty_rate=5000, app=…`) when those
    // are distinct; one key, or clashing last parts, by the whole key.
    let short: Vec<&str> = spec
        .series
        .iter()
        .map(|k| k.rsplit('.').next().unwrap_or(k))
        .collect();
    let distinct = short
        .iter()
        .enumerate()
        .all(|(i, a)| !short[..i].contains(a));
    let names: Vec<&str> = if spec.series.len() > 1 && distinct {
        short
    } else {
        spec.series.iter().map(String::as_str).collect()
    };
    let label = |r: &[String]| {
        names
            .iter()
            .zip(&sc)
            .map(|(k, &c)| format!("{k}={}", r[c]))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut xs: Vec<String> = Vec::new();
    let mut ss: Vec<String> = Vec::new();
    for r in body {
        push_unique(&mut xs, &r[xc]);
        push_unique(&mut ss, &label(r));
    }
    let mut out = Vec::new();
    for s in &ss {
        let mut points = Vec::new();
        for x in &xs {
            let mut ys = Vec::new();
            for r in body {
                if r[xc] == *x && label(r) == *s && !r[yc].is_empty() {
                    ys.push(r[yc].parse::<f64>().map_err(|_| {
                        format!("`{}` in column `{}` is not a number", r[yc], spec.y)
                    })?);
                }
            }
            if ys.is_empty() {
                continue;
            }
            points.push(MeanPoint {
                x: x.clone(),
                mean: ys.iter().sum::<f64>() / ys.len() as f64,
                min: ys.iter().copied().fold(f64::INFINITY, f64::min),
                max: ys.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                n: ys.len(),
            });
        }
        out.push(Series {
            value: (!sc.is_empty()).then(|| s.clone()),
            points,
        });
    }
    Ok(out)
}

/// A value as a number with its unit, if it is one: a plain number, a rate, a time or a size.
fn numeric(v: &str) -> Option<(f64, &'static str)> {
    let v = v.trim().trim_matches('"');
    if let Ok(n) = v.parse::<f64>() {
        return Some((n, ""));
    }
    if let Ok(r) = DataRate::from_str(v) {
        return Some((r.bps() as f64, "bit/s"));
    }
    if let Ok(t) = SimTime::from_str(v) {
        return Some((t.as_secs_f64(), "s"));
    }
    ByteSize::from_str(v)
        .ok()
        .map(|b| (b.bytes() as f64, "bytes"))
}

/// The chart for `series`.
pub fn chart(spec: &PlotSpec, series: &[Series], seeds_note: &str) -> Chart {
    let xs: Vec<&String> = {
        let mut v: Vec<&String> = Vec::new();
        for p in series.iter().flat_map(|s| &s.points) {
            if !v.contains(&&p.x) {
                v.push(&p.x);
            }
        }
        v
    };
    let parsed: Option<Vec<(f64, &str)>> = xs.iter().map(|x| numeric(x)).collect();
    let unit = parsed
        .as_ref()
        .and_then(|p| p.first().map(|f| f.1))
        .filter(|u| parsed.iter().flatten().all(|p| p.1 == *u));
    let position = |x: &String| -> f64 {
        match unit {
            Some(_) => numeric(x).expect("numeric").0,
            None => xs.iter().position(|v| *v == x).expect("known x") as f64,
        }
    };
    let lines = series
        .iter()
        .map(|s| {
            let mut pts: Vec<(f64, &MeanPoint)> =
                s.points.iter().map(|p| (position(&p.x), p)).collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            Line {
                name: s.value.clone().unwrap_or_else(|| spec.y.clone()),
                points: pts.iter().map(|(x, p)| (*x, p.mean)).collect(),
                bars: pts.iter().map(|(_, p)| (p.min, p.max)).collect(),
            }
        })
        .collect();
    Chart {
        title: format!("{} vs {} ({seeds_note})", spec.y, spec.x),
        x_label: match unit {
            Some("") | None => spec.x.clone(),
            Some(u) => format!("{} [{u}]", spec.x),
        },
        y_label: spec.y.clone(),
        x_categories: match unit {
            Some(_) => None,
            None => Some(xs.iter().map(|s| s.to_string()).collect()),
        },
        markers: true,
        lines,
    }
}

/// Draws `spec` from the `sweep.csv` `rows` into `dir`; returns the file.
pub fn draw(spec: &PlotSpec, rows: &[Vec<String>], dir: &Path) -> Result<PathBuf, PlotError> {
    let path = dir.join(spec.file_name());
    let data = series(spec, rows).map_err(|message| PlotError::Parse {
        path: dir.with_file_name("sweep.csv"),
        line: 1,
        message,
    })?;
    let most = data
        .iter()
        .flat_map(|s| &s.points)
        .map(|p| p.n)
        .max()
        .unwrap_or(0);
    let note = if most > 1 {
        format!("mean of up to {most} runs per point; bars: min to max")
    } else {
        "one run per point".to_string()
    };
    super::draw(&chart(spec, &data, &note), &path)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str) -> Vec<Vec<String>> {
        crate::sweep::table::parse_csv(text)
    }

    /// Means, minima and maxima are over the rows sharing (x, series); x values keep the order
    /// given, and numeric quantities put the x axis in their unit.
    #[test]
    fn series_average_over_seeds() {
        let r = rows(
            "point,dir,rate,mode,seed,m\n\
             0,d,100Mbps,a,1,10\n1,d,100Mbps,a,2,20\n\
             2,d,300Mbps,a,1,30\n3,d,300Mbps,a,2,\n\
             4,d,100Mbps,b,1,1\n5,d,100Mbps,b,2,3\n",
        );
        let spec = PlotSpec {
            x: "rate".into(),
            y: "m".into(),
            series: vec!["mode".into()],
        };
        let s = series(&spec, &r).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].value.as_deref(), Some("mode=a"));
        let p = &s[0].points;
        assert_eq!(
            (p[0].mean, p[0].min, p[0].max, p[0].n),
            (15.0, 10.0, 20.0, 2)
        );
        assert_eq!((p[1].mean, p[1].n), (30.0, 1), "empty cells are left out");
        assert_eq!(s[1].points.len(), 1);
        let c = chart(&spec, &s, "");
        assert_eq!(c.x_label, "rate [bit/s]");
        assert_eq!(c.lines[0].points, vec![(100e6, 15.0), (300e6, 30.0)]);
        assert_eq!(c.lines[0].bars, vec![(10.0, 20.0), (30.0, 30.0)]);
    }

    /// `series=a+b` draws one line per combination of the two keys' values, in the order the
    /// combinations first appear, averaging over everything else (here the seeds).
    #[test]
    fn series_of_two_keys() {
        let r = rows(
            "point,size,en,app,seed,t\n\
             0,1,false,sp,1,10\n1,1,false,sp,2,12\n2,1,true,sp,1,8\n3,1,true,dr,1,5\n\
             4,2,false,sp,1,20\n5,2,true,sp,1,16\n6,2,true,dr,1,9\n",
        );
        let spec = PlotSpec {
            x: "size".into(),
            y: "t".into(),
            series: vec!["en".into(), "app".into()],
        };
        let s = series(&spec, &r).unwrap();
        let names: Vec<_> = s.iter().map(|l| l.value.clone().unwrap()).collect();
        assert_eq!(
            names,
            ["en=false, app=sp", "en=true, app=sp", "en=true, app=dr"]
        );
        let c = chart(&spec, &s, "");
        assert_eq!(c.lines[0].points, vec![(1.0, 11.0), (2.0, 20.0)]);
        assert_eq!(c.lines[2].points, vec![(1.0, 5.0), (2.0, 9.0)]);
        assert_eq!(c.lines[1].name, "en=true, app=sp");
        assert_eq!(spec.file_name(), "t-vs-size-by-en+app.svg");
    }

    /// Lines of several series keys are labelled by the keys' last parts unless two of those
    /// are the same.
    #[test]
    fn series_labels_shorten_distinct_keys() {
        let r = rows("x,a.rate,b.app,c.rate,m\n1,10,sp,5,1\n");
        let label = |keys: &[&str]| {
            let spec = PlotSpec {
                x: "x".into(),
                y: "m".into(),
                series: keys.iter().map(|k| k.to_string()).collect(),
            };
            series(&spec, &r).unwrap()[0].value.clone().unwrap()
        };
        assert_eq!(label(&["a.rate", "b.app"]), "rate=10, app=sp");
        assert_eq!(label(&["a.rate", "c.rate"]), "a.rate=10, c.rate=5");
        assert_eq!(label(&["a.rate"]), "a.rate=10");
    }

    /// Non-numeric x values become categories in the order given.
    #[test]
    fn categorical_x() {
        let r = rows("k,m\nreno,1\nnewreno,2\n");
        let spec = PlotSpec {
            x: "k".into(),
            y: "m".into(),
            series: Vec::new(),
        };
        let c = chart(&spec, &series(&spec, &r).unwrap(), "");
        assert_eq!(c.x_categories, Some(vec!["reno".into(), "newreno".into()]));
        assert_eq!(c.lines[0].points, vec![(0.0, 1.0), (1.0, 2.0)]);
    }

    /// x and series must be swept keys and y a metric column; each mistake names the allowed
    /// names.
    #[test]
    fn specs_are_checked() {
        let swept = ["flow.0.rate".to_string(), "seed".to_string()];
        let metrics = ["flow.cbr0.goodput_bps".to_string()];
        let two = PlotSpec::parse(
            "x=flow.0.rate,y=flow.cbr0.goodput_bps,series=seed",
            &swept,
            &metrics,
        );
        assert_eq!(two.unwrap().series, ["seed"]);
        let ok = PlotSpec::parse("x=flow.0.rate,y=flow.cbr0.goodput_bps", &swept, &metrics);
        assert_eq!(
            ok.unwrap().file_name(),
            "flow.cbr0.goodput_bps-vs-flow.0.rate.svg"
        );
        for bad in [
            "x=flow.1.rate,y=flow.cbr0.goodput_bps",
            "x=flow.0.rate,y=flow.cbr9.goodput_bps",
            "x=flow.0.rate",
            "x=flow.0.rate,y=flow.cbr0.goodput_bps,series=flow.0.rate",
            "x=seed,y=flow.cbr0.goodput_bps,colour=red",
            "x=seed,y=flow.cbr0.goodput_bps,series=flow.0.rate+flow.0.rate",
            "x=seed,y=flow.cbr0.goodput_bps,series=flow.0.rate+seed",
            "x=seed,y=flow.cbr0.goodput_bps,series=flow.0.rate+flow.1.rate",
        ] {
            assert!(PlotSpec::parse(bad, &swept, &metrics).is_err(), "{bad}");
        }
    }
}
