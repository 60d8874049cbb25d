//! Recall and false-positive rate of the shipped rules on the labeled corpus.
//!
//! `tests/corpus/<lang>.jsonl` holds one message per line: `{"label": "flag"|"pass",
//! "category": ..., "text": ...}`. Every message is checked with the default options (language
//! guessed per message); a message counts as flagged when at least one `avoid` hit is coached.
//!
//! Run with `cargo test --test corpus_eval -- --nocapture` to see the per-category table and
//! every missed flag and false positive. The figures are also written to
//! `target/corpus-metrics.json` (for BENCHMARKS.md), before the targets are asserted.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::json;
use tact::engine::lang::detect;
use tact::engine::normalize::Normalized;
use tact::engine::{CheckOptions, Engine, Kind, DEFAULT_MAX_CHARS};

const MIN_RECALL: f64 = 0.90;
const MAX_FP_RATE: f64 = 0.03;
const LANGS: [&str; 2] = ["fr", "en"];

#[derive(Debug, Deserialize)]
struct Entry {
    label: String,
    category: String,
    text: String,
}

/// Counts for one slice of the corpus.
#[derive(Debug, Default, Clone, Copy, Serialize)]
struct Counts {
    flag: usize,
    flag_flagged: usize,
    /// Flag messages caught by at least one rule of the labeled category.
    flag_same_category: usize,
    pass: usize,
    pass_flagged: usize,
}

impl Counts {
    fn add(&mut self, is_flag: bool, flagged: bool, same_category: bool) {
        if is_flag {
            self.flag += 1;
            self.flag_flagged += usize::from(flagged);
            self.flag_same_category += usize::from(same_category);
        } else {
            self.pass += 1;
            self.pass_flagged += usize::from(flagged);
        }
    }

    fn recall(&self) -> Option<f64> {
        (self.flag > 0).then(|| self.flag_flagged as f64 / self.flag as f64)
    }

    fn fp_rate(&self) -> Option<f64> {
        (self.pass > 0).then(|| self.pass_flagged as f64 / self.pass as f64)
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "flag": self.flag,
            "flag_flagged": self.flag_flagged,
            "flag_same_category": self.flag_same_category,
            "recall": self.recall().map(round4),
            "pass": self.pass,
            "pass_flagged": self.pass_flagged,
            "fp_rate": self.fp_rate().map(round4),
        })
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_string(), |x| format!("{:.1}%", x * 100.0))
}

/// One message the rules got wrong, with what a rule writer needs to act on it.
#[derive(Debug, Serialize)]
struct Miss {
    lang: &'static str,
    category: String,
    text: String,
    /// Language guessed for the message (`None`: unsure, every rule applies).
    detected: Option<String>,
    /// For a false positive: the coached avoid hits. For a missed flag: matches that were
    /// found but not coached, with the reason (other language, `unless`, ...).
    details: Vec<String>,
}

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `target/` (or `$CARGO_TARGET_DIR`), from the per-test temp dir cargo gives integration tests.
fn target_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).to_path_buf()
}

/// The shipped rules, and the problems of the folder (the files with problems are left out,
/// as a running bot would; the test fails on any problem, after printing the figures).
fn load_engine() -> (Engine, Vec<String>) {
    let dir = manifest_dir().join("rules");
    let report = tact::rules_dir::load(&dir).expect("the shipped rules folder can be read");
    let errors = report.errors.iter().map(ToString::to_string).collect();
    (report.engine, errors)
}

fn load_corpus(lang: &str) -> Vec<Entry> {
    let path = manifest_dir().join(format!("tests/corpus/{lang}.jsonl"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let entry: Entry = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), i + 1));
            assert!(
                entry.label == "flag" || entry.label == "pass",
                "{}:{}: label must be flag or pass, not {:?}",
                path.display(),
                i + 1,
                entry.label
            );
            entry
        })
        .collect()
}

