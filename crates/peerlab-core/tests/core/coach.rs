//! The question coach, measured on a labelled set of workplace reflection questions
//! (`tests/data/questions.csv`, columns `label,question`) and checked on the tricky cases that
//! DESIGN S5 names.
//!
//! The data set was written before the rules. Rows are numbered from 0 after the header and
//! mostly come in pairs (a closed question and an open one on the same topic); every fourth
//! pair (rows whose `index / 2 % 4 == 3`) is held out: the rules were tuned on the other rows
//! only, and keeping pairs together stops a held-out question from leaking through its twin.
//! Precision and recall are for the CLOSED class, since closed is what the coach flags.
//!
//! Run with `cargo test -p peerlab-core --test core coach -- --nocapture` to see the figures.

use peerlab_core::coach::{advise, classify, Kind};

struct Row {
    index: usize,
    kind: Kind,
    question: String,
}

fn dataset() -> Vec<Row> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/questions.csv");
    let mut reader = csv::Reader::from_path(path).expect("open questions.csv");
    assert_eq!(
        reader.headers().expect("header"),
        vec!["label", "question"],
        "columns"
    );
    reader
        .records()
        .enumerate()
        .map(|(index, record)| {
            let record = record.expect("row");
            let kind = match &record[0] {
                "open" => Kind::Open,
                "closed" => Kind::Closed,
                other => panic!("row {index}: unknown label {other:?}"),
            };
            Row {
                index,
                kind,
                question: record[1].to_string(),
            }
        })
        .collect()
}

fn held_out(row: &Row) -> bool {
    (row.index / 2) % 4 == 3
}

#[derive(Debug, Default)]
struct Scores {
    rows: usize,
    true_closed: usize,
    false_closed: usize,
    false_open: usize,
    errors: Vec<String>,
}

impl Scores {
    fn of<'a>(rows: impl IntoIterator<Item = &'a Row>) -> Scores {
        let mut s = Scores::default();
        for row in rows {
            s.rows += 1;
            let got = classify(&row.question);
            match (row.kind, got) {
                (Kind::Closed, Kind::Closed) => s.true_closed += 1,
                (Kind::Open, Kind::Closed) => s.false_closed += 1,
                (Kind::Closed, Kind::Open) => s.false_open += 1,
                (Kind::Open, Kind::Open) => {}
            }
            if got != row.kind {
                s.errors.push(format!(
                    "  row {:>3}: labelled {:?}, classified {:?}: {}",
                    row.index, row.kind, got, row.question
                ));
            }
        }
        s
    }

    fn precision(&self) -> f64 {
        self.true_closed as f64 / (self.true_closed + self.false_closed).max(1) as f64
    }

    fn recall(&self) -> f64 {
        self.true_closed as f64 / (self.true_closed + self.false_open).max(1) as f64
    }

    fn accuracy(&self) -> f64 {
        (self.rows - self.false_closed - self.false_open) as f64 / self.rows.max(1) as f64
    }

    fn print(&self, name: &str) {
        println!(
            "{name:<9} rows {:>3}  closed-precision {:.3}  closed-recall {:.3}  accuracy {:.3}  ({} errors)",
            self.rows,
            self.precision(),
            self.recall(),
            self.accuracy(),
            self.errors.len()
        );
        for e in &self.errors {
            println!("{e}");
        }
    }
}

#[test]
fn the_dataset_is_large_and_balanced() {
    let rows = dataset();
    let open = rows.iter().filter(|r| r.kind == Kind::Open).count();
    let closed = rows.iter().filter(|r| r.kind == Kind::Closed).count();
    assert!(rows.len() >= 150, "{} rows", rows.len());
    assert!(open >= 60, "{open} open");
    assert!(closed >= 60, "{closed} closed");
    let held = rows.iter().filter(|r| held_out(r)).count();
    assert!(held >= 40, "{held} held out");
    let mut questions: Vec<&str> = rows.iter().map(|r| r.question.as_str()).collect();
    questions.sort_unstable();
    questions.dedup();
    assert_eq!(questions.len(), rows.len(), "duplicate questions");
}

