//! The demo company: a realistic organisation for `peerlab demo` and for benchmarks.
//! Deterministic for a given random generator, which the caller seeds.

use rand::seq::SliceRandom;
use rand::Rng;

use crate::import::PersonRecord;
use crate::values::{Email, Level, PersonName, SkillName, TimeZone};

struct Department {
    name: &'static str,
    functions: &'static [&'static str],
    skills: &'static [&'static str],
}

const DEPARTMENTS: &[Department] = &[
    Department {
        name: "Engineering",
        functions: &[
            "Backend Engineering",
            "Frontend Engineering",
            "Site Reliability",
            "Data Engineering",
        ],
        skills: &[
            "Rust",
            "PostgreSQL",
            "System design",
            "Code review",
            "Incident response",
            "Kubernetes",
            "TypeScript",
            "Testing",
        ],
    },
    Department {
        name: "Product",
        functions: &["Product Management", "Product Design", "User Research"],
        skills: &[
            "Roadmapping",
            "User interviews",
            "Prototyping",
            "Prioritisation",
            "Accessibility",
            "Experiment design",
        ],
    },
    Department {
        name: "Sales",
        functions: &[
            "Account Executive",
            "Sales Development",
            "Sales Engineering",
        ],
        skills: &[
            "Negotiation",
            "Discovery calls",
            "Objection handling",
            "Forecasting",
            "Solution selling",
            "CRM hygiene",
        ],
    },
    Department {
        name: "Marketing",
        functions: &[
            "Content Marketing",
            "Product Marketing",
            "Demand Generation",
        ],
        skills: &[
            "Copywriting",
            "Storytelling",
            "SEO",
            "Campaign analytics",
            "Positioning",
            "Brand design",
        ],
    },
    Department {
        name: "Customer Success",
        functions: &["Customer Success Management", "Support", "Onboarding"],
        skills: &[
            "De-escalation",
            "Active listening",
            "Onboarding design",
            "Renewals",
            "Troubleshooting",
            "Empathy",
        ],
    },
    Department {
        name: "Finance",
        functions: &["Accounting", "Financial Planning", "Procurement"],
        skills: &[
            "Financial modelling",
            "Budgeting",
            "Excel",
            "Vendor negotiation",
            "Compliance",
            "Forecasting",
        ],
    },
    Department {
        name: "People & Culture",
        functions: &["Learning & Development", "Recruiting", "People Partnering"],
        skills: &[
            "Facilitation",
            "Instructional design",
            "Interviewing",
            "Coaching",
            "Change management",
            "Employment law",
        ],
    },
    Department {
        name: "Operations",
        functions: &["Business Operations", "IT", "Workplace"],
        skills: &[
            "Process improvement",
            "Project management",
            "SQL",
            "Vendor management",
            "Security awareness",
            "Lean",
        ],
    },
    Department {
        name: "Legal",
        functions: &["Commercial Legal", "Privacy"],
        skills: &[
            "Contract drafting",
            "Data protection",
            "Negotiation",
            "Risk assessment",
            "Plain-language writing",
        ],
    },
];

/// Skills anyone may have: the human skills peer learning is mostly about.
const COMMON_SKILLS: &[&str] = &[
    "Giving feedback",
    "Public speaking",
    "Presenting",
    "Writing",
    "Mentoring",
    "Time management",
    "Conflict resolution",
    "Cross-cultural communication",
    "Data analysis",
    "Decision making",
];

const MANAGER_SKILLS: &[&str] = &[
    "People management",
    "Coaching",
    "Giving feedback",
    "Hiring",
    "Performance reviews",
];

const LOCATIONS: &[(&str, &str)] = &[
    ("Lisbon", "Europe/Lisbon"),
    ("London", "Europe/London"),
    ("Berlin", "Europe/Berlin"),
    ("New York", "America/New_York"),
    ("Austin", "America/Chicago"),
    ("São Paulo", "America/Sao_Paulo"),
    ("Bengaluru", "Asia/Kolkata"),
    ("Singapore", "Asia/Singapore"),
    ("Sydney", "Australia/Sydney"),
];

