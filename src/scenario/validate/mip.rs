//! The `mip` keys of a `[[migration]]` with values to check: `lifetime` (whole seconds in the
//! RFC 5944 §3.3 field, 1–65,535 s), `reregister_margin` (shorter than the lifetime) and
//! `tunnel_overhead` (at most [`MAX_TUNNEL_OVERHEAD`] bytes, so the clamped MSS stays
//! positive).

use std::ops::Range;

use sim_core::SimTime;

use super::Validator;
use crate::scenario::spec::MipKeys;

/// The largest `tunnel_overhead` [bytes]: far above an SSH tunnel's (about 100 bytes), and
/// leaving a 1,500-byte path room for the tunnel headers and a segment.
pub const MAX_TUNNEL_OVERHEAD: u32 = 1000;

impl Validator<'_> {
    /// `tunnel`, `reverse_tunnel`, `clamp_mss`, `lifetime`, `reregister_margin` and
    /// `tunnel_overhead` of migration `path`, with their defaults; a bad value is reported at
    /// its key and replaced by the default.
    pub(super) fn mip_keys(
        &mut self,
        raw: &vm::MigrationTable,
        path: &str,
        span: &Range<usize>,
    ) -> MipKeys {
        let d = MipKeys::default();
        let at = |v: &Self, key: &str| {
            v.spans
                .get(&format!("{path}.{key}"))
                .unwrap_or_else(|| span.clone())
        };
        let mut lifetime_s = d.lifetime_s;
        if let Some(t) = raw.lifetime {
            let ps = t.as_ps();
            let whole = ps % SimTime::from_secs(1).as_ps() == 0;
            let secs = ps / SimTime::from_secs(1).as_ps();
            if whole && (1..=u64::from(u16::MAX)).contains(&secs) {
                lifetime_s = secs as u16;
            } else {
                let span = at(self, "lifetime");
                self.error(
                    span,
                    format!("`lifetime` of {path} must be whole seconds from 1 s to 65535 s"),
                    "not a registration lifetime",
                    Some("RFC 5944's lifetime field counts seconds (65535 s is infinity; 0 would be a deregistration), such as `lifetime = \"1800s\"`".into()),
                );
            }
        }
        let mut reregister_margin = d.reregister_margin;
        if let Some(m) = raw.reregister_margin {
            let lifetime = SimTime::from_secs(u64::from(lifetime_s));
            if m >= lifetime || m == SimTime::ZERO {
                let span = at(self, "reregister_margin");
                self.error(
                    span,
                    format!("`reregister_margin` of {path} must be above 0 and shorter than the lifetime ({lifetime_s} s)"),
                    "no time to re-register",
                    Some("the hypervisor renews the binding this long before it expires, such as `reregister_margin = \"60s\"`".into()),
                );
            } else {
                reregister_margin = Some(m);
            }
        }
        let mut tunnel_overhead = d.tunnel_overhead;
        if let Some(o) = raw.tunnel_overhead {
            if o > MAX_TUNNEL_OVERHEAD {
                let span = at(self, "tunnel_overhead");
                self.error(
                    span,
                    format!("`tunnel_overhead` of {path} is {o} bytes, above {MAX_TUNNEL_OVERHEAD}"),
                    "too large",
                    Some("the extra bytes per tunnel packet of seed 003's SSH tunnel are about 100 (its TCP/IP headers and SSH framing)".into()),
                );
            } else {
                tunnel_overhead = o as u16;
            }
        }
        MipKeys {
            tunnel: raw.tunnel.unwrap_or(d.tunnel),
            reverse_tunnel: raw.reverse_tunnel.unwrap_or(d.reverse_tunnel),
            clamp_mss: raw.clamp_mss.unwrap_or(d.clamp_mss),
            lifetime_s,
            reregister_margin,
            tunnel_overhead,
        }
    }
}
