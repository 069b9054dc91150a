//! `plots/network-migration.svg`: a whole-network migration's timeline (seed 001 Fig. 6) —
//! the phases (PREPARE_MIGRATION, each host position's move, MIGRATE_SWITCHES) as markers and
//! each VM migration as a bar, a row each named left of the axis ([`layout`]), above the first
//! TCP flow of `trace.timeseries` (its throughput and, below, its smoothed RTT) and the first
//! ping flow (each answered echo's RTT at the time it was sent, one point per echo), on the
//! same time axis.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::label::{self, LabelBox, Placed};
use super::{PlotError, si, span};

/// What the timeline shows.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    /// Title.
    pub title: String,
    /// End of the run [s].
    pub end_s: f64,
    /// (label, time [s]) of each phase command that ran.
    pub phases: Vec<(String, f64)>,
    /// (VM, start [s], end [s], or the end of the run) of each migration.
    pub migrations: Vec<(String, f64, f64)>,
    /// The TCP flow's panels, if the run traced one.
    pub tcp: Option<Tcp>,
    /// The ping flow's name and (send time [s], RTT [s]) of each answered echo, if the run
    /// had a ping flow.
    pub ping: Option<(String, Vec<(f64, f64)>)>,
}

/// A TCP flow's series for the timeline.
#[derive(Debug, Clone, Default)]
pub struct Tcp {
    /// Flow name.
    pub name: String,
    /// (bin middle [s], throughput [bit/s]).
    pub throughput: Vec<(f64, f64)>,
    /// (time [s], smoothed RTT [s]).
    pub rtt: Vec<(f64, f64)>,
}

/// (time [s], `srtt_s`) of every row of a TCP time series that has one.
pub fn srtt(text: &str) -> Vec<(f64, f64)> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let (Some(t), Some(r)) = (
        header.iter().position(|h| *h == "time_s"),
        header.iter().position(|h| *h == "srtt_s"),
    ) else {
        return Vec::new();
    };
    lines
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Some((f.get(t)?.parse().ok()?, f.get(r)?.parse().ok()?))
        })
        .collect()
}

/// Draws `tl` into `path`.
pub fn draw(tl: &Timeline, path: &Path) -> Result<(), PlotError> {
    let mut svg = String::new();
    draw_into(tl, &mut svg).map_err(|message| PlotError::Write {
        path: path.to_path_buf(),
        message,
    })?;
    std::fs::write(path, svg).map_err(|e| PlotError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Plotters font size of the row labels (the SVG says 14 / 1.24 = 11.3 px).
const LABEL_FONT: u32 = 14;
/// Height of one row of the upper panel [px]: a label's line (14 px) and a gap.
const ROW_PX: u32 = 22;
/// Height of each lower panel, and the least height of the upper one [px].
const PANEL_PX: u32 = 300;
/// The upper panel's height besides its rows [px]: margins, caption and time axis.
const TOP_OVERHEAD_PX: u32 = 110;
/// Width of the image [px].
const WIDTH_PX: u32 = 1100;
/// Space between a row label and the plotting area [px].
const LABEL_GAP_PX: i32 = 8;
/// Least width of the label area left of every panel [px]: the lower panels' tick labels
/// and unit.
const MIN_LABEL_AREA_PX: u32 = 72;

/// What a row of the upper panel shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mark {
    /// A phase command, at its time [s]: a marker in its row and a line across the panel.
    Phase(f64),
    /// A migration from its start to its end [s]: a bar.
    Migration(f64, f64),
}

/// A row of the upper panel: its label (left of the axis) and what it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The label.
    pub label: String,
    /// The phase or migration.
    pub mark: Mark,
}

/// The upper panel as a Gantt chart: one row per phase and per migration, named left of the
/// axis. Phases come close together (a fat-tree's host positions move a fraction of a second
/// apart, and a move can coincide with the next migration's start), so a label drawn at its
/// event's time collides with its neighbours whatever the stagger; a row each cannot collide,
/// at any times, and the rows read top to bottom in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// The rows, top to bottom.
    pub rows: Vec<Row>,
    /// Width of the label area left of every panel [px] (the same for all, so that they share
    /// the time axis).
    pub label_area_px: u32,
    /// Height of the upper panel [px]: enough for `ROW_PX` a row.
    pub top_px: u32,
}

