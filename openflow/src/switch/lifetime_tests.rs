//! Entry lifetimes given by the switch (seed 000's `FlowExpires`, [`FlowEntry::lifetime`]).

use sim_core::SimTime;

use super::matching::tests::udp;
use super::pipeline::tests::{messages, outputs, switch};
use super::*;
use crate::wire::{Action, FlowMod, Instruction, Masked};
use std::net::Ipv4Addr;

fn to_host(host: u8, priority: u16) -> FlowMod {
    let m = Match {
        eth_type: Some(0x0800),
        ipv4_dst: Some(Masked::exact(Ipv4Addr::new(10, 0, 0, host))),
        ..Match::default()
    };
    FlowMod::add(
        priority,
        m,
        vec![Instruction::apply(vec![Action::output(2)])],
    )
}

fn add(sw: &mut Switch, now: SimTime, fm: FlowMod, lifetime: SimTime) {
    sw.handle_message_with_lifetime(now, Message::new(1, MessageBody::FlowMod(fm)), lifetime);
    assert!(messages(sw).is_empty(), "FLOW_MOD accepted");
}

/// An entry with a lifetime matches traffic until `installed + lifetime` whatever the traffic
/// (the lifetime runs from the writing, not from the last packet), then leaves the table with
/// a FLOW_REMOVED (HARD_TIMEOUT, duration = the lifetime) although it has no SEND_FLOW_REM
/// flag; the next packet misses. A table-miss entry added the same way gets no lifetime.
#[test]
fn lifetime_ends_the_entry_from_its_writing_and_is_announced() {
    let mut sw = switch(2);
    let t0 = SimTime::from_ms(3);
    let life = SimTime::from_us(1_234);
    add(&mut sw, t0, to_host(2, 5), life);
    let miss = FlowMod::add(
        0,
        Match::all(),
        vec![Instruction::apply(vec![Action::Output {
            port: OFPP_CONTROLLER,
            max_len: 128,
        }])],
    );
    add(&mut sw, t0, miss, SimTime::from_us(1));
    assert_eq!(sw.poll_timeout(), Some(t0 + life), "only the rule expires");

    for us in [100, 600, 1_100, 1_233] {
        sw.handle_packet(t0 + SimTime::from_us(us), 1, udp(1, 2, 1, 1))
            .unwrap();
        assert_eq!(outputs(&mut sw).len(), 1, "matched at +{us} us");
    }
    assert_eq!(
        sw.poll_timeout(),
        Some(t0 + life),
        "traffic does not defer it"
    );
    sw.handle_timeout(t0 + life);
    let m = messages(&mut sw);
    let [ControlMessage { msg, .. }] = m.as_slice() else {
        panic!("one FLOW_REMOVED, got {m:?}")
    };
    let MessageBody::FlowRemoved(fr) = &msg.body else {
        panic!("FLOW_REMOVED, got {msg:?}")
    };
    assert_eq!(
        (
            fr.reason,
            fr.duration_sec,
            fr.duration_nsec,
            fr.packet_count
        ),
        (FlowRemovedReason::HardTimeout, 0, 1_234_000, 4),
        "removed after exactly the lifetime, counters kept"
    );
    assert_eq!(
        (fr.idle_timeout, fr.hard_timeout),
        (0, 0),
        "no OpenFlow timeout"
    );
    sw.handle_packet(t0 + life, 1, udp(1, 2, 1, 1)).unwrap();
    assert!(outputs(&mut sw).is_empty(), "the next packet misses");
    let m = messages(&mut sw);
    assert!(
        matches!(m.as_slice(), [c] if matches!(c.msg.body, MessageBody::PacketIn(_))),
        "and goes to the controller: {m:?}"
    );
    assert_eq!(sw.flow_entries(), 1, "the table-miss entry stays");
    assert_eq!(
        sw.poll_timeout(),
        Some(t0 + life + SimTime::from_secs(1)),
        "no entry left to expire, only the PACKET_IN's buffer"
    );
}

/// An OpenFlow hard timeout shorter than the lifetime still wins, and a DELETE before the
/// lifetime ends is announced only if SEND_FLOW_REM asked for it (here: not).
#[test]
fn openflow_timeouts_and_delete_keep_their_rules() {
    let mut sw = switch(2);
    let t0 = SimTime::ZERO;
    let short = FlowMod {
        hard_timeout: 1,
        ..to_host(3, 5)
    };
    add(&mut sw, t0, short, SimTime::from_secs(5));
    assert_eq!(sw.poll_timeout(), Some(SimTime::from_secs(1)));
    add(&mut sw, t0, to_host(4, 5), SimTime::from_ms(1));
    let del = FlowMod {
        command: crate::wire::FlowModCommand::DeleteStrict,
        ..to_host(4, 5)
    };
    sw.handle_message(
        SimTime::from_us(10),
        Message::new(2, MessageBody::FlowMod(del)),
    );
    assert!(
        messages(&mut sw).is_empty(),
        "DELETE without the flag is silent"
    );
    sw.handle_timeout(SimTime::from_secs(1));
    let m = messages(&mut sw);
    assert!(
        matches!(m.as_slice(), [c] if matches!(&c.msg.body,
            MessageBody::FlowRemoved(fr) if fr.reason == FlowRemovedReason::HardTimeout
                && fr.duration_sec == 1)),
        "the 1 s hard timeout fired first: {m:?}"
    );
    assert_eq!(sw.flow_entries(), 0);
}
