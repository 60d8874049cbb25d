//! Properties of normalization and matching on arbitrary messages: no panic, spans that map
//! back to exact pieces of the original, no double spaces, and truncation that holds.
//!
//! The generators mix what Discord support messages are made of: French accents, every
//! apostrophe style, no-break spaces, Discord markup, mentions, URLs, emoji, combining marks,
//! long runs, and the shipped rules' own examples (so that hits actually happen).

use std::path::Path;
use std::sync::LazyLock;

use proptest::prelude::*;
use tact::engine::normalize::{truncate_chars, Normalized};
use tact::engine::{CheckOptions, Engine, LangChoice, DEFAULT_MAX_CHARS};

/// The shipped rules (files with problems are left out, as a running bot would).
static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
    tact::rules_dir::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("rules"))
        .expect("the shipped rules folder can be read")
        .engine
});

/// Every example message of the shipped rules: realistic text that rules match.
static EXAMPLES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut v: Vec<String> = ENGINE
        .rules()
        .iter()
        .flat_map(|r| {
            r.examples_flag
                .iter()
                .chain(&r.examples_pass)
                .chain(&r.alternatives)
        })
        .cloned()
        .collect();
    if v.is_empty() {
        v.push("Ce n'est pas de mon ressort.".into());
    }
    v
});

const FRAGMENTS: &[&str] = &[
    // French, accents, ligatures, apostrophes of every kind
    "Ce n’est pas de mon ressort",
    "c`est pas mon rayon",
    "j'peux pas",
    "qu’il",
    "déjà",
    "ça",
    "œuvre",
    "Œ",
    "ß",
    "À",
    "é",
    "e\u{301}",
    "\u{301}",
    "\u{301}\u{302}\u{303}",
    "a\u{308}\u{308}",
    "ﬁ",
    "ｆｕｌｌ",
    "²",
    "½",
    "\u{FDFA}",
    "\u{2474}",
    "İ",
    "ǅ",
    "'",
    "’",
    "‘",
    "`",
    "´",
    "«",
    "»",
    "—",
    "…",
    // white space of every kind
    " ",
    "  ",
    "\u{00A0}",
    "\u{202F}",
    "\u{2009}",
    "\u{3000}",
    "\t",
    "\n",
    "\r\n",
    "\n\n",
    "\u{200B}",
    "\u{FEFF}",
    // Discord markup
    "```",
    "```rust\nlet x = 1;\n```",
    "`",
    "``",
    "`code`",
    "> ",
    ">>> ",
    "\n> ",
    "**",
    "*",
    "__",
    "_",
    "~~",
    "||",
    "<@123>",
    "<@!456>",
    "<@&789>",
    "<#42>",
    "<:ok:12>",
    "<a:no:34>",
    "<t:1700000000:R>",
    "</tact check:99>",
    "<https://x.y/z>",
    "<",
    ">",
    "https://x",
    "http://ex.com/a?b=c",
    "www.example.com",
    // emoji
    "😀",
    "👍🏽",
    "👨‍👩‍👧",
    "🇫🇷",
    "❤️",
    // punctuation and phrase-syntax characters
    ".",
    ",",
    "!",
    "?",
    "-",
    "(",
    ")",
    "[",
    "]",
    "|",
    "\\",
    // words rules care about
    "calmez-vous",
    "CALMEZ VOUS",
    "ressort",
    "rayon",
    "rembourser",
    "mais je peux",
    "we can't do that",
    "as I said before",
    "not my job",
    "your welcome",
];

/// One piece of a message.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(FRAGMENTS).prop_map(str::to_string),
        3 => prop::sample::select(EXAMPLES.clone()),
        2 => "[a-zA-Zàâçéèêëîïôûùüÿœæ’' ]{1,12}",
        2 => any::<char>().prop_map(String::from),
        1 => "\\PC{1,8}",
        1 => (prop::sample::select(&["a", "é", " ", "\u{A0}", "*", "`", "’", "\n", "😀", "\u{301}", "ab "][..]), 1usize..300)
            .prop_map(|(s, n)| s.repeat(n)),
    ]
}