#[test]
fn precision_and_recall_for_closed_questions() {
    let rows = dataset();
    let all = Scores::of(&rows);
    let dev = Scores::of(rows.iter().filter(|r| !held_out(r)));
    let held = Scores::of(rows.iter().filter(|r| held_out(r)));
    dev.print("dev");
    held.print("held-out");
    all.print("all");

    // Floors: the measured figures rounded down to two decimals. Every row is right today, so
    // any regression fails here. These figures overstate how the coach does on questions from
    // other authors: the data and the rules share one author's phrasing (see
    // `questions_written_after_the_rules` for a fresher estimate).
    assert!(all.precision() >= 1.00, "all precision {}", all.precision());
    assert!(all.recall() >= 1.00, "all recall {}", all.recall());
    assert!(all.accuracy() >= 1.00, "all accuracy {}", all.accuracy());
    assert!(
        held.precision() >= 1.00,
        "held-out precision {}",
        held.precision()
    );
    assert!(held.recall() >= 1.00, "held-out recall {}", held.recall());
    assert!(
        held.accuracy() >= 1.00,
        "held-out accuracy {}",
        held.accuracy()
    );
}

#[track_caller]
fn check(question: &str, expected: Kind) {
    let advice = advise(question);
    assert_eq!(advice.kind, expected, "{question:?} ({})", advice.reason);
    assert_eq!(classify(question), expected, "{question:?}");
}

#[test]
fn the_examples_from_the_design() {
    use Kind::{Closed, Open};
    for (q, kind) in [
        ("Was the person in the video right to act this way?", Closed),
        ("Did you like the session?", Closed),
        ("Is feedback important?", Closed),
        ("What would you have done in that situation, and why?", Open),
        ("What would you do differently next time?", Open),
        ("How did that feedback land with you?", Open),
        ("Why do you think the customer reacted that way?", Open),
    ] {
        check(q, kind);
    }
}

#[test]
fn polite_requests_are_open_but_can_you_questions_are_not() {
    use Kind::{Closed, Open};
    for (q, kind) in [
        ("Can you describe a time when a deadline slipped?", Open),
        ("Could you share how you prepare for a one-on-one?", Open),
        (
            "Would anyone share an example of feedback that stuck?",
            Open,
        ),
        ("Would you tell us about your first week here?", Open),
        ("Could you walk us through your last release?", Open),
        ("Would you mind sharing what you changed afterwards?", Open),
        ("Can you give an example of a good handover?", Open),
        ("Can you use this at work?", Closed),
        ("Could this work in our team?", Closed),
        ("Can you tell me whether the build passed?", Closed),
        ("Would you say that the retro was useful?", Closed),
        ("Would it help if we had a checklist?", Closed),
    ] {
        check(q, kind);
    }
}

#[test]
fn question_words_that_ask_for_a_fact_are_closed() {
    use Kind::{Closed, Open};
    for (q, kind) in [
        ("Why did the rollout stall?", Open),
        ("How might you use this tomorrow?", Open),
        ("What surprised you in the article?", Open),
        ("What year did the company go remote?", Closed),
        ("Which of the two options would you choose?", Closed),
        ("How many customers churned last quarter?", Closed),
        ("Who wrote the article?", Closed),
        ("What does OKR stand for?", Closed),
        ("In what ways did the meeting change your view?", Open),
    ] {
        check(q, kind);
    }
}

