//! Where a message is matched: the compiled rule set.
//!
//! All rules are compiled together behind one Aho-Corasick prefilter over the literal text
//! their phrases require: pairs of adjacent words where a phrase has them ("mon ressort",
//! see [`super::phrase`]), single words otherwise, and for raw patterns the literal text every
//! match contains. A message is normalized once, scanned once by the prefilter, and only the
//! rules whose required literals are all present run their own regex, so the cost per message
//! barely grows with the number of rules. Every step is linear in the message length (the
//! `regex` crate guarantees it for the per-rule regexes, which are also size-limited).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use regex_automata::meta::{Cache, Regex};
use regex_automata::nfa::thompson::WhichCaptures;
use regex_automata::util::iter::Searcher;
use regex_automata::Input;
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{Capture, Hir, HirKind, Look, Repetition};

use super::error::RuleError;
use super::lang::detect;
use super::literal_dfa::{prefilter_form, LiteralDfa};
use super::normalize::Normalized;
use super::phrase::{self, Literal, MIN_LITERAL};
use super::rule::{Kind, Lang, Rule};
use super::rule_file::PATTERN_SIZE_LIMIT;
use super::suggest;

/// Messages longer than this (in characters) are matched on their beginning only.
pub const DEFAULT_MAX_CHARS: usize = 4000;

/// Which rules apply to a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LangChoice {
    /// Guess the language from the message; when unsure, use every rule.
    #[default]
    Auto,
    Only(Lang),
    All,
}

/// Options for one check.
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions<'a> {
    pub lang: LangChoice,
    pub max_chars: usize,
    /// Rule ids switched off (per guild).
    pub disabled: Option<&'a HashSet<String>>,
}

impl Default for CheckOptions<'_> {
    fn default() -> Self {
        CheckOptions {
            lang: LangChoice::Auto,
            max_chars: DEFAULT_MAX_CHARS,
            disabled: None,
        }
    }
}

/// One coaching point in a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub rule: Arc<Rule>,
    /// Byte offsets into the original message.
    pub start: usize,
    pub end: usize,
    /// The exact original text of the span.
    pub snippet: String,
    /// The rule's alternatives, rotated so the first one varies across messages.
    pub alternatives: Vec<String>,
    /// The whole message with the span replaced by the first alternative (swap rules only).
    pub rewrite: Option<String>,
}

/// Why a match was not coached (for `/tact admin rules test`).
#[derive(Debug, Clone, PartialEq)]
pub enum Suppressed {
    /// An `unless` exception matched this text nearby.
    Unless(String),
    /// The rule is disabled for this guild.
    Disabled,
    /// A longer or more severe hit covers the same words.
    Overlap(String),
    /// The rule is for another language than the message's.
    OtherLanguage,
}

/// A match with, when it is not coached, the reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub hit: Hit,
    pub suppressed: Option<Suppressed>,
}

struct CompiledRule {
    regex: Regex,
    /// The most bytes a match of `regex` can span, when that is bounded (no gap, no word
    /// prefix, no unbounded repetition).
    max_len: Option<usize>,
    unless: Option<Regex>,
}

/// The matching memory of one check: each rule regex's lazy DFA states and search state, built
/// on first use and kept for the next checks.
///
/// The regex crate would keep one such set per thread that ever checked a message (its caches
/// are pooled by thread); the engine keeps its own pool instead, so that a bot whose checks run
/// on any of its worker threads, one at a time, keeps a single set (about 7 MiB with the
/// shipped rules after a few thousand messages) instead of one per thread. A check takes the
/// set from the pool; a check running while another holds it builds a fresh one, which is
/// dropped afterwards: memory stays at one set however many threads check messages, and a rare
/// concurrent check pays for building the automaton states it needs.
#[derive(Default)]
struct Scratch {
    /// Per rule: the caches of its regex and of its `unless` regex, once the rule is tried.
    /// Boxed: the caches of a regex take 1.4 KB before any search, and most rules of a large
    /// set are never tried (the 16,700 rules of the 100x bench set would take 47 MB inline).
    rules: Vec<Option<Box<RuleCaches>>>,
    /// Checks since the caches' size was last compared with [`CACHE_BUDGET`].
    since_budget_check: u32,
    /// The prefilter's work space: the literals found in the message and the candidate rules.
    found: Found,
    candidates: Vec<Candidate>,
    /// The message being checked, normalized (kept for its memory).
    norm: Normalized,
}

/// The caches of one rule's regexes.
struct RuleCaches {
    regex: Cache,
    unless: Option<Cache>,
}

impl Scratch {
    /// Heap bytes held by the regex caches.
    fn cache_memory(&self) -> usize {
        self.rules
            .iter()
            .flatten()
            .map(|c| {
                std::mem::size_of::<RuleCaches>()
                    + c.regex.memory_usage()
                    + c.unless.as_ref().map_or(0, Cache::memory_usage)
            })
            .sum()
    }

    /// Drops the regex caches if they hold more than `budget` bytes.
    fn keep_within(&mut self, budget: usize) {
        if self.cache_memory() > budget {
            self.rules.clear();
        }
    }

