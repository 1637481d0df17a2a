//! The measurement model behind the level verdict. Pure numerics;
//! SCORING.md gives the formulas and a worked example.
//!
//! A candidate of ability θ answers a question right with probability
//!
//! ```text
//! P(right | θ) = c + (1 − c) · σ(θ − b),     σ(x) = 1 / (1 + e^(−x)),
//! ```
//!
//! with c the question's guessing floor (known from its format) and b its
//! difficulty. Difficulties are tied to the authored levels by a model
//! whose parameters are uncertain, not assumed:
//!
//! ```text
//! b = β · (L − m) + ε,    ε ~ N(0, τ²)
//! ```
//!
//! β is the spacing of the levels in logits, m the centre of the measured
//! levels and τ the spread of difficulty within a level. Until real answers
//! have been calibrated, β is unknown within a prior range and each
//! question's own ε is unknown: the verdict integrates over both, so the
//! uncertainty of the authored levels shows in how sure it is. A calibrated
//! question has its own estimated difficulty and standard error instead.

use serde::{Deserialize, Serialize};

pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

pub fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// Φ⁻¹: the standard normal quantile (Acklam's rational approximation,
/// relative error below 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Gauss–Hermite rule for E[f(Z)], Z ~ N(0, 1): nodes and weights
/// (9 points, exact for polynomials up to degree 17).
const GAUSS_HERMITE: [(f64, f64); 9] = {
    const S2: f64 = std::f64::consts::SQRT_2;
    const SP: f64 = 1.772_453_850_905_516; // √π
    [
        (-3.190_993_201_781_528 * S2, 0.000_039_606_977_263 / SP),
        (-2.266_580_584_531_843 * S2, 0.004_943_624_275_537 / SP),
        (-1.468_553_289_216_668 * S2, 0.088_474_527_394_377 / SP),
        (-0.723_551_018_752_838 * S2, 0.432_651_559_002_556 / SP),
        (0.0, 0.720_235_215_606_051 / SP),
        (0.723_551_018_752_838 * S2, 0.432_651_559_002_556 / SP),
        (1.468_553_289_216_668 * S2, 0.088_474_527_394_377 / SP),
        (2.266_580_584_531_843 * S2, 0.004_943_624_275_537 / SP),
        (3.190_993_201_781_528 * S2, 0.000_039_606_977_263 / SP),
    ]
};

/// E[σ(x − s·Z)] for Z ~ N(0, 1): the chance of knowing the answer to a
/// question whose difficulty is known only up to a normal error of SD s.
pub fn expected_sigmoid(x: f64, s: f64) -> f64 {
    if s <= 1e-9 {
        return sigmoid(x);
    }
    GAUSS_HERMITE
        .iter()
        .map(|(z, w)| w * sigmoid(x - s * z))
        .sum()
}

/// Where the difficulties of the levels sit, with their uncertainty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scale {
    /// The possible spacings between consecutive levels (logits), each with
    /// its probability: equal-mass quantiles of the spacing's distribution.
    pub spacings: Vec<(f64, f64)>,
    /// The SD of difficulty among the uncalibrated questions of one level.
    pub spread: f64,
    /// The level (possibly fractional) whose questions have mean
    /// difficulty 0.
    pub center: f64,
}

/// The prior on the spacing before any calibration: log-normal with this
/// median and log-SD (95% between about 0.7 and 2.2 logits per level).
pub const SPACING_MEDIAN: f64 = 1.1;
pub const SPACING_LOG_SD: f64 = 0.3;
/// The prior SD of difficulty within an authored level. Judged levels
/// explain item difficulty only moderately, and this spread also absorbs
/// what the Rasch model leaves out (slopes that differ, guessing above the
/// floor): with 0.8 the verdict was too sure at the extremes when the truth
/// had those (BENCHMARKS.md); calibration replaces it with an estimate.
pub const SPREAD: f64 = 1.0;
/// How many points represent the spacing's distribution.
pub const SPACING_POINTS: usize = 9;

impl Scale {
    /// The scale of authored levels for a ladder measuring levels 1 to
    /// `top`, before any calibration.
    pub fn authored(top: u8) -> Scale {
        Scale::log_normal(SPACING_MEDIAN, SPACING_LOG_SD, SPREAD, top)
    }

