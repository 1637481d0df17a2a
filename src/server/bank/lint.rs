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
    groups(bank, &mut out);
    cue_statistics(bank, &mut out);
    out
}

/// The most questions an exclusion group should hold: a larger group
/// removes too many questions from each form's choice.
pub const MAX_GROUP: usize = 4;

/// Exclusion groups: a group of one excludes nothing (a sibling probably
/// lacks the key, or it is misspelt); a large group thins every cell it
/// touches; and a quiz must be able to fill every cell whatever the other
/// cells drew.
fn groups(bank: &Bank, out: &mut Vec<Diagnostic>) {
    let mut members: HashMap<&str, Vec<&Question>> = HashMap::new();
    for q in &bank.questions {
        if let Some(g) = q.group.as_deref() {
            members.entry(g).or_default().push(q);
        }
    }
    let mut names: Vec<&&str> = members.keys().collect();
    names.sort();
    for g in names {
        let qs = &members[*g];
        let Some(at) = header(qs[0]) else { continue };
        if qs.len() == 1 {
            out.push(Diagnostic::warning(
                at,
                format!(
                    "group `{g}` has only question `{}`: a group keeps its questions off one form, so give its sibling the same group or remove the key",
                    qs[0].id
                ),
            ));
        } else if qs.len() > MAX_GROUP {
            let ids: Vec<&str> = qs.iter().map(|q| q.id.as_str()).collect();
            out.push(Diagnostic::warning(
                at,
                format!(
                    "group `{g}` has {} questions ({}); more than {MAX_GROUP} thins every cell it touches: split it by what exactly cues what",
                    qs.len(),
                    ids.join(", ")
                ),
            ));
        }
    }
    // Per draw: the distinct choices a cell offers (a group counts once),
    // and, in the worst case, how many of its groups the other cells of the
    // form can take first.
    for quiz in &bank.quizzes {
        let total: u32 = quiz.draws.iter().map(|d| d.count).sum();
        for (draw, loc) in quiz.draws.iter().zip(&quiz.draw_locs) {
            let mut cell_groups: HashSet<&str> = HashSet::new();
            let mut classes = 0usize;
            for q in bank
                .cell(&draw.topic, draw.level)
                .filter(|q| !quiz.pilot.contains(&q.id))
            {
                match q.group.as_deref() {
                    Some(g) => {
                        if cell_groups.insert(g) {
                            classes += 1;
                        }
                    }
                    None => classes += 1,
                }
            }
            // Groups of this cell that other cells of the quiz also hold.
            let shared = cell_groups
                .iter()
                .filter(|g| {
                    members[**g].iter().any(|q| {
                        (q.topic != draw.topic || q.level != draw.level)
                            && quiz
                                .draws
                                .iter()
                                .any(|d| d.topic == q.topic && d.level == q.level)
                    })
                })
                .count();
            let blockable = shared.min((total - draw.count) as usize);
            let count = draw.count as usize;
            if classes < count {
                out.push(Diagnostic::warning(
                    loc.clone(),
                    format!(
                        "quiz `{}` draws {count} questions of `{}` at level {}, but its exclusion groups leave only {classes} that can share a form",
                        quiz.id, draw.topic, draw.level
                    ),
                ));
            } else if classes < count + blockable {
                out.push(Diagnostic::warning(
                    loc.clone(),
                    format!(
                        "quiz `{}`: `{}` at level {} offers {classes} distinct choices for {count} questions, and other cells can take {blockable} of its groups first; some forms will need redrawing",
                        quiz.id, draw.topic, draw.level
                    ),
                ));
            }
        }
    }
}

