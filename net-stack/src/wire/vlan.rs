//! IEEE 802.1Q VLAN tags and the stack of at most two that a frame carries (802.1ad "Q-in-Q":
//! an outer service tag, TPID 0x88a8, over an inner customer tag, TPID 0x8100).
//!
//! The stack is stored packed — two 16-bit TCIs and one byte for the depth and the TPIDs, all
//! byte-aligned — so that [`super::EthernetRepr`] stays the 18 bytes it was with a single
//! optional tag, and the per-hop frame length is one byte load: `14 + hdr_len`.

use std::fmt;

/// The tag protocol identifier: which EtherType announces a tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Tpid {
    /// 0x8100, an IEEE 802.1Q customer tag (C-tag).
    #[default]
    Dot1Q,
    /// 0x88a8, an IEEE 802.1ad service tag (S-tag), the outer tag of Q-in-Q.
    Dot1Ad,
}

impl Tpid {
    /// The 16-bit value on the wire.
    pub fn value(self) -> u16 {
        match self {
            Tpid::Dot1Q => 0x8100,
            Tpid::Dot1Ad => 0x88a8,
        }
    }

    /// The TPID for a wire value (OpenFlow PUSH_VLAN's ethertype argument), if it is one.
    pub fn from_value(v: u16) -> Option<Tpid> {
        match v {
            0x8100 => Some(Tpid::Dot1Q),
            0x88a8 => Some(Tpid::Dot1Ad),
            _ => None,
        }
    }
}

/// One VLAN tag: the TPID and the tag control information (PCP, DEI, VID).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct VlanTag {
    /// Which EtherType announces the tag.
    pub tpid: Tpid,
    /// Priority code point, 3 bits (802.1p class).
    pub pcp: u8,
    /// Drop eligible indicator (formerly CFI).
    pub dei: bool,
    /// VLAN identifier, 12 bits.
    pub vid: u16,
}

impl VlanTag {
    /// An 802.1Q tag with VLAN id `vid` (only its low 12 bits are kept), PCP 0, DEI clear.
    pub fn dot1q(vid: u16) -> VlanTag {
        VlanTag {
            tpid: Tpid::Dot1Q,
            pcp: 0,
            dei: false,
            vid: vid & 0x0fff,
        }
    }

    /// The 16-bit TCI as on the wire: PCP (3 bits), DEI (1), VID (12). Out-of-range PCP and
    /// VID bits are masked off.
    pub fn tci(self) -> u16 {
        u16::from(self.pcp & 0x7) << 13 | u16::from(self.dei) << 12 | self.vid & 0x0fff
    }

    /// The tag with TPID `tpid` and TCI `tci`.
    pub fn from_tci(tpid: Tpid, tci: u16) -> VlanTag {
        VlanTag {
            tpid,
            pcp: (tci >> 13) as u8,
            dei: tci & 0x1000 != 0,
            vid: tci & 0x0fff,
        }
    }
}

/// A third tag was pushed onto a frame that already carries two.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a frame carries at most two VLAN tags")]
pub struct VlanStackFull;

/// The VLAN tags of a frame, outermost first; at most two.
///
/// ```
/// use net_stack::wire::{Tpid, VlanStack, VlanTag};
/// let mut tags = VlanStack::EMPTY;
/// tags.push(VlanTag::dot1q(10)).unwrap();
/// tags.push(VlanTag { tpid: Tpid::Dot1Ad, ..VlanTag::dot1q(200) }).unwrap();
/// assert_eq!(tags.outer().unwrap().vid, 200);
/// assert_eq!(tags.header_len(), 8);
/// assert!(tags.push(VlanTag::dot1q(1)).is_err(), "a third tag is refused");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VlanStack {
    /// TCIs (big-endian bytes, so the struct is byte-aligned and 5 bytes), `tci[0]` the
    /// outermost.
    tci: [[u8; 2]; 2],
    /// The tags' header length, 4 × depth (read on every hop, so kept whole).
    hdr_len: u8,
    /// Bit 0: `tci[0]` is an S-tag; bit 1: `tci[1]` is an S-tag.
    bits: u8,
}

const S_TAG: [u8; 2] = [0b01, 0b10];

impl VlanStack {
    /// No tags.
    pub const EMPTY: VlanStack = VlanStack {
        tci: [[0; 2]; 2],
        hdr_len: 0,
        bits: 0,
    };

    /// A stack of one tag.
    pub fn single(tag: VlanTag) -> VlanStack {
        let mut s = VlanStack::EMPTY;
        s.hdr_len = 4;
        s.set(0, tag);
        s
    }

    /// Number of tags (0, 1 or 2).
    #[inline]
    pub fn len(&self) -> usize {
        usize::from(self.hdr_len / 4)
    }

