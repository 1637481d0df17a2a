//! The credit of one answer. Each scored question is worth one point.
//! `single` and `true_false` are right or wrong; `multiple` follows the
//! quiz's policy. Unanswered counts as wrong.

use crate::domain::QuestionKind;
use crate::server::bank::{MultiplePolicy, QuestionContent};

/// The credit, 0 to 1, for one answer.
pub fn credit(q: &QuestionContent, selected: Option<&[String]>, policy: MultiplePolicy) -> f64 {
    let Some(selected) = selected else { return 0.0 };
    let is_correct = |id: &String| q.options.iter().any(|o| &o.id == id && o.correct);
    let chosen_right = selected.iter().filter(|id| is_correct(id)).count();
    let chosen_wrong = selected.len() - chosen_right;
    let total_right = q.correct_count();
    match q.kind {
        QuestionKind::Single | QuestionKind::TrueFalse => {
            if selected.len() == 1 && chosen_right == 1 {
                1.0
            } else {
                0.0
            }
        }
        QuestionKind::Multiple => match policy {
            MultiplePolicy::AllOrNothing => {
                if chosen_wrong == 0 && chosen_right == total_right {
                    1.0
                } else {
                    0.0
                }
            }
            MultiplePolicy::Partial => {
                if total_right == 0 {
                    return 0.0;
                }
                let raw = (chosen_right as f64 - chosen_wrong as f64) / total_right as f64;
                raw.clamp(0.0, 1.0)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Level;
    use crate::server::bank::model::OptionContent;

    fn q(kind: QuestionKind, correct: &[&str], all: &[&str]) -> QuestionContent {
        QuestionContent {
            id: "q".into(),
            topic: "authn".into(),
            level: Level::new(3).unwrap(),
            kind,
            prompt: "?".into(),
            options: all
                .iter()
                .map(|id| OptionContent {
                    id: id.to_string(),
                    text: id.to_string(),
                    correct: correct.contains(id),
                    pinned: false,
                })
                .collect(),
            explanation: String::new(),
            references: vec![],
            tags: vec![],
        }
    }

    fn sel(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn single_is_right_only_with_exactly_the_correct_option() {
        let q = q(QuestionKind::Single, &["b"], &["a", "b", "c"]);
        let p = MultiplePolicy::AllOrNothing;
        assert_eq!(credit(&q, Some(&sel(&["b"])), p), 1.0);
        assert_eq!(credit(&q, Some(&sel(&["a"])), p), 0.0);
        assert_eq!(credit(&q, Some(&sel(&["a", "b"])), p), 0.0);
        assert_eq!(credit(&q, None, p), 0.0);
    }

    #[test]
    fn multiple_all_or_nothing_needs_the_exact_set() {
        let q = q(QuestionKind::Multiple, &["a", "c"], &["a", "b", "c", "d"]);
        let p = MultiplePolicy::AllOrNothing;
        assert_eq!(credit(&q, Some(&sel(&["c", "a"])), p), 1.0);
        assert_eq!(credit(&q, Some(&sel(&["a"])), p), 0.0);
        assert_eq!(credit(&q, Some(&sel(&["a", "b", "c"])), p), 0.0);
    }

    #[test]
    fn multiple_partial_credits_right_minus_wrong_floored_at_zero() {
        let q = q(QuestionKind::Multiple, &["a", "c"], &["a", "b", "c", "d"]);
        let p = MultiplePolicy::Partial;
        assert_eq!(credit(&q, Some(&sel(&["a"])), p), 0.5);
        assert_eq!(credit(&q, Some(&sel(&["a", "c"])), p), 1.0);
        assert_eq!(credit(&q, Some(&sel(&["a", "c", "b"])), p), 0.5);
        assert_eq!(credit(&q, Some(&sel(&["b", "d"])), p), 0.0);
        assert_eq!(credit(&q, Some(&sel(&["a", "b", "d"])), p), 0.0);
    }
}
