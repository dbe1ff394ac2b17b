//! Conversation at scale: a 200-reply thread rendered for a member, live delivery of new
//! replies to 200 open thread pages, and post search over 1,000,000 replies.
//!
//! Run with `cargo bench -p peerlab-web --bench conversation`; set `PEERLAB_BENCH_PG` to a
//! PostgreSQL admin URL (./scripts/bench does) to measure PostgreSQL too. Environment:
//! - `PEERLAB_BENCH_REPLIES`: replies in the search corpus (default 1,000,000);
//! - `PEERLAB_BENCH_VERBOSE=1`: progress while the search corpus is written;
//! - `PEERLAB_BENCH_KEEP=1`: keep the databases for a closer look (their places are printed).
//!
//! What is timed:
//! - thread render: the store queries the page handler makes (session, thread, space,
//!   membership, `thread_view`), the whole handler run in-process through the application's
//!   router (routing, session, queries, template, body; no socket), and `GET /threads/{id}`
//!   over loopback with reqwest (an upper bound of the server time);
//! - live delivery: for each of 50 replies posted through the API and each of 200 listeners
//!   of `GET /threads/{id}/events`, the time from just before the POST is sent to the moment
//!   that listener has read the `event: post` for the new post; clients and server share this
//!   process and its two worker threads, so the figures include the clients' own work;
//! - search: `Store::search_posts` (and a subset through `GET /api/v1/search`) for one- and
//!   two-word queries of common, medium and rare words, as a member of a few spaces, over a
//!   corpus written with bulk INSERTs straight into the database.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use peerlab_core::space::{self, Reaction, SpaceKind, SpaceRole, ThreadKind, Visibility};
use peerlab_core::{markdown, text, Email, PersonName, Role};
use peerlab_store::{
    Create, Location, NewSpace, NewThread, PersonId, PostInput, SearchScope, SpaceId, Store,
    ThreadId,
};
use peerlab_web::live::Topic;
use peerlab_web::{AppState, Clock, WebConfig};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::Connection;
use tower::ServiceExt;

const THREAD_REPLIES: usize = 200;
const RENDERS: usize = 500;
const LISTENERS: usize = 200;
const LIVE_REPLIES: usize = 50;
const LIVE_PAUSE: Duration = Duration::from_millis(100);
const CORPUS_PEOPLE: usize = 1_000;
const CORPUS_SPACES: usize = 20;
const REPLIES_PER_THREAD: usize = 20;
const PER_CLASS: usize = 50;
const HTTP_PER_CLASS: usize = 10;
/// A query class stops early once its samples add up to this much.
const CLASS_BUDGET: Duration = Duration::from_secs(20);
/// Rows per INSERT statement and per transaction when filling the corpus.
const ROWS_PER_INSERT: usize = 1_000;
const ROWS_PER_TX: usize = 20_000;

// ---- Reporting -----------------------------------------------------------------------------

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(label: &str, mut samples: Vec<Duration>) {
    if samples.is_empty() {
        println!("{label:<58} no samples");
        return;
    }
    samples.sort();
    println!(
        "{label:<58} n={:<5} p50={:>8.3} ms  p99={:>8.3} ms  max={:>8.3} ms",
        samples.len(),
        percentile(&samples, 0.50),
        percentile(&samples, 0.99),
        percentile(&samples, 1.0)
    );
}

fn verbose() -> bool {
    std::env::var("PEERLAB_BENCH_VERBOSE").is_ok()
}

fn now() -> i64 {
    Clock::System.now_ms()
}

// ---- Databases and servers -----------------------------------------------------------------

/// A fresh database, removed by [`Db::remove`].
struct Db {
    location: Location,
    dir: Option<PathBuf>,
    /// Admin URL and database name of a PostgreSQL database.
    pg: Option<(String, String)>,
}

async fn fresh(backend: &str, tag: &str) -> Option<Db> {
    match backend {
        "sqlite" => {
            let dir =
                std::env::temp_dir().join(format!("peerlab-bench-{tag}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("dir");
            Some(Db {
                location: Location::in_data_dir(&dir),
                dir: Some(dir),
                pg: None,
            })
        }
        _ => {
            let admin = std::env::var("PEERLAB_BENCH_PG").ok()?;
            let name = format!("peerlab_bench_{tag}_{}", std::process::id());
            let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect");
            let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            sqlx::query(&drop).execute(&mut conn).await.expect("drop");
            let create = format!("CREATE DATABASE {name}");
            sqlx::query(&create)
                .execute(&mut conn)
                .await
                .expect("create");
            Some(Db {
                location: Location::Postgres(format!(
                    "{}/{name}",
                    admin.rsplit_once('/').expect("url").0
                )),
                dir: None,
                pg: Some((admin, name)),
            })
        }
    }
}

impl Db {
    async fn remove(self, store: Store) {
        store.close().await;
        if std::env::var("PEERLAB_BENCH_KEEP").is_ok() {
            match (&self.dir, &self.pg) {
                (Some(dir), _) => println!("  kept {}", dir.display()),
                (_, Some((_, name))) => println!("  kept PostgreSQL database {name}"),
                _ => {}
            }
            return;
        }
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin, name)) = &self.pg {
            if let Ok(mut conn) = sqlx::PgConnection::connect(admin).await {
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                let _ = sqlx::query(&sql).execute(&mut conn).await;
            }
        }
    }
}

