//! The measurement model: a Rasch model with a known guessing floor, the
//! level cut points implied by a quiz's thresholds, and the Bayesian
//! ability estimate behind the level verdict. Pure numerics; SCORING.md
//! gives the formulas and a worked example.
//!
//! P(correct | θ) = c + (1 − c) · σ(θ − b), σ(x) = 1 / (1 + e^(−x)),
//! with b the question's difficulty and c its guessing floor (the chance of
//! a right answer by picking at random, known from the question's format).

use crate::domain::report::Verdict;
use crate::domain::{Level, QuestionKind};
use crate::server::bank::{MultiplePolicy, QuestionContent};

/// Logits between the difficulties of consecutive authored levels, for
/// questions not yet calibrated.
pub const LEVEL_SPACING: f64 = 2.5;
/// The level whose questions have difficulty 0.
pub const LEVEL_CENTER: f64 = 3.5;

pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

pub fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

/// The difficulty of an uncalibrated question of an authored level.
pub fn level_difficulty(level: Level) -> f64 {
    (f64::from(level.get()) - LEVEL_CENTER) * LEVEL_SPACING
}

/// The authored level a difficulty corresponds to (real-valued).
pub fn difficulty_level(b: f64) -> f64 {
    b / LEVEL_SPACING + LEVEL_CENTER
}

/// The chance of a right answer by picking at random.
///
/// single and true/false: one of k options. multiple, all-or-nothing: one of
/// the 2^k − 1 non-empty subsets. multiple, partial credit: the expected
/// credit of a uniformly random non-empty subset.
pub fn guessing_floor(q: &QuestionContent, policy: MultiplePolicy) -> f64 {
    let k = q.options.len().max(1);
    match q.kind {
        QuestionKind::Single | QuestionKind::TrueFalse => 1.0 / k as f64,
        QuestionKind::Multiple => {
            let subsets = (1u32 << k.min(16)) - 1;
            match policy {
                MultiplePolicy::AllOrNothing => 1.0 / f64::from(subsets),
                MultiplePolicy::Partial => {
                    let m = q.correct_count().max(1);
                    let mut total = 0.0;
                    for s in 1..=subsets {
                        let right = (0..k)
                            .filter(|&i| s & (1 << i) != 0 && q.options[i].correct)
                            .count();
                        let wrong = (s.count_ones() as usize) - right;
                        total += ((right as f64 - wrong as f64) / m as f64).clamp(0.0, 1.0);
                    }
                    total / f64::from(subsets)
                }
            }
        }
    }
}

/// A question's parameters in the model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemParams {
    pub difficulty: f64,
    pub guessing: f64,
}

impl ItemParams {
    pub fn p(&self, theta: f64) -> f64 {
        self.guessing + (1.0 - self.guessing) * sigmoid(theta - self.difficulty)
    }
}

/// Where each level 1 to 6 starts on the ability scale.
///
/// A quiz's threshold t_L is the chance that a candidate at the bottom of
/// level L answers a typical level-L question correctly. A typical question
/// has the mean difficulty b̄_L and mean guessing floor c̄_L of the level's
/// questions, so c̄ + (1 − c̄)·σ(θ_L − b̄) = t_L gives
/// θ_L = b̄_L + logit((t_L − c̄_L) / (1 − c̄_L)).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CutPoints(pub [f64; 6]);

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
}

/// Cut points from thresholds and, per level, the mean difficulty and mean
/// guessing floor of that level's questions.
pub fn cut_points(thresholds: &[f64; 6], typical: &[(f64, f64); 6]) -> Result<CutPoints, CutError> {
    let mut cuts = [0.0; 6];
    for (i, (&t, &(b, c))) in thresholds.iter().zip(typical).enumerate() {
        if t <= c + 1e-9 {
            return Err(CutError::BelowGuessing {
                level: i as u8 + 1,
                threshold: t,
                floor: c,
            });
        }
        cuts[i] = b + logit((t - c) / (1.0 - c));
        if i > 0 && cuts[i] <= cuts[i - 1] {
            return Err(CutError::NotIncreasing {
                level: i as u8 + 1,
                below: i as u8,
            });
        }
    }
    Ok(CutPoints(cuts))
}

impl CutPoints {
    /// The level of an ability: 0 below the level-1 cut, else the highest
    /// level whose cut it reaches.
    pub fn level_of(&self, theta: f64) -> u8 {
        self.0.iter().take_while(|&&c| theta >= c).count() as u8
    }

