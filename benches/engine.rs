//! Coaching engine throughput: messages per second, on one core.
//!
//! Workload: every message of the labeled corpus (`tests/corpus/{fr,en}.jsonl`, flag and pass
//! messages, both languages), checked one after the other with the default options (language
//! guessed per message), as the bot does for each Discord message.
//!
//! Rule sets:
//! - `shipped`: the `rules/` folder;
//! - `10x` and `100x`: the shipped rules plus synthetic rules, for a total of 10 and 100 times
//!   the shipped count. Synthetic rules are written as rule files in memory (`syn-00001`, ...):
//!   2 to 5 word phrases drawn from a vocabulary of real French and English support words, with
//!   occasional `[optional]` and `(a|b)` groups, compiled by the same code as the shipped ones;
//! - `naive`: the shipped rules without the engine: every phrase and pattern compiled to its
//!   own regex and run over the normalized text of every message, no prefilter, no language
//!   filter.
//!
//! `long`: the shipped rules on long messages, each made of 40 corpus messages in a row
//! (12 messages of about 3,500 bytes; pasted logs, long write-ups), counted per message.
//!
//! `cargo bench --bench engine` (about 2 minutes after the release build). Each benchmark
//! reports `thrpt` in elements (messages) per second. `TACT_BENCH_SHIPPED_ONLY=1` skips building
//! the 10x and 100x sets (for profiling the shipped set alone, e.g. under `perf record`).

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use regex::Regex;
use tact::engine::normalize::Normalized;
use tact::engine::{
    build_unchecked, phrase, CheckOptions, Engine, Lang, RuleSource, DEFAULT_MAX_CHARS,
};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every corpus message, French then English.
fn corpus() -> Vec<String> {
    let mut out = Vec::new();
    for lang in ["fr", "en"] {
        let path = root().join(format!("tests/corpus/{lang}.jsonl"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).expect("corpus line is JSON");
            out.push(v["text"].as_str().expect("text").to_string());
        }
    }
    out
}

fn shipped_sources() -> Vec<RuleSource> {
    let dir =
        tact::rules_dir::read(&root().join("rules")).expect("the shipped rules folder can be read");
    dir.sources
}

fn build(sources: &[RuleSource], name: &str) -> Engine {
    let started = Instant::now();
    let report = build_unchecked(sources);
    for e in &report.errors {
        eprintln!("warning: {name}: {e}");
    }
    eprintln!(
        "{name}: {} rules compiled in {:.2} s; prefilter automaton {:.1} MiB",
        report.engine.rules().len(),
        started.elapsed().as_secs_f64(),
        report.engine.prefilter_memory() as f64 / (1 << 20) as f64
    );
    report.engine
}

/// A small, deterministic pseudo-random generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.below(words.len())]
    }
}

