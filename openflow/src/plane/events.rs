//! The plane's engine events: what each one means, packed into net-stack's
//! [`PlaneEvent`] (`u64`), and the slab that holds the messages in flight (a message is not
//! plain data, so the event carries the index of its slot).

use net_stack::plane::PlaneEvent;

use crate::switch::ControlMessage;

/// What happens when an event is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// Message slot `.0` (from a switch) reaches its controller, which queues it.
    ToController(u32),
    /// The controller has processed message slot `.0`: its apps see it.
    Process(u32),
    /// Message slot `.0` (from a controller) reaches its switch, which queues it.
    ToSwitch(u32),
    /// The switch has handled message slot `.0`: apply it.
    Apply(u32),
    /// Switch `.0`'s next flow or buffer expiry (ignored when superseded).
    Expiry(u32),
    /// Controller `.0`'s timer `.1` ([`crate::controller::TimerId`]).
    Timer(u32, u32),
    /// The network-migration driver's timed command `.0` ([`super::netmig`]).
    Command(u32),
    /// The finalize phase has settled: count its losses ([`super::netmig::FinalizeProbe`]).
    FinalizeSettled,
}

const KIND_BITS: u32 = 3;
const OWNER_BITS: u32 = 29;

impl Step {
    /// Packs the step: kind in the low 3 bits, owner (switch or controller index) in the next
    /// 29, slot or timer id in the high 32.
    pub(super) fn pack(self) -> PlaneEvent {
        let (kind, owner, slot) = match self {
            Step::ToController(s) => (0, 0, s),
            Step::Process(s) => (1, 0, s),
            Step::ToSwitch(s) => (2, 0, s),
            Step::Apply(s) => (3, 0, s),
            Step::Expiry(i) => (4, i, 0),
            Step::Timer(c, id) => (5, c, id),
            Step::Command(k) => (6, 0, k),
            Step::FinalizeSettled => (7, 0, 0),
        };
        debug_assert!(owner < 1 << OWNER_BITS, "owner index fits");
        kind | u64::from(owner) << KIND_BITS | u64::from(slot) << (KIND_BITS + OWNER_BITS)
    }

    /// The step [`Step::pack`] packed.
    pub(super) fn unpack(ev: PlaneEvent) -> Step {
        let owner = ((ev >> KIND_BITS) & ((1 << OWNER_BITS) - 1)) as u32;
        let slot = (ev >> (KIND_BITS + OWNER_BITS)) as u32;
        match ev & ((1 << KIND_BITS) - 1) {
            0 => Step::ToController(slot),
            1 => Step::Process(slot),
            2 => Step::ToSwitch(slot),
            3 => Step::Apply(slot),
            4 => Step::Expiry(owner),
            5 => Step::Timer(owner, slot),
            6 => Step::Command(slot),
            _ => Step::FinalizeSettled,
        }
    }
}

/// The switch index of a slot whose message was lost with its switch ([`InFlight::cancel`]).
pub(super) const LOST: u32 = u32::MAX;

/// Messages in flight on the control channels, each with the index of its switch; slots of
/// delivered messages are reused (last freed first, so the layout is deterministic).
#[derive(Debug, Default)]
pub(super) struct InFlight {
    slots: Vec<Option<(u32, ControlMessage)>>,
    free: Vec<u32>,
    /// The slots inserted since [`InFlight::record`], while recording.
    recording: Option<Vec<u32>>,
}

impl InFlight {
    /// Stores `msg` of switch `switch`; returns its slot.
    pub(super) fn insert(&mut self, switch: u32, msg: ControlMessage) -> u32 {
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some((switch, msg));
                s
            }
            None => {
                self.slots.push(Some((switch, msg)));
                (self.slots.len() - 1) as u32
            }
        };
        if let Some(r) = self.recording.as_mut() {
            r.push(slot);
        }
        slot
    }

    /// Starts noting the slots of the messages inserted from now on.
    pub(super) fn record(&mut self) {
        self.recording = Some(Vec::new());
    }

    /// Stops noting; the slots inserted since [`InFlight::record`].
    pub(super) fn recorded(&mut self) -> Vec<u32> {
        self.recording.take().unwrap_or_default()
    }

    /// Takes the message out of `slot` (the slot becomes free).
    pub(super) fn take(&mut self, slot: u32) -> (u32, ControlMessage) {
        let m = self.slots[slot as usize]
            .take()
            .expect("a message in flight");
        self.free.push(slot);
        m
    }

    /// The message in `slot` and its switch.
    pub(super) fn get(&self, slot: u32) -> (u32, &ControlMessage) {
        let (sw, msg) = self.slots[slot as usize]
            .as_ref()
            .expect("a message in flight");
        (*sw, msg)
    }

    /// Marks every message of switch `switch` in flight as [`LOST`] (its step frees the slot
    /// when it comes); how many there were.
    pub(super) fn cancel(&mut self, switch: u32) -> usize {
        let mut n = 0;
        for (sw, _) in self.slots.iter_mut().flatten() {
            if *sw == switch {
                *sw = LOST;
                n += 1;
            }
        }
        n
    }

    /// Messages in flight.
    pub(super) fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Message, MessageBody};

    /// Every step survives packing, at the extremes of its fields.
    #[test]
    fn steps_round_trip() {
        let max_owner = (1 << OWNER_BITS) - 1;
        for s in [
            Step::ToController(0),
            Step::Process(u32::MAX),
            Step::ToSwitch(7),
            Step::Apply(1 << 31),
            Step::Expiry(max_owner),
            Step::Timer(max_owner, u32::MAX),
            Step::Timer(3, 0),
            Step::Command(u32::MAX),
            Step::FinalizeSettled,
        ] {
            assert_eq!(Step::unpack(s.pack()), s);
        }
    }

    /// Slots are reused last-freed-first; a message stays until taken.
    #[test]
    fn slab_reuses_slots() {
        let m = |x| ControlMessage::from(Message::new(x, MessageBody::BarrierRequest));
        let mut f = InFlight::default();
        let (a, b) = (f.insert(1, m(1)), f.insert(2, m(2)));
        assert_eq!((a, b, f.len()), (0, 1, 2));
        assert_eq!(f.get(b).1.msg.xid, 2);
        let (sw, msg) = f.take(a);
        assert_eq!((sw, msg.msg.xid, f.len()), (1, 1, 1));
        f.take(b);
        assert_eq!(f.insert(3, m(3)), b, "last freed first");
        assert_eq!(f.len(), 1);
    }
}
