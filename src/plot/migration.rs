//! `plots/migration-<vm>.svg`: a migration's timeline — one bar per round (its start to its
//! end, labelled with the megabytes it carried), the pause → resume interval shaded — above
//! the migration connection's congestion window on the same time axis (seed 002 Figs. 7–8).

use std::path::Path;

use plotters::prelude::*;

use super::{PlotError, si, span};

/// One round as `timeseries/migration-<vm>.csv` records it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Round {
    /// Round index.
    pub index: u32,
    /// Start [s].
    pub start_s: f64,
    /// End [s].
    pub end_s: f64,
    /// Bytes sent in the round.
    pub bytes: u64,
}

/// A migration's rounds and its pause → resume interval [s], if it paused.
pub type Timeline = (Vec<Round>, Option<(f64, f64)>);

/// A migration's rounds and pause from `timeseries/migration-<vm>.csv` (the first migration
/// of the VM in the file). Returns `(line, message)` on a malformed line.
pub fn parse(text: &str) -> Result<Timeline, (usize, String)> {
    let mut rounds = Vec::new();
    let mut pause = None;
    // The `migration` column is the migration's index among all `[[migration]]` entries, not
    // among this VM's: the first row names the VM's first migration.
    let mut first: Option<String> = None;
    for (i, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != 9 {
            return Err((i + 1, format!("expected 9 fields, found {}", f.len())));
        }
        if *first.get_or_insert_with(|| f[0].to_owned()) != f[0] {
            break;
        }
        let num = |k: usize| {
            f[k].parse::<f64>().map_err(|_| {
                (
                    i + 1,
                    format!("field {} is not a number: `{}`", k + 1, f[k]),
                )
            })
        };
        rounds.push(Round {
            index: num(1)? as u32,
            start_s: num(2)?,
            end_s: num(3)?,
            bytes: num(4)? as u64,
        });
        if let (Ok(p), Ok(r)) = (f[7].parse::<f64>(), f[8].parse::<f64>()) {
            pause = Some((p, r));
        }
    }
    Ok((rounds, pause))
}

/// Draws the timeline of `vm` into `path`; `cwnd` is (time [s], cwnd [bytes]).
pub fn draw(
    vm: &str,
    rounds: &[Round],
    pause: Option<(f64, f64)>,
    cwnd: &[(f64, f64)],
    path: &Path,
) -> Result<(), PlotError> {
    let mut svg = String::new();
    draw_into(vm, rounds, pause, cwnd, &mut svg).map_err(|message| PlotError::Write {
        path: path.to_path_buf(),
        message,
    })?;
    std::fs::write(path, svg).map_err(|e| PlotError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn draw_into(
    vm: &str,
    rounds: &[Round],
    pause: Option<(f64, f64)>,
    cwnd: &[(f64, f64)],
    svg: &mut String,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<std::io::Error>| e.to_string();
    let root = SVGBackend::with_string(svg, (1100, 700)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let (top, bottom) = root.split_vertically(380);
    let first = rounds.first().map_or(0.0, |r| r.start_s);
    let last = rounds.iter().map(|r| r.end_s).fold(first, f64::max);
    let (x0, x1) = span([first, last].into_iter(), false);
    let n = rounds.len().max(1) as f64;
    let mut upper = ChartBuilder::on(&top)
        .caption(format!("migration of {vm}: rounds"), ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(36)
        .y_label_area_size(72)
        .build_cartesian_2d(x0..x1, -0.5..n - 0.5)
        .map_err(e)?;
    upper
        .configure_mesh()
        .x_desc("time [s]")
        .y_desc("round")
        .x_label_formatter(&|v| si(*v))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .y_labels(rounds.len().clamp(1, 12))
        .axis_desc_style(("sans-serif", 16))
        .draw()
        .map_err(e)?;
    if let Some((p, r)) = pause {
        upper
            .draw_series([Rectangle::new(
                [(p, -0.5), (r, n - 0.5)],
                RED.mix(0.2).filled(),
            )])
            .map_err(e)?
            .label("paused (downtime)")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], RED.mix(0.2).filled()));
    }
    let blue = BLUE.mix(0.7);
    upper
        .draw_series(rounds.iter().map(|r| {
            let y = r.index as f64;
            Rectangle::new([(r.start_s, y - 0.35), (r.end_s, y + 0.35)], blue.filled())
        }))
        .map_err(e)?
        .label("round (sending)")
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], blue.filled()));
    upper
        .draw_series(rounds.iter().map(|r| {
            Text::new(
                format!("{:.1} MB", r.bytes as f64 / 1e6),
                (r.end_s, r.index as f64),
                ("sans-serif", 13).into_font(),
            )
        }))
        .map_err(e)?;
    upper
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(e)?;
    let (y0, y1) = span(cwnd.iter().map(|p| p.1), true);
    let mut lower = ChartBuilder::on(&bottom)
        .caption(
            "migration connection: congestion window",
            ("sans-serif", 18),
        )
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(72)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(e)?;
    lower
        .configure_mesh()
        .x_desc("time [s]")
        .y_desc("cwnd [bytes]")
        .x_label_formatter(&|v| si(*v))
        .y_label_formatter(&|v| si(*v))
        .axis_desc_style(("sans-serif", 16))
        .draw()
        .map_err(e)?;
    lower
        .draw_series(LineSeries::new(
            cwnd.iter().copied().filter(|p| p.0 >= x0 && p.0 <= x1),
            BLUE.stroke_width(2),
        ))
        .map_err(e)?;
    root.present().map_err(e)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The writer's CSV is read back: the first migration's rounds and its pause.
    #[test]
    fn parses_the_round_csv() {
        let text = "migration,round,start_s,end_s,bytes,pages_sent,pages_dirtied_during,paused_s,resumed_s\n\
                    0,0,0.5,1.6,134217728,32768,5186,1.85,1.92\n\
                    0,1,1.6,1.85,21241856,5186,877,1.85,1.92\n\
                    1,0,3.0,4.0,1,1,1,,\n";
        let (rounds, pause) = parse(text).unwrap();
        assert_eq!(rounds.len(), 2);
        assert_eq!(rounds[1].bytes, 21_241_856);
        assert_eq!(pause, Some((1.85, 1.92)));
        assert_eq!(parse("h\n0,1\n").unwrap_err().0, 2);
    }

    /// A VM whose first migration is not the scenario's first (`migration` column 1, 2, …)
    /// still gets its rounds drawn: the file's first migration is the one drawn.
    #[test]
    fn parses_a_vm_whose_first_migration_is_not_the_first_entry() {
        let text = "migration,round,start_s,end_s,bytes,pages_sent,pages_dirtied_during,paused_s,resumed_s\n\
                    2,0,20.0,22.2,268435456,65536,4344,22.4,24.5\n\
                    2,1,22.2,22.4,17793024,4344,296,22.4,24.5\n\
                    5,0,40.0,41.0,1,1,1,,\n";
        let (rounds, pause) = parse(text).unwrap();
        assert_eq!(rounds.len(), 2);
        assert_eq!(rounds[0].start_s, 20.0);
        assert_eq!(pause, Some((22.4, 24.5)));
    }
}
