//! Markdown to sanitized HTML, rendered on the server. Fenced code blocks
//! with a known language are highlighted with syntect (CSS classes, styled
//! in style/main.css); everything goes through ammonia afterwards.

use pulldown_cmark::{html, CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};
use std::sync::OnceLock;
use syntect::html::{ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

fn sanitize(raw: &str) -> String {
    ammonia::Builder::default()
        .add_tag_attributes("code", &["class"])
        .add_tag_attributes("span", &["class"])
        .add_tag_attributes("pre", &["class", "data-lang", "tabindex"])
        // Images only from this site: a remote one would tell its server
        // who is reading which question (the CSP's `img-src 'self'` says
        // the same to the browser).
        .attribute_filter(|element, attribute, value| {
            if element == "img" && attribute == "src" && !is_same_site(value) {
                None
            } else {
                Some(value.into())
            }
        })
        .clean(raw)
        .to_string()
}

/// A URL path on this site (`/img/x.png`, `img/x.png`), not another
/// origin (`https://…`, `//host/…`, `data:`).
fn is_same_site(url: &str) -> bool {
    let url = url.trim();
    !url.starts_with("//") && !url.contains(':') && !url.starts_with('\\')
}

fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A highlighted `<pre>` for code in `lang`, or a plain one.
fn code_block(code: &str, lang: &str) -> String {
    let set = syntaxes();
    let lang_attr = escape(lang).replace('"', "");
    let highlighted = set.find_syntax_by_token(lang).and_then(|syntax| {
        let mut generator = ClassedHTMLGenerator::new_with_class_style(
            syntax,
            set,
            ClassStyle::SpacedPrefixed { prefix: "hl-" },
        );
        for line in LinesWithEndings::from(code) {
            generator
                .parse_html_for_line_which_includes_newline(line)
                .ok()?;
        }
        Some(generator.finalize())
    });
    match highlighted {
        Some(html) => {
            // Focusable, so a keyboard can scroll a wide block (WCAG 2.1.1).
            format!("<pre class=\"code\" data-lang=\"{lang_attr}\" tabindex=\"0\"><code>{html}</code></pre>\n")
        }
        None => format!(
            "<pre class=\"code\" data-lang=\"{lang_attr}\" tabindex=\"0\"><code>{}</code></pre>\n",
            escape(code)
        ),
    }
}

/// A block of Markdown (a prompt, an explanation).
pub fn block(markdown: &str) -> String {
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut in_code: Option<(String, String)> = None;
    for event in Parser::new_ext(markdown, options()) {
        match (&mut in_code, event) {
            (None, Event::Start(Tag::CodeBlock(kind))) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                in_code = Some((lang, String::new()));
            }
            (Some((_, code)), Event::Text(text)) => code.push_str(&text),
            (Some(_), Event::End(TagEnd::CodeBlock)) => {
                if let Some((lang, code)) = in_code.take() {
                    events.push(Event::Html(CowStr::from(code_block(&code, &lang))));
                }
            }
            (Some(_), _) => {}
            (None, e) => events.push(e),
        }
    }
    let mut raw = String::new();
    html::push_html(&mut raw, events.into_iter());
    sanitize(&raw)
}

/// One line of inline Markdown (an option's text): no wrapping paragraph.
pub fn inline(markdown: &str) -> String {
    let html = block(markdown);
    let trimmed = html.trim();
    match trimmed
        .strip_prefix("<p>")
        .and_then(|s| s.strip_suffix("</p>"))
    {
        Some(inner) if !inner.contains("<p>") => inner.to_string(),
        _ => trimmed.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_images_are_dropped_and_local_ones_kept() {
        let html = block("![a](https://evil.example/beacon.png) ![b](//evil.example/x.png) ![c](/img/diagram.png)");
        assert!(!html.contains("evil.example"), "{html}");
        assert!(html.contains(r#"src="/img/diagram.png""#), "{html}");
    }

    #[test]
    fn fenced_code_in_a_known_language_is_highlighted_and_escaped() {
        let html = block("Look:\n\n```sql\nSELECT * FROM t WHERE a = '<x>'\n```\n");
        assert!(
            html.contains("<pre class=\"code\" data-lang=\"sql\" tabindex=\"0\">"),
            "{html}"
        );
        assert!(html.contains("hl-keyword"), "{html}");
        assert!(html.contains("&lt;x&gt;"), "{html}");
        assert!(!html.contains("<x>"), "{html}");
    }

    #[test]
    fn code_in_an_unknown_language_stays_plain_but_escaped() {
        let html = block("```nosuchlang\n<script>alert(1)</script>\n```\n");
        assert!(html.contains("data-lang=\"nosuchlang\""), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
    }

    #[test]
    fn scripts_and_event_handlers_are_removed() {
        let html = block(
            "hi <script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onerror"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn a_language_name_cannot_break_out_of_its_attribute() {
        let html = block("```\"><img src=x onerror=alert(1)>\ncode\n```\n");
        assert!(!html.contains("onerror"), "{html}");
    }

    #[test]
    fn inline_text_has_no_paragraph() {
        assert_eq!(inline("use `HttpOnly`"), "use <code>HttpOnly</code>");
    }
}
