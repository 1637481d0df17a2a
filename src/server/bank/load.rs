//! Loading a bank directory: every file parsed, every problem collected.
//!
//! Layout of a bank directory:
//! - `ladder.toml`: the ladder's levels (`[[level]]`) and which a quiz measures,
//! - `topics.toml`: the topics (`[[topic]]`),
//! - `questions/**/*.toml`: questions (`[[question]]`),
//! - `blueprints/**/*.toml`: quiz definitions, one per file.
//!
//! Other `.toml` files are errors (a misplaced file would otherwise be
//! silently ignored); files of other types are ignored. Files are read in
//! four passes (ladder, topics, questions, blueprints) so every check can see
//! what it depends on.

use super::diag::{Diagnostic, Loc, Report, Sources};
use super::model::{
    Bank, Draw, Ladder, LadderLevel, MultiplePolicy, OptionContent, Question, QuestionContent,
    QuestionLocs, Quiz, QuizContent, ScoringPolicy, Topic,
};
use super::read::{list, nearest, Fields, Sink, Span, MISSING_KEY};
use crate::domain::{Level, QuestionKind};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::de::DeTable;
use toml::Spanned;

/// The outcome of a load: the bank as far as it could be built, and the
/// diagnostics. A bank with errors must not be served.
#[derive(Debug)]
pub struct Loaded {
    pub bank: Bank,
    pub report: Report,
}

impl Loaded {
    pub fn is_ok(&self) -> bool {
        self.report.errors() == 0
    }
}

pub const LADDER_FILE_KEYS: &[&str] = &["name", "source", "level"];
pub const LADDER_LEVEL_KEYS: &[&str] = &[
    "number",
    "name",
    "measured",
    "summary",
    "security_knowledge",
    "threat_fluency",
    "impact",
    "communication",
    "mentorship",
    "scope",
];
pub const TOPIC_FILE_KEYS: &[&str] = &["topic"];
pub const TOPIC_KEYS: &[&str] = &["id", "name", "description"];
pub const QUESTION_FILE_KEYS: &[&str] = &["question"];
pub const QUESTION_KEYS: &[&str] = &[
    "id",
    "topic",
    "level",
    "kind",
    "prompt",
    "options",
    "answer",
    "explanation",
    "references",
    "tags",
    "group",
];
pub const OPTION_KEYS: &[&str] = &["id", "text", "correct", "pinned"];
pub const QUIZ_KEYS: &[&str] = &[
    "id",
    "title",
    "description",
    "duration_minutes",
    "shuffle_questions",
    "shuffle_options",
    "draw",
    "pilot",
    "scoring",
];
pub const DRAW_KEYS: &[&str] = &["topic", "level", "count"];
pub const SCORING_KEYS: &[&str] = &["multiple", "thresholds"];
pub const KIND_NAMES: &[&str] = &["single", "multiple", "true_false"];
pub const MAX_OPTIONS: usize = 8;

/// What a file holds, by where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Ladder,
    Topics,
    Questions,
    Blueprint,
    Stray,
}

fn classify(relative: &Path) -> FileKind {
    let mut parts = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy());
    match (parts.next().as_deref(), parts.next()) {
        (Some("ladder.toml"), None) => FileKind::Ladder,
        (Some("topics.toml"), None) => FileKind::Topics,
        (Some("questions"), Some(_)) => FileKind::Questions,
        (Some("blueprints"), Some(_)) => FileKind::Blueprint,
        _ => FileKind::Stray,
    }
}

/// Load every `.toml` file under `dir`.
pub fn load_dir(dir: &Path) -> Loaded {
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    collect(dir, &mut files, &mut unreadable);
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut loaded = load_files(dir, files);
    for (path, why) in unreadable {
        let id = loaded.report.sources.add(path, String::new());
        loaded.report.diagnostics.push(Diagnostic::error(
            Loc {
                file: id,
                span: 0..0,
            },
            format!("cannot read this: {why}"),
        ));
    }
    loaded.report.sort();
    loaded
}

