//! `peerlab demo`: fills an empty database with the demo company, once.

use peerlab_core::demo::company;
use peerlab_core::import::ImportPlan;
use peerlab_core::{Email, Role};
use peerlab_store::Store;
use rand::SeedableRng;

/// The demo accounts' password. Demo data is for trying peerlab out, never for production.
pub const PASSWORD: &str = "peerlab-demo";

pub struct Logins {
    pub admin: Email,
    pub facilitator: Email,
    pub member: Email,
}

/// Creates the demo company unless the database already has people, and returns the logins.
pub async fn ensure(store: &Store, people: usize, now: i64) -> anyhow::Result<Logins> {
    // The company is deterministic: the same seed gives the same people every time.
    let demo = company(&mut rand::rngs::StdRng::seed_from_u64(2026), people);
    let logins = Logins {
        admin: demo.logins.admin.clone(),
        facilitator: demo.logins.facilitator.clone(),
        member: demo.logins.member.clone(),
    };
    // The steps below are each idempotent, so a demo whose creation was interrupted is
    // completed on the next start; one whose admin can log in is done.
    match store.person_by_email(&logins.admin).await? {
        Some(admin) if admin.has_login => return Ok(logins),
        None if store.count_people().await? > 0 => anyhow::bail!(
            "this database already has people but not the demo company; use `peerlab serve` for it, \
             or a new --data-dir for the demo"
        ),
        _ => {}
    }
    println!("Creating the demo company ({} people)…", demo.people.len());
    store
        .apply_import(
            &ImportPlan {
                people: demo.people,
            },
            now,
            &|_| {},
        )
        .await?;
    for e in &demo.endorsements {
        store
            .endorse_by_email(&e.endorser, &e.person, &e.skill, now)
            .await?;
    }
    let hash = peerlab_web::hash_password(PASSWORD).map_err(|e| anyhow::anyhow!(e.message))?;
    // The admin's password comes last: it marks the demo as complete.
    for (email, role) in [
        (&logins.member, Role::Member),
        (&logins.facilitator, Role::Facilitator),
        (&logins.admin, Role::Admin),
    ] {
        let person = store
            .person_by_email(email)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo login {email} missing"))?;
        store.set_role(person.id, role).await?;
        store.set_password(person.id, &hash).await?;
    }
    Ok(logins)
}
