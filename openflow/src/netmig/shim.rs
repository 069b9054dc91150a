//! [`MigrationShim`]: the [`Shim`] that presents the old network to the apps and keeps both
//! networks programmed; see the [module docs](super).

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use sim_core::SimTime;

use super::rules::{Copy, CopyKind, Plan, VRule, push_tag};
use super::stats::Gather;
use super::twin::{Tag, TwinMap};
use super::{Algorithm, Phase};

mod barrier;
mod failure;
mod inbound;
mod restore;
use crate::controller::{Shim, ShimContext};
use crate::switch::ControlMessage;
use crate::switch::matching::normalize;
use crate::wire::{
    Action, FlowMod, FlowModCommand, FlowModFlags, Instruction, Masked, Match, Message,
    MessageBody, MultipartRequest, MultipartRequestBody, OFP_NO_BUFFER, OFPP_TABLE, OFPVID_PRESENT,
    PacketOut,
};

/// Cookie of the shim's own tunnel entries ("NM" in the top bytes).
pub const TUNNEL_COOKIE: u64 = 0x4e4d_0000_0000_0000;
/// Priority of the tunnel entries: above any app entry's.
pub const TUNNEL_PRIORITY: u16 = 0xfff0;
/// Buffer ids of the new network's switches, as the apps see them, have this bit set.
pub(crate) const NEW_BUFFER_BIT: u32 = 0x4000_0000;

/// What the shim did, for `summary.json`'s `network_migration`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetMigStats {
    /// When PREPARE_MIGRATION ran.
    pub prepared_at: Option<SimTime>,
    /// When each position's host was reported moved, by position.
    pub moved_at: Vec<Option<SimTime>>,
    /// When MIGRATE_SWITCHES (finalize) ran.
    pub finalized_at: Option<SimTime>,
    /// FLOW_MOD ADDs of copies of app rules (every copy, every phase).
    pub rules_installed: u64,
    /// Of those, the copies made at finalize (Tunnel ASAP's copy to the new network).
    pub rules_copied: u64,
    /// Copies deleted because the phase or a move made them unnecessary.
    pub rules_retired: u64,
    /// Of `rules_installed`, the copies re-installed in a switch that restarted after a
    /// failure ([`MigrationShim`]'s `restore`).
    pub rules_restored: u64,
    /// Tunnel entries installed.
    pub tunnel_rules_installed: u64,
    /// Of those, re-installed in a switch that restarted after a failure.
    pub tunnel_rules_restored: u64,
    /// Tunnel entries deleted.
    pub tunnel_rules_deleted: u64,
    /// FLOW_MODs the shim sent in all.
    pub flow_mods: u64,
    /// Messages apps addressed to switches outside the virtual network (dropped).
    pub foreign_messages: u64,
    /// Buffered packets from switches the apps cannot see, released with a drop.
    pub released_buffers: u64,
}

/// A phase command given out of order (§2.3: tunnels, then hosts one at a time, then
/// finalize).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhaseError {
    /// PREPARE_MIGRATION a second time.
    #[error("PREPARE_MIGRATION was already given")]
    AlreadyPrepared,
    /// A host move or finalize before PREPARE_MIGRATION.
    #[error("{0} before PREPARE_MIGRATION")]
    NotPrepared(&'static str),
    /// Anything after MIGRATE_SWITCHES.
    #[error("the migration is already finalized (MIGRATE_SWITCHES)")]
    Finalized,
    /// The same position moved twice.
    #[error("the host of position {0} has already moved")]
    AlreadyMoved(usize),
    /// A position the twin map does not have.
    #[error("no host position {0} (the twin map has {1})")]
    NoPosition(usize, usize),
}

/// Where a packet the apps saw in a PACKET_IN really is.
#[derive(Clone, Copy, Debug)]
struct Origin {
    dpid: u64,
    buffer: u32,
    in_port: u32,
    tagged: bool,
    /// The port the apps were told it came in on (a position's port when tagged).
    virtual_in: u32,
}