/// Lays out the upper panel of `tl`: phases and migrations in time order (a migration at its
/// start; at equal times phases first, then in input order).
pub fn layout(tl: &Timeline) -> Layout {
    let mut rows: Vec<(f64, Row)> = (tl.phases.iter())
        .map(|(label, t)| {
            let (label, mark) = (label.clone(), Mark::Phase(*t));
            (*t, Row { label, mark })
        })
        .chain(tl.migrations.iter().map(|(vm, a, b)| {
            let mark = Mark::Migration(*a, *b);
            let label = format!("migration of {vm}");
            (*a, Row { label, mark })
        }))
        .collect();
    // A stable sort: equal times keep the order above.
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let rows: Vec<Row> = rows.into_iter().map(|(_, r)| r).collect();
    let widest = (rows.iter())
        .map(|r| label::text_width(&r.label, LABEL_FONT))
        .max()
        .unwrap_or(0);
    Layout {
        label_area_px: MIN_LABEL_AREA_PX.max((widest + 2 * LABEL_GAP_PX) as u32),
        top_px: PANEL_PX.max(TOP_OVERHEAD_PX + ROW_PX * rows.len() as u32),
        rows,
    }
}

/// The boxes of row labels drawn right-aligned `LABEL_GAP_PX` left of `plot_left` [px], each
/// centred on its row's middle `centres[i]` [px].
pub fn place_labels(rows: &[Row], centres: &[i32], plot_left: i32) -> Vec<LabelBox> {
    (rows.iter().zip(centres))
        .map(|(r, &y)| LabelBox::right_of(&r.label, LABEL_FONT, plot_left - LABEL_GAP_PX, y))
        .collect()
}

/// Lays out and draws `tl` into a scratch SVG: where its row labels go (top to bottom).
pub fn placed(tl: &Timeline) -> Result<Placed, String> {
    draw_into(tl, &mut String::new())
}

