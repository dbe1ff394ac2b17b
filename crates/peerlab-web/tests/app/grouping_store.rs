//! The store feeds the grouping engine: people written by the real import come back from
//! `Store::grouping_facts` with the attributes, skills, wants and managers the engine uses,
//! on both databases, and form the same pool as the people file they were imported from.

use crate::common::Backend;
use peerlab_core::grouping::{PersonFacts, Pool};
use peerlab_core::import::{parse_csv, ExistingManagers};
use peerlab_core::Email;
use peerlab_store::PersonId;

// Skills and wants are listed in the order the store returns them (by skill key), so the
// file and the store describe each person identically. Ana's row creates SQL before
// Coaching, so Ben's wants come out of the tables in the other order unless sorted.
const PEOPLE: &str =
    "name,email,title,department,function,location,time_zone,manager_email,skills,wants_to_learn\n\
    Ana Silva,ana@x.com,VP,Sales,Sales,Lisbon,Europe/Lisbon,,Negotiation:5; SQL:2,Coaching\n\
    Ben Ode,ben@x.com,AE,Sales,Finance,Lisbon,Europe/Lisbon,ana@x.com,Negotiation:2,Coaching; SQL\n\
    Cy Park,cy@x.com,Analyst,Finance,Finance,Berlin,Europe/Berlin,ana@x.com,SQL:4,\n\
    Dee Roy,dee@x.com,,,,,,cy@x.com,,\n";

fn email(s: &str) -> Email {
    Email::parse(s).expect("email")
}

async fn facts_come_from_the_store(backend: Backend) {
    let app = crate::common::spawn(backend).await;
    let plan = parse_csv(PEOPLE.as_bytes(), &ExistingManagers::new()).expect("valid file");
    app.store
        .apply_import(&plan, app.now(), &|_| {})
        .await
        .expect("import");
    let mut ids = Vec::new();
    for e in ["ana@x.com", "ben@x.com", "cy@x.com", "dee@x.com"] {
        let person = app.store.person_by_email(&email(e)).await.expect("read");
        ids.push(person.expect("imported").id);
    }

    // Asked in another order, with a repeat and an id that names nobody.
    let asked = [
        ids[2],
        ids[0],
        ids[3],
        ids[0],
        ids[1],
        PersonId::new(999_999),
    ];
    let facts = app.store.grouping_facts(&asked).await.expect("facts");
    let order: Vec<Option<i64>> = facts.iter().map(|f| f.id).collect();
    assert_eq!(
        order,
        [2, 0, 3, 1].map(|i| Some(ids[i].get())).to_vec(),
        "in the order asked, each person once, nobody invented"
    );
    let cy = &facts[0];
    assert_eq!(cy.name.as_str(), "Cy Park");
    assert_eq!(cy.department.as_deref(), Some("Finance"));
    assert_eq!(cy.location.as_deref(), Some("Berlin"));
    assert_eq!(
        cy.time_zone.as_ref().map(|t| t.as_str()),
        Some("Europe/Berlin")
    );
    assert_eq!(cy.manager, Some(email("ana@x.com")));
    let ben = &facts[3];
    let skills: Vec<(&str, u8)> = ben
        .skills
        .iter()
        .map(|(s, l)| (s.as_str(), l.get()))
        .collect();
    assert_eq!(skills, vec![("Negotiation", 2)]);
    let wants: Vec<&str> = ben.wants.iter().map(|w| w.as_str()).collect();
    assert_eq!(wants, vec!["Coaching", "SQL"], "sorted by skill key");
    let dee = &facts[2];
    assert_eq!(
        (&dee.department, &dee.time_zone, dee.skills.len()),
        (&None, &None, 0),
        "empty attributes are unknown, not empty text"
    );
    assert_eq!(dee.manager, Some(email("cy@x.com")));

    // A manager outside the asked people is still named, but makes no pair in the pool.
    let pool = Pool::from_people(
        app.store
            .grouping_facts(&[ids[1], ids[2], ids[3]])
            .await
            .expect("facts"),
    )
    .expect("pool");
    assert_eq!(pool.people()[0].manager, Some(email("ana@x.com")));
    assert_eq!(pool.manager_pairs(), vec![(1, 2)], "Cy manages Dee");

    // The stored people are the people of the file, as the engine sees them.
    let from_file = Pool::from_csv(PEOPLE.as_bytes()).expect("pool");
    let stored = app.store.grouping_facts(&ids).await.expect("facts");
    let without_ids: Vec<PersonFacts> = stored
        .into_iter()
        .map(|f| PersonFacts { id: None, ..f })
        .collect();
    assert_eq!(without_ids, from_file.people());

    assert!(app
        .store
        .grouping_facts(&[])
        .await
        .expect("nobody")
        .is_empty());
}

async fn a_large_pool_is_read_in_rounds(backend: Backend) {
    let app = crate::common::spawn(backend).await;
    // More people than one round of queries takes, each managed by the previous one.
    let mut csv = String::from("name,email,manager_email,skills\n");
    for k in 0..1_200 {
        let manager = if k == 0 {
            String::new()
        } else {
            format!("p{}@x.com", k - 1)
        };
        csv.push_str(&format!("P {k},p{k}@x.com,{manager},SQL:{}\n", k % 5 + 1));
    }
    let plan = parse_csv(csv.as_bytes(), &ExistingManagers::new()).expect("valid file");
    app.store
        .apply_import(&plan, app.now(), &|_| {})
        .await
        .expect("import");
    let mut ids = Vec::new();
    for k in 0..1_200 {
        let e = email(&format!("p{k}@x.com"));
        ids.push(
            app.store
                .person_by_email(&e)
                .await
                .expect("read")
                .expect("imported")
                .id,
        );
    }
    ids.reverse();
    let facts = app.store.grouping_facts(&ids).await.expect("facts");
    assert_eq!(facts.len(), 1_200);
    assert_eq!(facts[0].email, email("p1199@x.com"));
    assert_eq!(facts[0].manager, Some(email("p1198@x.com")));
    assert_eq!(facts[0].skills[0].1.get(), (1199 % 5 + 1) as u8);
    assert_eq!(facts[1_199].manager, None);
    let pool = Pool::from_people(facts).expect("pool");
    assert_eq!(pool.manager_pairs().len(), 1_199);
}

backend_tests!(facts_come_from_the_store, a_large_pool_is_read_in_rounds);
