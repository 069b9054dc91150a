//! State that most connections never touch, kept out of the connection's record.
//!
//! The SACK scoreboard, the receiver's SACK blocks and RACK-TLP are off by default (NewReno
//! without SACK, which every performance anchor runs), yet held inline they made each
//! connection about 290 bytes larger, and the whole socket table correspondingly colder in the
//! cache (issue 18 measured +10.8 % wall clock on perf-fat-tree-16, 2048 connections). An
//! [`OutOfLine<T>`] holds such a part behind a pointer that stays null until the part is first
//! written: reading it before then gives the part's default value (one shared, immutable
//! instance per type), writing it allocates the default and writes into that. So the part's
//! value is at every moment exactly what an inline field would hold — results cannot change —
//! and a connection that never uses the feature carries 8 bytes for it.
//!
//! The field keeps its name and its paths (`self.rack.log`, `self.sack_tx.board`) through
//! `Deref`/`DerefMut`, and borrows stay per field, as with a plain field.

use std::ops::{Deref, DerefMut};
use std::sync::LazyLock;

use super::rack::Rack;
use super::sack_recovery::SackTx;
use super::sack_rx::SackRx;

/// A part of the connection that is allocated on its first write (see the module docs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct OutOfLine<T: Pristine>(Option<Box<T>>);

/// A type with one shared default value, which [`OutOfLine`] reads before its first write.
pub(crate) trait Pristine: Default + 'static {
    /// The type's `Default::default()`, shared.
    fn pristine() -> &'static Self;
}

impl<T: Pristine> OutOfLine<T> {
    /// Whether the part was ever written (and so allocated).
    #[cfg(test)]
    pub fn is_allocated(&self) -> bool {
        self.0.is_some()
    }
}

impl<T: Pristine> Deref for OutOfLine<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        match &self.0 {
            Some(b) => b,
            None => T::pristine(),
        }
    }
}

impl<T: Pristine> DerefMut for OutOfLine<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        self.0.get_or_insert_with(Box::default)
    }
}

/// `Pristine` for a `Default + Sync` type, from a lazily built static.
macro_rules! pristine {
    ($t:ty) => {
        impl Pristine for $t {
            #[inline]
            fn pristine() -> &'static Self {
                static P: LazyLock<$t> = LazyLock::new(<$t>::default);
                &P
            }
        }
    };
}

pristine!(SackRx);
pristine!(SackTx);
pristine!(Rack);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tcp::TcpConfig;
    use crate::tcp::connection::TcpConnection;
    use crate::tcp::connection::fixture::established;

    /// Reading an untouched part gives the default without allocating; the first write
    /// allocates and later reads see the write.
    #[test]
    fn reads_default_until_written() {
        let mut p: OutOfLine<Rack> = OutOfLine::default();
        assert_eq!(*p, Rack::default(), "reads the default");
        assert!(!p.is_allocated(), "a read does not allocate");
        p.reo_wnd_mult = 3;
        assert!(p.is_allocated(), "a write allocates");
        assert_eq!(p.reo_wnd_mult, 3, "and is kept");
        let q = p.clone();
        assert_eq!(q, p, "clones compare equal");
    }

    /// A NewReno connection without SACK (the anchors' configuration) never allocates the
    /// SACK and RACK parts while it sends, receives and acknowledges; the record shrank by
    /// them (the sizes are printed for docs/performance.md with `--nocapture`).
    #[test]
    fn newreno_connection_stays_small() {
        let mut fx = established(TcpConfig::default());
        fx.c.write(20 * 1448);
        let _ = fx.drain(sim_core::SimTime::from_ms(1));
        fx.ack(sim_core::SimTime::from_ms(2), 10 * 1448);
        fx.peer_data(sim_core::SimTime::from_ms(3), 0, 1448, 0);
        let _ = fx.drain(sim_core::SimTime::from_ms(3));
        assert!(!fx.c.sack_rx.is_allocated(), "no SACK receiver state");
        assert!(!fx.c.sack_tx.is_allocated(), "no scoreboard");
        assert!(!fx.c.rack.is_allocated(), "no RACK state");
        let size = std::mem::size_of::<TcpConnection>();
        eprintln!("size_of::<TcpConnection>() = {size}");
        // 800 bytes in session 8 (1064 with the three parts inline); the ceiling leaves room
        // for a few new fields but not for all three parts back inline.
        assert!(
            size <= 900,
            "the SACK and RACK parts are out of line ({size} bytes)"
        );
    }
}