fn draw_into(tl: &Timeline, svg: &mut String) -> Result<Placed, String> {
    let e = |e: DrawingAreaErrorKind<std::io::Error>| e.to_string();
    let lay = layout(tl);
    // The phases, then two panels for the TCP flow and one for the ping.
    let lower = 2 * usize::from(tl.tcp.is_some()) + usize::from(tl.ping.is_some());
    let image = (WIDTH_PX, lay.top_px + PANEL_PX * lower as u32);
    let root = SVGBackend::with_string(svg, image).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let (upper, rest) = root.split_vertically(lay.top_px);
    let areas = rest.split_evenly((lower.max(1), 1));
    let x = 0.0..tl.end_s.max(1e-9);
    let n = lay.rows.len();
    // Row i (from the top) is centred on y = n - 1 - i.
    let row_y = |i: usize| (n - 1 - i) as f64;
    let mut top = ChartBuilder::on(&upper)
        .caption(&tl.title, ("sans-serif", 22))
        .margin(14)
        .x_label_area_size(30)
        .y_label_area_size(lay.label_area_px)
        .build_cartesian_2d(x.clone(), -0.5..n.max(1) as f64 - 0.5)
        .map_err(e)?;
    top.configure_mesh()
        .x_desc("time [s]")
        .x_label_formatter(&|v| si(*v))
        .y_labels(0)
        .draw()
        .map_err(e)?;
    let red = RED.mix(0.8);
    let blue = BLUE.mix(0.6);
    for (i, row) in lay.rows.iter().enumerate() {
        let y = row_y(i);
        match row.mark {
            Mark::Phase(t) => {
                top.draw_series([PathElement::new(
                    vec![(t, -0.5), (t, n as f64 - 0.5)],
                    red.stroke_width(1),
                )])
                .map_err(e)?;
                let diamond = vec![(0, -7), (7, 0), (0, 7), (-7, 0)];
                top.draw_series([EmptyElement::at((t, y)) + Polygon::new(diamond, red.filled())])
                    .map_err(e)?;
            }
            Mark::Migration(a, b) => {
                top.draw_series([Rectangle::new([(a, y - 0.3), (b, y + 0.3)], blue.filled())])
                    .map_err(e)?;
            }
        }
    }
    let (xs, ys) = top.plotting_area().get_pixel_range();
    let plot = LabelBox {
        x0: xs.start,
        y0: ys.start,
        x1: xs.end,
        y1: ys.end,
    };
    let centres: Vec<i32> = (0..n)
        .map(|i| top.backend_coord(&(0.0, row_y(i))).1)
        .collect();
    let labels = place_labels(&lay.rows, &centres, plot.x0);
    // Left of the plotting area, within its height: clear of the caption and the time axis.
    let region = LabelBox {
        x0: 0,
        x1: plot.x0,
        ..plot
    };
    for ((row, b), &y) in lay.rows.iter().zip(&labels).zip(&centres) {
        let colour = match row.mark {
            Mark::Phase(_) => RED,
            Mark::Migration(..) => BLACK,
        };
        let style = ("sans-serif", LABEL_FONT)
            .into_font()
            .color(&colour)
            .pos(Pos::new(HPos::Right, VPos::Center));
        root.draw(&Text::new(row.label.clone(), (b.x1, y), style))
            .map_err(e)?;
    }
    if let Some(tcp) = &tl.tcp {
        let y = span(tcp.throughput.iter().map(|p| p.1), true);
        let caption = format!("{}: throughput", tcp.name);
        let mut mid = panel(&areas[0], caption, x.clone(), y, false, "bit/s", &lay)?;
        mid.draw_series(LineSeries::new(
            tcp.throughput.iter().copied(),
            BLUE.stroke_width(2),
        ))
        .map_err(e)?;
        let y = span(tcp.rtt.iter().map(|p| p.1), true);
        let caption = format!("{}: TCP smoothed RTT", tcp.name);
        let mut low = panel(&areas[1], caption, x.clone(), y, true, "s", &lay)?;
        low.draw_series(LineSeries::new(
            tcp.rtt.iter().copied(),
            GREEN.stroke_width(2),
        ))
        .map_err(e)?;
    }
    if let Some((name, echoes)) = &tl.ping {
        let y = span(echoes.iter().map(|p| p.1), true);
        let caption = format!("{name}: ping RTT of each echo (at its send time)");
        let mut ping = panel(&areas[lower - 1], caption, x, y, true, "s", &lay)?;
        ping.draw_series(echoes.iter().map(|&p| Circle::new(p, 2, MAGENTA.filled())))
            .map_err(e)?;
    }
    root.present().map_err(e)?;
    Ok(Placed {
        plot,
        image,
        labels: labels.into_iter().map(|b| (b, region)).collect(),
    })
}

/// A panel of values against the shared time axis `x`: its caption, the y range `(from, to)`
/// and unit, with the time axis named under it when `time_axis` (the lowest panels).
fn panel<'a, 'b>(
    area: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    caption: String,
    x: std::ops::Range<f64>,
    (y0, y1): (f64, f64),
    time_axis: bool,
    unit: &str,
    lay: &Layout,
) -> Result<
    ChartContext<
        'a,
        SVGBackend<'b>,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    String,
