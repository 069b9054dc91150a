//! The apps' flow rules as the shim keeps them (one [`VRule`] per entry of a virtual switch)
//! and their copies in the real switches: which copies a rule should have in each phase and
//! algorithm, and how a copy's match and actions are derived from the app's (seed 001 §2.4).

use sim_core::SimTime;

use super::twin::{Tag, TwinMap};
use super::{Algorithm, Phase};
use crate::switch::matching::{CompiledMatch, normalize};
use crate::wire::{
    Action, FlowMod, FlowModCommand, Instruction, Masked, Match, OFPP_ALL, OFPP_ANY,
    OFPP_CONTROLLER, OFPP_FLOOD, OFPTT_ALL, OFPVID_NONE, OFPVID_PRESENT, Oxm,
};

/// What a copy of an app rule is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CopyKind {
    /// The rule as the app wrote it (outputs to moved hosts turned into tunnel jumps).
    Primary,
    /// Tunnel ASAP: the rule for packets that entered the old network through the tunnel
    /// on behalf of position i (match `in_port` = tunnel port, the position's tag; pops it).
    Twin(usize),
}

/// One copy of a rule in a real switch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copy {
    /// The switch holding it.
    pub dpid: u64,
    /// Why it exists.
    pub kind: CopyKind,
    /// Its match there.
    pub match_: Match,
    /// Its instructions as last sent.
    pub instructions: Vec<Instruction>,
    /// When the shim sent it (its switch's duration counts from about then).
    pub sent: SimTime,
}

/// An entry of a virtual switch, as the app installed it.
#[derive(Clone, Debug)]
pub struct VRule {
    /// Shim-wide id (stable while copies come and go).
    pub id: u64,
    /// The virtual (old) switch.
    pub vdpid: u64,
    /// The app's FLOW_MOD, its command ADD and its buffer cleared.
    pub fm: FlowMod,
    /// The app's match, normalised (the identity of the entry with the priority).
    pub key: Match,
    /// When the app installed it.
    pub installed: SimTime,
    /// The copies alive in the switches.
    pub copies: Vec<Copy>,
    /// Packets and bytes counted by copies that are gone.
    pub carried: (u64, u64),
    /// The app deleted it; waiting for its copies' FLOW_REMOVED.
    pub dying: bool,
}

impl VRule {
    /// Whether an app FLOW_MOD (MODIFY, DELETE, strict or not) selects this entry (§6.4).
    pub fn selected_by(&self, fm: &FlowMod) -> bool {
        if self.dying || (fm.table_id != OFPTT_ALL && fm.table_id != self.fm.table_id) {
            return false;
        }
        if (self.fm.cookie ^ fm.cookie) & fm.cookie_mask != 0 {
            return false;
        }
        let deleting = matches!(
            fm.command,
            FlowModCommand::Delete | FlowModCommand::DeleteStrict
        );
        if deleting && fm.out_port != OFPP_ANY && !outputs_to(&self.fm.instructions, fm.out_port) {
            return false;
        }
        match fm.command {
            FlowModCommand::ModifyStrict | FlowModCommand::DeleteStrict => {
                self.fm.priority == fm.priority && self.key == normalize(&fm.match_)
            }
            _ => CompiledMatch::new(&self.key).is_subset_of(&CompiledMatch::new(&fm.match_)),
        }
    }

    /// Hard timeout left at `now` (whole seconds, at least 1; 0 = none): what a copy made
    /// now must carry so that it expires when the app's entry would (§2.2, "timers").
    pub fn remaining_hard(&self, now: SimTime) -> u16 {
        if self.fm.hard_timeout == 0 {
            return 0;
        }
        let total_ms = u64::from(self.fm.hard_timeout) * 1000;
        let elapsed_ms = now.saturating_sub(self.installed).as_ps() / 1_000_000_000;
        let left_ms = total_ms.saturating_sub(elapsed_ms);
        ((left_ms + 500) / 1000).clamp(1, u64::from(u16::MAX)) as u16
    }