/// The migration shim; see the [module docs](super).
pub struct MigrationShim {
    twin: TwinMap,
    algorithm: Algorithm,
    phase: Phase,
    moved: Vec<bool>,
    rules: Vec<VRule>,
    next_rule: u64,
    /// Copies deleted by the shim whose FLOW_REMOVED is still to come: (dpid, match,
    /// priority) → rule id.
    retired: Vec<(u64, Match, u16, u64, CopyKind)>,
    tunnels: Vec<(u64, FlowMod)>,
    buffers: BTreeMap<u32, Origin>,
    unbuffered: BTreeMap<u64, Origin>,
    ports_down: BTreeSet<(u64, u32)>,
    /// The old switches' port descriptions as the apps last saw them: a new copy's
    /// PORT_STATUS reaches the apps in the virtual (old) port's name and address.
    old_ports: BTreeMap<(u64, u32), crate::wire::Port>,
    gather: Gather,
    stats: NetMigStats,
    /// Per old switch, tagged packets its table-miss entry sent up (Tunnel ASAP's entering
    /// packets that no twin took): their tags are in the entry's byte count.
    tagged_misses: BTreeMap<u64, u64>,
    /// Per position, the (old host, new host) addresses whose VM migration stream the
    /// tunnels carry while prepared ([`MigrationShim::with_migration_streams`]).
    streams: Vec<Option<(Ipv4Addr, Ipv4Addr)>>,
    /// The apps' BARRIER_REQUESTs waiting for the copies' replies ([`barrier`]).
    barriers: barrier::Barriers,
    /// Copies whose control channel is lost ([`failure`]).
    failed: BTreeSet<u64>,
    /// Copies that reconnected and have not yet described their ports, each with whether
    /// the apps see its handshake (it brings back a virtual switch that left).
    rejoining: BTreeMap<u64, bool>,
    /// Virtual switches the apps were told left.
    left: BTreeSet<u64>,
}

/// Bytes of one VLAN tag.
const TAG_BYTES: u64 = 4;

impl MigrationShim {
    /// A shim for `twin`, running `algorithm`.
    ///
    /// # Panics
    ///
    /// If `twin` does not pass [`TwinMap::validate`] (callers check it with a pointed error).
    pub fn new(twin: TwinMap, algorithm: Algorithm) -> MigrationShim {
        if let Err(e) = twin.validate() {
            panic!("invalid twin map: {e}");
        }
        let n = twin.positions.len();
        MigrationShim {
            twin,
            algorithm,
            phase: Phase::Idle,
            moved: vec![false; n],
            rules: Vec::new(),
            next_rule: 0,
            retired: Vec::new(),
            tunnels: Vec::new(),
            buffers: BTreeMap::new(),
            unbuffered: BTreeMap::new(),
            ports_down: BTreeSet::new(),
            old_ports: BTreeMap::new(),
            gather: Gather::default(),
            tagged_misses: BTreeMap::new(),
            streams: Vec::new(),
            barriers: barrier::Barriers::default(),
            failed: BTreeSet::new(),
            rejoining: BTreeMap::new(),
            left: BTreeSet::new(),
            stats: NetMigStats {
                moved_at: vec![None; n],
                ..NetMigStats::default()
            },
        }
    }

