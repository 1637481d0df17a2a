//! Simulated candidates, to measure how often the verdict is right.
//!
//! Each simulated candidate gets a true level, 1 to 6 with equal chances,
//! and an ability drawn uniformly within that level's band on the scale. Its
//! form is drawn exactly as a real attempt's is. For each question, it knows
//! the answer with probability σ(θ − b) and then answers it right;
//! otherwise it guesses: one random option (a random non-empty set of
//! options for select-all-that-apply). The answers are scored by the real
//! scoring code, and the verdict is compared with the true level.

use super::irt::{self, CutPoints};
use super::{item_params, quiz_cut_points, score, AttemptScoring, Calibration, Response};
use crate::domain::{Level, QuestionKind};
use crate::server::bank::model::Draw;
use crate::server::bank::{Bank, QuizContent};
use crate::server::form;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Debug, Clone, PartialEq)]
pub struct LevelAccuracy {
    pub candidates: usize,
    pub exact: f64,
    pub within_one: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SimulationResult {
    pub quiz_id: String,
    pub questions: usize,
    pub candidates: usize,
    pub exact: f64,
    pub within_one: f64,
    /// Mean number of levels in the 90% band.
    pub mean_band_levels: f64,
    pub mean_standard_error: f64,
    /// How often the true level lies inside the 90% band.
    pub band_coverage: f64,
    pub by_level: Vec<LevelAccuracy>,
}

#[derive(Debug, thiserror::Error)]
pub enum SimulationError {
    #[error("{0}")]
    Cuts(#[from] irt::CutError),
    #[error("{0}")]
    Draw(#[from] form::DrawError),
}

/// A uniform ability within a level's band.
fn ability_in(level: u8, cuts: &CutPoints, rng: &mut ChaCha8Rng) -> f64 {
    let lo = cuts.0[level as usize - 1];
    let hi = if level == 6 {
        cuts.top()
    } else {
        cuts.0[level as usize]
    };
    lo + (hi - lo) * rng.random::<f64>()
}

pub fn simulate(
    bank: &Bank,
    quiz: &QuizContent,
    calibration: &Calibration,
    candidates: usize,
    seed: u64,
) -> Result<SimulationResult, SimulationError> {
    let cuts = quiz_cut_points(bank, quiz, calibration)?;
    let scoring = AttemptScoring {
        policy: quiz.scoring.clone(),
        cuts: cuts.clone(),
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut per_level = vec![(0usize, 0usize, 0usize); 6];
    let (mut exact, mut within, mut covered) = (0usize, 0usize, 0usize);
    let (mut band_sum, mut se_sum) = (0.0, 0.0);
    let mut questions = 0;
    for _ in 0..candidates {
        let level: u8 = rng.random_range(1..=6);
        let theta = ability_in(level, &cuts, &mut rng);
        let items = form::draw(bank, quiz, rng.random())?;
        questions = items.iter().filter(|i| i.scored).count();
        let mut answers: Vec<Option<Vec<String>>> = Vec::with_capacity(items.len());
        let mut params = Vec::with_capacity(items.len());
        for it in &items {
            let q = &it.question;
            let p = item_params(q, &it.question.hash, calibration, quiz.scoring.multiple);
            let knows = rng.random::<f64>() < irt::sigmoid(theta - p.difficulty);
            let chosen: Vec<String> = if knows {
                q.options
                    .iter()
                    .filter(|o| o.correct)
                    .map(|o| o.id.clone())
                    .collect()
            } else if q.kind == QuestionKind::Multiple {
                let k = q.options.len().min(16);
                let mask: u32 = rng.random_range(1..(1u32 << k));
                (0..k)
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| q.options[i].id.clone())
                    .collect()
            } else {
                vec![q.options[rng.random_range(0..q.options.len())].id.clone()]
            };
            answers.push(Some(chosen));
            params.push(p);
        }
        let responses: Vec<Response<'_>> = items
            .iter()
            .zip(&answers)
            .zip(&params)
            .map(|((it, sel), p)| Response {
                question: &it.question.content,
                selected: sel.as_deref(),
                scored: it.scored,
                params: *p,
            })
            .collect();
        let v = score(&responses, &scoring).verdict;
        let hit = v.level == level;
        let near = v.level.abs_diff(level) <= 1;
        exact += usize::from(hit);
        within += usize::from(near);
        covered += usize::from(v.band_low <= level && level <= v.band_high);
        band_sum += f64::from(v.band_high - v.band_low + 1);
        se_sum += v.standard_error;
        let slot = &mut per_level[level as usize - 1];
        slot.0 += 1;
        slot.1 += usize::from(hit);
        slot.2 += usize::from(near);
    }
    let n = candidates.max(1) as f64;
    Ok(SimulationResult {
        quiz_id: quiz.id.clone(),
        questions,
        candidates,
        exact: exact as f64 / n,
        within_one: within as f64 / n,
        mean_band_levels: band_sum / n,
        mean_standard_error: se_sum / n,
        band_coverage: covered as f64 / n,
        by_level: per_level
            .into_iter()
            .map(|(c, e, w)| LevelAccuracy {
                candidates: c,
                exact: if c > 0 { e as f64 / c as f64 } else { 0.0 },
                within_one: if c > 0 { w as f64 / c as f64 } else { 0.0 },
            })
            .collect(),
    })
}

/// The quiz with `per_level` questions at each level, spread over its
/// topics in turn (for the accuracy-versus-length table). None if the bank
/// cannot supply them.
pub fn scaled(bank: &Bank, quiz: &QuizContent, per_level: u32) -> Option<QuizContent> {
    let mut topics: Vec<String> = quiz.draws.iter().map(|d| d.topic.clone()).collect();
    topics.sort();
    topics.dedup();
    if topics.is_empty() {
        return None;
    }
    let mut draws = Vec::new();
    for level in Level::all() {
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
