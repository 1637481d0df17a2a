//! Calibration: question difficulties estimated from stored responses by
//! marginal maximum likelihood (EM over a quadrature grid, Bock & Aitkin
//! 1981, accelerated by SQUAREM), with each question's guessing floor held
//! at its known value. The ability distribution is not assumed normal
//! (candidates spread over a six-level ladder are not): it is estimated
//! with the difficulties as a smooth log-polynomial density (`fit_density`).
//! The scale is identified by keeping the calibrated questions at the mean
//! difficulty of their authored levels, so calibrated and uncalibrated
//! questions share one scale.

use super::irt::{self, sigmoid};

/// A question version to calibrate.
#[derive(Debug, Clone)]
pub struct ItemInfo {
    pub key: String,
    pub guessing: f64,
    /// The difficulty of its authored level (for anchoring and flags).
    pub level_difficulty: f64,
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
    /// The real-valued level the difficulty corresponds to.
    pub measured_level: f64,
    /// The measured level contradicts the authored one: at least one level
    /// apart, and more than two standard errors.
    pub contradicts_level: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationResult {
    pub items: Vec<ItemEstimate>,
    /// Keys with too few responses to calibrate, with their counts.
    pub skipped: Vec<(String, usize)>,
    pub persons: usize,
    pub population_mean: f64,
    pub population_sd: f64,
    pub iterations: usize,
    pub converged: bool,
}

const NODES: usize = 81;
const SPAN: f64 = 16.0;

fn p(theta: f64, b: f64, c: f64) -> f64 {
    (c + (1.0 - c) * sigmoid(theta - b)).clamp(1e-9, 1.0 - 1e-9)
}

/// Calibrate. `persons[k]` lists person k's responses as (item index into
/// `items`, credit 0..1). Items with fewer than `min_responses` responses
/// are skipped (their responses are left out).
pub fn calibrate(
    items: &[ItemInfo],
    persons: &[Vec<(usize, f64)>],
    min_responses: usize,
) -> CalibrationResult {
    let mut counts = vec![0usize; items.len()];
    for person in persons {
        for &(i, _) in person {
            counts[i] += 1;
        }
    }
    let used: Vec<usize> = (0..items.len())
        .filter(|&i| counts[i] >= min_responses)
        .collect();
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
    let n_items = used.len();
    let guess: Vec<f64> = used.iter().map(|&i| items[i].guessing).collect();
    if n_items == 0 || data.is_empty() {
        return CalibrationResult {
            items: Vec::new(),
            skipped,
            persons: data.len(),
            population_mean: 0.0,
            population_sd: 0.0,
            iterations: 0,
            converged: false,
        };
    }

    // Start from each item's proportion correct.
    let mut sums = vec![(0.0, 0usize); n_items];
    for r in &data {
        for &(i, x) in r {
            sums[i].0 += x;
            sums[i].1 += 1;
        }
    }
    let anchor = used.iter().map(|&i| items[i].level_difficulty).sum::<f64>() / n_items as f64;
    let mut b0: Vec<f64> = (0..n_items)
        .map(|i| {
            let mean = sums[i].0 / sums[i].1 as f64;
            let known = ((mean - guess[i]) / (1.0 - guess[i])).clamp(0.02, 0.98);
            -irt::logit(known) * 2.0
        })
        .collect();
    recenter(&mut b0, anchor);
    let nodes: Vec<f64> = (0..NODES)
        .map(|q| -SPAN + 2.0 * SPAN * q as f64 / (NODES - 1) as f64)
        .collect();
    let em = Em {
        degree: (n_items / 5).clamp(2, MAX_DEGREE),
        data: &data,
        guess: &guess,
        nodes: &nodes,
        anchor,
    };
    // The ability distribution starts normal around the anchor.
    let mut state = State {
        b: b0,
        log_prior: nodes
            .iter()
            .map(|t| -0.5 * ((t - anchor) / 3.0).powi(2))
            .collect(),
    };
    normalize(&mut state.log_prior);

    // EM, accelerated by SQUAREM (Varadhan & Roland 2008): two EM steps
    // give a direction; a step along it is kept if the likelihood does
    // not fall, else the plain EM step is.
    let mut iterations = 0;
    let mut converged = false;
    let mut last_ll = f64::NEG_INFINITY;
    while iterations < 500 {
        iterations += 1;
        let (s1, ll0) = em.step(&state);
        let (s2, _) = em.step(&s1);
        let r = s1.minus(&state);
        let v = s2.minus(&s1).minus_vec(&r);
        let (rn, vn) = (norm(&r), norm(&v));
        let mut next = s2.clone();
        if vn > 1e-12 {
            let alpha = -(rn / vn).max(1.0);
            let extrapolated = state.extrapolate(&r, &v, alpha);
            let (stabilized, ll_ext) = em.step(&extrapolated);
            let (_, ll2) = em.step(&s2);
            if ll_ext.is_finite() && ll_ext >= ll2 - 1e-9 {
                next = stabilized;
            }
        }
        let change = next
            .b
            .iter()
            .zip(&state.b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max);
        state = next;
        if change < 1e-4 && (ll0 - last_ll).abs() < 1e-6 * ll0.abs().max(1.0) {
            converged = true;
            break;
        }
        last_ll = ll0;
    }
    let b = state.b.clone();
    let log_prior = state.log_prior.clone();
    let (n_iq, _) = em.expected_counts(&state);
    let mut post = vec![0.0; NODES];
    // Standard errors, person estimates and fit.
    let mut se = vec![0.0; n_items];
    for i in 0..n_items {
        let mut info = 0.0;
        for (q, &t) in nodes.iter().enumerate() {
            let n = n_iq[i * NODES + q];
            let s = sigmoid(t - b[i]);
            let pr = p(t, b[i], guess[i]);
            let dp = (1.0 - guess[i]) * s * (1.0 - s);
            info += n * dp * dp / (pr * (1.0 - pr));
        }
        se[i] = if info > 0.0 {
            1.0 / info.sqrt()
        } else {
            f64::INFINITY
        };
    }
    let mut fit = vec![(0.0, 0.0, 0.0, 0usize); n_items]; // (Σ(x−P)², ΣP(1−P), Σz², n)
    for r in &data {
        post.copy_from_slice(&log_prior);
        for &(i, x) in r {
            for (q, &t) in nodes.iter().enumerate() {
                let pr = p(t, b[i], guess[i]);
                post[q] += x * pr.ln() + (1.0 - x) * (1.0 - pr).ln();
            }
        }
        let max = post.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let weights: Vec<f64> = post.iter().map(|v| (v - max).exp()).collect();
        let total: f64 = weights.iter().sum();
        let theta: f64 = weights.iter().zip(&nodes).map(|(w, t)| w * t).sum::<f64>() / total;
        for &(i, x) in r {
            let pr = p(theta, b[i], guess[i]);
            let var = pr * (1.0 - pr);
            fit[i].0 += (x - pr).powi(2);
            fit[i].1 += var;
            fit[i].2 += (x - pr).powi(2) / var;
            fit[i].3 += 1;
        }
    }

    let weights: Vec<f64> = log_prior.iter().map(|l| l.exp()).collect();
    let total_w: f64 = weights.iter().sum();
    let population_mean = weights.iter().zip(&nodes).map(|(w, t)| w * t).sum::<f64>() / total_w;
    let population_sd = (weights
        .iter()
        .zip(&nodes)
        .map(|(w, t)| w * (t - population_mean).powi(2))
        .sum::<f64>()
        / total_w)
        .sqrt();
    let estimates = used
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let difficulty = b[k];
            let measured_level = irt::difficulty_level(difficulty);
            let authored = irt::difficulty_level(items[i].level_difficulty);
            let gap = (measured_level - authored).abs();
            let se_levels = se[k] / irt::LEVEL_SPACING;
            ItemEstimate {
                key: items[i].key.clone(),
                difficulty,
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
                contradicts_level: gap >= 1.0 && gap > 2.0 * se_levels,
            }
        })
        .collect();
    CalibrationResult {
        items: estimates,
        skipped,
        persons: data.len(),
        population_mean,
        population_sd,
        iterations,
        converged,
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

/// Shift difficulties so their mean is the anchor.
fn recenter(b: &mut [f64], anchor: f64) {
    let shift = anchor - b.iter().sum::<f64>() / b.len() as f64;
    b.iter_mut().for_each(|v| *v += shift);
}

/// Make log weights sum (in exp) to one.
fn normalize(log_w: &mut [f64]) {
    let max = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let total: f64 = log_w.iter().map(|l| (l - max).exp()).sum();
    let shift = max + total.ln();
    log_w.iter_mut().for_each(|l| *l -= shift);
}

/// The EM state: difficulties and the log ability distribution on the grid.
#[derive(Clone)]
struct State {
    b: Vec<f64>,
    log_prior: Vec<f64>,
}

impl State {
    fn flat(&self) -> Vec<f64> {
        self.b.iter().chain(&self.log_prior).copied().collect()
    }

    fn minus(&self, other: &State) -> Vec<f64> {
        self.flat()
            .iter()
            .zip(other.flat())
            .map(|(a, b)| a - b)
            .collect()
    }

    fn extrapolate(&self, r: &[f64], v: &[f64], alpha: f64) -> State {
        let x: Vec<f64> = self
            .flat()
            .iter()
            .zip(r.iter().zip(v))
            .map(|(x, (r, v))| x - 2.0 * alpha * r + alpha * alpha * v)
            .collect();
        let n = self.b.len();
        let mut b = x[..n].to_vec();
        let mut log_prior: Vec<f64> = x[n..].iter().map(|l| l.max(-40.0)).collect();
        b.iter_mut()
            .for_each(|v| *v = v.clamp(-SPAN + 1.0, SPAN - 1.0));
        normalize(&mut log_prior);
        State { b, log_prior }
    }
}

trait VecMinus {
    fn minus_vec(&self, other: &[f64]) -> Vec<f64>;
}

impl VecMinus for Vec<f64> {
    fn minus_vec(&self, other: &[f64]) -> Vec<f64> {
        self.iter().zip(other).map(|(a, b)| a - b).collect()
    }
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

struct Em<'a> {
    /// Degree of the ability density: more questions carry more
    /// information about its shape (one power per five questions, 2 to 6).
    degree: usize,
    data: &'a [Vec<(usize, f64)>],
    guess: &'a [f64],
    nodes: &'a [f64],
    anchor: f64,
}

impl Em<'_> {
    /// Expected counts per item and node (n, r), the mean posterior over
    /// candidates, and the marginal log-likelihood, under `s`.
    #[allow(clippy::type_complexity)]
    fn e_step(&self, s: &State) -> (Vec<f64>, Vec<f64>, Vec<f64>, f64) {
        let n_items = s.b.len();
        let mut lp = vec![0.0; n_items * NODES];
        let mut lq = vec![0.0; n_items * NODES];
        for i in 0..n_items {
            for (q, &t) in self.nodes.iter().enumerate() {
                let pr = p(t, s.b[i], self.guess[i]);
                lp[i * NODES + q] = pr.ln();
                lq[i * NODES + q] = (1.0 - pr).ln();
            }
        }
        let mut n_iq = vec![0.0; n_items * NODES];
        let mut r_iq = vec![0.0; n_items * NODES];
        let mut histogram = vec![0.0; NODES];
        let mut ll = 0.0;
        let mut post = vec![0.0; NODES];
        for r in self.data {
            post.copy_from_slice(&s.log_prior);
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
            ll += max + total.ln();
            for (q, v) in post.iter_mut().enumerate() {
                *v /= total;
                histogram[q] += *v;
            }
            for &(i, x) in r {
                let base = i * NODES;
                for q in 0..NODES {
                    n_iq[base + q] += post[q];
                    r_iq[base + q] += post[q] * x;
                }
            }
        }
        (n_iq, r_iq, histogram, ll)
    }

    fn expected_counts(&self, s: &State) -> (Vec<f64>, f64) {
        let (n_iq, _, _, ll) = self.e_step(s);
        (n_iq, ll)
    }

    /// One EM cycle from `s`; also returns the log-likelihood at `s`.
    fn step(&self, s: &State) -> (State, f64) {
        let (n_iq, r_iq, histogram, ll) = self.e_step(s);
        let n_items = s.b.len();
        // The ability distribution: a smooth density fitted to the mean
        // posterior over candidates (see `fit_density`).
        let persons = self.data.len() as f64;
        let target: Vec<f64> = histogram.iter().map(|h| h / persons).collect();
        let log_prior = fit_density(self.nodes, &target, self.degree);
        // Difficulties: Fisher scoring per item.
        let mut b = s.b.clone();
        for (i, bi) in b.iter_mut().enumerate().take(n_items) {
            for _ in 0..6 {
                let (mut grad, mut info) = (0.0, 0.0);
                for (q, &t) in self.nodes.iter().enumerate() {
                    let (n, r) = (n_iq[i * NODES + q], r_iq[i * NODES + q]);
                    if n <= 0.0 {
                        continue;
                    }
                    let sg = sigmoid(t - *bi);
                    let pr = p(t, *bi, self.guess[i]);
                    let dp = -(1.0 - self.guess[i]) * sg * (1.0 - sg);
                    grad += (r - n * pr) / (pr * (1.0 - pr)) * dp;
                    info += n * dp * dp / (pr * (1.0 - pr));
                }
                if info <= 1e-12 {
                    break;
                }
                let step = (grad / info).clamp(-1.0, 1.0);
                *bi = (*bi + step).clamp(-SPAN + 1.0, SPAN - 1.0);
                if step.abs() < 1e-8 {
                    break;
                }
            }
        }
        recenter(&mut b, self.anchor);
        (State { b, log_prior }, ll)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Simulated responses: abilities spread evenly over the ladder (from
    /// the start of level 1 to the end of level 6 at the default scale),
    /// every person answering every item, right with probability
    /// c + (1 − c)σ(θ − b).
    fn simulate(
        true_b: &[f64],
        guess: &[f64],
        persons: usize,
        seed: u64,
    ) -> Vec<Vec<(usize, f64)>> {
        simulate_with(true_b, guess, persons, &mut ChaCha8Rng::seed_from_u64(seed))
    }

    fn simulate_with(
        true_b: &[f64],
        guess: &[f64],
        persons: usize,
        rng: &mut ChaCha8Rng,
    ) -> Vec<Vec<(usize, f64)>> {
        (0..persons)
            .map(|_| {
                let theta: f64 = rng.random_range(-5.85..9.15);
                (0..true_b.len())
                    .map(|i| {
                        let right = rng.random::<f64>() < p(theta, true_b[i], guess[i]);
                        (i, if right { 1.0 } else { 0.0 })
                    })
                    .collect()
            })
            .collect()
    }

    /// The recovery criterion: calibrating 2,000 simulated
    /// candidates recovers the true difficulties with RMSE under 0.2
    /// logits. Design: 30 questions, five per level (three single-answer,
    /// one select-all-that-apply, one true/false), true difficulties within
    /// ±0.8 of their levels' defaults; candidates spread evenly over the
    /// ladder. The RMSE of one sample varies (20 replications: median
    /// 0.155, 17 of 20 under 0.2; see SCORING.md), so five fixed
    /// replications are run and their mean must be under 0.2, none above
    /// 0.25.
    #[test]
    fn calibrating_2000_candidates_recovers_difficulties_within_0_2_logits() {
        let mix = [0.25, 0.25, 0.25, 1.0 / 15.0, 0.5];
        let mut rmses = Vec::new();
        for replication in 0..5u64 {
            let mut rng = ChaCha8Rng::seed_from_u64(100 + replication);
            let mut true_b = Vec::new();
            let mut guess = Vec::new();
            let mut items = Vec::new();
            for level in 1..=6 {
                let default = (f64::from(level) - 3.5) * 2.5;
                for (k, &c) in mix.iter().enumerate() {
                    let b = default + rng.random_range(-0.8..0.8);
                    items.push(ItemInfo {
                        key: format!("{level}-{k}"),
                        guessing: c,
                        level_difficulty: default,
                    });
                    true_b.push(b);
                    guess.push(c);
                }
            }
            let persons = simulate_with(&true_b, &guess, 2000, &mut rng);
            let r = calibrate(&items, &persons, 30);
            assert!(r.converged, "{} iterations", r.iterations);
            // Link the scales by their means (the anchoring uses the
            // authored defaults, whose mean differs from the true one).
            let est: Vec<f64> = r.items.iter().map(|e| e.difficulty).collect();
            let n = est.len() as f64;
            let shift = true_b.iter().sum::<f64>() / n - est.iter().sum::<f64>() / n;
            let rmse = (est
                .iter()
                .zip(&true_b)
                .map(|(e, t)| (e + shift - t).powi(2))
                .sum::<f64>()
                / n)
                .sqrt();
            for e in &r.items {
                // The usual acceptance range of infit mean squares.
                assert!(e.infit > 0.7 && e.infit < 1.3, "{e:?}");
                assert!(!e.contradicts_level, "{e:?}");
            }
            // Uniform on [−5.85, 9.15]: sd 15/√12 = 4.33.
            assert!(
                (r.population_sd - 4.33).abs() < 0.5,
                "sd {}",
                r.population_sd
            );
            rmses.push(rmse);
        }
        let mean = rmses.iter().sum::<f64>() / rmses.len() as f64;
        assert!(mean < 0.2, "mean RMSE {mean:.3} over {rmses:?}");
        assert!(rmses.iter().all(|r| *r < 0.25), "{rmses:?}");
    }

    #[test]
    fn a_question_much_harder_than_its_level_is_flagged() {
        // Authored at level 2 (b = −3.75) but truly at level 5 (b = 3.75).
        let true_b = [-3.75, -1.25, 1.25, 3.75];
        let guess = [0.25; 4];
        let persons = simulate(&true_b, &guess, 1500, 5);
        let defaults = [-3.75, -1.25, 1.25, -3.75];
        let items: Vec<ItemInfo> = (0..4)
            .map(|i| ItemInfo {
                key: i.to_string(),
                guessing: 0.25,
                level_difficulty: defaults[i],
            })
            .collect();
        let r = calibrate(&items, &persons, 30);
        let flagged: Vec<&str> = r
            .items
            .iter()
            .filter(|e| e.contradicts_level)
            .map(|e| e.key.as_str())
            .collect();
        assert!(flagged.contains(&"3"), "{:?}", r.items);
    }

    #[test]
    fn items_with_too_few_responses_are_skipped() {
        let items = vec![
            ItemInfo {
                key: "a".into(),
                guessing: 0.25,
                level_difficulty: 0.0,
            },
            ItemInfo {
                key: "b".into(),
                guessing: 0.25,
                level_difficulty: 0.0,
            },
        ];
        let persons = vec![vec![(0, 1.0), (1, 0.0)], vec![(0, 0.0)], vec![(0, 1.0)]];
        let r = calibrate(&items, &persons, 3);
        assert_eq!(r.items.len(), 1);
        assert_eq!(r.items[0].key, "a");
        assert_eq!(r.skipped, vec![("b".to_string(), 1)]);
    }

    #[test]
    fn a_small_calibration_orders_items_by_difficulty_and_anchors_the_mean() {
        let true_b = [-3.0, -1.0, 1.0, 3.0];
        let guess = [0.25; 4];
        let persons = simulate(&true_b, &guess, 600, 3);
        let items: Vec<ItemInfo> = (0..4)
            .map(|i| ItemInfo {
                key: i.to_string(),
                guessing: 0.25,
                level_difficulty: true_b[i],
            })
            .collect();
        let r = calibrate(&items, &persons, 10);
        assert!(r.converged);
        let b: Vec<f64> = r.items.iter().map(|e| e.difficulty).collect();
        assert!(b.windows(2).all(|w| w[0] < w[1]), "{b:?}");
        let mean = b.iter().sum::<f64>() / 4.0;
        assert!(mean.abs() < 1e-9, "anchored to the authored mean: {mean}");
        for e in &r.items {
            assert!(e.standard_error > 0.0 && e.standard_error < 1.0, "{e:?}");
        }
    }
}
