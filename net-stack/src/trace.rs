//! Time series written while a simulation runs: `timeseries/<name>.csv`.
//!
//! * [`TcpTrace`] follows the first TCP connection that an application opens. It writes a row
//!   every `interval` (`trace.sample_interval`) and one on every change of cwnd or ssthresh, so
//!   a plot shows each step of slow start and each halving exactly, while idle stretches cost one
//!   row per interval.
//! * [`FlowTrace`] samples what an application has received (UDP sinks, pings): delivered
//!   bytes and packets every interval.
//! * [`LinkTrace`] samples both directions of a link: queue depth, utilisation over the last
//!   interval, and drops.
//!
//! Rows go straight to buffered files: memory does not grow with the run.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use sim_core::SimTime;

use crate::device::Device;
use crate::network::AppSlot;
use crate::socket::{SocketId, SocketTable};
use crate::{AppId, DeviceId};

/// Any of the time series, sampled by the network's `TraceSample` events.
pub(crate) enum Series {
    Tcp(TcpTrace),
    Flow(FlowTrace),
    Link(LinkTrace),
}

impl Series {
    pub(crate) fn interval(&self) -> SimTime {
        match self {
            Series::Tcp(t) => t.interval,
            Series::Flow(t) => t.interval,
            Series::Link(t) => t.interval,
        }
    }
}

fn create(path: &Path, header: &str) -> std::io::Result<BufWriter<File>> {
    let mut out = BufWriter::new(File::create(path)?);
    out.write_all(header.as_bytes())?;
    Ok(out)
}

fn finish_file(
    out: &mut BufWriter<File>,
    error: &mut Option<std::io::Error>,
    path: &Path,
) -> Result<(), (PathBuf, std::io::Error)> {
    if let Some(e) = error.take() {
        return Err((path.to_path_buf(), e));
    }
    out.flush().map_err(|e| (path.to_path_buf(), e))
}

/// The CSV header of a [`FlowTrace`].
pub const FLOW_HEADER: &str = "time_s,delivered_bytes,delivered_packets\n";

/// What an application has received, sampled every interval.
pub struct FlowTrace {
    app: AppId,
    /// When the last row was written: the end of the run adds one unless a tick just did.
    last: Option<SimTime>,
    interval: SimTime,
    path: PathBuf,
    out: BufWriter<File>,
    error: Option<std::io::Error>,
}

impl FlowTrace {
    /// Samples `app`'s received bytes and packets every `interval` into `path`.
    pub fn create(app: AppId, interval: SimTime, path: &Path) -> std::io::Result<Self> {
        Ok(FlowTrace {
            app,
            last: None,
            interval,
            path: path.to_path_buf(),
            out: create(path, FLOW_HEADER)?,
            error: None,
        })
    }

    pub(crate) fn sample(&mut self, now: SimTime, apps: &[AppSlot]) {
        if self.error.is_some() {
            return;
        }
        self.last = Some(now);
        let r = apps[self.app.index()].app.report().counters();
        let row = writeln!(
            self.out,
            "{},{},{}",
            now.as_secs_f64(),
            r.bytes_received,
            r.packets_received
        );
        if let Err(e) = row {
            self.error = Some(e);
        }
    }

    pub(crate) fn finish(
        &mut self,
        now: SimTime,
        apps: &[AppSlot],
    ) -> Result<(), (PathBuf, std::io::Error)> {
        if self.last != Some(now) {
            self.sample(now, apps);
        }
        finish_file(&mut self.out, &mut self.error, &self.path)
    }
}

/// The CSV header of a [`LinkTrace`].
pub const LINK_HEADER: &str =
    "time_s,from,to,queue_packets,queue_bytes,utilisation,tx_bytes,dropped_packets\n";

/// Both directions of a link: queue depth, utilisation and drops.
pub struct LinkTrace {
    /// The two devices (one per direction), their names ("from", "to"), and their busy time at
    /// the last sample.
    ends: Vec<(DeviceId, String, String, SimTime)>,
    interval: SimTime,
    path: PathBuf,
    out: BufWriter<File>,
    error: Option<std::io::Error>,
}

impl LinkTrace {
    /// Samples devices `ends` (each with its node's and peer's names) every `interval`.
    pub fn create(
        ends: Vec<(DeviceId, String, String)>,
        interval: SimTime,
        path: &Path,
    ) -> std::io::Result<Self> {
        Ok(LinkTrace {
            ends: ends
                .into_iter()
                .map(|(d, a, b)| (d, a, b, SimTime::ZERO))
                .collect(),
            interval,
            path: path.to_path_buf(),
            out: create(path, LINK_HEADER)?,
            error: None,
        })
    }

