//! Benchmark: load and lint a generated bank of 10,000 questions.
//! Run with `make bench` (goal: under 0.5 s on a 2-core machine).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

const QUESTIONS: usize = 10_000;
const PER_FILE: usize = 100;
const RUNS: usize = 10;

fn words() -> Vec<String> {
    // A vocabulary large enough that random prompts are not near-duplicates.
    let stems = [
        "token",
        "session",
        "cookie",
        "certificate",
        "chain",
        "issuer",
        "scope",
        "role",
        "tenant",
        "policy",
        "header",
        "request",
        "origin",
        "nonce",
        "secret",
        "key",
        "hash",
        "salt",
        "server",
        "client",
        "proxy",
        "cache",
        "query",
        "parameter",
        "signature",
        "audience",
        "claim",
        "grant",
        "refresh",
        "revocation",
        "stapling",
        "handshake",
        "cipher",
        "permission",
        "resource",
        "object",
        "endpoint",
        "redirect",
        "callback",
        "payload",
        "input",
    ];
    let suffixes = [
        "", "s", "ed", "ing", "er", "ly", "ness", "ful", "ish", "ward",
    ];
    stems
        .iter()
        .flat_map(|s| suffixes.iter().map(move |x| format!("{s}{x}")))
        .collect()
}

fn sentence(rng: &mut ChaCha8Rng, words: &[String], n: usize) -> String {
    (0..n)
        .map(|_| words[rng.random_range(0..words.len())].as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn generate(dir: &Path) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let words = words();
    let topics = ["owasp", "pki", "authn", "authz"];
    let mut t = String::new();
    for id in topics {
        let _ = writeln!(t, "[[topic]]\nid = \"{id}\"\nname = \"{id}\"\n");
    }
    std::fs::write(dir.join("topics.toml"), t).unwrap();
    std::fs::copy("quizzes/ladder.toml", dir.join("ladder.toml")).unwrap();
    std::fs::create_dir_all(dir.join("questions")).unwrap();
    std::fs::create_dir_all(dir.join("blueprints")).unwrap();
    for file in 0..QUESTIONS / PER_FILE {
        let mut text = String::new();
        for k in 0..PER_FILE {
            let n = file * PER_FILE + k;
            let topic = topics[n % 4];
            let level = n / 4 % 4 + 1;
            let correct = rng.random_range(0..4);
            let code = if n.is_multiple_of(5) {
                "\n\n```python\nrows = db.execute(q, (user_id,))\n```\n"
            } else {
                ""
            };
            let _ = write!(
                text,
                "[[question]]\nid = \"gen-{n}\"\ntopic = \"{topic}\"\nlevel = {level}\nkind = \"single\"\ntags = [\"generated\"]\nprompt = \"\"\"\n{}?{code}\n\"\"\"\noptions = [\n",
                sentence(&mut rng, &words, 25)
            );
            for o in 0..4 {
                let mark = if o == correct { ", correct = true" } else { "" };
                let _ = writeln!(
                    text,
                    "  {{ id = \"o{o}\", text = \"{}\"{mark} }},",
                    sentence(&mut rng, &words, 6)
                );
            }
            let _ = write!(
                text,
                "]\nexplanation = \"{}.\"\nreferences = [\"https://owasp.org/Top10/\"]\n\n",
                sentence(&mut rng, &words, 20)
            );
        }
        std::fs::write(dir.join(format!("questions/q{file:03}.toml")), text).unwrap();
    }
    let mut quiz =
        String::from("id = \"bench\"\ntitle = \"Bench\"\nduration_minutes = 25\ndraw = [\n");
    for topic in topics {
        for level in 1..=4 {
            let _ = writeln!(
                quiz,
                "  {{ topic = \"{topic}\", level = {level}, count = 2 }},"
            );
        }
    }
    quiz.push_str("]\n");
    std::fs::write(dir.join("blueprints/bench.toml"), quiz).unwrap();
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path());
    let bytes: u64 = walk_size(dir.path());
    let mut times: Vec<Duration> = Vec::new();
    for run in 0..=RUNS {
        let start = Instant::now();
        let loaded = rung::server::bank::lint_dir(dir.path());
        let took = start.elapsed();
        assert_eq!(loaded.bank.questions.len(), QUESTIONS);
        assert_eq!(loaded.report.errors(), 0, "{}", loaded.report.render());
        if run == 0 {
            println!(
                "warm-up: {:.3} s, {} warnings",
                took.as_secs_f64(),
                loaded.report.warnings()
            );
        } else {
            times.push(took);
        }
    }
    times.sort();
    let secs = |d: Duration| d.as_secs_f64();
    println!(
        "load + lint {QUESTIONS} questions ({:.1} MB in {} files), {RUNS} runs: min {:.3} s, median {:.3} s, max {:.3} s",
        bytes as f64 / 1e6,
        QUESTIONS / PER_FILE + 3,
        secs(times[0]),
        secs(times[RUNS / 2]),
        secs(times[RUNS - 1])
    );
}

fn walk_size(dir: &Path) -> u64 {
    let mut total = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        total += if p.is_dir() {
            walk_size(&p)
        } else {
            std::fs::metadata(&p).unwrap().len()
        };
    }
    total
}
