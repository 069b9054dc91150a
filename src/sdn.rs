//! Software-defined networks: `[controller] app` other than `"none"` turns every switch of the
//! topology into an OpenFlow 1.3 switch ([`openflow::switch`]) driven by one Ryu-like
//! controller ([`openflow::controller`]) over out-of-band control channels
//! ([`openflow::plane`]), and makes the hosts resolve each other with ARP.

use std::io;
use std::path::Path;

use net_stack::NetworkBuilder;
use net_stack::arp::ArpConfig;
use openflow::controller::{Controller, app_with_config};
use openflow::plane::OpenFlowPlane;
use sim_core::RngStreams;

use crate::scenario::Scenario;

/// Gives `b` the OpenFlow plane and ARP-speaking hosts; with `capture`, the control channel
/// is recorded there (the directory is created). Fails only with the file system's error.
pub fn install(
    b: &mut NetworkBuilder,
    scenario: &Scenario,
    capture: Option<&Path>,
) -> io::Result<()> {
    let c = scenario.controller;
    if !c.app.is_openflow() {
        return Ok(());
    }
    let streams = RngStreams::new(scenario.seed);
    let mut plane = OpenFlowPlane::new(c.plane_config(), streams, move |topology| {
        let app = app_with_config(c.app, &topology, c.app_config())
            .expect("an OpenFlow app: checked above");
        Controller::new(topology, app)
    });
    if let Some(path) = capture {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        plane.capture_to(path)?;
    }
    b.plane(Box::new(plane));
    b.arp(ArpConfig::default());
    Ok(())
}

/// The OpenFlow plane of a network, if it has one.
pub fn plane_of(net: &net_stack::Network) -> Option<&OpenFlowPlane> {
    net.plane()?.as_any().downcast_ref::<OpenFlowPlane>()
}