fn collect(dir: &Path, files: &mut Vec<(PathBuf, String)>, bad: &mut Vec<(PathBuf, String)>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            bad.push((dir.to_path_buf(), e.to_string()));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect(&path, files, bad);
        } else if path.extension().is_some_and(|e| e == "toml") {
            match std::fs::read(&path) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => files.push((path, text)),
                    Err(_) => bad.push((path, "it is not valid UTF-8".into())),
                },
                Err(e) => bad.push((path, e.to_string())),
            }
        }
    }
}

/// Load a bank from in-memory files; paths are classified relative to `root`.
pub fn load_files(root: &Path, files: Vec<(PathBuf, String)>) -> Loaded {
    let mut sources = Sources::default();
    let mut kinds = Vec::new();
    for (path, text) in files {
        let kind = classify(path.strip_prefix(root).unwrap_or(&path));
        let id = sources.add(path, text);
        kinds.push((id, kind));
    }
    let mut diags = Vec::new();
    let mut ctx = Ctx::default();

    if !kinds.iter().any(|k| k.1 == FileKind::Ladder) {
        let id = sources.add(root.join("ladder.toml"), String::new());
        diags.push(Diagnostic::error(
            Loc {
                file: id,
                span: 0..0,
            },
            "the bank has no ladder.toml: declare the ladder's levels there with [[level]] tables (number, name, measured)",
        ));
    }
    if !kinds.iter().any(|k| k.1 == FileKind::Topics) {
        let id = sources.add(root.join("topics.toml"), String::new());
        diags.push(Diagnostic::error(
            Loc {
                file: id,
                span: 0..0,
            },
            "the bank has no topics.toml: declare the topics there with [[topic]] tables",
        ));
    }
    for &(id, kind) in &kinds {
        if kind == FileKind::Stray {
            diags.push(Diagnostic::error(
                Loc { file: id, span: 0..0 },
                "this file is neither ladder.toml, topics.toml nor under questions/ or blueprints/, so nothing would read it",
            ));
        }
    }
    for pass in [
        FileKind::Ladder,
        FileKind::Topics,
        FileKind::Questions,
        FileKind::Blueprint,
    ] {
        for &(id, _) in kinds.iter().filter(|k| k.1 == pass) {
            let file = sources.get(id);
            let (doc, syntax) = DeTable::parse_recoverable(&file.text);
            let mut syntax_lines = Vec::new();
            for e in &syntax {
                let span = e.span().unwrap_or(0..0);
                syntax_lines.push(file.line_col(span.start).0);
                diags.push(Diagnostic::error(
                    Loc { file: id, span },
                    e.message().to_string(),
                ));
            }
            let mut semantic = Vec::new();
            let mut sink = Sink {
                file: id,
                diags: &mut semantic,
            };
            match pass {
                FileKind::Ladder => ctx.ladder_file(&mut sink, doc.get_ref()),
                FileKind::Topics => ctx.topics_file(&mut sink, doc.get_ref()),
                FileKind::Questions => ctx.questions_file(&mut sink, doc.get_ref()),
                _ => ctx.blueprint_file(&mut sink, doc.get_ref()),
            }
            // After a syntax error the recovered tree is partial: a "missing"
            // key may be the one the parser could not read, and problems on
            // the broken line are better told by the syntax error.
            if !syntax.is_empty() {
                semantic.retain(|d| {
                    d.code != Some(MISSING_KEY)
                        && !(d.loc.file == id
                            && syntax_lines.contains(&file.line_col(d.loc.span.start).0))
                });
            }
            diags.extend(semantic);
        }
    }

    let questions: Vec<Arc<Question>> = ctx.questions.into_iter().map(Arc::new).collect();
    let quizzes = ctx.quizzes.into_iter().map(Arc::new).collect();
    let bank = Bank::new(ctx.ladder, ctx.topics, questions, quizzes);
    // The thresholds must give a scale: above guessing, levels in order.
    for quiz in &bank.quizzes {
        let uncalibrated = crate::server::scoring::Calibration::new();
        if let Err(e) = crate::server::scoring::quiz_model(&bank, quiz, &uncalibrated) {
            if let Some(loc) = &quiz.thresholds_loc {
                diags.push(Diagnostic::error(
                    loc.clone(),
                    format!("quiz `{}`: {e}", quiz.id),
                ));
            }
        }
    }
    let mut report = Report {
        sources,
        diagnostics: diags,
    };
    report.sort();
    Loaded { bank, report }
}

