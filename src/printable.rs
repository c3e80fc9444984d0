//! Text that came from input (names in manifests, names in the repository), made safe to print.
//!
//! A name is display text, but a terminal obeys the control characters in it (`\r` and `ESC[2K`
//! redraw a line) and a Markdown comment ends its `<summary>` at a newline. Manifests refuse such
//! names (`manifest::decode`), but a repository may hold them anyway, so every renderer shows
//! them escaped.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Characters a name must not hold: C0 and C1 controls and DEL, and the Unicode bidirectional
/// overrides and isolates, which reorder what a reader sees.
pub fn is_unprintable(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` with each unprintable character written as an escape (`\n`, `\r`, `\t`, `\u{1b}`).
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unprintable) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unprintable(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Text for HTML (and markdown's HTML): every character that could start markup or end an
/// attribute is escaped.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Control characters first (a newline would end a `<summary>`), then HTML's own.
    for c in printable(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_bidi_overrides_are_escaped() {
        assert_eq!(printable("plain näme"), "plain näme");
        assert_eq!(
            printable("harmless\r\u{1b}[2K  - Tag/prod-data will be deleted"),
            "harmless\\r\\u{1b}[2K  - Tag/prod-data will be deleted"
        );
        assert_eq!(printable("a\nb\u{202E}c\u{7f}"), "a\\nb\\u{202e}c\\u{7f}");
    }
}