    /// The typical width of a level (mean distance between cuts).
    pub fn width(&self) -> f64 {
        (self.0[5] - self.0[0]) / 5.0
    }

    /// Where level 6 ends, for the prior: one typical width above its start.
    pub fn top(&self) -> f64 {
        self.0[5] + self.width()
    }

    /// The ladder position: level plus the fraction of the way through it.
    pub fn ladder_position(&self, theta: f64) -> f64 {
        let level = self.level_of(theta);
        let w = self.width();
        match level {
            0 => (1.0 - (self.0[0] - theta) / w).max(0.0),
            6 => (6.0 + (theta - self.0[5]) / w).min(7.0),
            l => {
                let (lo, hi) = (self.0[l as usize - 1], self.0[l as usize]);
                f64::from(l) + (theta - lo) / (hi - lo)
            }
        }
    }
}

/// One scored response: the question's parameters and the credit, 0 to 1.
#[derive(Debug, Clone, Copy)]
pub struct Observation {
    pub item: ItemParams,
    pub credit: f64,
}

const GRID: usize = 601;

/// The posterior of ability on a grid: a flat prior across the ladder
/// (every level equally likely before any answer), with normal tails one
/// level wide below level 1 and above level 6; the likelihood of each
/// response is P^x (1 − P)^(1 − x) for credit x.
pub struct Posterior {
    pub grid: Vec<f64>,
    pub weights: Vec<f64>,
}

impl Posterior {
    pub fn new(cuts: &CutPoints, observations: &[Observation]) -> Self {
        let w = cuts.width();
        let (lo, hi) = (cuts.0[0], cuts.top());
        let (start, end) = (lo - 6.0 * w, hi + 6.0 * w);
        let step = (end - start) / (GRID - 1) as f64;
        let grid: Vec<f64> = (0..GRID).map(|i| start + step * i as f64).collect();
        let mut log_post: Vec<f64> = grid
            .iter()
            .map(|&t| {
                let prior = if t < lo {
                    -0.5 * ((t - lo) / w).powi(2)
                } else if t > hi {
                    -0.5 * ((t - hi) / w).powi(2)
                } else {
                    0.0
                };
                let likelihood: f64 = observations
                    .iter()
                    .map(|o| {
                        let p = o.item.p(t).clamp(1e-12, 1.0 - 1e-12);
                        o.credit * p.ln() + (1.0 - o.credit) * (1.0 - p).ln()
                    })
                    .sum();
                prior + likelihood
            })
            .collect();
        let max = log_post.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut total = 0.0;
        for v in log_post.iter_mut() {
            *v = (*v - max).exp();
            total += *v;
        }
        let weights = log_post.into_iter().map(|v| v / total).collect();
        Posterior { grid, weights }
    }

    pub fn mean(&self) -> f64 {
        self.grid
            .iter()
            .zip(&self.weights)
            .map(|(t, w)| t * w)
            .sum()
    }

    pub fn sd(&self) -> f64 {
        let m = self.mean();
        self.grid
            .iter()
            .zip(&self.weights)
            .map(|(t, w)| w * (t - m).powi(2))
            .sum::<f64>()
            .sqrt()
    }

    pub fn quantile(&self, q: f64) -> f64 {
        let mut acc = 0.0;
        for (t, w) in self.grid.iter().zip(&self.weights) {
            acc += w;
            if acc >= q {
                return *t;
            }
        }
        *self.grid.last().unwrap_or(&0.0)
    }

    /// Probability of each level 0 to 6.
    pub fn level_masses(&self, cuts: &CutPoints) -> [f64; 7] {
        let mut m = [0.0; 7];
        for (t, w) in self.grid.iter().zip(&self.weights) {
            m[cuts.level_of(*t) as usize] += w;
        }
        m
    }
}

