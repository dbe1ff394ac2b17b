//! Operations on programs, shared by the pages and the API. They speak no HTTP.

pub mod agenda;
pub mod invitations;
pub mod sessions;

use chrono::NaiveDate;
use peerlab_core::program::{self, EnrolState, Template};
use peerlab_core::space::{self, Title};
use peerlab_core::{Email, Role, SkillName};
use peerlab_store::{
    Cohort, CohortId, DirectoryFilter, NewCohort, NewProgram, Person, PersonId, Program, ProgramId,
    SkillId,
};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::kit::session::User;
use crate::spaces::ops::prepare;
use crate::AppState;

/// `?anchor=YYYY-MM-DD`, as the template page and the API take it.
#[derive(serde::Deserialize)]
pub struct AnchorQuery {
    #[serde(default)]
    pub anchor: String,
}

/// The template called `key`: a shipped one, or one of the company's.
pub async fn template(state: &AppState, key: &str) -> Result<Template, Error> {
    if let Some(t) = program::shipped().into_iter().find(|t| t.key == key) {
        return Ok(t);
    }
    state
        .store
        .custom_template(key)
        .await?
        .ok_or_else(|| Error::not_found("program template"))
}

/// Every template to offer: the shipped ones, then the company's.
pub async fn templates(state: &AppState) -> Result<Vec<Template>, Error> {
    let mut all = program::shipped();
    all.extend(state.store.custom_templates().await?);
    Ok(all)
}

/// Whether a template is one peerlab ships (read-only: copy it to change it).
pub fn is_shipped(key: &str) -> bool {
    program::shipped().iter().any(|t| t.key == key)
}

fn template_error(e: program::TemplateError) -> Error {
    Error::invalid("template", format!("{}: {}", e.at, e.message))
        .with_details(serde_json::json!({ "at": e.at }))
}

/// A key from a name: "Manager Lab · Sales" → "manager-lab-sales".
fn slug(name: &str) -> String {
    let folded = peerlab_core::text::fold(name);
    let mut key = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c.to_ascii_lowercase());
        } else if !key.ends_with('-') && !key.is_empty() {
            key.push('-');
        }
    }
    key.truncate(40);
    key.trim_end_matches('-').to_string()
}

/// Copies a template under a new name, as the company's own to edit.
pub async fn copy_template(
    state: &AppState,
    user: &User,
    key: &str,
    name: &str,
) -> Result<Template, Error> {
    user.require_facilitator()?;
    let mut copy = template(state, key).await?;
    let name = program::program_name(name).map_err(|e| Error::invalid("name", e.to_string()))?;
    let new_key = slug(&name);
    if new_key.is_empty() {
        return Err(Error::invalid(
            "name",
            "name: needs letters or digits to make a key from",
        ));
    }
    if is_shipped(&new_key) {
        return Err(Error::conflict(format!(
            "\"{new_key}\" is a shipped template's key; choose another name"
        )));
    }
    copy.key = new_key;
    copy.name = name;
    copy.check().map_err(template_error)?;
    state
        .store
        .save_template(&copy, false, user.id(), state.now())
        .await?;
    Ok(copy)
}

/// Replaces one of the company's templates with edited JSON, checked whole: nothing is
/// saved unless all of it is right, and the error says where.
pub async fn edit_template(
    state: &AppState,
    user: &User,
    key: &str,
    json: &str,
) -> Result<Template, Error> {
    user.require_facilitator()?;
    if is_shipped(key) {
        return Err(Error::forbidden(
            "shipped templates stay as they are; copy one to change it",
        ));
    }
    template(state, key).await?;
    if json.len() > 200_000 {
        return Err(Error::invalid(
            "template",
            "template: at most 200,000 bytes of JSON",
        ));
    }
    let edited = Template::parse(json).map_err(template_error)?;
    if edited.key != key {
        return Err(Error::invalid(
            "template",
            format!("key: must stay \"{key}\" (copy the template to make another)"),
        )
        .with_details(serde_json::json!({ "at": "key" })));
    }
    state
        .store
        .save_template(&edited, true, user.id(), state.now())
        .await?;
    Ok(edited)
}