    /// Carries the VM migration streams between each position's old and new host through
    /// the inter-network link while the migration is prepared: `streams[i]` is position
    /// i's (old host, new host) addresses. The apps see only the old network and do not
    /// know the new hosts, so the shim routes the stream itself: at the position's old
    /// switch, IPv4 from the host port to the new host's address is tagged
    /// [`Tag::DeliverNew`] and sent to the tunnel switch (and back with
    /// [`Tag::DeliverOld`]), whose delivery entries every algorithm already has. Priority
    /// [`TUNNEL_PRIORITY`] + 1, above Tunnel ASAP's first-hop jump.
    pub fn with_migration_streams(mut self, streams: Vec<Option<(Ipv4Addr, Ipv4Addr)>>) -> Self {
        self.streams = streams;
        self
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// What it did so far.
    pub fn stats(&self) -> &NetMigStats {
        &self.stats
    }

    /// The app entries it keeps, with their copies.
    pub fn rules(&self) -> &[VRule] {
        &self.rules
    }

    /// The twin map.
    pub fn twin(&self) -> &TwinMap {
        &self.twin
    }

    /// How many of the apps' BARRIER_REQUESTs to virtual switch `vdpid` wait for a reply.
    pub fn barriers_waiting(&self, vdpid: u64) -> usize {
        self.barriers.waiting(vdpid)
    }

    /// PREPARE_MIGRATION (§2.3 phase 1): sets up the tunnels and, for ALAP, mirrors every
    /// app entry to the new network. Refused (nothing sent) unless idle.
    pub fn prepare(&mut self, ctx: &mut ShimContext<'_>) -> Result<(), PhaseError> {
        if self.phase != Phase::Idle {
            return Err(PhaseError::AlreadyPrepared);
        }
        self.phase = Phase::Prepared;
        self.stats.prepared_at = Some(ctx.now());
        self.sync_tunnels(ctx);
        self.sync_all(ctx, false);
        Ok(())
    }

    /// MIGRATE_HOST_n has completed: the host of position `i` runs in the new network now
    /// (its VM resumed there). Re-points the rules that output to it and, for ASAP, sends its
    /// packets into the old network. Refused (nothing sent) unless prepared and `i` is a
    /// position not moved yet.
    pub fn host_moved(&mut self, ctx: &mut ShimContext<'_>, i: usize) -> Result<(), PhaseError> {
        match (self.phase, self.moved.get(i)) {
            (_, None) => return Err(PhaseError::NoPosition(i, self.moved.len())),
            (Phase::Idle, _) => return Err(PhaseError::NotPrepared("MIGRATE_HOST")),
            (Phase::Finalized, _) => return Err(PhaseError::Finalized),
            (_, Some(true)) => return Err(PhaseError::AlreadyMoved(i)),
            _ => {}
        }
        self.moved[i] = true;
        self.stats.moved_at[i] = Some(ctx.now());
        self.sync_tunnels(ctx);
        self.sync_all(ctx, false);
        Ok(())
    }

    /// MIGRATE_SWITCHES (§2.3 phase 3): for ASAP copies every app entry to the new network
    /// (remaining hard timeouts), then deletes the old network's entries and every tunnel
    /// entry. Refused (nothing sent) unless prepared.
    pub fn finalize(&mut self, ctx: &mut ShimContext<'_>) -> Result<(), PhaseError> {
        match self.phase {
            Phase::Idle => return Err(PhaseError::NotPrepared("MIGRATE_SWITCHES")),
            Phase::Finalized => return Err(PhaseError::Finalized),
            Phase::Prepared => {}
        }
        self.phase = Phase::Finalized;
        self.stats.finalized_at = Some(ctx.now());
        self.sync_all(ctx, self.algorithm == Algorithm::Asap);
        self.sync_tunnels(ctx);
        Ok(())
    }

    /// The bytes a copy counted, as the virtual entry would have counted them: without the
    /// tunnel tags of the packets that entered through the tunnel (every packet of a twin;
    /// the table-miss entry's tagged misses).
    fn virtual_bytes(&self, r: &VRule, dpid: u64, kind: CopyKind, packets: u64, bytes: u64) -> u64 {
        let tagged = match kind {
            CopyKind::Twin(_) => packets,
            CopyKind::Primary if r.fm.priority == 0 && r.key == Match::default() => {
                self.tagged_misses.get(&dpid).copied().unwrap_or(0)
            }
            CopyKind::Primary => 0,
        };
        bytes.saturating_sub(TAG_BYTES * tagged)
    }

    fn plan(&self) -> Plan<'_> {
        Plan {
            twin: &self.twin,
            algorithm: self.algorithm,
            phase: self.phase,
            moved: &self.moved,
        }
    }

    fn send_flow_mod(&mut self, ctx: &mut ShimContext<'_>, dpid: u64, fm: FlowMod) {
        self.stats.flow_mods += 1;
        ctx.to_switch(dpid, Message::new(0, MessageBody::FlowMod(fm)).into());
    }

    /// Brings every rule's copies to what the plan wants.
    fn sync_all(&mut self, ctx: &mut ShimContext<'_>, copying: bool) {
        for i in 0..self.rules.len() {
            self.sync_rule(ctx, i, copying, None);
        }
    }

