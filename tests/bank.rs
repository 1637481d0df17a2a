//! The question bank: the shipped bank's guarantees, the linter's exact
//! diagnostics, the loader's robustness, the JSON Schemas, the importer.

use proptest::prelude::*;
use rung::domain::{Level, QuestionKind};
use rung::server::bank::{self, load};
use std::path::{Path, PathBuf};
use std::process::Command;

fn rung() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rung"))
}

// ---- the shipped bank ----------------------------------------------------------

#[test]
fn the_shipped_bank_has_no_errors_and_no_position_skew() {
    let loaded = bank::lint_dir(Path::new("quizzes"));
    let report = loaded.report.render();
    assert_eq!(loaded.report.errors(), 0, "{report}");
    assert!(!report.contains("skewed"), "{report}");
}

#[test]
fn the_shipped_ladder_measures_levels_1_to_4_of_6() {
    let loaded = bank::load_dir(Path::new("quizzes"));
    let ladder = &loaded.bank.ladder;
    assert_eq!(ladder.levels.len(), 6);
    assert_eq!(ladder.top(), 4);
    assert!(ladder.open_top());
    for l in &ladder.levels {
        let observed = l
            .descriptors
            .iter()
            .any(|(c, _)| c == "security_knowledge" || c == "threat_fluency");
        // What a quiz observes is described exactly for the measured levels.
        assert_eq!(observed, l.measured, "level {}", l.level);
    }
}

#[test]
fn the_shipped_bank_covers_every_topic_at_every_measured_level() {
    let loaded = bank::load_dir(Path::new("quizzes"));
    let b = &loaded.bank;
    assert!(b.questions.len() >= 240, "{} questions", b.questions.len());
    for topic in ["owasp", "pki", "authn", "authz"] {
        assert!(b.topic(topic).is_some(), "topic {topic}");
        for level in b.ladder.measured() {
            let n = b.cell(topic, level).count();
            assert!(n >= 15, "{topic} level {level}: {n} questions");
        }
    }
    for q in &b.questions {
        assert!(
            b.ladder.is_measured(q.level),
            "{} at level {}",
            q.id,
            q.level
        );
    }
    for q in &b.questions {
        assert!(
            !q.explanation.trim().is_empty(),
            "{} has no explanation",
            q.id
        );
        assert!(!q.references.is_empty(), "{} has no reference", q.id);
    }
}

#[test]
fn the_shipped_quizzes_last_20_25_and_30_minutes() {
    let loaded = bank::load_dir(Path::new("quizzes"));
    let mut minutes: Vec<u32> = loaded
        .bank
        .quizzes
        .iter()
        .map(|q| q.duration_minutes)
        .collect();
    minutes.sort();
    assert_eq!(minutes, [20, 25, 30]);
}

// ---- exact diagnostics ---------------------------------------------------------

fn golden(case: &str) -> (PathBuf, String) {
    let dir = PathBuf::from("tests/fixtures/lint").join(case);
    let expected = std::fs::read_to_string(dir.join("expected.txt")).expect("expected.txt");
    (dir, expected)
}

#[test]
fn a_broken_bank_gets_every_error_with_its_position() {
    let (dir, expected) = golden("broken");
    let loaded = bank::lint_dir(&dir);
    assert_eq!(loaded.report.render(), expected);
    assert_eq!(loaded.report.errors(), 28);
}

#[test]
fn a_flawed_bank_gets_item_writing_warnings() {
    let (dir, expected) = golden("flawed");
    let loaded = bank::lint_dir(&dir);
    assert_eq!(loaded.report.render(), expected);
    assert_eq!(loaded.report.errors(), 0);
    assert_eq!(loaded.report.warnings(), 8);
}

#[test]
fn rung_lint_exits_1_on_errors_and_0_on_warnings() {
    for (case, code) in [("broken", 1), ("flawed", 0)] {
        let (dir, expected) = golden(case);
        let out = rung().arg("lint").arg(&dir).output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{case}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(stdout.starts_with(&expected), "{case}: {stdout}");
        // A bank that loads gets the cue report after its diagnostics.
        assert_eq!(
            stdout.contains("Cues: a test-wise answerer"),
            code == 0,
            "{stdout}"
        );
    }
}

