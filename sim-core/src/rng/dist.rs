//! Normal and exponential variates that are the same bits on every platform.
//!
//! A platform's maths library (`ln`, `cos`, `exp` in libm) may differ from another's in the
//! last bit, and a last bit can move a delay across a picosecond boundary. The functions here
//! use only IEEE 754 addition, subtraction, multiplication, division and square root, each of
//! which is correctly rounded by definition, plus exact operations (bit manipulation,
//! `floor`, scaling by powers of two); the sequence of operations is fixed and Rust does not
//! contract `a * b + c` into a fused multiply-add, so every platform with IEEE binary64
//! arithmetic gets the same bits.
//!
//! * [`ln`]: `x = m · 2^e` with `m` in [√½, √2] (exact), then `ln m = 2 atanh s` with
//!   `s = (m − 1)/(m + 1)`, `|s| ≤ 0.1716`, as the odd series `2 Σ s^(2k+1)/(2k+1)` to
//!   `k = 10` (the next term is below 10⁻¹⁷), and `e · ln 2` in two parts (fdlibm's split, so
//!   the high product is exact). Within 2 ulp of the true value.
//! * [`cos_2pi`]: `cos 2πu`, reducing `u` exactly to a quadrant and an offset `r` in
//!   [0, ½] (multiplying by 4 and subtracting an integer are exact), then Taylor series of
//!   `cos` and `sin` to degree 16 and 17 on angles up to π/4 (next terms below 10⁻¹⁷).
//! * [`RngStream::standard_normal`]: Box–Muller, `√(−2 ln u₁) · cos 2πu₂`, `u₁` in (0, 1].
//! * [`RngStream::exponential`]: inversion, `−ln u`, `u` in (0, 1].
//!
//! [`RngStream::standard_normal`]: super::RngStream::standard_normal
//! [`RngStream::exponential`]: super::RngStream::exponential

/// High part of ln 2 (fdlibm `ln2_hi`): its last 11 mantissa bits are zero, so `e · LN2_HI`
/// is exact for every exponent `e` of a double.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000); // 6.93147180369123816490e-01
/// ln 2 − [`LN2_HI`] (fdlibm `ln2_lo`).
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76); // 1.90821492927058770002e-10

/// `1/(2k+1)` for `k = 0..=10`, evaluated by the compiler (IEEE, correctly rounded).
const ATANH: [f64; 11] = [
    1.0,
    1.0 / 3.0,
    1.0 / 5.0,
    1.0 / 7.0,
    1.0 / 9.0,
    1.0 / 11.0,
    1.0 / 13.0,
    1.0 / 15.0,
    1.0 / 17.0,
    1.0 / 19.0,
    1.0 / 21.0,
];

/// `(−1)^k / (2k)!` for `k = 0..=8`.
const COS: [f64; 9] = [
    1.0,
    -1.0 / 2.0,
    1.0 / 24.0,
    -1.0 / 720.0,
    1.0 / 40_320.0,
    -1.0 / 3_628_800.0,
    1.0 / 479_001_600.0,
    -1.0 / 87_178_291_200.0,
    1.0 / 20_922_789_888_000.0,
];

/// `(−1)^k / (2k+1)!` for `k = 0..=8`.
const SIN: [f64; 9] = [
    1.0,
    -1.0 / 6.0,
    1.0 / 120.0,
    -1.0 / 5_040.0,
    1.0 / 362_880.0,
    -1.0 / 39_916_800.0,
    1.0 / 6_227_020_800.0,
    -1.0 / 1_307_674_368_000.0,
    1.0 / 355_687_428_096_000.0,
];

/// π/2 rounded to the nearest double.
const FRAC_PI_2: f64 = std::f64::consts::FRAC_PI_2;

/// Evaluates `Σ c[k] x^k` by Horner's rule, highest degree first.
#[inline]
fn horner(c: &[f64], x: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &k| acc * x + k)
}

