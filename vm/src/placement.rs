//! Target choice by resource vectors (seed 004 §III.B): each host's hardware is a capacity
//! vector CAP(m), each VM's demand a requirement vector REQ(vm), and a host m fits a VM when
//! CAP(m) ≥ REQ(vm) + Σ_{i ∈ N_m} REQ(i) **for every resource** (CPU, memory, bandwidth).
//!
//! ```text
//!   resource    CAP(m) ([[host]])                    REQ(vm) ([[vm]])
//!   cpu         cpus            [cores]              vcpus × cpu_utilization  [cores]
//!   memory      memory          [bytes]              memory                   [bytes]
//!   bandwidth   the host's link rate [bit/s]         bandwidth                [bit/s]
//! ```
//!
//! A resource a host does not state is unlimited (`u64::MAX`). Among the fitting hosts, the
//! [`Placement`] policy chooses: the first in node order (step 2 taken literally), the one
//! with the most headroom left, or the one with the least (best fit). Headroom is the
//! smallest, over the resources, of what would be left free as a share of the capacity
//! (in millionths, integers only). Ties go to the first host in node order.
//!
//! **Symmetrical migration** (§III.B): "the amount and capacity of target machines should be
//! the same as that of the migrated machines", and every VM of one source machine goes to one
//! target. [`symmetric_match`] refuses a target whose hardware differs from the source's.
//!
//! The same hardware times the `image` algorithm ([`HostHardware::disk_time`],
//! [`HostHardware::cpu_time`]; see [`crate::image`]).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use sim_core::{DataRate, SimTime};

/// A CPU clock rate (`[[host]] cpu_speed`: `"3GHz"`, `"2400MHz"`), in Hz; never zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CpuSpeed(u64);

impl CpuSpeed {
    /// `hz` cycles per second; `None` for zero.
    pub const fn from_hz(hz: u64) -> Option<CpuSpeed> {
        if hz == 0 { None } else { Some(CpuSpeed(hz)) }
    }
    /// Cycles per second.
    pub const fn hz(self) -> u64 {
        self.0
    }
}

impl std::str::FromStr for CpuSpeed {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let units: [(&str, u64); 3] = [("GHz", 1_000_000_000), ("MHz", 1_000_000), ("kHz", 1_000)];
        let bad =
            || format!("`{s}` is not a CPU speed: write a number with GHz or MHz, as \"2.4GHz\"");
        let (num, scale) = units
            .iter()
            .find_map(|&(u, k)| s.strip_suffix(u).map(|n| (n.trim(), k)))
            .ok_or_else(bad)?;
        let hz = scaled(num, scale).ok_or_else(bad)?;
        CpuSpeed::from_hz(hz).ok_or_else(|| format!("`{s}`: a CPU speed must be positive"))
    }
}

/// `num` (digits, an optional `.` and more digits) × `scale`, exactly, if a whole number.
fn scaled(num: &str, scale: u64) -> Option<u64> {
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) {
        return None;
    }
    let mut v = int.parse::<u64>().ok()?.checked_mul(scale)?;
    let mut unit = scale;
    for b in frac.bytes() {
        if !unit.is_multiple_of(10) {
            return None;
        }
        unit /= 10;
        v = v.checked_add(u64::from(b - b'0') * unit)?;
    }
    Some(v)
}

impl fmt::Display for CpuSpeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}MHz", self.0 as f64 / 1e6)
    }
}

impl<'de> Deserialize<'de> for CpuSpeed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = CpuSpeed;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a CPU speed such as \"2.4GHz\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CpuSpeed, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// A physical host's hardware (`[[host]]`); `None` is unstated (unlimited, or instantaneous).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostHardware {
    /// `cpus`: cores.
    pub cpus: Option<u32>,
    /// `cpu_speed`: clock rate.
    pub cpu_speed: Option<CpuSpeed>,
    /// `disk_rate`: sequential read/write rate of the disk holding VM images.
    pub disk_rate: Option<DataRate>,
    /// `memory` (or its older name `capacity`): memory for VMs [bytes].
    pub memory: Option<u64>,
    /// The rate of the host's network link [bit/s] (from the topology).
    pub link_rate: Option<DataRate>,
}

impl HostHardware {
    /// Time to write or read `bytes` on this host's disk (rounded up to the picosecond);
    /// zero without a `disk_rate`.
    pub fn disk_time(&self, bytes: u64) -> SimTime {
        self.disk_rate.map_or(SimTime::ZERO, |r| r.tx_time(bytes))
    }

