//! The coach's word lists. All entries are folded (lower case, no accents, straight
//! apostrophes).

pub(super) const AUX: &[&str] = &[
    "is", "are", "was", "were", "am", "do", "does", "did", "have", "has", "had", "can", "could",
    "will", "would", "shall", "should", "may", "might", "must",
];

/// Negated auxiliaries and their positive form; also the forms typed without an apostrophe.
pub(super) const NEGATED: &[(&str, &str)] = &[
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
pub(super) const TYPOS: &[(&str, &str)] = &[
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
pub(super) const IS_CLITIC: &[&str] = &[
    "what", "who", "where", "when", "how", "why", "it", "that", "there", "here", "he", "she",
    "which",
];

pub(super) const WH: &[&str] = &[
    "why", "how", "what", "which", "who", "whom", "whose", "when", "where",
];

/// "How" followed by one of these asks for a quantity, a duration or a frequency.
pub(super) const HOW_FACT: &[&str] = &[
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
pub(super) const WHAT_FACT: &[&str] = &[
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
pub(super) const THE_FACT: &[&str] = &[
    "deadline", "address", "link", "url", "location", "venue", "budget", "title", "agenda",
    "capital", "password", "acronym", "target", "total", "answer",
];

/// Auxiliaries after "when"/"where" that ask for a time or a place ("When is the next cohort?").
pub(super) const WHEN_FACT_AUX: &[&str] = &["is", "are", "was", "were", "will", "did"];

/// Words that can ask someone to elaborate after "Could you…" or as an imperative.
pub(super) const ELABORATE: &[&str] = &[
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
pub(super) const GERUNDS: &[(&str, &str)] = &[
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
pub(super) const REQUESTEE: &[&str] = &[
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
pub(super) const SOFTENERS: &[&str] = &[
    "please", "briefly", "quickly", "maybe", "perhaps", "also", "just", "all", "each", "kindly",
    "now", "first", "else",
];

/// Imperatives that set a scene rather than ask for an answer.
pub(super) const SCENE: &[&str] = &[
    "imagine", "picture", "consider", "suppose", "think", "remember", "recall", "assume",
];

/// Imperatives that ask for a choice or a number.
pub(super) const PICK: &[&str] = &[
    "name", "rate", "choose", "pick", "select", "vote", "circle", "tick", "score", "guess",
];

/// Words that may start a clause without being its opener: "*So*, what…", "*And* did you…".
pub(super) const DISCOURSE: &[&str] = &[
    "so", "and", "but", "or", "then", "now", "ok", "okay", "well", "please", "honestly", "also",
    "finally", "lastly", "next", "again", "just", "hey", "hi", "plus", "quick", "question", "oh",
];

/// Words that start a lead-in phrase ("*Thinking* back to the video …").
pub(super) const LEAD_IN: &[&str] = &[
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

pub(super) const PREPOSITIONS: &[&str] = &[
    "in", "of", "from", "on", "at", "to", "for", "with", "about", "by", "under", "between", "into",
    "over", "during", "after", "before", "behind",
];

/// Words after a question word that show it is embedded ("…and how *the* team reacted") rather
/// than a follow-up question ("…, and how *did* you cope?").
pub(super) const EMBEDDED_NEXT: &[&str] = &[
    "to", "the", "a", "an", "you", "we", "they", "it", "he", "she", "this", "that", "these",
    "those", "our", "your", "my", "their", "his", "her", "i", "people", "someone", "anyone",
    "everyone",
];

/// Subjects made of one word.
pub(super) const PRONOUNS: &[&str] = &[
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
pub(super) const JUDGE: &[&str] = &[
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
pub(super) const VALUE: &[&str] = &[
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
pub(super) const ADJECTIVES: &[&str] = &[
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
pub(super) const ADVERBS: &[&str] = &[
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
pub(super) const COMMON_START: &[&str] = &[
    "the", "a", "an", "you", "we", "it", "this", "that", "there", "they", "he", "she", "our",
    "your", "my", "their", "his", "her", "its", "everyone", "anyone", "someone", "people", "what",
    "how", "why", "when", "where", "which", "who", "is", "are", "was", "were", "do", "does", "did",
    "have", "has", "can", "could", "will", "would", "should", "good", "bad", "feedback",
    "thinking", "looking", "after", "in", "given", "based", "having",
];

pub(super) fn is(word: &str, list: &[&str]) -> bool {
    list.contains(&word)
}

pub(super) fn lookup(word: &str, table: &[(&'static str, &'static str)]) -> Option<&'static str> {
    table
        .iter()
        .find(|(from, _)| *from == word)
        .map(|(_, to)| *to)
}