    /// Spacing log-normal with `median` and log-SD `log_sd`.
    pub fn log_normal(median: f64, log_sd: f64, spread: f64, top: u8) -> Scale {
        let k = SPACING_POINTS;
        Scale {
            spacings: (0..k)
                .map(|i| {
                    let z = normal_quantile((i as f64 + 0.5) / k as f64);
                    ((median.ln() + log_sd * z).exp(), 1.0 / k as f64)
                })
                .collect(),
            spread,
            center: (1.0 + f64::from(top.max(1))) / 2.0,
        }
    }

    /// A calibrated scale: the spacing estimated as `spacing` with standard
    /// error `se` (normal, kept above a tenth of a logit).
    pub fn estimated(spacing: f64, se: f64, spread: f64, top: u8) -> Scale {
        let k = SPACING_POINTS;
        Scale {
            spacings: (0..k)
                .map(|i| {
                    let z = normal_quantile((i as f64 + 0.5) / k as f64);
                    ((spacing + se * z).max(0.1), 1.0 / k as f64)
                })
                .collect(),
            spread,
            center: (1.0 + f64::from(top.max(1))) / 2.0,
        }
    }

    /// A scale whose spacing is known exactly (for tests and oracles).
    pub fn exact(spacing: f64, spread: f64, top: u8) -> Scale {
        Scale {
            spacings: vec![(spacing, 1.0)],
            spread,
            center: (1.0 + f64::from(top.max(1))) / 2.0,
        }
    }

    /// The mean difficulty of the questions of `level` at `spacing`.
    pub fn level_difficulty(&self, level: u8, spacing: f64) -> f64 {
        (f64::from(level) - self.center) * spacing
    }

    /// The mean spacing.
    pub fn mean_spacing(&self) -> f64 {
        self.spacings.iter().map(|(s, w)| s * w).sum()
    }
}

/// One question as the model sees it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ItemModel {
    /// The authored level.
    pub level: u8,
    /// The calibrated difficulty; `None` for a question not yet calibrated,
    /// whose difficulty is its level's on the scale.
    pub difficulty: Option<f64>,
    /// How uncertain the difficulty is: the scale's spread within a level
    /// for an uncalibrated question, the standard error of a calibrated one.
    pub uncertainty: f64,
    /// The chance of a right answer without the knowledge (the format's).
    pub guessing: f64,
}

impl ItemModel {
    pub fn authored(level: u8, guessing: f64, scale: &Scale) -> ItemModel {
        ItemModel {
            level,
            difficulty: None,
            uncertainty: scale.spread,
            guessing,
        }
    }

    /// The mean difficulty at a spacing.
    pub fn mean(&self, scale: &Scale, spacing: f64) -> f64 {
        self.difficulty
            .unwrap_or_else(|| scale.level_difficulty(self.level, spacing))
    }

    /// P(right | θ) at a spacing, integrated over the difficulty's
    /// uncertainty.
    pub fn p(&self, theta: f64, scale: &Scale, spacing: f64) -> f64 {
        let b = self.mean(scale, spacing);
        self.guessing + (1.0 - self.guessing) * expected_sigmoid(theta - b, self.uncertainty)
    }

