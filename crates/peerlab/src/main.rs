//! The `peerlab` binary: parses the command line, opens the database and wires the store to
//! the web layer. It is not a library; everything it does is a few calls into the crates.

/// mimalloc instead of the system allocator: ingesting statements allocates and frees many
/// small JSON values, and with glibc's allocator that was about a tenth of the CPU time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod demo;
mod grouping;
mod lrs_bench;

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use peerlab_core::{Email, PersonName, Role};
use peerlab_store::{Create, Location, Store};
use peerlab_web::outbound::mail::MailSettings;
use peerlab_web::{AppState, Clock, WebConfig};

#[derive(Parser)]
#[command(
    name = "peerlab",
    version,
    about = "peerlab: people learning from each other at work"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server without demo data.
    Serve(ServeArgs),
    /// Start the server with a demo company (created once, on first start).
    Demo {
        #[command(flatten)]
        serve: ServeArgs,
        /// How many people the demo company has.
        #[arg(long, default_value_t = 320)]
        people: usize,
    },
    /// Manage people.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Form diverse small groups from a CSV of people; writes a roster (CSV) and prints a
    /// diversity report.
    Groups(grouping::GroupsArgs),
    /// Match accountability partners, or lay out coffee rounds with --rounds; writes a roster.
    Pairs(grouping::PairsArgs),
    /// Run the algorithms on benchmark inputs.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// The built-in Learning Record Store.
    #[command(subcommand)]
    Lrs(LrsCommand),
    /// E-mail.
    #[command(subcommand)]
    Mail(MailCommand),
}

#[derive(Subcommand)]
enum MailCommand {
    /// Sends a test message through the SMTP server, now, and prints the server's answer.
    Test {
        /// Who gets it.
        #[arg(long)]
        to: String,
        #[command(flatten)]
        mail: MailArgs,
        /// The address people use to reach peerlab (for the sender's domain and links).
        #[arg(
            long,
            env = "PEERLAB_PUBLIC_URL",
            default_value = "http://localhost:8080"
        )]
        public_url: String,
    },
}

#[derive(Subcommand)]
enum LrsCommand {
    /// Manage the credentials xAPI clients send with HTTP Basic authentication.
    #[command(subcommand)]
    Credential(CredentialCommand),
}

#[derive(Subcommand)]
enum CredentialCommand {
    /// Create a credential; prints `key: …` and `secret: …` on two lines. The secret is not
    /// stored and cannot be shown again.
    Create {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        name: String,
        /// Scopes, separated by commas: statements/write, statements/read,
        /// statements/read/mine, state, define, profile, all/read, all.
        #[arg(long)]
        scopes: String,
    },
    /// Revoke a credential by its key.
    Revoke {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        key: String,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Maximum-weight matching of a graph given as lines `u v w` (0-based ids, integer
    /// weights): prints the total weight; the time goes to stderr.
    Matching {
        graph: PathBuf,
        /// Write the matched pairs here, `u v` per line.
        #[arg(long)]
        solution: Option<PathBuf>,
    },
    /// Maximally diverse grouping of MDGPLIB instances: prints `NAME OBJECTIVE` per instance.
    Mdgp {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Time budget per instance, on one core.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write one file per instance here, with the group of each element, one per line.
        #[arg(long)]
        solutions: Option<PathBuf>,
    },
    /// The Learning Record Store under load: ingest with 1 and N clients, then queries by
    /// agent, verb and activity once the store is full, and disk bytes per statement. Starts
    /// peerlab on a temporary SQLite database, or on the empty PostgreSQL database given.
    Lrs {
        /// postgres://USER:PASSWORD@HOST/DB of an empty database; SQLite when absent.
        #[arg(long)]
        database_url: Option<String>,
        /// Statements stored before the queries are measured.
        #[arg(long, default_value_t = 1_000_000)]
        statements: usize,
        /// Concurrent clients of each ingest measurement.
        #[arg(long, value_delimiter = ',', default_value = "1,4")]
        clients: Vec<usize>,
        /// Statements per POST.
        #[arg(long, default_value_t = 100)]
        batch: usize,
        /// Statements posted in each ingest measurement.
        #[arg(long, default_value_t = 100_000)]
        measure: usize,
        /// Queries of each kind.
        #[arg(long, default_value_t = 300)]
        queries: usize,
        /// Clients give each statement a random (version 4) id, as many xAPI libraries do,
        /// instead of leaving the id to the LRS.
        #[arg(long)]
        client_ids: bool,
    },
    /// Diverse groups for a demo company, with earlier random sessions as history: prints the
    /// time to a first grouping and the diversity found within each budget.
    Groups {
        #[arg(long, default_value_t = 10_000)]
        people: usize,
        #[arg(long, default_value = "5")]
        size: String,
        /// Earlier sessions (random groupings a week apart) that form the history.
        #[arg(long, default_value_t = 3)]
        sessions: usize,
        /// Budgets to report, in seconds, each a fresh search from the same seed.
        #[arg(long, value_delimiter = ',', default_value = "1,10,30")]
        seconds: Vec<f64>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Also write the demo people as a cohort file here.
        #[arg(long)]
        write_people: Option<PathBuf>,
    },
}

#[derive(Args, Clone)]
struct DbArgs {
    /// Directory holding the embedded SQLite database (peerlab.db).
    #[arg(
        long,
        env = "PEERLAB_DATA_DIR",
        default_value = "peerlab-data",
        global = true
    )]
    data_dir: PathBuf,
    /// sqlite://PATH or postgres://USER:PASSWORD@HOST/DB; overrides --data-dir.
    #[arg(long, env = "PEERLAB_DATABASE_URL", global = true)]
    database_url: Option<String>,
}

