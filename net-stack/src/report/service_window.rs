//! A service's longest silence within each migration of its VM (`service_downtime_s`, one
//! value per migration).
//!
//! A migration application tells the application that measures the VM's service (the client
//! of a request-response or ping workload, the VM's receiver of a stream) when the migration
//! starts and finishes ([`Signal::WindowOpen`], [`Signal::WindowClose`]). The application
//! passes every reception to [`ServiceWindows::record`]; each window keeps the longest gap
//! between consecutive receptions that overlaps it — a gap (a, b) overlaps [from, to] when
//! b > from and a < to — measured whole, as the service's users saw it. A window opened before
//! any reception measures the first gap from its own start. Applications that get no signals
//! keep an empty list and pay one emptiness test per reception.

use sim_core::SimTime;

use crate::signal::Signal;

/// One migration's window and the longest gap overlapping it so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GapWindow {
    /// When the migration started.
    pub from: SimTime,
    /// When it finished; `None` while it runs.
    pub to: Option<SimTime>,
    /// The longest gap between receptions that overlapped the window (ended after `from`,
    /// began before `to`).
    pub max_gap: SimTime,
}

impl GapWindow {
    /// The window's longest silence at the end of a run at `run_end`, given the last
    /// reception: `max_gap`, or the silence still running since the last reception (since
    /// `from` without one) if it overlaps the window.
    pub fn longest_silence(&self, last_rx: Option<SimTime>, run_end: SimTime) -> SimTime {
        let since = last_rx.unwrap_or(self.from);
        let open_until = self.to.unwrap_or(run_end);
        if since < open_until && run_end > self.from {
            self.max_gap.max(run_end - since)
        } else {
            self.max_gap
        }
    }
}

/// The windows of one measuring application; see the [module docs](self).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceWindows {
    windows: Vec<GapWindow>,
}

impl ServiceWindows {
    /// Opens or closes a window on [`Signal::WindowOpen`] / [`Signal::WindowClose`] at `now`;
    /// other signals are ignored.
    pub fn on_signal(&mut self, now: SimTime, signal: Signal) {
        match signal {
            Signal::WindowOpen => self.windows.push(GapWindow {
                from: now,
                to: None,
                max_gap: SimTime::ZERO,
            }),
            Signal::WindowClose => {
                if let Some(w) = self.windows.iter_mut().rev().find(|w| w.to.is_none()) {
                    w.to = Some(now);
                }
            }
            _ => {}
        }
    }

    /// A reception at `now`; `last` is the previous one (before this call updates it).
    #[inline]
    pub fn record(&mut self, last: Option<SimTime>, now: SimTime) {
        if self.windows.is_empty() {
            return;
        }
        for w in self.windows.iter_mut().rev() {
            let start = last.unwrap_or(w.from);
            // Windows are in time order: once one closed before the gap began, all earlier
            // ones did.
            if w.to.is_some_and(|t| t <= start) {
                break;
            }
            if now > w.from {
                w.max_gap = w.max_gap.max(now - start.min(now));
            }
        }
    }

    /// The windows, in the order they opened.
    pub fn windows(&self) -> &[GapWindow] {
        &self.windows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> SimTime {
        SimTime::from_ms(v)
    }

    /// Receptions every 10 ms with a 300 ms silence in the first window and a 500 ms one
    /// in the second: each window gets its own; a gap straddling a window's start or end
    /// counts whole for it; gaps outside every window count for none; a silence running at
    /// the run's end counts for the window it overlaps.
    #[test]
    fn each_window_keeps_the_longest_gap_overlapping_it() {
        let mut w = ServiceWindows::default();
        let mut last = None;
        let mut rx = |w: &mut ServiceWindows, t: u64| {
            w.record(last, ms(t));
            last = Some(ms(t));
        };
        rx(&mut w, 0);
        rx(&mut w, 400); // a 400 ms gap before any window: counted nowhere
        w.on_signal(ms(1000), Signal::WindowOpen);
        rx(&mut w, 1005); // the gap 400 → 1005 straddles the start: counted whole
        assert_eq!(w.windows()[0].max_gap, ms(605));
        rx(&mut w, 1015);
        w.on_signal(ms(1020), Signal::WindowClose);
        rx(&mut w, 1320); // 1015 → 1320 began inside: counted
        rx(&mut w, 1330);
        rx(&mut w, 1900); // after the window: not counted
        w.on_signal(ms(2000), Signal::WindowOpen);
        rx(&mut w, 2010);
        rx(&mut w, 2510);
        w.on_signal(ms(2600), Signal::WindowClose);
        let ws = w.windows();
        assert_eq!(ws.len(), 2, "one window per migration");
        assert_eq!(ws[0].max_gap, ms(605));
        assert_eq!((ws[0].from, ws[0].to), (ms(1000), Some(ms(1020))));
        assert_eq!(ws[1].max_gap, ms(500));
        assert_eq!(
            ws[1].longest_silence(Some(ms(2510)), ms(2800)),
            ms(500),
            "closed before"
        );
        assert_eq!(
            ws[1].longest_silence(Some(ms(2510)), ms(3200)),
            ms(690),
            "still silent"
        );
        assert_eq!(ws[0].longest_silence(Some(ms(2510)), ms(3200)), ms(605));
    }

    /// Without signals nothing is kept; a window opened before any reception measures the
    /// first gap from its start, and an unfinished one runs to the end of the run.
    #[test]
    fn no_window_and_first_reception() {
        let mut w = ServiceWindows::default();
        w.record(None, ms(5));
        assert!(w.windows().is_empty());
        w.on_signal(ms(10), Signal::WindowOpen);
        w.record(None, ms(30));
        assert_eq!(w.windows()[0].max_gap, ms(20));
        assert_eq!(w.windows()[0].longest_silence(None, ms(100)), ms(90));
        assert_eq!(
            w.windows()[0].longest_silence(Some(ms(30)), ms(100)),
            ms(70)
        );
    }
}
