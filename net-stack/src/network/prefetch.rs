//! Cache prefetch for the next event ([`sim_core::Model::prefetch`]).
//!
//! At k = 16 the device records (6144 of them) and the packets no longer fit in the 2 MiB L2
//! beside the queue and the sockets, and a sampled profile puts most of `on_arrive`'s and
//! `on_tx_done`'s time on the first touch of the device record's lines. When the event loop
//! already knows the event after the current one (the front of the queue has two entries),
//! the lines that event will read are requested now and load while the current one runs. A
//! prefetch reads nothing the program sees, so results cannot change.

use super::{Event, Network};

/// Asks the CPU to load the cache line holding `r` (no effect on other targets).
#[inline(always)]
fn line_of<T>(r: &T) {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse"))]
    {
        use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: `prefetcht0` needs SSE, which the cfg above guarantees (it is part of the
        // x86-64 baseline), and it never faults nor reads anything the program sees, whatever
        // the address; here the address is that of a live reference.
        unsafe { _mm_prefetch::<_MM_HINT_T0>((r as *const T).cast::<i8>()) };
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse")))]
    let _ = r;
}

impl Network {
    /// Prefetches the parts of the device record that `next` reads first.
    #[inline(always)]
    pub(super) fn prefetch_for(&self, next: &Event) {
        match *next {
            Event::Arrive(dev) => {
                if let Some(d) = self.devices.get(dev.index()) {
                    line_of(&d.in_flight);
                    line_of(&d.peer_node);
                }
            }
            Event::TxDone(dev) => {
                if let Some(d) = self.devices.get(dev.index()) {
                    line_of(&d.tx);
                    line_of(&d.params.loss);
                    line_of(&d.in_flight);
                    line_of(&d.queue);
                }
            }
            _ => {}
        }
    }
}
