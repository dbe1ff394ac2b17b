//! Statements with attachments: `multipart/mixed` bodies (RFC 2046 section 5.1; xAPI
//! Communication 1.5.2) and the attachment checks of Data 2.4.11.
//!
//! [`parse`] splits a request body into [`Part`]s, [`attachments_request`] checks them against
//! the statements in the first part, and [`write()`] builds the body of a GET /statements
//! response with `attachments=true`. Everything works on bytes already in memory: the web
//! layer reads the body (within its size limit) and passes it in.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

use crate::parse_json;

/// One body part: its header fields in the order received, and its raw octets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Header fields as `(name, value)`, the value without surrounding whitespace.
    pub headers: Vec<(String, String)>,
    /// The octets between the blank line after the headers and the next delimiter.
    pub body: Vec<u8>,
}

impl Part {
    /// The value of the first header field called `name`, compared without regard to case
    /// (header names are case-insensitive, RFC 5322 section 1.2.2).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The first part of a response with attachments: the statement result as JSON.
    pub fn json(body: Vec<u8>) -> Part {
        Part {
            headers: vec![("Content-Type".to_string(), "application/json".to_string())],
            body,
        }
    }

    /// An attachment part with the three headers Communication 1.5.2.s2.b2 asks for:
    /// `Content-Type`, `Content-Transfer-Encoding: binary` and `X-Experience-API-Hash`.
    pub fn attachment(sha2: &str, content_type: &str, body: Vec<u8>) -> Part {
        Part {
            headers: vec![
                ("Content-Type".to_string(), content_type.to_string()),
                (
                    "Content-Transfer-Encoding".to_string(),
                    "binary".to_string(),
                ),
                ("X-Experience-API-Hash".to_string(), sha2.to_string()),
            ],
            body,
        }
    }
}

/// Why a multipart request was refused; the LRS answers 400 with this text. Parts are numbered
/// from 1, the statements being part 1. Paths to attachments are written like statement
/// validation paths, with the statement's index first when the request holds an array:
/// `[2].attachments[0]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MultipartError {
    /// The boundary is empty or longer than RFC 2046's 70 characters.
    #[error("the multipart boundary must be 1 to 70 characters long")]
    Boundary,
    /// No line of the body is a delimiter `--boundary`.
    #[error("the body contains no multipart delimiter line --{0}")]
    NoDelimiter(String),
    /// The parts are not followed by the close delimiter `--boundary--`.
    #[error("the multipart body does not end with the close delimiter --{0}--")]
    Unterminated(String),
    /// The close delimiter comes before any part.
    #[error("the multipart body has no parts; the first part must hold the statements")]
    NoParts,
    /// A header line that is not `name: value`.
    #[error("part {part}: header line {line:?} is not a `Name: value` field")]
    Header {
        /// The part, from 1.
        part: usize,
        /// The offending line, lossily decoded.
        line: String,
    },
    /// The first part is not JSON.
    #[error("part 1 (the statements) must have Content-Type application/json; it has {0}")]
    FirstPartType(String),
    /// The first part is not a JSON text.
    #[error("part 1 (the statements): {0}")]
    Json(String),
    /// An attachment part without `X-Experience-API-Hash`.
    #[error("part {part}: the X-Experience-API-Hash header is required on every attachment part")]
    MissingHash {
        /// The part, from 1.
        part: usize,
    },
    /// An `X-Experience-API-Hash` that is not a SHA-2 hash in hex.
    #[error("part {part}: X-Experience-API-Hash {value:?} must be a SHA-2 hash in hex (56, 64, 96 or 128 hex digits)")]
    BadHash {
        /// The part, from 1.
        part: usize,
        /// The header value.
        value: String,
    },
    /// A `Content-Transfer-Encoding` other than `binary`.
    #[error("part {part}: Content-Transfer-Encoding must be binary, not {value:?}")]
    Encoding {
        /// The part, from 1.
        part: usize,
        /// The header value.
        value: String,
    },
    /// The part's data does not hash to its `X-Experience-API-Hash`.
    #[error("part {part}: the data does not match its X-Experience-API-Hash {sha2}")]
    HashMismatch {
        /// The part, from 1.
        part: usize,
        /// The declared hash.
        sha2: String,
    },
    /// A part whose hash no attachment of the statements declares.
    #[error("part {part}: no attachment of the statements has sha2 {sha2}")]
    ExtraPart {
        /// The part, from 1.
        part: usize,
        /// The part's hash.
        sha2: String,
    },
    /// An attachment without `fileUrl` whose data was not sent.
    #[error("{path}.sha2: no part carries the data of attachment {sha2}, and it has no fileUrl")]
    MissingPart {
        /// Where the attachment is, e.g. `attachments[0]`.
        path: String,
        /// Its `sha2`.
        sha2: String,
    },
    /// An attachment's `length` is not the length of its data.
    #[error("{path}.length: is {declared} but the data with sha2 {sha2} is {actual} octets long")]
    Length {
        /// Where the attachment is, e.g. `attachments[0]`.
        path: String,
        /// Its `sha2`.
        sha2: String,
        /// Its `length`.
        declared: String,
        /// The part's length.
        actual: usize,
    },
}

