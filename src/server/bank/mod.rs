//! The question bank: TOML files under `quizzes/`, loaded with precise
//! diagnostics. Pure: no web or database code.

pub mod cues;
pub mod diag;
pub mod lint;
pub mod load;
pub mod markdown;
pub mod model;
pub mod read;

pub use diag::{Diagnostic, Report, Severity};
pub use load::{load_dir, load_files, Loaded};

/// Load a bank and add the item-writing warnings: what `rung lint` reports.
pub fn lint_dir(dir: &std::path::Path) -> Loaded {
    let mut loaded = load_dir(dir);
    let warnings = lint::check(&loaded.bank);
    loaded.report.diagnostics.extend(warnings);
    loaded.report.sort();
    loaded
}
pub use model::{
    Bank, MultiplePolicy, Question, QuestionContent, Quiz, QuizContent, ScoringPolicy,
};