> {
    let e = |e: DrawingAreaErrorKind<std::io::Error>| e.to_string();
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 16))
        .margin(14)
        .x_label_area_size(if time_axis { 36 } else { 30 })
        .y_label_area_size(lay.label_area_px)
        .build_cartesian_2d(x, y0..y1)
        .map_err(e)?;
    let mut mesh = chart.configure_mesh();
    if time_axis {
        mesh.x_desc("time [s]");
    }
    mesh.x_label_formatter(&|v| si(*v))
        .y_label_formatter(&|v| si(*v))
        .y_desc(unit)
        .draw()
        .map_err(e)?;
    Ok(chart)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A timeline with `phases` (label, time) and `migrations` (vm, start, end) over
    /// `end_s`, with the TCP and ping panels.
    fn timeline(end_s: f64, phases: &[(&str, f64)], migrations: &[(&str, f64, f64)]) -> Timeline {
        Timeline {
            title: "t".into(),
            end_s,
            phases: phases.iter().map(|(l, t)| (l.to_string(), *t)).collect(),
            migrations: (migrations.iter())
                .map(|(vm, a, b)| (vm.to_string(), *a, *b))
                .collect(),
            tcp: Some(Tcp::default()),
            ping: Some(("ping".into(), vec![(0.0, 0.001)])),
        }
    }

    /// Panics unless every phase and migration of `tl` has a label and [`Placed::problem`]
    /// finds nothing: no two labels' boxes intersect, and each lies left of the upper panel's
    /// plotting area within its height.
    fn assert_labels_apart(tl: &Timeline) {
        let p = placed(tl).unwrap();
        assert_eq!(p.labels.len(), tl.phases.len() + tl.migrations.len());
        if let Some(problem) = p.problem() {
            panic!("{problem}");
        }
    }

    /// The phases of the bundled arora2013-asap and -alap runs (PREPARE_MIGRATION at 2 s,
    /// host positions at 4 s and 12 s, MIGRATE_SWITCHES at 20 s of 25 s, no VM migration):
    /// before, "PREPARE_MIGRATION" at 2 s ran into "host 1 moved" at 4 s.
    #[test]
    fn arora2013_labels_do_not_overlap() {
        let tl = timeline(
            25.0,
            &[
                ("PREPARE_MIGRATION", 2.0),
                ("host 1 moved", 4.0),
                ("host 2 moved", 12.0),
                ("MIGRATE_SWITCHES", 20.0),
            ],
            &[],
        );
        assert_labels_apart(&tl);
        let lay = layout(&tl);
        let rows: Vec<&str> = lay.rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            rows,
            [
                "PREPARE_MIGRATION",
                "host 1 moved",
                "host 2 moved",
                "MIGRATE_SWITCHES"
            ]
        );
    }

    /// Five phases within 1 % of the axis, five migrations starting at one instant, phases
    /// at both ends of the axis and at the same instant as a migration: every label still
    /// has a box of its own. Rows run in time order, a phase before a migration that starts
    /// at its time.
    #[test]
    fn crowded_phases_get_a_row_each() {
        let phases = [
            ("PREPARE_MIGRATION", 0.0),
            ("host 1 moved", 50.0),
            ("host 2 moved", 50.2),
            ("host 3 moved", 50.4),
            ("host 4 moved", 50.6),
            ("host 5 moved", 50.8),
            ("MIGRATE_SWITCHES", 100.0),
        ];
        let migrations = [
            ("vm1", 50.0, 50.1),
            ("vm2", 50.0, 50.1),
            ("vm3", 50.0, 50.1),
            ("vm4", 50.0, 99.0),
            ("a-vm-with-a-very-long-name-indeed", 50.0, 100.0),
        ];
        let tl = timeline(100.0, &phases, &migrations);
        assert_labels_apart(&tl);
        let lay = layout(&tl);
        assert_eq!(lay.rows[1].label, "host 1 moved");
        assert_eq!(lay.rows[2].label, "migration of vm1");
        assert_eq!(lay.rows[7].label, "host 2 moved");
        assert_eq!(lay.rows.last().unwrap().label, "MIGRATE_SWITCHES");
        // The label area holds the longest label.
        let long = label::text_width("migration of a-vm-with-a-very-long-name-indeed", LABEL_FONT);
        assert!(lay.label_area_px as i32 >= long + 2 * LABEL_GAP_PX);
    }

    /// 40 phases and 40 migrations in the same second: the upper panel grows to give each of
    /// the 80 rows `ROW_PX`, and the labels stay apart.
    #[test]
    fn many_rows_grow_the_panel() {
        let labels: Vec<String> = (0..40).map(|i| format!("host {i} moved")).collect();
        let vms: Vec<String> = (0..40).map(|i| format!("vm{i}")).collect();
        let phases: Vec<(&str, f64)> = (labels.iter())
            .enumerate()
            .map(|(i, l)| (l.as_str(), 1.0 + i as f64 * 1e-3))
            .collect();
        let migrations: Vec<(&str, f64, f64)> = (vms.iter())
            .enumerate()
            .map(|(i, v)| (v.as_str(), 1.0 + i as f64 * 1e-3, 1.5))
            .collect();
        let tl = timeline(10.0, &phases, &migrations);
        assert_labels_apart(&tl);
        let p = placed(&tl).unwrap();
        assert!(p.plot.y1 - p.plot.y0 >= 80 * (ROW_PX as i32 - 1), "{p:?}");
        // Without the lower panels the image is the upper panel alone.
        let alone = Timeline {
            tcp: None,
            ping: None,
            ..tl
        };
        assert_labels_apart(&alone);
        assert_eq!(placed(&alone).unwrap().image.1, p.image.1 - 3 * PANEL_PX);
    }

    proptest! {
        /// Whatever the phase and migration times (any number of each, anywhere on the axis,
        /// as close together as they come), no two labels intersect.
        #[test]
        fn labels_never_overlap(
            end_s in 1e-3f64..1e3,
            phases in prop::collection::vec((0u8..4, 0.0f64..=1.0), 0..25),
            migrations in prop::collection::vec((0u32..1000, 0.0f64..=1.0, 0.0f64..=1.0), 0..25),
        ) {
            let names = ["PREPARE_MIGRATION", "host 12 moved", "MIGRATE_SWITCHES", "x"];
            let phases: Vec<(&str, f64)> =
                phases.iter().map(|&(k, f)| (names[k as usize], f * end_s)).collect();
            let vms: Vec<String> = migrations.iter().map(|m| format!("vm{}", m.0)).collect();
            let migrations: Vec<(&str, f64, f64)> = (vms.iter().zip(&migrations))
                .map(|(v, &(_, a, b))| (v.as_str(), a.min(b) * end_s, a.max(b) * end_s))
                .collect();
            assert_labels_apart(&timeline(end_s, &phases, &migrations));
        }
    }

    /// The smoothed RTT is read from its column (rows without one skipped), and the same
    /// timeline drawn twice gives the same bytes, with its phase labels in the SVG.
    #[test]
    fn reads_srtt_and_draws_deterministically() {
        let text = "time_s,cwnd_bytes,ssthresh_bytes,srtt_s\n0.5,1,2,\n0.6,1,2,0.001\n";
        assert_eq!(srtt(text), [(0.6, 0.001)]);
        let tl = Timeline {
            title: "t".into(),
            end_s: 10.0,
            phases: vec![("PREPARE_MIGRATION".into(), 2.0)],
            migrations: vec![("vm1".into(), 4.0, 6.0)],
            tcp: Some(Tcp {
                name: "netperf".into(),
                throughput: vec![(0.5, 1e6), (1.5, 2e6)],
                rtt: vec![(0.6, 0.001)],
            }),
            ping: None,
        };
        let (mut a, mut b) = (String::new(), String::new());
        draw_into(&tl, &mut a).unwrap();
        draw_into(&tl, &mut b).unwrap();
        assert_eq!(a, b);
        assert!(a.contains("PREPARE_MIGRATION") && a.contains("migration of vm1"));
        assert!(a.contains("netperf: TCP smoothed RTT") && !a.contains("ping RTT"));
        assert!(a.contains(r#"height="900""#), "three panels");
    }

    /// A ping flow adds a fourth panel with one point per answered echo; without a TCP flow
    /// the ping panel sits right under the phases.
    #[test]
    fn ping_panel_has_one_point_per_echo() {
        let echoes = vec![(0.5, 0.0006), (0.6, 0.0008), (0.7, 0.0007)];
        let mut tl = Timeline {
            title: "t".into(),
            end_s: 1.0,
            tcp: Some(Tcp::default()),
            ping: Some(("ping".into(), echoes)),
            ..Timeline::default()
        };
        let mut a = String::new();
        draw_into(&tl, &mut a).unwrap();
        assert!(a.contains("ping: ping RTT of each echo"));
        assert!(a.contains(r#"height="1200""#), "four panels");
        assert_eq!(a.matches("<circle").count(), 3);
        tl.tcp = None;
        let mut b = String::new();
        draw_into(&tl, &mut b).unwrap();
        assert!(b.contains(r#"height="600""#), "two panels");
        assert_eq!(b.matches("<circle").count(), 3);
        assert!(!b.contains("throughput"));
    }
}