    /// A key for caching: equal keys give equal curves.
    fn key(&self) -> CurveKey {
        (
            self.level,
            self.difficulty.map_or(u64::MAX, f64::to_bits),
            self.uncertainty.to_bits(),
            self.guessing.to_bits(),
        )
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CutError {
    #[error("the threshold of level {level} ({threshold}) is not above the chance of guessing right ({floor:.2})")]
    BelowGuessing {
        level: u8,
        threshold: f64,
        floor: f64,
    },
    #[error("the thresholds make level {level} start below level {below}")]
    NotIncreasing { level: u8, below: u8 },
    #[error("level {0} has no questions to set its threshold against")]
    Empty(u8),
}

/// Where each measured level starts, at one spacing: level L starts at the
/// ability θ_L where the expected share of right answers on the level's
/// questions is the quiz's threshold t_L:
///
/// ```text
/// (1/n_L) Σ_{i ∈ L} P_i(θ_L) = t_L
/// ```
pub fn cut_points(
    thresholds: &[f64],
    typical: &[Vec<ItemModel>],
    scale: &Scale,
    spacing: f64,
) -> Result<Vec<f64>, CutError> {
    let mut cuts = Vec::with_capacity(thresholds.len());
    for (i, &t) in thresholds.iter().enumerate() {
        let level = i as u8 + 1;
        let items = typical
            .get(i)
            .filter(|v| !v.is_empty())
            .ok_or(CutError::Empty(level))?;
        let n = items.len() as f64;
        let share = |theta: f64| {
            items
                .iter()
                .map(|it| it.p(theta, scale, spacing))
                .sum::<f64>()
                / n
        };
        let floor = items.iter().map(|it| it.guessing).sum::<f64>() / n;
        if t <= floor + 1e-9 {
            return Err(CutError::BelowGuessing {
                level,
                threshold: t,
                floor,
            });
        }
        let (mut lo, mut hi) = (-60.0, 60.0);
        if share(hi) < t {
            return Err(CutError::BelowGuessing {
                level,
                threshold: t,
                floor,
            });
        }
        for _ in 0..80 {
            let mid = 0.5 * (lo + hi);
            if share(mid) < t {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let cut = 0.5 * (lo + hi);
        if let Some(&prev) = cuts.last() {
            if cut <= prev {
                return Err(CutError::NotIncreasing {
                    level,
                    below: level - 1,
                });
            }
        }
        cuts.push(cut);
    }
    Ok(cuts)
}

/// The typical width of a level at some cut points: the mean distance
/// between consecutive cuts, or the spacing when only one level is
/// measured.
fn width(cuts: &[f64], spacing: f64) -> f64 {
    if cuts.len() >= 2 {
        (cuts[cuts.len() - 1] - cuts[0]) / (cuts.len() - 1) as f64
    } else {
        spacing
    }
}

/// The reported category of an ability: 0 below the first cut, else the
/// highest level whose cut it reaches (the top one meaning "that level or
/// above" when the ladder goes on).
pub fn category(cuts: &[f64], theta: f64) -> usize {
    cuts.iter().take_while(|&&c| theta >= c).count()
}

/// Level plus how far through it (3.4: 40% of the way through level 3).
/// Below level 1 runs from 0 to 1 over one level width; the top level's
/// position stops just short of the next whole number.
pub fn ladder_position(cuts: &[f64], w: f64, theta: f64) -> f64 {
    let c = category(cuts, theta);
    let top = cuts.len();
    if c == 0 {
        (1.0 - (cuts[0] - theta) / w).max(0.0)
    } else if c == top {
        top as f64 + ((theta - cuts[top - 1]) / w).clamp(0.0, 0.99)
    } else {
        c as f64 + (theta - cuts[c - 1]) / (cuts[c] - cuts[c - 1])
    }
}

/// What an attempt is scored against, fixed when it starts: the scale,
/// and the cut points at each of its spacings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoringModel {
    pub scale: Scale,
    /// Cut points of levels 1 to top, one list per spacing of the scale.
    pub cuts: Vec<Vec<f64>>,
    /// Whether the top level reads "or above".
    pub open_top: bool,
}

impl ScoringModel {
    pub fn new(
        scale: Scale,
        thresholds: &[f64],
        typical: &[Vec<ItemModel>],
        open_top: bool,
    ) -> Result<ScoringModel, CutError> {
        let cuts = scale
            .spacings
            .iter()
            .map(|&(s, _)| cut_points(thresholds, typical, &scale, s))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ScoringModel {
            scale,
            cuts,
            open_top,
        })
    }

    /// The number of measured levels.
    pub fn top(&self) -> usize {
        self.cuts.first().map_or(0, Vec::len)
    }
}

/// One scored response: the question's model and the credit, 0 to 1.
#[derive(Debug, Clone, Copy)]
pub struct Observation {
    pub item: ItemModel,
    pub credit: f64,
}

/// Points on the ability grid.
pub const GRID: usize = 401;

/// The prior of ability at one spacing: every reported category (below
/// level 1, each measured level, the top one) equally likely. Within a
/// bounded level, flat; below level 1 a half-normal one level width wide;
/// the top level flat for one width, then a half-normal tail.
fn log_prior(grid: &[f64], cuts: &[f64], w: f64) -> Vec<f64> {
    let top = cuts.len();
    let shape = |t: f64| -> f64 {
        let c = category(cuts, t);
        if c == 0 {
            -0.5 * ((t - cuts[0]) / w).powi(2)
        } else if c == top {
            let end = cuts[top - 1] + w;
            if t > end {
                -0.5 * ((t - end) / w).powi(2)
            } else {
                0.0
            }
        } else {
            0.0
        }
    };
    let mut lp: Vec<f64> = grid.iter().map(|&t| shape(t)).collect();
    // Equal mass per category.
    let mut mass = vec![0.0; top + 1];
    for (&t, &l) in grid.iter().zip(&lp) {
        mass[category(cuts, t)] += l.exp();
    }
    for (&t, l) in grid.iter().zip(lp.iter_mut()) {
        let m = mass[category(cuts, t)];
        *l = if m > 0.0 {
            *l - m.ln()
        } else {
            f64::NEG_INFINITY
        };
    }
    lp
}

/// Equal keys give equal item curves.
type CurveKey = (u8, u64, u64, u64);

/// Cached log P and log (1 − P) of one item over the grid, per spacing.
struct Curve {
    log_p: Vec<Vec<f64>>,
    log_q: Vec<Vec<f64>>,
}

/// Scores attempts against one model, caching item curves (questions of one
/// level and format share one curve until calibrated).
pub struct Scorer<'m> {
    pub model: &'m ScoringModel,
    pub grid: Vec<f64>,
    widths: Vec<f64>,
    log_priors: Vec<Vec<f64>>,
    curves: std::cell::RefCell<std::collections::HashMap<CurveKey, std::rc::Rc<Curve>>>,
}

impl<'m> Scorer<'m> {
    pub fn new(model: &'m ScoringModel) -> Self {
        let widths: Vec<f64> = model
            .cuts
            .iter()
            .zip(&model.scale.spacings)
            .map(|(c, (s, _))| width(c, *s))
            .collect();
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for (c, w) in model.cuts.iter().zip(&widths) {
            if let (Some(first), Some(last)) = (c.first(), c.last()) {
                lo = lo.min(first - 5.0 * w);
                hi = hi.max(last + 6.0 * w);
            }
        }
        if !lo.is_finite() || !hi.is_finite() || hi <= lo {
            (lo, hi) = (-10.0, 10.0);
        }
        let step = (hi - lo) / (GRID - 1) as f64;
        let grid: Vec<f64> = (0..GRID).map(|i| lo + step * i as f64).collect();
        let log_priors = model
            .cuts
            .iter()
            .zip(&widths)
            .map(|(c, &w)| {
                if c.is_empty() {
                    vec![0.0; GRID]
                } else {
                    log_prior(&grid, c, w)
                }
            })
            .collect();
        Scorer {
            model,
            grid,
            widths,
            log_priors,
            curves: Default::default(),
        }
    }

