//! Item-writing checks: warnings about questions and quiz definitions that
//! load fine but measure badly. Errors are the loader's business.

use super::diag::{Diagnostic, Loc};
use super::model::{Bank, Question};
use crate::domain::QuestionKind;
use std::collections::{HashMap, HashSet};

/// Near-duplicate prompts: word 3-shingle Jaccard similarity at least this.
pub const NEAR_DUPLICATE: f64 = 0.8;
/// Correct-position skew: warn when a position's count is this many standard
/// deviations above its expectation.
pub const SKEW_Z: f64 = 3.0;
/// A blueprint cell is thin when a form draws more than this share of it.
pub const THIN_CELL: f64 = 0.5;

/// Every warning for a loaded bank, in no particular order.
pub fn check(bank: &Bank) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for q in &bank.questions {
        question_flaws(q, &mut out);
    }
    position_skew(bank, &mut out);
    near_duplicates(bank, &mut out);
    thin_cells(bank, &mut out);
    out
}

fn header(q: &Question) -> Option<Loc> {
    q.locs.as_ref().map(|l| l.header.clone())
}

fn option_loc(q: &Question, i: usize) -> Option<Loc> {
    q.locs.as_ref().and_then(|l| l.options.get(i).cloned())
}

fn catch_all(text: &str) -> bool {
    let t: String = text
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect();
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    [
        "all of the above",
        "none of the above",
        "all of these",
        "none of these",
        "all the above",
        "none of them",
        "all of them",
    ]
    .iter()
    .any(|p| t.starts_with(p) || t == *p)
}

fn question_flaws(q: &Question, out: &mut Vec<Diagnostic>) {
    let Some(at) = header(q) else { return };
    if q.explanation.trim().is_empty() {
        out.push(Diagnostic::warning(
            at.clone(),
            format!(
                "question `{}` has no explanation; recruiters read it when they review an answer",
                q.id
            ),
        ));
    }
    if q.references.is_empty() {
        out.push(Diagnostic::warning(
            at,
            format!("question `{}` has no references; add an OWASP, CWE or RFC link so reviewers can check the key", q.id),
        ));
    }
    for (i, o) in q.options.iter().enumerate() {
        if catch_all(&o.text) {
            if let Some(loc) = option_loc(q, i) {
                out.push(Diagnostic::warning(
                    loc,
                    "\"all/none of the above\" options reward test-taking tactics; write a specific option",
                ));
            }
        }
    }
    if q.kind == QuestionKind::Single && q.options.len() >= 3 {
        let len = |s: &str| s.trim().chars().count();
        let Some(ci) = q.options.iter().position(|o| o.correct) else {
            return;
        };
        let lc = len(&q.options[ci].text);
        let others: Vec<usize> = q
            .options
            .iter()
            .filter(|o| !o.correct)
            .map(|o| len(&o.text))
            .collect();
        let max = others.iter().copied().max().unwrap_or(0);
        let mean = others.iter().sum::<usize>() as f64 / others.len().max(1) as f64;
        if lc > max && lc as f64 >= 1.5 * mean && lc - max >= 12 {
            if let Some(loc) = option_loc(q, ci) {
                out.push(Diagnostic::warning(
                    loc,
                    format!(
                        "the correct option is much longer than the distractors ({lc} characters, they have at most {max}); candidates learn to pick the longest"
                    ),
                ));
            }
        }
    }
}

/// Where correct answers sit in the authored order of single-answer
/// questions: a position holding far more than its share is a habit that
/// candidates can exploit whenever options are not shuffled.
fn position_skew(bank: &Bank, out: &mut Vec<Diagnostic>) {
    let singles: Vec<(&Question, usize)> = bank
        .questions
        .iter()
        .filter(|q| q.kind == QuestionKind::Single && q.options.len() >= 3)
        .filter_map(|q| {
            q.options
                .iter()
                .position(|o| o.correct && !o.pinned)
                .map(|i| (q.as_ref(), i))
        })
        .collect();
    if singles.len() < 12 {
        return;
    }
    let positions = singles
        .iter()
        .map(|(q, _)| q.options.len())
        .max()
        .unwrap_or(0);
    for p in 0..positions {
        let observed = singles.iter().filter(|(_, i)| *i == p).count() as f64;
        let (mut expected, mut variance) = (0.0, 0.0);
        for (q, _) in &singles {
            if p < q.options.len() {
                let share = 1.0 / q.options.len() as f64;
                expected += share;
                variance += share * (1.0 - share);
            }
        }
        if variance <= 0.0 {
            continue;
        }
        let z = (observed - expected) / variance.sqrt();
        if z >= SKEW_Z {
            let first = singles
                .iter()
                .find(|(_, i)| *i == p)
                .and_then(|(q, i)| option_loc(q, *i));
            if let Some(loc) = first {
                out.push(Diagnostic::warning(
                    loc,
                    format!(
                        "correct answers are skewed to option position {}: {} of {} single-answer questions put it there (about {:.0} expected); vary where the correct option is written",
                        p + 1,
                        observed as usize,
                        singles.len(),
                        expected
                    ),
                ));
            }
        }
    }
}