#[derive(Args, Clone)]
struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    #[arg(long, env = "PEERLAB_PORT", default_value_t = 8080)]
    port: u16,
    /// Address to listen on; use 0.0.0.0 to accept connections from other machines.
    #[arg(long, env = "PEERLAB_BIND", default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// The address people use to reach this server, for links in invitations.
    #[arg(long, env = "PEERLAB_PUBLIC_URL")]
    public_url: Option<String>,
    /// Log format: text or json.
    #[arg(long, env = "PEERLAB_LOG_FORMAT", default_value = "text")]
    log_format: String,
    #[command(flatten)]
    mail: MailArgs,
}

/// Where e-mail goes. Off by default: messages then wait in the outbound queue, held.
#[derive(Args, Clone)]
struct MailArgs {
    /// The SMTP server: smtp://host:25, smtp://user:password@host:587?tls=required
    /// (STARTTLS) or smtps://user:password@host:465.
    #[arg(long, env = "PEERLAB_SMTP_URL")]
    smtp_url: Option<String>,
    /// The sender of peerlab's e-mail; defaults to peerlab@ the public URL's host.
    #[arg(long, env = "PEERLAB_MAIL_FROM")]
    mail_from: Option<String>,
}

impl MailArgs {
    /// The checked settings, or `None` when e-mail is off.
    fn settings(&self, public_url: &str) -> anyhow::Result<Option<MailSettings>> {
        let Some(url) = self.smtp_url.as_deref().filter(|u| !u.trim().is_empty()) else {
            return Ok(None);
        };
        let from = match &self.mail_from {
            Some(f) => f.clone(),
            None => {
                let host = public_url
                    .split_once("://")
                    .map_or(public_url, |(_, r)| r)
                    .split(['/', ':'])
                    .next()
                    .unwrap_or("localhost");
                // A bare IP address is not a mail domain.
                let domain = if host.parse::<std::net::IpAddr>().is_ok() {
                    "localhost"
                } else {
                    host
                };
                format!("peerlab <peerlab@{domain}>")
            }
        };
        MailSettings::new(url.trim(), &from)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("--smtp-url: {e}"))
    }
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a person who can log in; prints an invitation link unless --password-stdin is given.
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "member")]
        role: String,
        /// Read the password from standard input instead of printing an invitation link.
        #[arg(long)]
        password_stdin: bool,
        /// Base of the invitation link.
        #[arg(
            long,
            env = "PEERLAB_PUBLIC_URL",
            default_value = "http://127.0.0.1:8080"
        )]
        public_url: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a person and print it alone on standard output.
    Create {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "command line")]
        name: String,
    },
}

