//! `summary.json` `switch_failures`: one entry per `[[event]] switch` failure, absent when
//! the scenario fails no switch (so every other run's summary stays as it was).

use net_stack::Network;
use serde::Serialize;

/// One failure of a switch (or router).
#[derive(Debug, Serialize, PartialEq)]
pub struct SwitchFailureSummary {
    /// The node's name.
    pub switch: String,
    /// When it failed [s].
    pub failed_s: f64,
    /// When it came back [s]; null if it was still down at the end.
    pub restored_s: Option<f64>,
    /// Links the failure took down (those of its links that were up).
    pub links_down: usize,
    /// Frames lost on those links while it was down: queued or on the wire when it failed,
    /// and sent towards it afterwards (counted in `packets.link_down_drops` too).
    pub dropped_frames: u64,
    /// OpenFlow switches: control messages lost with it (in flight on its channel when it
    /// failed, or sent to it while down); absent for other nodes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost_control_messages: Option<u64>,
}

/// The entries, in the order the failures happened.
pub fn collect(net: &Network) -> Vec<SwitchFailureSummary> {
    let plane = crate::sdn::plane_of(net);
    net.switch_failures()
        .iter()
        .map(|f| {
            let name = &net.nodes()[f.node.index()].name;
            let lost = plane.and_then(|p| {
                let s = p.switches().iter().find(|s| s.node == f.node)?;
                Some(s.lost_messages)
            });
            SwitchFailureSummary {
                switch: name.clone(),
                failed_s: f.down_at.as_secs_f64(),
                restored_s: f.up_at.map(|t| t.as_secs_f64()),
                links_down: f.links.len(),
                dropped_frames: f.drops,
                lost_control_messages: lost,
            }
        })
        .collect()
}