/// An anchor date as typed (`YYYY-MM-DD`); `None` when none is given.
pub fn anchor(text: &str) -> Result<Option<NaiveDate>, Error> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            Error::invalid(
                "anchor",
                format!("\"{text}\" is not a date; write it as YYYY-MM-DD, e.g. 2027-03-01"),
            )
        })
}

// ---- Programs ---------------------------------------------------------------------------

/// Admins and facilitators run programs: they start them, add cohorts, enrol people and
/// move anchors. A cohort's own facilitator may also enrol and remove its participants.
pub fn runs_programs(user: &User) -> bool {
    matches!(user.0.role, Role::Admin | Role::Facilitator)
}

/// What starting a program takes, from the form and the API alike.
#[derive(Debug, Default, Deserialize)]
pub struct StartForm {
    pub template: String,
    pub name: String,
    #[serde(default)]
    pub purpose: String,
    /// Skills from the directory, comma-separated in forms.
    #[serde(default)]
    pub skills: String,
    pub moment: String,
    pub anchor: String,
}

/// Skills as typed, each one the directory must already have: a program is for skills
/// people hold or want, and a typo should not add a skill to the company's list.
async fn directory_skills(state: &AppState, raw: &str) -> Result<Vec<SkillId>, Error> {
    let mut ids = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let name = SkillName::parse(part).map_err(|e| Error::invalid("skills", e.to_string()))?;
        let Some(id) = state.store.skill_by_name(&name).await? else {
            return Err(Error::invalid(
                "skills",
                format!("skills: the directory has no skill called \"{part}\"; pick one people hold or want"),
            ));
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.len() > program::MAX_PROGRAM_SKILLS {
        return Err(Error::invalid(
            "skills",
            format!(
                "skills: at most {} skills, not {}",
                program::MAX_PROGRAM_SKILLS,
                ids.len()
            ),
        ));
    }
    Ok(ids)
}

pub async fn start(state: &AppState, user: &User, form: &StartForm) -> Result<ProgramId, Error> {
    user.require_facilitator()?;
    let template = template(state, form.template.trim()).await.map_err(|_| {
        Error::invalid(
            "template",
            format!(
                "template: there is no template \"{}\"",
                form.template.trim()
            ),
        )
    })?;
    let new = NewProgram {
        name: program::program_name(&form.name)?,
        purpose: program::purpose(&form.purpose)?,
        moment: program::moment(&form.moment)?,
        anchor: program::day("anchor", &form.anchor)?,
        skills: directory_skills(state, &form.skills).await?,
        template,
    };
    Ok(state
        .store
        .create_program(&new, user.id(), state.now())
        .await?)
}

/// A program as its reader sees it.
pub struct ProgramCtx {
    pub program: Program,
    pub cohorts: Vec<Cohort>,
    /// The reader runs programs.
    pub manage: bool,
}

/// A program, for those who run programs, the people in one of its cohorts (participants,
/// waiting or facilitating), and everyone when a cohort is open for self-enrolment. Anyone
/// else is told it does not exist, as for a private space.
pub async fn program(state: &AppState, user: &User, id: ProgramId) -> Result<ProgramCtx, Error> {
    let program = state
        .store
        .program(id)
        .await?
        .ok_or_else(|| Error::not_found("program"))?;
    let cohorts = state.store.cohorts(id).await?;
    let manage = runs_programs(user);
    if !manage {
        let mine = state.store.my_cohorts(user.id()).await?;
        let involved = cohorts.iter().any(|c| {
            c.self_enrol
                || c.facilitator_id == Some(user.id())
                || mine.iter().any(|m| m.cohort.id == c.id)
        });
        if !involved {
            return Err(Error::not_found("program"));
        }
    }
    Ok(ProgramCtx {
        program,
        cohorts,
        manage,
    })
}

#[derive(Debug, Deserialize)]
pub struct AnchorForm {
    pub anchor: String,
}

/// Moves a program's business moment; every cohort's dates and sessions move with it, and
/// everyone invited is owed the updated invitation.
pub async fn move_anchor(
    state: &AppState,
    user: &User,
    id: ProgramId,
    form: &AnchorForm,
) -> Result<NaiveDate, Error> {
    user.require_facilitator()?;
    let day = program::day("anchor", &form.anchor)?;
    let program = sessions::program_by_id(state, id).await?;
    sessions::move_moment(state, &program, day).await?;
    Ok(day)
}

// ---- Cohorts ----------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct CohortForm {
    pub name: String,
    /// The facilitator's e-mail.
    pub facilitator: String,
    /// The cohort's first day of the schedule (its anchor); empty means the program's.
    #[serde(default)]
    pub starts: String,
    #[serde(default)]
    pub capacity: String,
    /// "on" from a checkbox, "true" from JSON-ish clients.
    #[serde(default)]
    pub self_enrol: String,
    /// The IANA zone its sessions are planned in; empty means the facilitator's (or UTC).
    #[serde(default)]
    pub time_zone: String,
}

