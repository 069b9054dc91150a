//! What the destination hypervisor does to a VM's NIC when it resumes the VM after a
//! migration (seed 004 §III.C): keep the MAC address or give the VM a new one
//! (`[[migration]] new_mac`), and announce the VM with one gratuitous ARP on its segment or
//! stay silent (`[[migration]] gratuitous_arp`).
//!
//! ```text
//!   ResumeGuest{vm, on} ─► VmBridge: re-plug ─► new_mac? set_mac(vm, mac)
//!                                             ─► gratuitous_arp? announce(vm)  (RFC 5227 §3,
//!                                                sender = target = the VM's address, the
//!                                                VM's MAC as it is now)
//! ```
//!
//! A cache that hears no announcement keeps the old MAC until its entry expires
//! (`[arp] cache_timeout`); frames to the old MAC reach no NIC.

use net_stack::NodeId;
use net_stack::wire::MacAddr;
use serde::de::{self, Deserializer, Visitor};

/// `[[migration]] new_mac`: `false` (the default: the VM keeps its MAC), `true` (a fresh
/// address, [`fresh_mac`]) or an explicit unicast MAC address `"02:00:00:00:aa:01"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NewMac {
    /// `false`: the VM keeps its MAC address.
    #[default]
    Keep,
    /// `true`: a fresh locally administered address, 02:02:… ([`fresh_mac`]).
    Fresh,
    /// A MAC address written out.
    Explicit(MacAddr),
}

impl NewMac {
    /// The address the VM takes for migration number `index` (0-based, in `[[migration]]`
    /// order), if it takes one.
    pub fn resolve(self, index: usize) -> Option<MacAddr> {
        match self {
            NewMac::Keep => None,
            NewMac::Fresh => Some(fresh_mac(index)),
            NewMac::Explicit(mac) => Some(mac),
        }
    }
}

/// The fresh MAC of `new_mac = true` on migration `index`: 02:02:00:00:hi:lo with
/// `index + 1`, locally administered and unicast. Devices use 02:00:…, VMs at build 02:01:…,
/// so the three never collide.
pub fn fresh_mac(index: usize) -> MacAddr {
    let b = (index as u32 + 1).to_be_bytes();
    MacAddr([0x02, 0x02, b[0], b[1], b[2], b[3]])
}

/// Parses `aa:bb:cc:dd:ee:ff` (six pairs of hexadecimal digits, `:` or `-` between them) into
/// a unicast MAC address; the error says what is wrong.
pub fn parse_mac(s: &str) -> Result<MacAddr, String> {
    let parts: Vec<&str> = s.split([':', '-']).collect();
    let bad = || {
        format!(
            "`{s}` is not a MAC address: write six pairs of hex digits, such as \"02:00:00:00:aa:01\""
        )
    };
    if parts.len() != 6 {
        return Err(bad());
    }
    let mut mac = [0u8; 6];
    for (b, p) in mac.iter_mut().zip(&parts) {
        if p.len() != 2 {
            return Err(bad());
        }
        *b = u8::from_str_radix(p, 16).map_err(|_| bad())?;
    }
    if mac[0] & 1 == 1 {
        return Err(format!(
            "`{s}` is a group (multicast or broadcast) address; a NIC's address is unicast (the first octet even)"
        ));
    }
    if mac == [0; 6] {
        return Err(format!("`{s}` is the all-zero address, which no NIC has"));
    }
    Ok(MacAddr(mac))
}

impl<'de> serde::Deserialize<'de> for NewMac {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = NewMac;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("true, false or a MAC address such as \"02:00:00:00:aa:01\"")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<NewMac, E> {
                Ok(if v { NewMac::Fresh } else { NewMac::Keep })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<NewMac, E> {
                parse_mac(v).map(NewMac::Explicit).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// One migration's resume as the bridge carries it out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuestMove {
    /// The VM.
    pub vm: NodeId,
    /// The host it moves to; `None` (the orchestrator chooses): whichever.
    pub to: Option<NodeId>,
    /// The MAC address it takes on resume; `None` keeps its own.
    pub new_mac: Option<MacAddr>,
    /// Whether the destination hypervisor sends one gratuitous ARP for it on resume.
    pub gratuitous_arp: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Addresses are read as written, group and zero addresses refused, and `true` takes the
    /// 02:02 prefix that neither devices nor VMs use.
    #[test]
    fn macs_parse_and_fresh_ones_do_not_collide() {
        assert_eq!(
            parse_mac("02:00:00:00:aa:01"),
            Ok(MacAddr([2, 0, 0, 0, 0xaa, 1]))
        );
        assert_eq!(
            parse_mac("0A-1b-2C-3d-4E-5f"),
            Ok(MacAddr([0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f]))
        );
        assert!(
            parse_mac("01:00:5e:00:00:01")
                .unwrap_err()
                .contains("group")
        );
        assert!(
            parse_mac("ff:ff:ff:ff:ff:ff")
                .unwrap_err()
                .contains("group")
        );
        assert!(parse_mac("00:00:00:00:00:00").unwrap_err().contains("zero"));
        for bad in [
            "02:00:00:00:aa",
            "02:00:00:00:aa:1",
            "02:00:00:00:aa:zz",
            "",
        ] {
            assert!(parse_mac(bad).unwrap_err().contains("not a MAC"), "{bad}");
        }
        assert_eq!(fresh_mac(0).to_string(), "02:02:00:00:00:01");
        assert_ne!(fresh_mac(0), MacAddr::for_vm(1));
        assert_ne!(fresh_mac(0), MacAddr::from_index(1));
        assert_eq!(NewMac::Keep.resolve(3), None);
        assert_eq!(NewMac::Fresh.resolve(3), Some(fresh_mac(3)));
    }
}
