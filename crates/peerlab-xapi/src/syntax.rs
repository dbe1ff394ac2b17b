//! The string formats a statement uses: UUIDs, IRIs, mailto IRIs, SHA-1 and SHA-2 hex hashes,
//! RFC 5646 language tags, ISO 8601 durations and timestamps, media types.
//!
//! Every check is written by hand so that the crate stays small and its decisions are visible
//! here rather than buried in a dependency. The spec allows best-effort validation of IRIs and
//! language tags (Data 2.2.s4.b6, b7); what "best effort" means for each format is stated on
//! its function.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};

use crate::Version;

/// A UUID in the standard string form (Data 4.4), e.g. `6690e6c9-3ef0-4ed3-8b37-7f3964730bee`.
///
/// Any version and any variant is accepted. The spec's one MUST is the *standard string form*:
/// 32 hexadecimal digits in groups of 8-4-4-4-12 separated by hyphens, without braces or a
/// `urn:uuid:` prefix. The RFC 4122 variant is only *recommended* (Data 4.4), and the spec's
/// own minimal example statement (Data 2.4.s2) uses `12345678-1234-5678-1234-567812345678`,
/// whose variant bits are not RFC 4122's. Hex digits are case-insensitive on input (RFC 4122
/// section 3) and printed in lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uuid([u8; 16]);

impl Uuid {
    /// Parses the standard string form; `None` for anything else.
    pub fn parse(text: &str) -> Option<Uuid> {
        let bytes = text.as_bytes();
        if bytes.len() != 36 {
            return None;
        }
        let mut out = [0u8; 16];
        let mut nibble = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if matches!(i, 8 | 13 | 18 | 23) {
                if b != b'-' {
                    return None;
                }
                continue;
            }
            let value = hex_value(b)?;
            out[nibble / 2] |= if nibble % 2 == 0 { value << 4 } else { value };
            nibble += 1;
        }
        Some(Uuid(out))
    }

    /// A version 4 (random) UUID of the RFC 4122 variant made from 16 random bytes supplied by
    /// the caller: this crate never draws randomness itself.
    pub fn new_v4(mut random: [u8; 16]) -> Uuid {
        random[6] = (random[6] & 0x0f) | 0x40;
        random[8] = (random[8] & 0x3f) | 0x80;
        Uuid(random)
    }

    /// A version 7 UUID (RFC 9562; the RFC 4122 variant, which xAPI accepts in every
    /// version): the Unix time in milliseconds, then random bits from the caller. Ids made
    /// one after another sort in the order they were made, so a database index of them grows
    /// at one end instead of at a random page for each.
    pub fn new_v7(unix_ms: u64, mut random: [u8; 16]) -> Uuid {
        random[..6].copy_from_slice(&unix_ms.to_be_bytes()[2..]);
        random[6] = (random[6] & 0x0f) | 0x70;
        random[8] = (random[8] & 0x3f) | 0x80;
        Uuid(random)
    }

    /// The 16 bytes, most significant first.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The version nibble (4 for random UUIDs). Meaningful only for the RFC 4122 variant.
    pub fn version(&self) -> u8 {
        self.0[6] >> 4
    }

    /// Whether the variant bits are RFC 4122's (`10x`), i.e. the 17th hex digit is 8, 9, a or b.
    pub fn is_rfc4122_variant(&self) -> bool {
        self.0[8] & 0xc0 == 0x80
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Whether `text` is only hexadecimal digits and exactly `len` of them (either case).
pub fn is_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `text` is a hex-encoded SHA-1 hash (the `mbox_sha1sum` IFI): 40 hex digits.
pub fn is_sha1_hex(text: &str) -> bool {
    is_hex(text, 40)
}

/// Whether `text` is a hex-encoded SHA-2 hash (an attachment's `sha2`): SHA-224, SHA-256,
/// SHA-384 or SHA-512, i.e. 56, 64, 96 or 128 hex digits.
pub fn is_sha2_hex(text: &str) -> bool {
    [56, 64, 96, 128].iter().any(|&len| is_hex(text, len))
}

/// Whether `text` is an absolute IRI (RFC 3987), best effort (Data 2.2.s4.b6).
///
/// Checked: a scheme (`ALPHA *(ALPHA / DIGIT / "+" / "-" / ".")`) followed by `:` and a
/// non-empty rest; no whitespace, no control characters and none of the characters RFC 3987
/// excludes from IRIs (`<>"{}|\^` and backtick); every `%` starts a `%HH` escape; at most one
/// `#`; square brackets only around an IP literal host. When the rest starts with `//`, the
/// authority's port (if any) is digits and authority and path are not both empty, so
/// `http://` alone is rejected while `file:///tmp/x` is accepted. Non-ASCII characters other
/// than whitespace and controls are accepted anywhere: that is what makes it an IRI and not a
/// URI. Relative references (`/a/b`, `#frag`) are not IRIs for xAPI (Data 2.4.4.1.s2 note).
pub fn is_iri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let mut scheme_chars = scheme.chars();
    if !scheme_chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        || !scheme_chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return false;
    }
    if rest.is_empty() || !iri_chars_ok(rest) {
        return false;
    }
    if rest.matches('#').count() > 1 {
        return false;
    }
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let (authority, path) = after.split_at(end);
        if authority.is_empty() && path.is_empty() {
            return false;
        }
        if !authority_ok(authority) {
            return false;
        }
        if path.contains(['[', ']']) {
            return false;
        }
    } else if rest.contains(['[', ']']) {
        return false;
    }
    true
}

