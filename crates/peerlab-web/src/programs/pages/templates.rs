//! The template catalogue and one template: its stages with dates for an anchor, the form
//! to start a program from it, and copying and editing the company's own templates.

use super::*;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/programs/templates", get(catalogue))
        .route("/programs/templates/{key}", get(one).post(edit_template))
        .route("/programs/templates/{key}/copy", post(copy_template))
}

// ---- Templates -------------------------------------------------------------------------

#[derive(Page)]
#[template(path = "programs/templates.html")]
struct CataloguePage {
    nav: Nav,
    templates: Vec<Template>,
}

/// Facilitators and admins start programs, so they are the ones who browse templates.
async fn catalogue(State(state): State<AppState>, user: User) -> PageResult {
    user.require_facilitator().for_user(&user)?;
    Ok(render(&CataloguePage {
        nav: Nav::new(Some(&user), "programs"),
        templates: ops::templates(&state).await.for_user(&user)?,
    }))
}

#[derive(Page)]
#[template(path = "programs/template.html")]
struct TemplatePage {
    nav: Nav,
    template: Template,
    anchor: String,
    stages: Vec<StageView>,
    csrf: String,
    form: StartForm,
    notice: Notice,
    /// One of the company's templates (editable), not a shipped one.
    editable: bool,
    /// The template's JSON, for the editor.
    json: String,
}

/// A stage as the pages show it: when it runs (dates once an anchor is given, offsets
/// before), where it is today, and when each activity happens.
pub(super) struct StageView {
    pub(super) stage: Stage,
    pub(super) when: String,
    pub(super) phase: Option<Phase>,
    pub(super) activities: Vec<(Activity, String)>,
}

fn offset(days: i32) -> String {
    match days {
        0 => "from the day itself".to_string(),
        1 => "1 day after".to_string(),
        -1 => "1 day before".to_string(),
        d if d < 0 => format!("{} days before", -d),
        d => format!("{d} days after"),
    }
}

pub(super) fn views(
    template: &Template,
    anchor: Option<NaiveDate>,
    today: Option<NaiveDate>,
) -> Vec<StageView> {
    let plan = anchor.map(|day| program::schedule(template, day));
    template
        .stages
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            let dates = plan.as_ref().map(|p| &p[i]);
            let when = match dates {
                Some(d) => format!(
                    "{} – {}",
                    d.starts.format("%a %-d %b %Y"),
                    d.ends.format("%a %-d %b %Y")
                ),
                None => format!("{}, for {} days", offset(stage.start_day), stage.days),
            };
            let activities = stage
                .activities
                .iter()
                .enumerate()
                .map(|(j, a)| {
                    let on = match dates {
                        Some(d) => d.activities[j].on.format("%a %-d %b").to_string(),
                        None => format!("day {} of the stage", a.day + 1),
                    };
                    (a.clone(), on)
                })
                .collect();
            StageView {
                stage: stage.clone(),
                when,
                phase: dates.zip(today).map(|(d, t)| Phase::of(d, t)),
                activities,
            }
        })
        .collect()
}

pub(super) async fn template_page(
    state: &AppState,
    user: &User,
    key: &str,
    anchor: &str,
    form: StartForm,
    notice: Notice,
    json: Option<String>,
) -> PageResult {
    user.require_facilitator().for_user(user)?;
    let template = ops::template(state, key).await.for_user(user)?;
    let day = ops::anchor(anchor).for_user(user)?;
    let stages = views(&template, day, None);
    let json = json.unwrap_or_else(|| serde_json::to_string_pretty(&template).unwrap_or_default());
    let status = notice.status;
    let r = render(&TemplatePage {
        nav: Nav::new(Some(user), "programs"),
        editable: !ops::is_shipped(&template.key),
        json,
        template,
        anchor: anchor.trim().to_string(),
        stages,
        csrf: user.0.csrf_token.clone(),
        form,
        notice,
    });
    Ok(with_status(r, status))
}

/// One template. With `?anchor=YYYY-MM-DD` every stage and activity gets its date, and the
/// form to start a program from it is filled in with that date.
async fn one(
    State(state): State<AppState>,
    user: User,
    Path(key): Path<String>,
    Query(q): Query<AnchorQuery>,
    Query(d): Query<DoneQuery>,
) -> PageResult {
    let form = StartForm {
        template: key.clone(),
        anchor: q.anchor.trim().to_string(),
        ..StartForm::default()
    };
    template_page(&state, &user, &key, &q.anchor, form, d.notice(), None).await
}

#[derive(Deserialize)]
struct CopyForm {
    name: String,
}

async fn copy_template(
    State(state): State<AppState>,
    Path(key): Path<String>,
    f: CsrfForm<CopyForm>,
) -> PageResult {
    match ops::copy_template(&state, &f.user, &key, &f.form.name).await {
        Ok(copy) => Ok(see_other(&format!(
            "/programs/templates/{}?done=copied#edit",
            copy.key
        ))),
        Err(e) if shown(&e) => {
            let form = StartForm {
                template: key.clone(),
                ..StartForm::default()
            };
            template_page(&state, &f.user, &key, "", form, Notice::refused(&e), None).await
        }
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}

#[derive(Deserialize)]
struct EditForm {
    json: String,
}

async fn edit_template(
    State(state): State<AppState>,
    Path(key): Path<String>,
    f: CsrfForm<EditForm>,
) -> PageResult {
    match ops::edit_template(&state, &f.user, &key, &f.form.json).await {
        Ok(_) => Ok(see_other(&format!(
            "/programs/templates/{key}?done=template-saved"
        ))),
        Err(e) if shown(&e) => {
            let form = StartForm {
                template: key.clone(),
                ..StartForm::default()
            };
            template_page(
                &state,
                &f.user,
                &key,
                "",
                form,
                Notice::refused(&e),
                Some(f.form.json),
            )
            .await
        }
        Err(e) => Err(PageError::new(Some(f.user), e)),
    }
}
