//! The one-sample Kolmogorov–Smirnov test, small enough to carry here: the workload tests
//! check that inter-arrival times are exponential and that sizes follow their CDF.

/// The KS statistic D = sup |Fₙ(x) − F(x)| of the sample `xs` (sorted in place) against the
/// continuous CDF `f`.
pub fn statistic(xs: &mut [f64], f: impl Fn(f64) -> f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len() as f64;
    let mut d: f64 = 0.0;
    let mut i = 0;
    while i < xs.len() {
        // Ties: the empirical CDF jumps once, past all equal values.
        let mut j = i;
        while j + 1 < xs.len() && xs[j + 1] == xs[i] {
            j += 1;
        }
        let fx = f(xs[i]);
        d = d
            .max((fx - i as f64 / n).abs())
            .max(((j + 1) as f64 / n - fx).abs());
        i = j + 1;
    }
    d
}

/// Whether D passes at significance `alpha` for `n` samples, by the asymptotic critical value
/// c(α)/√n with c(α) = √(−ln(α/2)/2) (1.628 at α = 0.01; Smirnov 1948).
pub fn passes(d: f64, n: usize, alpha: f64) -> bool {
    d <= critical(n, alpha)
}

/// The critical value of D for `n` samples at significance `alpha`.
pub fn critical(n: usize, alpha: f64) -> f64 {
    (-(alpha / 2.0).ln() / 2.0).sqrt() / (n as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The critical value at α = 0.01 is the textbook 1.628/√n, and a uniform sample on a
    /// grid passes against the uniform CDF while a shifted one fails.
    #[test]
    fn critical_value_and_a_known_case() {
        assert!((critical(10_000, 0.01) - 0.016_276).abs() < 1e-5);
        let mut grid: Vec<f64> = (0..1000).map(|i| (i as f64 + 0.5) / 1000.0).collect();
        let d = statistic(&mut grid, |x| x.clamp(0.0, 1.0));
        assert!((d - 0.0005).abs() < 1e-9 && passes(d, 1000, 0.01), "{d}");
        let mut shifted: Vec<f64> = grid.iter().map(|x| (x * 0.9).min(1.0)).collect();
        let d = statistic(&mut shifted, |x| x.clamp(0.0, 1.0));
        assert!(!passes(d, 1000, 0.01), "{d}");
    }
}
