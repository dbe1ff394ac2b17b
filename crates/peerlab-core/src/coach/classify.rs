//! Judging one sentence: open or closed, and in which way.

#[allow(unused_imports)]
use super::sentence::*;
#[allow(unused_imports)]
use super::words::*;
#[allow(unused_imports)]
use super::*;

#[derive(Debug, Clone, Copy)]
pub(super) struct Analysis {
    pub(super) verdict: Verdict,
    /// Token index of the main clause's opener, if one was found.
    pub(super) opener: Option<usize>,
}

pub(super) fn analyse(s: &Sentence) -> Analysis {
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

pub(super) const DETERMINERS: &[&str] = &[
    "the", "a", "an", "this", "that", "these", "those", "our", "your", "my", "his", "her", "their",
    "its", "every", "each", "some", "any", "all", "more", "most",
];

/// An auxiliary plus pronoun ending the sentence after a statement: "…, wasn't it?".
pub(super) fn is_tag(s: &Sentence, k: usize) -> bool {
    let end = s.toks.len();
    let rest = end - k;
    is(s.w(k), AUX)
        && (rest == 2 || (rest == 3 && s.w(k + 1) == "not"))
        && is(s.w(end - 1), PRONOUNS)
}

pub(super) fn skip_discourse(s: &Sentence, mut k: usize) -> usize {
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
pub(super) fn opener(s: &Sentence, k: usize) -> Option<Verdict> {
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

pub(super) fn wh(s: &Sentence, k: usize) -> Option<Verdict> {
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
pub(super) fn polite(s: &Sentence, k: usize) -> bool {
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
pub(super) fn elaborates(s: &Sentence, j: usize, gerund: bool) -> bool {
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
pub(super) fn imperative(s: &Sentence, k: usize) -> Option<Verdict> {
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
pub(super) fn offers_alternatives(s: &Sentence, k: usize) -> bool {
    (k + 1..s.toks.len()).any(|i| {
        s.w(i) == "or" && !matches!(s.w(i + 1), "not" | "no" | "why" | "what" | "how" | "")
    })
}

/// An open question after a closed one in the same sentence: "…, and why?", "…, or why not?",
/// "…, and what would you change?", "…; if so, what happened?", "…, and explain why."
pub(super) fn has_open_follow_up(s: &Sentence, from: usize) -> bool {
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