/// A question without errors: its content, where it was written, its group.
type Parsed = (QuestionContent, QuestionLocs, Option<String>);

#[derive(Default)]
struct Ctx {
    ladder: Ladder,
    /// Whether ladder.toml was read without errors (levels are checked
    /// against it only then).
    ladder_ok: bool,
    topics: Vec<Topic>,
    topic_locs: HashMap<String, Loc>,
    questions: Vec<Question>,
    /// Every valid question id seen, with where, even of questions that
    /// have other errors (so duplicates are always reported).
    question_locs: HashMap<String, Loc>,
    quizzes: Vec<Quiz>,
    quiz_locs: HashMap<String, Loc>,
}

/// "levels 1 to 4", "level 1".
fn levels_phrase(top: u8) -> String {
    if top == 1 {
        "level 1".into()
    } else {
        format!("levels 1 to {top}")
    }
}

/// An error for an unknown name, with the nearest known one as a hint.
fn unknown(sink: &mut Sink<'_>, what: &str, s: &Spanned<String>, known: &[&str], fallback: &str) {
    let hint = match nearest(s.get_ref(), known) {
        Some(k) => format!("; did you mean `{k}`?"),
        None => fallback.to_string(),
    };
    sink.error(s.span(), format!("unknown {what} `{}`{hint}", s.get_ref()));
}

impl Ctx {
    /// A level that questions and draws may use: on the ladder and measured
    /// by a knowledge quiz. Any other value is an error at the value.
    fn measured_level(&self, sink: &mut Sink<'_>, l: Option<Spanned<i64>>) -> Option<Level> {
        let l = l?;
        let n = *l.get_ref();
        let Some(level) = Level::new(n) else {
            sink.error(
                l.span(),
                format!("level must be 1 to {}, not {n}", Level::LIMIT),
            );
            return None;
        };
        if !self.ladder_ok {
            return Some(level);
        }
        let top = self.ladder.top();
        match self.ladder.level(level) {
            None => {
                sink.error(
                    l.span(),
                    format!(
                        "level {n} is not on the ladder: ladder.toml declares {}",
                        levels_phrase(self.ladder.max())
                    ),
                );
                None
            }
            Some(def) if !def.measured => {
                sink.error(
                    l.span(),
                    format!(
                        "level {n} is not measured by a knowledge quiz (ladder.toml says `measured = false`: it is decided on impact and scope); use {}, the level the question really measures",
                        levels_phrase(top)
                    ),
                );
                None
            }
            Some(_) => Some(level),
        }
    }