    /// Whether the entry's hard timeout has passed at `now` (a copy made now would carry
    /// none of it; [`VRule::remaining_hard`] rounds it up to 1 s).
    pub fn hard_expired(&self, now: SimTime) -> bool {
        self.fm.hard_timeout != 0
            && now.saturating_sub(self.installed)
                >= SimTime::from_secs(u64::from(self.fm.hard_timeout))
    }
}

fn outputs_to(instructions: &[Instruction], port: u32) -> bool {
    instructions.iter().any(|i| match i {
        Instruction::ApplyActions(a) | Instruction::WriteActions(a) => a
            .iter()
            .any(|a| matches!(a, Action::Output { port: p, .. } if *p == port)),
        _ => false,
    })
}

/// The state a copy depends on.
pub struct Plan<'a> {
    /// The networks.
    pub twin: &'a TwinMap,
    /// Which algorithm runs.
    pub algorithm: Algorithm,
    /// The migration phase.
    pub phase: Phase,
    /// Per position: its host is in the new network.
    pub moved: &'a [bool],
}

impl Plan<'_> {
    /// The copies `rule` should have now, with their matches and instructions.
    pub fn copies_of(&self, rule: &VRule) -> Vec<(u64, CopyKind, Match, Vec<Instruction>)> {
        let v = rule.vdpid;
        let new = self
            .twin
            .new_of(v)
            .expect("virtual switches are old switches");
        let mut out = Vec::new();
        let primary = |dpid: u64| {
            let ins = self.rewrite(&rule.fm.instructions, dpid, v);
            (dpid, CopyKind::Primary, rule.fm.match_.clone(), ins)
        };
        match (self.phase, self.algorithm) {
            (Phase::Finalized, _) => out.push(primary(new)),
            (Phase::Idle, _) | (Phase::Prepared, Algorithm::Asap) => {
                let mut p = primary(v);
                let table_miss = rule.fm.priority == 0 && rule.key == Match::default();
                if self.algorithm == Algorithm::Asap && p.2.vlan_vid.is_none() && !table_miss {
                    // Untagged only, so that a packet entering through the tunnel (tagged)
                    // meets the twins, never the primary it would tie with (§2.4.1). The
                    // table-miss entry stays as it is (its PACKET_INs say NO_MATCH), and a
                    // tagged packet it catches is shown to the apps untagged anyway.
                    p.2.vlan_vid = Some(Masked::exact(OFPVID_NONE));
                }
                out.push(p);
                if self.phase == Phase::Prepared {
                    out.extend(self.twins(rule, v));
                }
            }
            (Phase::Prepared, Algorithm::Alap) => {
                out.push(primary(v));
                out.push(primary(new));
            }
        }
        out
    }

    /// Tunnel ASAP's twins of `rule` at old switch `v`, one per moved position there whose
    /// packets the rule could match.
    fn twins(
        &self,
        rule: &VRule,
        v: u64,
    ) -> impl Iterator<Item = (u64, CopyKind, Match, Vec<Instruction>)> + '_ {
        let tunnel = self.twin.tunnel_port(v).map(|t| t.port);
        let m = rule.fm.match_.clone();
        let ins = rule.fm.instructions.clone();
        self.twin
            .positions
            .iter()
            .enumerate()
            .filter(move |&(i, p)| {
                self.moved[i]
                    && p.old.0 == v
                    && m.vlan_vid.is_none()
                    && m.in_port.is_none_or(|ip| ip == p.old.1)
            })
            .filter_map(move |(i, p)| {
                let port = tunnel?;
                let mut tm = m.clone();
                tm.in_port = Some(port);
                tm.vlan_vid = Some(Masked::exact(OFPVID_PRESENT | Tag::EnterOld(i).vid()));
                let mut t = self.rewrite_from(&ins, v, v, Some(p.old.1));
                pop_first(&mut t);
                Some((v, CopyKind::Twin(i), tm, t))
            })
    }

    /// The app's instructions for switch `dpid` (virtual switch `v`): an output to a
    /// position whose host is in the other network becomes a jump through the tunnel
    /// (push the position's tag, out of the tunnel port, pop it for the outputs that
    /// follow); an output to the tunnel port itself, which the app sees as a port with
    /// nothing behind it, is dropped.
    pub fn rewrite(&self, ins: &[Instruction], dpid: u64, v: u64) -> Vec<Instruction> {
        self.rewrite_from(ins, dpid, v, None)
    }

    /// [`Plan::rewrite`] for packets that entered by virtual port `ingress` (see
    /// [`Plan::rewrite_actions_from`]).
    pub fn rewrite_from(
        &self,
        ins: &[Instruction],
        dpid: u64,
        v: u64,
        ingress: Option<u32>,
    ) -> Vec<Instruction> {
        ins.iter()
            .map(|i| match i {
                Instruction::ApplyActions(a) => {
                    Instruction::ApplyActions(self.rewrite_actions_from(a, dpid, v, ingress))
                }
                other => other.clone(),
            })
            .collect()
    }

    /// [`Plan::rewrite`] for one action list (the tests' shorthand).
    #[cfg(test)]
    pub fn rewrite_actions(&self, actions: &[Action], dpid: u64, v: u64) -> Vec<Action> {
        self.rewrite_actions_from(actions, dpid, v, None)
    }

    /// [`Plan::rewrite`] for one action list, for a packet that entered virtual switch `v` by virtual
    /// port `ingress` (when it came through the tunnel on behalf of a position: a flood must
    /// not send it back there). A FLOOD or ALL output at a switch with a tunnel link (the
    /// last port, as the twin builders number them) becomes one output per port of the
    /// virtual switch, the tunnel port left out, each rewritten as an explicit output: so
    /// a flood reaches the hosts of both networks' positions (those on the other side
    /// through the tunnel, tagged for delivery only, so no copy loops back), and the
    /// switch still skips the port the packet came in on (§7.2.5).
    pub fn rewrite_actions_from(
        &self,
        actions: &[Action],
        dpid: u64,
        v: u64,
        ingress: Option<u32>,
    ) -> Vec<Action> {
        let tunnel = self.twin.tunnel_port(dpid).map(|t| t.port);
        let mut out = Vec::with_capacity(actions.len());
        for a in actions {
            match a {
                Action::Output { port, max_len } if *port == OFPP_FLOOD || *port == OFPP_ALL => {
                    let Some(t) = tunnel else {
                        out.push(a.clone());
                        continue;
                    };
                    for p in (1..t).filter(|&p| Some(p) != ingress) {
                        self.output(&mut out, p, *max_len, dpid, v, t);
                    }
                }
                Action::Output { port, max_len } => match tunnel {
                    Some(t) => self.output(&mut out, *port, *max_len, dpid, v, t),
                    None => out.push(a.clone()),
                },
                _ => out.push(a.clone()),
            }
        }
        out
    }

    /// An output to `port` of switch `dpid` (virtual switch `v`, tunnel port `tunnel`):
    /// nothing for the tunnel port itself, a tunnel jump for a position whose host is on
    /// the other side, else the output as it is.
    fn output(
        &self,
        out: &mut Vec<Action>,
        port: u32,
        max_len: u16,
        dpid: u64,
        v: u64,
        tunnel: u32,
    ) {
        if port == tunnel {
            return;
        }
        let on_new = dpid != v;
        match self.twin.position_at(v, port) {
            Some(i) if self.moved[i] != on_new => {
                let tag = if self.moved[i] {
                    Tag::DeliverNew(i)
                } else {
                    Tag::DeliverOld(i)
                };
                out.extend(push_tag(tag));
                out.push(Action::output(tunnel));
                out.push(Action::PopVlan);
            }
            _ => out.push(Action::Output { port, max_len }),
        }
    }
}