/// Real words of French support conversations (with accents and elisions, as rules are written).
const FR_WORDS: &[&str] = &[
    "je",
    "vous",
    "nous",
    "on",
    "ne",
    "pas",
    "plus",
    "jamais",
    "rien",
    "très",
    "vraiment",
    "déjà",
    "encore",
    "toujours",
    "aussi",
    "bien",
    "mal",
    "vite",
    "tout",
    "tous",
    "votre",
    "vos",
    "notre",
    "nos",
    "mon",
    "ma",
    "mes",
    "le",
    "la",
    "les",
    "un",
    "une",
    "des",
    "du",
    "de",
    "pour",
    "avec",
    "sans",
    "dans",
    "sur",
    "chez",
    "par",
    "après",
    "avant",
    "depuis",
    "pendant",
    "ce",
    "cette",
    "ces",
    "ça",
    "cela",
    "ici",
    "là",
    "demain",
    "aujourd'hui",
    "hier",
    "bientôt",
    "maintenant",
    "peux",
    "pouvons",
    "peut",
    "pouvez",
    "dois",
    "devez",
    "faut",
    "fallait",
    "vais",
    "allez",
    "suis",
    "êtes",
    "sommes",
    "est",
    "sont",
    "avez",
    "avons",
    "ai",
    "fait",
    "faire",
    "dire",
    "dit",
    "voir",
    "vu",
    "lire",
    "lu",
    "envoyer",
    "envoyé",
    "recevoir",
    "reçu",
    "payer",
    "payé",
    "rembourser",
    "remboursé",
    "remboursement",
    "annuler",
    "annulé",
    "annulation",
    "changer",
    "modifier",
    "vérifier",
    "vérifié",
    "regarder",
    "attendre",
    "patienter",
    "contacter",
    "appeler",
    "rappeler",
    "écrire",
    "répondre",
    "transmettre",
    "traiter",
    "régler",
    "réparer",
    "livrer",
    "livré",
    "livraison",
    "colis",
    "commande",
    "facture",
    "paiement",
    "compte",
    "abonnement",
    "contrat",
    "dossier",
    "demande",
    "réclamation",
    "ticket",
    "message",
    "mail",
    "courriel",
    "lien",
    "code",
    "mot",
    "passe",
    "adresse",
    "numéro",
    "client",
    "service",
    "équipe",
    "responsable",
    "technicien",
    "transporteur",
    "fournisseur",
    "vendeur",
    "banque",
    "magasin",
    "site",
    "application",
    "appli",
    "système",
    "logiciel",
    "mise",
    "jour",
    "bug",
    "erreur",
    "problème",
    "souci",
    "panne",
    "retard",
    "délai",
    "date",
    "semaine",
    "mois",
    "heure",
    "minutes",
    "jours",
    "fois",
    "règle",
    "règlement",
    "politique",
    "procédure",
    "conditions",
    "garantie",
    "exception",
    "geste",
    "commercial",
    "avoir",
    "bon",
    "retour",
    "échange",
    "produit",
    "article",
    "taille",
    "couleur",
    "prix",
    "frais",
    "carte",
    "solde",
    "possible",
    "impossible",
    "normal",
    "simple",
    "compliqué",
    "grave",
    "urgent",
    "sûr",
    "certain",
    "désolé",
    "malheureusement",
    "franchement",
    "évidemment",
    "clairement",
    "absolument",
    "juste",
    "seulement",
    "quand",
    "comment",
    "pourquoi",
    "parce",
    "que",
    "qui",
    "quoi",
    "où",
    "rayon",
    "ressort",
    "faute",
    "tort",
    "raison",
    "idée",
    "chose",
    "façon",
    "moment",
    "personne",
    "madame",
    "monsieur",
    "bonjour",
    "merci",
    "cordialement",
    "ok",
    "d'accord",
    "voilà",
    "bref",
    "enfin",
    "alors",
    "donc",
    "mais",
    "ou",
    "et",
    "si",
    "comme",
];