    pub(crate) fn sample(&mut self, now: SimTime, devices: &[Device]) {
        for (dev, from, to, last_busy) in &mut self.ends {
            if self.error.is_some() {
                return;
            }
            let d = &devices[dev.index()];
            let busy = d.busy_time(now);
            // Share of the last interval the wire spent serialising.
            let util = if now == SimTime::ZERO {
                0.0
            } else {
                (busy - *last_busy).as_ps() as f64 / self.interval.as_ps() as f64
            };
            *last_busy = busy;
            let row = writeln!(
                self.out,
                "{},{from},{to},{},{},{util},{},{}",
                now.as_secs_f64(),
                d.queue.len(),
                d.queue.bytes(),
                d.wire.tx_bytes,
                d.queue.stats().dropped_packets
            );
            if let Err(e) = row {
                self.error = Some(e);
            }
        }
    }

    pub(crate) fn finish(&mut self) -> Result<(), (PathBuf, std::io::Error)> {
        finish_file(&mut self.out, &mut self.error, &self.path)
    }
}

/// The CSV header of a [`TcpTrace`]: one name per value of each row (`in_recovery` is 1 while
/// the connection is in fast recovery, else 0; `reason` is `sample` or `change`).
pub const HEADER: &str = "time_s,cwnd_bytes,ssthresh_bytes,srtt_s,rto_s,bytes_in_flight,acked_bytes,retransmissions,timeouts,in_recovery,reason\n";

/// The columns a [`TcpTrace`] adds after `reason` for its congestion controller: CUBIC's
/// `w_max_bytes,k_s` (RFC 9438's W_max and K; K empty before the first epoch), DCTCP's `alpha`
/// (RFC 8257's α). Other controllers add none, so their files keep [`HEADER`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpColumns {
    /// No extra column.
    Plain,
    /// `w_max_bytes,k_s`.
    Cubic,
    /// `alpha`.
    Dctcp,
}

impl TcpColumns {
    /// The columns for connections running `variant`.
    pub fn for_variant(variant: crate::tcp::CcVariant) -> Self {
        match variant {
            crate::tcp::CcVariant::Cubic => TcpColumns::Cubic,
            crate::tcp::CcVariant::Dctcp => TcpColumns::Dctcp,
            _ => TcpColumns::Plain,
        }
    }

    fn header(self) -> String {
        let extra = match self {
            TcpColumns::Plain => "",
            TcpColumns::Cubic => ",w_max_bytes,k_s",
            TcpColumns::Dctcp => ",alpha",
        };
        format!("{}{extra}\n", HEADER.trim_end())
    }
}

/// A time series of one application's TCP connection.
pub struct TcpTrace {
    app: AppId,
    columns: TcpColumns,
    socket: Option<SocketId>,
    /// When the last `sample` row was written: the end of the run adds one unless a tick just
    /// did.
    last_sample: Option<SimTime>,
    interval: SimTime,
    path: PathBuf,
    out: BufWriter<File>,
    error: Option<std::io::Error>,
}

impl TcpTrace {
    /// A trace of `app`'s first connection, sampled every `interval`, written to `path`, with
    /// the extra `columns` of its congestion controller.
    pub fn create(
        app: AppId,
        interval: SimTime,
        path: &Path,
        columns: TcpColumns,
    ) -> std::io::Result<Self> {
        Ok(TcpTrace {
            app,
            columns,
            socket: None,
            last_sample: None,
            interval,
            path: path.to_path_buf(),
            out: create(path, &columns.header())?,
            error: None,
        })
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
        let r = write!(
            self.out,
            "{},{},{},{},{},{},{},{},{},{},{}",
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
            u8::from(c.in_recovery()),
            reason
        )
        .and_then(|()| match self.columns {
            TcpColumns::Plain => writeln!(self.out),
            TcpColumns::Cubic => {
                let (w_max, k) = c.congestion_control().cubic_state().unwrap_or((0, None));
                let k = k.map_or(String::new(), |k| k.as_secs_f64().to_string());
                writeln!(self.out, ",{w_max},{k}")
            }
            TcpColumns::Dctcp => {
                let alpha = c.congestion_control().dctcp_alpha().unwrap_or(0.0);
                writeln!(self.out, ",{alpha}")
            }
        });
        if let Err(e) = r {
            self.error = Some(e);
        }
    }

    /// A periodic sample.
    pub(crate) fn sample(&mut self, now: SimTime, tcp: &SocketTable) {
        if let Some(sid) = self.bind(tcp) {
            self.last_sample = Some(now);
            self.row(now, sid, tcp, "sample");
        }
    }

    /// Socket `sid`'s congestion window or threshold changed.
    pub(crate) fn on_change(&mut self, now: SimTime, sid: SocketId, tcp: &SocketTable) {
        if self.bind(tcp) == Some(sid) {
            self.row(now, sid, tcp, "change");
        }
    }

    /// A last sample at the end of the run (unless a periodic one was just taken), then flush.
    pub(crate) fn finish(
        &mut self,
        now: SimTime,
        tcp: &SocketTable,
    ) -> Result<(), (PathBuf, std::io::Error)> {
        if self.last_sample != Some(now) {
            self.sample(now, tcp);
        }
        finish_file(&mut self.out, &mut self.error, &self.path)
    }
}
