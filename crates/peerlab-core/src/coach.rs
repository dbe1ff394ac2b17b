//! The question coach (DESIGN S5): before a facilitator posts a prompt, it tells them whether
//! the reflection question is open or closed, and proposes an open rewording of a closed one.
//!
//! A question is *closed* when it can be answered with yes or no ("Did you like the session?"),
//! by picking one of the offered alternatives ("Was it A or B?") or with a single fact ("How
//! many people were in the meeting?"). Such questions do not invite reflection, which is what a
//! peer-learning prompt is for. Everything else is *open*.
//!
//! # Why rules and not a model
//!
//! The coach runs on every keystroke in the editor and its verdict is shown to people who will
//! ask "why did it flag this?". A small rule set is deterministic, needs no model file, takes
//! well under a millisecond and can say in words why it decided as it did. Its accuracy is measured on a
//! labelled set of workplace questions in `tests/data/questions.csv`, part of which was held
//! out while the rules were written (see `tests/coach.rs`).
//!
//! # How a question is read
//!
//! 1. **Normalise.** Words are folded (lower case, no accents), apostrophes straightened, a few
//!    common typos corrected ("u", "waht", "wuold") and contractions expanded ("didn't" becomes
//!    *did not*, "what's" becomes *what is*), so that casing, typing slips and contractions do
//!    not change the verdict. A question mark is not required.
//! 2. **Split.** The text is split into sentences at `?`, `!`, `;`, line breaks and at `.`
//!    followed by a space; each sentence is split into clauses at commas, colons, dashes and
//!    brackets.
//! 3. **Find the main clause** of each sentence: the first clause that starts with a question
//!    opener (a question word, an auxiliary verb, an imperative such as "Describe"). Clauses
//!    before it are lead-ins and are skipped: "Thinking back to the video, *was* it fair?".
//! 4. **Judge the opener.** An auxiliary or modal ("Is", "Did", "Have", "Would", "Isn't")
//!    makes a yes/no question, except in polite requests to elaborate ("Could you *share*…",
//!    "Would anyone *tell us about*…"). "Why", "How" and "What" are open, except where they ask
//!    for a single fact ("How many", "What year", "What does X stand for"). "Which" and "Who"
//!    ask to pick or name one thing and are closed. "When" and "Where" are closed when they ask
//!    for a time or place ("When *is* the next cohort?") and open when they ask about
//!    circumstances ("When *do* you feel heard?"). Requests such as "Describe…", "Tell us
//!    about…" are open; "True or false", "Agree or disagree" and rating scales are closed.
//!    A sentence that ends with `?` but has no opener ("You found it useful?", "…, right?") asks
//!    for confirmation and is closed.
//! 5. **Follow-ups.** A closed main clause followed by an open follow-up in the same sentence
//!    ("Which option would you pick, *and why*?") makes the sentence open.
//! 6. **Combine.** The text is open if any sentence is open ("Do you agree? Why?"), closed if
//!    some sentence is closed and none is open, and otherwise open: a statement or an
//!    instruction is not a closed question, and the coach only flags what it recognises.
//!
//! Empty or blank input is [`Kind::Open`] with the reason "There is no question yet." and no
//! suggestion: there is nothing to flag, and the web layer refuses empty posts anyway.
//!
//! # Suggestions
//!
//! A closed sentence is rewritten from its own words by a template chosen by its shape:
//! "Did you like the session?" becomes "What from the session will you use, and why?", "Could
//! the outage have been prevented?" becomes "How could the outage have been prevented, and what
//! might have got in the way?", and a question that no template fits falls back to "How, if at
//! all, …, and what makes you say so?" or "What do you think about …, and why?". Lead-ins and
//! context sentences are kept. Every suggestion is checked with [`classify`] before it is
//! returned, so it is never empty and always reads as open.
//!
//! # Known limits
//!
//! The rules know words, not meaning, so some judgement calls go the other way:
//!
//! - "Which"/"Who" questions are closed unless they carry a follow-up, so "Which parts of the
//!   talk resonated with you?" and "Who in the video did you relate to most?" are flagged,
//!   though many facilitators would accept them.
//! - "How" + adjective is read as open, so "How satisfied were you with the session?" (really a
//!   rating) passes; so do single-fact "What" questions the fact lists do not cover ("What did
//!   the speaker say was the first step?", "What's one word that describes the session?").
//! - "When do/does…" is read as asking about circumstances, so "When does the course start?"
//!   passes; statements that hide a question ("I wonder whether the manager was fair.") are not
//!   questions to the coach and pass too.
//! - Lead-ins are recognised at a comma or by a known first word ("Thinking", "After", "In"…);
//!   an unusual lead-in without a comma can hide the real opener.
//!
//! The suggestions are grammatical for the common shapes and clumsy for rare ones (the
//! generic fallbacks); they are a starting point that the facilitator edits.

use crate::text::fold;

/// Whether a question invites reflection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// It invites people to explain, describe or reflect.
    Open,
    /// It can be answered with yes or no, by picking an alternative or with a single fact.
    Closed,
}

/// The coach's verdict on a question, with its reason and, for a closed question, an open
/// rewording.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Advice {
    /// Whether the question is open or closed.
    pub kind: Kind,
    /// Why, in words for the facilitator (e.g. "It can be answered with yes or no.").
    pub reason: String,
    /// An open rewording when the question is closed; `None` when it is open.
    pub suggestion: Option<String>,
}

/// Whether `question` is open or closed. Same verdict as [`advise`], without the suggestion.
pub fn classify(question: &str) -> Kind {
    let text = Text::parse(question);
    text.verdict().0
}

/// The coach's advice on `question`: open or closed, why, and an open rewording if closed.
pub fn advise(question: &str) -> Advice {
    let text = Text::parse(question);
    let (kind, reason) = text.verdict();
    let suggestion = match kind {
        Kind::Open => None,
        Kind::Closed => Some(text.suggestion()),
    };
    Advice {
        kind,
        reason: reason.to_string(),
        suggestion,
    }
}

// ---------------------------------------------------------------------------------------------
// Reasons shown to the facilitator.

const EMPTY: &str = "There is no question yet.";
const NOT_A_QUESTION: &str = "It does not ask a yes-or-no or single-fact question.";
const OPEN_WHY: &str = "It asks why or how, which invites people to explain their thinking.";
const OPEN_WHAT: &str = "It asks what people think or experienced, in their own words.";
const OPEN_REQUEST: &str =
    "It is a request to describe or share, which invites a story rather than a yes or no.";
const OPEN_FOLLOW_UP: &str =
    "It has an open follow-up (such as \"why?\"), so people will explain their answer.";
const OPEN_INVITATION: &str = "It invites people's thoughts in their own words.";

/// Why a sentence is closed; each shape also selects how it is reworded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closed {
    /// "Did you…?", "Is it…?".
    YesNo,
    /// "Was it A or B?".
    Either,
    /// "How many…?", "What year…?", "When is…?".
    Fact,
    /// "Which…?", "Who…?", "Name…".
    Pick,
    /// "True or false: …", "Agree or disagree: …".
    Statement,
    /// "On a scale of 1 to 10, …".
    Rating,
    /// "You found it useful?", "…, wasn't it?".
    Confirm,
    /// "Any questions?".
    Any,
}