    /// Brings rule `ri`'s copies to what the plan wants: adds the missing ones (remaining
    /// hard timeout), modifies those whose instructions changed, then deletes the unwanted.
    /// With `only`, the copies in that switch alone (the others are left as they are).
    fn sync_rule(
        &mut self,
        ctx: &mut ShimContext<'_>,
        ri: usize,
        copying: bool,
        only: Option<u64>,
    ) {
        if self.rules[ri].dying {
            return;
        }
        let now = ctx.now();
        let in_scope = |dpid: u64| only.is_none_or(|d| d == dpid);
        let mut want = self.plan().copies_of(&self.rules[ri]);
        want.retain(|w| in_scope(w.0));
        let rule = &self.rules[ri];
        let mut sends = Vec::new();
        let mut keep: Vec<Copy> = (rule.copies.iter())
            .filter(|c| !in_scope(c.dpid))
            .cloned()
            .collect();
        for (dpid, kind, m, ins) in &want {
            match rule
                .copies
                .iter()
                .find(|c| c.dpid == *dpid && c.kind == *kind)
            {
                Some(c) if &c.instructions == ins => keep.push(c.clone()),
                Some(c) => {
                    let mut fm = copy_fm(rule, m.clone(), ins.clone(), 0);
                    fm.command = FlowModCommand::ModifyStrict;
                    sends.push((*dpid, fm, false));
                    keep.push(Copy {
                        instructions: ins.clone(),
                        ..c.clone()
                    });
                }
                None => {
                    let fm = copy_fm(rule, m.clone(), ins.clone(), rule.remaining_hard(now));
                    sends.push((*dpid, fm, true));
                    keep.push(Copy {
                        dpid: *dpid,
                        kind: *kind,
                        match_: m.clone(),
                        instructions: ins.clone(),
                        sent: now,
                    });
                }
            }
        }
        let gone: Vec<Copy> = rule
            .copies
            .iter()
            .filter(|c| in_scope(c.dpid) && !want.iter().any(|w| w.0 == c.dpid && w.1 == c.kind))
            .cloned()
            .collect();
        let (id, priority) = (rule.id, rule.fm.priority);
        for (dpid, fm, added) in sends {
            if added {
                self.stats.rules_installed += 1;
                self.stats.rules_copied += u64::from(copying);
            }
            self.send_flow_mod(ctx, dpid, fm);
        }
        for c in gone {
            self.stats.rules_retired += 1;
            self.retired
                .push((c.dpid, normalize(&c.match_), priority, id, c.kind));
            let mut fm = FlowMod::delete(c.match_.clone());
            fm.command = FlowModCommand::DeleteStrict;
            fm.priority = priority;
            fm.table_id = self.rules[ri].fm.table_id;
            self.send_flow_mod(ctx, c.dpid, fm);
        }
        self.rules[ri].copies = keep;
    }

    /// The tunnel entries the phase wants (§2.4, §3.3: VLAN tags as tunnels).
    fn wanted_tunnels(&self) -> Vec<(u64, FlowMod)> {
        let mut out = Vec::new();
        if self.phase != Phase::Prepared {
            return out;
        }
        let t = &self.twin;
        let rule = |m: Match, actions: Vec<Action>| {
            let mut fm = FlowMod::add(TUNNEL_PRIORITY, m, vec![Instruction::apply(actions)]);
            fm.cookie = TUNNEL_COOKIE;
            fm
        };
        let tagged = |tag: Tag| Some(Masked::exact(OFPVID_PRESENT | tag.vid()));
        for (i, p) in t.positions.iter().enumerate() {
            let (old_t, new_t) = (
                t.tunnel_port(p.old.0).expect("validated"),
                t.tunnel_port(p.new.0).expect("validated"),
            );
            let mut hops = vec![
                (Tag::DeliverOld(i), old_t, p.old.1),
                (Tag::DeliverNew(i), new_t, p.new.1),
            ];
            if self.algorithm == Algorithm::Asap {
                hops.push((Tag::EnterOld(i), old_t, 0));
            }
            for (tag, edge, host_port) in hops {
                let at_ts = Match {
                    vlan_vid: tagged(tag),
                    ..Match::default()
                };
                out.push((
                    t.tunnel_switch,
                    rule(at_ts, vec![Action::output(edge.ts_port)]),
                ));
                if host_port != 0 {
                    let decap = Match {
                        in_port: Some(edge.port),
                        vlan_vid: tagged(tag),
                        ..Match::default()
                    };
                    let actions = vec![Action::PopVlan, Action::output(host_port)];
                    out.push((edge.dpid, rule(decap, actions)));
                }
            }
            if let Some(&Some((old_ip, new_ip))) = self.streams.get(i) {
                for (at, to, tag, edge) in [
                    (p.old, new_ip, Tag::DeliverNew(i), old_t),
                    (p.new, old_ip, Tag::DeliverOld(i), new_t),
                ] {
                    let m = Match {
                        in_port: Some(at.1),
                        eth_type: Some(0x0800),
                        ipv4_dst: Some(Masked::exact(to)),
                        ..Match::default()
                    };
                    let mut actions = push_tag(tag).to_vec();
                    actions.push(Action::output(edge.port));
                    let mut fm = rule(m, actions);
                    fm.priority = TUNNEL_PRIORITY + 1;
                    out.push((at.0, fm));
                }
            }
            if self.algorithm == Algorithm::Asap && self.moved[i] {
                let first_hop = Match {
                    in_port: Some(p.new.1),
                    ..Match::default()
                };
                let mut actions = push_tag(Tag::EnterOld(i)).to_vec();
                actions.push(Action::output(new_t.port));
                out.push((p.new.0, rule(first_hop, actions)));
            }
        }
        out
    }