/// The verdict: the most probable level (the lowest on a tie), how sure,
/// the 90% band (5th to 95th percentile of ability, in levels), the
/// ability (posterior mean) and its standard error (posterior SD).
pub fn verdict(cuts: &CutPoints, observations: &[Observation]) -> Verdict {
    let post = Posterior::new(cuts, observations);
    let masses = post.level_masses(cuts);
    let mut level = 0usize;
    for (l, &m) in masses.iter().enumerate() {
        if m > masses[level] {
            level = l;
        }
    }
    let ability = post.mean();
    Verdict {
        level: level as u8,
        confidence: masses[level],
        band_low: cuts.level_of(post.quantile(0.05)),
        band_high: cuts.level_of(post.quantile(0.95)),
        ability,
        standard_error: post.sd(),
        ladder_position: cuts.ladder_position(ability),
        level_probabilities: masses.to_vec(),
        cut_points: cuts.0.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::bank::model::OptionContent;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    fn q(kind: QuestionKind, correct: &[bool]) -> QuestionContent {
        QuestionContent {
            id: "q".into(),
            topic: "t".into(),
            level: Level::new(3).unwrap(),
            kind,
            prompt: "?".into(),
            options: correct
                .iter()
                .enumerate()
                .map(|(i, &c)| OptionContent {
                    id: format!("o{i}"),
                    text: format!("o{i}"),
                    correct: c,
                    pinned: false,
                })
                .collect(),
            explanation: String::new(),
            references: vec![],
            tags: vec![],
        }
    }

    #[test]
    fn logistic_functions_match_hand_values() {
        assert_eq!(sigmoid(0.0), 0.5);
        assert!(close(sigmoid(1.0), 0.731_058_6, 1e-7));
        assert!(close(logit(0.7), 0.847_297_9, 1e-7));
        assert!(close(logit(sigmoid(-2.3)), -2.3, 1e-12));
    }

    #[test]
    fn levels_map_to_difficulties_2_5_logits_apart() {
        assert_eq!(level_difficulty(Level::new(1).unwrap()), -6.25);
        assert_eq!(level_difficulty(Level::new(3).unwrap()), -1.25);
        assert_eq!(level_difficulty(Level::new(6).unwrap()), 6.25);
        assert_eq!(difficulty_level(-1.25), 3.0);
    }

    #[test]
    fn guessing_floors_follow_the_format() {
        let p = MultiplePolicy::AllOrNothing;
        assert_eq!(
            guessing_floor(&q(QuestionKind::Single, &[true, false, false, false]), p),
            0.25
        );
        assert_eq!(
            guessing_floor(&q(QuestionKind::TrueFalse, &[true, false]), p),
            0.5
        );
        // 4 options: 15 non-empty subsets.
        assert_eq!(
            guessing_floor(&q(QuestionKind::Multiple, &[true, true, false, false]), p),
            1.0 / 15.0
        );
        // Partial credit, 2 of 3 correct: subsets {a}=.5 {b}=.5 {c}=0 {ab}=1 {ac}=0 {bc}=0 {abc}=.5 → 2.5/7.
        let partial = guessing_floor(
            &q(QuestionKind::Multiple, &[true, true, false]),
            MultiplePolicy::Partial,
        );
        assert!(close(partial, 2.5 / 7.0, 1e-12), "{partial}");
    }

    #[test]
    fn the_probability_of_a_right_answer_runs_from_the_floor_to_one() {
        let item = ItemParams {
            difficulty: 1.0,
            guessing: 0.25,
        };
        assert_eq!(item.p(1.0), 0.625);
        assert!(close(item.p(-30.0), 0.25, 1e-9));
        assert!(close(item.p(30.0), 1.0, 1e-9));
    }

    fn typical() -> [(f64, f64); 6] {
        let mut t = [(0.0, 0.25); 6];
        for l in Level::all() {
            t[l.index()] = (level_difficulty(l), 0.25);
        }
        t
    }

    #[test]
    fn cut_points_are_where_a_typical_question_is_answered_at_the_threshold() {
        let cuts = cut_points(&[0.7; 6], &typical()).unwrap();
        // (0.7 − 0.25)/0.75 = 0.6; logit(0.6) = 0.405465.
        assert!(close(cuts.0[0], -6.25 + 0.405_465_1, 1e-6), "{:?}", cuts);
        assert!(close(cuts.0[5], 6.25 + 0.405_465_1, 1e-6));
        assert!(close(cuts.width(), 2.5, 1e-12));
        assert_eq!(cuts.level_of(-10.0), 0);
        assert_eq!(cuts.level_of(cuts.0[2]), 3);
        assert_eq!(cuts.level_of(cuts.0[2] - 1e-9), 2);
        assert_eq!(cuts.level_of(50.0), 6);
        assert!(close(cuts.ladder_position(cuts.0[2] + 1.25), 3.5, 1e-12));
    }

    #[test]
    fn thresholds_below_guessing_or_crossing_are_refused() {
        let mut th = [0.7; 6];
        th[1] = 0.2;
        assert_eq!(
            cut_points(&th, &typical()),
            Err(CutError::BelowGuessing {
                level: 2,
                threshold: 0.2,
                floor: 0.25
            })
        );
        let mut th = [0.7; 6];
        th[0] = 0.999; // level 1 would start above level 2
        assert_eq!(
            cut_points(&th, &typical()),
            Err(CutError::NotIncreasing { level: 2, below: 1 })
        );
    }

    fn obs(level: u8, credit: f64) -> Observation {
        Observation {
            item: ItemParams {
                difficulty: level_difficulty(Level::new(i64::from(level)).unwrap()),
                guessing: 0.25,
            },
            credit,
        }
    }

    #[test]
    fn all_right_and_all_wrong_give_finite_estimates_at_the_ends() {
        let cuts = cut_points(&[0.7; 6], &typical()).unwrap();
        let all_right: Vec<Observation> = (1..=6)
            .flat_map(|l| (0..5).map(move |_| obs(l, 1.0)))
            .collect();
        let v = verdict(&cuts, &all_right);
        assert_eq!(v.level, 6);
        assert!(v.ability.is_finite() && v.standard_error.is_finite());
        assert!(v.ability > cuts.0[5]);
        let all_wrong: Vec<Observation> = (1..=6)
            .flat_map(|l| (0..5).map(move |_| obs(l, 0.0)))
            .collect();
        let v = verdict(&cuts, &all_wrong);
        assert_eq!(v.level, 0);
        assert!(v.ability.is_finite() && v.ability < cuts.0[0]);
        assert!(close(v.level_probabilities.iter().sum::<f64>(), 1.0, 1e-9));
    }

    #[test]
    fn no_answers_leave_the_flat_prior() {
        let cuts = cut_points(&[0.7; 6], &typical()).unwrap();
        let post = Posterior::new(&cuts, &[]);
        let m = post.level_masses(&cuts);
        // Levels 1..6 equally likely; tails below 1 and above 6.
        for l in 2..=5 {
            assert!(close(m[l], m[1], 0.01), "{m:?}");
        }
        assert!(close(post.mean(), (cuts.0[0] + cuts.top()) / 2.0, 0.05));
    }

    /// The worked example of SCORING.md, section 4.
    #[test]
    fn worked_example_of_scoring_md() {
        let cuts = cut_points(&[0.7; 6], &typical()).unwrap();
        let expected = [-5.8445, -3.3445, -0.8445, 1.6555, 4.1555, 6.6555];
        for (c, e) in cuts.0.iter().zip(expected) {
            assert!(close(*c, e, 1e-4), "{:?}", cuts);
        }
        let answers = [
            (1, 1.0),
            (1, 1.0),
            (2, 1.0),
            (2, 1.0),
            (3, 1.0),
            (3, 1.0),
            (4, 1.0),
            (4, 0.0),
            (5, 0.0),
            (5, 0.0),
            (6, 0.0),
            (6, 0.0),
        ];
        let o: Vec<Observation> = answers.iter().map(|&(l, x)| obs(l, x)).collect();
        let v = verdict(&cuts, &o);
        assert_eq!(v.level, 3);
        assert!(close(v.confidence, 0.612, 0.001), "{v:?}");
        assert!(close(v.ability, 0.524, 0.001), "{v:?}");
        assert!(close(v.standard_error, 1.515, 0.001), "{v:?}");
        assert_eq!((v.band_low, v.band_high), (2, 4));
        let p: Vec<f64> = v
            .level_probabilities
            .iter()
            .map(|p| (p * 1000.0).round() / 1000.0)
            .collect();
        assert_eq!(p, [0.001, 0.013, 0.154, 0.612, 0.217, 0.003, 0.0]);
        // A level-3 question for θ = 0: 0.25 + 0.75·σ(1.25).
        let item = ItemParams {
            difficulty: -1.25,
            guessing: 0.25,
        };
        assert!(close(item.p(0.0), 0.832_975, 1e-6));
    }

    #[test]
    fn a_candidate_who_knows_levels_1_to_3_is_placed_at_level_3() {
        let cuts = cut_points(&[0.7; 6], &typical()).unwrap();
        let mut o = Vec::new();
        for l in 1..=6 {
            for k in 0..5 {
                // Right on levels 1–3, 4 of 5 wrong above (one lucky guess).
                let right = l <= 3 || k == 0;
                o.push(obs(l, if right { 1.0 } else { 0.0 }));
            }
        }
        let v = verdict(&cuts, &o);
        assert_eq!(v.level, 3, "{v:?}");
        assert!(v.band_low <= 3 && v.band_high >= 3);
        assert!(v.confidence > 0.5, "{v:?}");
    }
}