impl Closed {
    fn reason(self) -> &'static str {
        match self {
            Closed::YesNo => "It can be answered with yes or no.",
            Closed::Either => {
                "It offers alternatives, so people can answer by picking one without reflecting."
            }
            Closed::Fact => "It asks for a single fact (a number, a name, a time or a place).",
            Closed::Pick => "It asks people to pick or name one thing rather than reflect on it.",
            Closed::Statement => {
                "It asks for a verdict on a statement (true or false, agree or not)."
            }
            Closed::Rating => "It asks for a rating rather than a reflection.",
            Closed::Confirm => "It asks people to confirm a statement, which takes a yes or no.",
            Closed::Any => "It can be answered with yes or no.",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Open(&'static str),
    Closed(Closed),
    /// An instruction that sets a scene ("Think back to your first week."): open on its own,
    /// but it does not make a closed question that follows it open.
    Scene,
    /// A statement.
    Neutral,
}

// ---------------------------------------------------------------------------------------------
// Word lists. All entries are folded (lower case, no accents, straight apostrophes).

const AUX: &[&str] = &[
    "is", "are", "was", "were", "am", "do", "does", "did", "have", "has", "had", "can", "could",
    "will", "would", "shall", "should", "may", "might", "must",
];

/// Negated auxiliaries and their positive form; also the forms typed without an apostrophe.
const NEGATED: &[(&str, &str)] = &[
    ("isn't", "is"),
    ("aren't", "are"),
    ("wasn't", "was"),
    ("weren't", "were"),
    ("don't", "do"),
    ("doesn't", "does"),
    ("didn't", "did"),
    ("haven't", "have"),
    ("hasn't", "has"),
    ("hadn't", "had"),
    ("can't", "can"),
    ("cannot", "can"),
    ("couldn't", "could"),
    ("won't", "will"),
    ("wouldn't", "would"),
    ("shan't", "shall"),
    ("shouldn't", "should"),
    ("mustn't", "must"),
    ("mightn't", "might"),
    ("ain't", "is"),
    ("isnt", "is"),
    ("arent", "are"),
    ("wasnt", "was"),
    ("werent", "were"),
    ("dont", "do"),
    ("doesnt", "does"),
    ("didnt", "did"),
    ("havent", "have"),
    ("hasnt", "has"),
    ("hadnt", "had"),
    ("cant", "can"),
    ("couldnt", "could"),
    ("wouldnt", "would"),
    ("shouldnt", "should"),
];

/// Frequent slips when typing quickly; the coach should not flip its verdict on them.
const TYPOS: &[(&str, &str)] = &[
    ("u", "you"),
    ("yu", "you"),
    ("yuo", "you"),
    ("ur", "your"),
    ("wat", "what"),
    ("waht", "what"),
    ("wht", "what"),
    ("whta", "what"),
    ("hwo", "how"),
    ("hw", "how"),
    ("wy", "why"),
    ("wich", "which"),
    ("whcih", "which"),
    ("wuold", "would"),
    ("woudl", "would"),
    ("wold", "would"),
    ("wud", "would"),
    ("coudl", "could"),
    ("cud", "could"),
    ("shoudl", "should"),
    ("shud", "should"),
    ("teh", "the"),
    ("descibe", "describe"),
    ("decribe", "describe"),
    ("desribe", "describe"),
    ("explian", "explain"),
    ("expain", "explain"),
];

/// Words whose `'s` is "is" rather than a possessive.
const IS_CLITIC: &[&str] = &[
    "what", "who", "where", "when", "how", "why", "it", "that", "there", "here", "he", "she",
    "which",
];

const WH: &[&str] = &[
    "why", "how", "what", "which", "who", "whom", "whose", "when", "where",
];

/// "How" followed by one of these asks for a quantity, a duration or a frequency.
const HOW_FACT: &[&str] = &[
    "many",
    "much",
    "long",
    "often",
    "old",
    "far",
    "soon",
    "big",
    "tall",
    "late",
    "early",
    "frequently",
    "fast",
    "quickly",
    "large",
    "small",
];

/// "What" followed by one of these asks for a single fact.
const WHAT_FACT: &[&str] = &[
    "year",
    "time",
    "date",
    "day",
    "month",
    "week",
    "percentage",
    "percent",
    "proportion",
    "number",
    "size",
    "version",
    "age",
    "price",
    "cost",
    "score",
    "colour",
    "color",
    "name",
    "city",
    "country",
    "language",
    "tool",
    "company",
];

/// "What is the … ?" followed by one of these asks for a single fact.
const THE_FACT: &[&str] = &[
    "deadline", "address", "link", "url", "location", "venue", "budget", "title", "agenda",
    "capital", "password", "acronym", "target", "total", "answer",
];

/// Auxiliaries after "when"/"where" that ask for a time or a place ("When is the next cohort?").
const WHEN_FACT_AUX: &[&str] = &["is", "are", "was", "were", "will", "did"];

/// Words that can ask someone to elaborate after "Could you…" or as an imperative.
const ELABORATE: &[&str] = &[
    "describe",
    "share",
    "tell",
    "explain",
    "elaborate",
    "expand",
    "outline",
    "summarise",
    "summarize",
    "recount",
    "reflect",
    "illustrate",
    "unpack",
    "discuss",
];

/// Gerunds after "Would you mind…" and their base form.
const GERUNDS: &[(&str, &str)] = &[
    ("describing", "describe"),
    ("sharing", "share"),
    ("telling", "tell"),
    ("explaining", "explain"),
    ("elaborating", "elaborate"),
    ("expanding", "expand"),
    ("outlining", "outline"),
    ("walking", "walk"),
    ("talking", "talk"),
    ("giving", "give"),
    ("saying", "say"),
    ("reflecting", "reflect"),
    ("recounting", "recount"),
    ("showing", "show"),
    ("thinking", "think"),
];

/// Who a polite request is addressed to: "Could *you*…", "Would *anyone*…".
const REQUESTEE: &[&str] = &[
    "you",
    "anyone",
    "anybody",
    "someone",
    "somebody",
    "everyone",
    "everybody",
    "we",
    "people",
];

/// Softeners inside a request: "Could you *briefly* describe…".
const SOFTENERS: &[&str] = &[
    "please", "briefly", "quickly", "maybe", "perhaps", "also", "just", "all", "each", "kindly",
    "now", "first", "else",
];

/// Imperatives that set a scene rather than ask for an answer.
const SCENE: &[&str] = &[
    "imagine", "picture", "consider", "suppose", "think", "remember", "recall", "assume",
];

/// Imperatives that ask for a choice or a number.
const PICK: &[&str] = &[
    "name", "rate", "choose", "pick", "select", "vote", "circle", "tick", "score", "guess",
];

/// Words that may start a clause without being its opener: "*So*, what…", "*And* did you…".
const DISCOURSE: &[&str] = &[
    "so", "and", "but", "or", "then", "now", "ok", "okay", "well", "please", "honestly", "also",
    "finally", "lastly", "next", "again", "just", "hey", "hi", "plus", "quick", "question", "oh",
];

/// Words that start a lead-in phrase ("*Thinking* back to the video …").
const LEAD_IN: &[&str] = &[
    "after",
    "before",
    "having",
    "given",
    "based",
    "in",
    "from",
    "as",
    "since",
    "considering",
    "looking",
    "thinking",
    "reflecting",
    "watching",
    "reading",
    "during",
    "with",
    "for",
    "on",
    "at",
    "regarding",
    "about",
    "overall",
    "honestly",
];

const PREPOSITIONS: &[&str] = &[
    "in", "of", "from", "on", "at", "to", "for", "with", "about", "by", "under", "between", "into",
    "over", "during", "after", "before", "behind",
];

/// Words after a question word that show it is embedded ("…and how *the* team reacted") rather
/// than a follow-up question ("…, and how *did* you cope?").
const EMBEDDED_NEXT: &[&str] = &[
    "to", "the", "a", "an", "you", "we", "they", "it", "he", "she", "this", "that", "these",
    "those", "our", "your", "my", "their", "his", "her", "i", "people", "someone", "anyone",
    "everyone",
];

/// Subjects made of one word.
const PRONOUNS: &[&str] = &[
    "you",
    "it",
    "this",
    "that",
    "there",
    "we",
    "they",
    "he",
    "she",
    "i",
    "everyone",
    "anyone",
    "someone",
    "everybody",
    "anybody",
    "somebody",
    "everything",
    "anything",
    "something",
];

/// Adjectives that judge an action.
const JUDGE: &[&str] = &[
    "right",
    "wrong",
    "fair",
    "unfair",
    "correct",
    "incorrect",
    "justified",
    "unjustified",
    "reasonable",
    "unreasonable",
    "appropriate",
    "inappropriate",
    "ok",
    "okay",
    "acceptable",
    "unacceptable",
    "professional",
    "unprofessional",
    "ethical",
    "rude",
    "fine",
    "wise",
    "smart",
    "sensible",
];

/// Adjectives that state a value.
const VALUE: &[&str] = &[
    "important",
    "useful",
    "helpful",
    "valuable",
    "worthwhile",
    "worth",
    "necessary",
    "essential",
    "relevant",
    "beneficial",
    "effective",
    "ineffective",
    "useless",
    "pointless",
    "crucial",
    "vital",
    "meaningful",
];

/// Other adjectives commonly found in yes/no questions; they mark where the subject ends.
const ADJECTIVES: &[&str] = &[
    "good",
    "bad",
    "better",
    "worse",
    "best",
    "worst",
    "clear",
    "clearer",
    "unclear",
    "realistic",
    "unrealistic",
    "possible",
    "impossible",
    "true",
    "false",
    "enough",
    "long",
    "short",
    "hard",
    "harder",
    "easy",
    "easier",
    "difficult",
    "harsh",
    "specific",
    "vague",
    "motivating",
    "motivated",
    "comfortable",
    "uncomfortable",
    "familiar",
    "aware",
    "happy",
    "unhappy",
    "angry",
    "upset",
    "disappointed",
    "surprised",
    "confident",
    "ready",
    "successful",
    "fast",
    "slow",
    "slower",
    "faster",
    "honest",
    "transparent",
    "fun",
    "engaging",
    "boring",
    "interesting",
    "confusing",
    "different",
    "similar",
    "likely",
    "unlikely",
    "safe",
    "risky",
    "normal",
    "common",
    "sure",
    "certain",
    "healthy",
    "toxic",
    "kind",
    "strict",
    "clearer",
    "responsible",
    "able",
    "willing",
    "free",
];

/// Adverbs between a subject and its adjective ("Was the demo *too* long?").
const ADVERBS: &[&str] = &[
    "too",
    "very",
    "really",
    "always",
    "ever",
    "sometimes",
    "often",
    "still",
    "so",
    "more",
    "less",
    "just",
    "actually",
    "truly",
    "generally",
    "usually",
    "also",
    "even",
    "quite",
    "rather",
    "fairly",
    "overly",
    "genuinely",
    "necessarily",
    "not",
    "being",
];

/// Words a statement may start with that read better in lower case mid-sentence.
const COMMON_START: &[&str] = &[
    "the", "a", "an", "you", "we", "it", "this", "that", "there", "they", "he", "she", "our",
    "your", "my", "their", "his", "her", "its", "everyone", "anyone", "someone", "people", "what",
    "how", "why", "when", "where", "which", "who", "is", "are", "was", "were", "do", "does", "did",
    "have", "has", "can", "could", "will", "would", "should", "good", "bad", "feedback",
    "thinking", "looking", "after", "in", "given", "based", "having",
];

fn is(word: &str, list: &[&str]) -> bool {
    list.contains(&word)
}

fn lookup(word: &str, table: &[(&'static str, &'static str)]) -> Option<&'static str> {
    table
        .iter()
        .find(|(from, _)| *from == word)
        .map(|(_, to)| *to)
}

// ---------------------------------------------------------------------------------------------
// Tokens, sentences and clauses.

/// A word of the question.
#[derive(Debug, Clone)]
struct Tok {
    /// Byte range in the original text; the parts of an expanded contraction share it.
    start: usize,
    end: usize,
    /// The folded, corrected form used for matching.
    norm: String,
    /// A corrected spelling to show instead of the original ("u" → "you").
    fix: Option<&'static str>,
}

/// A sentence: its words, where its clauses start and how it ends.
#[derive(Debug)]
struct Sentence {
    /// Byte range of the whole sentence, terminator included, trimmed.
    start: usize,
    end: usize,
    toks: Vec<Tok>,
    /// Token index at which each clause starts; the first is 0.
    clauses: Vec<usize>,
    /// Ends with a question mark.
    asks: bool,
}

impl Sentence {
    fn w(&self, i: usize) -> &str {
        self.toks.get(i).map_or("", |t| t.norm.as_str())
    }

