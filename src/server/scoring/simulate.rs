//! Simulated candidates, to measure how often the verdict is right when the
//! truth is *not* the scorer's model.
//!
//! A simulation draws a true world (a [`Truth`]): every question of the bank
//! gets a true difficulty around its level (with the true spacing and
//! spread), a true slope and a true guessing rate. The true level of a
//! candidate follows the product's own definition under that world: level L
//! starts where the expected share of right answers on the bank's level-L
//! questions equals the quiz's threshold. Candidates are spread evenly over
//! the reported categories (below level 1, each measured level, the top
//! one). Each takes forms drawn exactly as real attempts are, answers by the
//! true model, and may run out of time before the last questions. The
//! answers are scored twice: by rung, which knows only the authored levels
//! (or its calibration), and by an oracle that knows the true parameters of
//! every question and the true population, the best any scorer could do
//! with the same answers.

use super::irt::{
    self, category, sigmoid, ItemModel, Scale, Scorer, SPACING_LOG_SD, SPACING_MEDIAN, SPREAD,
};
use super::{
    guessing_floor, item_model, not_reached, quiz_model, score_with, Calibration, Response,
};
use crate::domain::{Level, QuestionKind};
use crate::server::bank::model::Draw;
use crate::server::bank::{Bank, QuestionContent, QuizContent};
use crate::server::form;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;

/// How the true world departs from the scorer's model.
#[derive(Debug, Clone, PartialEq)]
pub struct Truth {
    pub name: &'static str,
    pub description: &'static str,
    /// The true spacing of the levels; `None` draws it from the scorer's own
    /// prior, a new value for each of `worlds` replications.
    pub spacing: Option<f64>,
    /// SD of true difficulty within a level.
    pub spread: f64,
    /// True slopes, log-uniform in this range (None: all 1, the Rasch model).
    pub slopes: Option<(f64, f64)>,
    /// True guessing above the format's floor (None: at the floor).
    pub guessing_above_floor: bool,
    /// Share of candidates who run out of time, and the most questions at
    /// the end of their form they then never reach (uniform from 1).
    pub not_reaching: f64,
    pub not_reached_max: usize,
}

impl Truth {
    /// The scorer's own model: spacing from its prior, spread as assumed,
    /// Rasch slopes, guessing at the floor, everyone finishes.
    pub const RUNG: Truth = Truth {
        name: "rung",
        description: "rung's own model: spacing drawn from its prior, spread 1.0, slope 1, guessing at the floor",
        spacing: None,
        spread: SPREAD,
        slopes: None,
        guessing_above_floor: false,
        not_reaching: 0.0,
        not_reached_max: 0,
    };

    /// Every scenario `rung simulate` knows, the scorer's own model first.
    pub fn all() -> Vec<Truth> {
        vec![
            Truth::RUNG,
            Truth {
                name: "narrow",
                description: "levels closer than assumed: spacing 0.8, spread 0.8",
                spacing: Some(0.8),
                ..Truth::RUNG
            },
            Truth {
                name: "wide",
                description: "levels further apart than assumed: spacing 2.5 (the old fixed assumption), spread 0.5",
                spacing: Some(2.5),
                spread: 0.5,
                ..Truth::RUNG
            },
            Truth {
                name: "2pl",
                description: "spacing 1.25; slopes log-uniform 0.5-2 (2PL)",
                spacing: Some(1.25),
                slopes: Some((0.5, 2.0)),
                ..Truth::RUNG
            },
            Truth {
                name: "guessing",
                description: "spacing 1.25; guessing above the floor (single 0.25-0.35, true/false 0.5-0.65, select-all floor-0.15)",
                spacing: Some(1.25),
                guessing_above_floor: true,
                ..Truth::RUNG
            },
            Truth {
                name: "not-reached",
                description: "spacing 1.25; 15% of candidates run out of time and miss up to their last 8 questions",
                spacing: Some(1.25),
                not_reaching: 0.15,
                not_reached_max: 8,
                ..Truth::RUNG
            },
            Truth {
                name: "realistic",
                description: "spacing 1.0, spread 0.8, slopes 0.5-2, guessing above the floor, 15% miss up to their last 8 questions",
                spacing: Some(1.0),
                spread: 0.8,
                slopes: Some((0.5, 2.0)),
                guessing_above_floor: true,
                not_reaching: 0.15,
                not_reached_max: 8,
            },
        ]
    }