    /// Whether the frame is untagged.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.hdr_len == 0
    }

    /// Bytes the tags add to the Ethernet header: 4 per tag.
    #[inline]
    pub fn header_len(&self) -> usize {
        usize::from(self.hdr_len)
    }

    /// Tag `i`, counting from the outermost (0).
    pub fn get(&self, i: usize) -> Option<VlanTag> {
        (i < self.len()).then(|| {
            let tpid = if self.bits & S_TAG[i] != 0 {
                Tpid::Dot1Ad
            } else {
                Tpid::Dot1Q
            };
            VlanTag::from_tci(tpid, u16::from_be_bytes(self.tci[i]))
        })
    }

    /// The outermost tag: the one OpenFlow's `vlan_vid` and `vlan_pcp` match and set.
    pub fn outer(&self) -> Option<VlanTag> {
        self.get(0)
    }

    /// The tags, outermost first.
    pub fn iter(&self) -> impl Iterator<Item = VlanTag> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    fn set(&mut self, i: usize, tag: VlanTag) {
        self.tci[i] = tag.tci().to_be_bytes();
        if tag.tpid == Tpid::Dot1Ad {
            self.bits |= S_TAG[i];
        } else {
            self.bits &= !S_TAG[i];
        }
    }

    /// Pushes `tag` as the new outermost tag; refused when two are there already.
    pub fn push(&mut self, tag: VlanTag) -> Result<(), VlanStackFull> {
        let n = self.len();
        if n == 2 {
            return Err(VlanStackFull);
        }
        if n == 1 {
            let outer = self.get(0).expect("depth 1");
            self.set(1, outer);
        }
        self.set(0, tag);
        self.hdr_len += 4;
        Ok(())
    }

    /// Removes and returns the outermost tag.
    pub fn pop(&mut self) -> Option<VlanTag> {
        let outer = self.get(0)?;
        let n = self.len();
        if n == 2 {
            let inner = self.get(1).expect("depth 2");
            self.set(0, inner);
        }
        self.tci[n - 1] = [0; 2];
        self.bits &= !S_TAG[n - 1];
        self.hdr_len -= 4;
        Some(outer)
    }

    /// Replaces the outermost tag with `f(tag)`; does nothing on an untagged frame (OpenFlow
    /// SET_FIELD on a missing header). Returns whether there was a tag.
    pub fn update_outer(&mut self, f: impl FnOnce(VlanTag) -> VlanTag) -> bool {
        match self.outer() {
            Some(t) => {
                self.set(0, f(t));
                true
            }
            None => false,
        }
    }
}

impl fmt::Debug for VlanStack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// TCI packs PCP, DEI and VID in that order (IEEE 802.1Q §9.6) and unpacks back.
    #[test]
    fn tci_layout() {
        let t = VlanTag {
            tpid: Tpid::Dot1Ad,
            pcp: 5,
            dei: true,
            vid: 0x123,
        };
        // PCP 101, DEI 1, VID 0001_0010_0011.
        assert_eq!(t.tci(), 0b1011_0001_0010_0011);
        assert_eq!(VlanTag::from_tci(Tpid::Dot1Ad, t.tci()), t);
        assert_eq!(VlanTag::dot1q(0x1fff).vid, 0x0fff, "VID is 12 bits");
    }

    /// Push makes the new tag the outer one and keeps the old one inside; pop undoes it; the
    /// TPIDs travel with their tags; a third push is refused and leaves the stack unchanged.
    #[test]
    fn push_pop_order() {
        let c = VlanTag::dot1q(10);
        let s = VlanTag {
            tpid: Tpid::Dot1Ad,
            pcp: 3,
            ..VlanTag::dot1q(200)
        };
        let mut st = VlanStack::EMPTY;
        assert_eq!((st.len(), st.header_len(), st.outer()), (0, 0, None));
        st.push(c).unwrap();
        st.push(s).unwrap();
        assert_eq!(st.iter().collect::<Vec<_>>(), vec![s, c]);
        assert_eq!(st.header_len(), 8);
        let before = st;
        assert_eq!(st.push(c), Err(VlanStackFull));
        assert_eq!(st, before, "refused push changes nothing");
        assert_eq!(st.pop(), Some(s));
        assert_eq!(st, VlanStack::single(c), "pop leaves the inner tag alone");
        assert_eq!(st.pop(), Some(c));
        assert_eq!(st, VlanStack::EMPTY);
        assert_eq!(st.pop(), None);
    }

    /// `update_outer` rewrites only the outermost tag, and only if there is one.
    #[test]
    fn update_outer_only() {
        let mut st = VlanStack::single(VlanTag::dot1q(1));
        st.push(VlanTag::dot1q(2)).unwrap();
        assert!(st.update_outer(|t| VlanTag { vid: 7, ..t }));
        assert_eq!(st.iter().map(|t| t.vid).collect::<Vec<_>>(), vec![7, 1]);
        let mut empty = VlanStack::EMPTY;
        assert!(!empty.update_outer(|t| VlanTag { vid: 7, ..t }));
        assert!(empty.is_empty());
    }
}