/// Real words of English support conversations.
const EN_WORDS: &[&str] = &[
    "i",
    "we",
    "you",
    "they",
    "it",
    "this",
    "that",
    "these",
    "those",
    "my",
    "our",
    "your",
    "their",
    "the",
    "a",
    "an",
    "not",
    "no",
    "never",
    "nothing",
    "always",
    "already",
    "again",
    "still",
    "just",
    "only",
    "really",
    "very",
    "quite",
    "too",
    "all",
    "any",
    "some",
    "every",
    "can't",
    "cannot",
    "can",
    "could",
    "won't",
    "will",
    "would",
    "should",
    "must",
    "don't",
    "doesn't",
    "didn't",
    "isn't",
    "aren't",
    "wasn't",
    "have",
    "has",
    "had",
    "do",
    "does",
    "did",
    "is",
    "are",
    "was",
    "be",
    "been",
    "get",
    "got",
    "make",
    "made",
    "take",
    "give",
    "send",
    "sent",
    "receive",
    "received",
    "pay",
    "paid",
    "refund",
    "refunded",
    "cancel",
    "cancelled",
    "change",
    "update",
    "check",
    "checked",
    "look",
    "wait",
    "call",
    "email",
    "reply",
    "answer",
    "contact",
    "forward",
    "escalate",
    "fix",
    "fixed",
    "repair",
    "ship",
    "shipped",
    "deliver",
    "delivered",
    "delivery",
    "package",
    "parcel",
    "order",
    "invoice",
    "payment",
    "account",
    "subscription",
    "plan",
    "contract",
    "case",
    "request",
    "complaint",
    "ticket",
    "message",
    "link",
    "code",
    "password",
    "address",
    "number",
    "customer",
    "service",
    "team",
    "manager",
    "supervisor",
    "technician",
    "carrier",
    "courier",
    "vendor",
    "seller",
    "bank",
    "store",
    "website",
    "app",
    "system",
    "software",
    "update",
    "bug",
    "error",
    "issue",
    "problem",
    "outage",
    "delay",
    "deadline",
    "date",
    "week",
    "month",
    "hour",
    "minutes",
    "days",
    "time",
    "times",
    "rule",
    "rules",
    "policy",
    "procedure",
    "terms",
    "warranty",
    "exception",
    "credit",
    "voucher",
    "return",
    "exchange",
    "product",
    "item",
    "size",
    "color",
    "price",
    "fee",
    "fees",
    "card",
    "balance",
    "possible",
    "impossible",
    "normal",
    "simple",
    "easy",
    "hard",
    "serious",
    "urgent",
    "sure",
    "certain",
    "sorry",
    "unfortunately",
    "honestly",
    "obviously",
    "clearly",
    "absolutely",
    "definitely",
    "literally",
    "basically",
    "when",
    "how",
    "why",
    "what",
    "where",
    "who",
    "because",
    "since",
    "before",
    "after",
    "today",
    "tomorrow",
    "yesterday",
    "soon",
    "now",
    "here",
    "there",
    "department",
    "job",
    "fault",
    "mistake",
    "idea",
    "clue",
    "thing",
    "way",
    "moment",
    "person",
    "sir",
    "madam",
    "hello",
    "hi",
    "thanks",
    "regards",
    "okay",
    "fine",
    "well",
    "so",
    "but",
    "or",
    "and",
    "if",
    "as",
    "with",
    "without",
    "for",
    "from",
    "into",
    "about",
    "through",
    "by",
    "on",
    "in",
    "at",
    "to",
    "of",
    "out",
    "off",
];

const CATEGORIES: &[&str] = &[
    "ownership",
    "refusal",
    "blame",
    "policy",
    "overpromise",
    "dismissive",
    "impatience",
    "alarm",
    "spelling",
];

/// One element of a synthetic phrase: its syntax and the plain words that match it.
struct Element {
    syntax: String,
    /// Words for the flag examples (empty for an optional group left out).
    plain: Vec<String>,
    plain_alt: Vec<String>,
}

fn element(rng: &mut Rng, words: &[&str]) -> Element {
    let w = rng.pick(words).to_string();
    match rng.below(100) {
        // [optional] or [optional|other]
        0..=11 => {
            let other = rng.pick(words);
            let syntax = if rng.chance(50) {
                format!("[{w}]")
            } else {
                format!("[{w}|{other}]")
            };
            Element {
                syntax,
                plain: vec![],
                plain_alt: vec![w],
            }
        }
        // (a|b) or (a b|c)
        12..=25 => {
            let b = rng.pick(words).to_string();
            if rng.chance(30) {
                let c = rng.pick(words).to_string();
                Element {
                    syntax: format!("({w} {b}|{c})"),
                    plain: vec![w, b],
                    plain_alt: vec![c],
                }
            } else {
                Element {
                    syntax: format!("({w}|{b})"),
                    plain: vec![w],
                    plain_alt: vec![b],
                }
            }
        }
        _ => Element {
            syntax: w.clone(),
            plain: vec![w.clone()],
            plain_alt: vec![w],
        },
    }
}

