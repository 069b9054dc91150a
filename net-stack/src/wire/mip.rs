//! Mobile IP registration messages (RFC 5944 §3.3, §3.4) over UDP port 434, with the
//! mandatory Mobile-Home Authentication Extension (§3.5.2) keyed by HMAC-MD5 (§3.5.1).
//!
//! ```text
//!  Request (type 1):  type | S B D M G r T x | lifetime | home address | home agent
//!                     | care-of address | identification (64 bits) | MN-HA auth extension
//!  Reply   (type 3):  type | code | lifetime | home address | home agent
//!                     | identification (64 bits) | MN-HA auth extension
//!  MN-HA extension:   type 32 | length 20 | SPI (32 bits) | HMAC-MD5 (128 bits)
//! ```
//!
//! The authenticator covers the message, the extensions before it, and the extension's type,
//! length and SPI (§3.5.1). These are the only packets in netsim that carry payload bytes: the
//! network keeps them beside the packet (by uid) so that the pcap shows what tshark's `mip`
//! dissector reads, and the home agent parses what it received.

use std::net::Ipv4Addr;

use super::md5::hmac_md5;

/// The Mobile IP registration port (RFC 5944 §3.1).
pub const MIP_PORT: u16 = 434;

/// The registration lifetime that means infinity [s] (RFC 5944 §3.3): a binding that never
/// expires.
pub const INFINITE_LIFETIME: u16 = 0xffff;

/// The Mobile-Home Authentication Extension's type (RFC 5944 §3.5.2).
const MN_HA_AUTH: u8 = 32;

/// Bytes of a request with its authentication extension: 24 + 2 + 4 + 16.
pub const REQUEST_LEN: usize = 46;

/// Bytes of a reply with its authentication extension: 20 + 2 + 4 + 16.
pub const REPLY_LEN: usize = 42;

/// A mobility security association (RFC 5944 §1.6): the SPI and the shared HMAC-MD5 key of a
/// mobile node (here, the hypervisor acting for its VMs) and its home agent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MipSecurity {
    /// Security Parameter Index (256 and up: 0–255 are reserved, §1.6).
    pub spi: u32,
    /// The shared key.
    pub key: [u8; 16],
}

impl Default for MipSecurity {
    /// SPI 256 and the key `"netsim-mip-key!!"`: one association shared by every hypervisor
    /// and home agent of a run (the scenario has no key management to model).
    fn default() -> Self {
        MipSecurity {
            spi: 256,
            key: *b"netsim-mip-key!!",
        }
    }
}

/// Why a registration message could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MipError {
    /// Too short, the wrong type, or no MN-HA extension where it belongs.
    #[error("malformed Mobile IP registration message")]
    Malformed,
    /// The authenticator does not match (reply code 131, §3.4).
    #[error("Mobile IP authentication failed")]
    BadAuth,
}

/// Flags of a registration request (RFC 5944 §3.3; RFC 3024 §3.3 for T).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestFlags {
    /// D: the mobile node decapsulates itself (a co-located care-of address) — the
    /// hypervisor is the tunnel's end.
    pub decapsulation: bool,
    /// G: GRE encapsulation instead of IP-in-IP.
    pub gre: bool,
    /// T: reverse tunnelling requested (RFC 3024).
    pub reverse_tunnel: bool,
}

impl RequestFlags {
    fn byte(self) -> u8 {
        (u8::from(self.decapsulation) << 5)
            | (u8::from(self.gre) << 3)
            | (u8::from(self.reverse_tunnel) << 1)
    }

    fn from_byte(b: u8) -> Self {
        RequestFlags {
            decapsulation: b & 0x20 != 0,
            gre: b & 0x08 != 0,
            reverse_tunnel: b & 0x02 != 0,
        }
    }
}

/// A registration request (RFC 5944 §3.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegistrationRequest {
    /// Flags.
    pub flags: RequestFlags,
    /// Lifetime [s] (0: deregistration).
    pub lifetime: u16,
    /// The mobile node's (VM's) home address.
    pub home_address: Ipv4Addr,
    /// The home agent's address.
    pub home_agent: Ipv4Addr,
    /// The care-of address (the destination hypervisor's).
    pub care_of: Ipv4Addr,
    /// Identification: an NTP-format timestamp (§5.7.1), matched by the reply.
    pub identification: u64,
}

