//! Rewording a closed sentence as an open question.

#[allow(unused_imports)]
use super::classify::*;
#[allow(unused_imports)]
use super::sentence::*;
#[allow(unused_imports)]
use super::words::*;
#[allow(unused_imports)]
use super::*;

/// Renders tokens `a..b` of `s` as written, with typos corrected.
pub(super) fn render(source: &str, s: &Sentence, a: usize, b: usize) -> String {
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

pub(super) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Lower-cases the first letter of a piece placed mid-sentence, unless it may be a name.
pub(super) fn lower_start(text: &str) -> String {
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
pub(super) fn body_end(s: &Sentence) -> usize {
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

pub(super) fn rewrite(source: &str, s: &Sentence, a: &Analysis, shape: Closed) -> String {
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

pub(super) fn join(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// "How many of you have…", "Which…", "What year…": keep the fact, ask what it means.
pub(super) fn fact(source: &str, s: &Sentence, k: usize, end: usize) -> String {
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
pub(super) fn statement(source: &str, s: &Sentence, k: usize, end: usize) -> String {
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
pub(super) fn rating(source: &str, s: &Sentence, end: usize) -> String {
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
pub(super) fn generic(source: &str, s: &Sentence, k: usize) -> String {
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
pub(super) fn yes_no(source: &str, s: &Sentence, k: usize, end: usize) -> String {
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
pub(super) fn modal_perfect(s: &Sentence, j: usize, end: usize) -> bool {
    s.find(j + 1, end, "have")
        .is_some_and(|h| !(j + 1..h).any(|i| is(s.w(i), PRONOUNS)))
}

/// Rewords "Is/Was <subject> <adjective>…?" questions; `None` when no adjective is found.
pub(super) fn copula(
    source: &str,
    s: &Sentence,
    aux: &str,
    j: usize,
    end: usize,
) -> Option<String> {
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
