//! Item analysis for authors: per question version, how it performed; per
//! quiz, how reliable the scores are. Classical test theory, on finished
//! attempts.

use std::collections::{BTreeMap, HashMap};

/// One served question of a finished attempt.
#[derive(Debug, Clone)]
pub struct Served {
    pub hash: String,
    pub question_id: String,
    /// The draw cell it came from ("pki/3"), to line up equivalent forms.
    pub cell: String,
    pub scored: bool,
    pub credit: f64,
    /// Chosen option ids; `None` when unanswered.
    pub selected: Option<Vec<String>>,
    /// The question's options, authored order, with which are correct.
    pub options: Vec<(String, bool)>,
}

#[derive(Debug, Clone)]
pub struct Attempt {
    pub quiz_id: String,
    /// The version (hash) of the quiz definition: forms of one version
    /// share their slots, forms of two versions need not.
    pub quiz_version: String,
    pub items: Vec<Served>,
}

/// Flags worth an author's look.
pub const LOW_DISCRIMINATION: f64 = 0.2;
pub const RARE_DISTRACTOR: f64 = 0.05;
/// Fewer responses than this: statistics are shown but not flagged.
pub const MIN_FOR_FLAGS: usize = 20;

#[derive(Debug, Clone, PartialEq)]
pub struct ItemStats {
    pub hash: String,
    pub question_id: String,
    pub responses: usize,
    /// Mean credit (proportion correct for right/wrong questions).
    pub p_value: f64,
    /// Corrected item-rest point-biserial: the correlation of the item's
    /// credit with the candidate's proportion on the other scored items.
    pub discrimination: Option<f64>,
    /// Share of respondents choosing each option (authored order), and
    /// whether it is correct.
    pub option_shares: Vec<(String, bool, f64)>,
    pub unanswered: f64,
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuizReliability {
    pub quiz_id: String,
    /// The quiz definition's version (hash).
    pub version: String,
    pub attempts: usize,
    pub items: usize,
    /// KR-20 (Cronbach's alpha when there is partial credit).
    pub kr20: Option<f64>,
    /// Standard error of measurement, in points.
    pub sem: Option<f64>,
    pub mean: f64,
    pub sd: f64,
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

fn variance(v: &[f64]) -> f64 {
    let m = mean(v);
    if v.len() < 2 {
        0.0
    } else {
        v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64
    }
}

/// Pearson correlation; `None` when either side does not vary.
pub fn correlation(x: &[f64], y: &[f64]) -> Option<f64> {
    let (mx, my) = (mean(x), mean(y));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx).powi(2);
        syy += (b - my).powi(2);
    }
    (sxx > 1e-12 && syy > 1e-12).then(|| sxy / (sxx * syy).sqrt())
}

pub fn item_stats(attempts: &[Attempt]) -> Vec<ItemStats> {
    struct Acc<'a> {
        question_id: &'a str,
        options: &'a [(String, bool)],
        credits: Vec<f64>,
        rests: Vec<f64>,
        chosen: HashMap<&'a str, usize>,
        unanswered: usize,
    }
    let mut acc: BTreeMap<&str, Acc<'_>> = BTreeMap::new();
    for a in attempts {
        let scored: Vec<&Served> = a.items.iter().filter(|s| s.scored).collect();
        let total: f64 = scored.iter().map(|s| s.credit).sum();
        for s in &a.items {
            let e = acc.entry(s.hash.as_str()).or_insert_with(|| Acc {
                question_id: &s.question_id,
                options: &s.options,
                credits: Vec::new(),
                rests: Vec::new(),
                chosen: HashMap::new(),
                unanswered: 0,
            });
            // The rest: the other scored items (all of them for a pilot).
            let (rest_points, rest_n) = if s.scored {
                (total - s.credit, scored.len().saturating_sub(1))
            } else {
                (total, scored.len())
            };
            if rest_n == 0 {
                continue;
            }
            e.credits.push(s.credit);
            e.rests.push(rest_points / rest_n as f64);
            match &s.selected {
                Some(ids) if !ids.is_empty() => {
                    for id in ids {
                        *e.chosen.entry(id.as_str()).or_default() += 1;
                    }
                }
                _ => e.unanswered += 1,
            }
        }
    }
    acc.into_iter()
        .map(|(hash, e)| {
            let n = e.credits.len();
            let answered = n - e.unanswered;
            let discrimination = correlation(&e.credits, &e.rests);
            let option_shares: Vec<(String, bool, f64)> = e
                .options
                .iter()
                .map(|(id, correct)| {
                    let k = e.chosen.get(id.as_str()).copied().unwrap_or(0);
                    (id.clone(), *correct, if answered > 0 { k as f64 / answered as f64 } else { 0.0 })
                })
                .collect();
            let mut flags = Vec::new();
            if n >= MIN_FOR_FLAGS {
                match discrimination {
                    Some(d) if d < 0.0 => flags.push(format!("negative discrimination ({d:.2}): stronger candidates get it wrong more often; check the key")),
                    Some(d) if d < LOW_DISCRIMINATION => flags.push(format!("low discrimination ({d:.2} < {LOW_DISCRIMINATION})")),
                    None => flags.push("no discrimination: everyone scored the same".to_string()),
                    _ => {}
                }
                for (id, correct, share) in &option_shares {
                    if !correct && *share < RARE_DISTRACTOR {
                        flags.push(format!("distractor `{id}` chosen by {:.0}% (< {:.0}%)", share * 100.0, RARE_DISTRACTOR * 100.0));
                    }
                }
            } else {
                flags.push(format!("only {n} responses: flags need {MIN_FOR_FLAGS}"));
            }
            ItemStats {
                hash: hash.to_string(),
                question_id: e.question_id.to_string(),
                responses: n,
                p_value: mean(&e.credits),
                discrimination,
                option_shares,
                unanswered: if n > 0 { e.unanswered as f64 / n as f64 } else { 0.0 },
                flags,
            }
        })
        .collect()
}