struct Server {
    base: String,
    state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

async fn start(store: &Store) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let state = AppState::new(
        store.clone(),
        Clock::System,
        WebConfig {
            public_url: base.clone(),
        },
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(peerlab_web::serve(listener, state.clone(), async move {
        let _ = stopped.await;
    }));
    Server {
        base,
        state,
        stop: Some(stop),
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

const FIRST: &[&str] = &[
    "Amina", "Bruno", "Chen", "Dana", "Emeka", "Fatima", "Gustavo", "Hana", "Ivan", "Jana", "Kofi",
    "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tamar", "Umar", "Vera",
    "Wei", "Ximena", "Yusuf", "Zoe", "Aiko", "Björn", "Céline", "Dmitri",
];
const LAST: &[&str] = &[
    "Okafor",
    "Silva",
    "Nakamura",
    "Müller",
    "Haddad",
    "Kowalski",
    "Fernández",
    "Ng",
    "Dubois",
    "Petrov",
    "Mensah",
    "Larsen",
    "Rossi",
    "Khan",
    "O'Brien",
    "Novak",
    "Santos",
    "Weber",
    "Ahmed",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Ivanova",
    "García",
    "Osei",
    "Bauer",
    "Costa",
    "Sato",
    "Nilsen",
    "Popescu",
    "Yilmaz",
    "Murphy",
    "Schmidt",
    "Kim",
];

async fn person(store: &Store, i: usize, role: Role) -> PersonId {
    let email = Email::parse(&format!("person{i}@bench.example")).expect("email");
    let name = format!(
        "{} {}",
        FIRST[i % FIRST.len()],
        LAST[(i / FIRST.len()) % LAST.len()]
    );
    let name = PersonName::parse(&name).expect("name");
    store
        .create_person(&email, &name, role, None, now())
        .await
        .expect("person")
}

/// A session cookie's token for `person`, stored as the server expects it.
async fn session(store: &Store, person: PersonId) -> String {
    let token = peerlab_web::new_secret();
    store
        .create_session(
            &peerlab_web::sha256_hex(&token),
            person,
            &peerlab_web::new_secret(),
            now(),
            now() + 14 * 86_400_000,
        )
        .await
        .expect("session");
    token
}

async fn api_token(store: &Store, person: PersonId) -> String {
    let token = format!("plk_{}", peerlab_web::new_secret());
    store
        .create_api_token(person, "bench", &peerlab_web::sha256_hex(&token), now())
        .await
        .expect("token");
    token
}

/// A post as the server prepares one (`conversation::prepare`, without mentions).
fn post_input(title: &str, raw: &str) -> PostInput {
    let body = space::Body::parse(raw).expect("body");
    let body_html = markdown::render(&body, &|_| None);
    let plain = markdown::plain_text(&body, space::MAX_BODY_CHARS);
    PostInput {
        search_text: text::index_text([title, plain.as_str()]),
        body,
        body_html,
        mentions: Vec::new(),
    }
}

// ---- Words ---------------------------------------------------------------------------------

/// Function words: frequent in every post, never searched for.
const FUNCTION_WORDS: &str =
    "the of and to a in is that for it with as on be at by this we you are have not but or
from they was can an will if our their more about so what which when there one all would how also
been has do some just like than them out then into these other could may should only even most any
many much here very well really each because over such still both through being after before while
where who those same again never always often i my me us your he she his her its were had did does
up down off too now";

/// Content words, roughly from the most to the least frequent: the rank of a word in this list
/// is its rank in the Zipf distribution posts are written with.
const CONTENT_WORDS: &str = "
team work people project time meeting feedback question idea help manager customer data process
change goal plan problem support experience learning skill role product design review week month
year today company training colleague conversation session group practice approach result example
context decision priority career growth mentor coaching advice answer issue risk value impact
quality budget client service release deadline schedule update report document tool system
platform code test incident user research strategy market sales revenue cost hiring interview
onboarding culture leadership communication trust empathy listening presentation workshop course
lesson book article video podcast template checklist framework method model metric dashboard
analysis insight trend pattern story challenge takeaway introduction reflection thanks thought
point way thing lot kind bit day first last new good great hard easy better best small big
little long short different important clear simple open honest useful quick slow early late
right wrong real whole free sure happy glad curious share ask try find know think feel want need
make take give keep start stop run build write read talk speak agree explain understand improve
grow lead manage prepare notice remember forget decide choose focus move follow suggest recommend
mention discuss propose approve reject measure track ship launch fix break deploy migrate refactor
present facilitate encourage celebrate appreciate acknowledge recognize admit apologize struggle
fail succeed win lose compare estimate delegate escalate negotiate persuade influence convince
align collaborate connect organize cancel postpone attend join leave invite welcome introduce
office remote hybrid home travel trip conference meetup community network partner vendor supplier
contract agreement policy rule guideline standard principle norm habit routine ritual retrospective
standup sprint backlog roadmap milestone objective outcome output deliverable scope requirement
specification proposal draft version branch merge commit repository library package dependency
service database query index cache server cluster network latency throughput performance
reliability availability security privacy compliance audit regulation law legal finance accounting
invoice payment pricing discount contract renewal churn retention acquisition conversion funnel
campaign brand content marketing audience segment persona journey experience interface layout
color font icon image photo screen page button form field label error message notification email
chat call phone calendar agenda minutes notes summary recap follow action owner stakeholder sponsor
executive director lead senior junior intern graduate apprentice specialist expert generalist
engineer developer designer analyst scientist researcher writer editor recruiter marketer seller
accountant lawyer operator administrator support agent nurse teacher trainer coach facilitator
moderator member newcomer volunteer ambassador champion ally friend peer buddy neighbour parent
family child health wellbeing stress burnout balance energy sleep break holiday vacation leave
illness recovery mindset motivation confidence courage resilience patience humility curiosity
creativity discipline focus attention memory habit emotion anger fear joy pride shame guilt hope
doubt frustration gratitude kindness respect fairness justice inclusion diversity equity belonging
accessibility language accent culture tradition holiday festival food lunch coffee dinner breakfast
walk run sport game music art film theatre garden nature weather rain snow summer winter spring
autumn morning evening night weekend friday monday calendar clock hour minute second moment period
quarter season decade history future past present background foreground detail overview summary
principle theory evidence argument reason cause effect consequence tradeoff option alternative
choice preference opinion belief assumption hypothesis experiment trial pilot prototype mockup
sketch wireframe diagram chart graph table spreadsheet slide deck memo letter note comment reply
thread post topic channel space forum wiki page handbook manual guide tutorial recipe playbook
runbook procedure protocol workflow pipeline automation script integration migration upgrade
rollout rollback outage failure bug defect regression crash leak timeout retry fallback alert
alarm monitor log trace signal noise threshold baseline benchmark target estimate forecast
projection scenario simulation sample survey poll vote score rating ranking grade level tier
category tag keyword search filter sort order sequence step stage phase cycle loop iteration
increment delta gap bottleneck constraint dependency blocker obstacle barrier friction waste
efficiency productivity velocity capacity workload load demand supply inventory stock warehouse
shipment delivery logistics transport route fleet vehicle truck driver store shop branch region
country city market segment industry sector competitor rival leader follower startup enterprise
organisation department division unit function office headquarters site campus building floor
room desk chair screen laptop keyboard mouse headset camera microphone printer badge access key
password account profile permission role admin login session token identity credential
certificate license subscription plan tier feature capability function module component service
endpoint request response payload schema field record row column table view report export import
upload download file folder archive backup restore storage disk memory processor container
kernel browser mobile desktop tablet device sensor battery charger cable wifi bandwidth signal
voice tone style grammar spelling vocabulary sentence paragraph chapter title heading quote
reference citation source link footnote appendix glossary definition term concept idea insight
lesson principle rule exception edge case corner scenario situation circumstance condition
environment ecosystem landscape terrain map compass direction path journey destination
milestone anchor foundation pillar layer level stack tier platform base core heart centre edge
boundary limit scope scale size volume weight height width depth distance speed pace rhythm tempo
beat pulse wave cycle season rotation shift handover handoff transition change transformation
evolution revolution innovation invention discovery breakthrough improvement optimisation tweak
adjustment correction revision edit rewrite polish finish completion closure wrap ending
beginning opening kickoff launch debut premiere release announcement news headline rumour gossip
secret surprise mystery puzzle riddle question doubt concern worry complaint grievance conflict
disagreement argument dispute tension pressure crisis emergency urgency importance relevance
significance meaning purpose mission vision values ethics integrity honesty transparency
openness candour directness clarity brevity simplicity complexity ambiguity uncertainty
volatility chaos order structure hierarchy matrix chart org reporting line manager peer report
skip one direct indirect formal informal casual serious playful funny humour joke laugh smile
frown sigh pause silence noise sound volume echo feedback loop cycle
appraisal promotion raise salary bonus equity benefit perk pension insurance allowance expense
reimbursement receipt approval request ticket queue backlog triage severity priority urgency sla
escalation handover rota rotation oncall pager shift weekend overtime workload capacity headcount
vacancy opening candidate applicant resume portfolio reference offer negotiation acceptance
rejection onboarding induction orientation probation review calibration rubric competency
expectation standard bar level ladder track path progression mobility secondment sabbatical
mentoring sponsorship shadowing pairing mobbing apprenticeship internship fellowship bootcamp
certification exam quiz assessment evaluation survey questionnaire interview focus usability
accessibility localisation translation currency timezone locale holiday calendar
negotiate listen facilitate storytelling public speaking writing editing proofreading sketching
visualising modelling forecasting budgeting planning scheduling prioritising delegating coaching
mentoring interviewing hiring firing coaching leading managing influencing persuading selling
presenting pitching demoing teaching learning studying reading researching analysing measuring
experimenting prototyping testing debugging profiling tuning scaling hardening securing patching
upgrading documenting reviewing approving merging releasing deploying monitoring alerting
debrief postmortem blameless timeline root lesson action item follow owner deadline checkpoint
cadence sync async written verbal visual nonverbal body posture gesture eye contact handshake
introvert extrovert ambivert personality trait strength weakness blind spot bias stereotype
assumption judgment perception interpretation misunderstanding clarification confirmation
agreement consensus compromise concession trade bargain deal offer counter anchor walk away
batna leverage stake interest position need want fear hope motive incentive reward penalty
consequence accountability responsibility ownership autonomy mastery purpose flow deep shallow
interruption distraction notification context switch multitask batch block calendar timebox
pomodoro deadline buffer slack margin contingency reserve runway burn cash flow profit loss
margin revenue growth valuation investor board shareholder dividend acquisition merger spinoff
restructuring layoff reorganisation relocation expansion contraction recession inflation interest
rate loan debt credit saving spending consumption demand supply shortage surplus export import
tariff trade border customs shipping container port harbour airport station railway highway
bridge tunnel road street avenue square park river lake mountain valley forest desert island
coast beach ocean sea bay harbour village town suburb district neighbourhood
";

/// More content words, less frequent than the ones above: everyday English nouns, verbs and
/// adjectives.
const MORE_CONTENT_WORDS: &str = "
ability absence academy accident account accuracy achievement acid acquaintance activity actor
adapter addition address adult adventure advertisement affair affection afternoon age agency agent
agriculture aid aim air aircraft alcohol alley ambition amount analogy ancestor angle animal ankle
anniversary anxiety apartment apology appeal appetite apple appliance appointment arch architect
architecture area arena arm army arrangement arrival arrow artist aspect asset assignment assistant
association atmosphere attempt attic attitude attorney attraction auction aunt author authority
avenue award awareness axis baby bachelor backpack bacon bag baggage bakery ball balloon banana
band bank bar bargain barn barrel base basket bat bath bathroom battery battle bay beach bean bear
beard bed bedroom beef beer bell belt bench bicycle bill bin biology bird birth birthday biscuit
bishop blade blanket blood blossom board boat body bone bonus boot border boss bottle bottom bowl
box boy brain brake branch bread breakfast breath brick bride bridge brother brush bubble bucket
building bulb bullet bundle burden bureau bus business butter butterfly cabin cabinet cable cafe
cage cake calculation calendar camp campaign canal cancer candle candy canvas cap capital captain
car carbon card cargo carpet carriage carrot cart cartoon case castle cat catalogue cattle ceiling
cell cellar cement census ceremony chain chairman chalk chamber champion chance channel chapter
character charge charity charm chart chef chemical chemistry chest chicken chief chimney chin chip
chocolate church cigarette cinema circle circuit citizen city civilisation claim class classroom
clay cleaner climate cloth clothes cloud club coach coal coat cocktail coin collar collection
college colony column combination comedy comfort command commerce commission committee commodity
companion comparison competition complaint component composer compound computer concert conclusion
concrete conference confusion congress connection conscience consideration constitution
construction consultant consumer contact container contest continent contribution controller
convention cook cookie copper copy cord corn corner corporation corridor costume cottage cotton
cough council counter county couple courage court cousin cover cow crack craft crash cream creature
credit crew crime criminal crop cross crowd crown cruise crystal cucumber cup cupboard curtain
curve cushion customer cycle dad damage dance danger darkness daughter dawn deal death debate debt
decade deck declaration decline decoration definition degree delay delight democracy density
dentist departure deposit depression depth deputy desert desire dessert destruction detective
device diamond diary dictionary diet difference difficulty dimension dinner dirt disaster
discipline discount disease dish disk display distance district divorce doctor dog doll dollar
domain door dot dozen drama drawer drawing dream dress drink drop drug drum duck dust duty eagle
ear earth ease east economy edition education egg elbow election electricity element elephant
elevator emergency emperor employee employer employment enemy engine engineering entertainment
enthusiasm entrance entry envelope episode equipment era escape essay estate evening event exam
examination exchange excitement excuse exercise exhibition existence exit expansion expedition
experiment explanation explosion exposure expression extension extent eye fabric face facility
factory faith fame fan fantasy farm farmer fashion fat father fault favour feast feather fee fence
ferry festival fever fiction fig fight figure film finger fire fireplace fish fisherman flag flame
flat flavour flesh flight flood flour flower fly fog fold folk football force forehead foreigner
forest fork formula fortune fountain fox fragment frame freedom freezer frequency fridge fruit fuel
fun funeral fur furniture gallery gap garage gas gate gear gene generation genius gentleman
geography ghost gift girl glass glove glue god gold golf government governor grain grammar
grandfather grandmother grape grass gravity grocery ground guard guest guitar gun guy hair hall
hallway hammer hand handle harbour hardware harm hat hatred head headline heat heaven hedge heel
helicopter hell helmet hero highway hill hip hobby hole honey hook horizon horn horror horse
hospital host hotel house household housing human hunger hunter husband hut ice identity illusion
illustration imagination immigrant income independence index industry infant infection inflation
information ingredient inhabitant injury ink inn insect inspection inspector institution
instruction instrument insurance intelligence intention interior internet invasion investigation
investment iron island item jacket jail jam jar jaw jeans jet jewel job journal journalist judge
juice jungle jury kettle kid kidney king kingdom kiss kitchen kite knee knife knot laboratory
ladder lady lamp land landlord lane lap laptop lawn lawyer layer leaf league leather lecture leg
legend lemon length lens lesson letter liberty library lid lie life lift light lily limb lion lip
liquid list literature liver loan lobby location lock lord lorry lottery luck luggage lung machine
magazine magic magnet maid mail mainland majority male mall mammal man manner manufacturer marble
margin marriage mask mass master match mate material mathematics matter mayor meal meat mechanic
mechanism medal medicine melody memorial merchant mess metal meter method microscope midnight
military milk mill mind mine minister minority mirror mission mistake mixture mob mom monarch money
monk monkey monster mood moon mortgage mosquito mother motor motorway mountain mouth movie mud
muscle museum mushroom musician mystery nail name nation navy neck needle neighbour nephew nerve
nest net newspaper niece noon nose novel number nurse nut oak obligation observation occasion ocean
offence officer oil onion opera operation opinion opponent opposition orange orchestra organ origin
oven owner oxygen pack package pad pain paint painter painting pair palace palm pan panel panic
paper parade parcel parent parking parliament participant partnership party passage passenger
passion passport pasta pastry patch patient pattern pavement peace peach peak pear pen pencil penny
pepper percentage perfume permit person pet petrol philosophy photograph physics piano picture pie
piece pig pigeon pile pill pillow pilot pin pipe pit pitch pizza planet plant plastic plate
platform player pleasure plot pocket poem poet poetry poison pole police politician politics
pollution pond pool population porch portion portrait possession post pot potato pottery poverty
powder power prayer president press pride priest prince princess printer prison prisoner prize
producer profession professor profit programme promise proof property proportion protection protest
province pub public pudding pump punishment pupil purse puzzle pyramid queen rabbit race radiation
radio rail rain rat reaction reader reality receipt reception recipe recording recovery referee
reflection refrigerator refugee region relation relationship relative religion reputation rescue
reservation resident resistance resolution resort resource restaurant revolution reward rhythm rice
rider rifle ring riot rise ritual river road robot rock rocket roll roof root rope rose rubber
rubbish rug rumour runner sack sailor salad salt sand sandwich satellite sauce sausage scale
scandal scene scent scholar school science scientist scissors screw sculpture sea seat secretary
section sector seed self seminar senate sense sentence servant settlement sex shade shadow shame
shape sheep sheet shelf shell shelter shirt shock shoe shop shore shoulder shower sibling sidewalk
sight sign silk silver singer sink sister site skin skirt skull sky sleeve slice slope smell smoke
snake soap soccer society sock sofa soil soldier solution son song soul soup spider spine spirit
sponge spoon spot spouse square stadium staff stage staircase stamp star statement statue steak
steam steel stick stomach stone stool storm stove stranger straw stream strength string student
studio subject substance suburb success sugar suit sun supermarket surface surgeon surgery surname
surprise suspect sweater swimming sword symbol symptom syndrome tail tailor talent tank tape taste
tax taxi tea teacher teenager telephone telescope television temperature temple tenant tennis tent
territory terror text texture theatre theme therapy thief thigh thread threat throat throne thumb
ticket tide tie tiger timber tin tissue toast tobacco toe toilet tomato tone tongue tooth top torch
tourist towel tower toy track tractor tradition traffic tragedy trail train transport tray treasure
treatment treaty tree trial triangle tribe trick troop trouble trousers truck trunk truth tube tune
tutor twin umbrella uncle uniform union universe university valley van vegetable vehicle vein venue
verse vessel veteran victim victory village violin virus visa visitor vitamin volcano volunteer
voter voyage wage wagon waist waiter wall wallet war wardrobe warehouse warning washing wasp watch
water wave wax wealth weapon wedding weed welfare whale wheat wheel whisky widow wife wildlife wind
window wine wing winner wire witch witness wolf woman wood wool worker workshop world worm wound
wrist writer yard youth zone abandon absorb accelerate accommodate accompany accumulate accuse
achieve acquire adapt adjust admire adopt advance advertise advocate afford allocate allow alter
amend amuse analyse anticipate appear applaud apply appoint approach arrange arrest articulate
assemble assert assess assign assist assume assure attach attack attain attract audit authorise
automate avoid await bake balance ban bathe battle behave believe belong bend benefit bet bind bite
blame bleed blend bless blink block bloom blow boast boil bond boost borrow bother bounce bow
brainstorm breathe breed bring broadcast browse brush buckle budget bump burn burst bury buy
calculate calibrate calm capture care carry carve cast catch certify chase chat cheat check cheer
chew chill chop cite claim clap clarify classify clean climb cling close coach coin collapse
collect combine comfort command commit communicate compensate compete compile complain complete
compose comprehend compress compute conceal concede conceive concentrate conclude condemn conduct
confess confide confirm confront confuse congratulate conquer consider consist console consolidate
construct consult consume contain contemplate contend continue contract contradict contrast
contribute control convert convey cook cooperate coordinate cope copy correct correspond cough
count crawl create creep criticise cross crush cry cultivate cure customise cut damage dare deal
debug decay deceive declare decline decorate decrease dedicate defeat defend define delay delete
deliberate delight deliver demand demonstrate deny depart depend depict derive descend describe
deserve desire destroy detect determine develop devise devote diagnose dictate differ dig digest
dip direct disappear discard discover dismiss dispatch display dissolve distinguish distribute dive
divert divide dominate donate doubt draft drag drain draw dream dress drift drill drink drive drop
drown dry dump dwell earn eat edit educate elaborate elect eliminate embark embrace emerge
emphasise employ empower empty enable enact enclose encounter endorse endure enforce engage enhance
enjoy enlarge enlist enrich enrol ensure enter entertain equip erase erect escape establish
evaluate evaporate evolve examine exceed excel exchange excite exclude execute exercise exhibit
exist expand expect expedite experiment expire explode explore export expose express extend extract
facilitate fade fasten favour fear feed fetch fight file fill finalise finance fine fit flash flee
fling float flood flourish flow fly fold forbid forecast foresee forge forgive form formulate
foster found frame freeze frighten fulfil function fund gain gather generate glance glow govern
grab graduate grant grasp greet grind grip guarantee guard guess guide halt handle hang harvest
hate heal hear heat hesitate hide highlight hire hit hold hop host hug hunt hurry hurt identify
ignite ignore illustrate imagine imitate implement imply import impose impress imprison incorporate
increase indicate induce infect infer inform inherit initiate inject injure innovate input inquire
insert insist inspect inspire install instruct insult integrate intend intensify interact interfere
interpret interrupt intervene invent invest investigate isolate jog judge jump justify kick kill
kneel knit knock label lack land last laugh launch lay lean leap lend license lie lift limit linger
load locate lock log long look loosen lose love maintain march mark marry match matter mature
maximise mean meditate melt memorise mend merge minimise miss mix mobilise modify monitor mount
mourn multiply murder nail narrate navigate nod nominate normalise obey object oblige observe
obtain occupy occur offend offer omit operate oppose optimise orbit order originate outline
overcome overlook oversee owe pack paint park participate pass paste pay perceive perform permit
persist persuade photograph pick pinch place plant play plead please plug point polish pollute pose
possess post pour pray preach precede predict prefer preserve preside press pretend prevail prevent
print proceed produce profit program progress prohibit project prolong promote prompt pronounce
protect protest prove provide provoke publish pull punch punish purchase pursue push qualify
question quit quote race radiate rain raise rank rate reach react realise rebuild recall receive
reckon recognise recommend reconcile record recover recruit recycle reduce refer refine reflect
reform refresh refuse regain regard register regret regulate rehearse reinforce relate relax
release rely remain remark remind remove render renew rent repair repeat replace reply represent
reproduce request require rescue resemble reserve reside resign resist resolve respect respond rest
restore restrict resume retain retire retreat retrieve return reveal reverse revise revive reward
ride ring rinse rise roar rob rock roll rotate rub rule rush sail satisfy save saw scan scatter
schedule scold scratch scream screen scrub seal search secure seek seize select sell send sense
separate serve settle sew shake shape sharpen shave shed shelter shift shine shiver shoot shop
shout show shrink shrug shut sigh sign signal simplify sing sink sip sit sketch ski skip slam slap
sleep slide slip smash smell smile smoke snap sneeze sniff snore soak solve sort sound sow spare
spark spell spend spill spin spit split spoil sponsor spot spray spread spring sprint squeeze stab
stack stain stamp stand stare state stay steal steer step stick stimulate sting stir store
strengthen stress stretch strike strip strive stroke study stuff submit substitute subtract suck
suffer suggest suit summarise supervise supply suppose suppress surround survey survive suspect
suspend sustain swallow swear sweat sweep swell swim swing switch sympathise synthesise tackle tag
tap target taste teach tear tease tell tempt tend terminate terrify testify thank thrive throw tick
tidy tie tighten tip tolerate tore toss touch tour trace trade train transfer transform translate
transmit trap travel tread treat tremble trigger trim trip trust tuck tug turn tutor twist type
undergo undermine undertake undo unfold unify unite unlock unpack update uphold upset urge utilise
vacuum validate vanish vary venture verify veto view violate visit visualise volunteer vomit wander
warn wash waste watch water wave weaken wear weave weep weigh whisper whistle widen wink wipe wish
withdraw withstand witness wonder worry worship wrap wrestle wriggle yawn yell yield zoom able
absent absolute abstract absurd abundant academic acceptable accessible accurate active actual
acute adequate adjacent advanced aggressive agile alert alive allergic amazing ambitious ample
ancient angry annual anonymous anxious apparent appropriate approximate arbitrary aware awkward
bare basic beautiful beloved beneficial bitter bizarre blank blind bold boring bottom brave brief
bright brilliant broad broken brutal busy calm capable careful careless casual cautious central
certain cheap cheerful chronic civil classic clever close coarse cold comfortable commercial common
compact competent competitive complete complex comprehensive confident conscious conservative
considerable consistent constant constructive contemporary content continuous convenient
conventional cool correct costly crazy creative critical crucial cruel cultural curious current
cute daily damp dangerous dark dead deaf dear decent deep defensive definite delicate delicious
dense dependent desperate detailed digital diligent direct dirty distant distinct diverse domestic
dominant double doubtful dramatic dry dull dumb durable dynamic eager eastern economic effective
efficient elaborate elderly electric elegant eligible emotional empty endless enormous entire
environmental equal essential eternal ethical even evident evil exact excellent exceptional
excessive exciting exclusive exotic expensive explicit extensive external extraordinary extreme
fair faithful false familiar famous fancy fantastic far fast fatal favourable fearful feasible
federal female fierce final financial fine firm fiscal fit flat flexible fluent foolish foreign
formal former fortunate fragile frank frequent fresh friendly frozen fundamental funny furious
generous genuine gentle giant global glorious gradual grand grateful grave greedy grim gross guilty
handsome handy harmful harsh healthy heavy helpful helpless hidden high holy hollow honourable
hopeful horrible hostile hot huge humble hungry ideal identical idle ill illegal immediate immense
imminent immune implicit impossible impressive inadequate incredible independent indirect
individual industrial inevitable infinite influential informal initial inner innocent innovative
intact intellectual intense interactive interim internal international intimate invisible ironic
irrelevant jealous joint junior just keen kind large lasting lazy lean legal legitimate lengthy
liberal light likely limited linear liquid literal live lively local logical lonely loose loud
lovely loyal lucky luxurious mad magnificent main major male manual marginal marine massive mature
maximum meaningful medical medieval mental mere mild military minimal minor miserable mobile
moderate modern modest moral mutual naked narrow nasty national native natural naval near neat
necessary negative neutral nervous nice noble nominal normal notable noticeable novel numerous
obvious occasional odd offensive official okay old operational opposite optimistic optional oral
ordinary organic original outstanding overall overseas painful pale parallel partial particular
passive past patient peaceful peculiar perfect permanent persistent personal physical plain
pleasant plenty polite political poor popular portable positive possible potential powerful
practical precious precise pregnant preliminary premium prepared present pretty previous primary
prime principal prior private probable productive professional profound progressive prominent
promising proper proportional prospective protective proud provincial psychological public pure
purple puzzled quiet radical random rapid rare rational raw ready realistic reasonable recent
regional regular relative relaxed relevant reliable reluctant remarkable remote renewable
representative residential resistant respectable respective responsible restless retail rich
ridiculous rigid ripe risky rival romantic rough round routine royal rude rural sacred sad safe
satisfied scared scary secondary secret secure selective senior sensible sensitive separate severe
sexual shallow sharp sheer shiny shy sick significant silent silly similar sincere single slight
smart smooth social soft solar sole solid sophisticated sore sorry sound southern spare spatial
special specific spectacular spicy spiritual splendid spontaneous square stable static statutory
steady steep sticky stiff strange strategic strict striking strong structural stupid subjective
subsequent substantial subtle successful successive sudden sufficient suitable sunny super superb
superior supreme surprising suspicious sustainable sweet swift symbolic sympathetic systematic tall
technical temporary tender terrible thick thin thirsty thorough tight tiny tired total tough toxic
traditional tragic tremendous tropical true typical ugly ultimate unable uncomfortable underlying
unexpected unfair unhappy uniform unique universal unknown unlikely unusual upper upset urban
urgent usual vague valid valuable variable various vast verbal vertical viable vibrant vicious
vigorous violent virtual visible vital vivid voluntary vulnerable warm weak wealthy weekly weird
welcome western wet wicked wide wild willing wise wonderful wooden worried worthy yellow young
";

/// Rare words: tools, acronyms, places and uncommon words, each in a few posts per million.
const RARE_WORDS: &str = "
kubernetes terraform grafana prometheus okr gdpr hipaa jira confluence salesforce tableau looker
snowflake airflow kafka redis elasticsearch nginx haproxy istio envoy helm ansible vagrant
jenkins circleci buildkite bazel gradle maven webpack vite babel typescript kotlin haskell ocaml
erlang elixir clojure scala golang fortran cobol pascal assembler verilog matlab simulink
labview solidworks autocad figma sketchapp invision miro mural lucidchart visio notion obsidian
roam evernote trello asana basecamp clickup monday smartsheet airtable zapier ifttt hubspot
marketo pardot mailchimp intercom zendesk freshdesk servicenow workday successfactors bamboohr
greenhouse lever gusto rippling deel netsuite quickbooks xero sap oracle dynamics sharepoint
onedrive dropbox box gitlab bitbucket github sourcegraph sentry datadog honeycomb splunk
pagerduty opsgenie statuspage cloudflare akamai fastly heroku netlify vercel digitalocean linode
hetzner openstack vmware hyperv proxmox qemu firecracker wasm webassembly graphql grpc protobuf
thrift avro parquet orc iceberg hudi delta lakehouse duckdb clickhouse druid pinot cassandra
scylla cockroachdb yugabyte spanner bigtable dynamodb cosmosdb firestore couchdb pouchdb
neo4j arangodb memcached rabbitmq activemq nats pulsar kinesis flink beam spark hadoop hive
presto trino impala sqoop nifi dagster prefect luigi mlflow kubeflow sagemaker vertex bedrock
pytorch tensorflow keras jax scikit xgboost lightgbm catboost pandas polars numpy scipy
matplotlib seaborn plotly bokeh streamlit gradio jupyter colab rstudio stata spss sas
lisbon nairobi montreal reykjavik ljubljana tbilisi ulaanbaatar valparaiso kraków tallinn vilnius
riga bratislava zagreb sarajevo skopje tirana chisinau yerevan baku almaty tashkent bishkek
dushanbe kathmandu thimphu colombo dhaka yangon vientiane phnom hanoi manila jakarta surabaya
darwin hobart auckland wellington suva apia nuku honiara port vila noumea papeete
serendipity ephemeral idempotent heuristic isomorphic orthogonal asymptotic stochastic
ergodic monotonic commutative associative transitive reflexive holistic synergy liminal
palimpsest sonder hiraeth saudade hygge lagom ikigai kaizen wabi sabi ubuntu sisu gemutlichkeit
zeitgeist schadenfreude weltschmerz wanderlust doppelganger kitsch angst leitmotif
mise en place sous vide umami kombucha sourdough kimchi miso tempeh seitan quinoa farro freekeh
bulgur couscous polenta risotto paella tagine pho ramen udon soba tempura gyoza dim sum
bouldering parkour kayaking rowing fencing curling biathlon triathlon orienteering geocaching
origami calligraphy letterpress linocut screenprint ceramics pottery glassblowing woodturning
blacksmithing beekeeping foraging birdwatching stargazing astrophotography cryptography
steganography cryptanalysis zeroknowledge homomorphic blockchain merkle byzantine paxos raft
gossip crdt vectorclock lamport quorum sharding partitioning replication idempotency backpressure
debounce throttling memoisation trampolining monad functor applicative lens prism zipper
";

/// Thread title openings, for the search corpus and the benchmark threads.
const TITLE_OPENINGS: &[&str] = &[
    "How do you handle",
    "Lessons from",
    "Question about",
    "What worked for us with",
    "Ideas for",
    "Looking for advice on",
    "Our experience with",
    "Thoughts on",
    "A story about",
    "Getting better at",
];

struct Words {
    /// Surface words; ids are indexes. Function words are not tracked (`u32::MAX`).
    words: Vec<&'static str>,
    /// The search term of each word (`text::terms`), as the index holds it.
    stems: Vec<String>,
    content: Vec<u32>,
    content_cdf: Vec<f64>,
    rare: Vec<u32>,
    rare_cdf: Vec<f64>,
    function: Vec<&'static str>,
    function_cdf: Vec<f64>,
}

fn zipf_cdf(n: usize, s: f64) -> Vec<f64> {
    let mut cdf = Vec::with_capacity(n);
    let mut total = 0.0;
    for r in 1..=n {
        total += 1.0 / (r as f64).powf(s);
        cdf.push(total);
    }
    for c in &mut cdf {
        *c /= total;
    }
    cdf
}

fn pick(cdf: &[f64], rng: &mut StdRng) -> usize {
    let u: f64 = rng.gen();
    cdf.partition_point(|&c| c < u).min(cdf.len() - 1)
}

/// Probability that a content word is replaced by a rare one (about one post in 20 gets one).
const RARE_PER_WORD: f64 = 0.0013;

impl Words {
    fn new() -> Self {
        let mut seen_stems = HashSet::new();
        let function: Vec<&'static str> = FUNCTION_WORDS.split_whitespace().collect();
        for w in &function {
            for t in text::terms(w) {
                seen_stems.insert(t);
            }
        }
        let mut words = Vec::new();
        let mut stems = Vec::new();
        let mut take = |list: &'static str| {
            let mut ids = Vec::new();
            for w in list.split_whitespace() {
                let t = text::terms(w);
                // One word per search term, so that a word's document frequency is its term's.
                if t.len() != 1 || !seen_stems.insert(t[0].clone()) {
                    continue;
                }
                ids.push(words.len() as u32);
                words.push(w);
                stems.push(t[0].clone());
            }
            ids
        };
        let mut content = take(CONTENT_WORDS);
        content.extend(take(MORE_CONTENT_WORDS));
        let rare = take(RARE_WORDS);
        Words {
            content_cdf: zipf_cdf(content.len(), 1.0),
            rare_cdf: zipf_cdf(rare.len(), 1.0),
            function_cdf: zipf_cdf(function.len(), 1.0),
            words,
            stems,
            content,
            rare,
            function,
        }
    }

    /// One word: a function word (`None` id) or a content or rare word.
    fn word(&self, rng: &mut StdRng) -> (&'static str, Option<u32>) {
        if rng.gen_bool(0.45) {
            return (self.function[pick(&self.function_cdf, rng)], None);
        }
        let id = if rng.gen_bool(RARE_PER_WORD) {
            self.rare[pick(&self.rare_cdf, rng)]
        } else {
            self.content[pick(&self.content_cdf, rng)]
        };
        (self.words[id as usize], Some(id))
    }

    fn content_word(&self, rng: &mut StdRng) -> (&'static str, u32) {
        let id = self.content[pick(&self.content_cdf, rng)];
        (self.words[id as usize], id)
    }

    /// A sentence of 6–18 words; content word ids go to `ids`.
    fn sentence(&self, rng: &mut StdRng, ids: &mut Vec<u32>, decorate: bool, out: &mut String) {
        let n = rng.gen_range(6..=18);
        for i in 0..n {
            let (w, id) = self.word(rng);
            if let Some(id) = id {
                ids.push(id);
            }
            if i > 0 {
                out.push(' ');
            }
            let mut word = w.to_string();
            if i == 0 {
                let mut chars = w.chars();
                if let Some(c) = chars.next() {
                    word = c.to_uppercase().chain(chars).collect();
                }
            }
            if decorate && id.is_some() && rng.gen_bool(0.06) {
                match rng.gen_range(0..4) {
                    0 => word = format!("**{word}**"),
                    1 => word = format!("*{word}*"),
                    2 => word = format!("`{word}`"),
                    _ => word = format!("[{word}](https://wiki.example.com/{w})"),
                }
            }
            out.push_str(&word);
        }
        out.push(if rng.gen_bool(0.1) { '?' } else { '.' });
    }

    /// A thread title.
    fn title(&self, rng: &mut StdRng) -> (String, Vec<u32>) {
        let mut ids = Vec::new();
        let mut title = TITLE_OPENINGS[rng.gen_range(0..TITLE_OPENINGS.len())].to_string();
        for _ in 0..rng.gen_range(2..=4) {
            let (w, id) = self.content_word(rng);
            title.push(' ');
            title.push_str(w);
            ids.push(id);
        }
        (title, ids)
    }

    /// A plain reply for the search corpus: paragraphs of sentences, `min..max` characters.
    fn plain_post(&self, rng: &mut StdRng, min: usize, max: usize) -> (String, Vec<u32>) {
        let target = rng.gen_range(min..max);
        let mut ids = Vec::new();
        let mut out = String::with_capacity(target + 120);
        while out.len() < target {
            if !out.is_empty() {
                out.push_str(if rng.gen_bool(0.3) { "\n\n" } else { " " });
            }
            self.sentence(rng, &mut ids, false, &mut out);
        }
        (out, ids)
    }

    /// A Markdown reply of roughly 300–800 characters: paragraphs with emphasis, code and
    /// links, and now and then a list or a quote.
    fn markdown_post(&self, rng: &mut StdRng) -> String {
        let target = rng.gen_range(300..650);
        let mut ids = Vec::new();
        let mut out = String::new();
        while out.len() < target {
            if !out.is_empty() {
                out.push_str("\n\n");
            }
            match rng.gen_range(0..8) {
                0 => {
                    for _ in 0..rng.gen_range(2..=4) {
                        out.push_str("- ");
                        self.sentence(rng, &mut ids, true, &mut out);
                        out.push('\n');
                    }
                }
                1 => {
                    for i in 1..=rng.gen_range(2..=3) {
                        out.push_str(&format!("{i}. "));
                        self.sentence(rng, &mut ids, true, &mut out);
                        out.push('\n');
                    }
                }
                2 => {
                    out.push_str("> ");
                    self.sentence(rng, &mut ids, false, &mut out);
                }
                _ => {
                    for i in 0..rng.gen_range(2..=3) {
                        if i > 0 {
                            out.push(' ');
                        }
                        self.sentence(rng, &mut ids, true, &mut out);
                    }
                }
            }
        }
        out.trim_end().to_string()
    }
}

// ---- Thread render and live delivery -------------------------------------------------------

async fn conversation(backend: &str, words: &Words) {
    let Some(db) = fresh(backend, "conv").await else {
        println!("{backend}: not measured (set PEERLAB_BENCH_PG to a PostgreSQL admin URL)");
        return;
    };
    let store = Store::open(&db.location, Create::IfMissing)
        .await
        .expect("open");
    let mut rng = StdRng::seed_from_u64(200);
    let t0 = now();

    let owner = person(&store, 0, Role::Facilitator).await;
    let space_id = store
        .create_space(
            &NewSpace {
                name: "Engineering leadership".into(),
                description: "Managers and leads learning from each other.".into(),
                kind: SpaceKind::Community,
                visibility: Visibility::Open,
                rules: space::DEFAULT_RULES.to_string(),
            },
            owner,
            t0,
        )
        .await
        .expect("space");
    let mut members = Vec::with_capacity(LISTENERS);
    for i in 1..=LISTENERS {
        let id = person(&store, i, Role::Member).await;
        store
            .add_member(space_id, id, SpaceRole::Member, None, t0)
            .await
            .expect("member");
        store
            .accept_rules(space_id, id, 1, t0)
            .await
            .expect("accept");
        members.push(id);
    }

    // The thread: an opening post, 200 replies by members, and reactions.
    let (title, _) = words.title(&mut rng);
    let opened_at = t0 - (THREAD_REPLIES as i64 + 10) * 60_000;
    let body = words.markdown_post(&mut rng);
    let thread_id = store
        .create_thread(
            &NewThread {
                space_id,
                kind: ThreadKind::Discussion,
                title: space::Title::parse(&title).expect("title"),
                question: String::new(),
                skills: Vec::new(),
                post: post_input(&title, &body),
            },
            owner,
            opened_at,
        )
        .await
        .expect("thread")
        .thread_id;
    let mut post_ids = Vec::with_capacity(THREAD_REPLIES);
    let mut chars = 0;
    for i in 0..THREAD_REPLIES {
        let body = words.markdown_post(&mut rng);
        chars += body.chars().count();
        let author = members[rng.gen_range(0..members.len())];
        let w = store
            .reply(
                thread_id,
                &post_input("", &body),
                author,
                opened_at + (i as i64 + 1) * 60_000,
            )
            .await
            .expect("reply");
        post_ids.push(w.post_id);
    }
    let mut reactions = 0;
    for &post in &post_ids {
        let mut given = HashSet::new();
        for _ in 0..rng.gen_range(0..=6) {
            let who = members[rng.gen_range(0..members.len())];
            let r = Reaction::ALL[rng.gen_range(0..Reaction::ALL.len())];
            if given.insert((who, r)) {
                store.react(post, who, r, t0).await.expect("react");
                reactions += 1;
            }
        }
    }
    println!(
        "{backend}: thread with {THREAD_REPLIES} replies of Markdown (mean {} characters), {reactions} reactions",
        chars / THREAD_REPLIES
    );

    let server = start(&store).await;
    let client = reqwest::Client::new();
    let viewer = members[0];
    let token = session(&store, viewer).await;
    let token_hash = peerlab_web::sha256_hex(&token);
    let cookie = format!("peerlab_session={token}");
    let path = format!("/threads/{thread_id}");
    let last_post = format!("post-{}", post_ids[THREAD_REPLIES - 1]);

    // Interleaved, so that whatever else runs on the machine weighs on all four alike:
    // 1. the store queries of the page, as the handler makes them;
    // 2. the whole handler in-process: router, session, queries, template, body;
    // 3. the page over loopback, and 4. the smallest request over loopback, as a baseline.
    let app = peerlab_web::router(server.state.clone());
    let mut store_time = Vec::with_capacity(RENDERS);
    let mut in_process = Vec::with_capacity(RENDERS);
    let mut http = Vec::with_capacity(RENDERS);
    let mut baseline = Vec::with_capacity(RENDERS);
    let mut page_bytes = 0;
    for i in 0..RENDERS + 20 {
        let t = Instant::now();
        let user = store
            .session_user(&token_hash, now())
            .await
            .expect("session")
            .expect("signed in");
        let thread = store
            .thread(thread_id)
            .await
            .expect("thread")
            .expect("found");
        store
            .space(thread.space_id)
            .await
            .expect("space")
            .expect("found");
        store
            .membership(thread.space_id, user.person_id)
            .await
            .expect("membership");
        let view = store
            .thread_view(thread_id, user.person_id)
            .await
            .expect("view")
            .expect("found");
        let store_took = t.elapsed();
        assert_eq!(view.posts.len(), THREAD_REPLIES + 1);

        let request = axum::http::Request::get(path.as_str())
            .header(axum::http::header::COOKIE, cookie.as_str())
            .body(axum::body::Body::empty())
            .expect("request");
        let t = Instant::now();
        let response = app.clone().oneshot(request).await.expect("response");
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        let in_process_took = t.elapsed();
        assert_eq!(status, 200);
        page_bytes = body.len();

        let t = Instant::now();
        let r = client
            .get(format!("{}{path}", server.base))
            .header(reqwest::header::COOKIE, &cookie)
            .send()
            .await
            .expect("get");
        assert_eq!(r.status(), 200);
        let page = r.text().await.expect("body");
        let http_took = t.elapsed();
        assert!(page.contains(&last_post), "the page shows the last reply");

        let t = Instant::now();
        let r = client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .expect("get");
        r.bytes().await.expect("body");
        let baseline_took = t.elapsed();

        if i >= 20 {
            store_time.push(store_took);
            in_process.push(in_process_took);
            http.push(http_took);
            baseline.push(baseline_took);
        }
    }
    report(
        &format!("{backend}: thread page, store queries (5 calls)"),
        store_time,
    );
    report(
        &format!("{backend}: thread page, server work in-process"),
        in_process,
    );
    report(
        &format!(
            "{backend}: GET /threads/{{id}} over loopback ({} kB)",
            page_bytes / 1024
        ),
        http,
    );
    report(
        &format!("{backend}: GET /healthz over loopback (baseline)"),
        baseline,
    );

    live(backend, &store, &server, words, owner, space_id, &members).await;
    drop(server);
    db.remove(store).await;
}

/// The post id in an SSE `data:` line of a `post` event: `{"post":42}`.
fn post_id(data: &str) -> Option<i64> {
    data.trim()
        .strip_prefix("{\"post\":")?
        .strip_suffix('}')?
        .trim()
        .parse()
        .ok()
}

async fn live(
    backend: &str,
    store: &Store,
    server: &Server,
    words: &Words,
    owner: PersonId,
    space_id: SpaceId,
    members: &[PersonId],
) {
    let mut rng = StdRng::seed_from_u64(50);
    let (title, _) = words.title(&mut rng);
    let body = words.markdown_post(&mut rng);
    let thread_id = store
        .create_thread(
            &NewThread {
                space_id,
                kind: ThreadKind::Question,
                title: space::Title::parse(&title).expect("title"),
                question: String::new(),
                skills: Vec::new(),
                post: post_input(&title, &body),
            },
            owner,
            now(),
        )
        .await
        .expect("thread")
        .thread_id;
    let client = reqwest::Client::new();
    // A few replies before anyone listens, so that the timed ones find warm connections and
    // prepared statements.
    let token = api_token(store, owner).await;
    let replies_url = format!("{}/api/v1/threads/{thread_id}/replies", server.base);
    for _ in 0..5 {
        let r = client
            .post(&replies_url)
            .bearer_auth(&token)
            .json(&serde_json::json!({ "body": words.markdown_post(&mut rng) }))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 201);
    }
    let url = format!("{}/threads/{thread_id}/events", server.base);
    let connecting = Instant::now();
    let mut listeners = Vec::with_capacity(members.len());
    for &member in members {
        let cookie = format!("peerlab_session={}", session(store, member).await);
        let client = client.clone();
        let url = url.clone();
        listeners.push(tokio::spawn(async move {
            let mut response = client
                .get(&url)
                .header(reqwest::header::COOKIE, cookie)
                .send()
                .await
                .expect("events");
            assert_eq!(response.status(), 200);
            let mut seen: Vec<(i64, Instant)> = Vec::with_capacity(LIVE_REPLIES);
            let mut buf = String::new();
            let mut event = String::new();
            while seen.len() < LIVE_REPLIES {
                let Some(chunk) = response.chunk().await.expect("chunk") else {
                    break;
                };
                let at = Instant::now();
                buf.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
                while let Some(end) = buf.find('\n') {
                    let line: String = buf.drain(..=end).collect();
                    let line = line.trim_end();
                    if let Some(e) = line.strip_prefix("event:") {
                        event = e.trim().to_string();
                    } else if let Some(d) = line.strip_prefix("data:") {
                        if event == "post" {
                            if let Some(id) = post_id(d) {
                                seen.push((id, at));
                            }
                        }
                    } else if line.is_empty() {
                        event.clear();
                    }
                }
            }
            seen
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.state.live.listeners(Topic::Thread(thread_id)) < members.len() {
        assert!(
            Instant::now() < deadline,
            "only {} of {} listeners connected",
            server.state.live.listeners(Topic::Thread(thread_id)),
            members.len()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    println!(
        "{backend}: {} listeners connected to GET /threads/{{id}}/events in {:.0} ms (sessions created on the way)",
        members.len(),
        connecting.elapsed().as_secs_f64() * 1e3
    );

    let url = replies_url;
    let mut sent: HashMap<i64, Instant> = HashMap::new();
    let mut posting = Vec::with_capacity(LIVE_REPLIES);
    for _ in 0..LIVE_REPLIES {
        let body = words.markdown_post(&mut rng);
        let t = Instant::now();
        let r = client
            .post(&url)
            .bearer_auth(&token)
            .json(&serde_json::json!({ "body": body }))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 201);
        let created: serde_json::Value = r.json().await.expect("json");
        posting.push(t.elapsed());
        sent.insert(created["post_id"].as_i64().expect("post_id"), t);
        tokio::time::sleep(LIVE_PAUSE).await;
    }

    let mut delays = Vec::with_capacity(LIVE_REPLIES * members.len());
    let mut missing = 0;
    let mut unexpected = 0;
    for listener in listeners {
        let seen = match tokio::time::timeout(Duration::from_secs(30), listener).await {
            Ok(Ok(seen)) => seen,
            _ => Vec::new(),
        };
        missing += LIVE_REPLIES.saturating_sub(seen.len());
        for (id, at) in seen {
            match sent.get(&id) {
                Some(&t) => delays.push(at.saturating_duration_since(t)),
                None => unexpected += 1,
            }
        }
    }
    report(
        &format!(
            "{backend}: POST /api/v1/threads/{{id}}/replies, {} listening",
            members.len()
        ),
        posting,
    );
    report(
        &format!(
            "{backend}: live delivery, {} listeners x {LIVE_REPLIES} replies",
            members.len()
        ),
        delays,
    );
    if missing > 0 || unexpected > 0 {
        println!("{backend}: live delivery: {missing} deliveries missing, {unexpected} unexpected");
    }
}

// ---- Search over a large corpus ------------------------------------------------------------

/// Replies in the search corpus: `PEERLAB_BENCH_REPLIES`, default 1,000,000.
fn corpus_replies() -> usize {
    std::env::var("PEERLAB_BENCH_REPLIES")
        .ok()
        .map(|v| {
            v.replace(['_', ','], "")
                .parse()
                .expect("PEERLAB_BENCH_REPLIES is a number")
        })
        .unwrap_or(1_000_000)
}

struct PlanThread {
    space: u8,
    author: u32,
    kind: ThreadKind,
    title: String,
    title_ids: Vec<u32>,
    created_at: i64,
    last_activity_at: i64,
    replies: i64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Visible,
    Hidden,
    Deleted,
}

struct PlanPost {
    thread: u32,
    author: u32,
    created_at: i64,
    opening: bool,
    state: State,
}

struct PostRow {
    id: i64,
    thread_id: ThreadId,
    space_id: SpaceId,
    author_id: PersonId,
    opening: i64,
    body: String,
    body_html: String,
    search_text: String,
    state: &'static str,
    created_at: i64,
}

/// A direct connection for bulk writes, beside the store's pool.
enum Fill {
    Sqlite(sqlx::SqliteConnection),
    Pg(sqlx::PgConnection),
}

fn values(rows: usize, cols: usize, pg: bool) -> String {
    let mut out = String::with_capacity(rows * cols * 6);
    let mut n = 0;
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ",(" });
        for c in 0..cols {
            if c > 0 {
                out.push(',');
            }
            n += 1;
            if pg {
                out.push_str(&format!("${n}"));
            } else {
                out.push('?');
            }
        }
        out.push(')');
    }
    out
}

macro_rules! on_fill {
    ($fill:expr, |$conn:ident, $pg:ident| $body:expr) => {
        match $fill {
            Fill::Sqlite($conn) => {
                let $pg = false;
                $body
            }
            Fill::Pg($conn) => {
                let $pg = true;
                $body
            }
        }
    };
}

impl Fill {
    async fn open(location: &Location) -> Self {
        match location {
            Location::Sqlite(path) => {
                let options = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(path)
                    .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(60))
                    .pragma("cache_size", "-400000");
                Fill::Sqlite(
                    sqlx::SqliteConnection::connect_with(&options)
                        .await
                        .expect("sqlite"),
                )
            }
            Location::Postgres(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await.expect("postgres");
                for sql in [
                    "SET synchronous_commit = off",
                    "SET maintenance_work_mem = '512MB'",
                ] {
                    sqlx::query(sql).execute(&mut conn).await.expect("set");
                }
                Fill::Pg(conn)
            }
        }
    }

    async fn exec(&mut self, sql: &str) {
        on_fill!(self, |c, _pg| {
            sqlx::query(sql)
                .execute(&mut *c)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        })
    }

    async fn insert_threads(
        &mut self,
        first_id: i64,
        rows: &[PlanThread],
        spaces: &[SpaceId],
        people: &[PersonId],
    ) {
        on_fill!(self, |c, pg| {
            let sql = format!(
                "INSERT INTO threads (id, space_id, kind, title, author_id, reply_count, created_at, last_activity_at) VALUES {}",
                values(rows.len(), 8, pg)
            );
            let mut q = sqlx::query(&sql);
            for (i, t) in rows.iter().enumerate() {
                q = q
                    .bind(first_id + i as i64)
                    .bind(spaces[t.space as usize])
                    .bind(t.kind.as_str())
                    .bind(&t.title)
                    .bind(people[t.author as usize])
                    .bind(t.replies)
                    .bind(t.created_at)
                    .bind(t.last_activity_at);
            }
            q.execute(&mut *c).await.expect("insert threads");
        })
    }

    async fn insert_posts(&mut self, rows: &[PostRow]) {
        on_fill!(self, |c, pg| {
            let sql = format!(
                "INSERT INTO posts (id, thread_id, space_id, author_id, opening, body, body_html, search_text, state, created_at) VALUES {}",
                values(rows.len(), 10, pg)
            );
            let mut q = sqlx::query(&sql);
            for p in rows {
                q = q
                    .bind(p.id)
                    .bind(p.thread_id)
                    .bind(p.space_id)
                    .bind(p.author_id)
                    .bind(p.opening)
                    .bind(&p.body)
                    .bind(&p.body_html)
                    .bind(&p.search_text)
                    .bind(p.state)
                    .bind(p.created_at);
            }
            q.execute(&mut *c).await.expect("insert posts");
        })
    }

    /// The secondary indexes of `table` as (name, CREATE statement).
    async fn indexes(&mut self, table: &str) -> Vec<(String, String)> {
        match self {
            Fill::Sqlite(c) => sqlx::query_as(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL",
            )
            .bind(table)
            .fetch_all(&mut *c)
            .await
            .expect("indexes"),
            Fill::Pg(c) => sqlx::query_as(
                "SELECT i.indexname::text, i.indexdef FROM pg_indexes i WHERE i.tablename = $1 \
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)",
            )
            .bind(table)
            .fetch_all(&mut *c)
            .await
            .expect("indexes"),
        }
    }
}

async fn search(backend: &str, words: Arc<Words>) {
    let Some(db) = fresh(backend, "search").await else {
        return;
    };
    let store = Store::open(&db.location, Create::IfMissing)
        .await
        .expect("open");
    let replies = corpus_replies();
    let n_threads = (replies / REPLIES_PER_THREAD).max(1);
    let n_posts = replies + n_threads;
    let mut rng = StdRng::seed_from_u64(1_000_000);
    let t0 = now();
    let started = Instant::now();

    // People and spaces through the store, as the application makes them.
    let mut people = Vec::with_capacity(CORPUS_PEOPLE);
    for i in 0..CORPUS_PEOPLE {
        let role = if i == 0 { Role::Admin } else { Role::Member };
        people.push(person(&store, i, role).await);
    }
    let (owner, searcher) = (people[0], people[1]);
    let mut spaces = Vec::with_capacity(CORPUS_SPACES);
    let mut visibility = Vec::with_capacity(CORPUS_SPACES);
    for i in 0..CORPUS_SPACES {
        // Sizes fall with the index (Zipf); visibilities alternate so that each has big spaces.
        let v = match i % 4 {
            0 | 2 => Visibility::Open,
            1 => Visibility::Private,
            _ => Visibility::Confidential,
        };
        let (name, _) = words.title(&mut rng);
        let id = store
            .create_space(
                &NewSpace {
                    name: format!("Space {i}: {}", &name[..name.len().min(60)]),
                    description: String::new(),
                    kind: SpaceKind::Community,
                    visibility: v,
                    rules: space::DEFAULT_RULES.to_string(),
                },
                owner,
                t0,
            )
            .await
            .expect("space");
        spaces.push(id);
        visibility.push(v);
    }
    // The searcher belongs to two open, two private and one confidential space.
    let joined = [0usize, 2, 1, 5, 3];
    for &i in &joined {
        store
            .add_member(spaces[i], searcher, SpaceRole::Member, None, t0)
            .await
            .expect("member");
    }
    let allowed: HashSet<SpaceId> = (0..CORPUS_SPACES)
        .filter(|&i| {
            visibility[i] == Visibility::Open
                || (visibility[i] == Visibility::Private && joined.contains(&i))
        })
        .map(|i| spaces[i])
        .collect();

    // The plan: posts in time order over three years, threads started among them, replies
    // mostly to recent threads.
    let span = 3 * 365 * 86_400_000i64;
    let first = t0 - span;
    let space_cdf = zipf_cdf(CORPUS_SPACES, 0.8);
    let kinds = [
        ThreadKind::Discussion,
        ThreadKind::Discussion,
        ThreadKind::Question,
        ThreadKind::Question,
        ThreadKind::Story,
        ThreadKind::Takeaway,
    ];
    let mut threads: Vec<PlanThread> = Vec::with_capacity(n_threads);
    let mut posts: Vec<PlanPost> = Vec::with_capacity(n_posts);
    for k in 0..n_posts {
        let at = first + (k as i64 * span) / n_posts as i64;
        let author = rng.gen_range(0..CORPUS_PEOPLE) as u32;
        let left_threads = n_threads - threads.len();
        if threads.is_empty() || (left_threads > 0 && rng.gen_range(0..n_posts - k) < left_threads)
        {
            let (title, title_ids) = words.title(&mut rng);
            threads.push(PlanThread {
                space: pick(&space_cdf, &mut rng) as u8,
                author,
                kind: kinds[rng.gen_range(0..kinds.len())],
                title,
                title_ids,
                created_at: at,
                last_activity_at: at,
                replies: 0,
            });
            posts.push(PlanPost {
                thread: threads.len() as u32 - 1,
                author,
                created_at: at,
                opening: true,
                state: State::Visible,
            });
        } else {
            let m = threads.len();
            let back = ((rng.gen::<f64>().powi(4) * m as f64) as usize).min(m - 1);
            let t = m - 1 - back;
            threads[t].replies += 1;
            threads[t].last_activity_at = at;
            let state = match rng.gen_range(0..1000) {
                0 | 1 => State::Hidden,
                2 | 3 => State::Deleted,
                _ => State::Visible,
            };
            posts.push(PlanPost {
                thread: t as u32,
                author,
                created_at: at,
                opening: false,
                state,
            });
        }
    }

    let mut fill = Fill::open(&db.location).await;
    // Bulk load: secondary indexes of posts are dropped and built again after the rows (the
    // primary key, and SQLite's full-text index kept by trigger, stay throughout).
    let indexes = fill.indexes("posts").await;
    for (name, _) in &indexes {
        fill.exec(&format!("DROP INDEX {name}")).await;
    }
    fill.exec("BEGIN").await;
    for (i, chunk) in threads.chunks(ROWS_PER_INSERT).enumerate() {
        fill.insert_threads(1 + (i * ROWS_PER_INSERT) as i64, chunk, &spaces, &people)
            .await;
    }
    fill.exec("COMMIT").await;

    // Posts are written by a generator thread and inserted here, in big transactions.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<PostRow>>(4);
    let thread_info: Vec<(SpaceId, String, Vec<u32>)> = threads
        .into_iter()
        .map(|t| (spaces[t.space as usize], t.title, t.title_ids))
        .collect();
    let generator_words = words.clone();
    let generator_people = people.clone();
    let generator = std::thread::spawn(move || {
        let words = generator_words;
        let mut rng = StdRng::seed_from_u64(77);
        let mut df = vec![0u32; words.words.len()];
        let mut last = vec![0u32; words.words.len()];
        let mut batch = Vec::with_capacity(ROWS_PER_INSERT);
        for (k, p) in posts.iter().enumerate() {
            let (space_id, title, title_ids) = &thread_info[p.thread as usize];
            let (body, mut ids) = if p.state == State::Deleted {
                (String::new(), Vec::new())
            } else {
                words.plain_post(&mut rng, 200, 700)
            };
            let search_text = match (p.state, p.opening) {
                (State::Deleted, _) => String::new(),
                (_, true) => {
                    ids.extend_from_slice(title_ids);
                    text::index_text([title.as_str(), body.as_str()])
                }
                (_, false) => text::index_text(["", body.as_str()]),
            };
            if p.state == State::Visible {
                for id in ids {
                    if last[id as usize] != k as u32 + 1 {
                        last[id as usize] = k as u32 + 1;
                        df[id as usize] += 1;
                    }
                }
            }
            let body_html = if body.is_empty() {
                String::new()
            } else {
                body.split("\n\n")
                    .map(|p| format!("<p>{p}</p>"))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            batch.push(PostRow {
                id: k as i64 + 1,
                thread_id: ThreadId::new(p.thread as i64 + 1),
                space_id: *space_id,
                author_id: generator_people[p.author as usize],
                opening: i64::from(p.opening),
                body,
                body_html,
                search_text,
                state: match p.state {
                    State::Visible => "visible",
                    State::Hidden => "hidden",
                    State::Deleted => "deleted",
                },
                created_at: p.created_at,
            });
            if batch.len() == ROWS_PER_INSERT {
                if tx.blocking_send(std::mem::take(&mut batch)).is_err() {
                    break;
                }
                batch.reserve(ROWS_PER_INSERT);
            }
        }
        if !batch.is_empty() {
            let _ = tx.blocking_send(batch);
        }
        df
    });
    let mut in_tx = 0;
    let mut written = 0;
    fill.exec("BEGIN").await;
    while let Some(batch) = rx.recv().await {
        fill.insert_posts(&batch).await;
        in_tx += batch.len();
        written += batch.len();
        if in_tx >= ROWS_PER_TX {
            fill.exec("COMMIT").await;
            fill.exec("BEGIN").await;
            in_tx = 0;
        }
        if verbose() && written % 200_000 == 0 {
            println!(
                "  {written} posts written in {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    fill.exec("COMMIT").await;
    let df = generator.join().expect("generator");
    let rows_done = started.elapsed();
    for (_, sql) in &indexes {
        fill.exec(sql).await;
    }
    let indexed = started.elapsed();
    let size_mb = match &mut fill {
        Fill::Sqlite(c) => {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut *c)
                .await
                .expect("checkpoint");
            let Location::Sqlite(path) = &db.location else {
                unreachable!()
            };
            let wal = PathBuf::from(format!("{}-wal", path.display()));
            (std::fs::metadata(path).map_or(0, |m| m.len())
                + std::fs::metadata(&wal).map_or(0, |m| m.len())) as f64
                / 1e6
        }
        Fill::Pg(c) => {
            for sql in [
                "SELECT setval(pg_get_serial_sequence('threads', 'id'), (SELECT MAX(id) FROM threads))",
                "SELECT setval(pg_get_serial_sequence('posts', 'id'), (SELECT MAX(id) FROM posts))",
                // What autovacuum would have done by now: statistics and the visibility map.
                "VACUUM ANALYZE",
            ] {
                sqlx::query(sql).execute(&mut *c).await.expect(sql);
            }
            let bytes: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
                .fetch_one(&mut *c)
                .await
                .expect("size");
            bytes as f64 / 1e6
        }
    };
    println!(
        "{backend}: search corpus: {replies} replies + {n_threads} opening posts in {n_threads} threads, {CORPUS_SPACES} spaces, {CORPUS_PEOPLE} people"
    );
    println!(
        "{backend}: corpus fill: rows {:.1} s, indexes {:.1} s, total {:.1} s; database {:.0} MB",
        rows_done.as_secs_f64(),
        (indexed - rows_done).as_secs_f64(),
        started.elapsed().as_secs_f64(),
        size_mb
    );

    // Query words by document frequency (visible posts containing the word); only words whose
    // term is not the prefix of another, so that the prefix search matches exactly them.
    let mut sorted_stems: Vec<&str> = words.stems.iter().map(String::as_str).collect();
    sorted_stems.sort_unstable();
    let is_prefix = |s: &str| {
        let i = sorted_stems.partition_point(|&t| t <= s);
        i < sorted_stems.len() && sorted_stems[i].starts_with(s)
    };
    let mut used = HashSet::new();
    let mut class_words = |target: f64| -> Vec<u32> {
        let mut candidates: Vec<u32> = (0..words.words.len() as u32)
            .filter(|&id| df[id as usize] > 0 && !used.contains(&id))
            .filter(|&id| !is_prefix(&words.stems[id as usize]))
            .collect();
        candidates.sort_by(|&a, &b| {
            let da = ((df[a as usize] as f64).ln() - target.ln()).abs();
            let db = ((df[b as usize] as f64).ln() - target.ln()).abs();
            da.total_cmp(&db)
        });
        candidates.truncate(10);
        used.extend(candidates.iter().copied());
        candidates
    };
    let posts_f = n_posts as f64;
    let common = class_words(posts_f * 0.20);
    let medium = class_words(posts_f * 0.005);
    let rare = class_words((posts_f * 0.00005).max(3.0));
    let df_range = |ids: &[u32]| {
        let d: Vec<u32> = ids.iter().map(|&i| df[i as usize]).collect();
        format!(
            "{}..{}",
            d.iter().min().copied().unwrap_or(0),
            d.iter().max().copied().unwrap_or(0)
        )
    };
    let w = |id: u32| words.words[id as usize];
    println!(
        "{backend}: query words (posts containing each): common {} ({}), medium {} ({}), rare {} ({})",
        df_range(&common),
        common.iter().take(4).map(|&i| w(i)).collect::<Vec<_>>().join(" "),
        df_range(&medium),
        medium.iter().take(4).map(|&i| w(i)).collect::<Vec<_>>().join(" "),
        df_range(&rare),
        rare.iter().take(4).map(|&i| w(i)).collect::<Vec<_>>().join(" "),
    );
    // `count` queries of one word of `ids`, or of two words (`a`'s, and `b`'s `shift` on).
    let one = |ids: &[u32], count: usize| -> Vec<String> {
        (0..count)
            .map(|i| w(ids[i % ids.len().max(1)]).to_string())
            .collect()
    };
    let two = |a: &[u32], b: &[u32], shift: usize| -> Vec<String> {
        (0..PER_CLASS)
            .map(|i| {
                format!(
                    "{} {}",
                    w(a[i % a.len().max(1)]),
                    w(b[(i + shift) % b.len().max(1)])
                )
            })
            .collect()
    };
    let classes: Vec<(&str, Option<SpaceId>, Vec<String>)> = vec![
        ("1 common word", None, one(&common, PER_CLASS)),
        ("1 medium word", None, one(&medium, PER_CLASS)),
        ("1 rare word", None, one(&rare, PER_CLASS)),
        ("2 common words", None, two(&common, &common, 3)),
        ("2 medium words", None, two(&medium, &medium, 1)),
        ("rare + common word", None, two(&rare, &common, 1)),
        (
            "1 common word, in one space",
            Some(spaces[1]),
            one(&common, PER_CLASS / 2),
        ),
        (
            "1 rare word, in one space",
            Some(spaces[1]),
            one(&rare, PER_CLASS / 2),
        ),
    ];

    let scope = |space_id| SearchScope {
        person_id: searcher,
        site_role: Role::Member,
        space_id,
    };
    // Warm-up: every query once.
    for (_, space_id, queries) in &classes {
        for q in queries.iter().collect::<HashSet<_>>() {
            store
                .search_posts(q, scope(*space_id), 20)
                .await
                .expect("search");
        }
    }
    for (label, space_id, queries) in &classes {
        let mut samples = Vec::with_capacity(queries.len());
        let mut spent = Duration::ZERO;
        let mut hits = 0;
        for q in queries {
            let t = Instant::now();
            let found = store
                .search_posts(q, scope(*space_id), 20)
                .await
                .expect("search");
            let took = t.elapsed();
            samples.push(took);
            spent += took;
            hits += found.len();
            for h in &found {
                assert!(
                    space_id.map_or(allowed.contains(&h.space_id), |s| s == h.space_id),
                    "a hit in space {} that the searcher may not search",
                    h.space_id
                );
            }
            if spent > CLASS_BUDGET {
                break;
            }
        }
        let mean_hits = hits as f64 / samples.len() as f64;
        report(
            &format!("{backend}: search_posts, {label} ({mean_hits:.0} hits)"),
            samples,
        );
    }

    // A subset through the API, token authentication included.
    let server = start(&store).await;
    let token = api_token(&store, searcher).await;
    let client = reqwest::Client::new();
    for (label, space_id, queries) in &classes {
        if space_id.is_some() {
            continue;
        }
        let mut samples = Vec::with_capacity(HTTP_PER_CLASS);
        let mut spent = Duration::ZERO;
        for q in queries.iter().take(HTTP_PER_CLASS) {
            let t = Instant::now();
            let r = client
                .get(format!("{}/api/v1/search", server.base))
                .query(&[("q", q.as_str()), ("limit", "20")])
                .bearer_auth(&token)
                .send()
                .await
                .expect("search");
            assert_eq!(r.status(), 200);
            r.bytes().await.expect("body");
            let took = t.elapsed();
            samples.push(took);
            spent += took;
            if spent > CLASS_BUDGET {
                break;
            }
        }
        report(&format!("{backend}: GET /api/v1/search, {label}"), samples);
    }
    drop(server);
    drop(fill);
    db.remove(store).await;
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let words = Arc::new(Words::new());
    println!(
        "vocabulary: {} content words, {} rare words, {} function words",
        words.content.len(),
        words.rare.len(),
        words.function.len()
    );
    rt.block_on(async {
        for backend in ["sqlite", "postgres"] {
            conversation(backend, &words).await;
            search(backend, words.clone()).await;
        }
    });
}
