//! Cues: what a test-wise candidate who knows no security could use to
//! answer. Two things live here:
//!
//! - the bank-level cue statistics the linter warns about (how many options
//!   of select-all questions are correct, the true/false balance and whether
//!   absolute wording predicts it, how often the key is the longest option,
//!   absolute words concentrated in distractors, words of the stem echoed by
//!   the key);
//! - a zero-knowledge answerer that sees only what a candidate sees (the
//!   prompt and the options, not the key) and answers from surface cues, to
//!   compare with blind guessing level by level.

use super::model::{Bank, Question, QuestionContent};
use crate::domain::QuestionKind;
use std::collections::HashSet;

/// Words test-takers learn to distrust in an option.
pub const ABSOLUTE: &[&str] = &[
    "never",
    "always",
    "only",
    "all",
    "every",
    "cannot",
    "none",
    "guarantee",
    "guarantees",
    "guaranteed",
    "impossible",
    "entirely",
    "completely",
    "nothing",
    "any",
    "fully",
];

/// Absolute phrases of two words.
const ABSOLUTE_PHRASES: &[&str] = &["no longer", "can't", "no way"];

/// Words of a hedged, qualified statement, which test-takers learn to trust.
pub const HEDGES: &[&str] = &[
    "may",
    "might",
    "can",
    "could",
    "usually",
    "often",
    "some",
    "typically",
    "still",
    "unless",
    "depends",
    "generally",
    "also",
];

const STOP: &[&str] = &[
    "that",
    "this",
    "with",
    "from",
    "into",
    "which",
    "what",
    "when",
    "where",
    "does",
    "have",
    "their",
    "there",
    "these",
    "those",
    "than",
    "then",
    "them",
    "they",
    "will",
    "would",
    "should",
    "could",
    "about",
    "because",
    "before",
    "after",
    "each",
    "other",
    "over",
    "under",
    "such",
    "your",
    "only",
    "also",
    "some",
    "more",
    "most",
    "just",
    "been",
    "being",
    "were",
    "while",
    "true",
    "false",
    "select",
    "apply",
    "following",
    "best",
    "right",
    "wrong",
];

/// Lower-case words of a text (letters, digits, apostrophes kept inside).
pub fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_matches('\'').to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

pub fn has_absolute(text: &str) -> bool {
    let w = words(text);
    let joined = format!(" {} ", w.join(" "));
    w.iter().any(|x| ABSOLUTE.contains(&x.as_str()))
        || ABSOLUTE_PHRASES
            .iter()
            .any(|p| joined.contains(&format!(" {p} ")))
}

pub fn has_hedge(text: &str) -> bool {
    words(text).iter().any(|x| HEDGES.contains(&x.as_str()))
}

/// Content words: four letters or more, not a stop word.
fn content(text: &str) -> HashSet<String> {
    words(text)
        .into_iter()
        .filter(|w| w.chars().count() >= 4 && !STOP.contains(&w.as_str()))
        .collect()
}

/// The text a candidate reads, without Markdown's code fences and marks.
fn visible(text: &str) -> String {
    text.replace("```", " ").replace(['`', '*', '_'], "")
}

fn len(text: &str) -> usize {
    visible(text).trim().chars().count()
}