#[test]
fn corpus_recall_and_false_positive_rate() {
    let (engine, rule_errors) = load_engine();
    let opts = CheckOptions::default();

    let mut overall = Counts::default();
    let mut by_lang: BTreeMap<&str, Counts> = BTreeMap::new();
    // (lang, label, category) -> counts
    let mut by_category: BTreeMap<(&str, String, String), Counts> = BTreeMap::new();
    let mut missed: Vec<Miss> = Vec::new();
    let mut false_positives: Vec<Miss> = Vec::new();

    for lang in LANGS {
        let corpus = load_corpus(lang);
        assert!(!corpus.is_empty(), "tests/corpus/{lang}.jsonl is empty");
        for entry in corpus {
            let is_flag = entry.label == "flag";
            let hits = engine.check(&entry.text, &opts);
            let avoid: Vec<_> = hits.iter().filter(|h| h.rule.kind == Kind::Avoid).collect();
            let flagged = !avoid.is_empty();
            let same_category = avoid.iter().any(|h| h.rule.category == entry.category);
            overall.add(is_flag, flagged, same_category);
            by_lang
                .entry(lang)
                .or_default()
                .add(is_flag, flagged, same_category);
            by_category
                .entry((lang, entry.label.clone(), entry.category.clone()))
                .or_default()
                .add(is_flag, flagged, same_category);

            if is_flag == flagged {
                continue;
            }
            let detected = detect(Normalized::new(&entry.text, DEFAULT_MAX_CHARS).text())
                .map(|l| l.to_string());
            let details = if flagged {
                avoid
                    .iter()
                    .map(|h| format!("{} ({}) «{}»", h.rule.id, h.rule.category, h.snippet))
                    .collect()
            } else {
                engine
                    .explain(&entry.text, &opts)
                    .into_iter()
                    .filter(|f| f.hit.rule.kind == Kind::Avoid)
                    .map(|f| {
                        format!(
                            "{} «{}» not coached: {:?}",
                            f.hit.rule.id, f.hit.snippet, f.suppressed
                        )
                    })
                    .collect()
            };
            let miss = Miss {
                lang,
                category: entry.category,
                text: entry.text,
                detected,
                details,
            };
            if is_flag {
                missed.push(miss);
            } else {
                false_positives.push(miss);
            }
        }
    }

    // The report, for rule writers.
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n== Corpus evaluation: {} rules ==",
        engine.rules().len()
    );
    if !rule_errors.is_empty() {
        let _ = writeln!(
            out,
            "WARNING: the rules folder has {} problem(s); the files with problems are left out of these figures:\n  {}",
            rule_errors.len(),
            rule_errors.join("\n  ")
        );
    }
    let _ = writeln!(
        out,
        "{:<8} {:>6} {:>8} {:>8} {:>6} {:>8} {:>8}",
        "", "flags", "caught", "recall", "passes", "flagged", "FP rate"
    );
    let row = |out: &mut String, name: &str, c: &Counts| {
        let _ = writeln!(
            out,
            "{:<8} {:>6} {:>8} {:>8} {:>6} {:>8} {:>8}",
            name,
            c.flag,
            c.flag_flagged,
            pct(c.recall()),
            c.pass,
            c.pass_flagged,
            pct(c.fp_rate())
        );
    };
    for (lang, c) in &by_lang {
        row(&mut out, lang, c);
    }
    row(&mut out, "overall", &overall);

    let _ = writeln!(out, "\n-- Recall per category (flag messages) --");
    let _ = writeln!(
        out,
        "{:<4} {:<14} {:>5} {:>7} {:>8} {:>14}",
        "lang", "category", "flags", "caught", "recall", "same category"
    );
    for ((lang, label, category), c) in &by_category {
        if label == "flag" {
            let _ = writeln!(
                out,
                "{:<4} {:<14} {:>5} {:>7} {:>8} {:>14}",
                lang,
                category,
                c.flag,
                c.flag_flagged,
                pct(c.recall()),
                c.flag_same_category
            );
        }
    }
    let _ = writeln!(out, "\n-- False positives per category (pass messages) --");
    let _ = writeln!(
        out,
        "{:<4} {:<26} {:>6} {:>8} {:>8}",
        "lang", "category", "passes", "flagged", "FP rate"
    );
    for ((lang, label, category), c) in &by_category {
        if label == "pass" {
            let _ = writeln!(
                out,
                "{:<4} {:<26} {:>6} {:>8} {:>8}",
                lang,
                category,
                c.pass,
                c.pass_flagged,
                pct(c.fp_rate())
            );
        }
    }
    let list = |out: &mut String, title: &str, items: &[Miss]| {
        let _ = writeln!(out, "\n-- {title} ({}) --", items.len());
        for m in items {
            let detected = m.detected.as_deref().unwrap_or("unsure");
            let _ = writeln!(
                out,
                "[{} {} | detected: {detected}] {:?}",
                m.lang, m.category, m.text
            );
            for d in &m.details {
                let _ = writeln!(out, "      {d}");
            }
        }
    };
    list(&mut out, "Missed flags", &missed);
    list(&mut out, "False positives", &false_positives);
    println!("{out}");

    // The figures, for BENCHMARKS.md.
    let metrics = json!({
        "rules": engine.rules().len(),
        "rule_errors": rule_errors,
        "targets": { "min_recall": MIN_RECALL, "max_fp_rate": MAX_FP_RATE },
        "overall": overall.json(),
        "by_lang": by_lang.iter().map(|(l, c)| (l.to_string(), c.json())).collect::<serde_json::Map<_, _>>(),
        "by_category": by_category
            .iter()
            .map(|((lang, label, category), c)| json!({ "lang": lang, "label": label, "category": category, "counts": c.json() }))
            .collect::<Vec<_>>(),
        "missed_flags": missed,
        "false_positives": false_positives,
    });
    let path = target_dir().join("corpus-metrics.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&metrics).expect("metrics serialize") + "\n",
    )
    .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    println!("metrics written to {}", path.display());

    let recall = overall.recall().expect("the corpus has flag messages");
    let fp_rate = overall.fp_rate().expect("the corpus has pass messages");
    let mut failures = Vec::new();
    if !rule_errors.is_empty() {
        failures.push(format!(
            "the shipped rules folder has {} problem(s) (run `cargo run -- rules check`):\n{}",
            rule_errors.len(),
            rule_errors.join("\n")
        ));
    }
    if recall < MIN_RECALL {
        failures.push(format!(
            "recall {:.1}% ({}/{}) is below the {:.0}% target: {} flag message(s) missed",
            recall * 100.0,
            overall.flag_flagged,
            overall.flag,
            MIN_RECALL * 100.0,
            missed.len()
        ));
    }
    if fp_rate > MAX_FP_RATE {
        failures.push(format!(
            "false-positive rate {:.1}% ({}/{}) is above the {:.0}% target",
            fp_rate * 100.0,
            overall.pass_flagged,
            overall.pass,
            MAX_FP_RATE * 100.0
        ));
    }
    assert!(
        failures.is_empty(),
        "{}\n(run `cargo test --test corpus_eval -- --nocapture` for the lists)",
        failures.join("\n")
    );
}