    fn ladder_file(&mut self, sink: &mut Sink<'_>, doc: &DeTable<'_>) {
        let errors_before = sink.diags.len();
        let file = Fields::new(sink, doc, 0..0, "ladder.toml", LADDER_FILE_KEYS);
        let name = file.string(sink, "name", true);
        file.string(sink, "source", false);
        let mut levels: Vec<LadderLevel> = Vec::new();
        let mut measured_spans: Vec<(u8, bool, Span)> = Vec::new();
        for (position, (table, span)) in file.tables(sink, "level", true).into_iter().enumerate() {
            let f = Fields::new(sink, table, span.clone(), "level", LADDER_LEVEL_KEYS);
            let number = f.integer(sink, "number", true);
            let level_name = f.string(sink, "name", true);
            let measured = f.boolean(sink, "measured", true);
            let summary = f.string(sink, "summary", false);
            let mut descriptors = Vec::new();
            for column in Ladder::COLUMNS {
                if let Some(text) = f.string(sink, column, false) {
                    descriptors.push((column.to_string(), text.into_inner()));
                }
            }
            let (Some(number), Some(level_name), Some(measured)) = (number, level_name, measured)
            else {
                continue;
            };
            let expected = position as i64 + 1;
            if *number.get_ref() != expected {
                sink.error(
                    number.span(),
                    format!(
                        "levels are numbered 1, 2, 3, ... in order: this one should be {expected}, not {}",
                        number.get_ref()
                    ),
                );
                continue;
            }
            let Some(level) = Level::new(expected) else {
                sink.error(
                    number.span(),
                    format!("a ladder may have at most {} levels", Level::LIMIT),
                );
                continue;
            };
            if *measured.get_ref()
                && !descriptors
                    .iter()
                    .any(|(c, _)| Ladder::OBSERVED.contains(&c.as_str()))
            {
                sink.error(
                    span.clone(),
                    format!(
                        "level {expected} is measured, but describes neither `security_knowledge` nor `threat_fluency`, the columns a knowledge quiz observes"
                    ),
                );
            }
            measured_spans.push((level.get(), *measured.get_ref(), measured.span()));
            levels.push(LadderLevel {
                level,
                name: level_name.into_inner(),
                measured: *measured.get_ref(),
                summary: summary.map(Spanned::into_inner).unwrap_or_default(),
                descriptors,
            });
        }
        // A quiz tells levels apart from the bottom up: the measured levels
        // are 1 to some top level, with no gap.
        let top = measured_spans
            .iter()
            .take_while(|(_, measured, _)| *measured)
            .count();
        if top == 0 && !levels.is_empty() {
            sink.error(
                file.span(),
                "no level is `measured = true`: a quiz needs at least level 1 to measure",
            );
        }
        let first_unmeasured = measured_spans.get(top).map(|(n, _, _)| *n);
        for (n, measured, span) in measured_spans.iter().skip(top) {
            if let (true, Some(gap)) = (*measured, first_unmeasured) {
                sink.error(
                    span.clone(),
                    format!(
                        "level {n} is measured but level {gap} is not: the measured levels must be 1 up to the highest, with no gap"
                    ),
                );
            }
        }
        self.ladder = Ladder {
            name: name.map(Spanned::into_inner).unwrap_or_default(),
            levels,
        };
        self.ladder_ok = sink.diags.len() == errors_before && self.ladder.top() > 0;
    }

    fn topic_ids(&self) -> Vec<&str> {
        self.topics.iter().map(|t| t.id.as_str()).collect()
    }

    /// Check a topic reference; true if the topic is declared.
    fn known_topic(&self, sink: &mut Sink<'_>, t: &Spanned<String>) -> bool {
        let known = self.topic_ids();
        if known.contains(&t.get_ref().as_str()) {
            return true;
        }
        let fallback = if known.is_empty() {
            "; topics.toml declares none".to_string()
        } else {
            format!("; topics.toml declares {}", list(&known))
        };
        unknown(sink, "topic", t, &known, &fallback);
        false
    }

    fn topics_file(&mut self, sink: &mut Sink<'_>, doc: &DeTable<'_>) {
        let file = Fields::new(sink, doc, 0..0, "topics.toml", TOPIC_FILE_KEYS);
        for (table, span) in file.tables(sink, "topic", true) {
            let f = Fields::new(sink, table, span, "topic", TOPIC_KEYS);
            let id = f.string(sink, "id", true);
            let name = f.string(sink, "name", true);
            let description = f.string(sink, "description", false);
            let Some(id) = id.filter(|id| check_id(sink, id, "topic")) else {
                continue;
            };
            let loc = sink.loc(id.span());
            if let Some(first) = self.topic_locs.get(id.get_ref()) {
                sink.diags.push(
                    Diagnostic::error(loc, format!("duplicate topic id `{}`", id.get_ref()))
                        .with_note(first.clone(), "first declared here"),
                );
                continue;
            }
            self.topic_locs.insert(id.get_ref().clone(), loc);
            self.topics.push(Topic {
                id: id.into_inner(),
                name: name.map(Spanned::into_inner).unwrap_or_default(),
                description: description.map(Spanned::into_inner).unwrap_or_default(),
            });
        }
    }

