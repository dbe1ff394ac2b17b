//! The synthetic vocabulary: Zipf-distributed content words, rare words and function words, from which titles and replies are written.

use super::*;

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

pub(super) struct Words {
    /// Surface words; ids are indexes. Function words are not tracked (`u32::MAX`).
    pub(super) words: Vec<&'static str>,
    /// The search term of each word (`text::terms`), as the index holds it.
    pub(super) stems: Vec<String>,
    pub(super) content: Vec<u32>,
    content_cdf: Vec<f64>,
    pub(super) rare: Vec<u32>,
    rare_cdf: Vec<f64>,
    pub(super) function: Vec<&'static str>,
    function_cdf: Vec<f64>,
}

pub(super) fn zipf_cdf(n: usize, s: f64) -> Vec<f64> {
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

pub(super) fn pick(cdf: &[f64], rng: &mut StdRng) -> usize {
    let u: f64 = rng.gen();
    cdf.partition_point(|&c| c < u).min(cdf.len() - 1)
}

/// Probability that a content word is replaced by a rare one (about one post in 20 gets one).
const RARE_PER_WORD: f64 = 0.0013;

impl Words {
    pub(super) fn new() -> Self {
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
    pub(super) fn title(&self, rng: &mut StdRng) -> (String, Vec<u32>) {
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
    pub(super) fn plain_post(
        &self,
        rng: &mut StdRng,
        min: usize,
        max: usize,
    ) -> (String, Vec<u32>) {
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
    pub(super) fn markdown_post(&self, rng: &mut StdRng) -> String {
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