/// The `boundary` parameter of a `Content-Type: multipart/mixed` header, or `None` when the
/// header is another media type (`multipart/form-data` included: Communication 1.5.2 names
/// `multipart/mixed`) or has no usable boundary.
///
/// Type, subtype and parameter names are case-insensitive (RFC 2045 section 5.1). The value may
/// be a quoted string, with `\` escapes, or unquoted. Unquoted values are read leniently, up to
/// the next `;` or whitespace, so `boundary=abc'()+_,-./:=?` works even though RFC 2046
/// requires quotes around such characters. The boundary must be 1 to 70 characters of visible
/// ASCII or spaces, not ending with a space (RFC 2046 section 5.1.1).
pub fn boundary(content_type: &str) -> Option<String> {
    let (essence, mut rest) = match content_type.split_once(';') {
        Some((essence, rest)) => (essence, rest),
        None => (content_type, ""),
    };
    if !essence.trim().eq_ignore_ascii_case("multipart/mixed") {
        return None;
    }
    let mut found = None;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ';']);
        if rest.is_empty() {
            break;
        }
        let (name, after) = rest.split_once('=')?;
        let name = name.trim();
        let after = after.trim_start_matches([' ', '\t']);
        let value;
        if let Some(quoted) = after.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => out.push(chars.next()?.1),
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    c => out.push(c),
                }
            }
            value = out;
            rest = &quoted[end?..];
        } else {
            let end = after
                .find(|c: char| c == ';' || c.is_ascii_whitespace())
                .unwrap_or(after.len());
            value = after[..end].to_string();
            rest = &after[end..];
        }
        if name.eq_ignore_ascii_case("boundary") && found.is_none() {
            found = Some(value);
        }
    }
    let value = found?;
    let valid = (1..=70).contains(&value.len())
        && value.bytes().all(|b| (0x20..0x7f).contains(&b))
        && !value.ends_with(' ');
    valid.then_some(value)
}

/// Splits a `multipart/mixed` body into its parts (RFC 2046 section 5.1.1).
///
/// - A delimiter is a line that starts with `--boundary`, followed by optional spaces or tabs
///   (transport padding) and the line break; the close delimiter adds `--` after the boundary.
///   A line starting with `--boundary` and anything else is part content.
/// - Lines end with CRLF, as RFC 2046 requires, or with a bare LF, which is accepted: files
///   and hand-written requests often have them. The line break before a delimiter belongs to
///   the delimiter, not to the part, so a part's data is exactly what was sent.
/// - Text before the first delimiter (the preamble) and after the close delimiter (the
///   epilogue) is ignored.
/// - Each part is header fields, a blank line, and the body. Header lines are `Name: value`;
///   a line starting with a space or tab continues the previous field (RFC 5322 folding). A
///   part without a blank line is all headers and has an empty body. Header names are visible
///   ASCII without `:`; values are decoded as UTF-8, lossily.
///
/// Errors: a boundary that is empty or too long, no delimiter at all, no close delimiter, no
/// parts, or a malformed header line. Never panics, whatever the bytes.
pub fn parse(body: &[u8], boundary: &str) -> Result<Vec<Part>, MultipartError> {
    if boundary.is_empty() || boundary.len() > 70 {
        return Err(MultipartError::Boundary);
    }
    let dash: Vec<u8> = [b"--", boundary.as_bytes()].concat();
    let Some(first) = next_delimiter(body, 0, &dash) else {
        return Err(MultipartError::NoDelimiter(boundary.to_string()));
    };
    if first.close {
        return Err(MultipartError::NoParts);
    }
    let mut parts = Vec::new();
    let mut start = first.after;
    loop {
        let Some(next) = next_delimiter(body, start, &dash) else {
            return Err(MultipartError::Unterminated(boundary.to_string()));
        };
        let part = parse_part(&body[start..next.content_end], parts.len() + 1)?;
        parts.push(part);
        if next.close {
            return Ok(parts);
        }
        start = next.after;
    }
}

