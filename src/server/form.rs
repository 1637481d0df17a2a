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
    #[error("quiz `{quiz}`: the exclusion groups leave too few questions of topic `{topic}` at level {level} for a form")]
    Groups {
        quiz: String,
        topic: String,
        level: u8,
    },
}

/// How many times a form is redrawn when exclusion groups leave a cell
/// short (possible only for cells the linter warns about).
const ATTEMPTS: usize = 50;

/// Draw a form: for each cell, `count` distinct questions chosen uniformly
/// at random, never two of one exclusion group on the form; then pilot
/// questions; then the order and each question's options shuffled if the
/// quiz says so (pinned options keep their place).
pub fn draw(bank: &Bank, quiz: &QuizContent, seed: u64) -> Result<Vec<FormItem>, DrawError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut pilots: Vec<Arc<Question>> = Vec::new();
    for id in &quiz.pilot {
        let q = bank
            .question(id)
            .ok_or_else(|| DrawError::MissingPilot(id.clone()))?;
        pilots.push(Arc::clone(q));
    }
    let mut short = None;
    let mut picked = None;
    for _ in 0..ATTEMPTS {
        match draw_cells(bank, quiz, &pilots, &mut rng)? {
            Ok(p) => {
                picked = Some(p);
                break;
            }
            Err(cell) => short = Some(cell),
        }
    }
    let Some(mut picked) = picked else {
        let (topic, level) = short.unwrap_or_default();
        return Err(DrawError::Groups {
            quiz: quiz.id.clone(),
            topic,
            level,
        });
    };
    picked.extend(pilots.into_iter().map(|q| (q, false)));
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

type Picked = Vec<(Arc<Question>, bool)>;

/// One try at the scored questions of a form. The outer error is a cell
/// the bank cannot fill at all; the inner one a cell the exclusion groups
/// left short on this try (topic, level).
fn draw_cells(
    bank: &Bank,
    quiz: &QuizContent,
    pilots: &[Arc<Question>],
    rng: &mut ChaCha8Rng,
) -> Result<Result<Picked, (String, u8)>, DrawError> {
    let mut taken: Vec<&str> = pilots.iter().filter_map(|q| q.group.as_deref()).collect();
    let mut picked: Picked = Vec::new();
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
        let mut free: Vec<&Arc<Question>> = pool
            .into_iter()
            .filter(|q| q.group.as_deref().is_none_or(|g| !taken.contains(&g)))
            .collect();
        for _ in 0..d.count {
            let Some(&q) = free.choose(rng) else {
                return Ok(Err((d.topic.clone(), d.level.get())));
            };
            if let Some(g) = q.group.as_deref() {
                taken.push(g);
                free.retain(|o| o.group.as_deref() != Some(g));
            } else {
                free.retain(|o| !Arc::ptr_eq(o, q));
            }
            picked.push((Arc::clone(q), true));
        }
    }
    Ok(Ok(picked))
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

    pub(crate) const LADDER: &str = r#"
name = "Test"
[[level]]
number = 1
name = "One"
measured = true
security_knowledge = "Knows."
[[level]]
number = 2
name = "Two"
measured = true
threat_fluency = "Attacks."
[[level]]
number = 3
name = "Three"
measured = false
"#;

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
                (PathBuf::from("/bank/ladder.toml"), LADDER.into()),
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

    #[test]
    fn two_questions_of_one_group_never_share_a_form() {
        let mut questions = String::new();
        for n in 0..6 {
            let group = if n < 3 { "group = \"samesite\"\n" } else { "" };
            questions.push_str(&format!(
                "[[question]]\nid = \"g-{n}\"\ntopic = \"pki\"\nlevel = 1\nkind = \"single\"\n{group}prompt = \"Grouped question number {n} about a thing?\"\nexplanation = \"x\"\nreferences = [\"https://example.org\"]\noptions = [{{ id = \"a\", text = \"A{n}\", correct = true }}, {{ id = \"b\", text = \"B{n}\" }}]\n\n"
            ));
        }
        let quiz = "id = \"t\"\ntitle = \"T\"\nduration_minutes = 25\ndraw = [{ topic = \"pki\", level = 1, count = 4 }]\n";
        let loaded = load_files(
            Path::new("/bank"),
            vec![
                (PathBuf::from("/bank/ladder.toml"), LADDER.into()),
                (
                    PathBuf::from("/bank/topics.toml"),
                    "[[topic]]\nid = \"pki\"\nname = \"PKI\"\n".into(),
                ),
                (PathBuf::from("/bank/questions/g.toml"), questions),
                (PathBuf::from("/bank/blueprints/t.toml"), quiz.into()),
            ],
        );
        assert!(loaded.is_ok(), "{}", loaded.report.render());
        let bank = loaded.bank;
        let quiz = bank.quiz("t").unwrap();
        let mut seen = std::collections::HashSet::new();
        for seed in 0..200 {
            let form = draw(&bank, quiz, seed).unwrap();
            assert_eq!(form.len(), 4);
            let grouped = form
                .iter()
                .filter(|i| i.question.group.as_deref() == Some("samesite"))
                .count();
            assert_eq!(grouped, 1, "seed {seed}");
            seen.extend(form.iter().map(|i| i.question.id.clone()));
        }
        // Each grouped question still gets its turn.
        assert_eq!(seen.len(), 6);
    }
}