/// Bank-level cues (see `cues`): warned about at the first question that
/// shows the pattern, with the figures.
fn cue_statistics(bank: &Bank, out: &mut Vec<Diagnostic>) {
    let r = super::cues::report(bank);
    let first = |f: &dyn Fn(&Question) -> bool| -> Option<Loc> {
        bank.questions.iter().find(|q| f(q)).and_then(|q| header(q))
    };
    // Select-all: no count of correct options dominates, and every count
    // from 1 to n − 1 of the usual option count appears.
    if r.multiples >= 8 {
        let (top_count, top_n) = r
            .multiple_counts
            .iter()
            .enumerate()
            .max_by_key(|(_, n)| **n)
            .map(|(c, n)| (c, *n))
            .unwrap_or((0, 0));
        if top_n as f64 > 0.5 * r.multiples as f64 {
            if let Some(at) =
                first(&|q| q.kind == QuestionKind::Multiple && q.correct_count() == top_count)
            {
                out.push(Diagnostic::warning(
                    at,
                    format!(
                        "{top_n} of {} select-all questions have exactly {top_count} correct options: candidates learn to pick {top_count}; vary the number of correct options",
                        r.multiples
                    ),
                ));
            }
        }
        let mut by_options: HashMap<usize, usize> = HashMap::new();
        for q in bank
            .questions
            .iter()
            .filter(|q| q.kind == QuestionKind::Multiple)
        {
            *by_options.entry(q.options.len()).or_default() += 1;
        }
        if let Some((&n, _)) = by_options.iter().max_by_key(|(n, c)| (**c, **n)) {
            let missing: Vec<String> = (1..n)
                .filter(|c| {
                    !bank.questions.iter().any(|q| {
                        q.kind == QuestionKind::Multiple
                            && q.options.len() == n
                            && q.correct_count() == *c
                    })
                })
                .map(|c| c.to_string())
                .collect();
            if !missing.is_empty() {
                if let Some(at) =
                    first(&|q| q.kind == QuestionKind::Multiple && q.options.len() == n)
                {
                    out.push(Diagnostic::warning(
                        at,
                        format!(
                            "no select-all question with {n} options has {} correct: use every count from 1 to {}, so the count gives nothing away",
                            missing.join(" or "),
                            n - 1
                        ),
                    ));
                }
            }
        }
    }
    // True/false: balanced, and absolute wording does not predict false.
    if r.true_false >= 8 {
        let share = r.true_answers as f64 / r.true_false as f64;
        if !(0.35..=0.65).contains(&share) {
            let majority = share > 0.5;
            if let Some(at) = first(&|q| {
                q.kind == QuestionKind::TrueFalse
                    && q.options.iter().any(|o| o.id == "true" && o.correct) == majority
            }) {
                out.push(Diagnostic::warning(
                    at,
                    format!(
                        "{} of {} true/false statements are {}: balance true and false",
                        if majority {
                            r.true_answers
                        } else {
                            r.true_false - r.true_answers
                        },
                        r.true_false,
                        if majority { "true" } else { "false" }
                    ),
                ));
            }
        }
        let rule = r.absolute_rule_right as f64 / r.true_false as f64;
        if rule > 0.7 {
            if let Some(at) = first(&|q| q.kind == QuestionKind::TrueFalse) {
                out.push(Diagnostic::warning(
                    at,
                    format!(
                        "\"a sweeping claim is false, a hedged one true\" answers {} of {} true/false statements: write true sweeping claims and false hedged ones too",
                        r.absolute_rule_right, r.true_false
                    ),
                ));
            }
        }
    }
    // Single answer: the key is not the longest option more than chance.
    if r.singles >= 20 {
        let n = r.singles as f64;
        let excess = |observed: usize, expected: f64| {
            let p = expected / n;
            (observed as f64 - expected) / (n * p * (1.0 - p)).sqrt().max(1e-9)
        };
        if excess(r.key_longest, r.key_longest_expected) > 2.5 {
            if let Some(at) = first(&|q| q.kind == QuestionKind::Single) {
                out.push(Diagnostic::warning(
                    at,
                    format!(
                        "the key is the longest option in {} of {} single-answer questions ({:.0} expected by chance): candidates learn to pick the longest",
                        r.key_longest, r.singles, r.key_longest_expected
                    ),
                ));
            }
        }
        if excess(r.key_two_longest, r.key_two_longest_expected) > 2.5 {
            if let Some(at) = first(&|q| q.kind == QuestionKind::Single) {
                out.push(Diagnostic::warning(
                    at,
                    format!(
                        "the key is among the two longest options in {} of {} single-answer questions ({:.0} expected by chance)",
                        r.key_two_longest, r.singles, r.key_two_longest_expected
                    ),
                ));
            }
        }
        if r.key_echo_expected > 0.0 && excess(r.key_echo, r.key_echo_expected) > 2.5 {
            if let Some(at) = first(&|q| q.kind == QuestionKind::Single) {
                out.push(Diagnostic::warning(
                    at,
                    format!(
                        "in {} single-answer questions the key alone repeats the most words of the stem ({:.0} expected by chance): reword stems so they do not echo the key",
                        r.key_echo, r.key_echo_expected
                    ),
                ));
            }
        }
    }
    // Absolute words: not concentrated in distractors.
    let (ka, kt) = r.keys_absolute;
    let (da, dt) = r.distractors_absolute;
    if kt >= 30 && dt >= 30 {
        let (kr, dr) = (ka as f64 / kt as f64, da as f64 / dt as f64);
        if dr - kr > 0.10 {
            if let Some(at) = first(&|q| {
                q.options
                    .iter()
                    .any(|o| !o.correct && super::cues::has_absolute(&o.text))
            }) {
                out.push(Diagnostic::warning(
                    at,
                    format!(
                        "absolute words (never, always, only, all, ...) are in {:.0}% of wrong options but {:.0}% of correct ones: candidates learn to avoid them",
                        100.0 * dr,
                        100.0 * kr
                    ),
                ));
            }
        }
    }
    // The test-wise answerer does no better than blind guessing.
    for l in &r.by_level {
        if l.questions >= 20 && l.testwise > l.blind + super::cues::TESTWISE_MARGIN {
            if let Some(at) = first(&|q| q.level.get() == l.level) {
                out.push(Diagnostic::warning(
                    at,
                    format!(
                        "at level {}, an answerer that knows no security and reads only surface cues gets {:.0}% right, against {:.0}% by blind guessing: look for giveaways (`rung lint` prints the cue report)",
                        l.level,
                        100.0 * l.testwise,
                        100.0 * l.blind
                    ),
                ));
            }
        }
    }
    // A programming quiz: code or configuration in at least 30%.
    if r.questions >= 20 && (r.with_code as f64) < 0.3 * r.questions as f64 {
        if let Some(at) = first(&|_| true) {
            out.push(Diagnostic::warning(
                at,
                format!(
                    "only {} of {} questions show code or configuration; a programming quiz needs at least 30%",
                    r.with_code, r.questions
                ),
            ));
        }
    }
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
