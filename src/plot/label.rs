//! Label boxes: where a plot's own text goes, in pixels, so that a layout can be checked for
//! overlaps without reading the SVG back.
//!
//! The SVG names a font family, not a font: the reader's renderer picks the glyphs, so a
//! label's width is not known when the file is written. [`text_width`] therefore errs wide —
//! it is an upper bound for the common sans-serif faces (DejaVu Sans, the widest of them,
//! averages under 0.7 em a character even in capitals) — and two boxes that do not intersect
//! stay apart on screen.

/// A label's box [px, image coordinates: x to the right, y down]; `x0 <= x1`, `y0 <= y1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelBox {
    /// Left edge.
    pub x0: i32,
    /// Top edge.
    pub y0: i32,
    /// Right edge.
    pub x1: i32,
    /// Bottom edge.
    pub y1: i32,
}

impl LabelBox {
    /// Whether the two boxes share any area (touching edges do not count).
    pub fn intersects(&self, other: &LabelBox) -> bool {
        self.x0 < other.x1 && other.x0 < self.x1 && self.y0 < other.y1 && other.y0 < self.y1
    }

    /// Whether `self` lies inside `outer` (edges included).
    pub fn inside(&self, outer: &LabelBox) -> bool {
        self.x0 >= outer.x0 && self.x1 <= outer.x1 && self.y0 >= outer.y0 && self.y1 <= outer.y1
    }

    /// The box of `text` at plotters font size `size` with its right edge at `right` and
    /// centred on `y` (drawn with `Pos::new(HPos::Right, VPos::Center)`).
    pub fn right_of(text: &str, size: u32, right: i32, y: i32) -> LabelBox {
        let (w, h) = (text_width(text, size), text_height(size));
        LabelBox {
            x0: right - w,
            y0: y - h / 2,
            x1: right,
            y1: y - h / 2 + h,
        }
    }

    /// The box of `text` at plotters font size `size` with its left edge at `left` and centred
    /// on `y` (drawn with `Pos::new(HPos::Left, VPos::Center)`).
    pub fn left_of(text: &str, size: u32, left: i32, y: i32) -> LabelBox {
        let w = text_width(text, size);
        let b = LabelBox::right_of(text, size, left + w, y);
        LabelBox { x0: left, ..b }
    }
}

/// Where a plot put its own labels: what the tests check for overlaps, without reading the SVG.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// The plotting area the labels belong to [px].
    pub plot: LabelBox,
    /// The image's size [px].
    pub image: (u32, u32),
    /// Each label's box and the region it must stay in [px] (clear of the caption, the axes,
    /// other panels).
    pub labels: Vec<(LabelBox, LabelBox)>,
}

impl Placed {
    /// What is wrong with the placement, if anything: two labels whose boxes intersect, a
    /// label outside its region, or a region outside the image.
    pub fn problem(&self) -> Option<String> {
        let boxes: Vec<LabelBox> = self.labels.iter().map(|l| l.0).collect();
        if let Some((i, j)) = first_overlap(&boxes) {
            let (a, b) = (boxes[i], boxes[j]);
            return Some(format!("labels {i} and {j} overlap: {a:?} and {b:?}"));
        }
        let image = LabelBox {
            x0: 0,
            y0: 0,
            x1: self.image.0 as i32,
            y1: self.image.1 as i32,
        };
        (self.labels.iter().enumerate())
            .find(|(_, (b, region))| !b.inside(region) || !region.inside(&image))
            .map(|(i, (b, region))| format!("label {i} {b:?} is not inside {region:?}"))
    }
}

/// The first pair of boxes (by index) that intersect, if any.
pub fn first_overlap(boxes: &[LabelBox]) -> Option<(usize, usize)> {
    (0..boxes.len())
        .flat_map(|i| (i + 1..boxes.len()).map(move |j| (i, j)))
        .find(|&(i, j)| boxes[i].intersects(&boxes[j]))
}

/// The pixel size of the font plotters writes for size `size`: its SVG backend writes
/// `font-size = size / 1.24`.
fn font_px(size: u32) -> f64 {
    f64::from(size) / 1.24
}

/// An upper bound of the width [px] of `text` at plotters font size `size`: 0.72 em a
/// character.
pub fn text_width(text: &str, size: u32) -> i32 {
    (text.chars().count() as f64 * font_px(size) * 0.72).ceil() as i32
}

/// The height [px] of one line of text at plotters font size `size`: 1.2 em, the usual line
/// box, which holds the ascenders and descenders.
pub fn text_height(size: u32) -> i32 {
    (font_px(size) * 1.2).ceil() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Boxes that share area intersect; boxes that only touch, or lie apart, do not; the
    /// first overlapping pair is found by index.
    #[test]
    fn intersection_and_first_overlap() {
        let a = LabelBox {
            x0: 0,
            y0: 0,
            x1: 10,
            y1: 10,
        };
        let touching = LabelBox {
            x0: 10,
            x1: 20,
            ..a
        };
        let crossing = LabelBox { x0: 9, x1: 20, ..a };
        let below = LabelBox {
            y0: 10,
            y1: 20,
            ..a
        };
        assert!(!a.intersects(&touching) && !a.intersects(&below));
        assert!(a.intersects(&crossing) && crossing.intersects(&a));
        assert!(a.intersects(&a));
        assert_eq!(first_overlap(&[a, below, touching]), None);
        assert_eq!(first_overlap(&[a, below, touching, crossing]), Some((0, 3)));
    }

    /// A placement is faulted for two intersecting labels, for a label outside its region
    /// and for a region outside the image, and passes otherwise.
    #[test]
    fn placed_problems() {
        let region = LabelBox {
            x0: 0,
            y0: 0,
            x1: 100,
            y1: 100,
        };
        let a = LabelBox::left_of("abc", 14, 10, 20);
        let b = LabelBox::left_of("abc", 14, 10, 40);
        let mut p = Placed {
            plot: region,
            image: (100, 100),
            labels: vec![(a, region), (b, region)],
        };
        assert_eq!(p.problem(), None);
        p.labels[1].0 = LabelBox::left_of("abc", 14, 20, 22);
        assert!(p.problem().unwrap().contains("overlap"));
        p.labels[1].0 = LabelBox::left_of("abc", 14, 95, 40);
        assert!(p.problem().unwrap().contains("not inside"));
        p.labels[1] = (b, LabelBox { x1: 101, ..region });
        assert!(p.problem().unwrap().contains("not inside"));
    }

    /// A label's box grows with its text and font, and the two anchors give the same box
    /// shifted: `right_of` ends at its x, `left_of` starts there.
    #[test]
    fn boxes_follow_text_and_anchor() {
        assert!(text_width("PREPARE_MIGRATION", 14) > text_width("vm1", 14));
        assert!(text_width("vm1", 20) > text_width("vm1", 14));
        // 17 capitals at 14 / 1.24 px: DejaVu Sans's advances add up to 10.8 em, 122 px.
        assert!(text_width("PREPARE_MIGRATION", 14) >= 122);
        let r = LabelBox::right_of("host 1 moved", 14, 200, 50);
        let l = LabelBox::left_of("host 1 moved", 14, 200, 50);
        assert_eq!((r.x1, l.x0), (200, 200));
        assert_eq!((r.x1 - r.x0, r.y0, r.y1), (l.x1 - l.x0, l.y0, l.y1));
        assert!(r.y0 < 50 && r.y1 > 50 && r.y1 - r.y0 == text_height(14));
    }
}