    /// The token index at which the clause containing token `i` ends.
    fn clause_end(&self, i: usize) -> usize {
        self.clauses
            .iter()
            .copied()
            .find(|&c| c > i)
            .unwrap_or(self.toks.len())
    }

    /// The first token index of the clause containing token `i`.
    fn clause_start(&self, i: usize) -> usize {
        self.clauses
            .iter()
            .copied()
            .take_while(|&c| c <= i)
            .last()
            .unwrap_or(0)
    }

    fn find(&self, from: usize, to: usize, word: &str) -> Option<usize> {
        (from..to.min(self.toks.len())).find(|&i| self.w(i) == word)
    }

    fn has_seq(&self, seq: &[&str]) -> Option<usize> {
        (0..self.toks.len()).find(|&i| seq.iter().enumerate().all(|(k, s)| self.w(i + k) == *s))
    }
}

/// The question, split into sentences.
struct Text<'a> {
    source: &'a str,
    sentences: Vec<Sentence>,
}

/// Abbreviations whose full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "etc", "vs", "mr", "mrs", "ms", "dr", "eg", "ie",
];

impl<'a> Text<'a> {
    fn parse(source: &'a str) -> Text<'a> {
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

    /// The verdict on the whole text and the reason for it.
    fn verdict(&self) -> (Kind, &'static str) {
        if self.sentences.is_empty() {
            return (Kind::Open, EMPTY);
        }
        let verdicts: Vec<Verdict> = self.sentences.iter().map(|s| analyse(s).verdict).collect();
        if let Some(reason) = verdicts.iter().find_map(|v| match v {
            Verdict::Open(r) => Some(*r),
            _ => None,
        }) {
            return (Kind::Open, reason);
        }
        if let Some(c) = verdicts.iter().find_map(|v| match v {
            Verdict::Closed(c) => Some(*c),
            _ => None,
        }) {
            return (Kind::Closed, c.reason());
        }
        if verdicts.contains(&Verdict::Scene) {
            return (Kind::Open, OPEN_REQUEST);
        }
        (Kind::Open, NOT_A_QUESTION)
    }

    /// An open rewording: each closed sentence is rewritten, the others are kept.
    fn suggestion(&self) -> String {
        let mut parts = Vec::new();
        for s in &self.sentences {
            let a = analyse(s);
            match a.verdict {
                // A bare "Yes or no?" after the question has nothing left to reword.
                Verdict::Closed(Closed::Statement) if s.toks.len() <= 3 => {}
                Verdict::Closed(shape) => {
                    parts.push(capitalise(&rewrite(self.source, s, &a, shape)))
                }
                _ => parts.push(self.source[s.start..s.end].trim().to_string()),
            }
        }
        let candidate = parts.join(" ");
        if classify(&candidate) == Kind::Open && !candidate.trim().is_empty() {
            return candidate;
        }
        // The template did not produce an open question (a shape it was not written for):
        // fall back to the generic form, which always is one.
        let generic = self
            .sentences
            .iter()
            .find(|s| matches!(analyse(s).verdict, Verdict::Closed(_)))
            .map(|s| generic(self.source, s, 0))
            .unwrap_or_default();
        if classify(&generic) == Kind::Open && !generic.is_empty() {
            generic
        } else {
            "What stands out to you here, and why?".to_string()
        }
    }
}

fn after_abbreviation(before: &str) -> bool {
    let last = before
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("");
    is(fold(last).as_str(), ABBREVIATIONS)
}

impl Sentence {
    fn parse(source: &str, start: usize, end: usize) -> Option<Sentence> {
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
fn expand(toks: &mut Vec<Tok>, start: usize, end: usize, word: &str) {
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

// ---------------------------------------------------------------------------------------------
// Judging one sentence.

#[derive(Debug, Clone, Copy)]
struct Analysis {
    verdict: Verdict,
    /// Token index of the main clause's opener, if one was found.
    opener: Option<usize>,
}

fn analyse(s: &Sentence) -> Analysis {
    let n = s.toks.len();
    // Verdicts and ratings decide the sentence unless an open follow-up rescues it.
    let marker = [
        ["true", "or", "false"],
        ["agree", "or", "disagree"],
        ["yes", "or", "no"],
    ]
    .iter()
    .find_map(|seq| s.has_seq(seq));
    let rating = s
        .has_seq(&["on", "a", "scale"])
        .or_else(|| s.has_seq(&["scale", "of"]))
        .or_else(|| s.has_seq(&["out", "of", "10"]))
        .or_else(|| s.has_seq(&["out", "of", "ten"]));

    let mut main = None;
    for &c in &s.clauses {
        let k = skip_discourse(s, c);
        if k >= n {
            continue;
        }
        if let Some(v) = opener(s, k) {
            main = Some((k, v));
            break;
        }
    }
    // No clause starts with an opener, but the sentence starts with a lead-in that was not
    // closed off by a comma: "Thinking back to the video was the lead fair".
    if main.is_none() && is(s.w(0), LEAD_IN) {
        main = (1..n).find_map(|k| {
            let next = s.w(k + 1);
            let starts = (is(s.w(k), AUX) && (is(next, PRONOUNS) || is(next, DETERMINERS)))
                || (is(s.w(k), WH) && is(next, AUX));
            if starts {
                opener(s, k).map(|v| (k, v))
            } else {
                None
            }
        });
    }

    // A rating scale closes even an open-looking "how confident…"; a verdict marker does not
    // close an open opener ("Why do you agree or disagree with the speaker?").
    let mut verdict = match (rating, main, marker) {
        (Some(_), _, _) => Verdict::Closed(Closed::Rating),
        (_, Some((_, v @ Verdict::Open(_))), _) => v,
        (_, _, Some(_)) => Verdict::Closed(Closed::Statement),
        (_, Some((_, v)), _) => v,
        _ if s.asks => Verdict::Closed(Closed::Confirm),
        _ => Verdict::Neutral,
    };
    // A tag ("…, wasn't it?", "…, right?") after a statement asks for confirmation.
    if let (Verdict::Closed(Closed::YesNo), Some((k, _))) = (verdict, main) {
        if k > 0 && is_tag(s, k) {
            verdict = Verdict::Closed(Closed::Confirm);
        }
    }
    if let Verdict::Closed(_) = verdict {
        let from = main.map_or(0, |(k, _)| k + 1);
        if has_open_follow_up(s, from) {
            verdict = Verdict::Open(OPEN_FOLLOW_UP);
        }
    }
    Analysis {
        verdict,
        opener: main.map(|(k, _)| k),
    }
}

const DETERMINERS: &[&str] = &[
    "the", "a", "an", "this", "that", "these", "those", "our", "your", "my", "his", "her", "their",
    "its", "every", "each", "some", "any", "all", "more", "most",
];

/// An auxiliary plus pronoun ending the sentence after a statement: "…, wasn't it?".
fn is_tag(s: &Sentence, k: usize) -> bool {
    let end = s.toks.len();
    let rest = end - k;
    is(s.w(k), AUX)
        && (rest == 2 || (rest == 3 && s.w(k + 1) == "not"))
        && is(s.w(end - 1), PRONOUNS)
}

fn skip_discourse(s: &Sentence, mut k: usize) -> usize {
    loop {
        let w = s.w(k);
        if w == "if" && matches!(s.w(k + 1), "so" | "not" | "yes") {
            k += 2;
        } else if is(w, DISCOURSE) && s.clause_end(k) > k + 1 {
            k += 1;
        } else {
            return k;
        }
    }
}

/// Judges the clause whose first word is token `k`, or `None` if it does not start a question.
fn opener(s: &Sentence, k: usize) -> Option<Verdict> {
    let w = s.w(k);
    let next = s.w(k + 1);
    if is(w, WH) {
        return wh(s, k);
    }
    // "In what ways…", "To what extent…", "In which situations…".
    if is(w, PREPOSITIONS) && matches!(next, "what" | "which" | "whom") {
        let noun = s.w(k + 2);
        return Some(match next {
            "what" if is(noun, WHAT_FACT) => Verdict::Closed(Closed::Fact),
            "what" => Verdict::Open(OPEN_WHAT),
            "which"
                if matches!(
                    noun,
                    "way" | "ways" | "situations" | "circumstances" | "cases"
                ) =>
            {
                Verdict::Open(OPEN_WHAT)
            }
            _ => Verdict::Closed(Closed::Pick),
        });
    }
    if is(w, AUX) {
        // "(I) would love to hear your thoughts…" invites, with its subject left out.
        if w == "would"
            && is(next, &["love", "like"])
            && s.w(k + 2) == "to"
            && is(s.w(k + 3), &["hear", "know", "learn", "understand"])
        {
            return Some(Verdict::Open(OPEN_INVITATION));
        }
        if polite(s, k) {
            return Some(Verdict::Open(OPEN_REQUEST));
        }
        return Some(Verdict::Closed(if offers_alternatives(s, k) {
            Closed::Either
        } else {
            Closed::YesNo
        }));
    }
    if w == "any"
        || matches!(
            w,
            "thoughts" | "reflections" | "reactions" | "comments" | "ideas"
        )
    {
        let noun = if w == "any" { next } else { w };
        return Some(
            if matches!(
                noun,
                "thoughts"
                    | "reflections"
                    | "reactions"
                    | "ideas"
                    | "comments"
                    | "takeaways"
                    | "insights"
                    | "impressions"
                    | "lessons"
            ) {
                Verdict::Open(OPEN_INVITATION)
            } else if w == "any" && s.asks {
                Verdict::Closed(Closed::Any)
            } else {
                return None;
            },
        );
    }
    imperative(s, k)
}

fn wh(s: &Sentence, k: usize) -> Option<Verdict> {
    let w = s.w(k);
    let next = s.w(k + 1);
    let end = s.clause_end(k);
    let v = match w {
        "why" if next == "not" && k + 2 < end => Verdict::Closed(Closed::YesNo),
        "why" => Verdict::Open(OPEN_WHY),
        "how" if next == "come" => Verdict::Open(OPEN_WHY),
        "how" if is(next, HOW_FACT) => Verdict::Closed(Closed::Fact),
        "how" => Verdict::Open(OPEN_WHY),
        "what" if matches!(next, "a" | "an") => return None,
        "what" if is(next, WHAT_FACT) => Verdict::Closed(Closed::Fact),
        "what"
            if is(next, &["is", "was", "are", "were"])
                && s.w(k + 2) == "the"
                && (is(s.w(k + 3), WHAT_FACT) || is(s.w(k + 3), THE_FACT)) =>
        {
            Verdict::Closed(Closed::Fact)
        }
        "what" if s.w(end.saturating_sub(2)) == "stand" && s.w(end - 1) == "for" => {
            Verdict::Closed(Closed::Fact)
        }
        "what" if s.w(end.saturating_sub(1)) == "called" => Verdict::Closed(Closed::Fact),
        "what" => Verdict::Open(OPEN_WHAT),
        "which" if matches!(next, "way" | "ways") => Verdict::Open(OPEN_WHAT),
        "which" | "who" | "whom" | "whose" => Verdict::Closed(Closed::Pick),
        _ => {
            // "when" and "where".
            let mut a = k + 1;
            if s.w(a) == "else" {
                a += 1;
            }
            // "Where in your week could you…": skip the phrase to reach the auxiliary.
            if is(s.w(a), PREPOSITIONS) {
                if let Some(m) = (a + 1..end.min(a + 6)).find(|&m| is(s.w(m), AUX)) {
                    a = m;
                }
            }
            let aux = s.w(a);
            if a >= end {
                // A bare "When?" or "Where?" follow-up.
                Verdict::Open(OPEN_WHAT)
            } else if !is(aux, AUX) {
                // "When you joined, …" is a subordinate clause, not a question.
                return None;
            } else if w == "where"
                && (matches!(s.w(a + 1), "the") && matches!(s.w(a + 2), "line" | "balance")
                    || s.find(a, end, "draw").is_some())
            {
                // "Where is the line between…", "Where do you draw the line…" ask for judgement.
                Verdict::Open(OPEN_WHAT)
            } else if is(aux, WHEN_FACT_AUX) {
                Verdict::Closed(Closed::Fact)
            } else {
                Verdict::Open(OPEN_WHAT)
            }
        }
    };
    Some(v)
}

/// "Could you describe…", "Would anyone share…", "Would you mind walking us through…".
fn polite(s: &Sentence, k: usize) -> bool {
    let aux = s.w(k);
    if !matches!(aux, "can" | "could" | "would" | "will" | "might" | "do") {
        return false;
    }
    let mut j = k + 1;
    if s.w(j) == "not" {
        j += 1;
    }
    if is(s.w(j), REQUESTEE) {
        j += 1;
    } else if matches!(s.w(j), "one" | "each" | "any" | "some" | "all" | "two")
        && s.w(j + 1) == "of"
        && s.w(j + 2) == "you"
    {
        j += 3;
    } else {
        return false;
    }
    while is(s.w(j), SOFTENERS) {
        j += 1;
    }
    let mut wrapped = false;
    match (s.w(j), s.w(j + 1), s.w(j + 2)) {
        ("be", "willing" | "able" | "happy" | "ready" | "prepared", "to") => {
            j += 3;
            wrapped = true;
        }
        ("like" | "care" | "want" | "try", "to", _) => {
            j += 2;
            wrapped = true;
        }
        ("mind", _, _) => {
            j += 1;
            wrapped = true;
        }
        _ => {}
    }
    // "Do you…" is only a request when wrapped: "Do you want to share…", "Do you mind…".
    if aux == "do" && !wrapped {
        return false;
    }
    while is(s.w(j), SOFTENERS) {
        j += 1;
    }
    elaborates(s, j, wrapped)
}

/// Whether token `j` is a verb asking someone to elaborate: "describe", "walk us through",
/// "give an example", "say more", "think of a time"… Gerunds count only after "mind"
/// ("Would you mind sharing…"): at the start of a clause they begin a lead-in ("Thinking back…").
fn elaborates(s: &Sentence, j: usize, gerund: bool) -> bool {
    let verb = match lookup(s.w(j), GERUNDS) {
        Some(base) if gerund => base,
        _ => s.w(j),
    };
    let window = |n: usize, words: &[&str]| (j + 1..j + 1 + n).any(|i| is(s.w(i), words));
    // "Can you tell me whether the build passed?" asks for a yes or no.
    if is(s.w(j + 1), &["whether", "if"])
        || (is(s.w(j + 1), &["us", "me", "everyone", "them"]) && is(s.w(j + 2), &["whether", "if"]))
    {
        return false;
    }
    match verb {
        v if is(v, ELABORATE) => true,
        "walk" | "take" => window(3, &["through"]),
        "talk" => window(3, &["about", "through"]),
        "give" => window(
            5,
            &[
                "example", "examples", "instance", "sense", "overview", "detail", "details",
                "account", "flavour", "flavor",
            ],
        ),
        "say" => is(
            s.w(j + 1),
            &["more", "what", "why", "how", "something", "a"],
        ),
        "think" => is(s.w(j + 1), &["of", "about", "back"]),
        "recall" | "remember" => window(4, &["time", "moment", "occasion", "situation", "when"]),
        "show" => is(s.w(j + 1), &["us", "me"]) && is(s.w(j + 2), &["how", "what", "why"]),
        _ => false,
    }
}

/// An imperative opener: "Describe…" (open), "Think back to…" (a scene), "Name…" (closed).
fn imperative(s: &Sentence, k: usize) -> Option<Verdict> {
    let w = s.w(k);
    let next = s.w(k + 1);
    if w == "let" && next == "us" {
        return Some(Verdict::Open(OPEN_REQUEST));
    }
    if w == "help" && is(next, &["us", "me"]) && s.w(k + 2) == "understand" {
        return Some(Verdict::Open(OPEN_REQUEST));
    }
    if w == "take" && matches!(next, "a") && s.w(k + 3) == "to" {
        return imperative(s, k + 4).or(Some(Verdict::Scene));
    }
    if is(w, SCENE) {
        if matches!(w, "think" | "recall" | "remember") && s.clause_end(k) == s.toks.len() {
            // "Think of a time you disagreed with your manager." on its own asks for a story.
            let story = (k + 1..s.toks.len()).any(|i| is(s.w(i), &["time", "moment", "when"]));
            if story && !s.asks {
                return Some(Verdict::Open(OPEN_REQUEST));
            }
        }
        return Some(Verdict::Scene);
    }
    if is(w, PICK) {
        return Some(Verdict::Closed(Closed::Pick));
    }
    if w == "confirm" {
        return Some(Verdict::Closed(Closed::Confirm));
    }
    if matches!(
        w,
        "list" | "compare" | "contrast" | "write" | "draft" | "suggest" | "propose"
    ) || elaborates(s, k, false)
    {
        return Some(Verdict::Open(OPEN_REQUEST));
    }
    None
}

/// "Was it A or B?": an "or" in the main clause that is not "or not".
fn offers_alternatives(s: &Sentence, k: usize) -> bool {
    (k + 1..s.toks.len()).any(|i| {
        s.w(i) == "or" && !matches!(s.w(i + 1), "not" | "no" | "why" | "what" | "how" | "")
    })
}

/// An open question after a closed one in the same sentence: "…, and why?", "…, or why not?",
/// "…, and what would you change?", "…; if so, what happened?", "…, and explain why."
fn has_open_follow_up(s: &Sentence, from: usize) -> bool {
    let n = s.toks.len();
    (from..n).any(|p| {
        let clause_start = s.clauses.contains(&p);
        let conj = is(s.w(p), &["and", "or", "but", "then", "plus"]);
        if !clause_start && !conj {
            return false;
        }
        let mut q = if conj { p + 1 } else { p };
        loop {
            if s.w(q) == "if" && matches!(s.w(q + 1), "so" | "not" | "yes") {
                q += 2;
            } else if is(
                s.w(q),
                &["and", "or", "but", "then", "also", "so", "please"],
            ) {
                q += 1;
            } else {
                break;
            }
        }
        let w = s.w(q);
        if is(w, WH) {
            let embedded = is(s.w(q + 1), EMBEDDED_NEXT) && w != "why";
            return !embedded && matches!(wh(s, q), Some(Verdict::Open(_)));
        }
        if matches!(
            w,
            "explain" | "describe" | "tell" | "share" | "say" | "elaborate" | "justify"
        ) {
            let next = s.w(q + 1);
            return clause_start || is(next, WH) || is(next, &["us", "me", "your"]);
        }
        false
    })
}

// ---------------------------------------------------------------------------------------------
// Rewording a closed sentence.

/// Renders tokens `a..b` of `s` as written, with typos corrected.
fn render(source: &str, s: &Sentence, a: usize, b: usize) -> String {
    let b = b.min(s.toks.len());
    if a >= b {
        return String::new();
    }
    let (from, to) = (s.toks[a].start, s.toks[b - 1].end);
    let mut out = String::new();
    let mut at = from;
    let mut last_start = None;
    for t in &s.toks[a..b] {
        if last_start == Some(t.start) {
            continue;
        }
        last_start = Some(t.start);
        if let Some(fix) = t.fix {
            out.push_str(&source[at..t.start]);
            out.push_str(fix);
            at = t.end;
        }
    }
    out.push_str(&source[at..to]);
    out
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Lower-cases the first letter of a piece placed mid-sentence, unless it may be a name.
fn lower_start(text: &str) -> String {
    let first_word: String = text.chars().take_while(|c| c.is_alphanumeric()).collect();
    if is(fold(&first_word).as_str(), COMMON_START)
        && first_word.chars().skip(1).all(char::is_lowercase)
    {
        let mut chars = text.chars();
        match chars.next() {
            Some(first) => first.to_lowercase().chain(chars).collect(),
            None => String::new(),
        }
    } else {
        text.to_string()
    }
}

/// The end of the sentence's useful content: drops a trailing "or not" / "yes or no" clause.
fn body_end(s: &Sentence) -> usize {
    let n = s.toks.len();
    let last = *s.clauses.last().unwrap_or(&0);
    let tail: Vec<&str> = (last..n).map(|i| s.w(i)).collect();
    if last > 0
        && matches!(
            tail.as_slice(),
            ["or", "not"] | ["or", "no"] | ["yes", "or", "no"] | ["or", "what"] | ["right"]
        )
    {
        last
    } else {
        n
    }
}

fn rewrite(source: &str, s: &Sentence, a: &Analysis, shape: Closed) -> String {
    let end = body_end(s);
    let k = a.opener.unwrap_or(0);
    let lead = if k > 0 && !matches!(shape, Closed::Confirm | Closed::Statement | Closed::Rating) {
        // Keep the lead-in as written: "Thinking back to the video, …".
        let lead_end = s.clause_start(k);
        if lead_end > 0 {
            let text = &source[s.toks[0].start..s.toks[lead_end].start];
            text.to_string()
        } else {
            String::new()
        }
    } else {
        String::new()
    };
    let core = match shape {
        // "Why not try pairing next sprint?"
        Closed::YesNo if s.w(k) == "why" => format!(
            "What would it take to {}, and what might get in the way?",
            render(source, s, k + 2, end)
        ),
        Closed::YesNo | Closed::Either => yes_no(source, s, k, end),
        // "Agree?", "Fair enough?", "Right or wrong?" after a statement.
        Closed::Statement | Closed::Confirm if end <= 3 => {
            "What do you make of that, and why?".to_string()
        }
        Closed::Fact | Closed::Pick if is(s.w(k), WH) || is(s.w(k), PREPOSITIONS) => {
            fact(source, s, k, end)
        }
        Closed::Pick => format!("{}, and explain why.", render(source, s, k, end)),
        // "Please confirm you have watched the video." is logistics, not a statement to judge.
        Closed::Confirm if s.w(k) == "confirm" => generic(source, s, k),
        Closed::Statement | Closed::Confirm => statement(source, s, k, end),
        Closed::Rating => rating(source, s, end),
        Closed::Any
            if is(
                s.w(k + 2),
                &["about", "on", "from", "regarding", "around", "for"],
            ) =>
        {
            let noun = render(source, s, k + 1, k + 2);
            let rest = render(source, s, k + 2, end);
            join(&["What", &noun, "do you have", &rest]) + ", and why?"
        }
        Closed::Any => generic(source, s, k),
        Closed::Fact => generic(source, s, k),
    };
    if lead.is_empty() {
        core
    } else {
        format!("{lead}{}", lower_start(&core))
    }
}

fn join(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// "How many of you have…", "Which…", "What year…": keep the fact, ask what it means.
fn fact(source: &str, s: &Sentence, k: usize, end: usize) -> String {
    let w = s.w(k);
    // "How many of you have given a talk?", "Who here has run a retro?": ask those who have.
    let have = match (w, s.w(k + 1), s.w(k + 2), s.w(k + 3)) {
        ("how", "many", "of", "you") => s.find(k + 4, k + 6, "have"),
        ("who", "here" | "among", _, _) | ("who", "has" | "have", _, _) => s
            .find(k + 1, k + 4, "has")
            .or_else(|| s.find(k + 1, k + 4, "have")),
        _ => None,
    };
    if let Some(h) = have {
        return format!(
            "If you have {}, what did you learn from it?",
            render(source, s, h + 1, end)
        );
    }
    let question = render(source, s, k, end);
    let identity = w == "who" && is(s.w(k + 1), &["is", "was", "are", "were"]);
    if matches!(w, "which" | "who") && !identity || is(w, PREPOSITIONS) {
        format!("{question}, and why?")
    } else {
        format!("{question}, and why does it matter?")
    }
}

/// "True or false: X" and "You found it useful?": ask how far people agree, and why.
fn statement(source: &str, s: &Sentence, k: usize, end: usize) -> String {
    let n = s.toks.len();
    // The statement is every clause except the marker and a trailing tag.
    let mut pieces = Vec::new();
    let clauses: Vec<(usize, usize)> = s
        .clauses
        .iter()
        .enumerate()
        .map(|(i, &c)| (c, s.clauses.get(i + 1).copied().unwrap_or(n)))
        .collect();
    for (c, e) in clauses {
        let words: Vec<&str> = (c..e).map(|i| s.w(i)).collect();
        let marker = words.windows(3).any(|w| {
            matches!(
                w,
                ["true", "or", "false"] | ["agree", "or", "disagree"] | ["yes", "or", "no"]
            )
        });
        let tag = c == k && c > 0 && is_tag(s, k);
        let tail = c >= end;
        if !marker && !tag && !tail {
            pieces.push(render(source, s, c, e));
        }
    }
    let text = pieces.join(", ");
    if text.is_empty() {
        return generic(source, s, 0);
    }
    let verb = if s.has_seq(&["agree", "or", "disagree"]).is_some()
        || s.has_seq(&["true", "or", "false"]).is_some()
    {
        "do you agree that"
    } else {
        "would you say"
    };
    format!("To what extent {verb} {}, and why?", lower_start(&text))
}

/// "On a scale of 1 to 10, how confident do you feel about X?": ask what would raise it.
fn rating(source: &str, s: &Sentence, end: usize) -> String {
    if let Some(h) = s.find(0, end, "how") {
        let adjective = render(source, s, h + 1, h + 2);
        match (s.w(h + 2), s.w(h + 3)) {
            ("do", "you") => {
                return format!(
                    "What would help you {} more {adjective} {}, and why?",
                    render(source, s, h + 4, h + 5),
                    render(source, s, h + 5, end)
                )
            }
            ("are", "you") => {
                return format!(
                    "What would help you be more {adjective} {}, and why?",
                    render(source, s, h + 4, end)
                )
            }
            _ => {}
        }
    }
    generic(source, s, 0)
}

/// "What do you think about <topic>, and why?", the topic being the question's first noun
/// phrase.
fn generic(source: &str, s: &Sentence, k: usize) -> String {
    let n = body_end(s);
    let topic = (k..n).find(|&i| is(s.w(i), DETERMINERS) && !matches!(s.w(i), "any" | "all"));
    let phrase = topic.map(|t| {
        let mut e = t + 1;
        let mut words = 0;
        while e < n && words < 6 {
            let w = s.w(e);
            let joins = is(w, &["of", "in", "from", "on"]) && is(s.w(e + 1), DETERMINERS);
            if joins {
                e += 2;
                continue;
            }
            if is(w, AUX)
                || is(w, WH)
                || is(w, &["and", "or", "to", "than", "that", "not", "if"])
                || is(w, PREPOSITIONS)
                || s.clauses.contains(&e)
            {
                break;
            }
            e += 1;
            words += 1;
        }
        render(source, s, t, e)
    });
    match phrase {
        Some(p) if !p.is_empty() => {
            format!("What do you think about {}, and why?", lower_start(&p))
        }
        _ => "What stands out to you here, and why?".to_string(),
    }
}

/// Rewords a yes/no question whose auxiliary is token `k`.
fn yes_no(source: &str, s: &Sentence, k: usize, end: usize) -> String {
    let aux = s.w(k);
    let mut j = k + 1;
    if s.w(j) == "not" {
        j += 1;
    }
    let r = |a: usize, b: usize| render(source, s, a, b);
    let rest = r(j, end);
    let subject = s.w(j);
    let you = subject == "you";
    // The fallback for shapes without a better template. With alternatives ("Did she give the
    // answer or let her find it?") the question itself is fine once it asks why.
    let how_if_at_all = if offers_alternatives(s, k) {
        format!("{}, and why?", r(k, end))
    } else {
        format!("How, if at all, {aux} {rest}, and what makes you say so?")
    };
    let copular = is(aux, &["is", "are", "was", "were", "am"]);
    if !copular && offers_alternatives(s, k) && s.has_seq(&["you", "prefer"]).is_none() {
        return format!("{}, and why?", r(k, end));
    }
    match aux {
        "is" | "are" | "was" | "were" | "am" => {
            copula(source, s, aux, j, end).unwrap_or(how_if_at_all)
        }
        "do" | "does" | "did" => {
            // "Did anyone else notice the body language?": ask what they noticed.
            // The verb, after "you all" or "anyone else".
            let mut v = j + 1;
            if is(s.w(v), &["else", "all", "both"]) {
                v += 1;
            }
            let perceives = is(s.w(v), &["notice", "see", "spot", "hear", "catch"]);
            if perceives && (you || is(subject, REQUESTEE)) && !s.w(v + 1).is_empty() {
                return format!(
                    "What {aux} you {} in {}, and what did it tell you?",
                    s.w(v),
                    r(v + 1, end)
                );
            }
            // "Did it feel like a fair process?", "Doesn't that sound like micromanagement?"
            if is(subject, &["it", "this", "that"])
                && is(s.w(v), &["feel", "seem", "look", "sound"])
            {
                let made = if aux == "did" { "made" } else { "makes" };
                return format!(
                    "What {made} {subject} {} {}, or not?",
                    s.w(v),
                    r(v + 1, end)
                );
            }
            if !you {
                return how_if_at_all;
            }
            let verb = s.w(v);
            let obj = r(v + 1, end);
            let past = aux == "did";
            match verb {
                "think" | "believe" | "reckon" | "suppose" => {
                    format!("What makes you {verb} {obj}, or not?")
                }
                "feel" if is(s.w(v + 1), &["that", "the", "it", "this", "like"]) => {
                    format!("What makes you feel {obj}, or not?")
                }
                "feel" => format!("What helps you feel {obj}, and what gets in the way?"),
                "agree" if s.w(v + 1) == "with" => format!(
                    "Which parts of {} do you agree or disagree with, and why?",
                    r(v + 2, end)
                ),
                "agree" if s.w(v + 1) == "that" => {
                    format!("What makes you agree that {}, or disagree?", r(v + 2, end))
                }
                "agree" => "What do you agree and disagree with here, and why?".to_string(),
                "like" | "enjoy" | "love" if past => {
                    format!("What from {obj} will you use, and why?")
                }
                "like" | "enjoy" | "love" => {
                    format!("What do you like and dislike about {obj}, and why?")
                }
                "find" => {
                    let made = if past { "made" } else { "makes" };
                    format!("What {made} {obj}, or not, for you?")
                }
                "prefer" if past => format!("What made you prefer {obj}, and why?"),
                "prefer" => format!("When do you prefer {obj}, and why?"),
                "have" if !past => format!("What difference does {obj} make for you, and why?"),
                "know" if is(s.w(v + 1), WH) && s.w(v + 2) == "to" => {
                    format!("How do you work out {obj}, and what helps?")
                }
                "know" if is(s.w(v + 1), WH) => format!(
                    "How would you explain {obj} to a colleague, and where have you seen it matter?"
                ),
                "know" | "remember" => {
                    format!("What do you know about {obj}, and how could you use it?")
                }
                "want" | "plan" | "intend" if s.w(v + 1) == "to" => format!(
                    "What would help you {}, and what might get in the way?",
                    r(v + 2, end)
                ),
                // "Did you learn anything new?" → "What new thing did you learn…?"
                _ if is(s.w(v + 1), &["anything", "something"]) && past => {
                    let what = match s.w(v + 2) {
                        "" => "What".to_string(),
                        w if is(w, ADJECTIVES) || w == "new" => format!("What {w} thing"),
                        _ => {
                            return format!(
                                "What did you {verb} {}, and why does it matter?",
                                r(v + 2, end)
                            )
                        }
                    };
                    format!("{what} did you {verb}, and why does it matter?")
                }
                _ if past => format!("How did you {}, and what did you take from it?", r(v, end)),
                _ => format!(
                    "How do you {}, and what have you learned from it?",
                    r(v, end)
                ),
            }
        }
        // "Have you got any tips for new managers?" asks what people have.
        "have" if you && s.w(j + 1) == "got" => {
            if is(s.w(j + 2), &["any", "some"]) {
                format!(
                    "What {} do you have {}, and why?",
                    r(j + 3, j + 4),
                    r(j + 4, end)
                )
            } else {
                format!(
                    "What difference does {} make for you, and why?",
                    r(j + 2, end)
                )
            }
        }
        "have" | "has" | "had" => {
            let ever = s.find(j, end, "ever").or_else(|| s.find(j, end, "before"));
            let without_ever = match s.find(j, end, "ever") {
                Some(e) => join(&[&r(j, e), &r(e + 1, end)]),
                None => rest.clone(),
            };
            let learner = if subject == "we" { "we" } else { "you" };
            if ever.is_some() {
                format!("When {aux} {without_ever}, and what did {learner} learn from it?")
            } else if you && aux != "had" {
                format!("What stood out for you, having {}?", r(j + 1, end))
            } else {
                how_if_at_all
            }
        }
        "can" | "could" => {
            if you
                && is(
                    s.w(j + 1),
                    &["name", "remember", "recall", "list", "identify", "spell"],
                )
            {
                let mut o = j + 2;
                if s.w(o) == "the" && s.w(o + 1) == "name" && s.w(o + 2) == "of" {
                    o += 3;
                }
                return format!(
                    "How would you put {} in your own words, and where could you use it?",
                    r(o, end)
                );
            }
            if is(subject, &["i", "we"]) && !is(s.w(j + 1), &["use", "apply", "try"]) {
                // "Can I assume…": a request by the facilitator; no template fits.
                return generic(source, s, j);
            }
            if modal_perfect(s, j, end) {
                format!("How could {rest}, and what might have got in the way?")
            } else {
                format!("How could {rest}, and what might get in the way?")
            }
        }
        "will" => format!("How will {rest}, and what might get in the way?"),
        "would" => {
            if you && is(s.w(j + 2), &["anything", "something"]) {
                // "Would you do anything differently?" → "What would you do differently…?"
                return format!("What would you {} {}, and why?", s.w(j + 1), r(j + 3, end));
            }
            if you {
                let v = j + 1;
                let v = match (s.w(v), s.w(v + 1), s.w(v + 2)) {
                    ("say", "that", _) => {
                        return format!("What tells you whether {}, and why?", r(v + 2, end))
                    }
                    ("say", _, _) => {
                        return format!("What tells you whether {}, and why?", r(v + 1, end))
                    }
                    ("have", _, _) => return how_if_at_all,
                    ("be", "willing" | "able" | "happy" | "prepared" | "ready", "to") => v + 3,
                    ("like" | "want", "to", _) => v + 2,
                    _ => v,
                };
                format!(
                    "What would make you {}, and what would hold you back?",
                    r(v, end)
                )
            } else if modal_perfect(s, j, end) {
                how_if_at_all
            } else {
                format!("How might {rest}, and what could go wrong?")
            }
        }
        "should" => {
            if modal_perfect(s, j, end) {
                how_if_at_all
            } else {
                format!("When should {rest}, and when not?")
            }
        }
        "shall" | "might" => format!("How might {rest}, and what could go wrong?"),
        _ => {
            if is(subject, &["i"]) {
                generic(source, s, j)
            } else {
                how_if_at_all
            }
        }
    }
}

/// "Could the outage *have* been prevented?": a perfect right after the subject, not inside a
/// later clause ("Can someone confirm they've read it?").
fn modal_perfect(s: &Sentence, j: usize, end: usize) -> bool {
    s.find(j + 1, end, "have")
        .is_some_and(|h| !(j + 1..h).any(|i| is(s.w(i), PRONOUNS)))
}

/// Rewords "Is/Was <subject> <adjective>…?" questions; `None` when no adjective is found.
fn copula(source: &str, s: &Sentence, aux: &str, j: usize, end: usize) -> Option<String> {
    let r = |a: usize, b: usize| render(source, s, a, b);
    let past = matches!(aux, "was" | "were");
    let subject = s.w(j);
    // "Is it true that X, or not?"
    if subject == "it" && s.w(j + 1) == "true" && s.w(j + 2) == "that" {
        return Some(format!("What would convince you that {}?", r(j + 3, end)));
    }
    let feeler = is(
        subject,
        &[
            "anyone",
            "anybody",
            "someone",
            "somebody",
            "everyone",
            "everybody",
        ],
    );
    if (subject == "you" && past) || feeler {
        let w = s.w(j + 1);
        if is(w, ADJECTIVES) || is(w, JUDGE) || is(w, VALUE) || is(w, ADVERBS) || w.ends_with("ed")
        {
            return Some(if past {
                format!("What made you feel {}, or not?", r(j + 1, end))
            } else {
                format!(
                    "What helps you feel {}, and what gets in the way?",
                    r(j + 1, end)
                )
            });
        }
    }
    if subject == "you" {
        return Some(match (s.w(j + 1), s.w(j + 2)) {
            ("going", "to") => format!(
                "How {aux} you going to {}, and what might get in the way?",
                r(j + 3, end)
            ),
            ("familiar" | "aware", _) => format!(
                "What do you know about {}, and where have you seen it in action?",
                r(j + 3, end)
            ),
            (w, _) if is(w, ADJECTIVES) || is(w, JUDGE) || is(w, VALUE) || is(w, ADVERBS) => {
                format!(
                    "What helps you feel {}, and what gets in the way?",
                    r(j + 1, end)
                )
            }
            _ => return None,
        });
    }
    if subject == "there" && is(s.w(j + 1), &["anything", "something"]) {
        let mut m = j + 2;
        // "anything else you'd like to add", "anything that surprised you".
        while is(s.w(m), &["else", "that", "which", "who"]) {
            m += 1;
        }
        // "Is there anything you would change?" → "What would you change?"
        if is(s.w(m), PRONOUNS) && is(s.w(m + 1), AUX) {
            // "you'd" is one written word: show its pronoun alone.
            let contracted = s.toks.get(m).map(|t| t.start) == s.toks.get(m + 1).map(|t| t.start);
            let pronoun = match s.w(m) {
                "i" => "I".to_string(),
                w if contracted => w.to_string(),
                _ => r(m, m + 1),
            };
            return Some(format!(
                "What {} {pronoun} {}, and why?",
                s.w(m + 1),
                r(m + 2, end)
            ));
        }
        if is(s.w(m), AUX) || s.w(m).ends_with("ed") {
            return Some(format!("What {}, and why?", r(m, end)));
        }
        return Some(format!("What {aux} {}, and why?", r(m, end)));
    }
    if subject == "there" && s.w(j + 1) == "a" && s.w(j + 2) == "time" {
        return Some(format!("Tell us about a time {}.", r(j + 3, end)));
    }
    if subject == "there" {
        return Some(format!(
            "How do you judge whether there {aux} {}, and why?",
            r(j + 1, end)
        ));
    }
    let adjective_like = |w: &str| is(w, ADJECTIVES) || is(w, JUDGE) || is(w, VALUE);
    // Where the subject ends: at an adverb ("too long"), an indefinite article ("a good
    // listener") or the first known adjective. "The" may be inside the subject ("the decision
    // to delay the launch"), so it does not end it.
    let ends_subject = |i: usize| is(s.w(i), ADVERBS) || is(s.w(i), &["a", "an"]);
    let subject_end = if is(subject, PRONOUNS) {
        j + 1
    } else {
        match (j + 1..end).find(|&i| adjective_like(s.w(i))) {
            Some(a) => (j + 1..a).find(|&i| ends_subject(i)).unwrap_or(a),
            None => (j + 1..end).find(|&i| ends_subject(i))?,
        }
    };
    // "What makes *us* ready", not "What makes we ready".
    let subj = match subject {
        "we" if subject_end == j + 1 => "us".to_string(),
        "they" if subject_end == j + 1 => "them".to_string(),
        "he" if subject_end == j + 1 => "him".to_string(),
        "she" if subject_end == j + 1 => "her".to_string(),
        "i" if subject_end == j + 1 => "me".to_string(),
        _ => r(j, subject_end),
    };
    let pred = r(subject_end, end);
    // "Are we doing enough…?": a verb, which the templates below cannot carry.
    let first = s.w(subject_end);
    if first.ends_with("ing") && !is(first, ADJECTIVES) {
        return None;
    }
    let adjective = (subject_end..end)
        .find(|&i| !is(s.w(i), ADVERBS) && !is(s.w(i), &["a", "an", "the"]))
        .filter(|&i| adjective_like(s.w(i)));
    // "Was it a communication problem or a planning problem?"
    if let Some(o) = s.find(subject_end, end, "or") {
        // "Is it me, or was the meeting tense?" is not a choice between two predicates.
        if is(s.w(o + 1), AUX) {
            return None;
        }
        if s.w(o + 1) != "not" {
            let a = r(subject_end, o);
            let b = r(o + 1, end);
            if subject == "it" && s.w(subject_end) == "better" && s.w(subject_end + 1) == "to" {
                let a = r(subject_end + 2, o);
                let b = match s.w(o + 1) {
                    "to" => r(o + 2, end),
                    _ => b,
                };
                return Some(format!(
                    "What would make you choose to {a} rather than {b}, or the other way round?"
                ));
            }
            return Some(format!(
                "What makes you see {subj} as {a} rather than {b}, or the other way round?"
            ));
        }
    }
    let made = if past { "made" } else { "makes" };
    let Some(adjective) = adjective else {
        // A noun predicate: "Is kindness a leadership skill?", "Are customers more loyal…?".
        return Some(format!("What {made} {subj} {pred}, or not, in your view?"));
    };
    let adj = s.w(adjective);
    let after = s.w(adjective + 1);
    if subject == "it" && after == "to" {
        return Some(format!(
            "In which situations {aux} it {}, and why?",
            r(adjective, end)
        ));
    }
    if is(adj, JUDGE) && past {
        if after == "to" {
            return Some("What would you have done in that situation, and why?".to_string());
        }
        return Some(format!(
            "How do you judge whether {subj} {aux} {pred}, and why?"
        ));
    }
    if is(adj, VALUE) && !past {
        if adjective + 1 >= end {
            return Some(format!(
                "Why {aux} {subj} {pred} to you, and when has it mattered?"
            ));
        }
        return Some(format!("Why {aux} {subj} {pred}, or why not?"));
    }
    if is(adj, VALUE) {
        return Some(format!("What {made} {subj} {pred} for you, or not?"));
    }
    Some(format!("What {made} {subj} {pred}, or not, in your view?"))
}
