//! Import from mdbook-quiz: its `MultipleChoice` questions become rung
//! questions; other question types are reported as skipped.
//!
//! mdbook-quiz files hold `[[questions]]` with `type`, `prompt.prompt`,
//! `prompt.distractors`, `answer.answer` (one string, or a list for
//! select-all-that-apply), an optional `context` (the explanation), `id`,
//! `prompt.answerIndex` and `multipart` (a key into the file's `[multipart]`
//! table of shared context). Topic and level are not in the source and are
//! given by the caller.

use super::bank::model::{OptionContent, QuestionContent};
use crate::domain::{Level, QuestionKind};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt::Write as _;

#[derive(Debug, Deserialize)]
struct Source {
    #[serde(default)]
    questions: Vec<toml::Value>,
    #[serde(default)]
    multipart: HashMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct McPrompt {
    prompt: String,
    #[serde(default)]
    distractors: Vec<String>,
    answer_index: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum McAnswerFormat {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
struct McAnswer {
    answer: McAnswerFormat,
}

#[derive(Debug, Deserialize)]
struct MultipleChoice {
    id: Option<String>,
    multipart: Option<String>,
    prompt: McPrompt,
    answer: McAnswer,
    context: Option<String>,
}

/// A question that was not imported, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// 1-based position in the source file.
    pub number: usize,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Imported {
    pub questions: Vec<QuestionContent>,
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("not an mdbook-quiz file: {0}")]
    NotAQuiz(String),
}

/// A rung id from an mdbook-quiz id, or, without one, from the prompt's
/// first words and a short hash of it (stable across re-imports).
fn make_id(prefix: &str, source_id: Option<&str>, prompt: &str, n: usize) -> String {
    let base: String = match source_id {
        Some(id) => id.to_string(),
        None => {
            use sha2::{Digest, Sha256};
            let words = prompt
                .split_whitespace()
                .take(5)
                .collect::<Vec<_>>()
                .join("-");
            let digest = hex::encode(Sha256::digest(prompt.as_bytes()));
            format!("{words}-{}", &digest[..6])
        }
    };
    let mut slug = String::new();
    for c in base.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-');
    let slug = if slug.is_empty() {
        format!("q{n}")
    } else {
        slug.to_string()
    };
    let id = format!("{prefix}-{slug}");
    id.chars()
        .take(80)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// Convert one mdbook-quiz file.
pub fn mdbook_quiz(
    text: &str,
    topic: &str,
    level: Level,
    id_prefix: &str,
) -> Result<Imported, ImportError> {
    let source: Source =
        toml::from_str(text).map_err(|e| ImportError::NotAQuiz(e.message().to_string()))?;
    let mut out = Imported::default();
    for (i, value) in source.questions.into_iter().enumerate() {
        let number = i + 1;
        let kind = value
            .get("type")
            .and_then(|t| t.as_str())
            .unwrap_or("")
            .to_string();
        if kind != "MultipleChoice" {
            let reason = if kind.is_empty() {
                "it has no `type`".to_string()
            } else {
                format!("rung has no {kind} questions; only MultipleChoice is imported")
            };
            out.skipped.push(Skipped { number, reason });
            continue;
        }
        let mc: MultipleChoice = match value.try_into() {
            Ok(mc) => mc,
            Err(e) => {
                out.skipped.push(Skipped {
                    number,
                    reason: format!("its MultipleChoice fields do not parse: {}", e.message()),
                });
                continue;
            }
        };
        let (answers, kind) = match mc.answer.answer {
            McAnswerFormat::One(a) => (vec![a], QuestionKind::Single),
            McAnswerFormat::Many(a) => (a, QuestionKind::Multiple),
        };
        if answers.is_empty() {
            out.skipped.push(Skipped {
                number,
                reason: "it has no correct answer".into(),
            });
            continue;
        }
        let mut texts: Vec<(String, bool)> = mc
            .prompt
            .distractors
            .into_iter()
            .map(|d| (d, false))
            .collect();
        // `answerIndex` fixes where the (single) answer sits among the
        // distractors; otherwise answers come first (rung shuffles anyway).
        match (mc.prompt.answer_index, answers.len()) {
            (Some(at), 1) => texts.insert(at.min(texts.len()), (answers[0].clone(), true)),
            _ => {
                for (k, a) in answers.into_iter().enumerate() {
                    texts.insert(k, (a, true));
                }
            }
        }
        let options = texts
            .into_iter()
            .enumerate()
            .map(|(k, (text, correct))| OptionContent {
                id: option_id(k),
                text: text.trim().to_string(),
                correct,
                pinned: false,
            })
            .collect();
        let own_prompt = mc.prompt.prompt.trim().to_string();
        let id = make_id(id_prefix, mc.id.as_deref(), &own_prompt, number);
        let prompt = match mc.multipart.as_ref().and_then(|k| source.multipart.get(k)) {
            Some(context) => format!("{}\n\n{own_prompt}", context.trim()),
            None => own_prompt,
        };
        out.questions.push(QuestionContent {
            id,
            topic: topic.to_string(),
            level,
            kind,
            prompt,
            options,
            explanation: mc.context.map(|c| c.trim().to_string()).unwrap_or_default(),
            references: Vec::new(),
            tags: Vec::new(),
        });
    }
    Ok(out)
}

/// Make ids unique across several imported files: a repeated id gets
/// `-2`, `-3`, ...
pub fn dedupe_ids(questions: &mut [QuestionContent]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for q in questions.iter_mut() {
        let n = seen.entry(q.id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            q.id = format!("{}-{n}", q.id.chars().take(76).collect::<String>());
        }
    }
}

fn option_id(k: usize) -> String {
    // a, b, ... z, then o27, o28 ...
    match u8::try_from(k).ok().filter(|k| *k < 26) {
        Some(k) => char::from(b'a' + k).to_string(),
        None => format!("o{}", k + 1),
    }
}

/// A TOML string literal (basic or multi-line) with correct escaping.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Render questions in rung's question-file format.
pub fn to_toml(questions: &[QuestionContent], origin: &str) -> String {
    let mut out = format!("# Imported from {origin} by `rung import mdbook-quiz`.\n# Review the level, add references, then remove this comment.\n");
    for q in questions {
        let _ = writeln!(out, "\n[[question]]");
        let _ = writeln!(out, "id = {}", toml_str(&q.id));
        let _ = writeln!(out, "topic = {}", toml_str(&q.topic));
        let _ = writeln!(out, "level = {}", q.level);
        let _ = writeln!(out, "kind = {}", toml_str(q.kind.as_str()));
        let _ = writeln!(out, "prompt = {}", toml_str(&q.prompt));
        let _ = writeln!(out, "options = [");
        for o in &q.options {
            let correct = if o.correct { ", correct = true" } else { "" };
            let _ = writeln!(
                out,
                "  {{ id = {}, text = {}{correct} }},",
                toml_str(&o.id),
                toml_str(&o.text)
            );
        }
        let _ = writeln!(out, "]");
        if !q.explanation.is_empty() {
            let _ = writeln!(out, "explanation = {}", toml_str(&q.explanation));
        }
        let _ = writeln!(out, "references = []");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_slugged_and_prefixed() {
        assert_eq!(
            make_id("imp", Some("18EA4C61-c7c3"), "", 1),
            "imp-18ea4c61-c7c3"
        );
        let made = make_id("imp", None, "What is `x`, really?", 2);
        assert!(made.starts_with("imp-what-is-x-really-"), "{made}");
        assert_eq!(
            made,
            make_id("imp", None, "What is `x`, really?", 9),
            "stable"
        );
        assert_ne!(made, make_id("imp", None, "What is `x`, really??", 2));
        assert_eq!(make_id("imp", Some("!!!"), "", 3), "imp-q3");
        assert!(make_id("imp", Some(&"a".repeat(200)), "", 1).len() <= 80);
    }

    #[test]
    fn strings_with_quotes_and_newlines_survive_rendering() {
        let s = "line \"one\"\nline '''two''' \\ \"\"\" end";
        let doc = format!("x = {}", toml_str(s));
        let v: toml::Table = toml::from_str(&doc).unwrap();
        assert_eq!(v["x"].as_str(), Some(s));
    }

    #[test]
    fn repeated_ids_get_a_suffix() {
        let q = |id: &str| QuestionContent {
            id: id.into(),
            topic: "t".into(),
            level: Level::MIN,
            kind: QuestionKind::Single,
            prompt: "p".into(),
            options: vec![],
            explanation: String::new(),
            references: vec![],
            tags: vec![],
        };
        let mut qs = vec![q("a"), q("b"), q("a"), q("a")];
        dedupe_ids(&mut qs);
        let ids: Vec<&str> = qs.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "a-2", "a-3"]);
    }

    #[test]
    fn option_ids_run_past_z() {
        assert_eq!(option_id(0), "a");
        assert_eq!(option_id(25), "z");
        assert_eq!(option_id(26), "o27");
    }
}
