//! `plots/migration-<vm>.svg`: a migration's timeline — one bar per round (its start to its
//! end, labelled with the megabytes it carried, [`place_labels`]), the pause → resume interval
//! shaded — above the migration connection's congestion window on the same time axis (seed 002
//! Figs. 7–8). The rounds panel grows with the rounds so that their labels never overlap.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::label::{self, LabelBox, Placed};
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

/// Lays out and draws the timeline into a scratch SVG: where its own labels go — the title,
/// the legend's entries, then each round's label.
pub fn placed(vm: &str, rounds: &[Round], pause: Option<(f64, f64)>) -> Result<Placed, String> {
    draw_into(vm, rounds, pause, &[], &mut String::new())
}

/// Plotters font size of a round's label (the SVG says 13 / 1.24 = 10.5 px).
const ROUND_FONT: u32 = 13;
/// Plotters font size of the legend's entries.
const LEGEND_FONT: u32 = 13;
/// Plotters font size of the title.
const TITLE_FONT: u32 = 22;
/// Height of one round's row [px]: its label's line (13 px) and a gap.
const ROW_PX: u32 = 22;
/// Width of the image [px].
const WIDTH_PX: u32 = 1100;
/// Height of the congestion-window panel [px].
const CWND_PX: u32 = 320;
/// Least height of the rounds panel [px] (its height with up to 11 rounds).
const ROUNDS_MIN_PX: u32 = 380;
// The rounds panel, top down [px]: a margin, the title's band, the legend's band (the legend
// sits above the bars, where it cannot cover one or a label), then the chart, whose time axis
// takes `AXIS_PX`, and a margin.
/// Margin around the rounds panel [px].
const MARGIN_PX: i32 = 16;
/// Height of the title's band [px].
const TITLE_PX: i32 = 34;
/// Height of the legend's band [px].
const LEGEND_PX: i32 = 24;
/// Height of the rounds panel's time axis [px].
const AXIS_PX: u32 = 36;
/// Space between a round's bar and its label [px].
const LABEL_GAP_PX: i32 = 4;

/// The boxes of the rounds' labels, in `rounds` order: each `text` centred on its round's row
/// and right of the bar's end; left of the bar's start when it would run past the plotting
/// area `plot`'s right edge; at that right edge, over its own bar, when it fits neither side.
/// `px` maps (time [s], round) to the image [px]. Each box comes with the side its text is
/// anchored on (the box is an upper bound of the text's width: the text hugs the bar).
pub fn place_labels(
    rounds: &[Round],
    texts: &[String],
    px: impl Fn(f64, f64) -> (i32, i32),
    plot: LabelBox,
) -> Vec<(LabelBox, HPos)> {
    (rounds.iter().zip(texts))
        .map(|(r, text)| {
            let (end, y) = px(r.end_s, f64::from(r.index));
            let start = px(r.start_s, f64::from(r.index)).0;
            let right = LabelBox::left_of(text, ROUND_FONT, end + LABEL_GAP_PX, y);
            let left = LabelBox::right_of(text, ROUND_FONT, start - LABEL_GAP_PX, y);
            if right.x1 <= plot.x1 {
                (right, HPos::Left)
            } else if left.x0 >= plot.x0 {
                (left, HPos::Right)
            } else {
                let inside = LabelBox::right_of(text, ROUND_FONT, plot.x1 - LABEL_GAP_PX, y);
                (inside, HPos::Right)
            }
        })
        .collect()
}