    fn questions_file(&mut self, sink: &mut Sink<'_>, doc: &DeTable<'_>) {
        let file = Fields::new(sink, doc, 0..0, "a question file", QUESTION_FILE_KEYS);
        for (table, span) in file.tables(sink, "question", true) {
            let (id, question) = self.question(sink, table, span);
            let mut duplicate = false;
            if let Some(id) = id {
                let loc = sink.loc(id.span());
                match self.question_locs.get(id.get_ref()) {
                    Some(first) => {
                        sink.diags.push(
                            Diagnostic::error(
                                loc,
                                format!("duplicate question id `{}`", id.get_ref()),
                            )
                            .with_note(first.clone(), "first defined here"),
                        );
                        duplicate = true;
                    }
                    None => {
                        self.question_locs.insert(id.into_inner(), loc);
                    }
                }
            }
            if let (Some((content, locs, group)), false) = (question, duplicate) {
                self.questions
                    .push(Question::new(content, Some(locs)).with_group(group));
            }
        }
    }

    /// One question: its valid id (if any) and, when it has no errors, the
    /// question itself.
    fn question(
        &self,
        sink: &mut Sink<'_>,
        table: &DeTable<'_>,
        span: Span,
    ) -> (Option<Spanned<String>>, Option<Parsed>) {
        let header = sink.loc(span.clone());
        let errors_before = sink.diags.len();
        let f = Fields::new(sink, table, span, "question", QUESTION_KEYS);
        let id = f
            .string(sink, "id", true)
            .filter(|id| check_id(sink, id, "question"));
        let topic = f
            .string(sink, "topic", true)
            .filter(|t| self.known_topic(sink, t));
        let level_value = f.integer(sink, "level", true);
        let level = self.measured_level(sink, level_value);
        let group = f
            .string(sink, "group", false)
            .filter(|g| check_id(sink, g, "group"));
        let kind = f.string(sink, "kind", true).and_then(|k| {
            let parsed = QuestionKind::parse(k.get_ref());
            if parsed.is_none() {
                unknown(
                    sink,
                    "kind",
                    &k,
                    KIND_NAMES,
                    &format!("; expected {}", list(KIND_NAMES)),
                );
            }
            parsed
        });
        let prompt = f.string(sink, "prompt", true);
        if let Some(p) = prompt.as_ref().filter(|p| p.get_ref().trim().is_empty()) {
            sink.error(p.span(), "the prompt is empty");
        }
        let explanation = f.string(sink, "explanation", false);
        let references = f.strings(sink, "references", false).unwrap_or_default();
        for r in &references {
            let link = r.get_ref();
            if !(link.starts_with("https://") || link.starts_with("http://")) {
                sink.error(
                    r.span(),
                    format!("reference `{link}` is not an http(s) link"),
                );
            }
        }
        let tags = f.strings(sink, "tags", false).unwrap_or_default();
        for t in tags.iter().filter(|t| t.get_ref().trim().is_empty()) {
            sink.error(t.span(), "empty tag");
        }

        let mut option_locs = Vec::new();
        let options = if kind == Some(QuestionKind::TrueFalse) {
            if let Some(o) = f.get("options") {
                sink.error(
                    o.span(),
                    "a true_false question takes `answer = true` or `answer = false`, not options",
                );
            }
            f.boolean(sink, "answer", true).map(|a| {
                option_locs = vec![sink.loc(a.span()), sink.loc(a.span())];
                true_false_options(*a.get_ref())
            })
        } else {
            if let (Some(a), Some(kind)) = (f.get("answer"), kind) {
                sink.error(
                    a.span(),
                    format!(
                        "`answer` is only for true_false questions; mark the correct options of a {} question with `correct = true`",
                        kind.as_str()
                    ),
                );
            }
            // Checked even when the kind is unknown, so every mistake shows.
            options(sink, &f, kind, &mut option_locs)
        };

        let clean = sink.diags.len() == errors_before;
        let question = match (clean, &id, topic, level, kind, prompt, options) {
            (true, Some(id), Some(topic), Some(level), Some(kind), Some(prompt), Some(options)) => {
                let locs = QuestionLocs {
                    header,
                    prompt: sink.loc(prompt.span()),
                    options: option_locs,
                };
                let content = QuestionContent {
                    id: id.get_ref().clone(),
                    topic: topic.into_inner(),
                    level,
                    kind,
                    prompt: prompt.into_inner(),
                    options,
                    explanation: explanation.map(Spanned::into_inner).unwrap_or_default(),
                    references: references.into_iter().map(Spanned::into_inner).collect(),
                    tags: tags.into_iter().map(Spanned::into_inner).collect(),
                };
                Some((content, locs, group.map(Spanned::into_inner)))
            }
            _ => None,
        };
        (id, question)
    }