/// A 2 to 5 element phrase with at least two required elements, and three messages it flags.
/// Like a rule writer running `tact rules test`, a phrase that misses one of its own examples
/// is dropped and drawn again.
fn synthetic_phrase(rng: &mut Rng, lang: Lang) -> (String, [String; 3]) {
    let words = if lang == Lang::Fr { FR_WORDS } else { EN_WORDS };
    loop {
        let n = 2 + rng.below(4);
        let elements: Vec<Element> = (0..n).map(|_| element(rng, words)).collect();
        if elements.iter().filter(|e| !e.plain.is_empty()).count() < 2 {
            continue;
        }
        let syntax: Vec<&str> = elements.iter().map(|e| e.syntax.as_str()).collect();
        let plain: Vec<&str> = elements
            .iter()
            .flat_map(|e| e.plain.iter().map(String::as_str))
            .collect();
        let alt: Vec<&str> = elements
            .iter()
            .flat_map(|e| e.plain_alt.iter().map(String::as_str))
            .collect();
        let plain = plain.join(" ");
        let alt = alt.join(" ");
        let phrase = syntax.join(" ");
        let examples = [
            format!("Bonjour, {plain}."),
            alt,
            format!("{}, merci.", plain.to_uppercase()),
        ];
        let regex = Regex::new(&phrase::compile(&phrase, lang).expect("valid phrase").regex)
            .expect("regex");
        if examples
            .iter()
            .all(|e| regex.is_match(Normalized::new(e, DEFAULT_MAX_CHARS).text()))
        {
            return (phrase, examples);
        }
    }
}

