//! A typed reader over a spanned TOML tree that reports every problem it
//! meets (unknown keys with the nearest valid key, missing keys, wrong types)
//! instead of stopping at the first, as serde would.

use super::diag::{Diagnostic, FileId, Loc};
use std::ops::Range;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

pub type Span = Range<usize>;

/// The code of "missing required key" diagnostics.
pub const MISSING_KEY: &str = "missing-key";

/// Where a file's diagnostics go.
pub struct Sink<'d> {
    pub file: FileId,
    pub diags: &'d mut Vec<Diagnostic>,
}

impl Sink<'_> {
    pub fn loc(&self, span: Span) -> Loc {
        Loc {
            file: self.file,
            span,
        }
    }

    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        let d = Diagnostic::error(self.loc(span), message);
        self.diags.push(d);
    }

    pub fn warning(&mut self, span: Span, message: impl Into<String>) {
        let d = Diagnostic::warning(self.loc(span), message);
        self.diags.push(d);
    }
}

/// The fields of one TOML table, read against a list of known keys.
pub struct Fields<'a, 'i> {
    table: &'a DeTable<'i>,
    span: Span,
    what: &'static str,
    /// Known keys offered as the fix of an unknown key: not also reported
    /// as missing.
    suggested: Vec<String>,
}

impl<'a, 'i> Fields<'a, 'i> {
    /// Reports every key of `table` that is not in `known`, with the nearest
    /// known key as a suggestion.
    pub fn new(
        sink: &mut Sink<'_>,
        table: &'a DeTable<'i>,
        span: Span,
        what: &'static str,
        known: &[&str],
    ) -> Self {
        let mut suggested = Vec::new();
        for (key, _) in table.iter() {
            let name: &str = key.get_ref();
            if !known.contains(&name) {
                let hint = match nearest(name, known) {
                    Some(k) => {
                        suggested.push(k.to_string());
                        format!("; did you mean `{k}`?")
                    }
                    None => format!("; expected one of {}", list(known)),
                };
                sink.error(key.span(), format!("unknown key `{name}` in {what}{hint}"));
            }
        }
        Fields {
            table,
            span,
            what,
            suggested,
        }
    }

    /// The span of the table itself (its `[header]`), for "missing" errors.
    pub fn span(&self) -> Span {
        self.span.clone()
    }