#[test]
fn an_open_follow_up_opens_a_closed_question() {
    use Kind::{Closed, Open};
    for (q, kind) in [
        ("Do you agree? Why?", Open),
        ("Do you agree?", Closed),
        ("Agree or disagree: retros are a waste of time.", Closed),
        ("Why do you agree or disagree with the speaker?", Open),
        ("On a scale of 1 to 5, how useful was the session?", Closed),
        ("Have you ever missed a deadline?", Closed),
        (
            "Have you ever missed a deadline? If so, what happened?",
            Open,
        ),
        ("Which option would you pick, and why?", Open),
        ("Is it ever OK to skip a retro? Why or why not?", Open),
        (
            "Is it true that praise works better than criticism, or not?",
            Closed,
        ),
        ("Did you see how the team reacted?", Closed),
    ] {
        check(q, kind);
    }
}

#[test]
fn form_does_not_change_the_verdict() {
    use Kind::{Closed, Open};
    for (q, kind) in [
        ("did you like the session", Closed),
        ("DID YOU LIKE THE SESSION?", Closed),
        ("what would u do differently", Open),
        ("Thinking back to the video, was the manager fair?", Closed),
        (
            "Thinking back to the video, how fair was the manager?",
            Open,
        ),
        ("Didn't the rep push too hard?", Closed),
        ("Isn't it better to give feedback straight away?", Closed),
        ("Wasn't the deadline unrealistic?", Closed),
        ("Was it a planning problem or a people problem?", Closed),
        ("That went well, didn't it?", Closed),
        ("You found it useful?", Closed),
        ("Tell us about your best mentor.", Open),
        ("Describe a moment when you changed your mind.", Open),
        ("Share one thing you will try this week.", Open),
        ("Looking back at the talk - what stayed with you", Open),
    ] {
        check(q, kind);
    }
}

#[test]
fn empty_input_is_open_with_no_suggestion() {
    for q in ["", "   ", "\n\t", "?", "..."] {
        let advice = advise(q);
        assert_eq!(advice.kind, Kind::Open, "{q:?}");
        assert_eq!(advice.reason, "There is no question yet.", "{q:?}");
        assert_eq!(advice.suggestion, None, "{q:?}");
    }
}

#[test]
fn the_design_suggestions() {
    for (q, want) in [
        (
            "Was the person in the video right to act this way?",
            "What would you have done in that situation, and why?",
        ),
        (
            "Did you like the session?",
            "What from the session will you use, and why?",
        ),
        (
            "Is feedback important?",
            "Why is feedback important to you, and when has it mattered?",
        ),
    ] {
        assert_eq!(advise(q).suggestion.as_deref(), Some(want), "{q:?}");
    }
}

#[test]
fn every_closed_question_gets_an_open_suggestion_and_open_ones_none() {
    let mut shown = 0;
    for row in dataset() {
        let advice = advise(&row.question);
        assert!(!advice.reason.is_empty(), "{:?}", row.question);
        match advice.kind {
            Kind::Open => assert_eq!(advice.suggestion, None, "{:?}", row.question),
            Kind::Closed => {
                let s = advice
                    .suggestion
                    .expect("a closed question has a suggestion");
                assert!(!s.trim().is_empty(), "{:?}", row.question);
                assert_eq!(classify(&s), Kind::Open, "{:?} -> {s:?}", row.question);
                if shown < 400 {
                    println!("{}\n    -> {s}", row.question);
                    shown += 1;
                }
            }
        }
    }
}

#[test]
fn advice_serialises_with_lowercase_kinds() {
    let advice = advise("Did you like the session?");
    let json = format!("{:?}", advice.kind);
    assert_eq!(json, "Closed");
    // Kind serialises as "open"/"closed" for the web layer; checked through the csv writer,
    // which uses serde, to avoid a serde_json dev-dependency.
    let mut out = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(vec![]);
    out.serialize(advice.kind).expect("serialise");
    out.serialize(classify("Why?")).expect("serialise");
    let text = String::from_utf8(out.into_inner().expect("flush")).expect("utf8");
    assert_eq!(text, "closed\nopen\n");
}

