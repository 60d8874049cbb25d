//! How much matching memory the engine keeps between checks: the per-rule lazy-DFA caches,
//! which grow as messages take the rules' automata through new states (figures in
//! BENCHMARKS.md, "The bot under load").
//!
//! `cargo test --release --test engine_memory -- --ignored --nocapture`
//!
//! Ignored by default: it checks 104,800 messages (under a second in release, minutes in a
//! debug build).

use std::path::Path;

use tact::engine::CheckOptions;

/// The engine drops its caches past 12 MiB (`CACHE_BUDGET` in `src/engine/matcher.rs`).
const BUDGET: usize = 12 << 20;

fn corpus() -> Vec<String> {
    let mut out = Vec::new();
    for lang in ["fr", "en"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/corpus/{lang}.jsonl"));
        let text = std::fs::read_to_string(&path).expect("the corpus can be read");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).expect("corpus line is JSON");
            out.push(v["text"].as_str().expect("text").to_string());
        }
    }
    out
}

/// SplitMix64: deterministic word sequences, the same on every run.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[test]
#[ignore = "measurement: run with --release --ignored --nocapture"]
fn matching_caches_level_off_below_the_budget() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let engine = tact::rules_dir::load(&dir)
        .expect("the shipped rules load")
        .engine;
    let opts = CheckOptions::default();
    let messages = corpus();
    let mib = |b: usize| b as f64 / (1 << 20) as f64;

    // The corpus ten times over: what the load test sends the bot.
    for _ in 0..10 {
        for m in &messages {
            engine.check(m, &opts);
        }
    }
    let after_corpus = engine.cache_memory();
    eprintln!(
        "after the corpus x10 ({} checks): {:.1} MiB of caches",
        messages.len() * 10,
        mib(after_corpus)
    );

    // Messages unlike any rule example: 100,000 random sequences of 4 to 30 corpus words.
    let words: Vec<&str> = messages.iter().flat_map(|m| m.split_whitespace()).collect();
    let mut state = 7;
    let mut most = after_corpus;
    for i in 0..100_000 {
        let n = 4 + (next(&mut state) % 27) as usize;
        let text: Vec<&str> = (0..n)
            .map(|_| words[(next(&mut state) % words.len() as u64) as usize])
            .collect();
        engine.check(&text.join(" "), &opts);
        if i % 1000 == 0 {
            most = most.max(engine.cache_memory());
        }
    }
    eprintln!(
        "after 100,000 random word sequences: {:.1} MiB of caches (most seen: {:.1} MiB; budget {:.0} MiB)",
        mib(engine.cache_memory()),
        mib(most),
        mib(BUDGET)
    );
    assert!(
        after_corpus < BUDGET,
        "the corpus alone fills the cache budget: raise CACHE_BUDGET or shrink the rules' regexes"
    );
}
