//! Software-defined networks: a `[controller]` with an app other than `"none"` turns every
//! switch of the topology into an OpenFlow 1.3 switch ([`openflow::switch`]) driven by a
//! Ryu-like controller ([`openflow::controller`]) over out-of-band control channels
//! ([`openflow::plane`]), and makes the hosts resolve each other with ARP. With
//! `[[controller.extra]]` tables the switches are shared among several controllers, each
//! with its own apps, shim and channel latency.

use std::collections::BTreeMap;
use std::path::Path;

use net_stack::NetworkBuilder;
use net_stack::arp::ArpConfig;
use openflow::config::ControllerConfig;
use openflow::controller::{
    App, AppConfig, AppKind, Controller, ShimKind, Vcdn, VcdnConfig, app_with_config, shim,
};
use openflow::plane::{ControllerSpec, OpenFlowPlane};
use sim_core::{RngStreams, SimTime};

use crate::scenario::{Scenario, ScenarioError, ScenarioSource};

/// Gives `b` the OpenFlow plane and ARP-speaking hosts; with `capture`, the control channel
/// is recorded there (the directory is created). Fails when a controller's `switches` names
/// a node that is not a switch, a switch twice, or leaves a switch without a controller
/// (each pointing at the key), or with the file system's error.
pub fn install(
    b: &mut NetworkBuilder,
    scenario: &Scenario,
    source: &ScenarioSource,
    capture: Option<&Path>,
    netmig: Option<&crate::netmig::NetMigPlan>,
) -> Result<(), ScenarioError> {
    let c = &scenario.controller;
    if !c.app.is_openflow() {
        return Ok(());
    }
    check_switches(b, c, source)?;
    check_shared_cpu(b, c, source)?;
    let app_config = c.app_config();
    let vcdn = crate::vcdn::config(b, scenario, source)?;
    let mut specs = vec![spec(
        &c.name,
        c.channel_latency,
        c.processing_time,
        c.switches.clone(),
        &c.apps,
        c.shim,
        (app_config, vcdn),
    )];
    for e in &c.extra {
        specs.push(spec(
            &e.name,
            e.channel_latency,
            e.processing_time,
            Some(e.switches.clone()),
            &e.apps,
            e.shim,
            (app_config, None),
        ));
    }
    if let Some(p) = netmig {
        // Seed 001: the first controller's apps see the old network behind the shim.
        specs[0].make = p.make_controller(c.apps.clone(), app_config);
    }
    let streams = RngStreams::new(scenario.seed);
    let mut plane = OpenFlowPlane::with_controllers(c.plane_config(), streams, specs);
    if let Some(p) = netmig {
        plane = plane.with_network_migration(p.driver());
    }
    if let Some(path) = capture {
        let created = match path.parent() {
            Some(dir) => std::fs::create_dir_all(dir),
            None => Ok(()),
        };
        created.and_then(|()| plane.capture_to(path)).map_err(|e| {
            source.error_at(
                0..0,
                format!("cannot create the control-channel capture: {e}"),
                None,
            )
        })?;
    }
    b.plane(Box::new(plane));
    b.arp(ArpConfig::default());
    Ok(())
}

/// One controller: `apps` in order behind `shim`.
fn spec(
    name: &str,
    channel_latency: SimTime,
    processing: openflow::timing::Delay,
    switches: Option<Vec<String>>,
    apps: &[AppKind],
    shim_kind: ShimKind,
    (app_config, vcdn): (AppConfig, Option<VcdnConfig>),
) -> ControllerSpec {
    let apps = apps.to_vec();
    ControllerSpec {
        name: name.to_string(),
        channel_latency,
        processing,
        switches,
        make: Box::new(move |topology| {
            let apps = apps
                .iter()
                .map(|&a| match (a, &vcdn) {
                    // The vcdn app with its service (`[controller.vcdn]`, `crate::vcdn`).
                    (AppKind::Vcdn, Some(v)) => {
                        Box::new(Vcdn::new(&topology, app_config, v.clone())) as Box<dyn App>
                    }
                    _ => app_with_config(a, &topology, app_config).expect("OpenFlow apps: checked"),
                })
                .collect();
            Controller::with_apps(topology, apps, shim(shim_kind))
        }),
    }
}

/// Every name in a `switches` list is a switch of the topology, listed once; without a
/// controller that takes the rest, every switch is listed.
fn check_switches(
    b: &NetworkBuilder,
    c: &ControllerConfig,
    source: &ScenarioSource,
) -> Result<(), ScenarioError> {
    let nodes = b.nodes();
    let lists = std::iter::once(("controller".to_string(), &c.name, c.switches.as_ref())).chain(
        c.extra
            .iter()
            .enumerate()
            .map(|(i, e)| (format!("controller.extra.{i}"), &e.name, Some(&e.switches))),
    );
    let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
    let mut has_rest = false;
    for (table, ctl, list) in lists {
        let Some(list) = list else {
            has_rest = true;
            continue;
        };
        for (j, name) in list.iter().enumerate() {
            let at = source
                .span_of_key(&format!("{table}.switches.{j}"))
                .or_else(|| source.span_of_key(&format!("{table}.switches")))
                .unwrap_or(0..0);
            match nodes.iter().find(|n| &n.name == name) {
                None => {
                    return Err(source.error_at(at, format!("unknown switch `{name}`"), None));
                }
                Some(n) if !n.is_switch() => {
                    return Err(source.error_at(
                        at,
                        format!("`{name}` is a host; a controller runs switches"),
                        None,
                    ));
                }
                Some(_) => {}
            }
            if let Some(first) = owner.insert(name, ctl) {
                return Err(source.error_at(
                    at,
                    format!("switch `{name}` is listed twice (controllers `{first}` and `{ctl}`)"),
                    Some("each switch connects to exactly one controller".into()),
                ));
            }
        }
    }
    if !has_rest
        && let Some(n) = nodes
            .iter()
            .find(|n| n.is_switch() && !owner.contains_key(n.name.as_str()))
    {
        let at = source.span_of_key("controller.switches").unwrap_or(0..0);
        return Err(source.error_at(
            at,
            format!("switch `{}` has no controller", n.name),
            Some("list it in one controller's `switches`, or leave `[controller] switches` out so that the first controller takes every switch no other lists".into()),
        ));
    }
    Ok(())
}

/// Every name in `shared_cpu.switches` is a switch of the topology.
fn check_shared_cpu(
    b: &NetworkBuilder,
    c: &ControllerConfig,
    source: &ScenarioSource,
) -> Result<(), ScenarioError> {
    let Some(list) = c.shared_cpu.as_ref().and_then(|s| s.switches.as_ref()) else {
        return Ok(());
    };
    let nodes = b.nodes();
    for (j, name) in list.iter().enumerate() {
        let problem = match nodes.iter().find(|n| &n.name == name) {
            None => format!("unknown switch `{name}` in `shared_cpu.switches`"),
            Some(n) if !n.is_switch() => {
                format!("`{name}` is a host; the shared CPU serves switches")
            }
            Some(_) => continue,
        };
        let at = source
            .span_of_key(&format!("controller.shared_cpu.switches.{j}"))
            .or_else(|| source.span_of_key("controller.shared_cpu.switches"))
            .unwrap_or(0..0);
        return Err(source.error_at(at, problem, None));
    }
    Ok(())
}

/// The OpenFlow plane of a network, if it has one.
pub fn plane_of(net: &net_stack::Network) -> Option<&OpenFlowPlane> {
    net.plane()?.as_any().downcast_ref::<OpenFlowPlane>()
}