    fn curve(&self, item: &ItemModel) -> std::rc::Rc<Curve> {
        let key = item.key();
        if let Some(c) = self.curves.borrow().get(&key) {
            return std::rc::Rc::clone(c);
        }
        let scale = &self.model.scale;
        let (mut log_p, mut log_q) = (Vec::new(), Vec::new());
        for &(s, _) in &scale.spacings {
            let p: Vec<f64> = self
                .grid
                .iter()
                .map(|&t| item.p(t, scale, s).clamp(1e-12, 1.0 - 1e-12))
                .collect();
            log_q.push(p.iter().map(|p| (1.0 - p).ln()).collect());
            log_p.push(p.into_iter().map(f64::ln).collect());
        }
        let c = std::rc::Rc::new(Curve { log_p, log_q });
        self.curves.borrow_mut().insert(key, std::rc::Rc::clone(&c));
        c
    }

    /// The joint posterior of (spacing, ability).
    pub fn posterior(&self, observations: &[Observation]) -> Posterior {
        let k = self.model.scale.spacings.len();
        let mut log_post: Vec<Vec<f64>> = self.log_priors.clone();
        for o in observations {
            let c = self.curve(&o.item);
            let x = o.credit.clamp(0.0, 1.0);
            for (j, row) in log_post.iter_mut().enumerate().take(k) {
                let (lp, lq) = (&c.log_p[j], &c.log_q[j]);
                for g in 0..GRID {
                    row[g] += x * lp[g] + (1.0 - x) * lq[g];
                }
            }
        }
        let mut max = f64::NEG_INFINITY;
        for row in &log_post {
            for &v in row {
                max = max.max(v);
            }
        }
        let mut total = 0.0;
        let mut weights: Vec<Vec<f64>> = log_post
            .iter()
            .zip(&self.model.scale.spacings)
            .map(|(row, &(_, pw))| {
                row.iter()
                    .map(|&v| {
                        let w = pw * (v - max).exp();
                        total += w;
                        w
                    })
                    .collect()
            })
            .collect();
        for row in &mut weights {
            for w in row.iter_mut() {
                *w /= total;
            }
        }
        Posterior { weights }
    }