    /// The caches of rule `idx`.
    fn for_rule(
        &mut self,
        idx: usize,
        compiled: &CompiledRule,
    ) -> (&mut Cache, &mut Option<Cache>) {
        if self.rules.len() <= idx {
            self.rules.resize_with(idx + 1, || None);
        }
        let caches = self.rules[idx].get_or_insert_with(|| {
            Box::new(RuleCaches {
                regex: compiled.regex.create_cache(),
                unless: compiled.unless.as_ref().map(Regex::create_cache),
            })
        });
        (&mut caches.regex, &mut caches.unless)
    }
}

/// The literals the prefilter found in the message being checked.
#[derive(Default)]
struct Found {
    /// In order of discovery.
    list: Vec<u32>,
    /// The same as a bit set: only the bits of `list` are set.
    set: Vec<u64>,
    /// For each literal: where the last byte of its first and of its last occurrence are in
    /// the normalized text (meaningful for the literals of `list` only). Side by side: one
    /// cache line for both.
    ends: Vec<[u32; 2]>,
}

impl Found {
    /// Forgets the previous message's literals, for a rule set of `literals` literals.
    fn reset(&mut self, literals: usize) {
        for &lit in &self.list {
            self.set[lit as usize / 64] = 0;
        }
        self.list.clear();
        self.set.resize(literals.div_ceil(64), 0);
        self.ends.resize(literals, [0; 2]);
    }

    /// Records literal `lit` ending with byte `i`.
    #[inline(always)]
    fn add(&mut self, lit: usize, i: usize) {
        let (word, bit) = (lit / 64, 1u64 << (lit % 64));
        if self.set[word] & bit == 0 {
            self.set[word] |= bit;
            self.list.push(lit as u32);
            self.ends[lit] = [i as u32; 2];
        } else {
            self.ends[lit][1] = i as u32;
        }
    }

    #[inline(always)]
    fn has(&self, lit: u32) -> bool {
        self.set[lit as usize / 64] & (1u64 << (lit % 64)) != 0
    }
}

/// Where the anchor literals of a rule's met requirements were found in the normalized text.
/// Every match of the rule holds one of their occurrences.
#[derive(Clone, Copy)]
struct Anchors {
    /// The last byte of the first occurrence of any of them: a match ends after it.
    first_end: usize,
    /// The latest any occurrence of them can start: a match starts at or before it.
    last_start: usize,
}

impl Anchors {
    /// The occurrences of literal `lit`, `len` bytes long.
    fn of(found: &Found, lit: usize, len: u32) -> Anchors {
        let [first_end, last_end] = found.ends[lit];
        Anchors {
            first_end: first_end as usize,
            // An occurrence is at least as long as its literal: saturating only rules out a
            // panic.
            last_start: (last_end + 1).saturating_sub(len) as usize,
        }
    }

    /// The occurrences of both.
    fn union(self, other: Anchors) -> Anchors {
        Anchors {
            first_end: self.first_end.min(other.first_end),
            last_start: self.last_start.max(other.last_start),
        }
    }
}

/// A rule to try on the message.
#[derive(Clone, Copy)]
struct Candidate {
    rule: u32,
    /// Where its matches can be, or `None` for anywhere: the rule has a phrase or pattern with
    /// no usable literal.
    anchors: Option<Anchors>,
}

/// What the prefilter knows of one literal. A walk that finds the literal reads only this
/// record, its slice of [`Prefilter::anchored`] and their requirements, each in one place: a
/// large rule set has tens of thousands of literals, and these reads miss the cache.
#[derive(Clone, Copy)]
struct LiteralInfo {
    /// Its length in bytes. An occurrence in the text is at least as long (the text may have
    /// ", " or " - " where the literal has a space).
    len: u32,
    /// Whether it must end a word of the text.
    word_end: bool,
    /// Where the requirements anchored on it are in [`Prefilter::anchored`].
    anchored: (u32, u32),
}

#[derive(Default)]
struct Prefilter {
    /// Aho-Corasick automaton over the literals, walked byte by byte (see `candidates`): the
    /// crate's NFA, read through a transition table when all its states fit in one (see
    /// [`LiteralDfa`]).
    automaton: Option<LiteralDfa>,
    /// Per literal.
    literals: Vec<LiteralInfo>,
    /// The requirements anchored on each literal (where each starts in `requirements`),
    /// literal after literal.
    anchored: Vec<u32>,
    /// The phrases' prefilter requirements, one after the other. Besides its anchor literal,
    /// a phrase's match holds a literal of each of its other groups; a requirement is written
    /// as its rule, its number of groups, then each group as its number of literals and the
    /// literals.
    requirements: Vec<u32>,
    /// Rules with a phrase or pattern that has no usable literal: always candidates (in
    /// order).
    always: Vec<u32>,
}