const FIRST: &[&str] = &[
    "Ana",
    "Ben",
    "Chloé",
    "Dmitri",
    "Ebony",
    "Farah",
    "Gabriel",
    "Hana",
    "Ibrahim",
    "Jia",
    "Kwame",
    "Lucía",
    "Mateus",
    "Nadia",
    "Oskar",
    "Priyanka",
    "Quentin",
    "Rosa",
    "Sipho",
    "Tamar",
    "Uma",
    "Viktor",
    "Wei",
    "Ximena",
    "Yusuf",
    "Zoë",
    "Aoife",
    "Bilal",
    "Carmen",
    "Deepak",
    "Elif",
    "Finn",
    "Greta",
    "Hiro",
    "Inés",
    "Jonas",
    "Kemi",
    "Leila",
    "Łukasz",
    "Mei",
    "Noor",
    "Olu",
    "Paulo",
    "Rania",
    "Siobhán",
    "Teodor",
    "Valentina",
    "Yara",
];

const LAST: &[&str] = &[
    "Silva",
    "Okafor",
    "Müller",
    "Nakamura",
    "Haddad",
    "Kowalski",
    "Fernández",
    "Osei",
    "Chen",
    "Patel",
    "Johansson",
    "Nguyen",
    "Rossi",
    "Dubois",
    "Mensah",
    "Ivanova",
    "O'Brien",
    "García",
    "Kim",
    "Andersen",
    "Santos",
    "Abebe",
    "Tanaka",
    "Novak",
    "Ramírez",
    "Singh",
    "Lindqvist",
    "Moreau",
    "Adeyemi",
    "Costa",
    "Yilmaz",
    "Horvat",
    "Bauer",
    "Park",
    "Lopes",
    "Eriksen",
    "Wójcik",
    "Mbeki",
    "Rahman",
    "Becker",
];

/// The three people whose logins `peerlab demo` prints.
#[derive(Debug, Clone)]
pub struct DemoLogins {
    pub admin: Email,
    pub facilitator: Email,
    pub member: Email,
}

/// An endorsement in the demo data: `endorser` vouches for `person`'s `skill`.
#[derive(Debug, Clone)]
pub struct DemoEndorsement {
    pub endorser: Email,
    pub person: Email,
    pub skill: SkillName,
}

#[derive(Debug, Clone)]
pub struct DemoCompany {
    pub people: Vec<PersonRecord>,
    pub endorsements: Vec<DemoEndorsement>,
    pub logins: DemoLogins,
}

fn skill(name: &str) -> SkillName {
    SkillName::parse(name).unwrap_or_else(|e| panic!("demo skill {name:?} is invalid: {e}"))
}

struct Builder {
    people: Vec<PersonRecord>,
    used_emails: std::collections::HashSet<String>,
}

impl Builder {
    #[allow(clippy::too_many_arguments)]
    fn person(
        &mut self,
        rng: &mut impl Rng,
        name: Option<&str>,
        title: &str,
        dept: &Department,
        function: &str,
        manager: Option<Email>,
        is_manager: bool,
    ) -> Email {
        let name = match name {
            Some(n) => n.to_string(),
            None => format!(
                "{} {}",
                FIRST[rng.gen_range(0..FIRST.len())],
                LAST[rng.gen_range(0..LAST.len())]
            ),
        };
        let base = crate::text::fold(&name)
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != ' ', "")
            .replace(' ', ".");
        let mut local = base.clone();
        let mut k = 2;
        while !self.used_emails.insert(local.clone()) {
            local = format!("{base}{k}");
            k += 1;
        }
        let email = Email::parse(&format!("{local}@example.com"))
            .unwrap_or_else(|e| panic!("demo e-mail: {e}"));
        let (city, tz) = LOCATIONS[rng.gen_range(0..LOCATIONS.len())];
        let mut skills: Vec<(SkillName, Level)> = Vec::new();
        let add = |name: &str, level: i64, skills: &mut Vec<(SkillName, Level)>| {
            let s = skill(name);
            if !skills.iter().any(|(k, _)| k.key() == s.key()) {
                skills.push((
                    s,
                    Level::new(level.clamp(1, 5)).unwrap_or_else(|e| panic!("{e}")),
                ));
            }
        };
        let bonus: i64 = if is_manager { 1 } else { 0 };
        let count = rng.gen_range(2..=4);
        for s in dept
            .skills
            .choose_multiple(rng, count)
            .copied()
            .collect::<Vec<_>>()
        {
            let level = rng.gen_range(1..=4) + bonus;
            add(s, level, &mut skills);
        }
        let count = rng.gen_range(1..=2);
        for s in COMMON_SKILLS
            .choose_multiple(rng, count)
            .copied()
            .collect::<Vec<_>>()
        {
            let level = rng.gen_range(1..=4);
            add(s, level, &mut skills);
        }
        if is_manager {
            for s in MANAGER_SKILLS
                .choose_multiple(rng, 2)
                .copied()
                .collect::<Vec<_>>()
            {
                let level = rng.gen_range(2..=5);
                add(s, level, &mut skills);
            }
        }
        let others: Vec<&str> = DEPARTMENTS
            .iter()
            .flat_map(|d| d.skills.iter().copied())
            .chain(COMMON_SKILLS.iter().copied())
            .filter(|s| !skills.iter().any(|(k, _)| k.key() == skill(s).key()))
            .collect();
        let mut wants: Vec<SkillName> = Vec::new();
        let count = rng.gen_range(1..=3);
        for s in others.choose_multiple(rng, count) {
            let s = skill(s);
            if !wants.iter().any(|w| w.key() == s.key()) {
                wants.push(s);
            }
        }
        let mut rec = PersonRecord::new(
            email.clone(),
            PersonName::parse(&name).unwrap_or_else(|e| panic!("{e}")),
        );
        rec.title = Some(title.to_string());
        rec.department = Some(dept.name.to_string());
        rec.function = Some(function.to_string());
        rec.location = Some(city.to_string());
        rec.time_zone = Some(TimeZone::parse(tz).unwrap_or_else(|e| panic!("{e}")));
        rec.manager = Some(manager);
        rec.skills = Some(skills);
        rec.wants = Some(wants);
        self.people.push(rec);
        email
    }
}

