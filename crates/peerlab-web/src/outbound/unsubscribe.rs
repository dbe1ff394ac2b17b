//! One-click unsubscribe links: `/unsubscribe?t=<person>.<topic>.<expiry day>.<signature>`,
//! signed with HMAC-SHA256 under this instance's `unsubscribe` key (made once, kept in the
//! database, the same on every node). A link works without logging in, for 90 days; a
//! changed or cut link is refused, and an expired one says so and where to go instead.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use peerlab_store::PersonId;
use sha2::Sha256;

/// How long a link works, in days.
pub const VALID_DAYS: i64 = 90;
const DAY_MS: i64 = 86_400_000;

/// What a valid link asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    pub person: PersonId,
    pub topic: String,
}

/// Why a link is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkError {
    /// Not a link peerlab made: changed, cut or made up.
    Invalid,
    /// Made by peerlab, but too long ago; the day it stopped working (Unix days).
    Expired(i64),
}

fn signature(key: &[u8], body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(b"unsubscribe\n");
    mac.update(body.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// A token for `person` and `topic`, valid for [`VALID_DAYS`] from `now`.
pub fn token(key: &[u8], person: PersonId, topic: &str, now: i64) -> String {
    let expires = now.div_euclid(DAY_MS) + VALID_DAYS;
    let body = format!("{person}.{topic}.{expires}");
    let sig = signature(key, &body);
    format!("{body}.{sig}")
}

/// Checks a token; the signature is compared in constant time.
pub fn verify(key: &[u8], token: &str, now: i64) -> Result<Unsubscribe, LinkError> {
    let mut parts = token.trim().splitn(4, '.');
    let (Some(person), Some(topic), Some(expires), Some(sig)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(LinkError::Invalid);
    };
    let body = format!("{person}.{topic}.{expires}");
    let Ok(sig) = URL_SAFE_NO_PAD.decode(sig) else {
        return Err(LinkError::Invalid);
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(b"unsubscribe\n");
    mac.update(body.as_bytes());
    mac.verify_slice(&sig).map_err(|_| LinkError::Invalid)?;
    let expires: i64 = expires.parse().map_err(|_| LinkError::Invalid)?;
    let person: i64 = person.parse().map_err(|_| LinkError::Invalid)?;
    if now.div_euclid(DAY_MS) >= expires {
        return Err(LinkError::Expired(expires));
    }
    Ok(Unsubscribe {
        person: PersonId::new(person),
        topic: topic.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_790_000_000_000;

    #[test]
    fn a_link_works_until_it_expires_and_only_as_made() {
        let key = b"k".repeat(32);
        let t = token(&key, PersonId::new(7), "replies", NOW);
        let ok = verify(&key, &t, NOW).expect("valid");
        assert_eq!(ok.person, PersonId::new(7));
        assert_eq!(ok.topic, "replies");
        assert_eq!(
            verify(&key, &t, NOW + (VALID_DAYS + 1) * DAY_MS),
            Err(LinkError::Expired(NOW / DAY_MS + VALID_DAYS))
        );
        // Another person, another topic, a later expiry, a cut signature, another key.
        let other = t.replacen("7.", "8.", 1);
        assert_eq!(verify(&key, &other, NOW), Err(LinkError::Invalid));
        let other = t.replace(".replies.", ".mentions.");
        assert_eq!(verify(&key, &other, NOW), Err(LinkError::Invalid));
        assert_eq!(
            verify(&key, &t[..t.len() - 3], NOW),
            Err(LinkError::Invalid)
        );
        assert_eq!(verify(b"other", &t, NOW), Err(LinkError::Invalid));
        assert_eq!(verify(&key, "nonsense", NOW), Err(LinkError::Invalid));
    }
}