impl DbArgs {
    fn location(&self) -> anyhow::Result<Location> {
        match &self.database_url {
            Some(url) => Ok(Location::parse_url(url)?),
            None => Ok(Location::in_data_dir(&self.data_dir)),
        }
    }

    /// Opens the database for a server, creating the data directory (but not its parents).
    async fn open_for_server(&self) -> anyhow::Result<Store> {
        let location = self.location()?;
        if self.database_url.is_none() && !self.data_dir.is_dir() {
            std::fs::create_dir(&self.data_dir).with_context(|| {
                format!(
                    "cannot create the data directory {} (does its parent exist?)",
                    self.data_dir.display()
                )
            })?;
        }
        Ok(Store::open(&location, Create::IfMissing).await?)
    }

    async fn open_existing(&self) -> anyhow::Result<Store> {
        Ok(Store::open(&self.location()?, Create::MustExist).await?)
    }
}

fn main() {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build();
    let result = runtime
        .map_err(anyhow::Error::from)
        .and_then(|rt| rt.block_on(run(cli)));
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            init_logging(&args.log_format)?;
            let store = args.db.open_for_server().await?;
            serve(args, store, None).await
        }
        Command::Demo {
            serve: args,
            people,
        } => {
            init_logging(&args.log_format)?;
            let store = args.db.open_for_server().await?;
            let base = public_url(&args);
            let logins = demo::ensure(&store, people, Clock::System.now_ms(), &base).await?;
            serve(args, store, Some(logins)).await
        }
        Command::User(UserCommand::Add {
            db,
            email,
            name,
            role,
            password_stdin,
            public_url,
        }) => {
            let email = Email::parse(&email)?;
            let name = PersonName::parse(&name)?;
            let role = Role::parse(&role)?;
            let password = if password_stdin {
                let mut password = String::new();
                std::io::stdin().read_to_string(&mut password)?;
                let password = password.trim_end_matches(['\r', '\n']).to_string();
                // The policy is checked before the database is opened, as every other value.
                peerlab_web::auth::password::check_policy(&password)
                    .map_err(|e| anyhow::anyhow!("password: {}", e.message))?;
                Some(password)
            } else {
                None
            };
            let store = db.open_existing().await?;
            let now = Clock::System.now_ms();
            let (_, invitation) = peerlab_web::auth::ops::add_person(
                &store,
                &email,
                &name,
                role,
                password.as_deref(),
                now,
            )
            .await
            .map_err(|e| anyhow::anyhow!(e.message))?;
            match invitation {
                None => println!("added {email} as {role}"),
                Some(token) => {
                    println!(
                        "added {email} as {role}; invitation link (valid {} days):",
                        peerlab_web::INVITATION_DAYS
                    );
                    println!(
                        "{}",
                        peerlab_web::auth::ops::invitation_url(&public_url, &token)
                    );
                }
            }
            Ok(())
        }
        Command::Bench(BenchCommand::Lrs {
            database_url,
            statements,
            clients,
            batch,
            measure,
            queries,
            client_ids,
        }) => {
            lrs_bench::run(lrs_bench::Options {
                database_url,
                statements,
                clients,
                batch,
                measure,
                queries,
                client_ids,
            })
            .await
        }
        Command::Bench(command) => bench(command),
        Command::Groups(args) => grouping::groups(args),
        Command::Pairs(args) => grouping::pairs(args),
        Command::Mail(MailCommand::Test {
            to,
            mail,
            public_url,
        }) => {
            let to = Email::parse(&to).map_err(|e| anyhow::anyhow!("--to: {e}"))?;
            let Some(settings) = mail.settings(&public_url)? else {
                bail!("e-mail is off: give --smtp-url (or set PEERLAB_SMTP_URL)");
            };
            let mailer =
                peerlab_web::outbound::mail::Mailer::new(settings).map_err(anyhow::Error::msg)?;
            let answer = mailer
                .send(&peerlab_web::outbound::test_mail(&public_url), to.as_str())
                .await
                .map_err(|e| anyhow::anyhow!("{}: {}", mailer.settings.display_url(), e.message))?;
            println!(
                "sent to {to} through {}: {answer}",
                mailer.settings.display_url()
            );
            Ok(())
        }
        Command::Lrs(LrsCommand::Credential(CredentialCommand::Create { db, name, scopes })) => {
            let store = db.open_existing().await?;
            let new = peerlab_web::lrs::ops::create_credential(
                &store,
                &name,
                &scopes,
                None,
                Clock::System.now_ms(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("--{}", e.message))?;
            println!("key: {}", new.key);
            println!("secret: {}", new.secret);
            Ok(())
        }
        Command::Lrs(LrsCommand::Credential(CredentialCommand::Revoke { db, key })) => {
            let store = db.open_existing().await?;
            let Some((credential, _)) = store.credential_by_key(&key).await? else {
                bail!("no active credential has the key {key}");
            };
            store
                .revoke_credential(credential.id, Clock::System.now_ms())
                .await?;
            println!("revoked {key} ({})", credential.name);
            Ok(())
        }
        Command::Token(TokenCommand::Create { db, email, name }) => {
            let email = Email::parse(&email)?;
            let store = db.open_existing().await?;
            let Some(person) = store.person_by_email(&email).await? else {
                bail!("nobody with e-mail {email}; add them with `peerlab user add` first");
            };
            let (_, token) = peerlab_web::auth::ops::new_api_token(
                &store,
                person.id,
                &name,
                Clock::System.now_ms(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("--{}", e.message))?;
            println!("{token}");
            Ok(())
        }
    }
}

