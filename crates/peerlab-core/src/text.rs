//! Text folding and search terms shared by both storage backends.
//!
//! Matching must tolerate case, accents and word forms ("negotiation" finds "Negotiating").
//! SQLite's porter tokenizer and PostgreSQL's `english` configuration stem differently, and
//! PostgreSQL drops stop words ("IT", "Will"), so the two databases would answer the same
//! query differently. Instead, peerlab folds and stems here, once, and both databases index
//! and match the resulting terms with their own full-text engines (FTS5 with the `unicode61`
//! tokenizer, PostgreSQL `tsvector` with the `simple` configuration).

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// Lower-cases `text` and strips accents: "Négociation" becomes "negociation".
pub fn fold(text: &str) -> String {
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            // Letters that do not decompose but that people type without their stroke.
            'ł' => 'l',
            'ø' => 'o',
            'đ' => 'd',
            'ß' => 's',
            other => other,
        })
        .collect()
}

/// The search terms of `text`: folded words, stemmed with the English Snowball stemmer.
/// Terms contain only `[a-z0-9]`, so they are safe to splice into an FTS query.
pub fn terms(text: &str) -> Vec<String> {
    let stemmer = Stemmer::create(Algorithm::English);
    fold(text)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| stemmer.stem(w).into_owned())
        .collect()
}

/// The text a backend indexes for `parts`: their terms, space separated.
pub fn index_text<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for part in parts {
        for term in terms(part) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&term);
        }
    }
    out
}

/// The key under which a skill is unique: "Public Speaking" and "public  speaking" are one skill.
pub fn skill_key(name: &str) -> String {
    fold(name).split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_forms_share_a_term() {
        assert_eq!(terms("negotiation"), terms("Negotiating"));
        assert_eq!(terms("Négociation"), vec!["negoci".to_string()]);
        assert_ne!(terms("negotiation"), terms("navigation"));
    }

    #[test]
    fn folding_strips_accents_and_case() {
        assert_eq!(fold("Zoë ŁUKASZ Siobhán"), "zoe lukasz siobhan");
    }

    #[test]
    fn terms_are_safe_to_splice() {
        for t in terms(r#"a" OR 1=1; DROP TABLE people; -- *:&|!"#) {
            assert!(t.chars().all(|c| c.is_ascii_alphanumeric()), "{t}");
        }
    }

    #[test]
    fn skill_keys_ignore_case_accents_and_spacing() {
        assert_eq!(
            skill_key(" Public  Speaking "),
            skill_key("public speaking")
        );
        assert_eq!(skill_key("Négociation"), "negociation");
    }
}