#[test]
fn a_missing_bank_directory_is_an_error_not_a_panic() {
    let out = rung().args(["lint", "no/such/dir"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("no/such/dir:1:1: error: cannot read this: No such file or directory"),
        "{text}"
    );
}

#[tokio::test]
async fn the_server_refuses_to_start_on_a_bank_with_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut config =
        rung::server::config::Config::for_tests(format!("sqlite://{}/x.db", dir.path().display()));
    config.quizzes_dir = PathBuf::from("tests/fixtures/lint/broken");
    let options = leptos::prelude::LeptosOptions::builder()
        .output_name("rung")
        .site_addr(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .build();
    let result =
        rung::server::http::startup::Application::build(config, Default::default(), options).await;
    let Err(error) = result else {
        panic!("the server started on a broken bank")
    };
    let (_, expected) = golden("broken");
    // The same diagnostics as `rung lint`, minus the warnings (there are none).
    assert_eq!(
        error.to_string(),
        format!("the question bank has errors:\n{expected}")
    );
}

// ---- robustness ------------------------------------------------------------------

/// A ladder measuring levels 1 and 2 of three.
const LADDER: &str = r#"name = "Test"
[[level]]
number = 1
name = "One"
measured = true
security_knowledge = "Knows the basics."
[[level]]
number = 2
name = "Two"
measured = true
threat_fluency = "Runs the attacks."
[[level]]
number = 3
name = "Three"
measured = false
impact = "Leads."
"#;

fn load_with_ladder(ladder: &str) -> bank::Loaded {
    let root = Path::new("/bank");
    load::load_files(
        root,
        vec![
            (root.join("ladder.toml"), ladder.into()),
            (
                root.join("topics.toml"),
                "[[topic]]\nid = \"pki\"\nname = \"PKI\"\n".into(),
            ),
            (root.join("questions/x.toml"), VALID.into()),
        ],
    )
}

#[test]
fn a_broken_ladder_gets_every_error_with_its_position() {
    let ladder = r#"name = "Broken"
[[level]]
number = 1
name = "One"
measured = true
[[level]]
number = 3
name = "Skipped a number"
measured = false
[[level]]
number = 3
name = "Three"
measured = false
security_knowledge = "x"
[[level]]
number = 4
name = "Four"
measured = true
threat_fluency = "x"
    scope = "x"
extra = 1
"#;
    let loaded = load_with_ladder(ladder);
    let text = loaded.report.render();
    assert!(text.contains("/bank/ladder.toml:2:1: error: level 1 is measured, but describes neither `security_knowledge` nor `threat_fluency`"), "{text}");
    assert!(text.contains("/bank/ladder.toml:7:10: error: levels are numbered 1, 2, 3, ... in order: this one should be 2, not 3"), "{text}");
    assert!(text.contains("/bank/ladder.toml:18:12: error: level 4 is measured but level 3 is not: the measured levels must be 1 up to the highest, with no gap"), "{text}");
    assert_eq!(loaded.report.errors(), 4, "{text}");
    assert!(text.contains("unknown key `extra` in level"), "{text}");
}

#[test]
fn a_question_at_a_level_the_quiz_cannot_measure_is_an_error() {
    let loaded = load_one(&VALID.replace("level = 1", "level = 3"));
    let text = loaded.report.render();
    assert!(
        text.contains("/bank/questions/x.toml:4:9: error: level 3 is not measured by a knowledge quiz (ladder.toml says `measured = false`: it is decided on impact and scope); use levels 1 to 2, the level the question really measures"),
        "{text}"
    );
    let loaded = load_one(&VALID.replace("level = 1", "level = 4"));
    assert!(
        loaded
            .report
            .render()
            .contains("error: level 4 is not on the ladder: ladder.toml declares levels 1 to 3"),
        "{}",
        loaded.report.render()
    );
}

#[test]
fn a_bank_without_a_ladder_says_so() {
    let root = Path::new("/bank");
    let loaded = load::load_files(
        root,
        vec![(
            root.join("topics.toml"),
            "[[topic]]\nid = \"pki\"\nname = \"PKI\"\n".into(),
        )],
    );
    assert!(
        loaded
            .report
            .render()
            .starts_with("/bank/ladder.toml:1:1: error: the bank has no ladder.toml"),
        "{}",
        loaded.report.render()
    );
}

fn load_one(text: &str) -> bank::Loaded {
    let root = Path::new("/bank");
    load::load_files(
        root,
        vec![
            (root.join("ladder.toml"), LADDER.into()),
            (root.join("topics.toml"), "[[topic]]\nid = \"pki\"\nname = \"PKI\"\n".into()),
            (root.join("questions/x.toml"), text.to_string()),
            (
                root.join("blueprints/q.toml"),
                "id = \"q\"\ntitle = \"Q\"\nduration_minutes = 20\ndraw = [{ topic = \"pki\", level = 1, count = 1 }]\n".into(),
            ),
        ],
    )
}

const VALID: &str = r#"[[question]]
id = "q1"
topic = "pki"
level = 1
kind = "single"
prompt = "Which?"
options = [
  { id = "a", text = "A", correct = true },
  { id = "b", text = "B" },
]
explanation = "Because."
references = ["https://example.org"]
"#;

#[test]
fn the_valid_seed_of_the_fuzz_tests_loads() {
    let loaded = load_one(VALID);
    assert!(loaded.is_ok(), "{}", loaded.report.render());
    assert_eq!(loaded.bank.questions.len(), 1);
}

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[[question]]\n".to_string()),
        Just("[question]\n".to_string()),
        Just("options = [".to_string()),
        Just("{ id = \"a\", text = \"A\", correct = true }".to_string()),
        Just("]\n".to_string()),
        Just("\"\"\"".to_string()),
        Just("'''".to_string()),
        Just("level = ".to_string()),
        Just("kind = \"multiple\"\n".to_string()),
        Just("answer = true\n".to_string()),
        Just("\n".to_string()),
        Just(" = ".to_string()),
        Just(",".to_string()),
        "[a-z_]{1,8}".prop_map(|s| s),
        "-?[0-9]{1,20}".prop_map(|s| s),
        "\\PC{0,12}".prop_map(|s| s),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn the_loader_never_panics_on_arbitrary_text(text in "\\PC*") {
        let loaded = load_one(&text);
        // Whatever happens, the report renders.
        let _ = loaded.report.render();
    }

    #[test]
    fn the_loader_never_panics_on_toml_shaped_noise(tokens in prop::collection::vec(token(), 0..60)) {
        let loaded = load_one(&tokens.concat());
        let _ = loaded.report.render();
    }

    #[test]
    fn the_loader_never_panics_on_a_mutated_valid_file(cut in 0..VALID.len(), len in 0usize..20, insert in "\\PC{0,8}") {
        let mut text = VALID.to_string();
        let start = (0..=cut).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        let end = (start + len).min(text.len());
        let end = (end..=text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
        text.replace_range(start..end, &insert);
        let loaded = load_one(&text);
        let rendered = loaded.report.render();
        // A bank with errors never yields a quiz that could be served.
        if loaded.report.errors() > 0 {
            prop_assert!(rendered.contains("error:"));
        }
    }
}

// ---- JSON Schemas -----------------------------------------------------------------

fn schema(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(format!("quizzes/schema/{name}.schema.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&json).expect("a valid JSON Schema")
}

fn toml_as_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    let value: toml::Value = toml::from_str(&text).unwrap();
    serde_json::to_value(value).unwrap()
}

fn toml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            toml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

#[test]
fn every_shipped_file_validates_against_its_json_schema() {
    let (questions, blueprints, topics, ladder) = (
        schema("questions"),
        schema("blueprint"),
        schema("topics"),
        schema("ladder"),
    );
    let mut files = Vec::new();
    toml_files(Path::new("quizzes"), &mut files);
    assert!(files.len() > 5);
    for path in files {
        let json = toml_as_json(&path);
        let rel = path.strip_prefix("quizzes").unwrap();
        let validator = match rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap()
        {
            "questions" => &questions,
            "blueprints" => &blueprints,
            "topics.toml" => &topics,
            "ladder.toml" => &ladder,
            other => panic!("unexpected file {other}"),
        };
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    }
}

#[test]
fn the_json_schemas_reject_what_the_linter_rejects() {
    let questions = schema("questions");
    let bad = toml_as_json(Path::new(
        "tests/fixtures/lint/broken/questions/owasp/mistakes.toml",
    ));
    let errors: Vec<String> = questions.iter_errors(&bad).map(|e| e.to_string()).collect();
    assert!(errors.iter().any(|e| e.contains("levle")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("singel")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("7")), "{errors:?}");
    let quiz = schema("blueprint");
    let bad = toml_as_json(Path::new("tests/fixtures/lint/broken/blueprints/quiz.toml"));
    let errors: Vec<String> = quiz.iter_errors(&bad).map(|e| e.to_string()).collect();
    assert!(errors.iter().any(|e| e.contains("45")), "{errors:?}");
    assert!(
        errors.iter().any(|e| e.contains("shuffle_question")),
        "{errors:?}"
    );
}

fn schema_keys(schema: &serde_json::Value, pointer: &str) -> Vec<String> {
    let mut keys: Vec<String> = schema
        .pointer(pointer)
        .and_then(|v| v.as_object())
        .unwrap_or_else(|| panic!("no {pointer}"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

fn sorted(keys: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = keys.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[test]
fn the_json_schemas_know_exactly_the_keys_the_loader_knows() {
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(
            &std::fs::read_to_string(format!("quizzes/schema/{name}.schema.json")).unwrap(),
        )
        .unwrap()
    };
    let q = read("questions");
    assert_eq!(
        schema_keys(&q, "/definitions/question/properties"),
        sorted(load::QUESTION_KEYS)
    );
    assert_eq!(
        schema_keys(&q, "/definitions/option/properties"),
        sorted(load::OPTION_KEYS)
    );
    let kinds: Vec<&str> = q
        .pointer("/definitions/question/properties/kind/enum")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(kinds, load::KIND_NAMES);
    let b = read("blueprint");
    assert_eq!(schema_keys(&b, "/properties"), sorted(load::QUIZ_KEYS));
    assert_eq!(
        schema_keys(&b, "/properties/draw/items/properties"),
        sorted(load::DRAW_KEYS)
    );
    assert_eq!(
        schema_keys(&b, "/properties/scoring/properties"),
        sorted(load::SCORING_KEYS)
    );
    assert!(
        b.pointer("/properties/scoring/properties/thresholds/patternProperties")
            .is_some(),
        "thresholds are keyed by level number"
    );
    let l = read("ladder");
    assert_eq!(
        schema_keys(&l, "/properties"),
        sorted(load::LADDER_FILE_KEYS)
    );
    assert_eq!(
        schema_keys(&l, "/properties/level/items/properties"),
        sorted(load::LADDER_LEVEL_KEYS)
    );
    let t = read("topics");
    assert_eq!(
        schema_keys(&t, "/properties/topic/items/properties"),
        sorted(load::TOPIC_KEYS)
    );
}

// ---- mdbook-quiz import -------------------------------------------------------------

use rung::server::import;

fn import_file(name: &str) -> import::Imported {
    let text = std::fs::read_to_string(format!("tests/fixtures/mdbook-quiz/{name}")).unwrap();
    import::mdbook_quiz(&text, "owasp", Level::new(2).unwrap(), "owasp-imp").unwrap()
}

/// Load imported questions as a bank file would be.
fn reload(questions: &[rung::server::bank::QuestionContent]) -> bank::Loaded {
    let root = Path::new("/bank");
    load::load_files(
        root,
        vec![
            (root.join("ladder.toml"), LADDER.into()),
            (
                root.join("topics.toml"),
                "[[topic]]\nid = \"owasp\"\nname = \"Web\"\n".into(),
            ),
            (
                root.join("questions/imported.toml"),
                import::to_toml(questions, "test"),
            ),
        ],
    )
}

#[test]
fn mdbook_quiz_multiple_choice_questions_round_trip() {
    let imported = import_file("web-basics.toml");
    assert_eq!(imported.questions.len(), 2);
    let skipped: Vec<(usize, &str)> = imported
        .skipped
        .iter()
        .map(|s| (s.number, s.reason.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                2,
                "rung has no ShortAnswer questions; only MultipleChoice is imported"
            ),
            (
                4,
                "rung has no Tracing questions; only MultipleChoice is imported"
            ),
        ]
    );
    let loaded = reload(&imported.questions);
    assert!(loaded.is_ok(), "{}", loaded.report.render());
    let back: Vec<_> = loaded
        .bank
        .questions
        .iter()
        .map(|q| q.content.clone())
        .collect();
    assert_eq!(back, imported.questions, "what was written is what is read");

    let csrf = &back[0];
    assert_eq!(csrf.id, "owasp-imp-5b0f6a52-0d6f-4b8e-9d0a-7f2f3c1e9a11");
    assert_eq!(csrf.kind, QuestionKind::Single);
    assert_eq!((csrf.topic.as_str(), csrf.level.get()), ("owasp", 2));
    assert!(csrf.prompt.starts_with("A form posts to `/transfer`"));
    let correct: Vec<&str> = csrf
        .options
        .iter()
        .filter(|o| o.correct)
        .map(|o| o.text.as_str())
        .collect();
    assert_eq!(
        correct,
        ["An unpredictable anti-CSRF token checked by the server."]
    );
    assert_eq!(csrf.options.len(), 4);
    assert!(csrf.explanation.starts_with("Only a secret"));

    let cookies = &back[1];
    assert_eq!(cookies.kind, QuestionKind::Multiple);
    assert_eq!(cookies.options.iter().filter(|o| o.correct).count(), 2);
    assert_eq!(cookies.options.len(), 4);
}

#[test]
fn mdbook_quiz_multipart_context_and_answer_index_are_kept() {
    let imported = import_file("tls-multipart.toml");
    assert!(imported.skipped.is_empty());
    let q = &imported.questions[0];
    assert!(
        q.prompt
            .starts_with("A client connects to `api.example.com`"),
        "{}",
        q.prompt
    );
    assert!(q.prompt.ends_with("know the certificate is for this host?"));
    assert!(
        q.options[1].correct,
        "answerIndex = 1 puts the answer second"
    );
    // No id in the source: one is made from the question's own prompt.
    assert!(
        q.id.starts_with("owasp-imp-what-does-the-client-check-"),
        "{}",
        q.id
    );
    assert_ne!(imported.questions[1].id, q.id);
    assert_eq!(imported.questions[1].explanation, "");
    assert!(reload(&imported.questions).is_ok());
}

#[test]
fn a_file_that_is_not_toml_is_refused_and_odd_entries_are_skipped() {
    let err = import::mdbook_quiz("[[questions]\n", "owasp", Level::new(1).unwrap(), "x");
    assert!(err.is_err());
    let imported = import_file("not-a-quiz.toml");
    assert_eq!(imported.questions.len(), 0);
    assert_eq!(imported.skipped[0].reason, "it has no `type`");
}

#[test]
fn rung_import_writes_a_file_that_lints_clean() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("imported.toml");
    let status = rung()
        .args([
            "import",
            "mdbook-quiz",
            "tests/fixtures/mdbook-quiz/web-basics.toml",
            "tests/fixtures/mdbook-quiz/tls-multipart.toml",
        ])
        .args(["--topic", "pki", "--level", "2", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let stderr = String::from_utf8(status.stderr).unwrap();
    assert!(
        stderr.contains("web-basics.toml: skipped question 2: rung has no ShortAnswer questions"),
        "{stderr}"
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let root = Path::new("/bank");
    let loaded = load::load_files(
        root,
        vec![
            (root.join("ladder.toml"), LADDER.into()),
            (
                root.join("topics.toml"),
                "[[topic]]\nid = \"pki\"\nname = \"PKI\"\n".into(),
            ),
            (root.join("questions/imported.toml"), text),
        ],
    );
    assert!(loaded.is_ok(), "{}", loaded.report.render());
    assert_eq!(loaded.bank.questions.len(), 4);
    assert!(loaded
        .bank
        .questions
        .iter()
        .all(|q| q.level.get() == 2 && q.topic == "pki"));
    // It refuses to overwrite.
    let again = rung()
        .args([
            "import",
            "mdbook-quiz",
            "tests/fixtures/mdbook-quiz/web-basics.toml",
            "--topic",
            "pki",
            "--level",
            "3",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(!again.status.success());
    let bad_level = rung()
        .args([
            "import",
            "mdbook-quiz",
            "tests/fixtures/mdbook-quiz/web-basics.toml",
            "--topic",
            "pki",
            "--level",
            "5",
        ])
        .output()
        .unwrap();
    assert!(!bad_level.status.success());
    assert!(
        String::from_utf8_lossy(&bad_level.stderr)
            .contains("--level must be a level the ladder measures, 1 to 4"),
        "{}",
        String::from_utf8_lossy(&bad_level.stderr)
    );
}
