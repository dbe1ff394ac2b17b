//! Signed statements (Data 2.6): a JSON Web Signature (RFC 7515) over the statement, sent as
//! an attachment with usageType [`SIGNATURE_USAGE_TYPE`].
//!
//! Data 2.6.s5: "The LRS MUST reject requests to store Statements that contain malformed
//! signatures, with `400 Bad Request`", and to verify that signatures are well formed it MUST
//! decode the JWS and load the signed statement from its payload (b3.b1), validate that the
//! original statement is logically equivalent to the received one (b3.b2, see
//! [`first_difference`]), validate the signature against the X.509 certificate when the JWS
//! header includes one (b3.b3), and validate the signature requirements of 2.6.s4 (b3.b4):
//! compact serialization, algorithm RS256, RS384 or RS512, attachment contentType
//! `application/octet-stream`.
//!
//! The note under 2.6.s5 says the certificate check "is intended as a way to catch mistakes
//! in the signature, not as a security measure", and 2.6.s6.b2 tells clients not to trust a
//! signature because an LRS accepted it. So the LRS checks what the spec lists and no more: the
//! signature against the first certificate's key, not the certificate chain, its validity
//! dates (this crate has no clock) or any trust anchor.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use serde_json::Value;
use sha2::{Sha256, Sha384, Sha512};

use crate::compare::first_difference;
use crate::multipart::AttachmentData;
use crate::parse_json;

/// The attachment usageType of a statement signature (Data 2.6.s4.b1).
pub const SIGNATURE_USAGE_TYPE: &str = "http://adlnet.gov/expapi/attachments/signature";

/// Padding is optional when decoding: RFC 7515 leaves it out of base64url and RFC 7517 keeps
/// it in the base64 of `x5c`, and accepting either costs nothing.
const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_encode_padding(false)
    .with_decode_padding_mode(DecodePaddingMode::Indifferent);
const BASE64URL: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);
const BASE64: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);

/// Why a statement signature was refused; the LRS answers 400 with this text (Data 2.6.s5.b1,
/// b2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// Not a JWS in compact serialization, or a part of it does not decode.
    #[error("the signature is not a well-formed JWS in compact serialization: {0}")]
    Malformed(String),
    /// An algorithm other than RS256, RS384 and RS512 (Data 2.6.s4.b4).
    #[error("the signature uses the JWS algorithm {0}; only RS256, RS384 and RS512 are allowed")]
    Algorithm(String),
    /// The `x5c` header is present but its first certificate gives no RSA public key.
    #[error("the signature's x5c header is unusable: {0}")]
    Certificate(String),
    /// The signature does not verify against the first `x5c` certificate.
    #[error("the signature does not verify against the public key of its x5c certificate")]
    Invalid,
    /// The signed statement is not the received statement.
    #[error("the signed statement (the JWS payload) differs from the statement at {}", if .0.is_empty() { "its top level" } else { .0.as_str() })]
    PayloadMismatch(String),
    /// A signature attachment whose contentType is not `application/octet-stream`.
    #[error("a signature attachment must have contentType application/octet-stream, not {0:?}")]
    ContentType(String),
    /// A signature attachment whose data was not in the request.
    #[error(
        "the signature's data (sha2 {0}) must be sent in the request, so that the LRS can check it"
    )]
    MissingData(String),
}

/// A refused signature attachment of a statement: `attachments[index]: error`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("attachments[{index}]: {error}")]
pub struct SignedStatementError {
    /// Which of the statement's attachments.
    pub index: usize,
    /// What is wrong with it.
    pub error: SignatureError,
}

/// Checks every signature attachment of `statement` (each top-level attachment with usageType
/// [`SIGNATURE_USAGE_TYPE`]) using the attachment data of the request, as returned by
/// [`crate::multipart::attachments_request`]. A statement without one passes.
///
/// Each must have contentType `application/octet-stream` (parameters allowed, case ignored),
/// its data must be among `attachments` (found by `sha2`, case ignored) and must pass
/// [`verify_signature`]. A signature sent only by `fileUrl` is refused: the LRS MUST decode the
/// JWS (Data 2.6.s5.b3.b1) and does not fetch URLs. Signature attachments of a SubStatement are
/// not the statement's signature and are not checked.
pub fn verify_signed_statement(
    statement: &Value,
    attachments: &[AttachmentData],
) -> Result<(), SignedStatementError> {
    let Some(Value::Array(items)) = statement.get("attachments") else {
        return Ok(());
    };
    for (index, item) in items.iter().enumerate() {
        if item.get("usageType").and_then(Value::as_str) != Some(SIGNATURE_USAGE_TYPE) {
            continue;
        }
        let fail = |error| SignedStatementError { index, error };
        let content_type = item
            .get("contentType")
            .and_then(Value::as_str)
            .unwrap_or("");
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case("application/octet-stream") {
            return Err(fail(SignatureError::ContentType(content_type.to_string())));
        }
        let sha2 = item.get("sha2").and_then(Value::as_str).unwrap_or("");
        let Some((_, _, data)) = attachments
            .iter()
            .find(|(s, _, _)| s.eq_ignore_ascii_case(sha2))
        else {
            return Err(fail(SignatureError::MissingData(sha2.to_string())));
        };
        verify_signature(statement, data).map_err(fail)?;
    }
    Ok(())
}