fn bench(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Matching { graph, solution } => {
            let text = std::fs::read_to_string(&graph)
                .with_context(|| format!("cannot read {}", graph.display()))?;
            let edges = parse_graph(&text)
                .with_context(|| format!("{} is not a graph file", graph.display()))?;
            let n = edges
                .iter()
                .map(|&(u, v, _)| u.max(v) + 1)
                .max()
                .unwrap_or(0);
            let started = std::time::Instant::now();
            let mate = peerlab_match::matching::max_weight_matching(n, &edges);
            let seconds = started.elapsed().as_secs_f64();
            let pairs: Vec<(usize, usize)> = mate
                .iter()
                .enumerate()
                .filter_map(|(u, m)| m.filter(|&v| u < v).map(|v| (u, v)))
                .collect();
            println!(
                "{}",
                peerlab_match::matching::matching_weight(&edges, &mate)
            );
            eprintln!(
                "{} nodes, {} edges: {} pairs in {seconds:.3} s",
                n,
                edges.len(),
                pairs.len()
            );
            if let Some(path) = solution {
                let out: String = pairs.iter().map(|(u, v)| format!("{u} {v}\n")).collect();
                std::fs::write(&path, out)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            Ok(())
        }
        BenchCommand::Mdgp {
            files,
            seconds,
            seed,
            solutions,
        } => bench_mdgp(&files, seconds, seed, solutions.as_deref()),
        BenchCommand::Lrs { .. } => bail!("the LRS benchmark runs on the async runtime"),
        BenchCommand::Groups {
            people,
            size,
            sessions,
            seconds,
            seed,
            write_people,
        } => grouping::bench_groups(
            people,
            &size,
            sessions,
            &seconds,
            seed,
            write_people.as_deref(),
        ),
    }
}

