//! The read policy, asked once: for every site role × membership × visibility, the spaces
//! list, search (global and inside the space) and notifications include a person exactly
//! when `Access::of(visibility, viewer).read` says they may read the space. The store builds
//! these queries from one SQL fragment (`spaces/policy.rs`); this test is what keeps the
//! fragment and `Access` saying the same thing.

use crate::common::{Api, Backend};
use peerlab_core::space::{
    Access, Body, SpaceKind, SpaceRole, ThreadKind, Title, Viewer, Visibility, DEFAULT_RULES,
};
use peerlab_core::Role;
use peerlab_store::{NewSpace, NewThread, PersonId, PostInput};
use reqwest::StatusCode;
use serde_json::Value;

backend_tests!(listings_search_and_notifications_follow_access);

fn ids(v: &Value, list: &str, key: &str) -> Vec<i64> {
    v[list]
        .as_array()
        .unwrap_or_else(|| panic!("{list} in {v}"))
        .iter()
        .filter_map(|x| x[key].as_i64())
        .collect()
}

async fn listings_search_and_notifications_follow_access(b: Backend) {
    let app = crate::common::spawn(b).await;
    let store = &app.store;
    let owner = app
        .user("owner@x.com", "The owner", Role::Facilitator)
        .await;
    struct Person {
        role: Role,
        member: bool,
        id: PersonId,
        api: Api,
    }
    let mut people = Vec::new();
    for role in [Role::Admin, Role::Facilitator, Role::Member] {
        for member in [false, true] {
            let email = format!(
                "{}-{}@x.com",
                role.as_str(),
                if member { "in" } else { "out" }
            );
            let id = app.user(&email, &format!("A {role}"), role).await;
            let api = app.api_as(&email).await;
            people.push(Person {
                role,
                member,
                id,
                api,
            });
        }
    }
    let mut checks = 0;
    let mut failures = Vec::new();
    for &visibility in Visibility::ALL {
        let now = app.now();
        let space = store
            .create_space(
                &NewSpace {
                    name: format!("Policy {visibility}"),
                    description: String::new(),
                    kind: SpaceKind::Community,
                    visibility,
                    rules: DEFAULT_RULES.into(),
                },
                owner,
                now,
            )
            .await
            .expect("space");
        for p in people.iter().filter(|p| p.member) {
            store
                .add_member(space, p.id, SpaceRole::Member, None, now)
                .await
                .expect("member");
        }
        // One word that only this space's post has, and a mention of everyone.
        let word = format!("quokka{}", visibility.as_str());
        let body = format!("Who has tried the {word} retro?");
        store
            .create_thread(
                &NewThread {
                    space_id: space,
                    kind: ThreadKind::Discussion,
                    title: Title::parse(&format!("About {word}")).expect("title"),
                    question: String::new(),
                    skills: Vec::new(),
                    post: PostInput {
                        body: Body::parse(&body).expect("body"),
                        body_html: body.clone(),
                        search_text: peerlab_core::text::index_text([body.as_str()]),
                        mentions: people.iter().map(|p| p.id).collect(),
                    },
                },
                owner,
                now,
            )
            .await
            .expect("thread");
        for p in &people {
            let viewer = Viewer {
                site_role: p.role,
                membership: p.member.then_some(SpaceRole::Member),
            };
            let read = Access::of(visibility, viewer).read;
            let who = format!(
                "{} ({}) in a {visibility} space",
                p.role,
                if p.member { "member" } else { "not a member" }
            );
            let mut check = |what: &str, got: bool, want: bool| {
                checks += 1;
                if got != want {
                    failures.push(format!("{who}: {what} is {got}, Access says {want}"));
                }
            };
            let (st, listed) = p.api.get("/spaces").await;
            assert_eq!(st, StatusCode::OK, "{listed}");
            check(
                "listed",
                ids(&listed, "spaces", "id").contains(&space.get()),
                read,
            );

            // Global search never shows a confidential space, even to its members.
            let (st, found) = p.api.get(&format!("/search?q={word}")).await;
            assert_eq!(st, StatusCode::OK, "{found}");
            let global = read && visibility != Visibility::Confidential;
            check(
                "found by global search",
                ids(&found, "results", "space_id").contains(&space.get()),
                global,
            );

            let (st, inside) = p.api.get(&format!("/search?q={word}&space={space}")).await;
            let inside =
                st == StatusCode::OK && ids(&inside, "results", "space_id").contains(&space.get());
            check("found by search in the space", inside, read);

            let (st, notes) = p.api.get("/notifications").await;
            assert_eq!(st, StatusCode::OK, "{notes}");
            check(
                "notified of the mention",
                ids(&notes, "notifications", "space_id").contains(&space.get()),
                read,
            );
            let unread = store.unread_count(p.id).await.expect("unread");
            let readable_before = people_read_before(visibility, p.role, p.member);
            check(
                "counted in the bell",
                unread == readable_before + i64::from(read),
                true,
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checks} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(checks, 3 * 6 * 5);
}

/// How many of the spaces made before this visibility (in `Visibility::ALL` order) the person
/// may read, each of which left them one unread mention.
fn people_read_before(visibility: Visibility, role: Role, member: bool) -> i64 {
    Visibility::ALL
        .iter()
        .take_while(|v| **v != visibility)
        .filter(|v| {
            Access::of(
                **v,
                Viewer {
                    site_role: role,
                    membership: member.then_some(SpaceRole::Member),
                },
            )
            .read
        })
        .count() as i64
}
