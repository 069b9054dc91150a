//! One flow's record in `fct.csv`, and the generator's counters in its [`WorkloadReport`].

use std::fmt::Write as _;

use sim_core::SimTime;

/// The header line of `fct.csv`.
pub const FCT_CSV_HEADER: &str = "id,workload,src,dst,size,start_s,end_s,fct_s,ideal_fct_s,slowdown,retransmissions,timeouts,bytes_delivered,status\n";

/// How a flow ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowStatus {
    /// Every byte acknowledged.
    Completed,
    /// Still running when the run ended.
    Unfinished,
    /// Reset, or given up after too many timeouts.
    Reset,
}

impl FlowStatus {
    /// The word in `fct.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            FlowStatus::Completed => "completed",
            FlowStatus::Unfinished => "unfinished",
            FlowStatus::Reset => "reset",
        }
    }
}

/// One flow.
#[derive(Clone, Debug, PartialEq)]
pub struct FlowRecord {
    /// Number within its workload, in arrival order from 0.
    pub id: u64,
    /// Source host index (into the generator's hosts).
    pub src: u32,
    /// Destination host index.
    pub dst: u32,
    /// Bytes.
    pub size: u64,
    /// When the sender opened the connection.
    pub start: SimTime,
    /// When the last byte was acknowledged (completed flows).
    pub end: Option<SimTime>,
    /// The ideal FCT on its path (`ideal.rs`).
    pub ideal: SimTime,
    /// Segments sent again.
    pub retransmissions: u64,
    /// Retransmission timeouts.
    pub timeouts: u64,
    /// Bytes the receiving side delivered in order.
    pub bytes_delivered: u64,
    /// How it ended.
    pub status: FlowStatus,
}

/// Seconds with twelve decimals: picoseconds written exactly.
pub fn secs(t: SimTime) -> String {
    let ps = t.as_ps();
    format!("{}.{:012}", ps / 1_000_000_000_000, ps % 1_000_000_000_000)
}

impl FlowRecord {
    /// FCT / ideal, for completed flows.
    pub fn slowdown(&self) -> Option<f64> {
        let end = self.end?;
        Some((end - self.start).as_ps() as f64 / self.ideal.as_ps().max(1) as f64)
    }

    /// Appends the CSV line (host names from `names`).
    pub fn write_csv(&self, workload: &str, names: &[String], out: &mut String) {
        let (end, fct, slowdown) = match self.end {
            Some(end) => (
                secs(end),
                secs(end - self.start),
                format!("{:.6}", self.slowdown().unwrap_or(0.0)),
            ),
            None => (String::new(), String::new(), String::new()),
        };
        let _ = writeln!(
            out,
            "{},{workload},{},{},{},{},{end},{fct},{},{slowdown},{},{},{},{}",
            self.id,
            names[self.src as usize],
            names[self.dst as usize],
            self.size,
            secs(self.start),
            secs(self.ideal),
            self.retransmissions,
            self.timeouts,
            self.bytes_delivered,
            self.status.as_str()
        );
    }
}

/// A generator's counters, for `summary.json` (the per-flow figures are in `fct.csv`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorkloadReport {
    /// Flows started.
    pub generated: u64,
    /// Flows whose every byte was acknowledged.
    pub completed: u64,
    /// Flows still running at the end.
    pub unfinished: u64,
    /// Flows reset or given up.
    pub reset: u64,
    /// Bytes of the flows started.
    pub bytes_offered: u64,
    /// Bytes delivered to the receivers.
    pub bytes_delivered: u64,
    /// The most flows in flight at once.
    pub peak_in_flight: u64,
    /// The records' file.
    pub csv: Option<std::path::PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Picoseconds are written exactly, and a record's line has every column of the header.
    #[test]
    fn csv_line_matches_header() {
        assert_eq!(secs(SimTime::from_ps(1_500_000_000_123)), "1.500000000123");
        let r = FlowRecord {
            id: 3,
            src: 0,
            dst: 1,
            size: 1000,
            start: SimTime::from_us(10),
            end: Some(SimTime::from_us(30)),
            ideal: SimTime::from_us(10),
            retransmissions: 0,
            timeouts: 0,
            bytes_delivered: 1000,
            status: FlowStatus::Completed,
        };
        let mut line = String::new();
        r.write_csv("w", &["h0".into(), "h1".into()], &mut line);
        assert_eq!(line.split(',').count(), FCT_CSV_HEADER.split(',').count());
        assert!(line.contains(",2.000000,"), "{line}");
    }
}