struct Delimiter {
    /// Where the part before it ends: before the line break preceding the delimiter.
    content_end: usize,
    /// Where the next part starts: after the delimiter line's own line break.
    after: usize,
    /// Whether it is the close delimiter `--boundary--`.
    close: bool,
}

/// The first delimiter line at or after `from`. A delimiter at `from` itself counts only when
/// `from` is 0 (the body starts with it); later ones must follow a line break that lies at or
/// after `from`, so that the break can be taken off the preceding part.
fn next_delimiter(body: &[u8], from: usize, dash: &[u8]) -> Option<Delimiter> {
    let mut line = from;
    while line <= body.len() {
        let at_line_start = line == 0 || (line > from && body.get(line - 1) == Some(&b'\n'));
        if at_line_start && body[line..].starts_with(dash) {
            let mut i = line + dash.len();
            let close = body[i..].starts_with(b"--");
            if close {
                i += 2;
            }
            while matches!(body.get(i), Some(b' ' | b'\t')) {
                i += 1;
            }
            let after = match body.get(i) {
                Some(b'\n') => Some(i + 1),
                Some(b'\r') if body.get(i + 1) == Some(&b'\n') => Some(i + 2),
                None if close => Some(i),
                _ => None,
            };
            if let Some(after) = after {
                let mut content_end = line;
                if line > from {
                    content_end -= 1;
                    if content_end > from && body[content_end - 1] == b'\r' {
                        content_end -= 1;
                    }
                }
                return Some(Delimiter {
                    content_end,
                    after,
                    close,
                });
            }
        }
        match body[line..].iter().position(|&b| b == b'\n') {
            Some(offset) => line += offset + 1,
            None => return None,
        }
    }
    None
}

fn parse_part(content: &[u8], number: usize) -> Result<Part, MultipartError> {
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut pos = 0;
    let body_start = loop {
        if pos >= content.len() {
            break content.len();
        }
        let (line, next) = match content[pos..].iter().position(|&b| b == b'\n') {
            Some(offset) => {
                let end = pos + offset;
                let line_end = if end > pos && content[end - 1] == b'\r' {
                    end - 1
                } else {
                    end
                };
                (&content[pos..line_end], end + 1)
            }
            None => (&content[pos..], content.len()),
        };
        if line.is_empty() {
            break next;
        }
        let bad = || MultipartError::Header {
            part: number,
            line: String::from_utf8_lossy(line).into_owned(),
        };
        if matches!(line[0], b' ' | b'\t') {
            let (_, value) = headers.last_mut().ok_or_else(bad)?;
            let more = String::from_utf8_lossy(line);
            if !value.is_empty() {
                value.push(' ');
            }
            value.push_str(more.trim());
        } else {
            let colon = line.iter().position(|&b| b == b':').ok_or_else(bad)?;
            let name = line[..colon].trim_ascii_end();
            if name.is_empty() || !name.iter().all(|b| (0x21..0x7f).contains(b)) {
                return Err(bad());
            }
            let value = String::from_utf8_lossy(&line[colon + 1..]);
            headers.push((
                String::from_utf8_lossy(name).into_owned(),
                value.trim().to_string(),
            ));
        }
        pos = next;
    };
    Ok(Part {
        headers,
        body: content[body_start..].to_vec(),
    })
}