    pub fn get(&self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    fn missing(&self, sink: &mut Sink<'_>, key: &str, kind: &str) {
        if self.suggested.iter().any(|s| s == key) {
            return;
        }
        let d = Diagnostic::error(
            sink.loc(self.span()),
            format!("{} is missing the required key `{key}` ({kind})", self.what),
        )
        .with_code(MISSING_KEY);
        sink.diags.push(d);
    }

    fn typed<T>(
        &self,
        sink: &mut Sink<'_>,
        key: &str,
        required: bool,
        kind: &str,
        convert: impl FnOnce(&DeValue<'i>) -> Option<T>,
    ) -> Option<Spanned<T>> {
        let Some(v) = self.get(key) else {
            if required {
                self.missing(sink, key, kind);
            }
            return None;
        };
        match convert(v.get_ref()) {
            Some(t) => Some(Spanned::new(v.span(), t)),
            None => {
                wrong_type(sink, key, kind, v);
                None
            }
        }
    }

    pub fn string(
        &self,
        sink: &mut Sink<'_>,
        key: &str,
        required: bool,
    ) -> Option<Spanned<String>> {
        self.typed(sink, key, required, "a string", |v| {
            v.as_str().map(str::to_owned)
        })
    }

    pub fn integer(&self, sink: &mut Sink<'_>, key: &str, required: bool) -> Option<Spanned<i64>> {
        self.typed(sink, key, required, "an integer", integer)
    }

    /// A number: floats and integers are both accepted.
    pub fn number(&self, sink: &mut Sink<'_>, key: &str, required: bool) -> Option<Spanned<f64>> {
        self.typed(sink, key, required, "a number", number)
    }

    pub fn boolean(&self, sink: &mut Sink<'_>, key: &str, required: bool) -> Option<Spanned<bool>> {
        self.typed(sink, key, required, "true or false", DeValue::as_bool)
    }

    /// An array of strings; each non-string element is reported.
    pub fn strings(
        &self,
        sink: &mut Sink<'_>,
        key: &str,
        required: bool,
    ) -> Option<Vec<Spanned<String>>> {
        let Some(v) = self.get(key) else {
            if required {
                self.missing(sink, key, "an array of strings");
            }
            return None;
        };
        let Some(items) = v.get_ref().as_array() else {
            wrong_type(sink, key, "an array of strings", v);
            return None;
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref().as_str() {
                Some(s) => out.push(Spanned::new(item.span(), s.to_owned())),
                None => sink.error(
                    item.span(),
                    format!(
                        "each element of `{key}` must be a string, found {}",
                        item.get_ref().type_str()
                    ),
                ),
            }
        }
        Some(out)
    }

    /// A table (`[key]` or `key = { ... }`).
    pub fn table(
        &self,
        sink: &mut Sink<'_>,
        key: &str,
        required: bool,
    ) -> Option<(&'a DeTable<'i>, Span)> {
        let Some(v) = self.get(key) else {
            if required {
                self.missing(sink, key, "a table");
            }
            return None;
        };
        match v.get_ref().as_table() {
            Some(t) => Some((t, v.span())),
            None => {
                wrong_type(sink, key, "a table", v);
                None
            }
        }
    }

    /// An array of tables (`[[key]]` or `key = [{ ... }, ...]`).
    pub fn tables(
        &self,
        sink: &mut Sink<'_>,
        key: &str,
        required: bool,
    ) -> Vec<(&'a DeTable<'i>, Span)> {
        let Some(v) = self.get(key) else {
            if required {
                self.missing(sink, key, "an array of tables");
            }
            return Vec::new();
        };
        let Some(items) = v.get_ref().as_array() else {
            wrong_type(sink, key, "an array of tables", v);
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref().as_table() {
                Some(t) => out.push((t, item.span())),
                None => sink.error(
                    item.span(),
                    format!(
                        "each element of `{key}` must be a table, found {}",
                        item.get_ref().type_str()
                    ),
                ),
            }
        }
        out
    }
}

fn wrong_type(sink: &mut Sink<'_>, key: &str, kind: &str, v: &Spanned<DeValue<'_>>) {
    sink.error(
        v.span(),
        format!("`{key}` must be {kind}, found {}", v.get_ref().type_str()),
    );
}

fn integer(v: &DeValue<'_>) -> Option<i64> {
    let i = v.as_integer()?;
    let digits: String = i.as_str().chars().filter(|c| *c != '_').collect();
    let digits = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0o"))
        .or_else(|| digits.strip_prefix("0b"))
        .unwrap_or(&digits);
    i64::from_str_radix(digits, i.radix()).ok()
}

fn number(v: &DeValue<'_>) -> Option<f64> {
    if let Some(f) = v.as_float() {
        let s: String = f.as_str().chars().filter(|c| *c != '_').collect();
        return s.parse::<f64>().ok().filter(|x| x.is_finite());
    }
    integer(v).map(|i| i as f64)
}

/// `a`, `b` or `c`
pub fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|k| format!("`{k}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// The candidate closest to `word` by edit distance, if close enough to be a
/// plausible typo.
pub fn nearest<'k>(word: &str, candidates: &[&'k str]) -> Option<&'k str> {
    let word_l = word.to_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&word_l, c), *c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Optimal string alignment distance (Levenshtein plus transpositions).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_a_transposition_as_one() {
        assert_eq!(edit_distance("levle", "level"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn nearest_suggests_close_keys_only() {
        let keys = ["id", "topic", "level", "prompt", "explanation"];
        assert_eq!(nearest("levle", &keys), Some("level"));
        assert_eq!(nearest("explanaton", &keys), Some("explanation"));
        assert_eq!(nearest("Topic", &keys), Some("topic"));
        assert_eq!(nearest("zzzzzz", &keys), None);
    }

    #[test]
    fn list_joins_with_or() {
        assert_eq!(list(&["a"]), "`a`");
        assert_eq!(list(&["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