    /// Time for `cycles` of work on one core (rounded up); zero without a `cpu_speed`.
    pub fn cpu_time(&self, cycles: u128) -> SimTime {
        self.cpu_speed.map_or(SimTime::ZERO, |s| {
            let ps = (cycles * 1_000_000_000_000).div_ceil(s.hz() as u128);
            SimTime::from_ps(u64::try_from(ps).unwrap_or(u64::MAX))
        })
    }

    /// CAP(m): [cpu in millicores, memory in bytes, bandwidth in bit/s], unstated = unlimited.
    pub fn capacity(&self) -> Resources {
        Resources([
            self.cpus.map_or(u64::MAX, |c| u64::from(c) * 1000),
            self.memory.unwrap_or(u64::MAX),
            self.link_rate.map_or(u64::MAX, |r| r.bps()),
        ])
    }
}

/// A VM's demand (`[[vm]]`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VmDemand {
    /// `vcpus`.
    pub vcpus: u32,
    /// `cpu_utilization`: the busy share of each vCPU, in [0, 1].
    pub cpu_utilization: f64,
    /// `memory` [bytes].
    pub memory: u64,
    /// `bandwidth` [bit/s].
    pub bandwidth: u64,
}

impl VmDemand {
    /// REQ(vm): [cpu in millicores (rounded up), memory, bandwidth].
    pub fn requirement(&self) -> Resources {
        let milli = (f64::from(self.vcpus) * self.cpu_utilization * 1000.0).ceil() as u64;
        Resources([milli, self.memory, self.bandwidth])
    }
}

/// Names of the resources, in [`Resources`] order.
pub const RESOURCES: [&str; 3] = ["cpu", "memory", "bandwidth"];

/// A resource vector: cpu [millicores], memory [bytes], bandwidth [bit/s].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resources(pub [u64; 3]);

impl Resources {
    /// Component-wise sum (saturating).
    pub fn plus(self, o: Resources) -> Resources {
        Resources(std::array::from_fn(|i| self.0[i].saturating_add(o.0[i])))
    }
    /// Component-wise difference (saturating at zero).
    pub fn minus(self, o: Resources) -> Resources {
        Resources(std::array::from_fn(|i| self.0[i].saturating_sub(o.0[i])))
    }
    /// Every component at least `o`'s.
    pub fn covers(self, o: Resources) -> bool {
        (0..3).all(|i| self.0[i] >= o.0[i])
    }
}

/// `[orchestrator] placement`: how to choose among the hosts that fit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    /// The fitting host with the most headroom left (the default).
    #[default]
    MostFree,
    /// The first fitting host in node order.
    FirstFit,
    /// The fitting host with the least headroom left.
    BestFit,
}

/// A candidate host: its capacity and what its VMs demand now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostState {
    /// CAP(m).
    pub cap: Resources,
    /// Σ REQ(i) over the VMs placed on it.
    pub used: Resources,
}

impl HostState {
    /// Whether CAP ≥ REQ + ΣREQ for every resource.
    pub fn fits(&self, req: Resources) -> bool {
        self.cap.covers(self.used.plus(req))
    }

    /// The smallest share, over the stated resources, left free after adding `req`
    /// [millionths]; an unlimited resource leaves everything free.
    fn headroom(&self, req: Resources) -> u64 {
        (0..3)
            .map(|i| {
                let cap = self.cap.0[i];
                if cap == u64::MAX || cap == 0 {
                    return 1_000_000;
                }
                let left = cap.saturating_sub(self.used.0[i].saturating_add(req.0[i]));
                (left as u128 * 1_000_000 / cap as u128) as u64
            })
            .min()
            .unwrap_or(1_000_000)
    }
}

/// Seed 004's target decision for one VM: the index of a host ≠ `exclude` that fits `req`,
/// chosen by `policy` (ties to the lowest index); `None` if none fits.
pub fn choose(
    req: Resources,
    hosts: &[HostState],
    exclude: Option<usize>,
    policy: Placement,
) -> Option<usize> {
    let mut fitting = hosts
        .iter()
        .enumerate()
        .filter(|&(i, h)| Some(i) != exclude && h.fits(req));
    match policy {
        Placement::FirstFit => fitting.next().map(|(i, _)| i),
        Placement::MostFree => fitting
            .map(|(i, h)| (h.headroom(req), std::cmp::Reverse(i)))
            .max()
            .map(|(_, std::cmp::Reverse(i))| i),
        Placement::BestFit => fitting
            .map(|(i, h)| (h.headroom(req), i))
            .min()
            .map(|(_, i)| i),
    }
}

