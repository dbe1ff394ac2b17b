//! The `X-Experience-API-Version` header (Communication 3.3).

use std::fmt;

use crate::syntax::is_version;

/// The xAPI version a request follows, which decides the rules its statements are held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// xAPI 1.0.3 (ADL), which every 1.0.x request is treated as: the statement data model is
    /// the same for all 1.0.x versions, and 1.0.3 only clarifies earlier patches.
    V1_0_3,
    /// xAPI 2.0 (IEEE 9274.1.1): RFC 3339 timestamps, `contextAgents` and `contextGroups`.
    V2_0_0,
}

/// Why an `X-Experience-API-Version` header was refused. The LRS answers 400 with this text
/// (Communication 3.3.s3.b7: "a short description of the problem").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// No header, or an empty one.
    #[error("the X-Experience-API-Version header is required; send 1.0.3 or 2.0.0")]
    Missing,
    /// A version this LRS does not implement (0.9, 0.95, 1.1.0, 2.1.0, 3.0.0, …).
    #[error("X-Experience-API-Version {0:?} is not supported; send 1.0.3 (or any 1.0.x) or 2.0.0")]
    Unsupported(String),
}

impl Version {
    /// Reads the header value.
    ///
    /// `1.0` and every `1.0.x` (x a number without leading zeros) are accepted as 1.0.3, as
    /// Communication 3.3.s3.b3 and b5 require: `1.0` counts as `1.0.0`, and any version
    /// starting with `1.0.` must be accepted. `2.0.0` is 2.0. Everything else is refused:
    /// versions before 1.0.0 (b4), 1.1.0 and later 1.x (b6), and 2.0 patch versions or
    /// abbreviations that have not been published. Surrounding whitespace is ignored, as HTTP
    /// ignores it around header values.
    pub fn from_header(value: &str) -> Result<Version, VersionError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(VersionError::Missing);
        }
        if value == "1.0" || is_version(value, 1, 0) {
            Ok(Version::V1_0_3)
        } else if value == "2.0.0" {
            Ok(Version::V2_0_0)
        } else {
            Err(VersionError::Unsupported(value.to_string()))
        }
    }

    /// The value the LRS sends in its own `X-Experience-API-Version` header: the latest patch
    /// version it implements (Communication 3.3.s3.b2).
    pub fn header_value(self) -> &'static str {
        match self {
            Version::V1_0_3 => "1.0.3",
            Version::V2_0_0 => "2.0.0",
        }
    }

    /// The statement `version` property the LRS sets when a statement arrives without one
    /// (Data 2.4.10.s3.b3: `1.0.0` for every 1.0.x; `2.0.0` in 2.0).
    pub fn default_statement_version(self) -> &'static str {
        match self {
            Version::V1_0_3 => "1.0.0",
            Version::V2_0_0 => "2.0.0",
        }
    }

    /// Whether a statement may carry `version` under this API version: `1.0.x` always
    /// (Data 2.4.10.s3.b1, b2), and `2.0.x` as well in 2.0, which accepts 1.0.x statements.
    pub fn accepts_statement_version(self, value: &str) -> bool {
        is_version(value, 1, 0) || (self == Version::V2_0_0 && is_version(value, 2, 0))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.header_value())
    }
}