/// A message: a few pieces glued together.
fn message() -> impl Strategy<Value = String> {
    prop::collection::vec(fragment(), 0..24).prop_map(|v| v.concat())
}

/// Byte offsets of the char boundaries of `s`, including `s.len()`.
fn boundaries(s: &str) -> Vec<usize> {
    s.char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()))
        .collect()
}

/// Every range [a, b) of char boundaries when there are few; otherwise every range of up to
/// 48 chars plus every range to the end (the long ones add nothing that these do not cover).
fn ranges(bounds: &[usize]) -> Vec<(usize, usize)> {
    let n = bounds.len();
    let mut out = Vec::new();
    for i in 0..n {
        let limit = if n <= 200 { n } else { (i + 49).min(n) };
        for j in i + 1..limit {
            out.push((bounds[i], bounds[j]));
        }
        if limit < n && i + 1 < n {
            out.push((bounds[i], bounds[n - 1]));
        }
    }
    out
}

fn check_normalized(original: &str, max_chars: usize) -> Result<(), TestCaseError> {
    let norm = Normalized::new(original, max_chars);
    let text = norm.text();
    prop_assert!(
        !text.contains("  "),
        "double space in {:?} (from {:?})",
        text,
        original
    );
    for (a, b) in ranges(&boundaries(text)) {
        let (s, e) = norm.original_span(a, b);
        prop_assert!(
            s <= e && e <= original.len(),
            "original_span({}, {}) = ({}, {}) out of range for {:?} -> {:?}",
            a,
            b,
            s,
            e,
            original,
            text
        );
        prop_assert!(
            original.is_char_boundary(s) && original.is_char_boundary(e),
            "original_span({}, {}) = ({}, {}) splits a char of {:?} -> {:?}",
            a,
            b,
            s,
            e,
            original,
            text
        );
    }
    Ok(())
}

fn check_hits(text: &str, opts: &CheckOptions) -> Result<(), TestCaseError> {
    let limit = truncate_chars(text, opts.max_chars).len();
    for hit in ENGINE.check(text, opts) {
        prop_assert!(
            hit.start <= hit.end && hit.end <= text.len(),
            "hit {} at {}..{} out of range in {:?}",
            hit.rule.id,
            hit.start,
            hit.end,
            text
        );
        prop_assert!(
            text.is_char_boundary(hit.start) && text.is_char_boundary(hit.end),
            "hit {} at {}..{} splits a char of {:?}",
            hit.rule.id,
            hit.start,
            hit.end,
            text
        );
        prop_assert_eq!(&text[hit.start..hit.end], hit.snippet.as_str());
        prop_assert!(
            hit.end <= limit,
            "hit {} ends at {} beyond the first {} chars (byte {}) of {:?}",
            hit.rule.id,
            hit.end,
            opts.max_chars,
            limit,
            text
        );
        if let Some(rewrite) = &hit.rewrite {
            prop_assert!(
                rewrite.starts_with(&text[..hit.start]) && rewrite.ends_with(&text[hit.end..])
            );
        }
    }
    // `explain` walks the suppressed matches too.
    for f in ENGINE.explain(text, opts) {
        prop_assert_eq!(&text[f.hit.start..f.hit.end], f.hit.snippet.as_str());
        prop_assert!(f.hit.end <= limit);
    }
    Ok(())
}

/// 256 cases (a few seconds in debug); `PROPTEST_CASES=100000` for a longer hunt.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 256;
    }
    config
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn normalization_never_panics_and_maps_back(s in message(), max in prop_oneof![Just(DEFAULT_MAX_CHARS), 0usize..200]) {
        check_normalized(&s, max)?;
    }

    #[test]
    fn arbitrary_unicode_normalizes(s in any::<String>(), max in prop_oneof![Just(DEFAULT_MAX_CHARS), 0usize..64]) {
        check_normalized(&s, max)?;
    }

    #[test]
    fn check_spans_are_exact(s in message()) {
        for lang in [LangChoice::Auto, LangChoice::All] {
            check_hits(&s, &CheckOptions { lang, ..CheckOptions::default() })?;
        }
    }

    #[test]
    fn truncation_bounds_every_hit(s in message(), max in 0usize..400) {
        check_hits(&s, &CheckOptions { lang: LangChoice::All, max_chars: max, disabled: None })?;
    }
}

