//! Per-flow TCP time series: `timeseries/<flow>.csv`.
//!
//! A [`TcpTrace`] follows the first TCP connection that an application opens. It writes a row
//! every `interval` (`trace.sample_interval`) and one on every change of cwnd or ssthresh, so a
//! plot shows each step of slow start and each halving exactly, while idle stretches cost one row
//! per interval. Rows go straight to a buffered file: memory does not grow with the run.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use sim_core::SimTime;

use crate::AppId;
use crate::socket::{SocketId, SocketTable};

/// The CSV header.
pub const HEADER: &str = "time_s,cwnd_bytes,ssthresh_bytes,srtt_s,rto_s,bytes_in_flight,acked_bytes,retransmissions,timeouts,reason\n";

/// A time series of one application's TCP connection.
pub struct TcpTrace {
    app: AppId,
    socket: Option<SocketId>,
    interval: SimTime,
    path: PathBuf,
    out: BufWriter<File>,
    error: Option<std::io::Error>,
}

impl TcpTrace {
    /// A trace of `app`'s first connection, sampled every `interval`, written to `path`.
    pub fn create(app: AppId, interval: SimTime, path: &Path) -> std::io::Result<Self> {
        let mut out = BufWriter::new(File::create(path)?);
        out.write_all(HEADER.as_bytes())?;
        Ok(TcpTrace {
            app,
            socket: None,
            interval,
            path: path.to_path_buf(),
            out,
            error: None,
        })
    }

    /// The sampling interval.
    pub fn interval(&self) -> SimTime {
        self.interval
    }

    fn bind(&mut self, tcp: &SocketTable) -> Option<SocketId> {
        if self.socket.is_none() {
            self.socket = tcp
                .all()
                .iter()
                .position(|s| s.app == self.app)
                .map(|i| SocketId(i as u32));
        }
        self.socket
    }

    fn row(&mut self, now: SimTime, sid: SocketId, tcp: &SocketTable, reason: &str) {
        if self.error.is_some() {
            return;
        }
        let c = &tcp.get(sid).conn;
        let st = c.stats();
        let r = writeln!(
            self.out,
            "{},{},{},{},{},{},{},{},{},{}",
            now.as_secs_f64(),
            c.cwnd(),
            c.ssthresh(),
            c.srtt()
                .map_or(String::new(), |t| t.as_secs_f64().to_string()),
            c.rto().as_secs_f64(),
            c.bytes_in_flight(),
            st.bytes_acked,
            st.retransmissions,
            st.timeouts,
            reason
        );
        if let Err(e) = r {
            self.error = Some(e);
        }
    }

    /// A periodic sample.
    pub(crate) fn sample(&mut self, now: SimTime, tcp: &SocketTable) {
        if let Some(sid) = self.bind(tcp) {
            self.row(now, sid, tcp, "sample");
        }
    }

    /// Socket `sid`'s congestion window or threshold changed.
    pub(crate) fn on_change(&mut self, now: SimTime, sid: SocketId, tcp: &SocketTable) {
        if self.bind(tcp) == Some(sid) {
            self.row(now, sid, tcp, "change");
        }
    }

    /// A last sample at the end of the run, then flush.
    pub(crate) fn finish(
        &mut self,
        now: SimTime,
        tcp: &SocketTable,
    ) -> Result<(), (PathBuf, std::io::Error)> {
        self.sample(now, tcp);
        if let Some(e) = self.error.take() {
            return Err((self.path.clone(), e));
        }
        self.out.flush().map_err(|e| (self.path.clone(), e))
    }
}