/// Checks one JWS, `jws_compact`, as the signature of `statement` (the statement as received,
/// before the LRS assigns `id`, `stored`, `authority` or `version`).
///
/// 1. The JWS is in compact serialization, `header.payload.signature`, each base64url;
///    whitespace around it (a trailing line break) is ignored. The JSON serialization is
///    refused: Data 2.6.s4.b2 makes compact a SHOULD* and warns that JSON "will be forbidden".
/// 2. The header is a JSON object whose `alg` is `RS256`, `RS384` or `RS512` (2.6.s4.b4), so
///    `none` and `HS256` are refused. A `crit` header is refused: this LRS understands no JWS
///    extension, and RFC 7515 section 4.1.11 requires refusing ones it does not understand.
/// 3. The payload is a JSON object without duplicate properties: the statement "before the
///    signature was added" (2.6.s4.b3). The signature segment is not empty.
/// 4. When the header has `x5c`, it is a non-empty array of base64 DER certificates; the RSA
///    public key of the first one (at most 4096 bits) must verify the signature over
///    `header.payload` with RSASSA-PKCS1-v1_5 and the algorithm's SHA-2 (2.6.s5.b3.b3). The
///    rest of the chain is not examined (see the module documentation).
/// 5. Without `x5c` the signature cannot be checked cryptographically, and the spec asks for
///    it only "if the JWS header includes an X.509 certificate" (2.6.s5.b3.b3; the
///    certificate itself is a SHOULD, 2.6.s4.b5, b6): such a JWS is accepted once the other
///    checks pass. A `jwk` or `x5u` header is not used: the spec names only `x5c`, and this
///    crate does no network IO.
/// 6. The payload is the same statement as `statement` under the comparison rules of Data
///    2.3.1.s9 ([`first_difference`]): "Validate that the original Statement is logically
///    equivalent to the received Statement" (2.6.s5.b3.b2). In particular `attachments` (the
///    signature is added after signing), `authority` and `stored` are ignored, and `id`,
///    `version` and `timestamp` are compared when both carry them.
pub fn verify_signature(statement: &Value, jws_compact: &[u8]) -> Result<(), SignatureError> {
    let malformed = |why: &str| SignatureError::Malformed(why.to_string());
    let text = std::str::from_utf8(jws_compact)
        .map_err(|_| malformed("it is not text"))?
        .trim();
    if text.starts_with('{') {
        return Err(malformed(
            "it uses the JWS JSON serialization; send the compact serialization, header.payload.signature",
        ));
    }
    let segments: Vec<&str> = text.split('.').collect();
    let [header_b64, payload_b64, signature_b64] = segments[..] else {
        return Err(SignatureError::Malformed(format!(
            "it has {} dot-separated segments instead of 3 (header.payload.signature)",
            segments.len()
        )));
    };

    let header = decode_json(header_b64, "header")?;
    let Value::Object(header) = header else {
        return Err(malformed("the header is not a JSON object"));
    };
    let algorithm = match header.get("alg") {
        Some(Value::String(alg)) => alg.as_str(),
        Some(other) => return Err(SignatureError::Algorithm(other.to_string())),
        None => return Err(malformed("the header has no alg")),
    };
    if !matches!(algorithm, "RS256" | "RS384" | "RS512") {
        return Err(SignatureError::Algorithm(format!("{algorithm:?}")));
    }
    if header.contains_key("crit") {
        return Err(malformed(
            "the header lists critical extensions (crit), which this LRS does not support",
        ));
    }

    let payload = decode_json(payload_b64, "payload")?;
    if !payload.is_object() {
        return Err(malformed("the payload is not a statement (a JSON object)"));
    }
    let signature = BASE64URL
        .decode(signature_b64)
        .map_err(|_| malformed("the signature is not base64url"))?;
    if signature.is_empty() {
        return Err(malformed("the signature is empty"));
    }

    if let Some(x5c) = header.get("x5c") {
        let key = certificate_key(x5c)?;
        let signed = &text.as_bytes()[..header_b64.len() + 1 + payload_b64.len()];
        let signature =
            Signature::try_from(signature.as_slice()).map_err(|_| SignatureError::Invalid)?;
        let verified = match algorithm {
            "RS256" => VerifyingKey::<Sha256>::new(key).verify(signed, &signature),
            "RS384" => VerifyingKey::<Sha384>::new(key).verify(signed, &signature),
            _ => VerifyingKey::<Sha512>::new(key).verify(signed, &signature),
        };
        verified.map_err(|_| SignatureError::Invalid)?;
    }

    match first_difference(&payload, statement) {
        Some(path) => Err(SignatureError::PayloadMismatch(path)),
        None => Ok(()),
    }
}