#[test]
fn known_tricky_inputs() {
    let cases = [
        "",
        " ",
        "\u{301}",
        "``` ce n'est pas de mon ressort",
        "` ce n'est pas de mon ressort",
        "> \n> \n",
        ">>> ",
        "<@123",
        "<t:>",
        "<:a:>",
        "https://",
        "c`est pas mon rayon",
        "Ce n’est\u{202F}pas de mon\u{A0}ressort\u{301}",
        "ce n'est **pas** de mon ||ressort||",
        "é\u{301}\u{301}\u{301} ce n’est pas de mon ressort",
    ];
    let all = CheckOptions {
        lang: LangChoice::All,
        ..CheckOptions::default()
    };
    for text in cases {
        for max in [0, 1, 3, 10, DEFAULT_MAX_CHARS] {
            check_normalized(text, max).unwrap();
            check_hits(
                text,
                &CheckOptions {
                    max_chars: max,
                    ..all
                },
            )
            .unwrap();
        }
    }
}

/// The properties above are only worth something if the generated messages do get hits.
#[test]
fn generated_messages_do_get_hits() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    if ENGINE.rules().is_empty() {
        return;
    }
    let mut runner = TestRunner::deterministic();
    let strategy = message();
    let all = CheckOptions {
        lang: LangChoice::All,
        ..CheckOptions::default()
    };
    let total = 256;
    let with_hits = (0..total)
        .filter(|_| {
            let text = strategy.new_tree(&mut runner).expect("a message").current();
            !ENGINE.check(&text, &all).is_empty()
        })
        .count();
    println!("{with_hits}/{total} generated messages have hits");
    assert!(
        with_hits * 10 >= total,
        "only {with_hits}/{total} generated messages have hits"
    );
}

/// A rule example with no backtick, so that it cannot close a code block early.
fn example_without_backticks() -> impl Strategy<Value = String> {
    prop::sample::select(EXAMPLES.clone()).prop_map(|s| s.replace('`', "'"))
}

proptest! {
    #![proptest_config(config())]

    /// Text in a code block or inline code is never matched.
    #[test]
    fn code_is_never_matched(example in example_without_backticks(), fence in prop::sample::select(&["```", "`", "``"][..])) {
        let text = format!("Bonjour, {fence}{example}{fence} voilà");
        let all = CheckOptions { lang: LangChoice::All, ..CheckOptions::default() };
        let inside = text.find(fence).unwrap()..text.rfind(fence).unwrap();
        for hit in ENGINE.check(&text, &all) {
            prop_assert!(hit.end <= inside.start || hit.start >= inside.end, "{} matched {:?} inside code in {:?}", hit.rule.id, hit.snippet, text);
        }
    }

    /// The same when the message is cut by `max_chars` before the closing fence (markup is
    /// read on the whole message, then the text is cut).
    #[test]
    fn code_cut_by_truncation_is_never_matched(example in example_without_backticks(), fence in prop::sample::select(&["```", "`", "``"][..]), cut in 0usize..200) {
        let text = format!("Bonjour, {fence}{example} {}{fence} voilà", "x".repeat(200));
        let inside = text.find(fence).unwrap()..text.rfind(fence).unwrap();
        let max_chars = text[..inside.start].chars().count() + cut;
        let opts = CheckOptions { lang: LangChoice::All, max_chars, disabled: None };
        for hit in ENGINE.check(&text, &opts) {
            prop_assert!(hit.end <= inside.start || hit.start >= inside.end, "{} matched {:?} inside code in {:?} (max_chars {})", hit.rule.id, hit.snippet, text, max_chars);
        }
    }
}
