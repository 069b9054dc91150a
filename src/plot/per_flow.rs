//! Series kept per flow and written twice: one CSV per flow in `OUT/timeseries/` and one chart
//! with a line per flow in `OUT/plots/` (the HTTP probe's response times, [`crate::probe`];
//! the streaming clients' buffer levels, [`crate::stream`]).

use std::path::Path;

use super::{Chart, Line, PlotError};

/// One flow's series.
pub struct FlowSeries {
    /// The CSV's file name in `OUT/timeseries/`.
    pub file: String,
    /// The CSV's text, header included.
    pub csv: String,
    /// The flow's line in the chart.
    pub line: Line,
}

/// Writes each of `series`' CSVs as it comes and, if there was at least one, `chart` (its
/// labels; its lines are the series', in their order) as `OUT/plots/<svg>`; nothing without
/// one.
pub fn write(
    out: &Path,
    series: impl IntoIterator<Item = FlowSeries>,
    mut chart: Chart,
    svg: &str,
) -> Result<(), PlotError> {
    let dir = out.join("timeseries");
    for s in series {
        let path = dir.join(&s.file);
        let io = |e: std::io::Error| PlotError::Write {
            path: path.clone(),
            message: e.to_string(),
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        std::fs::write(&path, s.csv).map_err(io)?;
        chart.lines.push(s.line);
    }
    if chart.lines.is_empty() {
        return Ok(());
    }
    let dir = out.join("plots");
    std::fs::create_dir_all(&dir).map_err(|e| PlotError::Write {
        path: dir.clone(),
        message: e.to_string(),
    })?;
    super::draw(&chart, &dir.join(svg))
}