    pub fn named(name: &str) -> Option<Truth> {
        Truth::all().into_iter().find(|t| t.name == name)
    }
}

/// Accuracy of one scorer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Accuracy {
    pub exact: f64,
    pub within_one: f64,
    /// The same verdict on two independent forms.
    pub consistency: f64,
}

/// Reported confidence against actual accuracy, for one bin of confidence.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationBin {
    pub low: f64,
    pub high: f64,
    pub candidates: usize,
    pub stated: f64,
    pub actual: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LevelAccuracy {
    pub level: u8,
    pub candidates: usize,
    pub exact: f64,
    pub within_one: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SimulationResult {
    pub quiz_id: String,
    pub truth: String,
    pub questions: usize,
    pub candidates: usize,
    pub rung: Accuracy,
    pub oracle: Accuracy,
    /// Mean reported confidence.
    pub mean_confidence: f64,
    /// Mean number of levels in the 90% band.
    pub mean_band_levels: f64,
    /// How often the true level lies inside the 90% band.
    pub band_coverage: f64,
    pub calibration: Vec<CalibrationBin>,
    pub by_level: Vec<LevelAccuracy>,
    /// Per verdict (index = the level reported): how many, the mean stated
    /// confidence, and how often the candidate really is at that level.
    pub by_verdict: Vec<CalibrationBin>,
    /// How often person fit flagged a candidate (answers from the true
    /// model: the false-alarm rate when the truth is rung's model).
    pub person_fit_flagged: f64,
}

impl SimulationResult {
    /// The largest gap between stated confidence and actual accuracy over
    /// the bins holding at least `min` candidates.
    pub fn worst_calibration_gap(&self, min: usize) -> f64 {
        self.calibration
            .iter()
            .filter(|b| b.candidates >= min)
            .map(|b| (b.stated - b.actual).abs())
            .fold(0.0, f64::max)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimulationError {
    #[error("{0}")]
    Cuts(#[from] irt::CutError),
    #[error("{0}")]
    Draw(#[from] form::DrawError),
}

/// A normal deviate (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u: f64 = rng.random_range(1e-12..1.0);
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// The true parameters of one question.
#[derive(Debug, Clone, Copy)]
struct TrueItem {
    b: f64,
    a: f64,
    c: f64,
}

impl TrueItem {
    fn p(&self, theta: f64) -> f64 {
        self.c + (1.0 - self.c) * sigmoid(self.a * (theta - self.b))
    }
}

/// One true world: the parameters of every bank question, the true cut
/// points and the level width.
struct World {
    items: HashMap<String, TrueItem>,
    cuts: Vec<f64>,
    width: f64,
}

fn true_guessing(q: &QuestionContent, floor: f64, above: bool, rng: &mut ChaCha8Rng) -> f64 {
    if !above {
        return floor;
    }
    match q.kind {
        QuestionKind::TrueFalse => rng.random_range(0.5..0.65),
        QuestionKind::Single => rng.random_range(floor..(floor + 0.1).max(floor + 1e-9)),
        QuestionKind::Multiple => rng.random_range(floor..0.15_f64.max(floor + 1e-9)),
    }
}

fn world(
    bank: &Bank,
    quiz: &QuizContent,
    truth: &Truth,
    spacing: f64,
    rng: &mut ChaCha8Rng,
) -> Result<World, SimulationError> {
    let top = bank.ladder.top();
    let center = (1.0 + f64::from(top)) / 2.0;
    let mut items = HashMap::new();
    for q in &bank.questions {
        let floor = guessing_floor(q, quiz.scoring.multiple);
        let a = match truth.slopes {
            Some((lo, hi)) => (lo.ln() + (hi.ln() - lo.ln()) * rng.random::<f64>()).exp(),
            None => 1.0,
        };
        items.insert(
            q.hash.clone(),
            TrueItem {
                b: spacing * (f64::from(q.level.get()) - center) + truth.spread * normal(rng),
                a,
                c: true_guessing(q, floor, truth.guessing_above_floor, rng),
            },
        );
    }
    // True cut points: where the expected share right on the bank's level-L
    // questions (those the quiz draws from) reaches the threshold.
    let mut cuts = Vec::new();
    for level in Level::up_to(top) {
        let drawn: Vec<&str> = quiz
            .draws
            .iter()
            .filter(|d| d.level == level)
            .map(|d| d.topic.as_str())
            .collect();
        let level_items: Vec<TrueItem> = bank
            .questions
            .iter()
            .filter(|q| q.level == level && (drawn.is_empty() || drawn.contains(&q.topic.as_str())))
            .map(|q| items[&q.hash])
            .collect();
        let t = quiz.scoring.thresholds[level.index()];
        let share = |theta: f64| {
            level_items.iter().map(|i| i.p(theta)).sum::<f64>() / level_items.len().max(1) as f64
        };
        let (mut lo, mut hi) = (-60.0, 60.0);
        for _ in 0..80 {
            let mid = 0.5 * (lo + hi);
            if share(mid) < t {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        cuts.push(0.5 * (lo + hi));
    }
    for w in cuts.windows(2) {
        if w[1] <= w[0] {
            return Err(irt::CutError::NotIncreasing { level: 0, below: 0 }.into());
        }
    }
    let width = if cuts.len() >= 2 {
        (cuts[cuts.len() - 1] - cuts[0]) / (cuts.len() - 1) as f64
    } else {
        spacing
    };
    Ok(World { items, cuts, width })
}

/// The population: each reported category equally likely; uniform within a
/// bounded level; a half-normal one width wide below level 1; the top level
/// flat for one width, then a half-normal tail (the scorer's prior shape,
/// on the true scale).
fn draw_ability(w: &World, rng: &mut ChaCha8Rng) -> (usize, f64) {
    let top = w.cuts.len();
    let c = rng.random_range(0..=top);
    let theta = if c == 0 {
        w.cuts[0] - (w.width * normal(rng)).abs()
    } else if c == top {
        let flat = 1.0 / (1.0 + (std::f64::consts::PI / 2.0).sqrt());
        if rng.random::<f64>() < flat {
            w.cuts[top - 1] + w.width * rng.random::<f64>()
        } else {
            w.cuts[top - 1] + w.width + (w.width * normal(rng)).abs()
        }
    } else {
        w.cuts[c - 1] + (w.cuts[c] - w.cuts[c - 1]) * rng.random::<f64>()
    };
    (category(&w.cuts, theta), theta)
}

/// The log density of that population on the true scale (for the oracle).
fn log_population(w: &World, theta: f64) -> f64 {
    let top = w.cuts.len();
    let c = category(&w.cuts, theta);
    let half_normal = |x: f64| {
        -0.5 * (x / w.width).powi(2) - (w.width * (std::f64::consts::PI / 2.0).sqrt()).ln()
    };
    if c == 0 {
        half_normal(w.cuts[0] - theta)
    } else if c == top {
        let flat = 1.0 / (1.0 + (std::f64::consts::PI / 2.0).sqrt());
        let end = w.cuts[top - 1] + w.width;
        if theta <= end {
            (flat / w.width).ln()
        } else {
            (1.0 - flat).ln() + half_normal(theta - end)
        }
    } else {
        -(w.cuts[c] - w.cuts[c - 1]).ln()
    }
}

/// The oracle's verdict: the most probable category under the true item
/// parameters and the true population.
fn oracle_level(w: &World, answered: &[(TrueItem, f64)], grid: &[f64], log_prior: &[f64]) -> usize {
    let top = w.cuts.len();
    let mut lp: Vec<f64> = log_prior.to_vec();
    for (item, x) in answered {
        for (g, &t) in grid.iter().enumerate() {
            let p = item.p(t).clamp(1e-12, 1.0 - 1e-12);
            lp[g] += x * p.ln() + (1.0 - x) * (1.0 - p).ln();
        }
    }
    let max = lp.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut masses = vec![0.0; top + 1];
    for (g, &t) in grid.iter().enumerate() {
        masses[category(&w.cuts, t)] += (lp[g] - max).exp();
    }
    let mut best = 0;
    for (c, &m) in masses.iter().enumerate() {
        if m > masses[best] {
            best = c;
        }
    }
    best
}

/// The answer a candidate gives: the key if right, else a wrong answer (a
/// distractor, or a wrong set for select-all questions).
fn answer(q: &QuestionContent, right: bool, rng: &mut ChaCha8Rng) -> Vec<String> {
    let key: Vec<String> = q
        .options
        .iter()
        .filter(|o| o.correct)
        .map(|o| o.id.clone())
        .collect();
    if right {
        return key;
    }
    match q.kind {
        QuestionKind::Single | QuestionKind::TrueFalse => {
            let wrong: Vec<&String> = q
                .options
                .iter()
                .filter(|o| !o.correct)
                .map(|o| &o.id)
                .collect();
            vec![wrong[rng.random_range(0..wrong.len())].clone()]
        }
        QuestionKind::Multiple => loop {
            let k = q.options.len().min(16);
            let mask: u32 = rng.random_range(1..(1u32 << k));
            let set: Vec<String> = (0..k)
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| q.options[i].id.clone())
                .collect();
            if set != key {
                break set;
            }
        },
    }
}

/// One simulated sitting: (rung's verdict, oracle's category).
struct Sitting {
    verdict: crate::domain::report::Verdict,
    oracle: usize,
}

#[allow(clippy::too_many_arguments)]
fn sit(
    bank: &Bank,
    quiz: &QuizContent,
    calibration: &Calibration,
    scorer: &Scorer<'_>,
    w: &World,
    truth: &Truth,
    theta: f64,
    grid: &[f64],
    log_prior: &[f64],
    rng: &mut ChaCha8Rng,
) -> Result<(Sitting, usize), SimulationError> {
    let items = form::draw(bank, quiz, rng.random())?;
    let late = rng.random::<f64>() < truth.not_reaching;
    let missed = if late && truth.not_reached_max > 0 {
        rng.random_range(1..=truth.not_reached_max).min(items.len())
    } else {
        0
    };
    let mut answers: Vec<Option<Vec<String>>> = Vec::with_capacity(items.len());
    let mut oracle_obs = Vec::with_capacity(items.len());
    for (pos, it) in items.iter().enumerate() {
        if pos >= items.len() - missed {
            answers.push(None);
            continue;
        }
        let t = w.items[&it.question.hash];
        let right = rng.random::<f64>() < t.p(theta);
        let chosen = answer(&it.question, right, rng);
        if it.scored {
            let credit = super::credit(&it.question, Some(&chosen), quiz.scoring.multiple);
            oracle_obs.push((t, credit));
        }
        answers.push(Some(chosen));
    }
    let answered: Vec<bool> = answers.iter().map(Option::is_some).collect();
    let unreached = not_reached(&answered, late);
    let models: Vec<ItemModel> = items
        .iter()
        .map(|it| {
            item_model(
                &it.question,
                &it.question.hash,
                calibration,
                quiz.scoring.multiple,
                &scorer.model.scale,
            )
        })
        .collect();
    let responses: Vec<Response<'_>> = items
        .iter()
        .zip(&answers)
        .zip(&models)
        .zip(&unreached)
        .map(|(((it, sel), m), &nr)| Response {
            question: &it.question.content,
            selected: sel.as_deref(),
            scored: it.scored,
            reached: !nr,
            item: *m,
        })
        .collect();
    let verdict = score_with(&responses, quiz.scoring.multiple, scorer).verdict;
    let oracle = oracle_level(w, &oracle_obs, grid, log_prior);
    let scored = items.iter().filter(|i| i.scored).count();
    Ok((Sitting { verdict, oracle }, scored))
}

/// How many independent true worlds a scenario that draws its spacing from
/// the prior averages over.
pub const WORLDS: usize = 8;

/// Simulate `candidates` candidates of `quiz` in the world `truth`, each
/// taking two independent forms (for consistency), scored by rung with
/// `calibration` (none: the authored levels) and by the oracle.
pub fn simulate(
    bank: &Bank,
    quiz: &QuizContent,
    calibration: &Calibration,
    truth: &Truth,
    candidates: usize,
    seed: u64,
) -> Result<SimulationResult, SimulationError> {
    let model = quiz_model(bank, quiz, calibration)?;
    let scorer = Scorer::new(&model);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let top = bank.ladder.top() as usize;
    let worlds = if truth.spacing.is_none() { WORLDS } else { 1 };
    let mut per_level = vec![(0usize, 0usize, 0usize); top + 1];
    let (mut exact, mut within, mut consistent) = (0usize, 0usize, 0usize);
    let (mut o_exact, mut o_within, mut o_consistent) = (0usize, 0usize, 0usize);
    let (mut covered, mut band_sum, mut conf_sum, mut flagged) = (0usize, 0.0, 0.0, 0usize);
    let bins: Vec<(f64, f64)> = (0..8)
        .map(|i| {
            (
                0.2 + 0.1 * i as f64,
                if i == 7 { 1.0001 } else { 0.3 + 0.1 * i as f64 },
            )
        })
        .collect();
    let mut bin_acc = vec![(0usize, 0.0, 0usize); bins.len()];
    let mut verdict_acc = vec![(0usize, 0.0, 0usize); top + 1];
    let mut questions = 0;
    let mut done = 0;
    for k in 0..worlds {
        let spacing = truth.spacing.unwrap_or_else(|| {
            // An equal-mass quantile of the prior, one per world.
            let z = irt::normal_quantile((k as f64 + 0.5) / worlds as f64);
            (SPACING_MEDIAN.ln() + SPACING_LOG_SD * z).exp()
        });
        let w = world(bank, quiz, truth, spacing, &mut rng)?;
        let (lo, hi) = (
            w.cuts[0] - 5.0 * w.width,
            w.cuts[w.cuts.len() - 1] + 6.0 * w.width,
        );
        let grid: Vec<f64> = (0..irt::GRID)
            .map(|i| lo + (hi - lo) * i as f64 / (irt::GRID - 1) as f64)
            .collect();
        let log_prior: Vec<f64> = grid.iter().map(|&t| log_population(&w, t)).collect();
        let n = candidates / worlds + usize::from(k < candidates % worlds);
        for _ in 0..n {
            let (level, theta) = draw_ability(&w, &mut rng);
            let (a, q) = sit(
                bank,
                quiz,
                calibration,
                &scorer,
                &w,
                truth,
                theta,
                &grid,
                &log_prior,
                &mut rng,
            )?;
            let (b, _) = sit(
                bank,
                quiz,
                calibration,
                &scorer,
                &w,
                truth,
                theta,
                &grid,
                &log_prior,
                &mut rng,
            )?;
            questions = q;
            done += 1;
            let v = &a.verdict;
            let got = usize::from(v.level);
            let hit = got == level;
            let near = got.abs_diff(level) <= 1;
            exact += usize::from(hit);
            within += usize::from(near);
            consistent += usize::from(v.level == b.verdict.level);
            o_exact += usize::from(a.oracle == level);
            o_within += usize::from(a.oracle.abs_diff(level) <= 1);
            o_consistent += usize::from(a.oracle == b.oracle);
            covered +=
                usize::from(usize::from(v.band_low) <= level && level <= usize::from(v.band_high));
            band_sum += f64::from(v.band_high - v.band_low + 1);
            conf_sum += v.confidence;
            flagged += usize::from(v.person_fit.as_ref().is_some_and(|f| f.flagged));
            if let Some(i) = bins
                .iter()
                .position(|(lo, hi)| v.confidence >= *lo && v.confidence < *hi)
            {
                bin_acc[i].0 += 1;
                bin_acc[i].1 += v.confidence;
                bin_acc[i].2 += usize::from(hit);
            }
            let va = &mut verdict_acc[got.min(top)];
            va.0 += 1;
            va.1 += v.confidence;
            va.2 += usize::from(hit);
            let slot = &mut per_level[level];
            slot.0 += 1;
            slot.1 += usize::from(hit);
            slot.2 += usize::from(near);
        }
    }
    let n = done.max(1) as f64;
    let share = |x: usize| x as f64 / n;
    Ok(SimulationResult {
        quiz_id: quiz.id.clone(),
        truth: truth.name.to_string(),
        questions,
        candidates: done,
        rung: Accuracy {
            exact: share(exact),
            within_one: share(within),
            consistency: share(consistent),
        },
        oracle: Accuracy {
            exact: share(o_exact),
            within_one: share(o_within),
            consistency: share(o_consistent),
        },
        mean_confidence: conf_sum / n,
        mean_band_levels: band_sum / n,
        band_coverage: share(covered),
        calibration: bins
            .iter()
            .zip(&bin_acc)
            .map(|(&(low, high), &(count, stated, right))| CalibrationBin {
                low,
                high: high.min(1.0),
                candidates: count,
                stated: if count > 0 {
                    stated / count as f64
                } else {
                    0.0
                },
                actual: if count > 0 {
                    right as f64 / count as f64
                } else {
                    0.0
                },
            })
            .collect(),
        by_level: per_level
            .into_iter()
            .enumerate()
            .map(|(l, (c, e, w))| LevelAccuracy {
                level: l as u8,
                candidates: c,
                exact: if c > 0 { e as f64 / c as f64 } else { 0.0 },
                within_one: if c > 0 { w as f64 / c as f64 } else { 0.0 },
            })
            .collect(),
        by_verdict: verdict_acc
            .iter()
            .enumerate()
            .map(|(l, &(count, stated, right))| CalibrationBin {
                low: l as f64,
                high: l as f64,
                candidates: count,
                stated: if count > 0 {
                    stated / count as f64
                } else {
                    0.0
                },
                actual: if count > 0 {
                    right as f64 / count as f64
                } else {
                    0.0
                },
            })
            .collect(),
        person_fit_flagged: share(flagged),
    })
}

/// The quiz with `per_level` questions at each measured level, spread over
/// its topics in turn (for the accuracy-versus-length table). None if the
/// bank cannot supply them.
pub fn scaled(bank: &Bank, quiz: &QuizContent, per_level: u32) -> Option<QuizContent> {
    let mut topics: Vec<String> = quiz.draws.iter().map(|d| d.topic.clone()).collect();
    topics.sort();
    topics.dedup();
    if topics.is_empty() {
        return None;
    }
    let mut draws = Vec::new();
    for level in bank.ladder.measured() {
        for (k, topic) in topics.iter().enumerate() {
            // Rotate which topics get the extra questions from level to level.
            let start = level.index() % topics.len();
            let rank = (k + topics.len() - start) % topics.len();
            let count = per_level / topics.len() as u32
                + u32::from((rank as u32) < per_level % topics.len() as u32);
            if count == 0 {
                continue;
            }
            if bank.available(quiz, topic, level) < count as usize {
                return None;
            }
            draws.push(Draw {
                topic: topic.clone(),
                level,
                count,
            });
        }
    }
    Some(QuizContent {
        id: format!("{}-{per_level}-per-level", quiz.id),
        draws,
        ..quiz.clone()
    })
}

/// The verdicts a scorer gives to fixed answer sheets: for `forms` forms of
/// `quiz`, the answers `answerer` picks (seeing only what a candidate sees),
/// scored as a submitted attempt. Returns how many forms got each verdict
/// level (index 0 = below level 1).
pub fn verdicts_of(
    bank: &Bank,
    quiz: &QuizContent,
    forms: usize,
    seed: u64,
    answerer: impl Fn(&QuestionContent, &[String]) -> Vec<String>,
) -> Result<Vec<usize>, SimulationError> {
    let model = quiz_model(bank, quiz, &Calibration::new())?;
    let scorer = Scorer::new(&model);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut counts = vec![0usize; model.top() + 1];
    for _ in 0..forms {
        let items = form::draw(bank, quiz, rng.random())?;
        let answers: Vec<Vec<String>> = items
            .iter()
            .map(|it| answerer(&it.question, &it.option_order))
            .collect();
        let scale: &Scale = &model.scale;
        let responses: Vec<Response<'_>> = items
            .iter()
            .zip(&answers)
            .map(|(it, a)| Response {
                question: &it.question.content,
                selected: Some(a.as_slice()),
                scored: it.scored,
                reached: true,
                item: item_model(
                    &it.question,
                    &it.question.hash,
                    &Calibration::new(),
                    quiz.scoring.multiple,
                    scale,
                ),
            })
            .collect();
        let v = score_with(&responses, quiz.scoring.multiple, &scorer).verdict;
        counts[usize::from(v.level)] += 1;
    }
    Ok(counts)
}
