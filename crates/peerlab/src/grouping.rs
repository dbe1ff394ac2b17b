//! `peerlab groups` and `peerlab pairs`: the grouping and matching engine on CSV files.
//!
//! Every input is read and checked before any search starts, and the roster is written only
//! when everything succeeded, so a refused run leaves no output file and prints nothing on
//! standard output.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::Args;
use peerlab_core::grouping::groups::{self, GroupOptions, RoleSpec, SizeRange, Weights};
use peerlab_core::grouping::{pairs, roster_csv, History, Pool, RosterRow};
use rand::SeedableRng;

#[derive(Args)]
pub struct Common {
    /// The people: a CSV file with the import columns (name, email, department, function,
    /// location, time_zone, manager_email, skills, wants_to_learn, ...) plus seniority,
    /// start_date and block.
    people: PathBuf,
    /// Who met before: pairs `a,b[,date]` or a roster this command wrote. May be repeated.
    #[arg(long)]
    history: Vec<PathBuf>,
    /// The session's date (YYYY-MM-DD), which ages the history; today (UTC) by default.
    #[arg(long)]
    date: Option<String>,
    /// Seed of the random choices; the same seed and inputs give the same result.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write the roster here instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
pub struct GroupsArgs {
    #[command(flatten)]
    common: Common,
    /// Group size, as MIN-MAX or one number.
    #[arg(long)]
    size: String,
    /// A role every group needs, as NAME or NAME=FUNCTION (the function it stands for, which
    /// its holder should not have). Repeat for more roles, most important first.
    #[arg(long = "role")]
    roles: Vec<String>,
    /// A CSV file of pairs `a,b` (e-mails) never to put in one group.
    #[arg(long)]
    keep_apart: Option<PathBuf>,
    /// A CSV file of pairs `a,b` (e-mails) always to put in one group.
    #[arg(long)]
    keep_together: Option<PathBuf>,
    /// Weights over the defaults, e.g. department=5,history=20,half_life_days=90.
    #[arg(long, default_value = "")]
    weights: String,
    /// Search time budget.
    #[arg(long, default_value_t = 2.0)]
    seconds: f64,
    /// Stop after this many local searches, for a result that does not depend on the
    /// machine's speed (the time budget still applies).
    #[arg(long)]
    iterations: Option<u64>,
}

#[derive(Args)]
pub struct PairsArgs {
    #[command(flatten)]
    common: Common,
    /// Lay out this many coffee rounds instead of accountability partners.
    #[arg(long)]
    rounds: Option<usize>,
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

// Reads the people and the history, and settles the date.
fn load(common: &Common) -> anyhow::Result<(Pool, History, NaiveDate)> {
    let today = match &common.date {
        Some(raw) => {
            peerlab_core::grouping::parse_date(raw, "--date").map_err(anyhow::Error::msg)?
        }
        None => {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_secs();
            chrono::DateTime::from_timestamp(secs as i64, 0)
                .context("the system clock is out of range")?
                .date_naive()
        }
    };
    let pool = Pool::from_csv(&read(&common.people)?)
        .map_err(|e| anyhow::anyhow!("{}: {}", common.people.display(), rows_message(&e)))?;
    let mut history = History::default();
    for path in &common.history {
        let h = History::from_csv(&read(path)?, &pool)
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), rows_message(&e)))?;
        history.extend(h);
    }
    Ok((pool, history, today))
}

// Every bad row, one per line, rather than only the first.
fn rows_message(e: &peerlab_core::import::ImportError) -> String {
    use peerlab_core::import::ImportError;
    match e {
        ImportError::File(m) => m.clone(),
        ImportError::Rows { errors, total } => {
            let mut m = format!("{total} row(s) have errors");
            for r in errors {
                m.push_str(&format!("\n  line {}: {}", r.line, r.reason));
            }
            m
        }
    }
}

// Writes the roster to standard output, or to a file. A regular file is written through a
// temporary file beside it and renamed, so a crash leaves either the old file or the whole
// new one; anything else (a pipe, /dev/null) is written directly, as renaming onto it would
// replace it.
fn write_roster(out: Option<&Path>, pool: &Pool, rows: &[RosterRow]) -> anyhow::Result<()> {
    let bytes = roster_csv(pool, rows);
    let Some(path) = out else {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(&bytes)?;
        return Ok(stdout.flush()?);
    };
    let regular = std::fs::metadata(path).map_or(true, |m| m.is_file());
    let written = if regular {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(".tmp");
        let tmp = path.with_file_name(name);
        std::fs::write(&tmp, &bytes).and_then(|()| std::fs::rename(&tmp, path))
    } else {
        std::fs::write(path, &bytes)
    };
    written.with_context(|| format!("cannot write {}", path.display()))
}

