//! Guest memory: a page bitmap, a drift-free stream of page writes, and the dirty log.
//!
//! # Write model
//!
//! A running VM writes `dirty_rate` pages per second. Writes are **deterministic in count and
//! random in place**: the number of writes in the first `t` seconds of running is exactly
//! ⌊rate · t⌋ (integer picosecond arithmetic, the remainder carried, so there is no drift however
//! the time is cut up), and each write picks a page with the VM's own [`RngStream`]. Nothing is
//! scheduled per write: [`DirtyMemory::advance`] applies every write due by `now` in one loop,
//! O(writes), a few nanoseconds each (one PCG draw, one bit set, one popcount-free increment).
//!
//! Pausing stops the clock; resuming restarts it from zero at the resume instant (the fraction
//! of a write pending at the pause is dropped, at most one write per pause).
//!
//! That is `dirty_arrivals = "even"`, the default. With `"poisson"` the gaps between writes are
//! exponential instead (seed 000's `Write_Page`; [`poisson`]'s docs), where they land is the
//! same rule below.
//!
//! # Where writes land
//!
//! * `hot_fraction` h = 0: every write picks a page uniformly among all N pages. Over t seconds
//!   the expected number of distinct dirty pages is N·(1 − e^(−D·t/N)) (notes, "Pre-copy live
//!   migration").
//! * h ∈ (0, 1): a *writable working set* of H = ⌊h·N⌋ pages (pages 0…H−1) takes exactly
//!   [`HOT_WRITE_SHARE`] = 9 of every 10 writes (writes number k with k mod 10 ≠ 9), uniformly
//!   within the set; the other writes go uniformly to the N − H cold pages. The seeds do not
//!   define the working set — seed 002 §1.1 only lists "establishing a Writing Work Set" among
//!   known optimisations and seed 000 models writes as one exponential "Write_Page" transition —
//!   so this 90/10 rule is ours. The expected dirty count is then
//!   H·(1 − e^(−0.9·D·t/H)) + (N−H)·(1 − e^(−0.1·D·t/(N−H))) ([`expected_dirty_pages`]). If H
//!   rounds to 0 or to N the writes are uniform.
//!
//! # What it costs
//!
//! The dirty log is a [`PageBitmap`], chunked so that its memory follows the pages written, not
//! the pages the VM owns: marking all of a 1 TiB VM dirty for round 0 and clearing it cost one
//! 16-byte slot per 32 768 pages, and each chunk a write lands in costs one 4 KiB block until
//! it is full or cleared ([`bitmap`]'s module docs).

use sim_core::{RngStream, SimTime};

use crate::config::{ConfigError, DirtyArrivals, VmConfig};

pub mod bitmap;
mod poisson;

use poisson::PoissonClock;

pub use bitmap::{CHUNK_PAGES, PageBitmap};

const PS_PER_S: u128 = 1_000_000_000_000;

/// Share of writes that go to the writable working set when `hot_fraction` > 0, as a fraction
/// (0.9): write number k goes to the set unless k mod 10 = 9.
pub const HOT_WRITE_SHARE: f64 = 0.9;

/// The stream of page writes a running VM makes: how many are due by a time, and which page
/// each one hits (see the module docs for the rule).
#[derive(Clone, Debug)]
pub struct PageWriter {
    rng: RngStream,
    rate: u64,
    pages: u64,
    hot: u64,
    running: bool,
    /// Start of the current running period.
    origin: SimTime,
    /// Writes made before `origin`.
    base: u64,
    /// Writes drawn so far (possibly ahead of time, see [`PageWriter::next_page`]).
    drawn: u64,
    /// `Some` for Poisson arrivals ([`DirtyArrivals::Poisson`]); `None`: even (the default).
    poisson: Option<PoissonClock>,
}

impl PageWriter {
    /// A stopped writer of `rate` pages/s over `pages` pages with working-set share
    /// `hot_fraction` (assumed in [0, 1); see [`VmConfig::validate`]).
    pub fn new(pages: u64, rate: u64, hot_fraction: f64, rng: RngStream) -> Self {
        assert!(pages > 0, "a memory has at least one page");
        let hot = (hot_fraction * pages as f64) as u64;
        let hot = if hot >= pages { 0 } else { hot };
        PageWriter {
            rng,
            rate,
            pages,
            hot,
            running: false,
            origin: SimTime::ZERO,
            base: 0,
            drawn: 0,
            poisson: None,
        }
    }