    /// Installs the tunnel entries the phase wants and deletes the others.
    fn sync_tunnels(&mut self, ctx: &mut ShimContext<'_>) {
        let want = self.wanted_tunnels();
        let old = std::mem::take(&mut self.tunnels);
        for w in &want {
            if !old.contains(w) {
                self.stats.tunnel_rules_installed += 1;
                self.send_flow_mod(ctx, w.0, w.1.clone());
            }
        }
        for (dpid, fm) in &old {
            if !want.iter().any(|w| w.0 == *dpid && w.1 == *fm) {
                self.stats.tunnel_rules_deleted += 1;
                let mut del = FlowMod::delete(fm.match_.clone());
                del.command = FlowModCommand::DeleteStrict;
                del.priority = fm.priority;
                self.send_flow_mod(ctx, *dpid, del);
            }
        }
        self.tunnels = want;
    }

    // ---- from the apps ---------------------------------------------------------------------

    fn app_flow_mod(&mut self, ctx: &mut ShimContext<'_>, vdpid: u64, fm: FlowMod) {
        let buffer = fm.buffer_id;
        match fm.command {
            FlowModCommand::Add => {
                let key = normalize(&fm.match_);
                let mut stored = fm.clone();
                stored.buffer_id = OFP_NO_BUFFER;
                let found = self.rules.iter().position(|r| {
                    !r.dying
                        && r.vdpid == vdpid
                        && r.fm.priority == fm.priority
                        && r.fm.table_id == fm.table_id
                        && r.key == key
                });
                let ri = match found {
                    Some(ri) => {
                        // ADD over an identical entry replaces it (§6.4): re-add every copy.
                        let r = &mut self.rules[ri];
                        r.fm = stored;
                        r.installed = ctx.now();
                        r.carried = (0, 0);
                        r.copies.clear();
                        ri
                    }
                    None => {
                        self.rules.push(VRule {
                            id: self.next_rule,
                            vdpid,
                            fm: stored,
                            key,
                            installed: ctx.now(),
                            copies: Vec::new(),
                            carried: (0, 0),
                            dying: false,
                        });
                        self.next_rule += 1;
                        self.rules.len() - 1
                    }
                };
                self.sync_rule(ctx, ri, false, None);
            }
            FlowModCommand::Modify | FlowModCommand::ModifyStrict => {
                for ri in 0..self.rules.len() {
                    if self.rules[ri].vdpid == vdpid && self.rules[ri].selected_by(&fm) {
                        self.rules[ri].fm.instructions = fm.instructions.clone();
                        self.sync_rule(ctx, ri, false, None);
                    }
                }
            }
            FlowModCommand::Delete | FlowModCommand::DeleteStrict => {
                for ri in 0..self.rules.len() {
                    let r = &self.rules[ri];
                    if r.vdpid != vdpid || !r.selected_by(&fm) {
                        continue;
                    }
                    let (priority, table) = (r.fm.priority, r.fm.table_id);
                    let copies: Vec<(u64, Match)> = r
                        .copies
                        .iter()
                        .map(|c| (c.dpid, c.match_.clone()))
                        .collect();
                    self.rules[ri].dying = true;
                    for (dpid, m) in copies {
                        let mut del = FlowMod::delete(m);
                        del.command = FlowModCommand::DeleteStrict;
                        del.priority = priority;
                        del.table_id = table;
                        self.send_flow_mod(ctx, dpid, del);
                    }
                }
                return;
            }
        }
        if buffer != OFP_NO_BUFFER {
            // §6.4: the FLOW_MOD's buffer goes through the table, which now holds the copies.
            self.release(ctx, vdpid, buffer, vec![Action::output(OFPP_TABLE)], None);
        }
    }