pub fn groups(args: GroupsArgs) -> anyhow::Result<()> {
    if !(args.seconds > 0.0 && args.seconds <= 3600.0) {
        bail!("--seconds must be above 0 and at most 3600");
    }
    let size = SizeRange::parse(&args.size).map_err(anyhow::Error::msg)?;
    let weights = Weights::parse(&args.weights).map_err(|e| anyhow::anyhow!("--weights: {e}"))?;
    let roles = args
        .roles
        .iter()
        .map(|r| RoleSpec::parse(r))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("--role: {e}"))?;
    let (pool, history, today) = load(&args.common)?;
    let pairs_of = |path: &Option<PathBuf>, what: &str| -> anyhow::Result<Vec<(usize, usize)>> {
        match path {
            None => Ok(Vec::new()),
            Some(p) => pool
                .parse_pairs(&read(p)?, what)
                .map_err(|e| anyhow::anyhow!("{}: {}", p.display(), rows_message(&e))),
        }
    };
    let options = GroupOptions {
        size,
        weights,
        roles,
        keep_apart: pairs_of(&args.keep_apart, "keep-apart file")?,
        keep_together: pairs_of(&args.keep_together, "keep-together file")?,
        today,
    };
    let prepared = groups::prepare(&pool, &history, options)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(args.common.seed);
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(args.seconds);
    let limit = args.iterations.unwrap_or(u64::MAX);
    let grouping = groups::form(&prepared, &mut rng, &mut |done| {
        done >= limit || Instant::now() >= deadline
    })?;
    let rows = peerlab_core::grouping::adjust::explained_roster(&prepared, &grouping, today);
    write_roster(args.common.out.as_deref(), &pool, &rows)?;
    eprint!("{}", grouping.report);
    eprintln!("searched for {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

pub fn pairs(args: PairsArgs) -> anyhow::Result<()> {
    let (pool, history, today) = load(&args.common)?;
    match args.rounds {
        None => {
            let p = pairs::partners(&pool, &history, today)?;
            write_roster(args.common.out.as_deref(), &pool, &p.roster(today))?;
            let trios = match p.pairs.iter().filter(|p| p.members.len() == 3).count() {
                0 => "no trio".to_string(),
                1 => "1 trio".to_string(),
                k => format!("{k} trios"),
            };
            eprintln!(
                "{} people in {} pairs ({trios}); {} pairs were not allowed (managers and \
                 reports, block lists, earlier meetings)",
                pool.len(),
                p.pairs.len(),
                p.forbidden
            );
            if !p.unmatched.is_empty() {
                let names: Vec<&str> = p.unmatched.iter().map(|&i| pool.name(i)).collect();
                eprintln!(
                    "no allowed partner for: {} (every pairing is forbidden)",
                    names.join(", ")
                );
            }
            Ok(())
        }
        Some(rounds) => {
            let mut rng = rand::rngs::StdRng::seed_from_u64(args.common.seed);
            let c = pairs::coffee(&pool, &history, rounds, &mut rng)?;
            write_roster(args.common.out.as_deref(), &pool, &c.roster(today))?;
            eprintln!(
                "{} people in {rounds} round(s); nobody meets the same person twice; {} \
                 meeting(s) pair people who should not meet (managers and reports, blocks, \
                 earlier meetings)",
                pool.len(),
                c.unwanted
            );
            Ok(())
        }
    }
}

/// `peerlab bench groups`: see its help.
pub fn bench_groups(
    people: usize,
    size: &str,
    sessions: usize,
    budgets: &[f64],
    seed: u64,
    write_people: Option<&Path>,
) -> anyhow::Result<()> {
    use peerlab_core::grouping::Meeting;
    use rand::seq::SliceRandom;
    if budgets.iter().any(|&s| !(s > 0.0 && s.is_finite())) {
        bail!("--seconds must list positive numbers");
    }
    let size = SizeRange::parse(size).map_err(anyhow::Error::msg)?;
    let today = NaiveDate::from_ymd_opt(2026, 11, 2).context("date")?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let company = peerlab_core::demo::company(&mut rng, people);
    let csv = peerlab_core::demo::cohort_csv(&company, &mut rng, today);
    if let Some(path) = write_people {
        std::fs::write(path, &csv).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let pool = Pool::from_csv(&csv).map_err(|e| anyhow::anyhow!("{e}"))?;
    let n = pool.len();
    let mut history = History::default();
    let mut order: Vec<usize> = (0..n).collect();
    for s in 1..=sessions {
        order.shuffle(&mut rng);
        let date = today - chrono::Days::new(7 * s as u64);
        for chunk in order.chunks(size.max) {
            history.meetings.push(Meeting {
                date: Some(date),
                members: chunk.iter().map(|&i| (i, String::new())).collect(),
            });
        }
    }
    let options = GroupOptions {
        size,
        weights: Weights::default(),
        roles: Vec::new(),
        keep_apart: Vec::new(),
        keep_together: Vec::new(),
        today,
    };
    let started = Instant::now();
    let prepared = groups::prepare(&pool, &history, options)?;
    println!(
        "{n} people, groups of {}, {sessions} earlier sessions: distances in {:.1} s",
        if size.min == size.max {
            size.min.to_string()
        } else {
            format!("{} to {}", size.min, size.max)
        },
        started.elapsed().as_secs_f64()
    );
    for &budget in budgets {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let started = Instant::now();
        let deadline = started + Duration::from_secs_f64(budget);
        let mut first = None;
        let grouping = groups::form(&prepared, &mut rng, &mut |done| {
            if done >= 1 && first.is_none() {
                first = Some(started.elapsed().as_secs_f64());
            }
            Instant::now() >= deadline
        })?;
        let r = &grouping.report;
        let departments = r
            .measures
            .iter()
            .find(|m| m.label == "departments per group")
            .map_or(String::new(), |m| {
                format!("{:.2} (random {:.2})", m.formed, m.random)
            });
        println!(
            "budget {budget} s: first grouping after {} s, {} searches; score {:.1} (random {:.1}); \
             departments per group {departments}; pairs who met before {} (random {:.1}); \
             {} pairs kept apart",
            first.map_or("-".into(), |f| format!("{f:.2}")),
            r.searches,
            r.score,
            r.random_score,
            r.repeat_pairs,
            r.random_repeat_pairs,
            r.kept_apart
        );
    }
    Ok(())
}