/// A base64url segment holding UTF-8 JSON, parsed without duplicate properties.
fn decode_json(segment: &str, what: &str) -> Result<Value, SignatureError> {
    let bytes = BASE64URL
        .decode(segment)
        .map_err(|_| SignatureError::Malformed(format!("the {what} is not base64url")))?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| SignatureError::Malformed(format!("the {what} is not UTF-8 text")))?;
    parse_json(text).map_err(|e| SignatureError::Malformed(format!("the {what}: {e}")))
}

/// The RSA public key of the first certificate of an `x5c` header.
fn certificate_key(x5c: &Value) -> Result<RsaPublicKey, SignatureError> {
    let unusable = |why: &str| SignatureError::Certificate(why.to_string());
    let Some(Value::String(first)) = x5c.as_array().and_then(|chain| chain.first()) else {
        return Err(unusable(
            "x5c must be a non-empty array of base64-encoded DER certificates",
        ));
    };
    let der = BASE64
        .decode(first)
        .map_err(|_| unusable("the first certificate is not base64"))?;
    let spki = subject_public_key_info(&der)
        .ok_or_else(|| unusable("the first certificate is not an X.509 certificate in DER"))?;
    RsaPublicKey::from_public_key_der(spki).map_err(|_| {
        unusable("the first certificate does not hold an RSA public key of at most 4096 bits")
    })
}

/// The DER of the SubjectPublicKeyInfo of an X.509 certificate (RFC 5280 section 4.1):
///
/// ```text
/// Certificate ::= SEQUENCE { tbsCertificate TBSCertificate, ... }
/// TBSCertificate ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1, serialNumber INTEGER,
///     signature SEQUENCE, issuer SEQUENCE, validity SEQUENCE, subject SEQUENCE,
///     subjectPublicKeyInfo SEQUENCE, ... }
/// ```
///
/// Only the structure up to the key is read; `None` when it is not there.
fn subject_public_key_info(certificate: &[u8]) -> Option<&[u8]> {
    let outer = Der::read(certificate).filter(|e| e.tag == SEQUENCE)?;
    let tbs = Der::read(outer.content).filter(|e| e.tag == SEQUENCE)?;
    let mut fields = tbs.content;
    let first = Der::read(fields)?;
    if first.tag == 0xa0 {
        fields = first.rest;
    }
    for expected in [INTEGER, SEQUENCE, SEQUENCE, SEQUENCE, SEQUENCE] {
        fields = Der::read(fields).filter(|e| e.tag == expected)?.rest;
    }
    Der::read(fields)
        .filter(|e| e.tag == SEQUENCE)
        .map(|e| e.whole)
}

const INTEGER: u8 = 0x02;
const SEQUENCE: u8 = 0x30;

/// One DER element at the start of some input.
#[derive(Debug, PartialEq, Eq)]
struct Der<'a> {
    tag: u8,
    /// The contents octets.
    content: &'a [u8],
    /// Tag, length and contents.
    whole: &'a [u8],
    /// The input after the element.
    rest: &'a [u8],
}

impl<'a> Der<'a> {
    /// Reads single-byte tags and definite lengths of up to four octets; `None` for anything
    /// else or for input that ends too soon.
    fn read(input: &'a [u8]) -> Option<Der<'a>> {
        let (&tag, rest) = input.split_first()?;
        if tag & 0x1f == 0x1f {
            return None;
        }
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 || rest.len() < count {
                return None;
            }
            let (octets, after) = rest.split_at(count);
            rest = after;
            octets
                .iter()
                .fold(0u64, |len, &b| (len << 8) | u64::from(b))
                .try_into()
                .ok()?
        };
        if rest.len() < len {
            return None;
        }
        let header = input.len() - rest.len();
        Some(Der {
            tag,
            content: &rest[..len],
            whole: &input[..header + len],
            rest: &rest[len..],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_walking_refuses_truncated_input() {
        assert_eq!(Der::read(&[0x30, 0x03, 1, 2]), None);
        assert_eq!(Der::read(&[0x30, 0x80]), None);
        assert_eq!(Der::read(&[0x1f, 0x00]), None);
        assert_eq!(Der::read(&[0x30, 0x85, 0, 0, 0, 0, 1]), None);
        assert_eq!(
            Der::read(&[0x30, 0x81, 0x01, 7, 9]),
            Some(Der {
                tag: 0x30,
                content: &[7],
                whole: &[0x30, 0x81, 0x01, 7],
                rest: &[9]
            })
        );
        assert_eq!(subject_public_key_info(&[0x30, 0x00]), None);
        assert_eq!(subject_public_key_info(&[]), None);
    }
}
