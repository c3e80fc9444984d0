//! PQL text to tokens. Keywords are ordinary identifiers here; the parser recognises them (in any
//! case) by position.

use super::{Cmp, ParseError, Span};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    Number(f64),
    Str(String),
    /// The text between `@{` and its matching `}`.
    Context(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    /// `=`, `!=`, `<`, `<=`, `>`, `>=`.
    Cmp(Cmp),
    Bang,
    Plus,
    Minus,
    Star,
    Slash,
    Arrow,
    Eof,
}

impl Tok {
    /// How an error message names this token.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Ident(name) => format!("`{name}`"),
            Tok::Number(n) => format!("number `{n}`"),
            Tok::Str(s) => {
                let short: String = s.chars().take(20).collect();
                let more = if short.len() < s.len() { "…" } else { "" };
                format!("string \"{short}{more}\"")
            }
            Tok::Context(_) => "context data `@{…}`".to_string(),
            Tok::Eof => "end of input".to_string(),
            other => format!("`{}`", other.symbol()),
        }
    }

    fn symbol(&self) -> &'static str {
        match self {
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::Comma => ",",
            Tok::Dot => ".",
            Tok::Cmp(cmp) => cmp.symbol(),
            Tok::Bang => "!",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::Arrow => "=>",
            _ => "?",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub span: Span,
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The tokens of `text`, ending with `Eof`.
pub(crate) fn lex(text: &str) -> Result<Vec<Token>, ParseError> {
    let mut lexer = Lexer { text, pos: 0 };
    let mut out = Vec::new();
    loop {
        let token = lexer.next()?;
        let end = token.tok == Tok::Eof;
        out.push(token);
        if end {
            return Ok(out);
        }
    }
}

struct Lexer<'t> {
    text: &'t str,
    pos: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn peek2(&self) -> Option<char> {
        let mut chars = self.text[self.pos..].chars();
        chars.next();
        chars.next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn next(&mut self) -> Result<Token, ParseError> {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
        let start = self.pos;
        let Some(c) = self.bump() else {
            return Ok(Token {
                tok: Tok::Eof,
                span: Span::new(start, start),
            });
        };
        let tok = match c {
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            '[' => Tok::LBracket,
            ']' => Tok::RBracket,
            ',' => Tok::Comma,
            '.' => Tok::Dot,
            '+' => Tok::Plus,
            '-' => Tok::Minus,
            '*' => Tok::Star,
            '/' => Tok::Slash,
            '=' if self.peek() == Some('>') => {
                self.bump();
                Tok::Arrow
            }
            '=' => Tok::Cmp(Cmp::Eq),
            '!' if self.peek() == Some('=') => {
                self.bump();
                Tok::Cmp(Cmp::Ne)
            }
            '!' => Tok::Bang,
            '<' if self.peek() == Some('=') => {
                self.bump();
                Tok::Cmp(Cmp::Le)
            }
            '<' => Tok::Cmp(Cmp::Lt),
            '>' if self.peek() == Some('=') => {
                self.bump();
                Tok::Cmp(Cmp::Ge)
            }
            '>' => Tok::Cmp(Cmp::Gt),
            '"' => self.string(start)?,
            '@' => self.context(start)?,
            c if c.is_ascii_digit() => self.number(start)?,
            c if is_ident_start(c) => {
                while self.peek().is_some_and(is_ident_continue) {
                    self.bump();
                }
                Tok::Ident(self.text[start..self.pos].to_string())
            }
            other => {
                return Err(ParseError::new(
                    Span::new(start, self.pos),
                    format!("unexpected character `{other}`"),
                ));
            }
        };
        Ok(Token {
            tok,
            span: Span::new(start, self.pos),
        })
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
        }
    }

    fn number(&mut self, start: usize) -> Result<Tok, ParseError> {
        self.digits();
        if self.peek() == Some('.') && self.peek2().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
            self.digits();
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let save = self.pos;
            self.bump();
            if matches!(self.peek(), Some('+' | '-')) {
                self.bump();
            }
            if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.digits();
            } else {
                self.pos = save;
            }
        }
        let text = &self.text[start..self.pos];
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Tok::Number(n)),
            _ => Err(ParseError::new(
                Span::new(start, self.pos),
                format!("number `{text}` is out of range"),
            )),
        }
    }

    fn string(&mut self, start: usize) -> Result<Tok, ParseError> {
        let mut out = String::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(ParseError::new(
                    Span::new(start, self.pos),
                    "unterminated string: expected a closing `\"`",
                ));
            };
            match c {
                '"' => return Ok(Tok::Str(out)),
                '\\' => {
                    let escape_start = self.pos - 1;
                    match self.bump() {
                        Some('"') => out.push('"'),
                        Some('\\') => out.push('\\'),
                        Some('/') => out.push('/'),
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some('r') => out.push('\r'),
                        Some('b') => out.push('\u{8}'),
                        Some('f') => out.push('\u{c}'),
                        Some('u') => out.push(self.unicode_escape(escape_start)?),
                        // An unknown escape keeps its backslash (`"\d+"` is the regex `\d+`).
                        Some(other) => {
                            out.push('\\');
                            out.push(other);
                        }
                        None => {
                            return Err(ParseError::new(
                                Span::new(start, self.pos),
                                "unterminated string: expected a closing `\"`",
                            ));
                        }
                    }
                }
                c => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.text.get(self.pos..self.pos + 4)?;
        if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += 4;
        u32::from_str_radix(digits, 16).ok()
    }

    fn unicode_escape(&mut self, escape_start: usize) -> Result<char, ParseError> {
        let bad = |end| ParseError::new(Span::new(escape_start, end), "invalid `\\u` escape");
        let high = self.hex4().ok_or_else(|| bad(self.pos))?;
        if (0xD800..0xDC00).contains(&high) {
            if self.text[self.pos..].starts_with("\\u") {
                self.pos += 2;
                let low = self.hex4().ok_or_else(|| bad(self.pos))?;
                if (0xDC00..0xE000).contains(&low) {
                    let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                    return char::from_u32(code).ok_or_else(|| bad(self.pos));
                }
            }
            return Err(bad(self.pos));
        }
        char::from_u32(high).ok_or_else(|| bad(self.pos))
    }

    /// `@{…}`, braces nesting (`@{{SCHEMA_ID}}` holds `{SCHEMA_ID}`).
    fn context(&mut self, start: usize) -> Result<Tok, ParseError> {
        if self.peek() != Some('{') {
            return Err(ParseError::new(
                Span::new(start, self.pos),
                "expected `{` after `@` (context data is written `@{schema}`)",
            ));
        }
        self.bump();
        let inner_start = self.pos;
        let mut depth = 1usize;
        loop {
            match self.bump() {
                Some('{') => depth += 1,
                Some('}') => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                Some(_) => {}
                None => {
                    return Err(ParseError::new(
                        Span::new(start, self.pos),
                        "unterminated context reference: expected `}`",
                    ));
                }
            }
        }
        let raw = self.text[inner_start..self.pos - 1].trim();
        if raw.is_empty() {
            return Err(ParseError::new(
                Span::new(start, self.pos),
                "expected a schema inside `@{}`",
            ));
        }
        Ok(Tok::Context(raw.to_string()))
    }
}
