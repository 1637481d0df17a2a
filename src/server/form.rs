//! Drawing a candidate's form from a quiz definition. Pure and reproducible:
//! the same bank, quiz and seed always give the same form.

use super::bank::{Bank, Question, QuizContent};
use rand::seq::{IndexedRandom, SliceRandom};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

/// One question as served in an attempt.
#[derive(Debug, Clone)]
pub struct FormItem {
    pub question: Arc<Question>,
    /// Option ids in the order the candidate sees them.
    pub option_order: Vec<String>,
    /// False for pilot questions: served and recorded, never scored.
    pub scored: bool,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DrawError {
    #[error("quiz `{quiz}` needs {needed} questions of topic `{topic}` at level {level}, the bank holds {available}")]
    NotEnough {
        quiz: String,
        topic: String,
        level: u8,
        needed: u32,
        available: usize,
    },
    #[error("pilot question `{0}` is not in the bank")]
    MissingPilot(String),
}

/// Draw a form: for each cell, `count` distinct questions chosen uniformly
/// at random; then pilot questions; then the order and each question's
/// options shuffled if the quiz says so (pinned options keep their place).
pub fn draw(bank: &Bank, quiz: &QuizContent, seed: u64) -> Result<Vec<FormItem>, DrawError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut picked: Vec<(Arc<Question>, bool)> = Vec::new();
    for d in &quiz.draws {
        let pool: Vec<&Arc<Question>> = bank
            .cell(&d.topic, d.level)
            .filter(|q| !quiz.pilot.contains(&q.id))
            .collect();
        if pool.len() < d.count as usize {
            return Err(DrawError::NotEnough {
                quiz: quiz.id.clone(),
                topic: d.topic.clone(),
                level: d.level.get(),
                needed: d.count,
                available: pool.len(),
            });
        }
        for q in pool.choose_multiple(&mut rng, d.count as usize) {
            picked.push((Arc::clone(q), true));
        }
    }
    for id in &quiz.pilot {
        let q = bank
            .question(id)
            .ok_or_else(|| DrawError::MissingPilot(id.clone()))?;
        picked.push((Arc::clone(q), false));
    }
    if quiz.shuffle_questions {
        picked.shuffle(&mut rng);
    }
    Ok(picked
        .into_iter()
        .map(|(question, scored)| {
            let option_order = option_order(&question, quiz.shuffle_options, &mut rng);
            FormItem {
                question,
                option_order,
                scored,
            }
        })
        .collect())
}

/// Shuffle the unpinned options among the unpinned positions.
fn option_order(q: &Question, shuffle: bool, rng: &mut ChaCha8Rng) -> Vec<String> {
    let mut ids: Vec<String> = q.options.iter().map(|o| o.id.clone()).collect();
    if !shuffle {
        return ids;
    }
    let free: Vec<usize> = (0..ids.len()).filter(|&i| !q.options[i].pinned).collect();
    let mut moving: Vec<String> = free.iter().map(|&i| ids[i].clone()).collect();
    moving.shuffle(rng);
    for (slot, id) in free.into_iter().zip(moving) {
        ids[slot] = id;
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::bank::load_files;
    use std::path::{Path, PathBuf};

    pub(crate) fn sample_bank() -> Bank {
        let mut questions = String::new();
        for level in 1..=2 {
            for n in 0..4 {
                questions.push_str(&format!(
                    r#"
[[question]]
id = "q-{level}-{n}"
topic = "pki"
level = {level}
kind = "single"
prompt = "Question {level}-{n}?"
explanation = "Because."
references = ["https://example.org"]
options = [
  {{ id = "a", text = "A{n}", correct = true }},
  {{ id = "b", text = "B{n}" }},
  {{ id = "c", text = "C{n}" }},
  {{ id = "none", text = "None of the above", pinned = true }},
]
"#
                ));
            }
        }
        let quiz = r#"
id = "t"
title = "Test"
duration_minutes = 25
draw = [{ topic = "pki", level = 1, count = 2 }, { topic = "pki", level = 2, count = 3 }]
"#;
        let root = Path::new("/bank");
        let loaded = load_files(
            root,
            vec![
                (
                    PathBuf::from("/bank/topics.toml"),
                    "[[topic]]\nid = \"pki\"\nname = \"PKI\"\n".into(),
                ),
                (PathBuf::from("/bank/questions/pki.toml"), questions),
                (PathBuf::from("/bank/blueprints/t.toml"), quiz.into()),
            ],
        );
        assert!(loaded.is_ok(), "{}", loaded.report.render());
        loaded.bank
    }

    #[test]
    fn the_same_seed_draws_the_same_form() {
        let bank = sample_bank();
        let quiz = bank.quiz("t").unwrap();
        let ids = |seed| -> Vec<(String, Vec<String>)> {
            draw(&bank, quiz, seed)
                .unwrap()
                .into_iter()
                .map(|i| (i.question.id.clone(), i.option_order))
                .collect()
        };
        assert_eq!(ids(42), ids(42));
        let distinct: std::collections::HashSet<_> = (0..20).map(ids).collect();
        assert!(distinct.len() > 10, "different seeds give different forms");
    }

    #[test]
    fn a_form_follows_the_blueprint_counts_without_repeats() {
        let bank = sample_bank();
        let quiz = bank.quiz("t").unwrap();
        for seed in 0..50 {
            let form = draw(&bank, quiz, seed).unwrap();
            assert_eq!(form.len(), 5);
            let l1 = form.iter().filter(|i| i.question.level.get() == 1).count();
            assert_eq!(l1, 2);
            let mut ids: Vec<_> = form.iter().map(|i| i.question.id.clone()).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), 5);
        }
    }

    #[test]
    fn pinned_options_keep_their_place() {
        let bank = sample_bank();
        let quiz = bank.quiz("t").unwrap();
        for seed in 0..50 {
            for item in draw(&bank, quiz, seed).unwrap() {
                assert_eq!(item.option_order[3], "none");
                let mut sorted = item.option_order.clone();
                sorted.sort();
                assert_eq!(sorted, ["a", "b", "c", "none"]);
            }
        }
    }
}