    /// The verdict of a set of observations.
    pub fn verdict(&self, observations: &[Observation]) -> crate::domain::report::Verdict {
        let post = self.posterior(observations);
        let top = self.model.top();
        let mut masses = vec![0.0; top + 1];
        let (mut mean, mut second, mut position) = (0.0, 0.0, 0.0);
        let mut by_spacing = Vec::with_capacity(post.weights.len());
        for (j, row) in post.weights.iter().enumerate() {
            let cuts = &self.model.cuts[j];
            let w = self.widths[j];
            let mut m = 0.0;
            for (g, &p) in row.iter().enumerate() {
                if p == 0.0 {
                    continue;
                }
                let t = self.grid[g];
                masses[category(cuts, t)] += p;
                mean += p * t;
                second += p * t * t;
                position += p * ladder_position(cuts, w, t);
                m += p;
            }
            by_spacing.push(m);
        }
        let mut level = 0usize;
        for (l, &m) in masses.iter().enumerate() {
            if m > masses[level] + 1e-12 {
                level = l;
            }
        }
        let quantile = |q: f64| -> u8 {
            let mut acc = 0.0;
            for (c, m) in masses.iter().enumerate() {
                acc += m;
                if acc >= q - 1e-12 {
                    return c as u8;
                }
            }
            top as u8
        };
        let modal = by_spacing
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(j, _)| j);
        let spacing_mean = by_spacing
            .iter()
            .zip(&self.model.scale.spacings)
            .map(|(m, (s, _))| m * s)
            .sum();
        crate::domain::report::Verdict {
            level: level as u8,
            confidence: masses[level],
            band_low: quantile(0.05),
            band_high: quantile(0.95),
            ability: mean,
            standard_error: (second - mean * mean).max(0.0).sqrt(),
            ladder_position: position,
            level_probabilities: masses,
            cut_points: self.model.cuts.get(modal).cloned().unwrap_or_default(),
            top: top as u8,
            open_top: self.model.open_top,
            spacing: spacing_mean,
            person_fit: self.person_fit(observations, modal),
            not_reached: 0,
        }
    }

    /// Person fit (lz*, Snijders 2001) at the most probable spacing and the
    /// maximum-likelihood ability on the grid. `None` when the pattern is
    /// all right or all wrong or too short to judge.
    pub fn person_fit(
        &self,
        observations: &[Observation],
        spacing_index: usize,
    ) -> Option<crate::domain::report::PersonFit> {
        if observations.len() < 10 {
            return None;
        }
        let total: f64 = observations.iter().map(|o| o.credit).sum();
        if total < 0.5 || total > observations.len() as f64 - 0.5 {
            return None;
        }
        let scale = &self.model.scale;
        let (s, _) = scale.spacings[spacing_index];
        // The log-likelihood over the grid, from the cached curves.
        let mut loglik = vec![0.0; GRID];
        for o in observations {
            let c = self.curve(&o.item);
            let (lp, lq) = (&c.log_p[spacing_index], &c.log_q[spacing_index]);
            for (g, l) in loglik.iter_mut().enumerate() {
                *l += o.credit * lp[g] + (1.0 - o.credit) * lq[g];
            }
        }
        let best = (0..GRID).max_by(|&a, &b| loglik[a].total_cmp(&loglik[b]))?;
        let theta = self.grid[best];
        Some(lz_star(observations, theta, scale, s))
    }
}