/// Solves each instance within the budget. Every file is read and parsed before the first is
/// solved, so a bad file is reported before any output.
fn bench_mdgp(
    files: &[PathBuf],
    seconds: f64,
    seed: u64,
    solutions: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    use peerlab_match::grouping::{solve, Instance};
    use rand::SeedableRng;
    if !(seconds > 0.0 && seconds.is_finite()) {
        bail!("--seconds must be a positive number");
    }
    let mut instances = Vec::with_capacity(files.len());
    for file in files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let instance = Instance::parse_mdgplib(&text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        let name = file.file_stem().map_or_else(
            || file.display().to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        instances.push((name, instance));
    }
    if let Some(dir) = solutions {
        if !dir.is_dir() {
            bail!("--solutions {}: no such directory", dir.display());
        }
    }
    for (name, instance) in &instances {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs_f64(seconds);
        let solution = solve(instance, &mut rng, &mut |_| {
            std::time::Instant::now() >= deadline
        });
        println!("{name} {:.6}", solution.objective);
        if let Some(dir) = solutions {
            let out: String = solution.groups.iter().map(|g| format!("{g}\n")).collect();
            let path = dir.join(format!("{name}.txt"));
            std::fs::write(&path, out)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    Ok(())
}

/// Parses lines `u v w`; blank lines are skipped, anything else is an error naming its line.
fn parse_graph(text: &str) -> anyhow::Result<Vec<(usize, usize, i64)>> {
    let mut edges = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        let parsed = match fields.as_slice() {
            [u, v, w] => u
                .parse::<usize>()
                .ok()
                .zip(v.parse::<usize>().ok())
                .zip(w.parse::<i64>().ok()),
            _ => None,
        };
        let Some(((u, v), w)) = parsed else {
            bail!(
                "line {}: expected `u v w` (two node ids and an integer weight), found {line:?}",
                i + 1
            );
        };
        if w.unsigned_abs() > peerlab_match::matching::MAX_WEIGHT as u64 {
            bail!("line {}: weight {w} is too large", i + 1);
        }
        edges.push((u, v, w));
    }
    if edges.is_empty() {
        bail!("the graph has no edges");
    }
    Ok(edges)
}

fn init_logging(format: &str) -> anyhow::Result<()> {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("PEERLAB_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        "json" => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
        "text" => builder.compact().init(),
        other => bail!("unknown log format '{other}'; use text or json"),
    }
    Ok(())
}

/// The address people use to reach this server: `--public-url`, or the bound address.
fn public_url(args: &ServeArgs) -> String {
    let shown_host = if args.bind.is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        args.bind.to_string()
    };
    args.public_url
        .clone()
        .unwrap_or_else(|| format!("http://{shown_host}:{}", args.port))
}

/// Checks the SMTP server at start: a refusal of the login (or any permanent answer) stops
/// peerlab with the server's words; a server that cannot be reached only warns, since mail
/// waits in the queue and is retried.
async fn check_mail(state: &AppState) -> anyhow::Result<()> {
    let Some(mailer) = &state.mailer else {
        return Ok(());
    };
    match mailer.check().await {
        Ok(()) => {
            println!("e-mail goes through {}", mailer.settings.display_url());
            Ok(())
        }
        Err(e) if e.permanent => Err(anyhow::anyhow!(
            "--smtp-url {}: {}",
            mailer.settings.display_url(),
            e.message
        )),
        Err(e) => {
            eprintln!(
                "warning: --smtp-url {}: {}; e-mail waits in the outbound queue until it answers",
                mailer.settings.display_url(),
                e.message
            );
            Ok(())
        }
    }
}

async fn serve(args: ServeArgs, store: Store, logins: Option<demo::Logins>) -> anyhow::Result<()> {
    let addr = SocketAddr::new(args.bind, args.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let url = public_url(&args);
    let mail = args.mail.settings(&url)?;
    let state = AppState::new(
        store.clone(),
        Clock::System,
        WebConfig {
            public_url: url.clone(),
            mail,
        },
    );
    check_mail(&state).await?;

    println!("peerlab is ready at {url}  (database: {})", store.backend());
    if let Some(l) = logins {
        println!("Log in as any of these (password: {}):", demo::PASSWORD);
        println!("  admin        {}", l.admin);
        println!("  facilitator  {}", l.facilitator);
        println!("  member       {}", l.member);
    }
    println!("Press Ctrl+C to stop.");
    tracing::info!(%addr, backend = store.backend(), "listening");
    peerlab_web::serve(listener, state, shutdown_signal()).await?;
    store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}