    /// Sends a PACKET_OUT for the buffered or carried packet to the switch that has it.
    fn release(
        &mut self,
        ctx: &mut ShimContext<'_>,
        vdpid: u64,
        buffer: u32,
        actions: Vec<Action>,
        sent: Option<ControlMessage>,
    ) {
        // Where the apps' switch is now: the old one, or the new one after finalize.
        let here = match self.phase {
            Phase::Finalized => self.twin.new_of(vdpid).expect("virtual"),
            _ => vdpid,
        };
        let fallback = Origin {
            dpid: here,
            buffer,
            in_port: 0,
            tagged: false,
            virtual_in: 0,
        };
        let origin = if buffer != OFP_NO_BUFFER {
            self.buffers.remove(&buffer).unwrap_or(fallback)
        } else {
            // An unbuffered packet goes where it came from only when the app sends it back
            // to the switch that sent it up (apps also send it out of other switches).
            let uid = sent.as_ref().and_then(|m| m.packet).map(|p| p.meta.uid);
            let of_here = |o: &Origin| self.twin.virtual_of(o.dpid).map(|v| v.0) == Some(vdpid);
            match uid.and_then(|u| self.unbuffered.get(&u).map(|o| (u, *o))) {
                Some((u, o)) if of_here(&o) => {
                    self.unbuffered.remove(&u);
                    o
                }
                _ => fallback,
            }
        };
        let table_only = actions == [Action::output(OFPP_TABLE)];
        let mut actions = if table_only {
            actions
        } else {
            let ingress = origin.tagged.then_some(origin.virtual_in);
            self.plan()
                .rewrite_actions_from(&actions, origin.dpid, vdpid, ingress)
        };
        if origin.tagged && buffer != OFP_NO_BUFFER && !table_only {
            actions.insert(0, Action::PopVlan);
        }
        let msg = match sent {
            Some(mut cm) => {
                if let MessageBody::PacketOut(po) = &mut cm.msg.body {
                    po.actions = actions;
                    po.buffer_id = origin.buffer;
                }
                cm
            }
            None => {
                let po = PacketOut {
                    buffer_id: origin.buffer,
                    in_port: origin.in_port,
                    actions,
                    data: Vec::new(),
                };
                Message::new(0, MessageBody::PacketOut(po)).into()
            }
        };
        ctx.to_switch(origin.dpid, msg);
    }

    fn app_multipart(
        &mut self,
        ctx: &mut ShimContext<'_>,
        vdpid: u64,
        msg: ControlMessage,
        req: &MultipartRequest,
    ) {
        let gathered = matches!(
            req.body,
            MultipartRequestBody::Flow(_) | MultipartRequestBody::PortStats { .. }
        );
        if !gathered {
            ctx.to_switch(vdpid, msg);
            return;
        }
        let new = self.twin.new_of(vdpid).expect("virtual");
        // Port counters live on in both switches; flow entries only where copies are.
        let targets: Vec<u64> = match (self.phase, self.algorithm) {
            _ if matches!(req.body, MultipartRequestBody::PortStats { .. }) => vec![vdpid, new],
            (Phase::Finalized, _) => vec![new],
            (Phase::Prepared, Algorithm::Alap) => vec![vdpid, new],
            _ => vec![vdpid],
        };
        // A failed copy answers nothing; with no copy left, the request is lost.
        let targets: Vec<u64> = targets
            .into_iter()
            .filter(|&t| !self.is_failed(t))
            .collect();
        if targets.is_empty() {
            return;
        }
        self.gather.start(vdpid, &targets);
        for t in targets {
            ctx.to_switch(t, Message::new(0, msg.msg.body.clone()).into());
        }
    }
}