/// Snijders' lz* for one pattern at ability θ (maximum likelihood):
/// W = Σ (x − P) w with w = log(P / (1 − P)), corrected for θ being
/// estimated from the same answers, over its standard deviation.
pub fn lz_star(
    observations: &[Observation],
    theta: f64,
    scale: &Scale,
    spacing: f64,
) -> crate::domain::report::PersonFit {
    let h = 1e-4;
    let mut parts = Vec::with_capacity(observations.len());
    for o in observations {
        let p = o.item.p(theta, scale, spacing).clamp(1e-9, 1.0 - 1e-9);
        let dp =
            (o.item.p(theta + h, scale, spacing) - o.item.p(theta - h, scale, spacing)) / (2.0 * h);
        let w = (p / (1.0 - p)).ln();
        let r = dp / (p * (1.0 - p));
        parts.push((o.credit, p, dp, w, r));
    }
    let num: f64 = parts.iter().map(|(_, _, dp, w, _)| dp * w).sum();
    let den: f64 = parts.iter().map(|(_, _, dp, _, r)| dp * r).sum();
    let c = if den.abs() > 1e-12 { num / den } else { 0.0 };
    let statistic: f64 = parts.iter().map(|(x, p, _, w, _)| (x - p) * w).sum();
    let variance: f64 = parts
        .iter()
        .map(|(_, p, _, w, r)| (w - c * r).powi(2) * p * (1.0 - p))
        .sum();
    let lz = if variance > 1e-12 {
        statistic / variance.sqrt()
    } else {
        0.0
    };
    // Surprises: right answers the model thought unlikely, and wrong ones
    // it thought likely.
    let unexpected_right = parts
        .iter()
        .filter(|(x, p, ..)| *x >= 0.5 && *p < 0.35)
        .count() as u32;
    let unexpected_wrong = parts
        .iter()
        .filter(|(x, p, ..)| *x < 0.5 && *p > 0.85)
        .count() as u32;
    crate::domain::report::PersonFit {
        lz_star: lz,
        flagged: lz < PERSON_FIT_CUT,
        unexpected_right,
        unexpected_wrong,
    }
}

/// lz* below this (the 5% one-sided normal quantile) flags a pattern as
/// improbable under the model.
pub const PERSON_FIT_CUT: f64 = -1.645;