/// The actions that push `tag` as a new outer 802.1Q tag.
pub fn push_tag(tag: Tag) -> [Action; 2] {
    [
        Action::PushVlan { ethertype: 0x8100 },
        Action::SetField(Oxm::VlanVid(Masked::exact(OFPVID_PRESENT | tag.vid()))),
    ]
}

/// Puts a POP_VLAN before everything the instructions do, except copies to the
/// controller, which go first and keep the tag (so the shim can tell which position the
/// packet entered for and show it to the apps as arriving on that position's port).
fn pop_first(ins: &mut Vec<Instruction>) {
    match ins
        .iter_mut()
        .find(|i| matches!(i, Instruction::ApplyActions(_)))
    {
        Some(Instruction::ApplyActions(a)) => {
            let to_ctl =
                |x: &Action| matches!(x, Action::Output { port, .. } if *port == OFPP_CONTROLLER);
            let (mut out, rest): (Vec<Action>, Vec<Action>) = a.drain(..).partition(to_ctl);
            out.push(Action::PopVlan);
            out.extend(rest);
            *a = out;
        }
        _ => ins.insert(0, Instruction::ApplyActions(vec![Action::PopVlan])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netmig::twin::{Position, TunnelPort};

    fn twin() -> TwinMap {
        TwinMap {
            pairs: vec![(1, 5)],
            tunnel_switch: 9,
            tunnel_ports: vec![
                TunnelPort {
                    dpid: 1,
                    port: 4,
                    ts_port: 1,
                },
                TunnelPort {
                    dpid: 5,
                    port: 4,
                    ts_port: 2,
                },
            ],
            positions: vec![Position {
                old: (1, 1),
                new: (5, 1),
            }],
        }
    }

    fn rule(hard: u16) -> VRule {
        let mut fm = FlowMod::add(
            1,
            Match::default(),
            vec![Instruction::apply(vec![
                Action::output(1),
                Action::output(2),
            ])],
        );
        fm.hard_timeout = hard;
        VRule {
            id: 0,
            vdpid: 1,
            key: normalize(&fm.match_),
            fm,
            installed: SimTime::from_secs(0),
            copies: Vec::new(),
            carried: (0, 0),
            dying: false,
        }
    }

    /// Tunnel ASAP before the host moves: one copy, as written. After: the old copy jumps to
    /// the new network for the moved host's port (push, out of the tunnel, pop, then the rest)
    /// and a twin for packets entering on the host's behalf pops the tag first.
    #[test]
    fn asap_copies() {
        let t = twin();
        let mut moved = [false];
        let plan = Plan {
            twin: &t,
            algorithm: Algorithm::Asap,
            phase: Phase::Prepared,
            moved: &moved,
        };
        let c = plan.copies_of(&rule(0));
        assert_eq!(c.len(), 1, "only the old copy");
        assert_eq!(c[0].3, rule(0).fm.instructions, "unchanged");
        moved[0] = true;
        let plan = Plan {
            twin: &t,
            algorithm: Algorithm::Asap,
            phase: Phase::Prepared,
            moved: &moved,
        };
        let c = plan.copies_of(&rule(0));
        assert_eq!(c.len(), 2, "primary and twin");
        let [push, set] = push_tag(Tag::DeliverNew(0));
        assert_eq!(
            c[0].3,
            vec![Instruction::apply(vec![
                push.clone(),
                set.clone(),
                Action::output(4),
                Action::PopVlan,
                Action::output(2)
            ])],
            "jump to the new network for port 1"
        );
        assert_eq!(c[1].1, CopyKind::Twin(0));
        assert_eq!(c[1].2.in_port, Some(4), "twin matches the tunnel port");
        let Instruction::ApplyActions(a) = &c[1].3[0] else {
            panic!("apply")
        };
        assert_eq!(a[0], Action::PopVlan, "twin pops first");
    }

    /// Tunnel ALAP mirrors: the old copy tunnels to the moved host, the new copy outputs to
    /// it directly; after finalize only the new copy is left.
    #[test]
    fn alap_copies() {
        let t = twin();
        let moved = [true];
        let plan = Plan {
            twin: &t,
            algorithm: Algorithm::Alap,
            phase: Phase::Prepared,
            moved: &moved,
        };
        let c = plan.copies_of(&rule(0));
        assert_eq!((c[0].0, c[1].0), (1, 5), "old and new");
        assert_eq!(c[1].3, rule(0).fm.instructions, "new copy as written");
        assert_ne!(c[0].3, rule(0).fm.instructions, "old copy tunnels");
        let plan = Plan {
            phase: Phase::Finalized,
            ..plan
        };
        let c = plan.copies_of(&rule(0));
        assert_eq!(c.len(), 1, "new only");
        assert_eq!(c[0].0, 5);
    }

    /// A 10 s hard timeout copied 4 s after install has 6 s left; rounding is to the
    /// nearest second and never below 1; no timeout stays none.
    #[test]
    fn remaining_hard_timeout() {
        let r = rule(10);
        assert_eq!(r.remaining_hard(SimTime::from_secs(4)), 6);
        assert_eq!(r.remaining_hard(SimTime::from_ms(4_400)), 6, "5.6 → 6");
        assert_eq!(r.remaining_hard(SimTime::from_ms(4_600)), 5, "5.4 → 5");
        assert_eq!(r.remaining_hard(SimTime::from_secs(12)), 1, "past due");
        assert_eq!(rule(0).remaining_hard(SimTime::from_secs(4)), 0, "none");
    }

    /// DELETE non-strict selects entries within its match; DELETE_STRICT needs the same
    /// match and priority; a cookie mask and an out_port narrow it.
    #[test]
    fn selection() {
        let r = rule(0);
        let mut del = FlowMod::delete(Match::all());
        assert!(r.selected_by(&del), "delete all");
        del.out_port = 3;
        assert!(!r.selected_by(&del), "does not output to 3");
        del.out_port = 2;
        assert!(r.selected_by(&del), "outputs to 2");
        let mut strict = FlowMod::delete(Match::all());
        strict.command = FlowModCommand::DeleteStrict;
        assert!(!r.selected_by(&strict), "priority 0 ≠ 1");
        strict.priority = 1;
        assert!(r.selected_by(&strict), "same match and priority");
        let narrow = FlowMod::delete(Match {
            in_port: Some(3),
            ..Match::default()
        });
        assert!(!r.selected_by(&narrow), "rule is wider than the delete");
    }

    /// Shim limit lifted (issue 16): a FLOOD or ALL output on a virtual switch reaches the
    /// hosts of both copies without loops. At a switch with a tunnel link it becomes an
    /// output per virtual port (the tunnel port never), a position whose host is on the
    /// other side reached through the tunnel with a delivery tag; a packet that entered
    /// through the tunnel for a position is not flooded back to it; a switch without a
    /// tunnel link floods as the app wrote it.
    #[test]
    fn flood_reaches_both_copies_without_loops() {
        let t = twin();
        let jump = |tag: Tag| {
            let mut v = push_tag(tag).to_vec();
            v.extend([Action::output(4), Action::PopVlan]);
            v
        };
        for port in [OFPP_FLOOD, OFPP_ALL] {
            let flood = [Action::output(port)];
            let moved = [true];
            let plan = Plan {
                twin: &t,
                algorithm: Algorithm::Alap,
                phase: Phase::Prepared,
                moved: &moved,
            };
            let mut want = jump(Tag::DeliverNew(0));
            want.extend([Action::output(2), Action::output(3)]);
            assert_eq!(
                plan.rewrite_actions(&flood, 1, 1),
                want,
                "old copy, host moved"
            );
            assert_eq!(
                plan.rewrite_actions(&flood, 5, 1),
                [Action::output(1), Action::output(2), Action::output(3)],
                "new copy: the moved host is local"
            );
            assert_eq!(
                plan.rewrite_actions_from(&flood, 1, 1, Some(1)),
                [Action::output(2), Action::output(3)],
                "not back into the tunnel it came from"
            );
            let moved = [false];
            let plan = Plan {
                moved: &moved,
                ..plan
            };
            let mut want = jump(Tag::DeliverOld(0));
            want.extend([Action::output(2), Action::output(3)]);
            assert_eq!(
                plan.rewrite_actions(&flood, 5, 1),
                want,
                "new copy, host still old"
            );
            assert_eq!(
                plan.rewrite_actions(&flood, 2, 2),
                flood,
                "no tunnel link: the switch floods its own ports"
            );
        }
    }
}