/// The first hardware key on which `target` differs from `source` (symmetrical migration
/// needs equal machines), with both values written out; `None` when they are equal.
pub fn symmetric_match(source: &HostHardware, target: &HostHardware) -> Option<String> {
    let show = |v: Option<String>| v.unwrap_or_else(|| "unstated".into());
    let pairs = [
        (
            "cpus",
            source.cpus.map(|c| c.to_string()),
            target.cpus.map(|c| c.to_string()),
        ),
        (
            "cpu_speed",
            source.cpu_speed.map(|c| c.to_string()),
            target.cpu_speed.map(|c| c.to_string()),
        ),
        (
            "disk_rate",
            source.disk_rate.map(|c| c.to_string()),
            target.disk_rate.map(|c| c.to_string()),
        ),
        (
            "memory",
            source.memory.map(|c| c.to_string()),
            target.memory.map(|c| c.to_string()),
        ),
        (
            "link rate",
            source.link_rate.map(|c| c.to_string()),
            target.link_rate.map(|c| c.to_string()),
        ),
    ];
    pairs
        .into_iter()
        .find(|(_, a, b)| a != b)
        .map(|(k, a, b)| format!("{k} {} against {}", show(b), show(a)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(cpu: u64, mem: u64, bw: u64) -> HostState {
        HostState {
            cap: Resources([cpu, mem, bw]),
            used: Resources::default(),
        }
    }

    /// CAP ≥ REQ + ΣREQ must hold for every resource: a host with memory to spare but too
    /// little CPU (or bandwidth) does not fit.
    #[test]
    fn every_resource_must_fit() {
        let req = Resources([1500, 100, 10]);
        let mut h = host(2000, 1000, 100);
        assert!(h.fits(req));
        h.used = Resources([600, 0, 0]);
        assert!(!h.fits(req), "cpu 600 + 1500 > 2000");
        h.used = Resources([0, 0, 91]);
        assert!(!h.fits(req), "bandwidth 91 + 10 > 100");
        h.used = Resources([500, 900, 90]);
        assert!(h.fits(req), "exactly full on every resource fits");
    }

    /// The three policies on the same hosts: first fit takes index order, most free the
    /// largest headroom, best fit the smallest; the source is never chosen; ties go low.
    #[test]
    fn policies_choose_as_documented() {
        let req = Resources([1000, 100, 0]);
        let hosts = [
            host(8000, 1000, u64::MAX), // headroom min(7/8, 0.9) = 0.875
            host(2000, 1000, u64::MAX), // min(0.5, 0.9) = 0.5
            host(500, 1000, u64::MAX),  // does not fit (cpu)
            host(4000, 200, u64::MAX),  // min(0.75, 0.5) = 0.5
        ];
        assert_eq!(choose(req, &hosts, None, Placement::FirstFit), Some(0));
        assert_eq!(choose(req, &hosts, Some(0), Placement::FirstFit), Some(1));
        assert_eq!(choose(req, &hosts, None, Placement::MostFree), Some(0));
        assert_eq!(
            choose(req, &hosts, None, Placement::BestFit),
            Some(1),
            "tie 1/3 to 1"
        );
        assert_eq!(
            choose(Resources([9000, 0, 0]), &hosts, None, Placement::MostFree),
            None
        );
    }

    /// Hardware parsing and timing: "2.4GHz" is 2.4e9 Hz; disk and CPU times round up.
    #[test]
    fn hardware_units_and_times() {
        assert_eq!("2.4GHz".parse::<CpuSpeed>().unwrap().hz(), 2_400_000_000);
        assert_eq!("800MHz".parse::<CpuSpeed>().unwrap().hz(), 800_000_000);
        assert!("3".parse::<CpuSpeed>().unwrap_err().contains("GHz"));
        assert!("0GHz".parse::<CpuSpeed>().is_err());
        let h = HostHardware {
            cpu_speed: Some(CpuSpeed(3_000_000_000)),
            disk_rate: DataRate::from_bps(800_000_000),
            ..HostHardware::default()
        };
        assert_eq!(h.disk_time(100_000_000), SimTime::from_secs(1));
        assert_eq!(h.cpu_time(3_000_000_000), SimTime::from_secs(1));
        assert_eq!(HostHardware::default().disk_time(1 << 30), SimTime::ZERO);
        let d = VmDemand {
            vcpus: 2,
            cpu_utilization: 0.25,
            memory: 5,
            bandwidth: 7,
        };
        assert_eq!(d.requirement(), Resources([500, 5, 7]));
    }

    /// Symmetrical migration names the first key that differs.
    #[test]
    fn symmetric_refuses_unequal_machines() {
        let a = HostHardware {
            cpus: Some(4),
            ..HostHardware::default()
        };
        assert_eq!(symmetric_match(&a, &a), None);
        let b = HostHardware { cpus: Some(8), ..a };
        assert_eq!(symmetric_match(&a, &b).as_deref(), Some("cpus 8 against 4"));
    }
}