/// A registration reply (RFC 5944 §3.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegistrationReply {
    /// 0: accepted; 128 and up: denied by the foreign agent, 130 and up by the home agent.
    pub code: u8,
    /// Granted lifetime [s].
    pub lifetime: u16,
    /// The mobile node's home address.
    pub home_address: Ipv4Addr,
    /// The home agent's address.
    pub home_agent: Ipv4Addr,
    /// The request's identification.
    pub identification: u64,
}

/// Appends the MN-HA authentication extension over `buf` (the message so far).
fn authenticate(buf: &mut Vec<u8>, sec: &MipSecurity) {
    buf.extend_from_slice(&[MN_HA_AUTH, 20]);
    buf.extend_from_slice(&sec.spi.to_be_bytes());
    let mac = hmac_md5(&sec.key, buf);
    buf.extend_from_slice(&mac);
}

/// Checks the MN-HA extension at `at` of `bytes` (which must end there).
fn verify(bytes: &[u8], at: usize, sec: &MipSecurity) -> Result<(), MipError> {
    if bytes.len() != at + 22 || bytes[at] != MN_HA_AUTH || bytes[at + 1] != 20 {
        return Err(MipError::Malformed);
    }
    let spi = u32::from_be_bytes(bytes[at + 2..at + 6].try_into().expect("4 bytes"));
    if spi != sec.spi || hmac_md5(&sec.key, &bytes[..at + 6]) != bytes[at + 6..] {
        return Err(MipError::BadAuth);
    }
    Ok(())
}

fn addr(b: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(b[0], b[1], b[2], b[3])
}

impl RegistrationRequest {
    /// The message bytes, authenticated with `sec` ([`REQUEST_LEN`] bytes).
    pub fn emit(&self, sec: &MipSecurity) -> Vec<u8> {
        let mut b = Vec::with_capacity(REQUEST_LEN);
        b.push(1);
        b.push(self.flags.byte());
        b.extend_from_slice(&self.lifetime.to_be_bytes());
        b.extend_from_slice(&self.home_address.octets());
        b.extend_from_slice(&self.home_agent.octets());
        b.extend_from_slice(&self.care_of.octets());
        b.extend_from_slice(&self.identification.to_be_bytes());
        authenticate(&mut b, sec);
        b
    }

    /// Reads a request and checks its authenticator against `sec`.
    pub fn parse(bytes: &[u8], sec: &MipSecurity) -> Result<Self, MipError> {
        if bytes.len() < 24 || bytes[0] != 1 {
            return Err(MipError::Malformed);
        }
        verify(bytes, 24, sec)?;
        Ok(RegistrationRequest {
            flags: RequestFlags::from_byte(bytes[1]),
            lifetime: u16::from_be_bytes([bytes[2], bytes[3]]),
            home_address: addr(&bytes[4..8]),
            home_agent: addr(&bytes[8..12]),
            care_of: addr(&bytes[12..16]),
            identification: u64::from_be_bytes(bytes[16..24].try_into().expect("8 bytes")),
        })
    }
}

impl RegistrationReply {
    /// The message bytes, authenticated with `sec` ([`REPLY_LEN`] bytes).
    pub fn emit(&self, sec: &MipSecurity) -> Vec<u8> {
        let mut b = Vec::with_capacity(REPLY_LEN);
        b.push(3);
        b.push(self.code);
        b.extend_from_slice(&self.lifetime.to_be_bytes());
        b.extend_from_slice(&self.home_address.octets());
        b.extend_from_slice(&self.home_agent.octets());
        b.extend_from_slice(&self.identification.to_be_bytes());
        authenticate(&mut b, sec);
        b
    }

    /// Reads a reply and checks its authenticator against `sec`.
    pub fn parse(bytes: &[u8], sec: &MipSecurity) -> Result<Self, MipError> {
        if bytes.len() < 20 || bytes[0] != 3 {
            return Err(MipError::Malformed);
        }
        verify(bytes, 20, sec)?;
        Ok(RegistrationReply {
            code: bytes[1],
            lifetime: u16::from_be_bytes([bytes[2], bytes[3]]),
            home_address: addr(&bytes[4..8]),
            home_agent: addr(&bytes[8..12]),
            identification: u64::from_be_bytes(bytes[12..20].try_into().expect("8 bytes")),
        })
    }
}

