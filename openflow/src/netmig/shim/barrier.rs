//! An app's BARRIER_REQUEST to a virtual switch (§2.2: the app sees one switch): before
//! PREPARE_MIGRATION it reaches the old copy alone, as without the shim; from then on both
//! copies, and the app gets one BARRIER_REPLY once every copy that owes one answered.
//!
//! A switch answers barriers in order and the runtime numbers each copy's request itself, so
//! order, not xid, pairs a copy's reply with the app's request. A copy that is down when the
//! request leaves, or fails before it answers, owes nothing: the barrier is answered when the
//! copies still serving have answered (at once if none is outstanding). When the virtual
//! switch leaves, its pending barriers go with it (the app saw the switch leave).

use std::collections::{BTreeMap, VecDeque};

use crate::controller::ShimContext;
use crate::switch::ControlMessage;

/// One app BARRIER_REQUEST waiting for its copies.
#[derive(Debug)]
struct Pending {
    /// The app's xid (0: the runtime numbered each copy's request, and the app never knew).
    xid: u32,
    /// Whether the old copy, then the new copy, still owes a reply.
    owed: [bool; 2],
    /// The reply the app will get: the old copy's when it answered (it carries the xid the
    /// app's request left with), else the new copy's.
    reply: Option<ControlMessage>,
}

impl Pending {
    fn answered(&self) -> bool {
        self.owed == [false, false]
    }
}

/// The apps' barriers in flight, per virtual switch, oldest first.
#[derive(Debug, Default)]
pub(super) struct Barriers {
    pending: BTreeMap<u64, VecDeque<Pending>>,
}

impl Barriers {
    /// The app's request `cm` to virtual switch `vdpid` goes to each of `copies` (the old
    /// copy, then the new copy if any), with whether that copy owes a reply: a copy that is
    /// down is still sent it (lost with its channel, as any message to a failed switch) but
    /// owes none; with nothing owed (the virtual switch left) no reply comes.
    pub(super) fn request(
        &mut self,
        ctx: &mut ShimContext<'_>,
        vdpid: u64,
        cm: ControlMessage,
        copies: &[(u64, bool)],
    ) {
        let mut owed = [false; 2];
        for (i, &(dpid, up)) in copies.iter().enumerate() {
            owed[i] = up;
            ctx.to_switch(dpid, cm.clone());
        }
        if owed != [false, false] {
            self.pending.entry(vdpid).or_default().push_back(Pending {
                xid: cm.msg.xid,
                owed,
                reply: None,
            });
        }
    }

    /// A BARRIER_REPLY from the old (`on_new` false) or new copy of `vdpid`. A reply that
    /// answers no app barrier (one to a virtual switch that had left) is dropped.
    pub(super) fn reply(
        &mut self,
        ctx: &mut ShimContext<'_>,
        vdpid: u64,
        on_new: bool,
        cm: ControlMessage,
    ) {
        let c = usize::from(on_new);
        let waiting = (self.pending.get_mut(&vdpid)).and_then(|q| q.iter_mut().find(|p| p.owed[c]));
        let Some(p) = waiting else {
            return;
        };
        p.owed[c] = false;
        if !on_new || p.reply.is_none() {
            p.reply = Some(cm);
        }
        self.flush(ctx, vdpid);
    }

    /// Copy `on_new` of `vdpid` failed: it owes nothing any more, and the barriers the other
    /// copy has already answered (or owed nothing for) are answered now.
    pub(super) fn copy_failed(&mut self, ctx: &mut ShimContext<'_>, vdpid: u64, on_new: bool) {
        if let Some(q) = self.pending.get_mut(&vdpid) {
            for p in q.iter_mut() {
                p.owed[usize::from(on_new)] = false;
            }
        }
        self.flush(ctx, vdpid);
    }

    /// The virtual switch `vdpid` left: its barriers are dropped.
    pub(super) fn left(&mut self, vdpid: u64) {
        self.pending.remove(&vdpid);
    }

    /// How many of the apps' barriers to `vdpid` wait for a reply.
    pub(super) fn waiting(&self, vdpid: u64) -> usize {
        self.pending.get(&vdpid).map_or(0, VecDeque::len)
    }

    /// Answers the app's oldest barriers that no copy owes a reply any more, in order.
    fn flush(&mut self, ctx: &mut ShimContext<'_>, vdpid: u64) {
        let Some(q) = self.pending.get_mut(&vdpid) else {
            return;
        };
        while q.front().is_some_and(Pending::answered) {
            let p = q.pop_front().expect("front");
            match p.reply {
                Some(mut cm) => {
                    if p.xid != 0 {
                        cm.msg.xid = p.xid;
                    }
                    ctx.to_app(vdpid, cm);
                }
                None => {
                    let msg =
                        crate::wire::Message::new(p.xid, crate::wire::MessageBody::BarrierReply);
                    ctx.to_app(vdpid, msg.into());
                }
            }
        }
        if q.is_empty() {
            self.pending.remove(&vdpid);
        }
    }
}
