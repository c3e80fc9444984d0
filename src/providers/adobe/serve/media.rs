//! Header parsing: media types with quoted parameters, entity tags, form bodies, query strings.

use crate::providers::adobe::repository::IfMatch;

pub const HAL: &str = "application/vnd.adobe.platform.xcore.hal+json";
pub const PATCH_HAL: &str = "application/vnd.adobe.platform.xcore.patch.hal+json";
pub const HOME_HAL: &str = "application/vnd.adobe.platform.xcore.home.hal+json";
pub const RECEIPT: &str = "application/vnd.adobe.platform.xcore.xdm.receipt+json; version=1";
pub const SCHEMA_INSTANCE: &str = "application/schema-instance+json";
pub const RESULTS_SCHEMA: &str = "https://ns.adobe.com/experience/xcore/hal/results";
pub const HOME_SCHEMA: &str = "https://ns.adobe.com/experience/xcore/hal/home";

/// A parsed `Content-Type`: lower-cased essence and parameters (values unquoted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaType {
    pub essence: String,
    pub params: Vec<(String, String)>,
}

impl MediaType {
    /// Parses `type/subtype; name=value; name="quoted; value"`. Quoted values may contain `;`
    /// (schema ids often carry `;version=`).
    pub fn parse(text: &str) -> Option<MediaType> {
        let (essence, mut rest) = match text.find(';') {
            Some(at) => (&text[..at], &text[at..]),
            None => (text, ""),
        };
        let essence = essence.trim().to_ascii_lowercase();
        if !essence.contains('/') {
            return None;
        }
        let mut params = Vec::new();
        loop {
            rest = rest.trim_start_matches([';', ' ', '\t']);
            if rest.is_empty() {
                break;
            }
            let Some(eq) = rest.find('=') else { break };
            let name = rest[..eq].trim().to_ascii_lowercase();
            rest = &rest[eq + 1..];
            let value;
            if let Some(quoted) = rest.strip_prefix('"') {
                let mut out = String::new();
                let mut chars = quoted.char_indices();
                let mut end = quoted.len();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, escaped)) = chars.next() {
                                out.push(escaped);
                            }
                        }
                        '"' => {
                            end = i + 1;
                            break;
                        }
                        other => out.push(other),
                    }
                }
                value = out;
                rest = &quoted[end.min(quoted.len())..];
            } else {
                let end = rest.find(';').unwrap_or(rest.len());
                value = rest[..end].trim().to_string();
                rest = &rest[end..];
            }
            params.push((name, value));
        }
        Some(MediaType { essence, params })
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses `If-Match`: `*`, or entity tags quoted or not (`"3"`, `3`, `W/"3"`, `"2", "3"`).
/// Tags that are not repository etags can never match, so they are dropped.
pub fn parse_if_match(text: &str) -> IfMatch {
    if text.trim() == "*" {
        return IfMatch::Any;
    }
    IfMatch::OneOf(
        text.split(',')
            .filter_map(|tag| {
                let tag = tag.trim();
                let tag = tag.strip_prefix("W/").unwrap_or(tag);
                tag.trim_matches('"').parse::<u64>().ok()
            })
            .collect(),
    )
}

/// The `ETag` header value for a repository etag (always quoted, as RFC 9110 requires).
pub fn etag_header(etag: u64) -> String {
    format!("\"{etag}\"")
}

/// Percent-encodes a query component (everything but RFC 3986 unreserved characters).
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b':') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

pub fn encode_query(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Decodes an `application/x-www-form-urlencoded` body or query string.
pub fn parse_form(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_form(k), decode_form(v))
        })
        .collect()
}

fn decode_form(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_schema_parameters_keep_their_semicolons() {
        let mt = MediaType::parse(
            "application/vnd.adobe.platform.xcore.hal+json; version=1; schema=\"https://ns.adobe.com/experience/offer-management/tag;version=0.1\"",
        )
        .expect("parses");
        assert_eq!(mt.essence, HAL);
        assert_eq!(
            mt.param("schema"),
            Some("https://ns.adobe.com/experience/offer-management/tag;version=0.1")
        );
        assert_eq!(mt.param("version"), Some("1"));
        let bare = MediaType::parse("Application/Schema-Instance+JSON;schema=x").expect("parses");
        assert_eq!(bare.essence, SCHEMA_INSTANCE);
        assert_eq!(bare.param("schema"), Some("x"));
        assert!(MediaType::parse("garbage").is_none());
        assert!(MediaType::parse("a/b; schema=\"unterminated").is_some());
    }

    #[test]
    fn entity_tags_quoted_or_not() {
        assert_eq!(parse_if_match("\"3\""), IfMatch::OneOf(vec![3]));
        assert_eq!(parse_if_match("3"), IfMatch::OneOf(vec![3]));
        assert_eq!(parse_if_match("W/\"2\", \"4\""), IfMatch::OneOf(vec![2, 4]));
        assert_eq!(parse_if_match("*"), IfMatch::Any);
        assert_eq!(parse_if_match("\"abc\""), IfMatch::OneOf(vec![]));
    }

    #[test]
    fn forms_decode() {
        assert_eq!(
            parse_form("grant_type=client_credentials&scope=openid%2CAdobeID&x=a+b&bad=%zz"),
            vec![
                ("grant_type".into(), "client_credentials".into()),
                ("scope".into(), "openid,AdobeID".into()),
                ("x".into(), "a b".into()),
                ("bad".into(), "%zz".into()),
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn header_parsers_never_panic(text in "\\PC{0,40}") {
            let _ = MediaType::parse(&text);
            let _ = parse_if_match(&text);
            let _ = parse_form(&text);
            let _ = encode_component(&text);
        }
    }
}