fn draw_into(
    vm: &str,
    rounds: &[Round],
    pause: Option<(f64, f64)>,
    cwnd: &[(f64, f64)],
    svg: &mut String,
) -> Result<Placed, String> {
    let e = |e: DrawingAreaErrorKind<std::io::Error>| e.to_string();
    let n = rounds.len().max(1) as f64;
    // Enough height for `ROW_PX` a round.
    let fixed = (MARGIN_PX + TITLE_PX + LEGEND_PX + 6 + MARGIN_PX) as u32 + AXIS_PX;
    let top_px = ROUNDS_MIN_PX.max(fixed + ROW_PX * rounds.len() as u32);
    let image = (WIDTH_PX, top_px + CWND_PX);
    let root = SVGBackend::with_string(svg, image).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let (top, bottom) = root.split_vertically(top_px);
    let mut placed = Vec::new();
    // The title, centred in its band.
    let title = format!("migration of {vm}: rounds");
    let (cx, cy) = (WIDTH_PX as i32 / 2, MARGIN_PX + TITLE_PX / 2);
    let band = |y0: i32, h: i32| LabelBox {
        x0: 0,
        y0,
        x1: WIDTH_PX as i32,
        y1: y0 + h,
    };
    let w = label::text_width(&title, TITLE_FONT);
    let title_box = LabelBox::left_of(&title, TITLE_FONT, cx - w / 2, cy);
    placed.push((title_box, band(MARGIN_PX, TITLE_PX)));
    let centred = Pos::new(HPos::Center, VPos::Center);
    root.draw(&Text::new(
        title,
        (cx, cy),
        ("sans-serif", TITLE_FONT)
            .into_font()
            .color(&BLACK)
            .pos(centred),
    ))
    .map_err(e)?;
    let chart_area = top.margin(
        MARGIN_PX + TITLE_PX + LEGEND_PX + 6,
        MARGIN_PX,
        MARGIN_PX,
        MARGIN_PX,
    );
    let first = rounds.first().map_or(0.0, |r| r.start_s);
    let last = rounds.iter().map(|r| r.end_s).fold(first, f64::max);
    let (x0, x1) = span([first, last].into_iter(), false);
    let mut upper = ChartBuilder::on(&chart_area)
        .x_label_area_size(AXIS_PX)
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
    let red = RED.mix(0.2);
    if let Some((p, r)) = pause {
        upper
            .draw_series([Rectangle::new([(p, -0.5), (r, n - 0.5)], red.filled())])
            .map_err(e)?;
    }
    let blue = BLUE.mix(0.7);
    upper
        .draw_series(rounds.iter().map(|r| {
            let y = r.index as f64;
            Rectangle::new([(r.start_s, y - 0.35), (r.end_s, y + 0.35)], blue.filled())
        }))
        .map_err(e)?;
    let (xs, ys) = upper.plotting_area().get_pixel_range();
    let plot = LabelBox {
        x0: xs.start,
        y0: ys.start,
        x1: xs.end,
        y1: ys.end,
    };
    // The legend, left to right from the plot's left edge, in its band above the plot.
    let ly = MARGIN_PX + TITLE_PX + LEGEND_PX / 2;
    let mut lx = plot.x0;
    let entries = [
        pause.map(|_| ("paused (downtime)", red)),
        Some(("round (sending)", blue)),
    ];
    for (text, colour) in entries.into_iter().flatten() {
        root.draw(&Rectangle::new(
            [(lx, ly - 5), (lx + 20, ly + 5)],
            colour.filled(),
        ))
        .map_err(e)?;
        let b = LabelBox::left_of(text, LEGEND_FONT, lx + 26, ly);
        root.draw(&Text::new(
            text,
            (b.x0, ly),
            ("sans-serif", LEGEND_FONT)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(e)?;
        placed.push((b, band(MARGIN_PX + TITLE_PX, LEGEND_PX)));
        lx = b.x1 + 24;
    }
    let texts: Vec<String> = (rounds.iter())
        .map(|r| format!("{:.1} MB", r.bytes as f64 / 1e6))
        .collect();
    let labels = place_labels(rounds, &texts, |t, y| upper.backend_coord(&(t, y)), plot);
    for (text, &(b, anchor)) in texts.into_iter().zip(&labels) {
        let at = match anchor {
            HPos::Left => (b.x0, (b.y0 + b.y1) / 2),
            _ => (b.x1, (b.y0 + b.y1) / 2),
        };
        let style = ("sans-serif", ROUND_FONT)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(anchor, VPos::Center));
        root.draw(&Text::new(text, at, style)).map_err(e)?;
        placed.push((b, plot));
    }
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
    Ok(Placed {
        plot,
        image,
        labels: placed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Rounds back to back from `start` [s], each lasting the next of `durations` [s] and
    /// carrying `bytes`.
    fn rounds(start: f64, durations: &[f64], bytes: u64) -> Vec<Round> {
        let mut t = start;
        (durations.iter().enumerate())
            .map(|(i, d)| {
                let r = Round {
                    index: i as u32,
                    start_s: t,
                    end_s: t + d,
                    bytes,
                };
                t += d;
                r
            })
            .collect()
    }

    /// Panics unless the title, the legend and every round's label each have a box of their
    /// own, inside their region (a round's label inside the plotting area).
    fn assert_labels_apart(rounds: &[Round], pause: Option<(f64, f64)>) {
        let p = placed("vm1", rounds, pause).unwrap();
        let legend = 1 + usize::from(pause.is_some());
        assert_eq!(p.labels.len(), 1 + legend + rounds.len());
        if let Some(problem) = p.problem() {
            panic!("{problem}");
        }
    }

    /// The rounds of the bundled migration-fat-tree run (its `timeseries/migration-vm1.csv`):
    /// every label in its row, the last round's — its bar ends at the axis's end — left of
    /// its bar rather than past the plot's edge.
    #[test]
    fn bundled_rounds_labels_fit() {
        let csv = "migration,round,start_s,end_s,bytes,pages_sent,pages_dirtied_during,paused_s,resumed_s\n\
            0,0,0.500000000,1.636806814,134217728,32768,5186,1.850168564,1.921042604\n\
            0,1,1.636806814,1.814298767,21241856,5186,880,1.850168564,1.921042604\n\
            0,2,1.814298767,1.844658260,3604480,880,152,1.850168564,1.921042604\n\
            0,3,1.844658260,1.850168564,622592,152,27,1.850168564,1.921042604\n\
            0,4,1.850168564,1.921042604,8499200,27,0,1.850168564,1.921042604\n";
        let (r, pause) = parse(csv).unwrap();
        assert_labels_apart(&r, pause);
        let p = placed("vm1", &r, pause).unwrap();
        let (last, _) = *p.labels.last().unwrap();
        let (x0, x1) = span([0.5, 1.921042604].into_iter(), false);
        let at = (1.850168564 - x0) / (x1 - x0);
        let bar_start = p.plot.x0 + (f64::from(p.plot.x1 - p.plot.x0) * at) as i32;
        assert!(
            last.x1 < bar_start,
            "{last:?} left of the last bar in {:?}",
            p.plot
        );
        assert!(last.x0 > p.plot.x0);
    }

    /// 31 rounds (the default `max_rounds` of 30 and the stop-and-copy round) within 1 % of
    /// an axis that one long first round stretches: the rounds panel grows to `ROW_PX` a
    /// round and no two labels touch; a round spanning the whole axis keeps its label inside.
    #[test]
    fn thirty_one_crowded_rounds_get_a_row_each() {
        let mut d = vec![100.0];
        d.extend([0.03; 30]);
        assert_labels_apart(&rounds(0.0, &d, 1_000_000_000), None);
        let p = placed("vm1", &rounds(0.0, &d, 1), None).unwrap();
        assert!(p.plot.y1 - p.plot.y0 >= 31 * (ROW_PX as i32 - 1), "{p:?}");
        assert_labels_apart(&rounds(0.0, &[10.0], 123_456_789_000), Some((9.0, 10.0)));
    }

    proptest! {
        /// Whatever the rounds' durations (up to 31 rounds, from microseconds to minutes),
        /// sizes and pause, no two labels intersect and each stays in its region.
        #[test]
        fn labels_never_overlap(
            start in 0.0f64..100.0,
            durations in prop::collection::vec(1e-6f64..100.0, 1..32),
            bytes in 0u64..10_000_000_000_000,
            paused in any::<bool>(),
        ) {
            let r = rounds(start, &durations, bytes);
            let end = r.last().unwrap().end_s;
            assert_labels_apart(&r, paused.then_some((end - durations[durations.len() - 1], end)));
        }
    }

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