/// Whether `text` is an absolute URI: an [IRI](is_iri) made only of ASCII characters.
pub fn is_uri(text: &str) -> bool {
    text.is_ascii() && is_iri(text)
}

fn iri_chars_ok(text: &str) -> bool {
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        if c.is_whitespace() || c.is_control() {
            return false;
        }
        if matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '\\' | '^' | '`') {
            return false;
        }
        if c == '%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
        {
            return false;
        }
    }
    true
}

fn authority_ok(authority: &str) -> bool {
    let host_port = match authority.rsplit_once('@') {
        Some((userinfo, host_port)) => {
            if userinfo.contains(['[', ']']) {
                return false;
            }
            host_port
        }
        None => authority,
    };
    let port = if let Some(literal) = host_port.strip_prefix('[') {
        let Some((inside, after)) = literal.split_once(']') else {
            return false;
        };
        if inside.is_empty() || inside.contains('[') {
            return false;
        }
        match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(port) => Some(port),
                None => return false,
            },
        }
    } else {
        if host_port.contains(['[', ']']) {
            return false;
        }
        host_port.rsplit_once(':').map(|(_, port)| port)
    };
    port.is_none_or(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether `text` is a `mailto:` IRI holding one e-mail address (the `mbox` IFI,
/// Data 2.4.2.3): the lower-case scheme `mailto:` as the spec writes it, then `local@domain`
/// with both parts non-empty, no second address (`,`) and no header fields (`?`), and the whole
/// an [IRI](is_iri).
pub fn is_mailto_iri(text: &str) -> bool {
    let Some(address) = text.strip_prefix("mailto:") else {
        return false;
    };
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !address.contains([',', '?'])
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && is_iri(text)
}

/// Whether `tag` is a well-formed RFC 5646 language tag (section 2.1 and 2.2.9), case
/// insensitive.
///
/// The full ABNF is checked: language (2-3 letters with up to three 3-letter extlangs, or 4-8
/// letters), optional 4-letter script, optional region (2 letters or 3 digits), variants (5-8
/// alphanumerics, or a digit and 3 alphanumerics), extensions (a singleton other than `x` and
/// one or more 2-8 character subtags), an optional private-use part (`x` and 1-8 character
/// subtags), private-use-only tags (`x-whatever`) and the 26 grandfathered tags. Not checked:
/// that subtags are registered in the IANA registry, and the "valid" (not just well-formed)
/// rules on duplicate variants and singletons.
pub fn is_language_tag(tag: &str) -> bool {
    if tag.is_empty() || !tag.is_ascii() {
        return false;
    }
    let lower = tag.to_ascii_lowercase();
    if GRANDFATHERED.contains(&lower.as_str()) {
        return true;
    }
    let subtags: Vec<&str> = lower.split('-').collect();
    if subtags
        .iter()
        .any(|s| s.is_empty() || s.len() > 8 || !s.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return false;
    }
    let alpha = |s: &str| s.bytes().all(|b| b.is_ascii_alphabetic());
    let digit = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let n = subtags.len();
    if subtags[0] == "x" {
        return private_use(&subtags[1..]);
    }
    let language = subtags[0];
    if !alpha(language) || language.len() < 2 {
        return false;
    }
    let mut i = 1;
    if language.len() <= 3 {
        let mut extlangs = 0;
        while i < n && extlangs < 3 && subtags[i].len() == 3 && alpha(subtags[i]) {
            i += 1;
            extlangs += 1;
        }
    }
    if i < n && subtags[i].len() == 4 && alpha(subtags[i]) {
        i += 1;
    }
    if i < n
        && ((subtags[i].len() == 2 && alpha(subtags[i]))
            || (subtags[i].len() == 3 && digit(subtags[i])))
    {
        i += 1;
    }
    while i < n
        && (subtags[i].len() >= 5
            || (subtags[i].len() == 4 && subtags[i].as_bytes()[0].is_ascii_digit()))
    {
        i += 1;
    }
    while i < n && subtags[i].len() == 1 && subtags[i] != "x" {
        i += 1;
        let start = i;
        while i < n && subtags[i].len() >= 2 {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if i < n && subtags[i] == "x" {
        return private_use(&subtags[i + 1..]);
    }
    i == n
}

fn private_use(rest: &[&str]) -> bool {
    !rest.is_empty()
}

/// RFC 5646 section 2.2.8, in lower case.
const GRANDFATHERED: [&str; 26] = [
    "en-gb-oed",
    "i-ami",
    "i-bnn",
    "i-default",
    "i-enochian",
    "i-hak",
    "i-klingon",
    "i-lux",
    "i-mingo",
    "i-navajo",
    "i-pwn",
    "i-tao",
    "i-tay",
    "i-tsu",
    "sgn-be-fr",
    "sgn-be-nl",
    "sgn-ch-de",
    "art-lojban",
    "cel-gaulish",
    "no-bok",
    "no-nyn",
    "zh-guoyu",
    "zh-hakka",
    "zh-min",
    "zh-min-nan",
    "zh-xiang",
];

/// Whether `text` is an ISO 8601 duration in the format of ISO 8601:2004 section 4.4.3.2
/// (Data 4.6): `PnYnMnDTnHnMnS` with at least one component, components in that order, `T`
/// before and only before time components and followed by at least one, or `PnW` alone (weeks
/// do not combine: `P4W1D` is invalid). Only the last component may carry a decimal fraction
/// (`.` or `,`). Negative durations and the alternative format (`P0003-01-29T04:35:59`, which
/// Data 4.6.s1.b1 forbids) are rejected.
///
/// The spec's example table lists `P16559.14S`, which lacks the `T` that ISO 8601 requires
/// before seconds; it is rejected here, as every ISO 8601 parser does (written with the `T`,
/// `PT16559.14S`, it is accepted).
pub fn is_duration(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('P') else {
        return false;
    };
    if rest.is_empty() {
        return false;
    }
    let (date, time) = match rest.split_once('T') {
        Some((date, time)) => {
            if time.is_empty() {
                return false;
            }
            (date, Some(time))
        }
        None => (rest, None),
    };
    let mut fraction_seen = false;
    let mut check = |part: &str, designators: &[u8]| -> bool {
        let mut next = 0;
        let bytes = part.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if fraction_seen {
                return false;
            }
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i == start {
                return false;
            }
            if i < bytes.len() && matches!(bytes[i], b'.' | b',') {
                i += 1;
                let fraction_start = i;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                if i == fraction_start {
                    return false;
                }
                fraction_seen = true;
            }
            let Some(&designator) = bytes.get(i) else {
                return false;
            };
            let Some(position) = designators[next..].iter().position(|&d| d == designator) else {
                return false;
            };
            next += position + 1;
            i += 1;
        }
        true
    };
    if time.is_none() && rest.ends_with('W') {
        return check(date, b"W");
    }
    check(date, b"YMD") && time.is_none_or(|t| check(t, b"HMS"))
}

/// Why a timestamp was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    /// Not a date and time in the accepted syntax.
    #[error("must be an ISO 8601 date and time such as 2013-05-18T05:32:34.804Z")]
    Iso8601,
    /// Not an RFC 3339 date-time (xAPI 2.0).
    #[error("must be an RFC 3339 date-time with a time zone, such as 2013-05-18T05:32:34.804Z")]
    Rfc3339,
    /// The offset `-00:00`, which ISO 8601 does not allow (xAPI 1.0.3).
    #[error("must not use the offset -00:00 (use Z or +00:00 for UTC)")]
    NegativeZero,
    /// Syntax fine, but no such date or time (February 30th, 25:00, offset +25:00).
    #[error("is not an existing date and time")]
    OutOfRange,
}

/// Parses a `timestamp` or `stored` value (Data 4.5).
///
/// xAPI 1.0.3 requires ISO 8601 (RFC 3339 is a SHOULD*). Accepted: calendar dates in the
/// extended (`2013-05-18T05:32:34.804+00:00`) or basic (`20130518T053234.804+0000`) format;
/// times to the minute or second, with a decimal fraction of the second (`.` or `,`); the zone
/// `Z`, `±hh:mm`, `±hhmm` or `±hh`, or no zone at all, since including it is only a SHOULD*
/// (such a timestamp is read as UTC). The offset `-00:00` is rejected: ISO 8601 forbids it,
/// and the LRS conformance tests expect it refused. Week and ordinal dates, reduced dates
/// without a time and `24:00` are not accepted.
///
/// xAPI 2.0 requires RFC 3339 (section 5.6): `YYYY-MM-DDThh:mm:ss[.frac]` and `Z` or `±hh:mm`,
/// `T` and `Z` in either case. `-00:00` is allowed there (RFC 3339 reads it as UTC with an
/// unknown local offset); the LRS converts every timestamp to UTC instead of refusing.
///
/// Both accept a leap second (`:60`). Digits beyond nanoseconds are truncated.
pub fn parse_timestamp(
    text: &str,
    version: Version,
) -> Result<DateTime<FixedOffset>, TimestampError> {
    match version {
        Version::V1_0_3 => parse_iso8601(text),
        Version::V2_0_0 => parse_rfc3339(text),
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Option<u32> {
        let slice = self.bytes.get(self.at..self.at + n)?;
        if !slice.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.at += n;
        Some(
            slice
                .iter()
                .fold(0, |acc, b| acc * 10 + u32::from(b - b'0')),
        )
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.bytes.get(self.at) == Some(&b) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn done(&self) -> bool {
        self.at == self.bytes.len()
    }

    /// A decimal fraction after the separator, as nanoseconds (extra digits truncated).
    fn fraction(&mut self) -> Option<u32> {
        let start = self.at;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
        let digits = &self.bytes[start..self.at];
        if digits.is_empty() {
            return None;
        }
        let mut nanos = 0u32;
        for i in 0..9 {
            nanos = nanos * 10 + digits.get(i).map_or(0, |b| u32::from(b - b'0'));
        }
        Some(nanos)
    }
}

/// Fields read from a timestamp before they are checked for range.
struct Parts {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    /// Offset east of UTC in seconds; `None` when no zone was given.
    offset: Option<i32>,
}

fn parse_iso8601(text: &str) -> Result<DateTime<FixedOffset>, TimestampError> {
    let bad = TimestampError::Iso8601;
    let mut c = Cursor {
        bytes: text.as_bytes(),
        at: 0,
    };
    let year = c.digits(4).ok_or(bad)?;
    let extended = c.eat(b'-');
    let month = c.digits(2).ok_or(bad)?;
    if extended && !c.eat(b'-') {
        return Err(bad);
    }
    let day = c.digits(2).ok_or(bad)?;
    if !c.eat(b'T') {
        return Err(bad);
    }
    let hour = c.digits(2).ok_or(bad)?;
    if extended && !c.eat(b':') {
        return Err(bad);
    }
    let minute = c.digits(2).ok_or(bad)?;
    let mut second = 0;
    let mut nanos = 0;
    let has_seconds = if extended {
        c.eat(b':')
    } else {
        c.peek().is_some_and(|b| b.is_ascii_digit())
    };
    if has_seconds {
        second = c.digits(2).ok_or(bad)?;
        if c.eat(b'.') || c.eat(b',') {
            nanos = c.fraction().ok_or(bad)?;
        }
    }
    let offset = match c.peek() {
        None => None,
        Some(b'Z') => {
            c.at += 1;
            Some(0)
        }
        Some(sign @ (b'+' | b'-')) => {
            c.at += 1;
            let hours = c.digits(2).ok_or(bad)?;
            let minutes = if c.done() {
                0
            } else {
                if extended && !c.eat(b':') {
                    return Err(bad);
                }
                c.digits(2).ok_or(bad)?
            };
            if sign == b'-' && hours == 0 && minutes == 0 {
                return Err(TimestampError::NegativeZero);
            }
            Some(signed_offset(sign, hours, minutes)?)
        }
        Some(_) => return Err(bad),
    };
    if !c.done() {
        return Err(bad);
    }
    build(Parts {
        year,
        month,
        day,
        hour,
        minute,
        second,
        nanos,
        offset,
    })
}

fn parse_rfc3339(text: &str) -> Result<DateTime<FixedOffset>, TimestampError> {
    let bad = TimestampError::Rfc3339;
    let mut c = Cursor {
        bytes: text.as_bytes(),
        at: 0,
    };
    let year = c.digits(4).ok_or(bad)?;
    let ok = c.eat(b'-');
    let month = c.digits(2).filter(|_| ok).ok_or(bad)?;
    let ok = c.eat(b'-');
    let day = c.digits(2).filter(|_| ok).ok_or(bad)?;
    if !(c.eat(b'T') || c.eat(b't')) {
        return Err(bad);
    }
    let hour = c.digits(2).ok_or(bad)?;
    let ok = c.eat(b':');
    let minute = c.digits(2).filter(|_| ok).ok_or(bad)?;
    let ok = c.eat(b':');
    let second = c.digits(2).filter(|_| ok).ok_or(bad)?;
    let nanos = if c.eat(b'.') {
        c.fraction().ok_or(bad)?
    } else {
        0
    };
    let offset = match c.peek() {
        Some(b'Z' | b'z') => {
            c.at += 1;
            0
        }
        Some(sign @ (b'+' | b'-')) => {
            c.at += 1;
            let hours = c.digits(2).ok_or(bad)?;
            let ok = c.eat(b':');
            let minutes = c.digits(2).filter(|_| ok).ok_or(bad)?;
            signed_offset(sign, hours, minutes)?
        }
        _ => return Err(bad),
    };
    if !c.done() {
        return Err(bad);
    }
    build(Parts {
        year,
        month,
        day,
        hour,
        minute,
        second,
        nanos,
        offset: Some(offset),
    })
}

fn signed_offset(sign: u8, hours: u32, minutes: u32) -> Result<i32, TimestampError> {
    if hours > 23 || minutes > 59 {
        return Err(TimestampError::OutOfRange);
    }
    // At most 23 * 3600 + 59 * 60 after the check above, so the conversion cannot fail.
    let seconds =
        i32::try_from(hours * 3600 + minutes * 60).map_err(|_| TimestampError::OutOfRange)?;
    Ok(if sign == b'-' { -seconds } else { seconds })
}

fn build(p: Parts) -> Result<DateTime<FixedOffset>, TimestampError> {
    let range = TimestampError::OutOfRange;
    let year = i32::try_from(p.year).map_err(|_| range)?;
    let date = NaiveDate::from_ymd_opt(year, p.month, p.day).ok_or(range)?;
    let time = if p.second == 60 {
        // chrono represents a leap second as second 59 with more than a second of nanos.
        NaiveTime::from_hms_nano_opt(p.hour, p.minute, 59, 1_000_000_000 + p.nanos)
    } else {
        NaiveTime::from_hms_nano_opt(p.hour, p.minute, p.second, p.nanos)
    }
    .ok_or(range)?;
    let offset = FixedOffset::east_opt(p.offset.unwrap_or(0)).ok_or(range)?;
    date.and_time(time)
        .and_local_timezone(offset)
        .single()
        .ok_or(range)
}

/// Whether `text` is an Internet media type (RFC 2046 / RFC 7231 `media-type`): `type/subtype`
/// made of token characters, optionally followed by `; name=value` parameters whose value is a
/// token or a quoted string. Best effort: the type is not checked against the IANA registry.
pub fn is_media_type(text: &str) -> bool {
    let mut parts = text.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    if !is_token(kind) || !is_token(subtype) {
        return false;
    }
    parts.all(|param| {
        let Some((name, value)) = param.trim().split_once('=') else {
            return false;
        };
        is_token(name)
            && (is_token(value)
                || (value.len() >= 2
                    && value.starts_with('"')
                    && value.ends_with('"')
                    && !value[1..value.len() - 1].contains('"')))
    })
}

fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// Whether `text` is a Semantic Versioning 1.0.0 version `major.minor.patch` with the given
/// major and minor numbers (e.g. `1.0.3` for `(1, 0)`): digits only, no leading zeros, no
/// pre-release or build suffix.
pub fn is_version(text: &str, major: u32, minor: u32) -> bool {
    let mut parts = text.split('.');
    let number = |p: Option<&str>| -> Option<u32> {
        let p = p?;
        if p.is_empty()
            || !p.bytes().all(|b| b.is_ascii_digit())
            || (p.len() > 1 && p.starts_with('0'))
        {
            return None;
        }
        p.parse().ok()
    };
    number(parts.next()) == Some(major)
        && number(parts.next()) == Some(minor)
        && number(parts.next()).is_some()
        && parts.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_round_trip_in_lower_case() {
        let text = "6690E6C9-3EF0-4ED3-8B37-7F3964730BEE";
        let uuid = Uuid::parse(text).expect("valid");
        assert_eq!(uuid.to_string(), text.to_ascii_lowercase());
        assert!(uuid.is_rfc4122_variant());
        assert_eq!(uuid.version(), 4);
        assert!(Uuid::parse("12345678-1234-5678-1234-567812345678").is_some());
        for bad in [
            "",
            "6690e6c9-3ef0-4ed3-8b37-7f3964730be",
            "6690e6c93ef04ed38b377f3964730bee",
            "{6690e6c9-3ef0-4ed3-8b37-7f3964730bee}",
            "6690e6c9-3ef0-4ed3-8b37_7f3964730bee",
            "6690e6c9-3ef0-4ed3-8b37-7f3964730beg",
            "urn:uuid:6690e6c9-3ef0-4ed3-8b37-7f39",
        ] {
            assert!(Uuid::parse(bad).is_none(), "{bad}");
        }
        let v4 = Uuid::new_v4([0xff; 16]);
        assert_eq!(v4.version(), 4);
        assert!(v4.is_rfc4122_variant());
    }

    #[test]
    fn version_7_uuids_carry_the_time_and_sort_by_it() {
        let t = 1_795_600_000_123_u64; // 2026-11-25
        let a = Uuid::new_v7(t, [0xff; 16]);
        assert_eq!(a.version(), 7);
        assert!(a.is_rfc4122_variant());
        assert_eq!(&a.as_bytes()[..6], &t.to_be_bytes()[2..]);
        assert!(a.to_string().starts_with("01a2"), "{a}");
        // A later millisecond sorts after, whatever the random bits.
        let b = Uuid::new_v7(t + 1, [0; 16]);
        assert!(b.to_string() > a.to_string());
        assert!(Uuid::parse(&b.to_string()) == Some(b));
    }

    #[test]
    fn iris() {
        for good in [
            "http://example.com",
            "http://example.com/xapi/verbs#defenestrated",
            "http://example.com/فعل/خواندن",
            "urn:uuid:6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
            "tag:adlnet.gov,2013:expapi:0.9:activities",
            "mailto:a@b.c",
            "file:///tmp/x",
            "http://[::1]:8080/x",
            "http://user@host:80/p?q=1#f",
            "https://www.youtube.com/watch?v=xh4kIiH3Sm8",
            "http://a/%20b",
        ] {
            assert!(is_iri(good), "{good}");
        }
        for bad in [
            "",
            "not an iri",
            "http://",
            "http:// example.com",
            "example.com",
            "/relative/path",
            "#fragment",
            "1http://x",
            "http:",
            "http://x/a b",
            "http://x/<a>",
            "http://x/%zz",
            "http://x/%2",
            "http://x#a#b",
            "http://host:port/",
            "http://x/\u{7}",
        ] {
            assert!(!is_iri(bad), "{bad}");
        }
    }

    #[test]
    fn language_tags() {
        for good in [
            "en",
            "en-US",
            "es-MX",
            "tlh",
            "zh-Hant-TW",
            "zh-yue-HK",
            "sr-Latn-RS",
            "de-CH-1901",
            "sl-rozaj-biske",
            "es-419",
            "en-a-bbb-x-a-ccc",
            "x-whatever",
            "i-klingon",
            "en-GB-oed",
            "EN-us",
            "qaa-Qaaa-QM-x-southern",
        ] {
            assert!(is_language_tag(good), "{good}");
        }
        for bad in [
            "",
            "e",
            "en_US",
            "en-",
            "-en",
            "en--US",
            "123",
            "en-US-",
            "a-DE",
            "ar-a-aaa-b-bbb-a",
            "en-x",
            "abcdefghi",
            "de-419-DE",
            "en-a",
            "en-US-x-abcdefghi",
        ] {
            // "ar-a-aaa-b-bbb-a": an extension singleton without subtags at the end.
            assert!(!is_language_tag(bad), "{bad}");
        }
    }

    #[test]
    fn durations() {
        for good in [
            "PT4H35M59.14S",
            "P3Y1M29DT4H35M59.14S",
            "P3Y",
            "P4W",
            "PT1H0M0S",
            "PT1234S",
            "PT0.5S",
            "P1DT12H",
            "PT1,5H",
            "P0D",
        ] {
            assert!(is_duration(good), "{good}");
        }
        for bad in [
            "",
            "P",
            "PT",
            "P4W1D",
            "P1DT",
            "PT1.5H30M",
            "P16559.14S",
            "1H",
            "P-1D",
            "P1H",
            "PT1D",
            "P1M1Y",
            "P0003-01-29T04:35:59",
            "p1d",
            "P1.D",
            "P.5D",
            "P 1D",
        ] {
            assert!(!is_duration(bad), "{bad}");
        }
    }

    #[test]
    fn timestamps_1_0_3() {
        let v = Version::V1_0_3;
        for good in [
            "2013-05-18T05:32:34.804+00:00",
            "2015-11-18T12:17:00+00:00",
            "2013-04-01T12:00:00Z",
            "2013-05-18T05:32:34,804Z",
            "2013-05-18T05:32Z",
            "2013-05-18T05:32:34",
            "20130518T053234Z",
            "20130518T053234.5+0130",
            "2013-05-18T05:32:34+05",
            "2016-12-31T23:59:60Z",
        ] {
            assert!(parse_timestamp(good, v).is_ok(), "{good}");
        }
        assert_eq!(
            parse_timestamp("2013-05-18T05:32:34-00:00", v),
            Err(TimestampError::NegativeZero)
        );
        assert_eq!(
            parse_timestamp("2013-05-18T05:32:34-0000", v).err(),
            Some(TimestampError::Iso8601),
            "basic offset in an extended timestamp"
        );
        assert_eq!(
            parse_timestamp("2013-02-30T05:32:34Z", v),
            Err(TimestampError::OutOfRange)
        );
        for bad in [
            "",
            "2013-05-18",
            "2013-05-18 05:32:34Z",
            "2013-05-18T05:32:34.Z",
            "2013-05-18T25:32:34Z",
            "2013-05-18T05:32:34+24:00",
            "2013-0518T05:32:34Z",
            "13-05-18T05:32:34Z",
            "2013-05-18T05:32:34ZZ",
        ] {
            assert!(parse_timestamp(bad, v).is_err(), "{bad}");
        }
    }

    #[test]
    fn timestamps_2_0() {
        let v = Version::V2_0_0;
        let parsed = parse_timestamp("2013-05-18t05:32:34.804-00:00", v).expect("RFC 3339");
        assert_eq!(parsed.offset().local_minus_utc(), 0);
        for bad in [
            "2013-05-18T05:32:34",
            "2013-05-18T05:32Z",
            "20130518T053234Z",
            "2013-05-18T05:32:34+05",
            "2013-05-18T05:32:34,5Z",
        ] {
            assert_eq!(
                parse_timestamp(bad, v),
                Err(TimestampError::Rfc3339),
                "{bad}"
            );
        }
    }

    #[test]
    fn media_types() {
        for good in [
            "application/octet-stream",
            "text/plain; charset=utf-8",
            "multipart/mixed; boundary=\"abc def\"",
        ] {
            assert!(is_media_type(good), "{good}");
        }
        for bad in [
            "",
            "text",
            "text/",
            "/plain",
            "text/plain; charset",
            "te xt/plain",
        ] {
            assert!(!is_media_type(bad), "{bad}");
        }
    }

    #[test]
    fn versions() {
        assert!(is_version("1.0.0", 1, 0));
        assert!(is_version("1.0.12", 1, 0));
        for bad in [
            "1.0",
            "1.0.",
            "1.0.x",
            "1.0.01",
            "1.0.0-beta",
            "1.1.0",
            "01.0.0",
            "1.0.0.0",
        ] {
            assert!(!is_version(bad, 1, 0), "{bad}");
        }
    }
}