fn normalized_words(prompt: &str) -> Vec<String> {
    let lower = prompt.to_lowercase();
    let words: Vec<String> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    match words.as_slice() {
        [t, o, f, rest @ ..] if t == "true" && o == "or" && f == "false" => rest.to_vec(),
        _ => words,
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The set of word 3-shingles of a prompt, hashed and sorted.
fn shingles(prompt: &str) -> Vec<u64> {
    let words = normalized_words(prompt);
    let mut set: Vec<u64> = if words.len() < 3 {
        vec![fnv1a(words.join(" ").as_bytes())]
    } else {
        words
            .windows(3)
            .map(|w| fnv1a(w.join(" ").as_bytes()))
            .collect()
    };
    set.sort_unstable();
    set.dedup();
    set
}

fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - both;
    if union == 0 {
        1.0
    } else {
        both as f64 / union as f64
    }
}

/// Near-duplicate prompts, found with MinHash and banded locality-sensitive
/// hashing (32 hashes in 8 bands of 4), then confirmed by exact Jaccard
/// similarity, so a bank of thousands is checked in linear time.
fn near_duplicates(bank: &Bank, out: &mut Vec<Diagnostic>) {
    const HASHES: usize = 32;
    const ROWS: usize = 4;
    let sets: Vec<Vec<u64>> = bank.questions.iter().map(|q| shingles(&q.prompt)).collect();
    let mut buckets: HashMap<(usize, u64), Vec<usize>> = HashMap::new();
    for (qi, set) in sets.iter().enumerate() {
        let mut sig = [u64::MAX; HASHES];
        for &s in set {
            for (k, slot) in sig.iter_mut().enumerate() {
                let h = splitmix(s ^ (k as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
                if h < *slot {
                    *slot = h;
                }
            }
        }
        for (band, rows) in sig.chunks(ROWS).enumerate() {
            let key = rows.iter().fold(0u64, |acc, &r| splitmix(acc ^ r));
            buckets.entry((band, key)).or_default().push(qi);
        }
    }
    let mut pairs: HashSet<(usize, usize)> = HashSet::new();
    for members in buckets.values() {
        for (x, &a) in members.iter().enumerate() {
            for &b in &members[x + 1..] {
                pairs.insert((a.min(b), a.max(b)));
            }
        }
    }
    let mut pairs: Vec<(usize, usize)> = pairs.into_iter().collect();
    pairs.sort_unstable();
    for (a, b) in pairs {
        let sim = jaccard(&sets[a], &sets[b]);
        if sim < NEAR_DUPLICATE {
            continue;
        }
        let (qa, qb) = (&bank.questions[a], &bank.questions[b]);
        let (Some(la), Some(lb)) = (qa.locs.as_ref(), qb.locs.as_ref()) else {
            continue;
        };
        let what = if sim >= 0.999 {
            "the same prompt as"
        } else {
            "nearly the same prompt as"
        };
        out.push(
            Diagnostic::warning(
                lb.prompt.clone(),
                format!(
                    "question `{}` has {what} `{}` ({:.0}% of word triples shared)",
                    qb.id,
                    qa.id,
                    sim * 100.0
                ),
            )
            .with_note(la.prompt.clone(), format!("`{}` is here", qa.id)),
        );
    }
}

/// Cells a quiz draws most of: candidates would get nearly the same form.
fn thin_cells(bank: &Bank, out: &mut Vec<Diagnostic>) {
    for quiz in &bank.quizzes {
        for (draw, loc) in quiz.draws.iter().zip(&quiz.draw_locs) {
            let available = bank.available(quiz, &draw.topic, draw.level);
            if available == 0 || draw.count as usize > available {
                continue; // an error, reported by the loader
            }
            let share = f64::from(draw.count) / available as f64;
            if share > THIN_CELL {
                let msg = if draw.count as usize == available {
                    format!(
                        "quiz `{}` draws all {available} questions of `{}` at level {}: every candidate gets the same ones; add questions to this cell",
                        quiz.id, draw.topic, draw.level
                    )
                } else {
                    format!(
                        "quiz `{}` draws {} of only {available} questions of `{}` at level {}: two candidates share {:.0}% of this cell on average; add questions or draw fewer",
                        quiz.id,
                        draw.count,
                        draw.topic,
                        draw.level,
                        share * 100.0
                    )
                };
                out.push(Diagnostic::warning(loc.clone(), msg));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catch_all_options_are_recognised() {
        assert!(catch_all("None of the above"));
        assert!(catch_all("all of the above."));
        assert!(catch_all("**All** of these"));
        assert!(!catch_all("None of the requests are logged"));
        assert!(!catch_all("Above all, rotate keys"));
    }

    #[test]
    fn jaccard_of_shingle_sets() {
        let a = shingles("Which header stops clickjacking on this page?");
        let b = shingles("Which header stops clickjacking on this page?");
        let c = shingles("Which cookie attribute stops cross-site request forgery?");
        assert_eq!(jaccard(&a, &b), 1.0);
        assert!(jaccard(&a, &c) < 0.2);
        // "True or false:" does not make two prompts similar.
        let t1 = shingles("True or false: passwords should be hashed with bcrypt");
        let t2 = shingles("True or false: OCSP stapling hides browsing from the CA");
        assert_eq!(jaccard(&t1, &t2), 0.0);
    }
}