    /// The same writer with writes spaced by `arrivals` (even: exactly ⌊rate · t⌋ by t;
    /// Poisson: exponential gaps, see [`poisson`](self)). Call before starting.
    pub fn with_arrivals(mut self, arrivals: DirtyArrivals) -> Self {
        self.poisson = match arrivals {
            DirtyArrivals::Even => None,
            DirtyArrivals::Poisson => Some(PoissonClock::new(self.rate)),
        };
        self
    }

    /// Draws the page of the next Poisson write if it is due by `now` (`None` otherwise, or
    /// when arrivals are even).
    fn next_poisson_due(&mut self, now: SimTime) -> Option<u64> {
        let clock = self.poisson.as_ref()?;
        if clock.next().is_none_or(|t| t > now) {
            return None;
        }
        let page = self.next_page();
        if let Some(c) = self.poisson.as_mut() {
            c.step(&mut self.rng);
        }
        Some(page)
    }

    /// Whether writes are being made.
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// Starts (or restarts) writing at `now`.
    pub fn start(&mut self, now: SimTime) {
        if !self.running {
            self.running = true;
            self.origin = now;
            self.base = self.drawn;
            if let Some(c) = self.poisson.as_mut() {
                c.start(now, &mut self.rng);
            }
        }
    }

    /// Stops writing. Every write drawn so far counts as made; the caller must have drawn all
    /// writes due by the stop instant (as [`DirtyMemory::pause`] does).
    pub fn stop(&mut self) {
        self.running = false;
        if let Some(c) = self.poisson.as_mut() {
            c.stop();
        }
    }

    /// Writes due by `now` since the writer was created: the writes of earlier running periods
    /// plus ⌊rate · (now − origin)⌋ if running. With Poisson arrivals the count cannot be known
    /// without drawing, and this is the writes drawn so far.
    pub fn due(&self, now: SimTime) -> u64 {
        if !self.running || self.poisson.is_some() {
            return self.drawn;
        }
        let ps = now.saturating_sub(self.origin).as_ps() as u128;
        self.base + (self.rate as u128 * ps / PS_PER_S) as u64
    }

    /// Writes drawn so far.
    pub fn drawn(&self) -> u64 {
        self.drawn
    }

    /// The instant write number `k` (0-based, counted from creation) is made if the writer keeps
    /// running: the first picosecond t with ⌊rate · t⌋ > k − base. `None` when stopped or the
    /// rate is zero. With Poisson arrivals: the pending write's instant for k = drawn, else
    /// `None`.
    pub fn time_of(&self, k: u64) -> Option<SimTime> {
        if let Some(c) = &self.poisson {
            return c.next().filter(|_| k == self.drawn && self.running);
        }
        if !self.running || self.rate == 0 || k < self.base {
            return None;
        }
        let n = (k - self.base + 1) as u128;
        let ps = (n * PS_PER_S).div_ceil(self.rate as u128);
        let ps = u64::try_from(ps).ok()?;
        self.origin.checked_add(SimTime::from_ps(ps))
    }

    /// Draws the page of the next write (number [`drawn`](Self::drawn)), whether or not it is
    /// due yet; the caller decides when it happens.
    #[inline]
    pub fn next_page(&mut self) -> u64 {
        let k = self.drawn;
        self.drawn += 1;
        if self.hot == 0 {
            self.rng.below(self.pages)
        } else if k % 10 != 9 {
            self.rng.below(self.hot)
        } else {
            self.hot + self.rng.below(self.pages - self.hot)
        }
    }
}

/// Expected number of distinct pages dirtied by `writes` writes under the module's rule, for a
/// memory of `pages` pages and working-set share `hot_fraction` (from a clean bitmap).
pub fn expected_dirty_pages(pages: u64, hot_fraction: f64, writes: f64) -> f64 {
    let fill = |n: f64, w: f64| {
        if n > 0.0 {
            n * (1.0 - (-w / n).exp())
        } else {
            0.0
        }
    };
    let hot = (hot_fraction * pages as f64) as u64;
    if hot == 0 || hot >= pages {
        fill(pages as f64, writes)
    } else {
        fill(hot as f64, HOT_WRITE_SHARE * writes)
            + fill((pages - hot) as f64, (1.0 - HOT_WRITE_SHARE) * writes)
    }
}

