//! The template pages: the catalogue, and one template with its schedule for an anchor date.

use askama::Template as Page;
use axum::extract::{Path, Query};
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use peerlab_core::program::{self, Activity, Stage, Template};

use super::ops::{self, AnchorQuery};
use crate::kit::page::{render, ForUser, Nav, PageResult};
use crate::kit::session::User;
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/programs/templates", get(catalogue))
        .route("/programs/templates/{key}", get(one))
}

#[derive(Page)]
#[template(path = "programs/templates.html")]
struct CataloguePage {
    nav: Nav,
    templates: Vec<Template>,
}

/// Facilitators and admins start programs, so they are the ones who browse templates.
async fn catalogue(user: User) -> PageResult {
    user.require_facilitator().for_user(&user)?;
    Ok(render(&CataloguePage {
        nav: Nav::new(Some(&user), "programs"),
        templates: program::shipped(),
    }))
}

#[derive(Page)]
#[template(path = "programs/template.html")]
struct TemplatePage {
    nav: Nav,
    template: Template,
    anchor: String,
    stages: Vec<StageView>,
}

/// A stage as the page shows it: when it runs (dates once an anchor is given, offsets
/// before), and when each activity happens.
struct StageView {
    stage: Stage,
    when: String,
    activities: Vec<(Activity, String)>,
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

fn views(template: &Template, anchor: Option<NaiveDate>) -> Vec<StageView> {
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
                activities,
            }
        })
        .collect()
}

/// One template. With `?anchor=YYYY-MM-DD` every stage and activity gets its date.
async fn one(user: User, Path(key): Path<String>, Query(q): Query<AnchorQuery>) -> PageResult {
    user.require_facilitator().for_user(&user)?;
    let template = ops::template(&key).for_user(&user)?;
    let day = ops::anchor(&q.anchor).for_user(&user)?;
    let anchor = q.anchor.trim().to_string();
    let stages = views(&template, day);
    Ok(render(&TemplatePage {
        nav: Nav::new(Some(&user), "programs"),
        template,
        anchor,
        stages,
    }))
}