/// The body of a `multipart/mixed` message with `parts`, delimited by `boundary`, for a GET
/// /statements response with `attachments=true`: each part is `--boundary`, its header lines,
/// a blank line and its body, lines ending with CRLF, and the close delimiter ends the body.
/// The response's `Content-Type` is `multipart/mixed; boundary="…"`.
///
/// The boundary must not occur in any body; [`choose_boundary`] picks one that does not.
/// Carriage returns and line feeds in header names and values are replaced by spaces, so a
/// stored content type can never add a header line.
pub fn write(parts: &[Part], boundary: &str) -> Vec<u8> {
    let clean = |s: &str| s.replace(['\r', '\n'], " ");
    let mut out = Vec::new();
    for part in parts {
        out.extend_from_slice(b"--");
        out.extend_from_slice(boundary.as_bytes());
        out.extend_from_slice(b"\r\n");
        for (name, value) in &part.headers {
            out.extend_from_slice(clean(name).as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(clean(value).as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&part.body);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--");
    out.extend_from_slice(boundary.as_bytes());
    out.extend_from_slice(b"--\r\n");
    out
}

/// A boundary for [`write()`] that occurs in none of the parts' bodies: `xapi-` and 32 hex
/// digits of a SHA-256 of the bodies, lengthened by a counter in the (astronomically
/// unlikely) case that it does occur. Deterministic, since this crate draws no randomness.
pub fn choose_boundary(parts: &[Part]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.body.len() as u64).to_be_bytes());
        hasher.update(&part.body);
    }
    let digest = hex(&hasher.finalize());
    let mut candidate = format!("xapi-{}", &digest[..32]);
    let mut counter = 0u32;
    while parts
        .iter()
        .any(|p| contains(&p.body, candidate.as_bytes()))
    {
        counter += 1;
        candidate = format!("xapi-{}-{counter}", &digest[..32]);
    }
    candidate
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// One attachment's data as received: `(sha2, content type, data)`.
pub type AttachmentData = (String, String, Vec<u8>);

/// Checks a parsed `multipart/mixed` statement request (Communication 1.5.2, Data 2.4.11) and
/// returns the statement(s) of the first part, parsed with [`parse_json`], and the data of
/// each distinct attachment, in the order of the parts: `(sha2, content type, data)`, the hash
/// in lower-case hex (as computed, whatever case the client used) and the content type from
/// the part's `Content-Type` header, else from the first attachment with that hash, else
/// `application/octet-stream`.
///
/// Checked:
///
/// 1. The first part has `Content-Type: application/json`, parameters such as `charset`
///    allowed (1.5.2.s2.b2.b1, b6), and is UTF-8 JSON without duplicate properties.
/// 2. Every further part has an `X-Experience-API-Hash` (b3) of 56, 64, 96 or 128 hex digits,
///    and its data hashes to it with SHA-224, SHA-256, SHA-384 or SHA-512, chosen by the
///    length; hex case is ignored. SHA-224 is accepted because statement validation accepts a
///    56-digit `sha2` (256, 384 and 512 are only recommended, 1.5.2.s4.b4).
/// 3. `Content-Transfer-Encoding`, when present, is `binary` (any case); a part without the
///    header is taken as binary, as 1.5.2.s3.b6 tells the LRS to assume, although b4 makes
///    the header a MUST for the client. Any other encoding is refused rather than decoded.
/// 4. Every part's hash is the `sha2` of some attachment of the statements (an extra part is
///    refused, as the conformance tests expect), and every attachment without `fileUrl` has a
///    part (1.5.2.s3.b5). An attachment with `fileUrl` may come with its data or without it.
///    Attachments of a SubStatement count like the statement's own.
/// 5. The `length` of every attachment whose data was received equals the data's length in
///    octets: Data 2.4.11 defines `length` as exactly that, and the statement is stored as
///    received, so a wrong length would be kept forever.
///
/// Not checked: a part's `Content-Type` against the attachment's `contentType` (clients
/// differ in parameters such as `charset`, the statement's value is the one returned), and
/// headers such as `Content-Disposition`, which are ignored. Two parts with the same hash
/// carry the same data (a SHOULD NOT, 1.5.2.s2.b2.b5, not refused); it is returned once. The
/// statements themselves are not validated here: the caller runs
/// [`validate_statement`](crate::validate_statement), which reports malformed attachment
/// objects; they are skipped here. Errors name the first problem found: parts in order, then
/// attachments in the order of the statements.
pub fn attachments_request(
    parts: Vec<Part>,
) -> Result<(Value, Vec<AttachmentData>), MultipartError> {
    let mut parts = parts.into_iter();
    let Some(first) = parts.next() else {
        return Err(MultipartError::NoParts);
    };
    match first.header("Content-Type") {
        Some(ct) if media_essence(ct).eq_ignore_ascii_case("application/json") => {}
        Some(ct) => return Err(MultipartError::FirstPartType(format!("{ct:?}"))),
        None => return Err(MultipartError::FirstPartType("none".to_string())),
    }
    let text = std::str::from_utf8(&first.body)
        .map_err(|_| MultipartError::Json("the statements are not UTF-8 text".to_string()))?;
    let statements = parse_json(text).map_err(|e| MultipartError::Json(e.to_string()))?;

    let declared = declared_attachments(&statements);
    let mut received: Vec<AttachmentData> = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, part) in parts.enumerate() {
        let number = i + 2;
        let Some(value) = part.header("X-Experience-API-Hash") else {
            return Err(MultipartError::MissingHash { part: number });
        };
        if let Some(encoding) = part.header("Content-Transfer-Encoding") {
            if !encoding.eq_ignore_ascii_case("binary") {
                return Err(MultipartError::Encoding {
                    part: number,
                    value: encoding.to_string(),
                });
            }
        }
        let is_hex = value.bytes().all(|b| b.is_ascii_hexdigit());
        let Some(actual) = is_hex.then(|| sha2_hex(value.len(), &part.body)).flatten() else {
            return Err(MultipartError::BadHash {
                part: number,
                value: value.to_string(),
            });
        };
        let sha2 = value.to_ascii_lowercase();
        if actual != sha2 {
            return Err(MultipartError::HashMismatch { part: number, sha2 });
        }
        let Some(first_declared) = declared.iter().find(|a| a.key == sha2) else {
            return Err(MultipartError::ExtraPart { part: number, sha2 });
        };
        if seen.insert(sha2.clone()) {
            let content_type = part
                .header("Content-Type")
                .map(str::to_string)
                .or_else(|| first_declared.content_type.clone())
                .unwrap_or_else(|| "application/octet-stream".to_string());
            received.push((sha2, content_type, part.body));
        }
    }

    for attachment in &declared {
        match received.iter().find(|(s, _, _)| *s == attachment.key) {
            None if !attachment.has_file_url => {
                return Err(MultipartError::MissingPart {
                    path: attachment.path.clone(),
                    sha2: attachment.sha2.clone(),
                })
            }
            Some((_, _, bytes)) => {
                if let Some(length) = &attachment.length {
                    if !length_is(length, bytes.len()) {
                        return Err(MultipartError::Length {
                            path: attachment.path.clone(),
                            sha2: attachment.sha2.clone(),
                            declared: length.to_string(),
                            actual: bytes.len(),
                        });
                    }
                }
            }
            None => {}
        }
    }
    Ok((statements, received))
}

