//! Tokens, sentences and clauses: a question split into what the classifier reads.

#[allow(unused_imports)]
use super::words::*;
use crate::text::fold;

/// A word of the question.
#[derive(Debug, Clone)]
pub(super) struct Tok {
    /// Byte range in the original text; the parts of an expanded contraction share it.
    pub(super) start: usize,
    pub(super) end: usize,
    /// The folded, corrected form used for matching.
    pub(super) norm: String,
    /// A corrected spelling to show instead of the original ("u" → "you").
    pub(super) fix: Option<&'static str>,
}

/// A sentence: its words, where its clauses start and how it ends.
#[derive(Debug)]
pub(super) struct Sentence {
    /// Byte range of the whole sentence, terminator included, trimmed.
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) toks: Vec<Tok>,
    /// Token index at which each clause starts; the first is 0.
    pub(super) clauses: Vec<usize>,
    /// Ends with a question mark.
    pub(super) asks: bool,
}

impl Sentence {
    pub(super) fn w(&self, i: usize) -> &str {
        self.toks.get(i).map_or("", |t| t.norm.as_str())
    }

    /// The token index at which the clause containing token `i` ends.
    pub(super) fn clause_end(&self, i: usize) -> usize {
        self.clauses
            .iter()
            .copied()
            .find(|&c| c > i)
            .unwrap_or(self.toks.len())
    }

    /// The first token index of the clause containing token `i`.
    pub(super) fn clause_start(&self, i: usize) -> usize {
        self.clauses
            .iter()
            .copied()
            .take_while(|&c| c <= i)
            .last()
            .unwrap_or(0)
    }

    pub(super) fn find(&self, from: usize, to: usize, word: &str) -> Option<usize> {
        (from..to.min(self.toks.len())).find(|&i| self.w(i) == word)
    }

    pub(super) fn has_seq(&self, seq: &[&str]) -> Option<usize> {
        (0..self.toks.len()).find(|&i| seq.iter().enumerate().all(|(k, s)| self.w(i + k) == *s))
    }
}

/// The question, split into sentences.
pub(super) struct Text<'a> {
    pub(super) source: &'a str,
    pub(super) sentences: Vec<Sentence>,
}

/// Abbreviations whose full stop does not end a sentence.
pub(super) const ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "etc", "vs", "mr", "mrs", "ms", "dr", "eg", "ie",
];

impl<'a> Text<'a> {
    pub(super) fn parse(source: &'a str) -> Text<'a> {
        let mut sentences = Vec::new();
        let chars: Vec<(usize, char)> = source.char_indices().collect();
        let mut start = 0;
        for (k, &(at, c)) in chars.iter().enumerate() {
            let next = chars.get(k + 1).map(|&(_, n)| n);
            let ends = match c {
                '?' | '!' | ';' | '\n' => true,
                '.' | '…' => {
                    next.is_none_or(char::is_whitespace) && !after_abbreviation(&source[start..at])
                }
                _ => false,
            };
            if ends {
                let end = at + c.len_utf8();
                if let Some(s) = Sentence::parse(source, start, end) {
                    sentences.push(s);
                }
                start = end;
            }
        }
        if let Some(s) = Sentence::parse(source, start, source.len()) {
            sentences.push(s);
        }
        // Runs of terminators ("?!", "...") leave empty pieces, which `Sentence::parse` drops.
        Text { source, sentences }
    }
}

pub(super) fn after_abbreviation(before: &str) -> bool {
    let last = before
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    is(fold(last).as_str(), ABBREVIATIONS)
}

impl Sentence {
    pub(super) fn parse(source: &str, start: usize, end: usize) -> Option<Sentence> {
        let raw = &source[start..end];
        let trimmed_start = start + (raw.len() - raw.trim_start().len());
        let trimmed_end = (start + raw.trim_end().len()).max(trimmed_start);
        let body = &source[trimmed_start..trimmed_end];
        let asks = body
            .trim_end_matches(|c: char| !c.is_alphanumeric() && c != '?')
            .ends_with('?');
        let mut toks = Vec::new();
        let mut clauses = vec![0];
        let mut word_start: Option<usize> = None;
        let push_word = |toks: &mut Vec<Tok>, from: usize, to: usize| {
            let word = source[from..to].trim_matches(|c| c == '\'' || c == '’' || c == '-');
            if word.is_empty() {
                return;
            }
            let from = from + source[from..to].find(word).unwrap_or(0);
            expand(toks, from, from + word.len(), word);
        };
        let body_chars: Vec<(usize, char)> = body.char_indices().collect();
        for (k, &(off, c)) in body_chars.iter().enumerate() {
            let at = trimmed_start + off;
            let wordy = c.is_alphanumeric() || c == '\'' || c == '’' || c == '-';
            // A hyphen with spaces around it is a dash, not part of a word.
            let dash = c == '-'
                && body_chars
                    .get(k + 1)
                    .is_none_or(|&(_, n)| n.is_whitespace())
                && word_start.is_none();
            if wordy && !dash {
                word_start.get_or_insert(at);
                continue;
            }
            if let Some(ws) = word_start.take() {
                push_word(&mut toks, ws, at);
            }
            let breaks = matches!(c, ',' | ':' | '(' | ')' | '—' | '–' | '"' | '“' | '”') || dash;
            if breaks && clauses.last() != Some(&toks.len()) {
                clauses.push(toks.len());
            }
        }
        if let Some(ws) = word_start.take() {
            push_word(&mut toks, ws, trimmed_end);
        }
        if toks.is_empty() {
            return None;
        }
        clauses.retain(|&c| c < toks.len());
        clauses.dedup();
        Some(Sentence {
            start: trimmed_start,
            end: trimmed_end,
            toks,
            clauses,
            asks,
        })
    }
}

/// Pushes the tokens of one written word, expanding contractions and correcting typos.
pub(super) fn expand(toks: &mut Vec<Tok>, start: usize, end: usize, word: &str) {
    let folded = fold(word).replace('’', "'");
    let tok = |norm: &str, fix: Option<&'static str>| Tok {
        start,
        end,
        norm: norm.to_string(),
        fix,
    };
    if let Some(base) = lookup(&folded, NEGATED) {
        toks.push(tok(base, None));
        toks.push(tok("not", None));
        return;
    }
    if let Some(fixed) = lookup(&folded, TYPOS) {
        toks.push(tok(fixed, Some(fixed)));
        return;
    }
    if let Some((base, clitic)) = folded.split_once('\'') {
        let expanded = match clitic {
            "s" if is(base, IS_CLITIC) => Some("is"),
            "s" if base == "let" => Some("us"),
            "re" => Some("are"),
            "ve" => Some("have"),
            "ll" => Some("will"),
            "d" => Some("would"),
            "m" => Some("am"),
            _ => None,
        };
        if let Some(second) = expanded {
            toks.push(tok(base, None));
            toks.push(tok(second, None));
            return;
        }
    }
    toks.push(tok(&folded, None));
}