/// A stable tie-breaker that knows nothing of the key.
fn tie(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// How attractive an option looks to a test-wise reader: long and
/// qualified options that echo the stem look right; short ones and
/// absolute ones look wrong.
fn appeal(prompt: &HashSet<String>, texts: &[&str], i: usize) -> f64 {
    let lens: Vec<usize> = texts.iter().map(|t| len(t)).collect();
    let mut sorted = lens.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let l = lens[i];
    let mut score = 0.0;
    if l == sorted[0] {
        score += 1.0;
    } else if sorted.len() > 1 && l == sorted[1] {
        score += 0.5;
    }
    if l == *sorted.last().unwrap_or(&0) {
        score -= 1.0;
    }
    if has_absolute(texts[i]) {
        score -= 1.0;
    }
    if has_hedge(texts[i]) {
        score += 0.5;
    }
    let overlaps: Vec<f64> = texts
        .iter()
        .map(|t| content(t).intersection(prompt).count() as f64)
        .collect();
    let mean = overlaps.iter().sum::<f64>() / overlaps.len().max(1) as f64;
    score + 0.4 * (overlaps[i] - mean)
}

/// The zero-knowledge answer to a question, from what a candidate sees
/// (the prompt, and the options in `order`): option ids.
pub fn testwise_answer(q: &QuestionContent, order: &[String]) -> Vec<String> {
    let opts: Vec<&super::model::OptionContent> = order
        .iter()
        .filter_map(|id| q.options.iter().find(|o| &o.id == id))
        .collect();
    if opts.is_empty() {
        return Vec::new();
    }
    if q.kind == QuestionKind::TrueFalse {
        // A sweeping claim is false; otherwise true.
        let pick = if has_absolute(&q.prompt) {
            "false"
        } else {
            "true"
        };
        return opts
            .iter()
            .find(|o| o.id == pick)
            .map(|o| vec![o.id.clone()])
            .unwrap_or_default();
    }
    let prompt = content(&visible(&q.prompt));
    let texts: Vec<&str> = opts.iter().map(|o| o.text.as_str()).collect();
    let scores: Vec<(f64, u64, usize)> = (0..opts.len())
        .map(|i| (appeal(&prompt, &texts, i), tie(texts[i]), i))
        .collect();
    let mut ranked = scores.clone();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    match q.kind {
        QuestionKind::Multiple => {
            // Every option that looks right (above the median appeal),
            // at least one and never all.
            let mut s: Vec<f64> = scores.iter().map(|x| x.0).collect();
            s.sort_by(f64::total_cmp);
            let median = s[s.len() / 2];
            let mut chosen: Vec<usize> = ranked
                .iter()
                .filter(|x| x.0 > median || (x.0 == median && !has_absolute(texts[x.2])))
                .map(|x| x.2)
                .collect();
            if chosen.is_empty() {
                chosen.push(ranked[0].2);
            }
            chosen.truncate(opts.len().saturating_sub(1).max(1));
            chosen.into_iter().map(|i| opts[i].id.clone()).collect()
        }
        _ => vec![opts[ranked[0].2].id.clone()],
    }
}

/// Whether the test-wise answer to a question (options in authored order)
/// is right, and the chance of a blind guess being right.
pub fn testwise_outcome(q: &Question) -> (bool, f64) {
    let order: Vec<String> = q.options.iter().map(|o| o.id.clone()).collect();
    let mut answer = testwise_answer(q, &order);
    answer.sort();
    let mut key: Vec<String> = q
        .options
        .iter()
        .filter(|o| o.correct)
        .map(|o| o.id.clone())
        .collect();
    key.sort();
    let k = q.options.len().max(1);
    let blind = match q.kind {
        QuestionKind::Multiple => 1.0 / f64::from((1u32 << k.min(16)) - 1),
        _ => 1.0 / k as f64,
    };
    (answer == key, blind)
}

/// The test-wise answerer against blind guessing at one level.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelCues {
    pub level: u8,
    pub questions: usize,
    /// Share the test-wise answerer gets right.
    pub testwise: f64,
    /// Expected share right by blind guessing.
    pub blind: f64,
}

/// Cue statistics of a whole bank.
#[derive(Debug, Clone, PartialEq)]
pub struct CueReport {
    pub by_level: Vec<LevelCues>,
    /// Select-all questions by number of correct options (index = count).
    pub multiple_counts: Vec<usize>,
    pub multiples: usize,
    pub true_false: usize,
    pub true_answers: usize,
    /// True/false statements the rule "absolute wording means false,
    /// otherwise true" gets right.
    pub absolute_rule_right: usize,
    pub singles: usize,
    /// Single-answer questions whose key is strictly the longest option,
    /// and the number expected by chance.
    pub key_longest: usize,
    pub key_longest_expected: f64,
    /// ... whose key is among the two longest, and expected.
    pub key_two_longest: usize,
    pub key_two_longest_expected: f64,
    /// Options with absolute words, among keys and among distractors.
    pub keys_absolute: (usize, usize),
    pub distractors_absolute: (usize, usize),
    /// Single-answer questions whose key alone shares the most content
    /// words with the stem, and the number expected by chance.
    pub key_echo: usize,
    pub key_echo_expected: f64,
    pub questions: usize,
    /// Questions that show code or configuration (a fenced block).
    pub with_code: usize,
}

pub fn shows_code(q: &QuestionContent) -> bool {
    q.prompt.contains("```")
}

/// Single-answer questions with at least this many options enter the
/// length and echo statistics.
const MIN_OPTIONS: usize = 3;