/// A VM's memory as a migration source sees it: the dirty log (Xen's dirty bitmap; seed 002
/// §3.1: "Precopy migration captures dirty pages through a shadow page table and marks these
/// dirty pages with a bitmap") fed by a [`PageWriter`].
#[derive(Clone, Debug)]
pub struct DirtyMemory {
    writer: PageWriter,
    dirty: PageBitmap,
    page_size: u64,
}

impl DirtyMemory {
    /// A paused VM with a clean log. `vm` must be valid ([`VmConfig::validate`]); an error if
    /// the dirty log's chunk table cannot be allocated.
    pub fn new(vm: &VmConfig, rng: RngStream) -> Result<Self, ConfigError> {
        let pages = vm.pages();
        Ok(DirtyMemory {
            writer: PageWriter::new(pages, vm.dirty_rate, vm.hot_fraction, rng)
                .with_arrivals(vm.dirty_arrivals),
            dirty: vm.page_bitmap()?,
            page_size: vm.page_size,
        })
    }

    /// Number of pages N.
    pub fn pages(&self) -> u64 {
        self.dirty.capacity()
    }

    /// Page size (bytes).
    pub fn page_size(&self) -> u64 {
        self.page_size
    }

    /// The VM starts (or resumes) running, and so writing, at `now`.
    pub fn resume(&mut self, now: SimTime) {
        self.writer.start(now);
    }

    /// The VM stops at `now`: writes due by `now` are applied, then no more.
    pub fn pause(&mut self, now: SimTime) {
        self.advance(now);
        self.writer.stop();
    }

    /// Whether the VM is running (writing).
    pub fn is_running(&self) -> bool {
        self.writer.is_running()
    }

    /// Applies every write due by `now`. Calls must not go back in time.
    pub fn advance(&mut self, now: SimTime) {
        if self.writer.poisson.is_some() {
            while let Some(p) = self.writer.next_poisson_due(now) {
                self.dirty.insert(p);
            }
            return;
        }
        let due = self.writer.due(now);
        while self.writer.drawn() < due {
            let p = self.writer.next_page();
            self.dirty.insert(p);
        }
    }

    /// Total writes applied since creation (with multiplicity).
    pub fn writes(&self) -> u64 {
        self.writer.drawn()
    }

    /// Number of dirty pages (as of the last [`advance`](Self::advance)).
    pub fn dirty_count(&self) -> u64 {
        self.dirty.count()
    }

    /// Whether `page` is dirty (as of the last advance).
    pub fn is_dirty(&self, page: u64) -> bool {
        self.dirty.contains(page)
    }

    /// Marks every page dirty: round 0 of pre-copy sends all memory.
    pub fn mark_all_dirty(&mut self) {
        self.dirty.fill();
    }

    /// A round starts at `now`: applies the writes due, clears the log and returns how many
    /// pages were dirty. Nothing is allocated: the cleared log gives its blocks back.
    pub fn take_dirty(&mut self, now: SimTime) -> u64 {
        self.advance(now);
        self.dirty.clear()
    }