/// KR-20 per version of a quiz definition. Forms differ, but every form of
/// one version draws the same number of questions from each cell: the k-th
/// question of a cell is one "slot", and slots play the role of items. Two
/// versions can draw different cells, so they are never pooled.
pub fn reliability(attempts: &[Attempt]) -> Vec<QuizReliability> {
    let mut by_quiz: BTreeMap<(&str, &str), Vec<&Attempt>> = BTreeMap::new();
    for a in attempts {
        by_quiz
            .entry((a.quiz_id.as_str(), a.quiz_version.as_str()))
            .or_default()
            .push(a);
    }
    by_quiz
        .into_iter()
        .map(|((quiz_id, version), list)| {
            let slotted: Vec<BTreeMap<String, f64>> = list
                .iter()
                .map(|a| {
                    let mut seen: HashMap<&str, usize> = HashMap::new();
                    a.items
                        .iter()
                        .filter(|s| s.scored)
                        .map(|s| {
                            let k = seen.entry(s.cell.as_str()).or_default();
                            *k += 1;
                            (format!("{}#{k}", s.cell), s.credit)
                        })
                        .collect()
                })
                .collect();
            let mut slots: Vec<&String> = slotted.iter().flat_map(|m| m.keys()).collect();
            slots.sort();
            slots.dedup();
            let totals: Vec<f64> = slotted.iter().map(|m| m.values().sum()).collect();
            let k = slots.len();
            let var_total = variance(&totals);
            let kr20 = (list.len() >= 2 && k >= 2 && var_total > 1e-12).then(|| {
                let item_var: f64 = slots
                    .iter()
                    .map(|slot| {
                        let v: Vec<f64> = slotted
                            .iter()
                            .map(|m| m.get(*slot).copied().unwrap_or(0.0))
                            .collect();
                        variance(&v)
                    })
                    .sum();
                k as f64 / (k as f64 - 1.0) * (1.0 - item_var / var_total)
            });
            QuizReliability {
                quiz_id: quiz_id.to_string(),
                version: version.to_string(),
                attempts: list.len(),
                items: k,
                kr20,
                sem: kr20.map(|r| var_total.sqrt() * (1.0 - r).max(0.0).sqrt()),
                mean: mean(&totals),
                sd: var_total.sqrt(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served(hash: &str, cell: &str, credit: f64, chose: &str) -> Served {
        Served {
            hash: hash.into(),
            question_id: hash.into(),
            cell: cell.into(),
            scored: true,
            credit,
            selected: Some(vec![chose.to_string()]),
            options: vec![("a".into(), true), ("b".into(), false), ("c".into(), false)],
        }
    }

    #[test]
    fn correlation_matches_a_hand_computation() {
        // x = 1,0,1,1 ; y = .8,.2,.6,.4 → r = 0.7746 (hand: sxy=.3, sxx=.75, syy=.2)
        let r = correlation(&[1.0, 0.0, 1.0, 1.0], &[0.8, 0.2, 0.6, 0.4]).unwrap();
        assert!((r - 0.3 / (0.75f64 * 0.2).sqrt()).abs() < 1e-12, "{r}");
        assert_eq!(correlation(&[1.0, 1.0], &[0.1, 0.9]), None);
    }

    #[test]
    fn kr20_matches_a_hand_computation() {
        // Three candidates, three slots, 0/1 scores:
        //   A: 1 1 1 (3)  B: 1 1 0 (2)  C: 1 0 0 (1)
        // slot variances (population): 0, 2/9, 2/9 → Σ = 4/9; total variance 2/3.
        // KR-20 = 3/2 · (1 − (4/9)/(2/3)) = 3/2 · 1/3 = 0.5
        let mk = |s: [f64; 3]| Attempt {
            quiz_id: "q".into(),
            quiz_version: "v1".into(),
            items: vec![
                served("x", "pki/1", s[0], "a"),
                served("y", "pki/2", s[1], "a"),
                served("z", "pki/3", s[2], "a"),
            ],
        };
        let r = reliability(&[
            mk([1.0, 1.0, 1.0]),
            mk([1.0, 1.0, 0.0]),
            mk([1.0, 0.0, 0.0]),
        ]);
        assert_eq!(r.len(), 1);
        assert!((r[0].kr20.unwrap() - 0.5).abs() < 1e-12, "{:?}", r[0]);
        // SEM = sd · sqrt(1 − 0.5) = sqrt(2/3) · sqrt(.5)
        assert!((r[0].sem.unwrap() - (2.0f64 / 3.0).sqrt() * 0.5f64.sqrt()).abs() < 1e-12);
    }

    /// B7 of the scoring review: the slots came from the first attempt of a
    /// quiz id, and versions of the quiz with other cells were pooled. Each
    /// version now gets its own KR-20 over its own slots.
    #[test]
    fn kr20_is_computed_per_quiz_version_over_its_own_slots() {
        let mk = |version: &str, cells: &[&str], s: &[f64]| Attempt {
            quiz_id: "q".into(),
            quiz_version: version.into(),
            items: cells
                .iter()
                .zip(s)
                .map(|(c, &x)| served(c, c, x, "a"))
                .collect(),
        };
        let v1 = ["pki/1", "pki/2", "pki/3"];
        let v2 = ["authz/1", "authz/2", "authz/3"];
        let attempts = [
            mk("v1", &v1, &[1.0, 1.0, 1.0]),
            mk("v1", &v1, &[1.0, 1.0, 0.0]),
            mk("v1", &v1, &[1.0, 0.0, 0.0]),
            // Version 2 draws other cells: the same pattern, its own slots.
            mk("v2", &v2, &[1.0, 1.0, 1.0]),
            mk("v2", &v2, &[1.0, 1.0, 0.0]),
            mk("v2", &v2, &[1.0, 0.0, 0.0]),
        ];
        let r = reliability(&attempts);
        assert_eq!(r.len(), 2, "{r:?}");
        for q in &r {
            assert_eq!((q.attempts, q.items), (3, 3), "{q:?}");
            assert!((q.kr20.unwrap() - 0.5).abs() < 1e-12, "{q:?}");
        }
    }

    #[test]
    fn an_item_the_weak_get_right_and_the_strong_get_wrong_is_flagged() {
        let mut attempts = Vec::new();
        for k in 0..40 {
            let strong = k % 2 == 0;
            attempts.push(Attempt {
                quiz_id: "q".into(),
                quiz_version: "v1".into(),
                items: vec![
                    // The suspicious item: right for the weak, wrong for the strong.
                    served(
                        "bad",
                        "c/1",
                        if strong { 0.0 } else { 1.0 },
                        if strong { "b" } else { "a" },
                    ),
                    served("o1", "c/2", if strong { 1.0 } else { 0.0 }, "a"),
                    served("o2", "c/3", if strong { 1.0 } else { 0.0 }, "a"),
                ],
            });
        }
        let stats = item_stats(&attempts);
        let bad = stats.iter().find(|s| s.hash == "bad").unwrap();
        assert_eq!(bad.responses, 40);
        assert!(bad.discrimination.unwrap() < -0.9);
        assert!(
            bad.flags
                .iter()
                .any(|f| f.starts_with("negative discrimination")),
            "{:?}",
            bad.flags
        );
        // Nobody chose `c`: a rare distractor.
        assert!(
            bad.flags
                .iter()
                .any(|f| f.starts_with("distractor `c` chosen by 0%")),
            "{:?}",
            bad.flags
        );
        assert_eq!(bad.option_shares[1], ("b".to_string(), false, 0.5));
    }
}