fn checked(raw: &str) -> bool {
    matches!(raw.trim(), "on" | "true" | "1" | "yes")
}

/// A person named by e-mail in a form field.
async fn person_by_email(
    state: &AppState,
    field: &'static str,
    raw: &str,
) -> Result<Person, Error> {
    let email =
        Email::parse(raw).map_err(|e| Error::invalid(field, format!("{field}: {}", e.message)))?;
    state.store.person_by_email(&email).await?.ok_or_else(|| {
        Error::invalid(
            field,
            format!("{field}: nobody in the directory has the e-mail {email}"),
        )
    })
}

pub async fn add_cohort(
    state: &AppState,
    user: &User,
    program_id: ProgramId,
    form: &CohortForm,
) -> Result<CohortId, Error> {
    user.require_facilitator()?;
    let program = state
        .store
        .program(program_id)
        .await?
        .ok_or_else(|| Error::not_found("program"))?;
    let name = program::cohort_name(&form.name)?;
    let facilitator = person_by_email(state, "facilitator", &form.facilitator).await?;
    let shift_days = if form.starts.trim().is_empty() {
        0
    } else {
        program::shift_days(program.anchor, program::day("starts", &form.starts)?)?
    };
    let channel_name: String = format!("{} · {}", program.name, name)
        .chars()
        .take(space::MAX_NAME_CHARS)
        .collect();
    let zone = if form.time_zone.trim().is_empty() {
        program::zone(&facilitator.time_zone).unwrap_or(chrono_tz::UTC)
    } else {
        program::zone(&form.time_zone)?
    };
    let plan = sessions::plan(&program.template, shift(program.anchor, shift_days), zone)
        .into_iter()
        .map(|(stage, details)| (sessions::new_uid(&state.config.public_url), stage, details))
        .collect();
    let intro = prepare(
        state,
        program::INTRODUCTIONS_TITLE,
        program::INTRODUCTIONS_BODY,
    )
    .await?;
    let new = NewCohort {
        program_id,
        name,
        facilitator: facilitator.id,
        shift_days,
        capacity: program::capacity(&form.capacity)?,
        self_enrol: checked(&form.self_enrol),
        channel_description: format!(
            "The channel of this cohort of {}: introductions, prompts and what we learn between sessions.",
            program.name
        )
        .chars()
        .take(space::MAX_DESCRIPTION_CHARS)
        .collect(),
        channel_name,
        rules: space::DEFAULT_RULES.to_string(),
        intro_title: Title::parse(program::INTRODUCTIONS_TITLE)?,
        intro_question: program::INTRODUCTIONS_QUESTION.to_string(),
        intro,
        time_zone: zone.name().to_string(),
        sessions: plan,
    };
    Ok(state.store.create_cohort(&new, state.now()).await?)
}

/// A cohort as its reader sees it.
pub struct CohortCtx {
    pub cohort: Cohort,
    pub program: Program,
    /// Where the reader stands in it, if anywhere.
    pub state: Option<EnrolState>,
    /// The reader may enrol and remove people (runs programs, or facilitates this cohort).
    pub manage: bool,
    /// The reader may see who is in it (manages it, or is enrolled or waiting).
    pub see_people: bool,
}