impl Prefilter {
    /// The rule of the requirement that starts at `at` in `requirements`, if `found` holds a
    /// literal of each of its groups.
    #[inline(always)]
    fn met(&self, at: u32, found: &Found) -> Option<u32> {
        let req = &self.requirements[at as usize..];
        let (rule, groups) = (req[0], req[1]);
        let mut rest = &req[2..];
        for _ in 0..groups {
            let (len, tail) = (rest[0] as usize, &rest[1..]);
            if !tail[..len].iter().any(|&l| found.has(l)) {
                return None;
            }
            rest = &tail[len..];
        }
        Some(rule)
    }
}

/// The compiled rule set. Cheap to share (`Arc<Engine>`); checking is `&self`.
pub struct Engine {
    rules: Vec<Arc<Rule>>,
    compiled: Vec<CompiledRule>,
    prefilter: Prefilter,
    by_id: HashMap<String, usize>,
    /// Matching memory kept between checks (see [`Scratch`]).
    scratch: Mutex<Vec<Scratch>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("rules", &self.rules.len())
            .finish()
    }
}

impl Engine {
    /// Compiles checked rules. Rules must have unique ids and valid phrases and patterns (as
    /// [`super::rule_file::parse`] guarantees); a problem is reported against the rule.
    pub fn compile(rules: Vec<Rule>) -> Result<Engine, Vec<RuleError>> {
        let mut errors = Vec::new();
        let mut compiled = Vec::with_capacity(rules.len());
        let mut literal_ids: HashMap<Literal, u32> = HashMap::new();
        let mut literals: Vec<Literal> = Vec::new();
        let mut pending: Vec<(u32, Vec<Vec<Literal>>)> = Vec::new();
        let mut always = Vec::new();
        for (idx, rule) in rules.iter().enumerate() {
            let idx = idx as u32;
            let err = |field: &str, msg: String| {
                RuleError::new(&rule.origin.file, msg)
                    .line(Some(rule.origin.line_of(field)))
                    .rule(Some(&rule.id))
                    .field(field)
            };
            let mut sources = Vec::new();
            let mut is_always = false;
            for (i, p) in rule.phrases.iter().enumerate() {
                match phrase::compile(p, rule.lang) {
                    Ok(c) => {
                        sources.push(c.regex);
                        if c.literal_groups.is_empty() {
                            is_always = true;
                        } else {
                            pending.push((idx, c.literal_groups));
                        }
                    }
                    Err(e) => errors.push(err(&format!("phrases[{i}]"), format!("{p:?}: {e}"))),
                }
            }
            for p in &rule.patterns {
                sources.push(format!("(?:{p})"));
                match pattern_literals(p) {
                    Some(group) => pending.push((idx, vec![group])),
                    None => is_always = true,
                }
            }
            if is_always {
                always.push(idx);
            }
            let regex = build_regex(&sources.join("|"));
            let unless_sources: Result<Vec<String>, _> = rule
                .unless
                .iter()
                .map(|u| phrase::compile(u, rule.lang).map(|c| c.regex))
                .collect();
            let unless = match unless_sources {
                Ok(u) if u.is_empty() => Ok(None),
                Ok(u) => build_regex(&u.join("|")).map(|(regex, _)| Some(regex)),
                Err(e) => Err(e.0),
            };
            match (regex, unless) {
                (Ok((regex, max_len)), Ok(unless)) => compiled.push(CompiledRule {
                    regex,
                    max_len,
                    unless,
                }),
                (Err(e), _) => errors.push(err("phrases", e)),
                (_, Err(e)) => errors.push(err("unless", e)),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut prefilter = Prefilter {
            always,
            ..Prefilter::default()
        };
        // Per literal: where the requirements anchored on it start in `requirements`.
        let mut anchored: Vec<Vec<u32>> = Vec::new();
        for (rule, groups) in pending {
            let mut groups: Vec<Vec<u32>> = groups
                .into_iter()
                .map(|g| {
                    let mut ids: Vec<u32> = g
                        .into_iter()
                        .map(|lit| {
                            let lit = Literal {
                                text: prefilter_form(&lit.text),
                                word_end: lit.word_end,
                            };
                            *literal_ids.entry(lit.clone()).or_insert_with(|| {
                                literals.push(lit);
                                (literals.len() - 1) as u32
                            })
                        })
                        .collect();
                    ids.sort_unstable();
                    ids.dedup();
                    ids
                })
                .collect();
            // Anchor on the most selective group: the one whose shortest literal is longest.
            let best = (0..groups.len())
                .max_by_key(|&i| {
                    groups[i]
                        .iter()
                        .map(|&l| literals[l as usize].text.len())
                        .min()
                })
                .expect("non-empty groups");
            let anchor = groups.swap_remove(best);
            let req = &mut prefilter.requirements;
            let at = req.len() as u32;
            req.extend([rule, groups.len() as u32]);
            for group in groups {
                req.push(group.len() as u32);
                req.extend(group);
            }
            anchored.resize(literals.len(), Vec::new());
            for lit in anchor {
                anchored[lit as usize].push(at);
            }
        }
        anchored.resize(literals.len(), Vec::new());
        prefilter.literals = literals
            .iter()
            .zip(anchored)
            .map(|(lit, reqs)| {
                let start = prefilter.anchored.len() as u32;
                prefilter.anchored.extend(reqs);
                LiteralInfo {
                    len: lit.text.len() as u32,
                    word_end: lit.word_end,
                    anchored: (start, prefilter.anchored.len() as u32),
                }
            })
            .collect();
        if !literals.is_empty() {
            // Ordinary text for the table's layout: the rules' examples and alternatives,
            // normalized (only if the automaton gets a table).
            let sample = rules
                .iter()
                .flat_map(|r| [&r.examples_flag, &r.examples_pass, &r.alternatives])
                .flatten()
                .map(|t| Normalized::new(t, DEFAULT_MAX_CHARS).text().to_owned());
            let automaton = LiteralDfa::new(
                &literals.iter().map(|l| &l.text).collect::<Vec<_>>(),
                sample,
            )
            .map_err(|e| vec![RuleError::new("rules", format!("prefilter could not be built: {e}; reduce the number of distinct phrase words"))])?;
            prefilter.automaton = Some(automaton);
        }
        let by_id = rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        Ok(Engine {
            rules: rules.into_iter().map(Arc::new).collect(),
            compiled,
            prefilter,
            by_id,
            scratch: Mutex::new(Vec::new()),
        })
    }

    /// An engine with no rules.
    pub fn empty() -> Engine {
        Engine::compile(Vec::new()).expect("no rules, no errors")
    }

    pub fn rules(&self) -> &[Arc<Rule>] {
        &self.rules
    }

    pub fn rule(&self, id: &str) -> Option<&Arc<Rule>> {
        self.by_id.get(id).map(|&i| &self.rules[i])
    }

    /// Drops the matching memory built so far (by the rule examples run at load time: several
    /// MB of automaton states that only the examples needed). Checks build it again as they go,
    /// for the rules that messages actually bring up.
    pub fn release_caches(&mut self) {
        self.scratch
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// The coaching for a message: resolved hits, sorted by position.
    // Never inlined: the profiling commands of BENCHMARKS.md measure this function.
    #[inline(never)]
    pub fn check(&self, text: &str, opts: &CheckOptions) -> Vec<Hit> {
        let mut hits = self.scan(text, opts, None);
        hits.sort_by_key(|h| (h.start, h.end));
        hits
    }

    /// Like [`Engine::check`], but also returns the matches that were not coached and why.
    pub fn explain(&self, text: &str, opts: &CheckOptions) -> Vec<Finding> {
        let mut why = Vec::new();
        let hits = self.scan(text, opts, Some(&mut why));
        let mut findings: Vec<Finding> = hits
            .into_iter()
            .zip(why)
            .map(|(hit, suppressed)| Finding { hit, suppressed })
            .collect();
        findings.sort_by_key(|f| (f.hit.start, f.hit.end));
        findings
    }

    /// The matches in `text`, with their suggestions. With `why`, every match, and in `why`
    /// the reason each one is not coached (`None` when it is); without, the coached ones only.
    fn scan(
        &self,
        text: &str,
        opts: &CheckOptions,
        mut why: Option<&mut Vec<Option<Suppressed>>>,
    ) -> Vec<Hit> {
        let explain = why.is_some();
        let mut scratch = self.take_scratch();
        let mut norm = std::mem::take(&mut scratch.norm);
        norm.reset(text, opts.max_chars);
        let ntext = norm.text();
        self.candidates(ntext, &mut scratch);
        if scratch.candidates.is_empty() {
            scratch.norm = norm;
            self.put_scratch(scratch);
            return Vec::new(); // most messages: no need to guess their language
        }
        let lang = match opts.lang {
            LangChoice::Auto => detect(ntext),
            LangChoice::Only(l) => Some(l),
            LangChoice::All => None,
        };
        let mut hits = Vec::new();
        let candidates = std::mem::take(&mut scratch.candidates);
        for &Candidate { rule: idx, anchors } in &candidates {
            let rule = &self.rules[idx as usize];
            let mut suppressed = None;
            if lang.is_some_and(|l| l != rule.lang) {
                if !explain {
                    continue;
                }
                suppressed = Some(Suppressed::OtherLanguage);
            }
            if opts.disabled.is_some_and(|d| d.contains(&rule.id)) {
                if !explain {
                    continue;
                }
                suppressed = Some(Suppressed::Disabled);
            }
            let compiled = &self.compiled[idx as usize];
            let (cache, unless_cache) = scratch.for_rule(idx as usize, compiled);
            // Every match of a rule that is not always tried holds an occurrence of the anchor
            // literal of one of its met requirements. A regex whose matches are at most `len`
            // bytes long is searched only within their reach.
            let span = match (anchors, compiled.max_len) {
                (Some(a), Some(len)) => {
                    (a.first_end + 1).saturating_sub(len)..ntext.len().min(a.last_start + len)
                }
                _ => 0..ntext.len(),
            };
            let mut matches = Searcher::new(Input::new(ntext).span(span));
            let mut may_match = true;
            while may_match {
                let Some(m) = matches.advance(|input| Ok(compiled.regex.search_with(cache, input)))
                else {
                    break;
                };
                // Another match would start at or after this one's end and hold an occurrence
                // of an anchor literal: search again only if one can start there or later.
                may_match = anchors.is_none_or(|a| a.last_start >= m.end());
                if m.start() == m.end() {
                    continue;
                }
                let mut suppressed = suppressed.clone();
                if let (Some(unless), Some(unless_cache)) = (&compiled.unless, &mut *unless_cache) {
                    let window = suggest::unless_window(ntext, m.start(), m.end());
                    let input = Input::new(&ntext[window.clone()]);
                    if let Some(u) = unless.search_with(unless_cache, &input) {
                        if !explain {
                            continue;
                        }
                        let (s, e) =
                            norm.original_span(window.start + u.start(), window.start + u.end());
                        suppressed.get_or_insert(Suppressed::Unless(text[s..e].to_string()));
                    }
                }
                let (start, end) = norm.original_span(m.start(), m.end());
                hits.push(Hit {
                    rule: Arc::clone(rule),
                    start,
                    end,
                    snippet: text[start..end].to_string(),
                    alternatives: Vec::new(),
                    rewrite: None,
                });
                if let Some(why) = why.as_deref_mut() {
                    why.push(suppressed);
                }
            }
        }
        let coached = |i: usize| why.as_ref().is_none_or(|why| why[i].is_none());
        let mut covered = covered_hits(&hits, coached);
        match why {
            Some(why) => {
                for (i, by) in covered {
                    why[i] = Some(Suppressed::Overlap(hits[by].rule.id.clone()));
                }
            }
            // Only the coached hits are kept (and get suggestions).
            None => {
                covered.sort_unstable_by(|a, b| b.cmp(a));
                for (i, _) in covered {
                    hits.remove(i);
                }
            }
        }
        for hit in &mut hits {
            suggest::fill(hit, text, ntext);
        }
        scratch.candidates = candidates;
        scratch.norm = norm;
        self.put_scratch(scratch);
        hits
    }

    /// Heap bytes held by the prefilter's automaton (for diagnostics).
    pub fn prefilter_memory(&self) -> usize {
        self.prefilter
            .automaton
            .as_ref()
            .map_or(0, LiteralDfa::memory_usage)
    }

    /// Heap bytes held by the matching caches kept between checks (for diagnostics).
    pub fn cache_memory(&self) -> usize {
        self.scratch
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(Scratch::cache_memory)
            .sum()
    }

    /// Drops the matching caches kept between checks if they hold more than `budget` bytes
    /// (checks do it on their own every so often, with a budget of 12 MiB).
    pub fn limit_cache_memory(&self, budget: usize) {
        for scratch in self
            .scratch
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter_mut()
        {
            scratch.keep_within(budget);
        }
    }

    fn take_scratch(&self) -> Scratch {
        self.scratch
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .unwrap_or_default()
    }

    fn put_scratch(&self, mut scratch: Scratch) {
        scratch.since_budget_check += 1;
        if scratch.since_budget_check >= BUDGET_CHECK_EVERY {
            scratch.since_budget_check = 0;
            scratch.keep_within(CACHE_BUDGET);
        }
        let mut pool = self.scratch.lock().unwrap_or_else(PoisonError::into_inner);
        if pool.is_empty() {
            pool.push(scratch);
        }
    }

    /// The rules whose prefilter requirements are met by the normalized text, in order, each
    /// with where the anchor literals of its met requirements are.
    fn candidates(&self, ntext: &str, scratch: &mut Scratch) {
        let pf = &self.prefilter;
        let out = &mut scratch.candidates;
        out.clear();
        out.extend(pf.always.iter().map(|&rule| Candidate {
            rule,
            anchors: None,
        }));
        if let Some(automaton) = &pf.automaton {
            let bytes = ntext.as_bytes();
            let found = &mut scratch.found;
            found.reset(pf.literals.len());
            // Records a literal ending at byte `i`.
            let found_at = |i: usize, lit: usize| {
                // A literal that ends a word of the phrase must end a word of the text.
                if pf.literals[lit].word_end
                    && bytes
                        .get(i + 1)
                        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
                {
                    return;
                }
                found.add(lit, i);
            };
            automaton.walk(bytes, found_at);
            for &lit in &found.list {
                let info = pf.literals[lit as usize];
                let (start, end) = info.anchored;
                for &req in &pf.anchored[start as usize..end as usize] {
                    if let Some(rule) = pf.met(req, found) {
                        out.push(Candidate {
                            rule,
                            anchors: Some(Anchors::of(found, lit as usize, info.len)),
                        });
                    }
                }
            }
        }
        out.sort_unstable_by_key(|c| c.rule);
        // One entry per rule: anywhere if one of its entries says so.
        out.dedup_by(|later, kept| {
            if later.rule != kept.rule {
                return false;
            }
            kept.anchors = kept.anchors.zip(later.anchors).map(|(a, b)| a.union(b));
            true
        });
    }

    /// Whether `rule`'s own matching (prefilter, regex, `unless`) finds `text`, whatever the
    /// other rules do. This is what a rule's examples declare.
    pub fn rule_flags(&self, rule: &str, text: &str) -> bool {
        self.explain(
            text,
            &CheckOptions {
                lang: LangChoice::All,
                ..CheckOptions::default()
            },
        )
        .iter()
        .any(|f| {
            f.hit.rule.id == rule && matches!(f.suppressed, None | Some(Suppressed::Overlap(_)))
        })
    }
}

/// Most heap the regex caches of the pooled [`Scratch`] may keep. Each lazy DFA grows as
/// messages take it through new states, up to [`HYBRID_CACHE`] for each direction of each
/// regex: more than 80 MB in all for the shipped rules. In practice they level off far below:
/// 7.3 MiB after the test corpus, 8.4 MiB after 100,000 random sequences of its words
/// (`tests/engine_memory.rs`). Past the budget they are dropped and rebuilt from the next
/// messages on, so the bot's memory stays bounded whatever its traffic. Checked every
/// [`BUDGET_CHECK_EVERY`] checks (the sum walks every rule's caches).
const CACHE_BUDGET: usize = 12 << 20;
const BUDGET_CHECK_EVERY: u32 = 1024;

/// Memory for each rule regex's lazy DFA, per thread. With 150-odd rules the default (2 MiB
/// each) let these caches grow to most of the bot's memory; 32 KiB halved the speed (see
/// BENCHMARKS.md); 256 KiB is as fast as the default for chat-sized messages.
const HYBRID_CACHE: usize = 256 * 1024;

/// Compiles one rule's regex. Its own literal prefilter is off: the Aho-Corasick prefilter
/// above has already decided that the rule can match, so a per-rule prefilter would repeat that
/// work. Only the overall match span is kept (no captures). Word boundaries (`\b`) are ASCII
/// ones: the text is folded, so its letters are ASCII letters, and an ASCII boundary keeps the
/// fast lazy DFA on every message (a Unicode one sends messages with emoji or other scripts to
/// a slower engine). Also returns the most bytes a match can span, when that is bounded.
fn build_regex(source: &str) -> Result<(Regex, Option<usize>), String> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(source)
        .map_err(|e| format!("does not compile: {}", e.to_string().replace('\n', " ")))?;
    let config = Regex::config()
        .auto_prefilter(false)
        .which_captures(WhichCaptures::Implicit)
        .nfa_size_limit(Some(PATTERN_SIZE_LIMIT * 8))
        .hybrid_cache_capacity(HYBRID_CACHE);
    let max_len = hir.properties().maximum_len();
    Regex::builder()
        .configure(config)
        .build_from_hir(&ascii_word_boundaries(&hir))
        .map(|regex| (regex, max_len))
        .map_err(|e| match e.size_limit() {
            Some(limit) => format!("the rule's phrases compile to more than {limit} bytes; split the rule or use fewer optional words"),
            None => format!("does not compile: {}", e.to_string().replace('\n', " ")),
        })
}

/// The same expression with every Unicode word-boundary assertion made an ASCII one.
fn ascii_word_boundaries(hir: &Hir) -> Hir {
    let ascii = |look: Look| match look {
        Look::WordUnicode => Look::WordAscii,
        Look::WordUnicodeNegate => Look::WordAsciiNegate,
        Look::WordStartUnicode => Look::WordStartAscii,
        Look::WordEndUnicode => Look::WordEndAscii,
        Look::WordStartHalfUnicode => Look::WordStartHalfAscii,
        Look::WordEndHalfUnicode => Look::WordEndHalfAscii,
        other => other,
    };
    match hir.kind() {
        HirKind::Look(look) => Hir::look(ascii(*look)),
        HirKind::Repetition(r) => Hir::repetition(Repetition {
            sub: Box::new(ascii_word_boundaries(&r.sub)),
            ..r.clone()
        }),
        HirKind::Capture(c) => Hir::capture(Capture {
            sub: Box::new(ascii_word_boundaries(&c.sub)),
            ..c.clone()
        }),
        HirKind::Concat(v) => Hir::concat(v.iter().map(ascii_word_boundaries).collect()),
        HirKind::Alternation(v) => Hir::alternation(v.iter().map(ascii_word_boundaries).collect()),
        _ => hir.clone(),
    }
}

/// Literals one of which occurs in every match of `pattern`, if it has such literals that are
/// all long enough.
fn pattern_literals(pattern: &str) -> Option<Vec<Literal>> {
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let lits = required_literals(&hir)?;
    lits.into_iter()
        .map(|l| String::from_utf8(l).ok().map(Literal::anywhere))
        .collect()
}

/// The most selective set of literals one of which every match of `hir` contains: the
/// prefixes of the whole expression, or the best set of any part every match goes through (an
/// element of a sequence, the body of a repetition of at least one, each branch of an
/// alternation).
fn required_literals(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    let prefixes = Extractor::new()
        .kind(ExtractKind::Prefix)
        .extract(hir)
        .literals()
        .filter(|l| !l.is_empty() && l.iter().all(|l| l.as_bytes().len() >= MIN_LITERAL))
        .map(|l| l.iter().map(|l| l.as_bytes().to_vec()).collect::<Vec<_>>());
    let parts: Vec<Vec<Vec<u8>>> = match hir.kind() {
        HirKind::Concat(children) => children.iter().filter_map(required_literals).collect(),
        HirKind::Capture(c) => required_literals(&c.sub).into_iter().collect(),
        HirKind::Repetition(r) if r.min >= 1 => required_literals(&r.sub).into_iter().collect(),
        HirKind::Alternation(branches) => branches
            .iter()
            .map(required_literals)
            .collect::<Option<Vec<_>>>()
            .map(|sets| {
                let mut union: Vec<Vec<u8>> = sets.into_iter().flatten().collect();
                union.sort();
                union.dedup();
                union
            })
            .into_iter()
            .collect(),
        _ => Vec::new(),
    };
    prefixes.into_iter().chain(parts).max_by_key(|set| {
        let shortest = set.iter().map(Vec::len).min().unwrap_or(0);
        (shortest, usize::MAX - set.len())
    })
}

/// Among the coached hits (`coached(i)` for `hits[i]`) of the same kind, overlapping spans
/// keep only the strongest (more severe, then longer, then earlier). Returns the others, each
/// with the hit that covers it.
fn covered_hits(hits: &[Hit], coached: impl Fn(usize) -> bool) -> Vec<(usize, usize)> {
    let mut covered = Vec::new();
    if hits.len() < 2 {
        return covered; // most messages: nothing to compare (and nothing allocated)
    }
    let mut order: Vec<usize> = (0..hits.len()).filter(|&i| coached(i)).collect();
    order.sort_by_key(|&i| {
        let h = &hits[i];
        (
            std::cmp::Reverse(h.rule.severity),
            std::cmp::Reverse(h.end - h.start),
            h.start,
        )
    });
    let mut kept: Vec<usize> = Vec::new();
    for i in order {
        let h = &hits[i];
        let cover = kept.iter().find(|&&k| {
            let o = &hits[k];
            o.rule.kind == h.rule.kind && o.start < h.end && h.start < o.end
        });
        match cover {
            Some(&k) => covered.push((i, k)),
            None => kept.push(i),
        }
    }
    covered
}

impl Hit {
    pub fn is_avoid(&self) -> bool {
        self.rule.kind == Kind::Avoid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(pattern: &str) -> Option<Vec<String>> {
        pattern_literals(pattern).map(|l| l.into_iter().map(|l| l.text).collect())
    }

    #[test]
    fn pattern_literals_come_from_any_required_part() {
        // The prefix is too short, but the middle of the pattern is required.
        assert_eq!(texts(r"\bp*pfff*t*\b").unwrap(), ["pff"]);
        // A leading class and `^` give no prefix; the alternation after them does.
        let lits = texts(r"(?:^|[^0-9,.])(?:100 ?%|cent pour ?cent) (?:garanti|sur)\b").unwrap();
        assert!(lits.iter().all(|l| l.len() >= MIN_LITERAL), "{lits:?}");
        // Nothing long enough is required: the rule is tried on every message.
        assert_eq!(texts(r"\bp+f{2,}\b"), None);
        assert_eq!(texts(r"(?:ab|cde)"), None);
    }

    /// The shipped rules, compiled once for the tests below.
    static SHIPPED: std::sync::LazyLock<Engine> = std::sync::LazyLock::new(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        crate::rules_dir::load_unchecked(&dir)
            .expect("the shipped rules folder can be read")
            .engine
    });

    /// Pieces of messages: the shipped rules' own examples (so that rules match, several
    /// times in one message) and some glue.
    fn piece() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let examples: Vec<String> = SHIPPED
            .rules()
            .iter()
            .flat_map(|r| r.examples_flag.iter().chain(&r.examples_pass))
            .cloned()
            .collect();
        prop_oneof![
            3 => proptest::sample::select(examples),
            1 => proptest::sample::select(&[" ", ", ", ". ", "\n", " et ", " and ", "`x`"][..])
                .prop_map(str::to_string),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
        /// The prefilter loses nothing: every match of every rule's regex, searched on its own
        /// over the whole normalized text, is a finding (coached or not).
        #[test]
        fn every_match_of_every_rule_is_found(
            pieces in proptest::collection::vec(piece(), 1..8)
        ) {
            let text = pieces.concat();
            let engine = &*SHIPPED;
            let opts = CheckOptions { lang: LangChoice::All, ..CheckOptions::default() };
            let mut found: Vec<(String, usize, usize)> = engine
                .explain(&text, &opts)
                .into_iter()
                .map(|f| (f.hit.rule.id.clone(), f.hit.start, f.hit.end))
                .collect();
            let norm = Normalized::new(&text, opts.max_chars);
            let mut expected = Vec::new();
            for (rule, compiled) in engine.rules.iter().zip(&engine.compiled) {
                for m in compiled.regex.find_iter(norm.text()).filter(|m| !m.is_empty()) {
                    let (start, end) = norm.original_span(m.start(), m.end());
                    expected.push((rule.id.clone(), start, end));
                }
            }
            found.sort();
            expected.sort();
            proptest::prop_assert_eq!(found, expected, "in {:?}", text);
        }
    }

    #[test]
    fn a_match_right_after_another_is_found() {
        // A raw pattern has no word boundary of its own, so two matches can touch: the
        // second one's literal then starts exactly where the first match ends.
        let text = r#"
[[rule]]
id = "fr-pfff"
severity = "info"
patterns = ["pfff"]
why = "Un soupir écrit se lit comme de l'agacement."
alternatives = ["Je regarde cela.", "Je m'en occupe."]
examples.flag = ["pfff", "pfff encore", "bon pfff"]
examples.pass = ["ok", "pff", "d'accord"]
"#;
        assert_eq!(
            spans(&engine_of("dismissive", text), "pfffpfff"),
            [(0, 4), (4, 8)]
        );
    }

    #[test]
    fn a_rule_with_a_part_without_literals_is_searched_everywhere() {
        // `[0-9]{4}` has no literal for the prefilter: the rule is tried on every message and
        // searched over all of it, even when the literal of its other pattern narrows where
        // that one can match.
        let text = r#"
[[rule]]
id = "fr-pfff-code"
severity = "info"
patterns = ["pfff", "[0-9]{4}"]
why = "Un soupir ou un code brut se lit mal."
alternatives = ["Je regarde cela.", "Je m'en occupe."]
examples.flag = ["pfff", "1234", "bon pfff"]
examples.pass = ["ok", "pff", "123"]
"#;
        assert_eq!(
            spans(&engine_of("dismissive", text), "1234 et puis pfff"),
            [(0, 4), (13, 17)]
        );
    }

    /// Where `engine` coaches `message`.
    fn spans(engine: &Engine, message: &str) -> Vec<(usize, usize)> {
        engine
            .check(message, &CheckOptions::default())
            .iter()
            .map(|h| (h.start, h.end))
            .collect()
    }

    /// An engine of the French rules in `text`, as if read from `rules/fr/<category>.toml`.
    fn engine_of(category: &str, text: &str) -> Engine {
        let source =
            super::super::ruleset::french_source(&format!("rules/fr/{category}.toml"), text);
        super::super::build_strict(&[source]).expect("the test rules are valid")
    }

    #[test]
    fn overlapping_hits_of_one_kind_coach_once() {
        let text = r#"
[[rule]]
id = "fr-rayon"
severity = "alert"
phrases = ["ce n'est pas mon rayon"]
why = "Le client veut une solution, pas un renvoi."
alternatives = ["Je m'en occupe.", "Je transmets et je suis le dossier."]
examples.flag = ["ce n'est pas mon rayon", "c'est pas mon rayon", "ce n'est pas mon rayon, désolé"]
examples.pass = ["mon rayon de soleil", "c'est mon rayon", "au rayon frais"]

[[rule]]
id = "fr-pas-mon"
severity = "warning"
phrases = ["pas mon rayon"]
why = "Le client veut une solution, pas un renvoi."
alternatives = ["Je regarde cela pour vous.", "Je m'en charge."]
examples.flag = ["pas mon rayon", "vraiment pas mon rayon", "pas mon rayon du tout"]
examples.pass = ["mon rayon de soleil", "c'est mon rayon", "au rayon frais"]

[[rule]]
id = "fr-prend-en-main"
category = "solution"
severity = "info"
kind = "praise"
phrases = ["pas mon rayon mais je m'en occupe"]
why = "Prendre le dossier en main rassure le client."
examples.flag = ["pas mon rayon mais je m'en occupe", "c'est pas mon rayon mais je m'en occupe", "pas mon rayon mais je m'en occupe tout de suite"]
examples.pass = ["je m'en occupe", "mon rayon", "c'est mon rayon"]
"#;
        let engine = engine_of("ownership", text);
        let message = "Ce n'est pas mon rayon mais je m'en occupe.";
        let ids =
            |hits: Vec<Hit>| -> Vec<String> { hits.iter().map(|h| h.rule.id.clone()).collect() };
        // The alert covers the warning's words; the praise is of the other kind and stays.
        assert_eq!(
            ids(engine.check(message, &CheckOptions::default())),
            ["fr-rayon", "fr-prend-en-main"]
        );
        assert_eq!(
            ids(engine.check("c'est pas mon rayon", &CheckOptions::default())),
            ["fr-rayon"]
        );
        let twice = "c'est pas mon rayon, ce n'est pas mon rayon";
        assert_eq!(
            ids(engine.check(twice, &CheckOptions::default())),
            ["fr-rayon", "fr-rayon"]
        );
        let findings = engine.explain(message, &CheckOptions::default());
        let warning = findings
            .iter()
            .find(|f| f.hit.rule.id == "fr-pas-mon")
            .unwrap();
        assert_eq!(
            warning.suppressed,
            Some(Suppressed::Overlap("fr-rayon".into()))
        );
        assert!(
            !warning.hit.alternatives.is_empty(),
            "explained findings get suggestions too"
        );
    }

    #[test]
    fn word_boundaries_are_ascii_so_the_fast_engine_always_runs() {
        let (re, _) = build_regex(r"\bcalme\b").unwrap();
        assert!(re.is_match("du calme 🙂"));
        assert!(re.is_match("calme!"));
        assert!(!re.is_match("calmement"));
    }
}