/// Every word-boundary prefix of every question, and some odd input, gets consistent advice:
/// no panic, a reason, and an open suggestion exactly when the verdict is closed.
#[test]
fn fragments_and_odd_input_get_consistent_advice() {
    let mut inputs: Vec<String> = vec![
        "??".into(),
        "?!".into(),
        "e.g. what?".into(),
        "Zoë, was it fair?".into(),
        "Was it fair… or not".into(),
        "- - -".into(),
        "Is".into(),
        "why".into(),
        "Would you".into(),
        "Could you, please, describe it?".into(),
        "It's — well — isn't it?".into(),
        "Is it A or B or C?".into(),
        "日本語の質問ですか？".into(),
        "Did you like it?\nWhy?".into(),
    ];
    for row in dataset() {
        let words: Vec<&str> = row.question.split(' ').collect();
        for n in 1..=words.len() {
            inputs.push(words[..n].join(" "));
        }
    }
    for q in &inputs {
        let advice = advise(q);
        assert!(!advice.reason.is_empty(), "{q:?}");
        assert_eq!(advice.kind, classify(q), "{q:?}");
        match advice.kind {
            Kind::Open => assert_eq!(advice.suggestion, None, "{q:?}"),
            Kind::Closed => {
                let s = advice.suggestion.expect("suggestion");
                assert!(!s.trim().is_empty(), "{q:?}");
                assert_eq!(classify(&s), Kind::Open, "{q:?} -> {s:?}");
            }
        }
    }
}