/// A cohort: for those who run programs, its facilitator, its participants and the people on
/// its waiting list; everyone may see a cohort open for self-enrolment (to join it). Anyone
/// else gets a 404.
pub async fn cohort(state: &AppState, user: &User, id: CohortId) -> Result<CohortCtx, Error> {
    let cohort = state
        .store
        .cohort(id)
        .await?
        .ok_or_else(|| Error::not_found("cohort"))?;
    let my_state = state.store.enrolment_state(id, user.id()).await?;
    let manage = runs_programs(user) || cohort.facilitator_id == Some(user.id());
    let inside = matches!(my_state, Some(EnrolState::Enrolled | EnrolState::Waiting));
    if !manage && !inside && !cohort.self_enrol {
        return Err(Error::not_found("cohort"));
    }
    let program = state
        .store
        .program(cohort.program_id)
        .await?
        .ok_or_else(|| Error::not_found("program"))?;
    Ok(CohortCtx {
        cohort,
        program,
        state: my_state,
        see_people: manage || inside,
        manage,
    })
}

impl CohortCtx {
    pub fn require_manage(&self) -> Result<(), Error> {
        if self.manage {
            Ok(())
        } else {
            Err(Error::forbidden(
                "only the cohort's facilitator, a program facilitator or an admin may do this",
            ))
        }
    }

    /// The day this cohort's schedule is counted from.
    pub fn anchor(&self) -> NaiveDate {
        shift(self.program.anchor, self.cohort.shift_days)
    }
}

pub fn shift(day: NaiveDate, days: i64) -> NaiveDate {
    let moved = if days >= 0 {
        day.checked_add_days(chrono::Days::new(days.unsigned_abs()))
    } else {
        day.checked_sub_days(chrono::Days::new(days.unsigned_abs()))
    };
    moved.unwrap_or(day)
}

/// Who to enrol: pasted e-mails, a directory filter, or both.
#[derive(Debug, Default, Deserialize)]
pub struct EnrolForm {
    /// E-mails separated by commas, semicolons, spaces or new lines.
    #[serde(default)]
    pub emails: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub function: String,
    #[serde(default)]
    pub location: String,
    /// "on": only people managers (people with direct reports).
    #[serde(default)]
    pub managers: String,
}

/// What an enrolment did, with names, for the page's message and the API's answer.
#[derive(Debug, Serialize)]
pub struct Enrolled {
    pub enrolled: usize,
    pub waiting: usize,
    pub already: usize,
}

