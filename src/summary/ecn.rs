//! The ECN part of a TCP flow's summary (RFC 3168, RFC 8257), present only when the flow's
//! connection negotiated ECN, so that other flows' output stays as it was.

use net_stack::socket::SocketId;
use net_stack::{AppId, Network};
use serde::Serialize;

/// ECN counters of one TCP flow: the sender's connection and the receiver's.
#[derive(Debug, Serialize, PartialEq)]
pub struct EcnFlowSummary {
    /// Data segments that reached the receiver marked CE (the network's marks on this flow).
    pub ce_received: u64,
    /// Segments the receiver sent with ECE (CE echoes).
    pub ece_sent: u64,
    /// ACKs with ECE the sender received.
    pub ece_received: u64,
    /// Window reductions the sender made for ECE (at most one per window).
    pub reductions: u64,
    /// Segments the sender sent with CWR.
    pub cwr_sent: u64,
    /// DCTCP's α at the end of the run (RFC 8257 §3.3), for DCTCP flows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dctcp_alpha: Option<f64>,
}

/// The ECN summary of the flow whose sender socket is `sock` and whose receiving application
/// is `rx`, if the sender negotiated ECN.
pub(super) fn ecn_summary(
    net: &Network,
    sock: SocketId,
    rx: Option<AppId>,
) -> Option<EcnFlowSummary> {
    let conn = &net.sockets().get(sock).conn;
    if !conn.ecn_negotiated() {
        return None;
    }
    let st = conn.stats();
    let (mut ce_received, mut ece_sent) = (0, 0);
    for s in net.sockets().all().iter().filter(|s| Some(s.app) == rx) {
        ce_received += s.conn.stats().ce_received;
        ece_sent += s.conn.stats().ece_sent;
    }
    Some(EcnFlowSummary {
        ce_received,
        ece_sent,
        ece_received: st.ece_received,
        reductions: st.ecn_reductions,
        cwr_sent: st.cwr_sent,
        dctcp_alpha: conn.congestion_control().dctcp_alpha(),
    })
}