pub fn report(bank: &Bank) -> CueReport {
    let top = bank.ladder.top();
    let mut by_level: Vec<LevelCues> = (1..=top)
        .map(|level| LevelCues {
            level,
            questions: 0,
            testwise: 0.0,
            blind: 0.0,
        })
        .collect();
    let mut r = CueReport {
        by_level: Vec::new(),
        multiple_counts: vec![0; super::load::MAX_OPTIONS + 1],
        multiples: 0,
        true_false: 0,
        true_answers: 0,
        absolute_rule_right: 0,
        singles: 0,
        key_longest: 0,
        key_longest_expected: 0.0,
        key_two_longest: 0,
        key_two_longest_expected: 0.0,
        keys_absolute: (0, 0),
        distractors_absolute: (0, 0),
        key_echo: 0,
        key_echo_expected: 0.0,
        questions: bank.questions.len(),
        with_code: 0,
    };
    for q in &bank.questions {
        r.with_code += usize::from(shows_code(q));
        if let Some(l) = by_level.get_mut(q.level.index()) {
            let (right, blind) = testwise_outcome(q);
            l.questions += 1;
            l.testwise += f64::from(u8::from(right));
            l.blind += blind;
        }
        match q.kind {
            QuestionKind::TrueFalse => {
                r.true_false += 1;
                let answer = q.options.iter().any(|o| o.id == "true" && o.correct);
                r.true_answers += usize::from(answer);
                r.absolute_rule_right += usize::from(has_absolute(&q.prompt) != answer);
            }
            QuestionKind::Multiple => {
                r.multiples += 1;
                if let Some(c) = r.multiple_counts.get_mut(q.correct_count()) {
                    *c += 1;
                }
            }
            QuestionKind::Single => {}
        }
        if q.kind != QuestionKind::TrueFalse {
            for o in &q.options {
                let slot = if o.correct {
                    &mut r.keys_absolute
                } else {
                    &mut r.distractors_absolute
                };
                slot.0 += usize::from(has_absolute(&o.text));
                slot.1 += 1;
            }
        }
        if q.kind == QuestionKind::Single && q.options.len() >= MIN_OPTIONS {
            let k = q.options.len() as f64;
            r.singles += 1;
            let lens: Vec<usize> = q.options.iter().map(|o| len(&o.text)).collect();
            let Some(key) = q.options.iter().position(|o| o.correct) else {
                continue;
            };
            let longer = lens.iter().filter(|&&l| l > lens[key]).count();
            let equal = lens.iter().filter(|&&l| l == lens[key]).count();
            r.key_longest += usize::from(longer == 0 && equal == 1);
            r.key_longest_expected += 1.0 / k;
            r.key_two_longest += usize::from(longer <= 1);
            r.key_two_longest_expected += 2.0 / k;
            let stem = content(&visible(&q.prompt));
            let overlaps: Vec<usize> = q
                .options
                .iter()
                .map(|o| content(&visible(&o.text)).intersection(&stem).count())
                .collect();
            let best = overlaps.iter().copied().max().unwrap_or(0);
            let leaders = overlaps.iter().filter(|&&o| o == best).count();
            if best > 0 {
                r.key_echo += usize::from(overlaps[key] == best && leaders == 1);
            }
            r.key_echo_expected += if best > 0 && leaders == 1 {
                1.0 / k
            } else {
                0.0
            };
        }
    }
    for l in &mut by_level {
        if l.questions > 0 {
            l.testwise /= l.questions as f64;
            l.blind /= l.questions as f64;
        }
    }
    r.by_level = by_level;
    r
}

/// How far above blind guessing the test-wise answerer may get at a level
/// before the linter warns.
pub const TESTWISE_MARGIN: f64 = 0.05;

