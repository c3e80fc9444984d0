//! A credential that cannot leak through formatting.
//!
//! [`Secret`] holds an access token, a client secret or an API key. `{}` and `{:?}` print `***`,
//! it does not implement `Serialize`, and [`Secret::expose`] is the only way to read the value,
//! so every place that uses the value is easy to find (`grep expose`).
//!
//! A server may still echo a credential back (an error body quoting the form it was sent, a
//! header it saw): [`redact`] removes every encoding of each secret that a server could echo it
//! in (raw, URL/form-encoded, JSON-escaped, base64) from any text before it is shown. It matches
//! the secret's encodings, never the message's structure, so it works on any server's wording.

use std::fmt;
use std::str::FromStr;

/// A credential. Formats as `***`; read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

const MASK: &str = "***";

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value, for the one place that must send it (a header, a token request).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_string())
    }
}

/// Values shorter than this are not redacted: they would match ordinary words.
const SHORTEST_REDACTED: usize = 4;

impl Secret {
    /// A regular expression matching the value in every character-by-character spelling a
    /// server could echo it in, each character independently: as itself, percent-encoded
    /// (each UTF-8 byte `%XX`, hex in either case, whatever set of characters the encoder
    /// escapes), `+` for a space (forms), or JSON-escaped (`\uXXXX`, `\"`, `\\`, `\/`, ...).
    /// `None` for a value too short to redact.
    fn spellings(&self) -> Option<String> {
        if self.0.len() < SHORTEST_REDACTED {
            return None;
        }
        let mut pattern = String::new();
        for c in self.0.chars() {
            let mut options = vec![regex::escape(c.encode_utf8(&mut [0; 4]))];
            let mut bytes = [0; 4];
            let percent: String = c
                .encode_utf8(&mut bytes)
                .bytes()
                .map(|b| format!("%{}", any_case_hex(&format!("{b:02X}"))))
                .collect();
            options.push(percent);
            let mut units = [0; 2];
            let json: String = c
                .encode_utf16(&mut units)
                .iter()
                .map(|u| format!("\\\\u{}", any_case_hex(&format!("{u:04X}"))))
                .collect();
            options.push(json);
            let short = match c {
                ' ' => Some("\\+"),
                '"' => Some("\\\\\""),
                '\\' => Some("\\\\\\\\"),
                '/' => Some("\\\\/"),
                '\n' => Some("\\\\n"),
                '\r' => Some("\\\\r"),
                '\t' => Some("\\\\t"),
                '\u{8}' => Some("\\\\b"),
                '\u{c}' => Some("\\\\f"),
                _ => None,
            };
            options.extend(short.map(str::to_string));
            pattern.push_str(&format!("(?:{})", options.join("|")));
        }
        Some(pattern)
    }

    /// The value's base64 spellings (standard and URL-safe): for each of the three alignments
    /// it may start at inside longer encoded data (such as `id:secret` in a Basic header), the
    /// characters that depend on the value alone (those shared with neighbouring bytes differ).
    fn base64_spellings(&self) -> Vec<String> {
        use base64::Engine as _;
        let mut cores = Vec::new();
        if self.0.len() < SHORTEST_REDACTED {
            return cores;
        }
        for offset in 0..3 {
            let mut bytes = vec![0u8; offset];
            bytes.extend_from_slice(self.0.as_bytes());
            let encoded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&bytes);
            let first = (offset * 8).div_ceil(6);
            let last = bytes.len() / 3 * 4;
            // Six bytes of the value at least, so that no common text is mistaken for it.
            if last >= first + 8 {
                let core = &encoded[first..last];
                cores.push(core.replace('+', "-").replace('/', "_"));
                cores.push(core.to_string());
            }
        }
        cores
    }
}

/// `AF` → `[aA][fF]`: percent and JSON escapes may use either case.
fn any_case_hex(hex: &str) -> String {
    hex.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                format!("[{}{}]", c.to_ascii_lowercase(), c)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `text` with every spelling of every secret replaced by `***`: raw, URL/form-encoded and
/// JSON-escaped (see [`Secret::spellings`]), and base64. What every client runs over a
/// message before it becomes an error or a log line.
pub fn redact<'a>(text: &str, secrets: impl IntoIterator<Item = &'a Secret>) -> String {
    let secrets: Vec<&Secret> = secrets.into_iter().collect();
    let mut patterns: Vec<String> = secrets.iter().filter_map(|s| s.spellings()).collect();
    if patterns.is_empty() {
        return text.to_string();
    }
    // Longest first, so a secret containing another is replaced whole.
    patterns.sort_by_key(|p| std::cmp::Reverse(p.len()));
    let mut text = match regex::Regex::new(&patterns.join("|")) {
        Ok(spelled) => spelled.replace_all(text, MASK).into_owned(),
        // Too large to compile (an absurdly long secret): the raw values at least.
        Err(_) => secrets
            .iter()
            .filter(|s| s.0.len() >= SHORTEST_REDACTED)
            .fold(text.to_string(), |text, s| text.replace(&s.0, MASK)),
    };
    let mut cores: Vec<String> = secrets.iter().flat_map(|s| s.base64_spellings()).collect();
    cores.sort_by_key(|c| std::cmp::Reverse(c.len()));
    for core in cores {
        if text.contains(&core) {
            text = text.replace(&core, MASK);
        }
    }
    text
}