/// The joint posterior of (spacing, ability) on the grid.
pub struct Posterior {
    /// weights[spacing][grid point], summing to one.
    pub weights: Vec<Vec<f64>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn logistic_and_normal_functions_match_hand_values() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert!(close(sigmoid(1.0), 0.731_058_6, 1e-7));
        assert!(close(logit(0.7), 0.847_297_9, 1e-7));
        assert!(close(normal_quantile(0.975), 1.959_964, 1e-6));
        assert!(close(normal_quantile(0.5), 0.0, 1e-12));
        assert!(close(normal_quantile(0.01), -2.326_348, 1e-6));
        // The Gauss–Hermite weights sum to one and integrate z² to one.
        let w: f64 = GAUSS_HERMITE.iter().map(|(_, w)| w).sum();
        let v: f64 = GAUSS_HERMITE.iter().map(|(z, w)| w * z * z).sum();
        assert!(close(w, 1.0, 1e-12) && close(v, 1.0, 1e-10), "{w} {v}");
    }

    #[test]
    fn an_uncertain_difficulty_flattens_the_curve() {
        // E[σ(x − sZ)] is symmetric at 0, below σ(x) above 0 and above it
        // below 0; the probit approximation σ(x/√(1 + πs²/8)) is close.
        assert!(close(expected_sigmoid(0.0, 1.0), 0.5, 1e-12));
        assert!(expected_sigmoid(2.0, 1.0) < sigmoid(2.0));
        assert!(expected_sigmoid(-2.0, 1.0) > sigmoid(-2.0));
        let probit = sigmoid(2.0 / (1.0 + std::f64::consts::PI / 8.0).sqrt());
        assert!(close(expected_sigmoid(2.0, 1.0), probit, 0.01));
        assert_eq!(expected_sigmoid(1.3, 0.0), sigmoid(1.3));
    }

    fn typical(scale: &Scale, top: u8) -> Vec<Vec<ItemModel>> {
        (1..=top)
            .map(|l| vec![ItemModel::authored(l, 0.25, scale)])
            .collect()
    }

    #[test]
    fn cut_points_are_where_the_level_is_answered_at_the_threshold() {
        // With exact difficulties (no spread) a level starts where
        // 0.25 + 0.75σ(θ − b_L) = 0.7: θ_L = b_L + logit(0.6).
        let scale = Scale::exact(1.5, 0.0, 4);
        let cuts = cut_points(&[0.7; 4], &typical(&scale, 4), &scale, 1.5).unwrap();
        for (i, c) in cuts.iter().enumerate() {
            let b = (i as f64 + 1.0 - 2.5) * 1.5;
            assert!(close(*c, b + logit(0.6), 1e-9), "{cuts:?}");
        }
        assert_eq!(category(&cuts, -10.0), 0);
        assert_eq!(category(&cuts, cuts[2]), 3);
        assert_eq!(category(&cuts, cuts[2] - 1e-9), 2);
        assert_eq!(category(&cuts, 50.0), 4);
        // With spread, the expected share still crosses the threshold there.
        let spread = Scale::exact(1.5, 0.8, 4);
        let items = typical(&spread, 4);
        let cuts = cut_points(&[0.7; 4], &items, &spread, 1.5).unwrap();
        for (l, c) in cuts.iter().enumerate() {
            assert!(close(items[l][0].p(*c, &spread, 1.5), 0.7, 1e-9));
        }
    }

    #[test]
    fn thresholds_below_guessing_or_crossing_are_refused() {
        let scale = Scale::exact(1.5, 0.0, 4);
        let t = typical(&scale, 4);
        assert_eq!(
            cut_points(&[0.7, 0.2, 0.7, 0.7], &t, &scale, 1.5),
            Err(CutError::BelowGuessing {
                level: 2,
                threshold: 0.2,
                floor: 0.25
            })
        );
        assert_eq!(
            cut_points(&[0.999, 0.7, 0.7, 0.7], &t, &scale, 1.5),
            Err(CutError::NotIncreasing { level: 2, below: 1 })
        );
    }

    fn model(scale: Scale) -> ScoringModel {
        let t = typical(&scale, 4);
        ScoringModel::new(scale, &[0.7; 4], &t, true).unwrap()
    }

    /// B2 of the scoring review: the old "flat" prior gave the top level
    /// 26.5% and "below level 1" 14.6% of its mass. Every reported category
    /// now starts equally likely, at every spacing.
    #[test]
    fn before_any_answer_every_category_is_equally_likely() {
        let m = model(Scale::authored(4));
        let v = Scorer::new(&m).verdict(&[]);
        assert_eq!(v.level_probabilities.len(), 5);
        for p in &v.level_probabilities {
            assert!(close(*p, 0.2, 0.002), "{:?}", v.level_probabilities);
        }
        let exact = model(Scale::exact(1.0, 0.8, 4));
        let v = Scorer::new(&exact).verdict(&[]);
        for p in &v.level_probabilities {
            assert!(close(*p, 0.2, 0.002), "{:?}", v.level_probabilities);
        }
    }

    fn obs(level: u8, credit: f64, scale: &Scale) -> Observation {
        Observation {
            item: ItemModel::authored(level, 0.25, scale),
            credit,
        }
    }

    #[test]
    fn all_right_and_all_wrong_give_finite_estimates_at_the_ends() {
        let m = model(Scale::authored(4));
        let s = Scorer::new(&m);
        let all = |x: f64| -> Vec<Observation> {
            (1..=4)
                .flat_map(|l| (0..7).map(move |_| (l, x)))
                .map(|(l, x)| obs(l, x, &m.scale))
                .collect()
        };
        let v = s.verdict(&all(1.0));
        assert_eq!(v.level, 4);
        assert!(v.ability.is_finite() && v.standard_error.is_finite());
        let v = s.verdict(&all(0.0));
        assert_eq!(v.level, 0);
        assert!(v.ability.is_finite());
        assert!(close(v.level_probabilities.iter().sum::<f64>(), 1.0, 1e-9));
    }

    #[test]
    fn a_candidate_who_knows_levels_1_and_2_is_placed_at_level_2() {
        let m = model(Scale::authored(4));
        let mut o = Vec::new();
        for l in 1..=4u8 {
            for k in 0..7 {
                // Right on levels 1–2, one lucky guess in seven above.
                let right = l <= 2 || k == 0;
                o.push(obs(l, if right { 1.0 } else { 0.0 }, &m.scale));
            }
        }
        let v = Scorer::new(&m).verdict(&o);
        assert_eq!(v.level, 2, "{v:?}");
        assert!(v.band_low <= 2 && v.band_high >= 2);
    }

    #[test]
    fn uncertainty_about_difficulties_lowers_the_confidence() {
        // The same answers, scored once as if every question sat exactly at
        // its level's difficulty and once with the spread within a level:
        // the second is less sure. The spacing's own uncertainty is a
        // mixture over spacings, which the simulation tests check.
        let exact = model(Scale::exact(1.25, 0.0, 4));
        let uncertain = model(Scale::exact(1.25, 0.8, 4));
        let mut o = Vec::new();
        for l in 1..=4u8 {
            for k in 0..7 {
                let right = l <= 2 || (l == 3 && k < 4);
                o.push(obs(l, if right { 1.0 } else { 0.0 }, &exact.scale));
            }
        }
        let spread: Vec<Observation> = o
            .iter()
            .map(|x| Observation {
                item: ItemModel::authored(x.item.level, 0.25, &uncertain.scale),
                credit: x.credit,
            })
            .collect();
        let a = Scorer::new(&exact).verdict(&o);
        let b = Scorer::new(&uncertain).verdict(&spread);
        assert_eq!(a.level, b.level);
        assert!(
            b.confidence < a.confidence,
            "{} vs {}",
            b.confidence,
            a.confidence
        );
    }

    #[test]
    fn an_improbable_pattern_is_flagged_and_a_typical_one_is_not() {
        let scale = Scale::exact(1.25, 0.0, 4);
        let m = model(scale.clone());
        let s = Scorer::new(&m);
        // Right on every hard question, wrong on every easy one.
        let reversed: Vec<Observation> = (1..=4u8)
            .flat_map(|l| (0..6).map(move |_| l))
            .map(|l| obs(l, if l >= 3 { 1.0 } else { 0.0 }, &scale))
            .collect();
        let fit = s.person_fit(&reversed, 0).unwrap();
        assert!(fit.flagged, "{fit:?}");
        assert!(fit.unexpected_wrong > 0 || fit.unexpected_right > 0);
        // Right on the easy half, wrong on the hard half: what the model
        // expects of a mid-ladder candidate.
        let typical: Vec<Observation> = (1..=4u8)
            .flat_map(|l| (0..6).map(move |k| (l, k)))
            .map(|(l, k)| {
                obs(
                    l,
                    if l <= 2 || (l == 3 && k < 2) {
                        1.0
                    } else {
                        0.0
                    },
                    &scale,
                )
            })
            .collect();
        let fit = s.person_fit(&typical, 0).unwrap();
        assert!(!fit.flagged, "{fit:?}");
    }

    #[test]
    fn answering_one_more_question_right_never_lowers_the_verdict() {
        use rand::{Rng, SeedableRng};
        let m = model(Scale::authored(4));
        let s = Scorer::new(&m);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for _ in 0..200 {
            let mut o: Vec<Observation> = (0..24)
                .map(|_| {
                    let l = rng.random_range(1..=4u8);
                    let x = if rng.random::<bool>() { 1.0 } else { 0.0 };
                    obs(l, x, &m.scale)
                })
                .collect();
            let before = s.verdict(&o);
            if let Some(wrong) = o.iter_mut().find(|x| x.credit == 0.0) {
                wrong.credit = 1.0;
            }
            let after = s.verdict(&o);
            assert!(after.level >= before.level, "{before:?} -> {after:?}");
        }
    }
}
