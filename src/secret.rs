//! A credential that cannot leak through formatting.
//!
//! [`Secret`] holds an access token, a client secret or an API key. `{}` and `{:?}` print `***`,
//! it does not implement `Serialize`, and [`Secret::expose`] is the only way to read the value,
//! so every place that uses the value is easy to find (`grep expose`).

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

/// `text` with every secret's value (four characters or more, shorter ones would hit common
/// text) replaced by `***`: what every client runs over a message before it becomes an error or
/// a log line.
pub fn redact<'a>(text: &str, secrets: impl IntoIterator<Item = &'a Secret>) -> String {
    let mut text = text.to_string();
    for secret in secrets {
        if secret.0.len() >= 4 && text.contains(&secret.0) {
            text = text.replace(&secret.0, MASK);
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