/// Questions written after the first version of the rules, labelled before they were run.
/// They are not part of the measured data set: they were used for tuning. At first sight the
/// rules got 59 of the first 60 and 48 of the next 50 right (the misses were "Where in your
/// week could you…?", "Please confirm you have watched the video." and "What's the deadline
/// for the survey?"); they are kept here so that those fixes stay fixed.
const PROBES: &str = r#"label,question
closed,"Are you happy with how the sprint went?"
open,"What made this sprint feel different from the last one?"
closed,"Was anyone surprised by the ending of the video?"
open,"What surprised you most about the ending of the video?"
closed,"Is there anything you would change about the process?"
open,"If you could change one thing about the process, what would it be?"
closed,"Do you all feel ready for the launch?"
open,"What would help you feel ready for the launch?"
closed,"Did the speaker make a good point about burnout?"
open,"Which of the speaker's points about burnout rang true for you, and why?"
closed,"Should we have escalated sooner?"
open,"Looking back, what would have helped us escalate sooner?"
closed,"Was the interviewer too aggressive?"
open,"How would you describe the interviewer's style?"
closed,"Has this ever happened to you?"
open,"Has this ever happened to you? Tell us what you did."
closed,"Is the new CRM easier to use than the old one?"
open,"What has changed for you since we moved to the new CRM?"
closed,"Could you relate to the character in the story?"
open,"Could you say more about why the character's choice resonated with you?"
closed,"Will this change how you run your next meeting?"
open,"How will this change how you run your next meeting?"
closed,"How many times a week do you check in with your reports?"
open,"How do you decide how often to check in with your reports?"
closed,"Which team handled the incident?"
open,"What did the team that handled the incident do well?"
closed,"Who is responsible for the onboarding checklist?"
open,"How should responsibility for onboarding be shared?"
closed,"When was the last time you asked for feedback?"
open,"When you last asked for feedback, what did you hear and how did you respond?"
closed,"Where is the recording of the session?"
open,"Where in your week could you make room for deliberate practice?"
closed,"Doesn't that sound like micromanagement?"
open,"What about that approach sounds like micromanagement to you?"
closed,"Would you rather have a clear plan or full autonomy?"
open,"How do you balance having a clear plan with having autonomy?"
closed,"so did it work"
open,"so how did it work out in the end"
closed,"Can someone confirm they've read the brief?"
open,"Can someone summarise the brief in their own words?"
closed,"Is the article still relevant today?"
open,"What in the article still holds up today, and what doesn't?"
closed,"Was the customer right or wrong?"
open,"What was the customer really asking for?"
closed,"Do people here speak up when they disagree?"
open,"What makes it easier for people here to speak up when they disagree?"
closed,"After the demo, was the client convinced?"
open,"After the demo, what convinced the client, or what held them back?"
closed,"Are we doing enough to support new managers?"
open,"What more could we do to support new managers?"
closed,"Did it feel like a fair process"
open,"what made the process feel fair or unfair"
closed,"Should I share the recording with the wider team?"
open,"What should we keep in mind when sharing recordings with the wider team?"
closed,"Is it realistic to expect zero bugs in production?"
open,"What would it take to get close to zero bugs in production?"
closed,"Would this work for a remote team?"
open,"How would you adapt this for a remote team?"
closed,"Any volunteers to present next week?"
open,"Any reflections on today's discussion?"
open,"I'm curious: what did you take away from the talk?"
open,"What's your take on the new review cycle?"
open,"Thoughts on the article?"
open,"How come the project slipped, in your view?"
open,"Why would a manager avoid giving feedback?"
open,"Is there a time when you felt your feedback was ignored? What happened?"
closed,"Is there a template for the retro?"
open,"We watched a video on negotiation. What would you have said to the buyer?"
closed,"We watched a video on negotiation. Did the seller win?"
open,"Please describe your first week on the team."
closed,"Please confirm you have watched the video."
closed,"Do you know what the SBI model is?"
open,"Could you each share one win from this week?"
closed,"Can you make it to the session on Thursday?"
open,"What's one piece of feedback that changed how you work?"
closed,"What's the deadline for the survey?"
closed,"Is the deadline Friday or Monday?"
open,"What would a great first 90 days look like for a new hire?"
open,"How would you explain this concept to a new starter?"
closed,"Have you finished the pre-reading?"
open,"Having finished the pre-reading, what questions does it raise for you?"
closed,"Are there any risks we haven't considered?"
open,"What risks do you think we haven't considered yet?"
closed,"Did you learn anything new"
open,"what did you learn that was new to you"
closed,"Would you do anything differently?"
open,"What would you do differently, knowing what you know now?"
closed,"Is this something you'd try?"
open,"What would it take for you to try this?"
closed,"Do you think that's fair?"
open,"Do you think that's fair? Why or why not?"
open,"If you were the manager in the clip, how would you open the conversation?"
closed,"If you were the manager in the clip, would you have fired him?"
open,"When you joined, what helped you most?"
closed,"When you joined, did you get a buddy?"
open,"Talk us through a time you changed your mind after feedback."
open,"Let's hear from you: what resonated most?"
closed,"Who agrees with the speaker?"
open,"Where do you disagree with the speaker, and why?"
closed,"Was it worth the time?"
open,"What made it worth the time, or not?"
closed,"Did you get what you needed from the workshop?"
open,"What did you need from the workshop that you didn't get?"
closed,"Should the team lead have stepped in earlier? Yes or no?"
open,"At what point should the team lead have stepped in, and why?"
closed,"Is code review mainly about catching bugs, or about sharing knowledge?"
open,"What do you think code review is really for?"
closed,"Are you aware of our escalation policy?"
open,"How does our escalation policy help or hinder you in practice?"
closed,"Any feedback for the facilitators?"
"#;

#[test]
fn questions_written_after_the_rules() {
    let mut reader = csv::Reader::from_reader(PROBES.as_bytes());
    let mut wrong = Vec::new();
    let mut rows = 0;
    for record in reader.records() {
        let record = record.expect("probe row");
        let want = match &record[0] {
            "open" => Kind::Open,
            _ => Kind::Closed,
        };
        rows += 1;
        if classify(&record[1]) != want {
            wrong.push(record[1].to_string());
        }
    }
    assert_eq!(rows, 110);
    assert!(wrong.is_empty(), "{wrong:#?}");
}