    /// The dirty log, for inspection.
    pub fn dirty(&self) -> &PageBitmap {
        &self.dirty
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use sim_core::RngStreams;
    use std::collections::BTreeSet;

    fn vm(pages: u64, rate: u64, hot: f64) -> VmConfig {
        VmConfig {
            memory: sim_core::ByteSize(pages * 4096),
            page_size: 4096,
            dirty_rate: rate,
            hot_fraction: hot,
            ..VmConfig::default()
        }
    }

    /// Writes by t are exactly ⌊rate·t⌋ however time is cut into advance calls (the remainder is
    /// carried, no drift), here with a rate that does not divide a second evenly.
    #[test]
    fn remainder_is_carried() {
        let mut m = DirtyMemory::new(&vm(1000, 7, 0.0), RngStreams::new(1).stream("vm")).unwrap();
        m.resume(SimTime::ZERO);
        let mut t = SimTime::ZERO;
        for step in 1..=1000u64 {
            t += SimTime::from_ps(123_456_789 * step);
            m.advance(t);
            let exact = (7u128 * t.as_ps() as u128 / PS_PER_S) as u64;
            assert_eq!(m.writes(), exact, "writes at {t} must be floor(7/s · t)");
        }
        // And a resume after a pause restarts the count from the resume instant.
        m.pause(t);
        let before = m.writes();
        m.advance(t + SimTime::from_secs(5));
        assert_eq!(m.writes(), before, "no writes while paused");
        m.resume(t + SimTime::from_secs(5));
        m.advance(t + SimTime::from_secs(6));
        assert_eq!(
            m.writes(),
            before + 7,
            "7 writes in the first second after resuming"
        );
    }

    /// `time_of(k)` is the first instant at which write k is due.
    #[test]
    fn time_of_matches_due() {
        let mut w = PageWriter::new(10, 3, 0.0, RngStreams::new(1).stream("w"));
        w.start(SimTime::from_ms(10));
        for k in 0..20 {
            let t = w.time_of(k).expect("running");
            assert!(w.due(t) > k, "write {k} is due at {t}");
            assert!(
                w.due(t - SimTime::from_ps(1)) <= k,
                "write {k} not due before {t}"
            );
        }
    }

    /// Uniform writes: the distinct count follows N·(1 − e^(−D·t/N)) within 1 % (N = 100 000,
    /// 50 000 and 200 000 writes, several seeds).
    #[test]
    fn uniform_fill_matches_closed_form() {
        for seed in 0..5 {
            for writes in [50_000u64, 200_000] {
                let mut m = DirtyMemory::new(
                    &vm(100_000, writes, 0.0),
                    RngStreams::new(seed).stream("vm"),
                )
                .unwrap();
                m.resume(SimTime::ZERO);
                m.advance(SimTime::from_secs(1));
                let want = expected_dirty_pages(100_000, 0.0, writes as f64);
                let got = m.dirty_count() as f64;
                assert!(
                    (got / want - 1.0).abs() < 0.01,
                    "seed {seed}: {got} vs {want}"
                );
            }
        }
    }

    /// The working set takes 9 of 10 writes: writes stay inside pages 0..H for the hot share,
    /// and the distinct count follows the two-set closed form within 1 %.
    #[test]
    fn hot_working_set() {
        let n = 100_000;
        let mut w = PageWriter::new(n, 1, 0.2, RngStreams::new(3).stream("w"));
        let hot_hits = (0..100_000).filter(|_| w.next_page() < 20_000).count();
        assert_eq!(
            hot_hits, 90_000,
            "exactly 90 % of writes hit the working set"
        );
        let mut m =
            DirtyMemory::new(&vm(n, 100_000, 0.2), RngStreams::new(3).stream("vm")).unwrap();
        m.resume(SimTime::ZERO);
        m.advance(SimTime::from_secs(1));
        let want = expected_dirty_pages(n, 0.2, 100_000.0);
        let got = m.dirty_count() as f64;
        assert!((got / want - 1.0).abs() < 0.01, "{got} vs {want}");
    }

    /// Seed 000's 300 000 pages/s for 100 s (3·10⁷ writes) over 1 GiB runs in one advance; this
    /// is a sanity run (the test profile is optimised), not a timing assertion.
    #[test]
    fn many_writes_in_one_advance() {
        let mut m =
            DirtyMemory::new(&vm(262_144, 300_000, 0.0), RngStreams::new(9).stream("vm")).unwrap();
        m.resume(SimTime::ZERO);
        m.advance(SimTime::from_secs(100));
        assert_eq!(m.writes(), 30_000_000);
        assert!(
            m.dirty_count() > 262_000,
            "almost every page dirty: {}",
            m.dirty_count()
        );
    }

    proptest! {
        /// The dirty count equals the number of distinct pages written, whatever the rate,
        /// working set and advance steps (checked against a replay of the same writes).
        #[test]
        fn count_is_distinct_pages(
            pages in 1u64..3000,
            rate in 0u64..50_000,
            hot in 0.0f64..0.99,
            steps in proptest::collection::vec(0u64..50_000_000_000, 1..20),
            seed in any::<u64>(),
        ) {
            let stream = RngStreams::new(seed).stream("vm");
            let mut m = DirtyMemory::new(&vm(pages, rate, hot), stream.clone()).unwrap();
            let mut replay = PageWriter::new(pages, rate, hot, stream);
            m.resume(SimTime::ZERO);
            let mut t = SimTime::ZERO;
            for s in steps {
                t += SimTime::from_ps(s);
                m.advance(t);
            }
            let distinct: BTreeSet<u64> = (0..m.writes()).map(|_| replay.next_page()).collect();
            prop_assert_eq!(m.dirty_count(), distinct.len() as u64);
            prop_assert_eq!(m.dirty_count(), m.take_dirty(t));
            prop_assert_eq!(m.dirty_count(), 0);
        }
    }
}