/// Builds a company of `n` people (at least 40): a CEO, a head per department, managers
/// with six to ten reports each, and individual contributors, spread over nine locations.
pub fn company(rng: &mut impl Rng, n: usize) -> DemoCompany {
    let n = n.max(40);
    let mut b = Builder {
        people: Vec::with_capacity(n),
        used_emails: Default::default(),
    };
    let people_culture = &DEPARTMENTS[6];
    let sales = &DEPARTMENTS[2];
    let ceo = b.person(
        rng,
        Some("Helena Sørensen"),
        "Chief Executive Officer",
        &DEPARTMENTS[7],
        "Business Operations",
        None,
        true,
    );
    let heads: Vec<Email> = DEPARTMENTS
        .iter()
        .map(|d| {
            let title = format!("VP {}", d.name);
            b.person(
                rng,
                None,
                &title,
                d,
                d.functions[0],
                Some(ceo.clone()),
                true,
            )
        })
        .collect();
    // The three demo logins: an L&D lead (admin), a facilitator and a salesperson.
    let admin = b.person(
        rng,
        Some("Priya Raman"),
        "L&D Lead",
        people_culture,
        "Learning & Development",
        Some(heads[6].clone()),
        true,
    );
    let facilitator = b.person(
        rng,
        Some("Tomás Okafor"),
        "Learning Facilitator",
        people_culture,
        "Learning & Development",
        Some(admin.clone()),
        false,
    );

    // Spread the rest over departments, with a manager for every eight or so people.
    let remaining = n.saturating_sub(b.people.len());
    let per_dept = remaining / DEPARTMENTS.len();
    let mut member = None;
    for (d, dept) in DEPARTMENTS.iter().enumerate() {
        let size = if d == DEPARTMENTS.len() - 1 {
            remaining - per_dept * (DEPARTMENTS.len() - 1)
        } else {
            per_dept
        };
        let managers = size.div_ceil(9).max(1);
        let mut manager_emails = Vec::new();
        for m in 0..managers {
            let function = dept.functions[m % dept.functions.len()];
            let title = format!("{function} Manager");
            manager_emails.push(b.person(
                rng,
                None,
                &title,
                dept,
                function,
                Some(heads[d].clone()),
                true,
            ));
        }
        for i in 0..size.saturating_sub(managers) {
            let function = dept.functions[rng.gen_range(0..dept.functions.len())];
            let title = match rng.gen_range(0..10) {
                0..=3 => function.to_string(),
                4..=7 => format!("Senior {function}"),
                _ => format!("Principal {function}"),
            };
            let manager = manager_emails[i % manager_emails.len()].clone();
            if member.is_none() && std::ptr::eq(dept, sales) {
                let name = Some("Mia Chen");
                member = Some(b.person(
                    rng,
                    name,
                    "Account Executive",
                    dept,
                    "Account Executive",
                    Some(manager),
                    false,
                ));
            } else {
                b.person(rng, None, &title, dept, function, Some(manager), false);
            }
        }
    }
    let member = member.unwrap_or_else(|| facilitator.clone());

    let people = b.people;
    // Colleagues in the same department vouch for the skills people rate highly: a few for
    // an advanced skill, more for an expert one.
    let mut by_department: std::collections::HashMap<&str, Vec<usize>> =
        std::collections::HashMap::new();
    for (i, p) in people.iter().enumerate() {
        by_department
            .entry(p.department.as_deref().unwrap_or(""))
            .or_default()
            .push(i);
    }
    let mut endorsements = Vec::new();
    for (i, p) in people.iter().enumerate() {
        let Some(skills) = &p.skills else { continue };
        let colleagues = &by_department[p.department.as_deref().unwrap_or("")];
        for (s, level) in skills.iter().filter(|(_, l)| l.get() >= 3) {
            let count = rng.gen_range(0..=2 * (level.get() as usize - 2));
            for &j in colleagues.choose_multiple(rng, count) {
                if j != i {
                    endorsements.push(DemoEndorsement {
                        endorser: people[j].email.clone(),
                        person: p.email.clone(),
                        skill: s.clone(),
                    });
                }
            }
        }
    }
    endorsements.sort_by(|a, b| {
        (&a.person, a.skill.key(), &a.endorser).cmp(&(&b.person, b.skill.key(), &b.endorser))
    });
    endorsements.dedup_by(|a, b| {
        a.person == b.person && a.endorser == b.endorser && a.skill.key() == b.skill.key()
    });

    DemoCompany {
        people,
        endorsements,
        logins: DemoLogins {
            admin,
            facilitator,
            member,
        },
    }
}