/// An NTP-format timestamp (RFC 5944 §5.7.1: 32 bits of seconds, 32 of fraction) of
/// simulated time `t`, for [`RegistrationRequest::identification`].
pub fn ntp_identification(t: sim_core::SimTime) -> u64 {
    let ps = t.as_ps();
    let secs = ps / 1_000_000_000_000;
    let frac = ((ps % 1_000_000_000_000) as u128 * (1u128 << 32) / 1_000_000_000_000) as u64;
    (secs << 32) | frac
}

/// The path MTU of the links a tunnel crosses: Ethernet's 1,500 bytes (netsim's links carry
/// any frame, so this is the MTU a real network of such links would have).
pub const ETHERNET_MTU: usize = 1500;

/// Lowers the MSS option of a TCP SYN (or SYN-ACK) to `mtu − 40` (20 bytes of IPv4 and 20 of
/// TCP, as `--clamp-mss-to-pmtu` computes it); returns whether it changed.
pub fn clamp_syn_mss(pkt: &mut super::Packet, mtu: usize) -> bool {
    let super::L4::Tcp(t) = &mut pkt.l4 else {
        return false;
    };
    let limit = mtu.saturating_sub(40).clamp(1, u16::MAX as usize) as u16;
    match t.options.mss {
        Some(m) if t.flags.contains(super::TcpFlags::SYN) && m.get() > limit => {
            t.options.mss = std::num::NonZeroU16::new(limit);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request laid out by hand from RFC 5944 §3.3 (D, G and T set; lifetime 1800;
    /// 10.1.0.10 at home, agent 10.0.0.37, care-of 10.2.0.1; identification 1.5 s in NTP
    /// format) with the extension's HMAC-MD5 computed over the first 30 bytes.
    #[test]
    fn request_bytes_and_round_trip() {
        let req = RegistrationRequest {
            flags: RequestFlags {
                decapsulation: true,
                gre: true,
                reverse_tunnel: true,
            },
            lifetime: 1800,
            home_address: Ipv4Addr::new(10, 1, 0, 10),
            home_agent: Ipv4Addr::new(10, 0, 0, 37),
            care_of: Ipv4Addr::new(10, 2, 0, 1),
            identification: ntp_identification(sim_core::SimTime::from_ms(1500)),
        };
        let sec = MipSecurity::default();
        let b = req.emit(&sec);
        assert_eq!(b.len(), REQUEST_LEN);
        assert_eq!(
            &b[..30],
            &[
                1, 0x2a, 0x07, 0x08, 10, 1, 0, 10, 10, 0, 0, 37, 10, 2, 0, 1, 0, 0, 0, 1, 0x80, 0,
                0, 0, 32, 20, 0, 0, 1, 0
            ],
            "type, flags D|G|T, lifetime, addresses, identification, extension head"
        );
        assert_eq!(&b[30..], &hmac_md5(b"netsim-mip-key!!", &b[..30]));
        assert_eq!(RegistrationRequest::parse(&b, &sec), Ok(req));
    }

    /// A reply round-trips; a flipped bit or another key fails authentication (the home
    /// agent's code 131), and a truncated message is malformed.
    #[test]
    fn reply_round_trip_and_authentication() {
        let rep = RegistrationReply {
            code: 0,
            lifetime: 1800,
            home_address: Ipv4Addr::new(10, 1, 0, 10),
            home_agent: Ipv4Addr::new(10, 0, 0, 37),
            identification: 0x0000_0001_8000_0000,
        };
        let sec = MipSecurity::default();
        let mut b = rep.emit(&sec);
        assert_eq!(b.len(), REPLY_LEN);
        assert_eq!(RegistrationReply::parse(&b, &sec), Ok(rep));
        let other = MipSecurity {
            spi: 256,
            key: [7; 16],
        };
        assert_eq!(RegistrationReply::parse(&b, &other), Err(MipError::BadAuth));
        b[5] ^= 1;
        assert_eq!(RegistrationReply::parse(&b, &sec), Err(MipError::BadAuth));
        assert_eq!(
            RegistrationReply::parse(&b[..30], &sec),
            Err(MipError::Malformed)
        );
        assert_eq!(
            RegistrationRequest::parse(&b, &sec),
            Err(MipError::Malformed),
            "a reply is not a request"
        );
    }
}