/// An attachment object of a statement, as far as the part checks need it.
struct Declared {
    path: String,
    /// `sha2` as written.
    sha2: String,
    /// `sha2` in lower case.
    key: String,
    has_file_url: bool,
    length: Option<Value>,
    content_type: Option<String>,
}

/// Every attachment object with a string `sha2`, in statement order.
fn declared_attachments(statements: &Value) -> Vec<Declared> {
    let mut out = Vec::new();
    let mut add = |statement: &Value, prefix: String| {
        let mut collect = |holder: &Value, at: String| {
            let Some(Value::Array(items)) = holder.get("attachments") else {
                return;
            };
            for (i, item) in items.iter().enumerate() {
                let Some(sha2) = item.get("sha2").and_then(Value::as_str) else {
                    continue;
                };
                out.push(Declared {
                    path: format!("{at}attachments[{i}]"),
                    sha2: sha2.to_string(),
                    key: sha2.to_ascii_lowercase(),
                    has_file_url: item.get("fileUrl").is_some(),
                    length: item.get("length").cloned(),
                    content_type: item
                        .get("contentType")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                });
            }
        };
        collect(statement, prefix.clone());
        if let Some(object) = statement.get("object") {
            if object.get("objectType").and_then(Value::as_str) == Some("SubStatement") {
                collect(object, format!("{prefix}object."));
            }
        }
    };
    match statements {
        Value::Array(items) => {
            for (i, statement) in items.iter().enumerate() {
                add(statement, format!("[{i}]."));
            }
        }
        statement => add(statement, String::new()),
    }
    out
}