/// For clap: `--api-key` parses straight into a `Secret`.
impl FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_never_reveals_the_value() {
        let secret = Secret::new("hunter2-very-secret");
        let outputs = [
            format!("{secret}"),
            format!("{secret:?}"),
            format!("{secret:#?}"),
            format!("{:>30}", secret),
            format!("{:?}", Some(&secret)),
            format!("{:?}", vec![secret.clone()]),
            secret.to_string(),
        ];
        for out in outputs {
            assert!(!out.contains("hunter2"), "{out}");
            assert!(out.contains("***"), "{out}");
        }
        assert_eq!(secret.expose(), "hunter2-very-secret");
    }

    #[test]
    fn every_encoding_a_server_could_echo_is_redacted() {
        // Issue 26 case 5: a client secret with `/ + =` echoed form-encoded, tokens with `"` or
        // `\` echoed JSON-escaped, and base64 inside a Basic header.
        use base64::Engine as _;
        let client_secret = Secret::new("SEKRIT/x+y=z");
        let token = Secret::new(r#"tok"en\with-quote"#);
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("client-id:{}", client_secret.expose()));
        let echoed = [
            "error: bad request client_secret=SEKRIT%2Fx%2By%3Dz&grant_type=x".to_string(),
            "client_secret=SEKRIT%2fx%2by%3dz".to_string(),
            "secret SEKRIT/x+y=z".to_string(),
            r#"{"message":"invalid token tok\"en\\with-quote"}"#.to_string(),
            r#"{"secret":"SEKRIT\/x+y=z"}"#.to_string(),
            format!("saw Authorization: Basic {basic}"),
            format!(
                "saw {}",
                base64::engine::general_purpose::URL_SAFE.encode(token.expose())
            ),
        ];
        let secret_inside_basic = basic[16..24].to_string();
        for message in echoed {
            let redacted = redact(&message, [&client_secret, &token]);
            for leak in ["SEKRIT", "en\\with", "U0VLUklU", "with-quote"] {
                assert!(
                    !redacted.contains(leak),
                    "{leak} in {redacted} (from {message})"
                );
            }
            assert!(redacted.contains(MASK), "{redacted}");
            assert!(!redacted.contains(&secret_inside_basic), "{redacted}");
        }
        assert_eq!(redact("plain words", [&Secret::new("abc")]), "plain words");
    }

    proptest::proptest! {
        /// Any secret, echoed in any of the encodings inside any text, is gone after redaction.
        #[test]
        fn any_secret_in_any_encoding_is_redacted(
            value in "\\PC{8,40}",
            before in "[ -~]{0,20}",
            after in "[ -~]{0,20}",
            encoding in 0usize..6,
        ) {
            use base64::Engine as _;
            let secret = Secret::new(value.clone());
            let echoed = match encoding {
                0 => value.clone(),
                1 => form_urlencoded::byte_serialize(value.as_bytes()).collect(),
                2 => percent_encoding::utf8_percent_encode(&value, percent_encoding::NON_ALPHANUMERIC).to_string(),
                3 => serde_json::to_string(&value).unwrap(),
                4 => base64::engine::general_purpose::STANDARD.encode(format!("{before}{value}{after}")),
                _ => base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{before}{value}")),
            };
            let text = format!("{before}{echoed}{after}");
            let redacted = redact(&text, [&secret]);
            proptest::prop_assert!(redacted.contains(MASK), "nothing redacted in {text}");
            if encoding < 4 {
                // Every character-by-character spelling is replaced whole.
                proptest::prop_assert!(!redacted.contains(&echoed), "{echoed} in {redacted}");
            }
        }
    }

    #[test]
    fn structs_holding_a_secret_debug_safely() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Holder {
            user: &'static str,
            password: Secret,
        }
        let holder = Holder {
            user: "me",
            password: "p4ssw0rd".parse().expect("infallible"),
        };
        let out = format!("{holder:?} {holder:#?}");
        assert!(!out.contains("p4ssw0rd"), "{out}");
        assert!(out.contains("me"));
    }
}