/// The FLOW_MOD that installs a copy of `rule` with match `m` and instructions `ins`: the
/// app's cookie, table, priority, idle timeout and flags (always asking for FLOW_REMOVED, so
/// the shim learns when a copy goes), no buffer, hard timeout `hard`.
fn copy_fm(rule: &VRule, m: Match, ins: Vec<Instruction>, hard: u16) -> FlowMod {
    FlowMod {
        command: FlowModCommand::Add,
        match_: m,
        instructions: ins,
        hard_timeout: hard,
        buffer_id: OFP_NO_BUFFER,
        flags: rule.fm.flags | FlowModFlags::SEND_FLOW_REM,
        ..rule.fm.clone()
    }
}

impl Shim for MigrationShim {
    fn inbound(&mut self, ctx: &mut ShimContext<'_>, dpid: u64, cm: ControlMessage) {
        let Some((vdpid, on_new)) = self.twin.virtual_of(dpid) else {
            // The tunnel switch (and anything else outside the twin map) is the shim's.
            match &cm.msg.body {
                MessageBody::PacketIn(pi) => self.drop_hidden(ctx, dpid, pi.buffer_id),
                MessageBody::FeaturesReply(_) if self.rejoining.remove(&dpid).is_some() => {
                    self.restore_copy(ctx, dpid);
                }
                _ => {}
            }
            return;
        };
        match &cm.msg.body {
            MessageBody::PacketIn(_) => self.packet_in(ctx, dpid, cm),
            MessageBody::FlowRemoved(fr) => {
                let fr = fr.clone();
                self.flow_removed(ctx, dpid, &fr);
            }
            MessageBody::PortStatus(ps) => {
                let ps = ps.clone();
                self.port_status(ctx, dpid, vdpid, &ps);
            }
            MessageBody::MultipartReply(r) => {
                let r = r.clone();
                if self.ports_back(ctx, dpid, vdpid, &r) {
                    self.multipart_reply(ctx, dpid, vdpid, cm, &r);
                }
            }
            MessageBody::BarrierReply => self.barriers.reply(ctx, vdpid, on_new, cm),
            // The new switches' handshake is the shim's; the apps met their counterparts
            // (unless the virtual switch left and this copy brings it back).
            MessageBody::FeaturesReply(_) => {
                if self.features(ctx, dpid, vdpid, on_new) {
                    ctx.to_app(vdpid, Self::as_virtual_features(vdpid, cm.msg).into());
                }
            }
            _ => ctx.to_app(vdpid, cm),
        }
    }

    fn connected(&mut self, _ctx: &mut ShimContext<'_>, dpid: u64) {
        self.copy_connected(dpid);
    }

    fn disconnected(&mut self, ctx: &mut ShimContext<'_>, dpid: u64) {
        self.copy_failed(ctx, dpid);
    }

    fn outbound(&mut self, ctx: &mut ShimContext<'_>, dpid: u64, cm: ControlMessage) {
        if self.twin.new_of(dpid).is_none() {
            self.stats.foreign_messages += 1;
            return;
        }
        match &cm.msg.body {
            MessageBody::FlowMod(fm) => {
                let fm = fm.clone();
                self.app_flow_mod(ctx, dpid, fm);
            }
            MessageBody::PacketOut(po) => {
                let (buffer, actions) = (po.buffer_id, po.actions.clone());
                self.release(ctx, dpid, buffer, actions, Some(cm));
            }
            MessageBody::MultipartRequest(req) => {
                let req = req.clone();
                self.app_multipart(ctx, dpid, cm, &req);
            }
            MessageBody::BarrierRequest => {
                let copies = self.barrier_copies(dpid);
                self.barriers.request(ctx, dpid, cm, &copies);
            }
            _ => ctx.to_switch(dpid, cm),
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