/// `count` synthetic rules as rule files of 50 rules, half French, half English.
fn synthetic_sources(count: usize, seed: u64) -> Vec<RuleSource> {
    let mut rng = Rng(seed);
    let mut sources = Vec::new();
    let mut id = 0;
    while id < count {
        let lang = if sources.len() % 2 == 0 {
            Lang::Fr
        } else {
            Lang::En
        };
        let mut text = String::new();
        for _ in 0..50.min(count - id) {
            id += 1;
            let phrases: Vec<(String, [String; 3])> = (0..1 + rng.below(3))
                .map(|_| synthetic_phrase(&mut rng, lang))
                .collect();
            let quoted = |items: &mut dyn Iterator<Item = &String>| {
                items
                    .map(|s| format!("{s:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let category = rng.pick(CATEGORIES);
            let severity = ["info", "warning", "alert"][rng.below(3)];
            text.push_str(&format!(
                "[[rule]]\nid = \"syn-{id:05}\"\ncategory = \"{category}\"\nseverity = \"{severity}\"\n\
                 phrases = [{}]\nwhy = \"Synthetic rule for the benchmark.\"\n\
                 alternatives = [\"Je m'en occupe tout de suite.\", \"Let me look into it for you.\"]\n\
                 examples.flag = [{}]\n\
                 examples.pass = [\"Merci pour votre patience.\", \"Thanks for your patience.\", \"Bonne journée !\"]\n\n",
                quoted(&mut phrases.iter().map(|(p, _)| p)),
                quoted(&mut phrases[0].1.iter()),
            ));
        }
        sources.push(RuleSource {
            path: format!("synthetic/{lang}/syn-{:03}.toml", sources.len()).into(),
            text,
            lang: Some(lang),
        });
    }
    sources
}

/// An engine with the shipped rules plus enough synthetic ones for `factor` times as many.
fn scaled_engine(shipped: &[RuleSource], shipped_count: usize, factor: usize) -> Engine {
    let mut sources = shipped.to_vec();
    sources.extend(synthetic_sources(
        shipped_count * (factor - 1),
        factor as u64,
    ));
    let engine = build(&sources, &format!("{factor}x"));
    // The synthetic rules must be real rules: their flag examples are flagged.
    let synthetic: Vec<_> = engine
        .rules()
        .iter()
        .filter(|r| r.id.starts_with("syn-"))
        .take(500)
        .collect();
    let total: usize = synthetic.iter().map(|r| r.examples_flag.len()).sum();
    let flagged: usize = synthetic
        .iter()
        .map(|r| {
            r.examples_flag
                .iter()
                .filter(|t| engine.rule_flags(&r.id, t))
                .count()
        })
        .sum();
    eprintln!("{factor}x: {flagged}/{total} synthetic flag examples flagged by their rule");
    assert!(
        flagged * 100 >= total * 95,
        "synthetic rules do not match their own examples"
    );
    engine
}

/// The naive matcher: one regex per phrase and per pattern, every one run on every message.
struct Naive {
    regexes: Vec<Regex>,
}

impl Naive {
    fn new(engine: &Engine) -> Naive {
        let mut regexes = Vec::new();
        for rule in engine.rules() {
            for p in &rule.phrases {
                let source = phrase::compile(p, rule.lang).expect("valid phrase").regex;
                regexes.push(Regex::new(&source).expect("phrase regex compiles"));
            }
            for p in &rule.patterns {
                regexes.push(Regex::new(p).expect("pattern compiles"));
            }
        }
        Naive { regexes }
    }

    fn check(&self, text: &str) -> usize {
        let norm = Normalized::new(text, DEFAULT_MAX_CHARS);
        let ntext = norm.text();
        self.regexes
            .iter()
            .map(|r| r.find_iter(ntext).count())
            .sum()
    }
}

fn check_all(engine: &Engine, messages: &[String], opts: &CheckOptions) -> usize {
    messages
        .iter()
        .map(|m| engine.check(black_box(m), opts).len())
        .sum()
}

fn benches(c: &mut Criterion) {
    let messages = corpus();
    let shipped_sources = shipped_sources();
    let shipped = build(&shipped_sources, "shipped");
    let n = shipped.rules().len();
    let opts = CheckOptions::default();
    let naive = Naive::new(&shipped);
    eprintln!(
        "workload: {} corpus messages; naive: {} regexes; hits per pass: engine {}, naive matches {}",
        messages.len(),
        naive.regexes.len(),
        check_all(&shipped, &messages, &opts),
        messages.iter().map(|m| naive.check(m)).sum::<usize>()
    );

    let mut group = c.benchmark_group("check");
    group
        .throughput(Throughput::Elements(messages.len() as u64))
        .sample_size(20)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(6))
        .sampling_mode(SamplingMode::Flat);

    group.bench_function("shipped", |b| {
        b.iter(|| check_all(&shipped, &messages, &opts))
    });
    for factor in [10, 100]
        .into_iter()
        .filter(|_| std::env::var_os("TACT_BENCH_SHIPPED_ONLY").is_none())
    {
        let engine = scaled_engine(&shipped_sources, n, factor);
        eprintln!(
            "{factor}x: hits per pass {}; regex caches after 1 / 5 passes: {:.1} / {:.1} MiB",
            check_all(&engine, &messages, &opts),
            engine.cache_memory() as f64 / f64::from(1 << 20),
            {
                for _ in 0..4 {
                    check_all(&engine, &messages, &opts);
                }
                engine.cache_memory() as f64 / f64::from(1 << 20)
            }
        );
        group.bench_function(format!("{factor}x"), |b| {
            b.iter(|| check_all(&engine, &messages, &opts))
        });
    }
    group.bench_function("naive", |b| {
        b.iter(|| {
            messages
                .iter()
                .map(|m| naive.check(black_box(m)))
                .sum::<usize>()
        })
    });
    let long: Vec<String> = messages.chunks(40).map(|c| c.join(" ")).collect();
    group.throughput(Throughput::Elements(long.len() as u64));
    group.bench_function("long", |b| b.iter(|| check_all(&shipped, &long, &opts)));
    group.finish();
}

criterion_group!(engine, benches);
criterion_main!(engine);
