//! Diagnostics with positions: `path:line:col: error: message`, the offending
//! line, and a caret under the offending text.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Index of a file in a [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub(crate) usize);

/// A place in a file: which file and which bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    pub file: FileId,
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub loc: Loc,
    pub message: String,
    /// Secondary places, each with a note ("first defined here").
    pub notes: Vec<(Loc, String)>,
    /// A machine-readable kind, where one is useful (`missing-key`).
    pub code: Option<&'static str>,
}

impl Diagnostic {
    pub fn error(loc: Loc, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            loc,
            message: message.into(),
            notes: Vec::new(),
            code: None,
        }
    }

    pub fn warning(loc: Loc, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(loc, message)
        }
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    pub fn with_note(mut self, loc: Loc, note: impl Into<String>) -> Self {
        self.notes.push((loc, note.into()));
        self
    }
}

/// One source file's text, with the offsets where its lines start.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: String) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            path,
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }

    fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts[line - 1];
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&e| e - 1);
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches('\r')
    }
}

/// The files a load read, so diagnostics can be rendered with their text.
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn add(&mut self, path: PathBuf, text: String) -> FileId {
        self.files.push(SourceFile::new(path, text));
        FileId(self.files.len() - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0]
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// `path:line:col` of a location.
    pub fn position(&self, loc: &Loc) -> String {
        let file = self.get(loc.file);
        let (line, col) = file.line_col(loc.span.start);
        format!("{}:{line}:{col}", display_path(&file.path))
    }

    /// Render one diagnostic: header, offending line, caret, then notes.
    pub fn render(&self, d: &Diagnostic) -> String {
        let mut out = format!(
            "{}: {}: {}\n",
            self.position(&d.loc),
            d.severity.label(),
            d.message
        );
        self.snippet(&mut out, &d.loc, None);
        for (loc, note) in &d.notes {
            let _ = writeln!(out, "{}: note: {note}", self.position(loc));
            self.snippet(&mut out, loc, None);
        }
        out
    }

    fn snippet(&self, out: &mut String, loc: &Loc, label: Option<&str>) {
        let file = self.get(loc.file);
        let (line, col) = file.line_col(loc.span.start);
        let text = file.line_text(line);
        // Underline the span's part on its first line (at least one caret).
        let (end_line, end_col) = file.line_col(loc.span.end.max(loc.span.start));
        let width = if end_line == line && end_col > col {
            end_col - col
        } else {
            (text.chars().count() + 1).saturating_sub(col).max(1)
        };
        let gutter = line.to_string().len();
        let _ = writeln!(out, "{:gutter$} |", "");
        let _ = writeln!(out, "{line} | {text}");
        let _ = writeln!(
            out,
            "{:gutter$} | {}{}{}",
            "",
            " ".repeat(col - 1),
            "^".repeat(width),
            label.map(|l| format!(" {l}")).unwrap_or_default()
        );
    }
}

/// Paths are shown relative to the working directory when they are under it.
pub fn display_path(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

/// A load's diagnostics, rendered in file order then position order.
#[derive(Debug, Default)]
pub struct Report {
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, s: Severity) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == s).count()
    }

    pub fn sort(&mut self) {
        let sources = &self.sources;
        self.diagnostics.sort_by(|a, b| {
            let pa = sources.get(a.loc.file).path.as_path();
            let pb = sources.get(b.loc.file).path.as_path();
            (pa, a.loc.span.start, a.severity).cmp(&(pb, b.loc.span.start, b.severity))
        });
    }

    /// Every diagnostic then a summary line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            out.push_str(&self.sources.render(d));
            out.push('\n');
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    pub fn summary(&self) -> String {
        let (e, w) = (self.errors(), self.warnings());
        let files = self.sources.len();
        format!(
            "{} {}, {} {} in {} {}",
            e,
            plural(e, "error", "errors"),
            w,
            plural(w, "warning", "warnings"),
            files,
            plural(files, "file", "files")
        )
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_file(text: &str) -> Sources {
        let mut s = Sources::default();
        s.add(PathBuf::from("q.toml"), text.to_string());
        s
    }

    #[test]
    fn line_and_column_count_characters_from_one() {
        let s = one_file("a = 1\nbé = \"x\"\n");
        let f = s.get(FileId(0));
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(6), (2, 1));
        // 'é' is two bytes but one column.
        assert_eq!(f.line_col(9), (2, 3));
    }

    #[test]
    fn a_diagnostic_renders_its_line_and_a_caret_under_the_span() {
        let s = one_file("id = \"x\"\nlevle = 2\n");
        let d = Diagnostic::error(
            Loc {
                file: FileId(0),
                span: 9..14,
            },
            "unknown key `levle`",
        );
        assert_eq!(
            s.render(&d),
            "q.toml:2:1: error: unknown key `levle`\n  |\n2 | levle = 2\n  | ^^^^^\n"
        );
    }

    #[test]
    fn summary_counts_errors_warnings_and_files() {
        let mut r = Report {
            sources: one_file("x"),
            ..Default::default()
        };
        let loc = Loc {
            file: FileId(0),
            span: 0..1,
        };
        r.diagnostics.push(Diagnostic::error(loc.clone(), "a"));
        r.diagnostics.push(Diagnostic::warning(loc.clone(), "b"));
        r.diagnostics.push(Diagnostic::warning(loc, "c"));
        assert_eq!(r.summary(), "1 error, 2 warnings in 1 file");
    }
}
