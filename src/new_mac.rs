//! A VM's NIC on resume (seed 004 §III.C): each `[[migration]]`'s `new_mac` and
//! `gratuitous_arp`, handed to the hypervisors' bridge ([`vm::VmBridge::with_moves`]).
//!
//! ```text
//!   [[migration]] new_mac = true | "02:…", gratuitous_arp = false
//!        ──► vm::GuestMove { vm, to, new_mac (fresh: 02:02:00:00:00:<index + 1>), gratuitous_arp }
//!        ──► VmBridge: on the VM's resume on `to`, set the MAC, announce or not
//! ```

use net_stack::NetworkBuilder;

use crate::scenario::{Scenario, ScenarioError, ScenarioSource};

/// Gives the ARP caches the scenario's `[arp]` settings. `[arp]` applies only where hosts
/// speak ARP (`speaks_arp`: a network under a controller app or a routed one); elsewhere every hop's MAC
/// is known and the table would change nothing, so it is refused at its header.
pub fn arp(
    scenario: &Scenario,
    source: &ScenarioSource,
    b: &mut NetworkBuilder,
    speaks_arp: bool,
) -> Result<(), ScenarioError> {
    let Some(arp) = &scenario.arp else {
        return Ok(());
    };
    if !speaks_arp {
        return Err(source.error_at(
            arp.span(),
            "[arp] applies where hosts resolve addresses by ARP, and this network has none: \
             under static routing every hop's MAC address is known",
            Some(
                "set a controller app ([controller] app = \"learning\" or another) or use a routed \
                 `two-dc` topology, or remove [arp]"
                    .into(),
            ),
        ));
    }
    b.arp(*arp.get_ref());
    Ok(())
}

/// One [`vm::GuestMove`] per migration whose VM and target exist in the builder, ordered by
/// trigger time (migrations without `at` last, in file order): the order in which a VM's
/// migrations resume it.
pub fn guest_moves(scenario: &Scenario, b: &NetworkBuilder) -> Vec<vm::GuestMove> {
    let mut moves: Vec<(Option<sim_core::SimTime>, vm::GuestMove)> = Vec::new();
    for (i, m) in scenario.migrations.iter().enumerate() {
        let Some(vm) = b.node(m.vm.get_ref()) else {
            continue;
        };
        let to = m.to.as_ref().and_then(|t| b.node(t.get_ref()));
        moves.push((
            m.at,
            vm::GuestMove {
                vm,
                to,
                new_mac: m.nic.new_mac.resolve(i),
                gratuitous_arp: m.nic.gratuitous_arp,
            },
        ));
    }
    moves.sort_by_key(|(at, _)| (at.is_none(), *at));
    moves.into_iter().map(|(_, m)| m).collect()
}
