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

mod classify;
mod rewrite;
mod sentence;
mod words;

use crate::text::fold;
#[allow(unused_imports)]
use classify::*;
#[allow(unused_imports)]
use rewrite::*;
#[allow(unused_imports)]
use sentence::*;
#[allow(unused_imports)]
use words::*;

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

pub(super) const EMPTY: &str = "There is no question yet.";
pub(super) const NOT_A_QUESTION: &str = "It does not ask a yes-or-no or single-fact question.";
pub(super) const OPEN_WHY: &str =
    "It asks why or how, which invites people to explain their thinking.";
pub(super) const OPEN_WHAT: &str = "It asks what people think or experienced, in their own words.";
pub(super) const OPEN_REQUEST: &str =
    "It is a request to describe or share, which invites a story rather than a yes or no.";
pub(super) const OPEN_FOLLOW_UP: &str =
    "It has an open follow-up (such as \"why?\"), so people will explain their answer.";
pub(super) const OPEN_INVITATION: &str = "It invites people's thoughts in their own words.";

/// Why a sentence is closed; each shape also selects how it is reworded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Closed {
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
    pub(super) fn reason(self) -> &'static str {
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
pub(super) enum Verdict {
    Open(&'static str),
    Closed(Closed),
    /// An instruction that sets a scene ("Think back to your first week."): open on its own,
    /// but it does not make a closed question that follows it open.
    Scene,
    /// A statement.
    Neutral,
}

/// The judgement of a whole question: each sentence analysed, then one verdict.
impl Text<'_> {
    /// The verdict on the whole text and the reason for it.
    pub(super) fn verdict(&self) -> (Kind, &'static str) {
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
    pub(super) fn suggestion(&self) -> String {
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