/// The company's people as a cohort file for `peerlab groups` and `peerlab pairs`: the import
/// columns plus a seniority (5 for the CEO, one less per level below, at least 1, with
/// individual contributors spread over 1 and 2) and a start date within the 15 years before
/// `today`.
pub fn cohort_csv(company: &DemoCompany, rng: &mut impl Rng, today: chrono::NaiveDate) -> Vec<u8> {
    let people = &company.people;
    let manager: std::collections::HashMap<&Email, Option<&Email>> = people
        .iter()
        .map(|p| (&p.email, p.manager.as_ref().and_then(Option::as_ref)))
        .collect();
    let has_reports: std::collections::HashSet<&Email> =
        manager.values().flatten().copied().collect();
    let imported = crate::import::to_csv(people);
    let mut reader = csv::Reader::from_reader(imported.as_slice());
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = crate::import::COLUMNS
        .iter()
        .map(|c| c.to_string())
        .collect();
    header.extend(["seniority".to_string(), "start_date".to_string()]);
    // Writing to memory cannot fail.
    let _ = w.write_record(&header);
    for (p, row) in people.iter().zip(reader.records().flatten()) {
        let mut depth = 0;
        let mut at = &p.email;
        while let Some(Some(m)) = manager.get(at) {
            depth += 1;
            at = m;
        }
        let mut seniority = 5i32.saturating_sub(depth).max(1);
        if !has_reports.contains(&p.email) {
            seniority = rng.gen_range(1..=2);
        }
        let start = today - chrono::Days::new(rng.gen_range(30..=15 * 365));
        let mut fields: Vec<String> = row.iter().map(str::to_owned).collect();
        fields.push(seniority.to_string());
        fields.push(start.format("%Y-%m-%d").to_string());
        let _ = w.write_record(&fields);
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{parse_csv, ExistingManagers};
    use rand::SeedableRng;

    #[test]
    fn the_company_is_realistic_and_reproducible() {
        let a = company(&mut rand::rngs::StdRng::seed_from_u64(7), 320);
        let b = company(&mut rand::rngs::StdRng::seed_from_u64(7), 320);
        assert_eq!(a.people, b.people);
        assert_eq!(a.people.len(), 320);
        let depts: std::collections::HashSet<_> =
            a.people.iter().map(|p| p.department.clone()).collect();
        assert!(depts.len() >= 8);
        let emails: std::collections::HashSet<_> =
            a.people.iter().map(|p| p.email.clone()).collect();
        assert_eq!(emails.len(), 320, "e-mails are unique");
        assert!(
            a.people.iter().filter(|p| p.manager == Some(None)).count() == 1,
            "one CEO"
        );
        assert!(!a.endorsements.is_empty());
        assert!(a.people.iter().any(|p| p.email == a.logins.member));
    }

    #[test]
    fn the_company_passes_the_importers_checks() {
        // Round-trip through CSV: the demo data obeys every rule an import enforces.
        let c = company(&mut rand::rngs::StdRng::seed_from_u64(1), 400);
        let bytes = crate::import::to_csv(&c.people);
        let plan = parse_csv(&bytes, &ExistingManagers::new()).expect("demo data imports");
        assert_eq!(plan.people.len(), 400);
    }
}