    fn blueprint_file(&mut self, sink: &mut Sink<'_>, doc: &DeTable<'_>) {
        let errors_before = sink.diags.len();
        let f = Fields::new(sink, doc, 0..0, "a quiz definition", QUIZ_KEYS);
        let id = f
            .string(sink, "id", true)
            .filter(|i| check_id(sink, i, "quiz"));
        let title = f.string(sink, "title", true);
        if let Some(t) = title.as_ref().filter(|t| t.get_ref().trim().is_empty()) {
            sink.error(t.span(), "the title is empty");
        }
        let description = f.string(sink, "description", false);
        let duration = f.integer(sink, "duration_minutes", true).filter(|d| {
            let ok = (QuizContent::MIN_MINUTES..=QuizContent::MAX_MINUTES).contains(d.get_ref());
            if !ok {
                sink.error(
                    d.span(),
                    format!(
                        "duration_minutes must be {} to {}, not {}",
                        QuizContent::MIN_MINUTES,
                        QuizContent::MAX_MINUTES,
                        d.get_ref()
                    ),
                );
            }
            ok
        });
        let shuffle_questions = f.boolean(sink, "shuffle_questions", false);
        let shuffle_options = f.boolean(sink, "shuffle_options", false);
        let pilot = self.pilot(sink, &f);
        let (draws, draw_locs) = self.draws(sink, &f, &pilot);
        if f.has("draw") && draws.is_empty() && sink.diags.len() == errors_before {
            sink.error(f.span(), "a quiz definition needs at least one [[draw]]");
        }
        let scoring_table = f.table(sink, "scoring", false);
        let thresholds_span = scoring_table.as_ref().and_then(|(t, _)| {
            t.iter()
                .find(|(k, _)| k.get_ref().as_ref() == "thresholds")
                .map(|(_, v)| v.span())
        });
        let top = self.ladder.top();
        let scoring = match scoring_table {
            Some((t, span)) => scoring(sink, t, span, top),
            None => Some(ScoringPolicy::for_levels(top)),
        };

        let (Some(id), Some(title), Some(duration), Some(scoring)) = (id, title, duration, scoring)
        else {
            return;
        };
        let loc = sink.loc(id.span());
        if let Some(first) = self.quiz_locs.get(id.get_ref()) {
            sink.diags.push(
                Diagnostic::error(loc, format!("duplicate quiz id `{}`", id.get_ref()))
                    .with_note(first.clone(), "first defined here"),
            );
            return;
        }
        self.quiz_locs.insert(id.get_ref().clone(), loc.clone());
        if sink.diags.len() != errors_before {
            return;
        }
        let content = QuizContent {
            id: id.into_inner(),
            title: title.into_inner(),
            description: description.map(Spanned::into_inner).unwrap_or_default(),
            duration_minutes: *duration.get_ref() as u32,
            shuffle_questions: shuffle_questions.map(|s| *s.get_ref()).unwrap_or(true),
            shuffle_options: shuffle_options.map(|s| *s.get_ref()).unwrap_or(true),
            draws,
            pilot: pilot.into_iter().map(Spanned::into_inner).collect(),
            scoring,
        };
        let hash = content.hash();
        let thresholds_loc = Some(thresholds_span.map_or(loc.clone(), |span| sink.loc(span)));
        self.quizzes.push(Quiz {
            content,
            hash,
            loc: Some(loc),
            draw_locs,
            thresholds_loc,
        });
    }

    /// Pilot question ids: each in the bank, none twice.
    fn pilot(&self, sink: &mut Sink<'_>, f: &Fields<'_, '_>) -> Vec<Spanned<String>> {
        let mut out: Vec<Spanned<String>> = Vec::new();
        for p in f.strings(sink, "pilot", false).unwrap_or_default() {
            if out.iter().any(|q| q.get_ref() == p.get_ref()) {
                sink.error(
                    p.span(),
                    format!("pilot question `{}` is listed twice", p.get_ref()),
                );
            } else if !self.questions.iter().any(|q| q.id == *p.get_ref()) {
                let ids: Vec<&str> = self.questions.iter().map(|q| q.id.as_str()).collect();
                unknown(sink, "pilot question", &p, &ids, "; it is not in the bank");
            } else {
                out.push(p);
            }
        }
        out
    }