/// Whether the JSON `length` is the integer `actual`. A length that is not a non-negative
/// integer is left to statement validation.
fn length_is(length: &Value, actual: usize) -> bool {
    match length {
        Value::Number(n) => match (n.as_u64(), n.as_f64()) {
            (Some(v), _) => v == actual as u64,
            (None, Some(f)) if f >= 0.0 && f.fract() == 0.0 => f == actual as f64,
            _ => true,
        },
        _ => true,
    }
}

/// The type/subtype of a media type, without parameters or surrounding whitespace.
fn media_essence(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or_default().trim()
}

/// The SHA-2 hash of `data` with the variant whose hex form has `hex_len` digits.
fn sha2_hex(hex_len: usize, data: &[u8]) -> Option<String> {
    Some(match hex_len {
        56 => hex(&Sha224::digest(data)),
        64 => hex(&Sha256::digest(data)),
        96 => hex(&Sha384::digest(data)),
        128 => hex(&Sha512::digest(data)),
        _ => return None,
    })
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_in_every_spelling() {
        assert_eq!(
            boundary("multipart/mixed; boundary=abc").as_deref(),
            Some("abc")
        );
        assert_eq!(
            boundary("Multipart/Mixed;BOUNDARY=\"a b;c\"; charset=x").as_deref(),
            Some("a b;c")
        );
        assert_eq!(
            boundary(r#"multipart/mixed; charset="x;y"; boundary="q\"z""#).as_deref(),
            Some("q\"z")
        );
        assert_eq!(
            boundary("multipart/mixed; boundary=\"abcABC0123'()+_,-./:=?\"").as_deref(),
            Some("abcABC0123'()+_,-./:=?")
        );
        assert_eq!(boundary("multipart/form-data; boundary=abc"), None);
        assert_eq!(boundary("multipart/mixed"), None);
        assert_eq!(boundary("multipart/mixed;"), None);
        assert_eq!(boundary("multipart/mixed; boundary="), None);
        assert_eq!(boundary("multipart/mixed; boundary=\"unclosed"), None);
        assert_eq!(boundary("multipart/mixed; boundary=\"trailing \""), None);
        assert_eq!(
            boundary(&format!("multipart/mixed; boundary={}", "x".repeat(71))),
            None
        );
        assert_eq!(boundary("multipart/mixed; garbage"), None);
    }

    #[test]
    fn delimiters_need_a_line_of_their_own() {
        let body = b"--b\r\nA: 1\r\n\r\nx --b\r\n--bb\r\n--b \t\r\nB: 2\r\n\r\n\r\n--b--";
        let parts = parse(body, "b").expect("parses");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].body, b"x --b\r\n--bb");
        assert_eq!(parts[1].header("b"), Some("2"));
        assert_eq!(parts[1].body, b"");
    }

    #[test]
    fn headers_fold_and_may_be_all_there_is() {
        let parts =
            parse(b"--b\r\nA: 1\r\n  2\r\n\tthree\r\nB:\r\n--b--\r\n", "b").expect("parses");
        assert_eq!(parts[0].header("a"), Some("1 2 three"));
        assert_eq!(parts[0].header("B"), Some(""));
        assert!(parts[0].body.is_empty());
        assert!(matches!(
            parse(b"--b\r\n continued\r\n\r\n--b--", "b"),
            Err(MultipartError::Header { part: 1, .. })
        ));
        assert!(matches!(
            parse(b"--b\r\nBad Name: x\r\n\r\n--b--", "b"),
            Err(MultipartError::Header { part: 1, .. })
        ));
        assert!(matches!(
            parse(b"--b\r\n: x\r\n\r\n--b--", "b"),
            Err(MultipartError::Header { part: 1, .. })
        ));
    }
}