/// Enrols the people a form names. Every e-mail must be someone in the directory, and a
/// filter must name at least one facet; otherwise nothing is written.
pub async fn enrol(
    state: &AppState,
    user: &User,
    id: CohortId,
    form: &EnrolForm,
) -> Result<Enrolled, Error> {
    let ctx = cohort(state, user, id).await?;
    ctx.require_manage()?;
    let mut people: Vec<PersonId> = Vec::new();
    let mut unknown = Vec::new();
    let emails: Vec<&str> = form
        .emails
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if emails.len() > program::MAX_ENROL_BATCH {
        return Err(Error::invalid(
            "emails",
            format!(
                "emails: at most {} at a time, not {}",
                program::MAX_ENROL_BATCH,
                emails.len()
            ),
        ));
    }
    for raw in emails {
        let email = Email::parse(raw)
            .map_err(|e| Error::invalid("emails", format!("emails: \"{raw}\": {}", e.message)))?;
        match state.store.person_by_email(&email).await? {
            Some(p) => people.push(p.id),
            None => unknown.push(email.to_string()),
        }
    }
    if !unknown.is_empty() {
        return Err(Error::invalid(
            "emails",
            format!(
                "emails: nobody in the directory has {}; nobody was enrolled",
                unknown.join(", ")
            ),
        ));
    }
    let filter = DirectoryFilter {
        query: String::new(),
        department: form.department.trim().to_string(),
        location: form.location.trim().to_string(),
        function: form.function.trim().to_string(),
        managers_only: checked(&form.managers),
    };
    let filtered = !filter.department.is_empty()
        || !filter.location.is_empty()
        || !filter.function.is_empty()
        || filter.managers_only;
    if filtered {
        let limit = program::MAX_ENROL_BATCH as i64;
        let (found, total) = state.store.directory(&filter, limit, 0).await?;
        if total > limit {
            return Err(Error::invalid(
                "department",
                format!(
                    "the filter matches {total} people, more than {limit} at a time; narrow it"
                ),
            ));
        }
        if found.is_empty() {
            return Err(Error::invalid(
                "department",
                "nobody in the directory matches that filter",
            ));
        }
        people.extend(found.into_iter().map(|p| p.id));
    }
    if people.is_empty() {
        return Err(Error::invalid(
            "emails",
            "say who to enrol: paste their e-mails or choose a department, function, location or people managers",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    people.retain(|p| seen.insert(*p));
    let report = state
        .store
        .enrol(id, &people, Some(user.id()), state.now())
        .await?;
    registered(state, &ctx, &report.enrolled).await?;
    if report.enrolled.is_empty() && report.waiting.is_empty() {
        return Err(Error::conflict(if report.already.len() == 1 {
            "that person is already in this cohort".to_string()
        } else {
            format!(
                "all {} people are already in this cohort",
                report.already.len()
            )
        }));
    }
    Ok(Enrolled {
        enrolled: report.enrolled.len(),
        waiting: report.waiting.len(),
        already: report.already.len(),
    })
}

/// Records an xAPI `registered` statement for each person enrolled (not the waiting list).
async fn registered(state: &AppState, ctx: &CohortCtx, people: &[PersonId]) -> Result<(), Error> {
    if people.is_empty() {
        return Ok(());
    }
    let action = crate::lrs::social::Action::Registered {
        space: crate::lrs::social::SpaceRef {
            id: ctx.cohort.space_id,
            name: format!("{} · {}", ctx.program.name, ctx.cohort.name),
            visibility: space::Visibility::Private,
        },
        cohort: ctx.cohort.id,
        name: format!("{} · {}", ctx.program.name, ctx.cohort.name),
    };
    let base = state.config.public_url.trim_end_matches('/');
    for p in state.store.people_by_ids(people).await? {
        if let Err(e) = crate::lrs::social::write(
            &state.store,
            base,
            (&p.name, &p.email),
            &action,
            state.now(),
        )
        .await
        {
            tracing::error!(error = %e, "could not record a registration statement");
        }
    }
    Ok(())
}

/// Joins a cohort that is open for self-enrolment; past its capacity, its waiting list.
pub async fn join(state: &AppState, user: &User, id: CohortId) -> Result<EnrolState, Error> {
    let ctx = cohort(state, user, id).await?;
    if matches!(ctx.state, Some(EnrolState::Enrolled | EnrolState::Waiting)) {
        return Err(Error::conflict("you are already in this cohort"));
    }
    if !ctx.cohort.self_enrol {
        return Err(Error::forbidden(
            "this cohort is not open for self-enrolment; ask its facilitator to enrol you",
        ));
    }
    let report = state
        .store
        .enrol(id, &[user.id()], None, state.now())
        .await?;
    if !report.already.is_empty() {
        return Err(Error::conflict("you are already in this cohort"));
    }
    Ok(if report.waiting.is_empty() {
        EnrolState::Enrolled
    } else {
        EnrolState::Waiting
    })
}

/// Takes someone out of a cohort: themselves, or, for those who manage it, anyone. Returns
/// who moved up from the waiting list.
pub async fn unenrol(
    state: &AppState,
    user: &User,
    id: CohortId,
    person: PersonId,
) -> Result<Option<PersonId>, Error> {
    let ctx = cohort(state, user, id).await?;
    if person != user.id() {
        ctx.require_manage()?;
    }
    Ok(state
        .store
        .unenrol(id, person, Some(user.id()), state.now())
        .await?)
}

#[derive(Debug, Deserialize)]
pub struct FacilitatorForm {
    pub facilitator: String,
}

/// Hands a cohort to another facilitator, who must manage none of its people.
pub async fn set_facilitator(
    state: &AppState,
    user: &User,
    id: CohortId,
    form: &FacilitatorForm,
) -> Result<Person, Error> {
    user.require_facilitator()?;
    cohort(state, user, id).await?;
    let person = person_by_email(state, "facilitator", &form.facilitator).await?;
    state
        .store
        .set_facilitator(id, person.id, state.now())
        .await?;
    Ok(person)
}