    /// The draws: known topics and levels, no cell twice, each feasible
    /// against the questions of the bank (minus this quiz's pilots).
    fn draws(
        &self,
        sink: &mut Sink<'_>,
        f: &Fields<'_, '_>,
        pilot: &[Spanned<String>],
    ) -> (Vec<Draw>, Vec<Loc>) {
        let mut draws = Vec::new();
        let mut locs = Vec::new();
        let mut cells: HashMap<(String, Level), Span> = HashMap::new();
        for (table, span) in f.tables(sink, "draw", true) {
            let d = Fields::new(sink, table, span.clone(), "draw", DRAW_KEYS);
            let topic = d
                .string(sink, "topic", true)
                .filter(|t| self.known_topic(sink, t));
            let level_value = d.integer(sink, "level", true);
            let level = self.measured_level(sink, level_value);
            let count = d.integer(sink, "count", true).filter(|c| {
                let ok = (1..=100).contains(c.get_ref());
                if !ok {
                    sink.error(
                        c.span(),
                        format!("count must be 1 to 100, not {}", c.get_ref()),
                    );
                }
                ok
            });
            let (Some(topic), Some(level), Some(count)) = (topic, level, count) else {
                continue;
            };
            let key = (topic.get_ref().clone(), level);
            if let Some(first) = cells.get(&key) {
                let d = Diagnostic::error(
                    sink.loc(span.clone()),
                    format!(
                        "topic `{}` at level {level} is drawn twice; merge the two counts",
                        topic.get_ref()
                    ),
                )
                .with_note(sink.loc(first.clone()), "first drawn here");
                sink.diags.push(d);
                continue;
            }
            cells.insert(key, span.clone());
            let count = *count.get_ref() as u32;
            let available = self
                .questions
                .iter()
                .filter(|q| q.topic == *topic.get_ref() && q.level == level)
                .filter(|q| !pilot.iter().any(|p| *p.get_ref() == q.id))
                .count();
            if count as usize > available {
                sink.error(
                    span.clone(),
                    format!(
                        "this quiz draws {count} {} of topic `{}` at level {level}, but the bank holds only {available}{}",
                        if count == 1 { "question" } else { "questions" },
                        topic.get_ref(),
                        if pilot.is_empty() { "" } else { " (not counting this quiz's pilot questions)" },
                    ),
                );
                continue;
            }
            locs.push(sink.loc(span));
            draws.push(Draw {
                topic: topic.into_inner(),
                level,
                count,
            });
        }
        (draws, locs)
    }
}

