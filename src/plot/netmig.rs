//! `plots/network-migration.svg`: a whole-network migration's timeline (seed 001 Fig. 6) —
//! the phases (PREPARE_MIGRATION, each host position's move, MIGRATE_SWITCHES) and each VM
//! migration as a bar, above the first TCP flow of `trace.timeseries` (its throughput and,
//! below, its smoothed RTT) and the first ping flow (each answered echo's RTT at the time it
//! was sent, one point per echo), on the same time axis.

use std::path::Path;

use plotters::prelude::*;

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

fn draw_into(tl: &Timeline, svg: &mut String) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<std::io::Error>| e.to_string();
    // The phases, then two panels for the TCP flow and one for the ping, each 300 px high.
    let panels = 1 + 2 * usize::from(tl.tcp.is_some()) + usize::from(tl.ping.is_some());
    let root = SVGBackend::with_string(svg, (1100, 300 * panels as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    let areas = root.split_evenly((panels, 1));
    let x = 0.0..tl.end_s.max(1e-9);
    let rows = tl.migrations.len() as f64 + 1.0;
    let mut top = ChartBuilder::on(&areas[0])
        .caption(&tl.title, ("sans-serif", 22))
        .margin(14)
        .x_label_area_size(30)
        .y_label_area_size(72)
        .build_cartesian_2d(x.clone(), -0.5..rows - 0.5)
        .map_err(e)?;
    top.configure_mesh()
        .x_desc("time [s]")
        .x_label_formatter(&|v| si(*v))
        .y_labels(0)
        .draw()
        .map_err(e)?;
    for (label, t) in &tl.phases {
        top.draw_series([PathElement::new(
            vec![(*t, -0.5), (*t, rows - 0.5)],
            RED.stroke_width(2),
        )])
        .map_err(e)?;
        top.draw_series([Text::new(
            label.clone(),
            (*t, rows - 0.7),
            ("sans-serif", 12).into_font(),
        )])
        .map_err(e)?;
    }
    let blue = BLUE.mix(0.6);
    for (i, (vm, a, b)) in tl.migrations.iter().enumerate() {
        let y = i as f64;
        top.draw_series([Rectangle::new(
            [(*a, y - 0.3), (*b, y + 0.3)],
            blue.filled(),
        )])
        .map_err(e)?;
        top.draw_series([Text::new(
            format!("migration of {vm}"),
            (*a, y + 0.3),
            ("sans-serif", 12).into_font(),
        )])
        .map_err(e)?;
    }
    if let Some(tcp) = &tl.tcp {
        let y = span(tcp.throughput.iter().map(|p| p.1), true);
        let caption = format!("{}: throughput", tcp.name);
        let mut mid = panel(&areas[1], caption, x.clone(), y, false, "bit/s")?;
        mid.draw_series(LineSeries::new(
            tcp.throughput.iter().copied(),
            BLUE.stroke_width(2),
        ))
        .map_err(e)?;
        let y = span(tcp.rtt.iter().map(|p| p.1), true);
        let caption = format!("{}: TCP smoothed RTT", tcp.name);
        let mut low = panel(&areas[2], caption, x.clone(), y, true, "s")?;
        low.draw_series(LineSeries::new(
            tcp.rtt.iter().copied(),
            GREEN.stroke_width(2),
        ))
        .map_err(e)?;
    }
    if let Some((name, echoes)) = &tl.ping {
        let y = span(echoes.iter().map(|p| p.1), true);
        let caption = format!("{name}: ping RTT of each echo (at its send time)");
        let mut ping = panel(&areas[panels - 1], caption, x, y, true, "s")?;
        ping.draw_series(echoes.iter().map(|&p| Circle::new(p, 2, MAGENTA.filled())))
            .map_err(e)?;
    }
    root.present().map_err(e)?;
    Ok(())
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
        .y_label_area_size(72)
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