impl CueReport {
    /// The report as `rung lint` prints it after the diagnostics.
    pub fn render(&self) -> String {
        let pct = |a: usize, b: usize| {
            if b == 0 {
                0.0
            } else {
                100.0 * a as f64 / b as f64
            }
        };
        let mut out = String::from(
            "Cues: a test-wise answerer that knows no security and sees only what a candidate sees\n",
        );
        out.push_str("  level  questions  test-wise  blind guessing\n");
        for l in &self.by_level {
            out.push_str(&format!(
                "  {:>5}  {:>9}  {:>8.1}%  {:>13.1}%\n",
                l.level,
                l.questions,
                100.0 * l.testwise,
                100.0 * l.blind
            ));
        }
        let counts: Vec<String> = self
            .multiple_counts
            .iter()
            .enumerate()
            .filter(|(c, n)| *c > 0 && **n > 0)
            .map(|(c, n)| format!("{c} correct: {n}"))
            .collect();
        out.push_str(&format!(
            "  select-all ({}): {}\n",
            self.multiples,
            counts.join(", ")
        ));
        out.push_str(&format!(
            "  true/false ({}): {} true; \"absolute wording means false\" right on {:.0}%\n",
            self.true_false,
            self.true_answers,
            pct(self.absolute_rule_right, self.true_false)
        ));
        out.push_str(&format!(
            "  single answer ({}): key strictly longest {:.0}% (chance {:.0}%), among the two longest {:.0}% (chance {:.0}%), alone echoing the stem most {:.0}% (chance {:.0}%)\n",
            self.singles,
            pct(self.key_longest, self.singles),
            100.0 * self.key_longest_expected / self.singles.max(1) as f64,
            pct(self.key_two_longest, self.singles),
            100.0 * self.key_two_longest_expected / self.singles.max(1) as f64,
            pct(self.key_echo, self.singles),
            100.0 * self.key_echo_expected / self.singles.max(1) as f64,
        ));
        out.push_str(&format!(
            "  absolute words: in {:.0}% of correct options, {:.0}% of wrong options\n",
            pct(self.keys_absolute.0, self.keys_absolute.1),
            pct(self.distractors_absolute.0, self.distractors_absolute.1)
        ));
        out.push_str(&format!(
            "  code or configuration: {} of {} questions ({:.0}%)\n",
            self.with_code,
            self.questions,
            pct(self.with_code, self.questions)
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Level;
    use crate::server::bank::model::OptionContent;

    fn q(kind: QuestionKind, prompt: &str, options: &[(&str, bool)]) -> QuestionContent {
        QuestionContent {
            id: "q".into(),
            topic: "t".into(),
            level: Level::new(1).unwrap(),
            kind,
            prompt: prompt.into(),
            options: options
                .iter()
                .enumerate()
                .map(|(i, (text, correct))| OptionContent {
                    id: if kind == QuestionKind::TrueFalse {
                        text.to_lowercase()
                    } else {
                        format!("o{i}")
                    },
                    text: text.to_string(),
                    correct: *correct,
                    pinned: false,
                })
                .collect(),
            explanation: String::new(),
            references: vec![],
            tags: vec![],
        }
    }

    fn order(q: &QuestionContent) -> Vec<String> {
        q.options.iter().map(|o| o.id.clone()).collect()
    }

    #[test]
    fn absolute_and_hedged_wording_is_recognised() {
        assert!(has_absolute("This never works"));
        assert!(has_absolute("It is no longer needed"));
        assert!(!has_absolute("The nonce is random"));
        assert!(has_hedge("An attacker can still replay it"));
        assert!(!has_hedge("The server rejects it"));
    }

    #[test]
    fn the_testwise_answerer_takes_the_long_qualified_option_and_avoids_absolutes() {
        let cued = q(
            QuestionKind::Single,
            "How should the session cookie be protected?",
            &[
                ("Never", false),
                ("It can still be protected by setting the Secure and HttpOnly attributes on the session cookie", true),
                ("Always use HTTP", false),
                ("Only a CAPTCHA", false),
            ],
        );
        assert_eq!(testwise_answer(&cued, &order(&cued)), ["o1"]);
        let sweeping = q(
            QuestionKind::TrueFalse,
            "HSTS always prevents every downgrade.",
            &[("True", false), ("False", true)],
        );
        assert_eq!(testwise_answer(&sweeping, &order(&sweeping)), ["false"]);
        // It never uses the key: the same options, another key, the same answer.
        let mut other = cued.clone();
        other.options[1].correct = false;
        other.options[0].correct = true;
        assert_eq!(testwise_answer(&other, &order(&other)), ["o1"]);
    }

    #[test]
    fn a_testwise_multiple_answer_is_neither_empty_nor_everything() {
        let m = q(
            QuestionKind::Multiple,
            "Which controls reduce SSRF risk? Select all that apply.",
            &[
                ("Allow-list outbound hosts", true),
                ("Block link-local addresses after DNS resolution", true),
                ("Use HTTPS", false),
                ("Require IMDSv2 tokens", true),
                ("Log every request", false),
            ],
        );
        let a = testwise_answer(&m, &order(&m));
        assert!(!a.is_empty() && a.len() < 5, "{a:?}");
        // The answer does not depend on the order the options are shown in.
        let mut reversed = order(&m);
        reversed.reverse();
        let mut b = testwise_answer(&m, &reversed);
        let mut a = a;
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }
}