/// The natural logarithm, from IEEE basic operations only (see the [module docs](self)):
/// `−∞` at zero, NaN below zero or for NaN, `+∞` at `+∞`.
pub fn ln(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_infinite() {
        return f64::INFINITY;
    }
    let (mut bits, mut e) = (x.to_bits(), 0i64);
    if bits >> 52 == 0 {
        // Subnormal: scale by 2^54 (exact) into the normal range.
        bits = (x * f64::from_bits(0x4350_0000_0000_0000)).to_bits();
        e = -54;
    }
    e += ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let ln_m = 2.0 * s * horner(&ATANH, s * s);
    let e = e as f64;
    e * LN2_HI + (e * LN2_LO + ln_m)
}

/// `cos(t · π/2)` for `t` in [0, ½].
#[inline]
fn cos_quarter(t: f64) -> f64 {
    let y = t * FRAC_PI_2;
    horner(&COS, y * y)
}

/// `sin(t · π/2)` for `t` in [0, ½].
#[inline]
fn sin_quarter(t: f64) -> f64 {
    let y = t * FRAC_PI_2;
    y * horner(&SIN, y * y)
}

/// `cos(2πu)` for finite `u`, from IEEE basic operations only (see the [module docs](self)).
pub fn cos_2pi(u: f64) -> f64 {
    let v = u - u.floor();
    let w = 4.0 * v;
    let q = w.floor();
    let r = w - q;
    // cos(2πu) = cos(q·π/2 + θ), θ = r·π/2; the offset is folded into [0, ½].
    let (c, s) = if r <= 0.5 {
        (cos_quarter(r), sin_quarter(r))
    } else {
        (sin_quarter(1.0 - r), cos_quarter(1.0 - r))
    };
    match q as u8 {
        0 => c,
        1 => -s,
        2 => -c,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::super::RngStreams;
    use super::*;

    /// Agrees with the platform's `ln` to within 2 ulp across magnitudes, subnormals
    /// included, and handles the special values.
    #[test]
    fn ln_matches_libm_closely() {
        let mut s = RngStreams::new(5).stream("ln");
        for i in 0..200_000 {
            let x = match i % 4 {
                0 => s.next_f64() + f64::MIN_POSITIVE,
                1 => 1.0 - s.next_f64(),
                2 => f64::from_bits(s.next_u64() >> 2), // any magnitude up to ~2^511
                _ => f64::from_bits(s.below(1 << 52) + 1), // subnormal
            };
            let (mine, libm) = (ln(x), x.ln());
            let ulp = f64::from_bits(libm.abs().to_bits() + 1) - libm.abs();
            assert!(
                (mine - libm).abs() <= 2.0 * ulp,
                "ln({x:e}) = {mine:e}, libm {libm:e}"
            );
        }
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(ln(0.0), f64::NEG_INFINITY);
        assert!(ln(-1.0).is_nan() && ln(f64::NAN).is_nan());
        assert_eq!(ln(f64::INFINITY), f64::INFINITY);
    }

    /// Agrees with the platform's `cos(2πu)` to 10⁻¹⁵ on [0, 1) and hits the quadrant points
    /// exactly.
    #[test]
    fn cos_2pi_matches_libm_closely() {
        let mut s = RngStreams::new(6).stream("cos");
        for _ in 0..200_000 {
            let u = s.next_f64();
            let (mine, libm) = (cos_2pi(u), (std::f64::consts::TAU * u).cos());
            // libm's argument 2π·u is itself rounded (≤ 7e-16 · |u| absolute).
            assert!((mine - libm).abs() < 1e-15, "cos 2π{u}: {mine} vs {libm}");
        }
        assert_eq!(
            [0.0, 0.25, 0.5, 0.75, 1.0, -0.25].map(cos_2pi),
            [1.0, 0.0, -1.0, 0.0, 1.0, 0.0]
        );
    }

    /// Frozen draws: the first four of each kind for seed 42, as exact bit patterns. These
    /// are the same on every platform (the point of this module); a change here changes
    /// published results and must be deliberate.
    #[test]
    fn draws_are_pinned() {
        let mut s = RngStreams::new(42).stream("dist/normal");
        let normal: Vec<u64> = (0..4).map(|_| s.standard_normal().to_bits()).collect();
        assert_eq!(
            normal,
            [
                0x3fcc_5dd7_4f8c_bad7, // 0.2216138018061062
                0xbfe3_0ecd_db91_f973, // -0.595557144973823
                0x3fd3_fc0b_2c94_5221, // 0.3122585234971514
                0xbff7_7d1c_70d1_ae54, // -1.4680447012896325
            ]
        );
        let mut s = RngStreams::new(42).stream("dist/exponential");
        let exp: Vec<u64> = (0..4).map(|_| s.exponential().to_bits()).collect();
        assert_eq!(
            exp,
            [
                0x3ff5_69a8_7208_336b,
                0x3fb4_a637_e12b_ad3b,
                0x3f9f_5480_a43b_56a1,
                0x3fcc_8a40_ccda_0a1d,
            ]
        );
    }

    /// Standard normal CDF (Abramowitz & Stegun 26.2.17, |error| < 7.5·10⁻⁸), for the
    /// goodness-of-fit tests only.
    fn phi(x: f64) -> f64 {
        let t = 1.0 / (1.0 + 0.231_641_9 * x.abs());
        let poly = t
            * (0.319_381_530
                + t * (-0.356_563_782
                    + t * (1.781_477_937 + t * (-1.821_255_978 + t * 1.330_274_429))));
        let tail = (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt() * poly;
        if x >= 0.0 { 1.0 - tail } else { tail }
    }

    /// Kolmogorov–Smirnov statistic of `xs` against `cdf`.
    fn ks(mut xs: Vec<f64>, cdf: impl Fn(f64) -> f64) -> f64 {
        xs.sort_by(f64::total_cmp);
        let n = xs.len() as f64;
        xs.iter().enumerate().fold(0.0, |d, (i, &x)| {
            let f = cdf(x);
            d.max(f - i as f64 / n).max((i + 1) as f64 / n - f)
        })
    }

    fn mean_var(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
        (mean, var)
    }

    /// 10⁵ normal draws: mean 0 and variance 1 within 5 standard errors, and the KS
    /// distance to Φ below the 1 % critical value 1.63/√n.
    #[test]
    fn normal_fits() {
        let n = 100_000;
        let mut s = RngStreams::new(11).stream("dist/normal-fit");
        let xs: Vec<f64> = (0..n).map(|_| s.standard_normal()).collect();
        let (mean, var) = mean_var(&xs);
        let nf = n as f64;
        assert!(mean.abs() < 5.0 / nf.sqrt(), "mean {mean}");
        // The variance of the sample variance of a normal is 2/(n−1).
        assert!(
            (var - 1.0).abs() < 5.0 * (2.0 / nf).sqrt(),
            "variance {var}"
        );
        let d = ks(xs, phi);
        assert!(d < 1.63 / nf.sqrt(), "KS distance {d}");
    }

    /// 10⁵ exponential draws: mean 1 and variance 1 within 5 standard errors, none negative,
    /// and the KS distance to 1 − e^(−x) below the 1 % critical value.
    #[test]
    fn exponential_fits() {
        let n = 100_000;
        let mut s = RngStreams::new(12).stream("dist/exponential-fit");
        let xs: Vec<f64> = (0..n).map(|_| s.exponential()).collect();
        assert!(xs.iter().all(|&x| x >= 0.0 && x.is_finite()));
        let (mean, var) = mean_var(&xs);
        let nf = n as f64;
        assert!((mean - 1.0).abs() < 5.0 / nf.sqrt(), "mean {mean}");
        // The fourth central moment of Exp(1) is 9, so Var(s²) ≈ (9 − 1)/n.
        assert!(
            (var - 1.0).abs() < 5.0 * (8.0 / nf).sqrt(),
            "variance {var}"
        );
        let d = ks(xs, |x| 1.0 - (-x).exp());
        assert!(d < 1.63 / nf.sqrt(), "KS distance {d}");
    }
}
