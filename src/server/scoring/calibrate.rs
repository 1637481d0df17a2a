//! Calibration: question difficulties, the spacing of the levels and the
//! spread of difficulty within a level, estimated together from stored
//! responses.
//!
//! The model is hierarchical: each question's difficulty is drawn around
//! its level's place on the scale,
//!
//! ```text
//! b_i ~ N(β · (L_i − m), τ²),
//! ```
//!
//! and answers follow P = c + (1 − c)σ(θ − b) with the format's guessing
//! floor c. The spacing β and the spread τ are estimated, not assumed. The
//! fit is marginal maximum likelihood over abilities (EM on a quadrature
//! grid, Bock & Aitkin 1981) with the difficulties at their posterior mode
//! under the level prior (Mislevy 1986) and β, τ updated from them each
//! cycle (empirical Bayes). Three things follow:
//!
//! - a question that everybody answers right (or that nobody beats the
//!   guessing floor on) keeps a finite difficulty near its level's, instead
//!   of running off to the edge of the scale and dragging the others;
//! - the sparse design of real attempts (each candidate answers 30 of 250+
//!   questions) works: questions with few answers are shrunk toward their
//!   level, and only observed answers enter the likelihood;
//! - calibrated and uncalibrated questions stay on one scale: an
//!   uncalibrated question sits at β̂ · (L − m) with spread τ̂.
//!
//! The ability distribution is not assumed normal: it is estimated with the
//! difficulties as a smooth log-polynomial density (`fit_density`).
//! Standard errors come from the cross-product of each candidate's score
//! (the observed information of the marginal likelihood, which counts the
//! uncertainty of the abilities), plus the prior's precision.

use super::irt::sigmoid;