/// The options of a single or multiple question (or of one whose kind is
/// unknown: then only the options themselves are checked).
fn options(
    sink: &mut Sink<'_>,
    f: &Fields<'_, '_>,
    kind: Option<QuestionKind>,
    locs: &mut Vec<Loc>,
) -> Option<Vec<OptionContent>> {
    let tables = f.tables(sink, "options", kind.is_some());
    let options_span = f.get("options")?.span();
    let mut out = Vec::new();
    let mut ok = true;
    let mut seen_ids: HashMap<String, Span> = HashMap::new();
    let mut seen_text: HashMap<String, Span> = HashMap::new();
    for (table, span) in tables {
        let o = Fields::new(sink, table, span, "option", OPTION_KEYS);
        let id = o
            .string(sink, "id", true)
            .filter(|id| check_id(sink, id, "option"));
        let text = o.string(sink, "text", true);
        let correct = o
            .boolean(sink, "correct", false)
            .is_some_and(|c| *c.get_ref());
        let pinned = o
            .boolean(sink, "pinned", false)
            .is_some_and(|c| *c.get_ref());
        let (Some(id), Some(text)) = (id, text) else {
            ok = false;
            continue;
        };
        if let Some(first) = seen_ids.get(id.get_ref()) {
            let d = Diagnostic::error(
                sink.loc(id.span()),
                format!("duplicate option id `{}` in this question", id.get_ref()),
            )
            .with_note(sink.loc(first.clone()), "first used here");
            sink.diags.push(d);
            ok = false;
        } else {
            seen_ids.insert(id.get_ref().clone(), id.span());
        }
        let norm = text.get_ref().trim().to_lowercase();
        if norm.is_empty() {
            sink.error(text.span(), "the option's text is empty");
            ok = false;
        } else if let Some(first) = seen_text.get(&norm) {
            let d = Diagnostic::error(
                sink.loc(text.span()),
                "two options of this question have the same text",
            )
            .with_note(sink.loc(first.clone()), "the other one");
            sink.diags.push(d);
            ok = false;
        } else {
            seen_text.insert(norm, text.span());
        }
        locs.push(sink.loc(text.span()));
        out.push(OptionContent {
            id: id.into_inner(),
            text: text.into_inner(),
            correct,
            pinned,
        });
    }
    let kind = kind?;
    if !ok {
        return None;
    }
    let correct = out.iter().filter(|o| o.correct).count();
    let problem = if out.len() < 2 {
        Some(format!(
            "a {} question needs at least 2 options, it has {}",
            kind.as_str(),
            out.len()
        ))
    } else if out.len() > MAX_OPTIONS {
        Some(format!(
            "a question may have at most {MAX_OPTIONS} options, it has {}",
            out.len()
        ))
    } else if kind == QuestionKind::Single && correct != 1 {
        Some(format!(
            "a single question needs exactly one option with `correct = true`, it has {correct}"
        ))
    } else if kind == QuestionKind::Multiple && correct == 0 {
        Some("a multiple question needs at least one option with `correct = true`".to_string())
    } else {
        None
    };
    match problem {
        Some(message) => {
            sink.error(options_span, message);
            None
        }
        None => Some(out),
    }
}

fn scoring(sink: &mut Sink<'_>, table: &DeTable<'_>, span: Span, top: u8) -> Option<ScoringPolicy> {
    let f = Fields::new(sink, table, span, "[scoring]", SCORING_KEYS);
    let mut policy = ScoringPolicy::for_levels(top);
    let mut ok = true;
    if let Some(m) = f.string(sink, "multiple", false) {
        match MultiplePolicy::parse(m.get_ref()) {
            Some(p) => policy.multiple = p,
            None => {
                let fallback = format!("; expected {}", list(&MultiplePolicy::NAMES));
                unknown(
                    sink,
                    "scoring policy",
                    &m,
                    &MultiplePolicy::NAMES,
                    &fallback,
                );
                ok = false;
            }
        }
    }
    if let Some((t, span)) = f.table(sink, "thresholds", false) {
        let keys: Vec<String> = Level::up_to(top).map(|l| l.to_string()).collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let th = Fields::new(sink, t, span, "[scoring.thresholds]", &keys);
        for level in Level::up_to(top) {
            match th.number(sink, &level.to_string(), true) {
                Some(v) if *v.get_ref() > 0.0 && *v.get_ref() < 1.0 => {
                    policy.thresholds[level.index()] = *v.get_ref();
                }
                Some(v) => {
                    sink.error(
                        v.span(),
                        format!(
                            "the threshold of level {level} is a probability and must be strictly between 0 and 1, not {}",
                            v.get_ref()
                        ),
                    );
                    ok = false;
                }
                None => ok = false,
            }
        }
    }
    ok.then_some(policy)
}

fn true_false_options(answer: bool) -> Vec<OptionContent> {
    vec![
        OptionContent {
            id: "true".into(),
            text: "True".into(),
            correct: answer,
            pinned: true,
        },
        OptionContent {
            id: "false".into(),
            text: "False".into(),
            correct: !answer,
            pinned: true,
        },
    ]
}

/// Ids are stable handles used in URLs, reports and calibration data.
fn check_id(sink: &mut Sink<'_>, id: &Spanned<String>, what: &str) -> bool {
    let s = id.get_ref();
    let valid = !s.is_empty()
        && s.len() <= 80
        && s.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
    if !valid {
        sink.error(
            id.span(),
            format!(
                "{what} id `{s}` must be 1 to 80 characters: lowercase letters, digits, `-`, `_` or `.`, starting with a letter or digit"
            ),
        );
    }
    valid
}