/// A question version to calibrate.
#[derive(Debug, Clone)]
pub struct ItemInfo {
    pub key: String,
    pub guessing: f64,
    /// The authored level.
    pub level: u8,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ItemEstimate {
    pub key: String,
    pub difficulty: f64,
    pub standard_error: f64,
    pub responses: usize,
    /// Mean credit.
    pub p_value: f64,
    /// Information-weighted mean square residual (1 is ideal; above 1.3 is
    /// noisy, below 0.7 too predictable).
    pub infit: f64,
    /// Unweighted mean square residual, sensitive to outliers.
    pub outfit: f64,
    /// The real-valued level the difficulty corresponds to on the
    /// estimated scale.
    pub measured_level: f64,
    /// The measured level contradicts the authored one: at least one level
    /// apart, and more than two standard errors.
    pub contradicts_level: bool,
}

/// The estimated scale of the levels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScaleEstimate {
    /// Logits between the mean difficulties of consecutive levels.
    pub spacing: f64,
    pub spacing_se: f64,
    /// SD of difficulty within a level.
    pub spread: f64,
    /// The level whose questions have mean difficulty 0.
    pub center: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationResult {
    pub items: Vec<ItemEstimate>,
    /// Keys with fewer responses than the minimum, with their counts: they
    /// help estimate the rest but are not stored.
    pub skipped: Vec<(String, usize)>,
    pub scale: ScaleEstimate,
    pub persons: usize,
    pub population_mean: f64,
    pub population_sd: f64,
    pub iterations: usize,
    pub converged: bool,
}

const NODES: usize = 81;
const SPAN: f64 = 12.0;
/// The spacing before any data, and how loosely it is held (a weak prior
/// that matters only when few levels or questions have answers).
const SPACING_PRIOR: (f64, f64) = (super::irt::SPACING_MEDIAN, 1.0);
/// The spread before any data, worth this many questions.
const SPREAD_PRIOR: (f64, f64) = (super::irt::SPREAD, 4.0);

fn p(theta: f64, b: f64, c: f64) -> f64 {
    (c + (1.0 - c) * sigmoid(theta - b)).clamp(1e-9, 1.0 - 1e-9)
}

/// dP/db.
fn dp(theta: f64, b: f64, c: f64) -> f64 {
    let s = sigmoid(theta - b);
    -(1.0 - c) * s * (1.0 - s)
}

/// Calibrate. `persons[k]` lists person k's responses as (item index into
/// `items`, credit 0..1). `top` is the highest measured level. Items with
/// fewer than `min_responses` responses take part but are reported as
/// skipped.
pub fn calibrate(
    items: &[ItemInfo],
    persons: &[Vec<(usize, f64)>],
    min_responses: usize,
    top: u8,
) -> CalibrationResult {
    let center = (1.0 + f64::from(top.max(1))) / 2.0;
    let mut counts = vec![0usize; items.len()];
    for person in persons {
        for &(i, _) in person {
            counts[i] += 1;
        }
    }
    let used: Vec<usize> = (0..items.len()).filter(|&i| counts[i] > 0).collect();
    let skipped: Vec<(String, usize)> = (0..items.len())
        .filter(|&i| counts[i] < min_responses)
        .map(|i| (items[i].key.clone(), counts[i]))
        .collect();
    let mut index = vec![usize::MAX; items.len()];
    for (k, &i) in used.iter().enumerate() {
        index[i] = k;
    }
    let data: Vec<Vec<(usize, f64)>> = persons
        .iter()
        .map(|r| {
            r.iter()
                .filter(|(i, _)| index[*i] != usize::MAX)
                .map(|&(i, x)| (index[i], x.clamp(0.0, 1.0)))
                .collect::<Vec<_>>()
        })
        .filter(|r| !r.is_empty())
        .collect();
    let n = used.len();
    let guess: Vec<f64> = used.iter().map(|&i| items[i].guessing).collect();
    let offset: Vec<f64> = used
        .iter()
        .map(|&i| f64::from(items[i].level) - center)
        .collect();
    let no_scale = ScaleEstimate {
        spacing: SPACING_PRIOR.0,
        spacing_se: SPACING_PRIOR.1,
        spread: SPREAD_PRIOR.0,
        center,
    };
    if n == 0 || data.is_empty() {
        return CalibrationResult {
            items: Vec::new(),
            skipped,
            scale: no_scale,
            persons: data.len(),
            population_mean: 0.0,
            population_sd: 0.0,
            iterations: 0,
            converged: false,
        };
    }
    let mut sums = vec![(0.0, 0usize); n];
    for r in &data {
        for &(i, x) in r {
            sums[i].0 += x;
            sums[i].1 += 1;
        }
    }
    let nodes: Vec<f64> = (0..NODES)
        .map(|q| -SPAN + 2.0 * SPAN * q as f64 / (NODES - 1) as f64)
        .collect();
    let degree = (n / 5).clamp(2, MAX_DEGREE);
    let mut spacing = SPACING_PRIOR.0;
    let mut spread = SPREAD_PRIOR.0;
    let mut b: Vec<f64> = offset.iter().map(|o| spacing * o).collect();
    let mut log_prior: Vec<f64> = nodes.iter().map(|t| -0.5 * (t / 2.5).powi(2)).collect();
    normalize(&mut log_prior);
    let levels_seen = {
        let mut l: Vec<i64> = offset.iter().map(|o| (o * 2.0).round() as i64).collect();
        l.sort_unstable();
        l.dedup();
        l.len()
    };

    let mut iterations = 0;
    let mut converged = false;
    let mut info = vec![0.0; n];
    let mut n_iq = vec![0.0; n * NODES];
    let mut r_iq = vec![0.0; n * NODES];
    while iterations < 1000 {
        iterations += 1;
        // E-step: expected counts per item and node under the current
        // difficulties and ability density.
        n_iq.iter_mut().for_each(|v| *v = 0.0);
        r_iq.iter_mut().for_each(|v| *v = 0.0);
        let (lp, lq) = log_tables(&b, &guess, &nodes);
        let mut histogram = vec![0.0; NODES];
        let mut post = vec![0.0; NODES];
        for r in &data {
            posterior_into(&mut post, &log_prior, r, &lp, &lq);
            for (h, v) in histogram.iter_mut().zip(&post) {
                *h += v;
            }
            for &(i, x) in r {
                let base = i * NODES;
                for q in 0..NODES {
                    n_iq[base + q] += post[q];
                    r_iq[base + q] += post[q] * x;
                }
            }
        }
        // The ability density.
        let persons = data.len() as f64;
        let target: Vec<f64> = histogram.iter().map(|h| h / persons).collect();
        log_prior = fit_density(&nodes, &target, degree);
        // Difficulties at their posterior mode under the level prior.
        let prior_precision = 1.0 / (spread * spread);
        let mut change: f64 = 0.0;
        for i in 0..n {
            let mu = spacing * offset[i];
            let mut bi = b[i];
            for _ in 0..8 {
                let (mut grad, mut inf) = (0.0, 0.0);
                for (q, &t) in nodes.iter().enumerate() {
                    let (nn, rr) = (n_iq[i * NODES + q], r_iq[i * NODES + q]);
                    if nn <= 0.0 {
                        continue;
                    }
                    let pr = p(t, bi, guess[i]);
                    let d = dp(t, bi, guess[i]);
                    grad += (rr - nn * pr) / (pr * (1.0 - pr)) * d;
                    inf += nn * d * d / (pr * (1.0 - pr));
                }
                grad -= (bi - mu) * prior_precision;
                let step = (grad / (inf + prior_precision)).clamp(-1.0, 1.0);
                bi += step;
                info[i] = inf;
                if step.abs() < 1e-9 {
                    break;
                }
            }
            change = change.max((bi - b[i]).abs());
            b[i] = bi;
        }
        // The scale is located by the level prior: shift the difficulties
        // so their mean residual from it is zero (the likelihood alone does
        // not move when abilities and difficulties shift together).
        let shift = (0..n).map(|i| b[i] - spacing * offset[i]).sum::<f64>() / n as f64;
        b.iter_mut().for_each(|v| *v -= shift);
        // Spacing and spread, from the difficulties and their posterior
        // variances (EM for a normal random effect).
        let old = (spacing, spread);
        let v: Vec<f64> = info.iter().map(|i| 1.0 / (i + prior_precision)).collect();
        if levels_seen >= 2 {
            let (pm, ps) = SPACING_PRIOR;
            let num: f64 =
                (0..n).map(|i| offset[i] * b[i]).sum::<f64>() / (spread * spread) + pm / (ps * ps);
            let den: f64 =
                offset.iter().map(|o| o * o).sum::<f64>() / (spread * spread) + 1.0 / (ps * ps);
            spacing = (num / den).max(0.1);
        }
        let (sm, sw) = SPREAD_PRIOR;
        let ss: f64 = (0..n)
            .map(|i| (b[i] - spacing * offset[i]).powi(2) + v[i])
            .sum::<f64>();
        spread = ((ss + sw * sm * sm) / (n as f64 + sw)).sqrt().max(0.05);
        change = change
            .max((spacing - old.0).abs())
            .max((spread - old.1).abs());
        // A tenth of a thousandth of a logit: far below any standard error.
        if change < 1e-4 {
            converged = true;
            break;
        }
    }

    // Standard errors from the cross-product of the candidates' scores,
    // person fit, and the population.
    let (lp, lq) = log_tables(&b, &guess, &nodes);
    let mut xpd = vec![0.0; n];
    let mut fit = vec![(0.0, 0.0, 0.0, 0usize); n]; // (Σ(x−P)², ΣP(1−P), Σz², n)
    let mut post = vec![0.0; NODES];
    let mut pop = (0.0, 0.0, 0.0);
    for r in &data {
        posterior_into(&mut post, &log_prior, r, &lp, &lq);
        let theta: f64 = post.iter().zip(&nodes).map(|(w, t)| w * t).sum();
        pop.0 += 1.0;
        pop.1 += theta;
        pop.2 += post.iter().zip(&nodes).map(|(w, t)| w * t * t).sum::<f64>();
        for &(i, x) in r {
            let mut g = 0.0;
            for (q, &t) in nodes.iter().enumerate() {
                if post[q] < 1e-14 {
                    continue;
                }
                let pr = p(t, b[i], guess[i]);
                g += post[q] * (x / pr - (1.0 - x) / (1.0 - pr)) * dp(t, b[i], guess[i]);
            }
            xpd[i] += g * g;
            let pr = p(theta, b[i], guess[i]);
            let var = pr * (1.0 - pr);
            fit[i].0 += (x - pr).powi(2);
            fit[i].1 += var;
            fit[i].2 += (x - pr).powi(2) / var;
            fit[i].3 += 1;
        }
    }
    let prior_precision = 1.0 / (spread * spread);
    let se: Vec<f64> = xpd
        .iter()
        .map(|x| 1.0 / (x + prior_precision).sqrt())
        .collect();
    let spacing_se = {
        let (_, ps) = SPACING_PRIOR;
        let precision: f64 = (0..n)
            .map(|i| {
                let sampling = if xpd[i] > 1e-12 { 1.0 / xpd[i] } else { 1e6 };
                offset[i] * offset[i] / (spread * spread + sampling)
            })
            .sum::<f64>()
            + 1.0 / (ps * ps);
        1.0 / precision.sqrt()
    };
    let population_mean = pop.1 / pop.0;
    let population_sd = (pop.2 / pop.0 - population_mean.powi(2)).max(0.0).sqrt();
    let estimates = used
        .iter()
        .enumerate()
        .filter(|(_, &i)| counts[i] >= min_responses)
        .map(|(k, &i)| {
            let measured_level = b[k] / spacing + center;
            let authored = f64::from(items[i].level);
            let gap = (measured_level - authored).abs();
            ItemEstimate {
                key: items[i].key.clone(),
                difficulty: b[k],
                standard_error: se[k],
                responses: counts[i],
                p_value: sums[k].0 / sums[k].1 as f64,
                infit: if fit[k].1 > 0.0 {
                    fit[k].0 / fit[k].1
                } else {
                    1.0
                },
                outfit: if fit[k].3 > 0 {
                    fit[k].2 / fit[k].3 as f64
                } else {
                    1.0
                },
                measured_level,
                contradicts_level: gap >= 1.0 && gap > 2.0 * se[k] / spacing,
            }
        })
        .collect();
    CalibrationResult {
        items: estimates,
        skipped,
        scale: ScaleEstimate {
            spacing,
            spacing_se,
            spread,
            center,
        },
        persons: data.len(),
        population_mean,
        population_sd,
        iterations,
        converged,
    }
}

/// log P and log (1 − P) per item and node.
fn log_tables(b: &[f64], guess: &[f64], nodes: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut lp = vec![0.0; b.len() * NODES];
    let mut lq = vec![0.0; b.len() * NODES];
    for i in 0..b.len() {
        for (q, &t) in nodes.iter().enumerate() {
            let pr = p(t, b[i], guess[i]);
            lp[i * NODES + q] = pr.ln();
            lq[i * NODES + q] = (1.0 - pr).ln();
        }
    }
    (lp, lq)
}

/// One person's posterior over the nodes, normalized.
fn posterior_into(post: &mut [f64], log_prior: &[f64], r: &[(usize, f64)], lp: &[f64], lq: &[f64]) {
    post.copy_from_slice(log_prior);
    for &(i, x) in r {
        let base = i * NODES;
        for q in 0..NODES {
            post[q] += x * lp[base + q] + (1.0 - x) * lq[base + q];
        }
    }
    let max = post.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for v in post.iter_mut() {
        *v = (*v - max).exp();
        total += *v;
    }
    for v in post.iter_mut() {
        *v /= total;
    }
}

/// Highest degree of the log-polynomial ability density: enough to follow
/// a flat or skewed population, few enough not to chase sampling noise (a
/// free histogram does, and distorts the scale).
const MAX_DEGREE: usize = 6;

/// A log-polynomial density on the grid, log g(t) = Σ β_k t^k (k ≤ degree),
/// fitted by maximum likelihood to the weights `target`. Being an
/// exponential family, the fit reproduces the target's first `degree` moments:
/// it follows skewed or flat populations without the many free weights of
/// a histogram, which overfit and distort the scale.
fn fit_density(nodes: &[f64], target: &[f64], degree: usize) -> Vec<f64> {
    let scale = SPAN / 2.0;
    let phi: Vec<[f64; MAX_DEGREE]> = nodes
        .iter()
        .map(|t| {
            let x = t / scale;
            let mut f = [0.0; MAX_DEGREE];
            let mut pow = 1.0;
            for v in f.iter_mut().take(degree) {
                pow *= x;
                *v = pow;
            }
            f
        })
        .collect();
    let total: f64 = target.iter().sum();
    let mut moments = [0.0; MAX_DEGREE];
    for (f, w) in phi.iter().zip(target) {
        for k in 0..MAX_DEGREE {
            moments[k] += f[k] * w / total;
        }
    }
    let mut beta = [0.0; MAX_DEGREE];
    beta[1] = -0.5; // a wide normal to start
    let log_density = |beta: &[f64; MAX_DEGREE]| -> Vec<f64> {
        let mut l: Vec<f64> = phi
            .iter()
            .map(|f| f.iter().zip(beta).map(|(a, b)| a * b).sum())
            .collect();
        normalize(&mut l);
        l
    };
    for _ in 0..50 {
        let l = log_density(&beta);
        // Gradient: target moments − model moments; Hessian: −covariance.
        let mut mean = [0.0; MAX_DEGREE];
        for (f, lv) in phi.iter().zip(&l) {
            let w = lv.exp();
            for k in 0..MAX_DEGREE {
                mean[k] += w * f[k];
            }
        }
        let mut cov = [[0.0; MAX_DEGREE]; MAX_DEGREE];
        for (f, lv) in phi.iter().zip(&l) {
            let w = lv.exp();
            for j in 0..MAX_DEGREE {
                for k in 0..MAX_DEGREE {
                    cov[j][k] += w * (f[j] - mean[j]) * (f[k] - mean[k]);
                }
            }
        }
        for (k, row) in cov.iter_mut().enumerate().skip(degree) {
            row[k] = 1.0; // unused powers: no step
        }
        let grad: Vec<f64> = (0..MAX_DEGREE)
            .map(|k| {
                if k < degree {
                    moments[k] - mean[k]
                } else {
                    0.0
                }
            })
            .collect();
        let Some(step) = solve(cov, &grad) else { break };
        let size = step.iter().map(|s| s.abs()).fold(0.0, f64::max);
        let damp = if size > 2.0 { 2.0 / size } else { 1.0 };
        for k in 0..MAX_DEGREE {
            beta[k] += damp * step[k];
        }
        if size < 1e-10 {
            break;
        }
    }
    log_density(&beta)
}

/// Solve A x = y for a small symmetric positive-definite A (Gaussian
/// elimination with partial pivoting, with a small ridge).
#[allow(clippy::needless_range_loop)] // elimination reads best with indices
fn solve(mut a: [[f64; MAX_DEGREE]; MAX_DEGREE], y: &[f64]) -> Option<Vec<f64>> {
    let n = MAX_DEGREE;
    let mut b: Vec<f64> = y.to_vec();
    for (i, row) in a.iter_mut().enumerate() {
        row[i] += 1e-12;
    }
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..n {
            let f = a[row][col] / a[col][col];
            for k in col..n {
                a[row][k] -= f * a[col][k];
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// Make log weights sum (in exp) to one.
fn normalize(log_w: &mut [f64]) {
    let max = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let total: f64 = log_w.iter().map(|l| (l - max).exp()).sum();
    let shift = max + total.ln();
    log_w.iter_mut().for_each(|l| *l -= shift);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A normal deviate (Box–Muller).
    fn normal(rng: &mut ChaCha8Rng) -> f64 {
        let u: f64 = rng.random_range(1e-12..1.0);
        let v: f64 = rng.random();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    struct Truth {
        items: Vec<ItemInfo>,
        b: Vec<f64>,
    }

    /// A bank of `per_level` questions at each of levels 1..=4 with true
    /// difficulties β(L − 2.5) + N(0, τ²) and a realistic mix of formats.
    fn bank(per_level: usize, spacing: f64, spread: f64, rng: &mut ChaCha8Rng) -> Truth {
        let mix = [0.25, 0.25, 0.25, 0.25, 1.0 / 15.0, 1.0 / 31.0, 0.5];
        let (mut items, mut b) = (Vec::new(), Vec::new());
        for level in 1..=4u8 {
            for k in 0..per_level {
                items.push(ItemInfo {
                    key: format!("{level}-{k}"),
                    guessing: mix[k % mix.len()],
                    level,
                });
                b.push(spacing * (f64::from(level) - 2.5) + spread * normal(rng));
            }
        }
        Truth { items, b }
    }

    /// Candidates spread over the ladder, each answering `per_level`
    /// questions of each level drawn at random from the bank (the sparse
    /// design of real attempts), right with probability c + (1 − c)σ(θ − b).
    fn answers(
        t: &Truth,
        candidates: usize,
        per_level: usize,
        theta: impl Fn(&mut ChaCha8Rng) -> f64,
        rng: &mut ChaCha8Rng,
    ) -> Vec<Vec<(usize, f64)>> {
        let bank_per_level = t.items.len() / 4;
        (0..candidates)
            .map(|_| {
                let th = theta(rng);
                let mut out = Vec::new();
                for level in 0..4 {
                    let picked = rand::seq::index::sample(rng, bank_per_level, per_level);
                    for k in picked {
                        let i = level * bank_per_level + k;
                        let right = rng.random::<f64>() < p(th, t.b[i], t.items[i].guessing);
                        out.push((i, if right { 1.0 } else { 0.0 }));
                    }
                }
                out
            })
            .collect()
    }

    fn rmse(a: &[f64], b: &[f64]) -> f64 {
        (a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>() / a.len() as f64).sqrt()
    }

    /// The issue's recovery criterion, in the sparse design production
    /// produces: 2,000 candidates, each answering 30 of 288 questions (7 or
    /// 8 per level, so about 210 answers per question). The spacing, the
    /// spread and the difficulties are recovered, and the standard errors
    /// cover the truth.
    #[test]
    fn calibration_recovers_the_spacing_and_difficulties_from_a_sparse_design() {
        for (seed, true_spacing) in [(11u64, 1.0), (12, 1.5)] {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let truth = bank(72, true_spacing, 0.8, &mut rng);
            let lo = true_spacing * (1.0 - 2.5) - 1.5;
            let hi = true_spacing * (4.0 - 2.5) + 1.5;
            let data = answers(&truth, 2000, 8, |r| r.random_range(lo..hi), &mut rng);
            let r = calibrate(&truth.items, &data, 1, 4);
            assert!(r.converged, "{} iterations", r.iterations);
            let s = r.scale;
            assert!(
                (s.spacing - true_spacing).abs() < 0.12,
                "spacing {:.3} ± {:.3}, truth {true_spacing}",
                s.spacing,
                s.spacing_se
            );
            assert!((s.spread - 0.8).abs() < 0.15, "spread {:.3}", s.spread);
            assert!(s.spacing_se > 0.0 && s.spacing_se < 0.1, "{s:?}");
            let est: Vec<f64> = r.items.iter().map(|e| e.difficulty).collect();
            // Knowing only the level (the prior) leaves the within-level
            // spread: RMSE about 0.8. Calibration must do far better.
            let prior_only: Vec<f64> = truth
                .items
                .iter()
                .map(|i| true_spacing * (f64::from(i.level) - 2.5))
                .collect();
            let err = rmse(&est, &truth.b);
            assert!(err < 0.45, "RMSE {err:.3}");
            assert!(err < 0.6 * rmse(&prior_only, &truth.b));
            // B5: the standard errors count the uncertainty of abilities;
            // ±1.96 SE covers the truth about 95% of the time.
            let covered = r
                .items
                .iter()
                .zip(&truth.b)
                .filter(|(e, b)| (e.difficulty - *b).abs() <= 1.96 * e.standard_error)
                .count() as f64
                / r.items.len() as f64;
            assert!((0.9..=0.99).contains(&covered), "coverage {covered:.3}");
            // The figures BENCHMARKS.md quotes (`cargo test -- --nocapture`).
            eprintln!(
                "recovery at spacing {true_spacing}: spacing {:.3} ± {:.3}, spread {:.3}, RMSE {err:.3} (level only {:.3}), coverage {:.1}%, {} EM cycles",
                s.spacing,
                s.spacing_se,
                s.spread,
                rmse(&prior_only, &truth.b),
                100.0 * covered,
                r.iterations
            );
        }
    }

    /// B1: an item that everybody answers right has no finite maximum-
    /// likelihood difficulty; the old calibration ran it to the edge of the
    /// scale and shifted every other question (and the cut points) with it.
    /// Under the level prior it stays finite, near its level, and the
    /// others do not move.
    #[test]
    fn an_item_everyone_answers_right_stays_finite_and_moves_nothing() {
        let mut rng = ChaCha8Rng::seed_from_u64(21);
        let truth = bank(20, 1.2, 0.6, &mut rng);
        let mut data = answers(&truth, 800, 4, |r| r.random_range(-2.5..2.5), &mut rng);
        let before = calibrate(&truth.items, &data, 1, 4);
        // A new level-1 item, answered right by all who saw it.
        let mut items = truth.items.clone();
        items.push(ItemInfo {
            key: "easy".into(),
            guessing: 0.25,
            level: 1,
        });
        let extra = items.len() - 1;
        for person in data.iter_mut().step_by(3) {
            person.push((extra, 1.0));
        }
        let after = calibrate(&items, &data, 1, 4);
        let easy = after.items.iter().find(|e| e.key == "easy").unwrap();
        let level_mean = after.scale.spacing * (1.0 - 2.5);
        // Easier than its level (everyone got it), but finite and far from
        // the edge of the grid (±12), where the old calibration sent it.
        assert!(easy.difficulty.is_finite());
        assert!(
            easy.difficulty < level_mean && easy.difficulty > -8.0,
            "{easy:?} vs level mean {level_mean}"
        );
        assert!(easy.standard_error < 1.5, "{easy:?}");
        // The old calibration shifted every other item by about a logit.
        // Now the others keep their place on average; single items move a
        // little as the spread absorbs the new item.
        let moves: Vec<f64> = before
            .items
            .iter()
            .zip(&after.items)
            .map(|(a, b)| b.difficulty - a.difficulty)
            .collect();
        let mean = moves.iter().sum::<f64>() / moves.len() as f64;
        let max = moves.iter().map(|m| m.abs()).fold(0.0, f64::max);
        assert!(
            mean.abs() < 0.05,
            "other items moved by {mean:.3} on average"
        );
        assert!(max < 0.3, "an item moved by {max:.3}");
        let moved = (before.scale.spacing - after.scale.spacing).abs();
        assert!(moved < 0.1, "the spacing moved by {moved:.3}");
    }

    #[test]
    fn a_question_much_harder_than_its_level_is_flagged() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let mut truth = bank(12, 1.5, 0.3, &mut rng);
        // Authored at level 1, truly harder than level 4.
        truth.b[0] = 1.5 * (4.5 - 2.5);
        let data = answers(&truth, 1500, 6, |r| r.random_range(-4.5..4.5), &mut rng);
        let r = calibrate(&truth.items, &data, 30, 4);
        let flagged: Vec<&str> = r
            .items
            .iter()
            .filter(|e| e.contradicts_level)
            .map(|e| e.key.as_str())
            .collect();
        assert!(flagged.contains(&"1-0"), "{flagged:?}");
        assert!(flagged.len() <= 2, "{flagged:?}");
    }

    #[test]
    fn items_with_too_few_responses_help_but_are_not_reported() {
        let items = vec![
            ItemInfo {
                key: "a".into(),
                guessing: 0.25,
                level: 1,
            },
            ItemInfo {
                key: "b".into(),
                guessing: 0.25,
                level: 2,
            },
        ];
        let persons = vec![vec![(0, 1.0), (1, 0.0)], vec![(0, 0.0)], vec![(0, 1.0)]];
        let r = calibrate(&items, &persons, 3, 4);
        assert_eq!(r.items.len(), 1);
        assert_eq!(r.items[0].key, "a");
        assert_eq!(r.skipped, vec![("b".to_string(), 1)]);
        assert!(r.items[0].difficulty.is_finite());
    }
}
