//! Finding rules from a few words: what "what can I say instead of ..." searches, and rule
//! completion by id or phrase. Accents, case and apostrophes never matter.

use std::sync::Arc;

use super::matcher::{CheckOptions, Engine, LangChoice};
use super::normalize::fold;
use super::rule::{Kind, Rule};

/// A rule found for a query, with how well it matched.
#[derive(Debug, Clone)]
pub struct Found {
    pub rule: Arc<Rule>,
    /// Higher is better: 100 when the query itself is flagged by the rule.
    pub score: u32,
    /// The part of the query the rule flags, or the phrase or example that matched.
    pub matched: String,
}

/// The `avoid` rules matching `query`, best first, at most `limit`:
/// - rules that flag the query itself (as if it were a message, in any language);
/// - rules whose phrases or `examples.flag` contain the query's words (accent, case and
///   apostrophe-insensitive, `c'est` = `cest` = `c est`).
pub fn search(engine: &Engine, query: &str, limit: usize) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    let mut put = |rule: &Arc<Rule>, score: u32, matched: &str| match found
        .iter_mut()
        .find(|f| f.rule.id == rule.id)
    {
        Some(f) if f.score >= score => {}
        Some(f) => {
            f.score = score;
            f.matched = matched.to_string();
        }
        None => found.push(Found {
            rule: Arc::clone(rule),
            score,
            matched: matched.to_string(),
        }),
    };
    let all = CheckOptions {
        lang: LangChoice::All,
        ..CheckOptions::default()
    };
    for hit in engine.check(query, &all) {
        put(&hit.rule, 100, &hit.snippet);
    }
    // Also what the rule would flag with its `unless` exceptions ignored ("je ne peux pas
    // rembourser, mais..." still asks about the refusal).
    for finding in engine.explain(query, &all) {
        if finding.suppressed.is_some() {
            put(&finding.hit.rule, 90, &finding.hit.snippet);
        }
    }
    let q = Key::new(query);
    if !q.words.is_empty() {
        for rule in engine.rules() {
            let texts = rule
                .phrases
                .iter()
                .map(|p| (p, 70))
                .chain(rule.examples_flag.iter().map(|e| (e, 60)));
            for (text, score) in texts {
                let t = Key::new(text);
                if t.contains(&q) {
                    put(rule, score, text);
                } else {
                    let present = q
                        .words
                        .iter()
                        .filter(|w| w.len() >= 3 && t.words.contains(w))
                        .count();
                    let long = q.words.iter().filter(|w| w.len() >= 3).count();
                    if long > 0 && present == long {
                        put(rule, score - 20, text);
                    } else if long > 1 && present * 2 >= long {
                        put(rule, score - 40, text);
                    }
                }
            }
            let id = Key::new(&rule.id.replace('-', " "));
            if id.contains(&q) {
                put(rule, 40, &rule.id);
            }
        }
    }
    found.retain(|f| f.rule.kind == Kind::Avoid);
    found.sort_by(|a, b| {
        b.score
            .cmp(&a.score)
            .then_with(|| a.rule.id.cmp(&b.rule.id))
    });
    found.truncate(limit);
    found
}

/// Rules for a partly typed id or phrase (autocompletion), best first, at most `limit`.
/// An empty `partial` lists rules by id.
pub fn complete<'e>(engine: &'e Engine, partial: &str, limit: usize) -> Vec<&'e Arc<Rule>> {
    let q = Key::new(partial);
    let raw = partial.trim().to_lowercase();
    let mut scored: Vec<(u32, &Arc<Rule>)> = engine
        .rules()
        .iter()
        .filter_map(|rule| {
            if q.words.is_empty() {
                return Some((0, rule));
            }
            let id = rule.id.as_str();
            let score = if id.starts_with(&raw) {
                4
            } else if id.contains(&raw) || Key::new(&id.replace('-', " ")).contains(&q) {
                3
            } else if rule.phrases.iter().any(|p| Key::new(p).contains(&q)) {
                2
            } else if rule.examples_flag.iter().any(|e| Key::new(e).contains(&q)) {
                1
            } else {
                return None;
            };
            Some((score, rule))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
    scored.into_iter().take(limit).map(|(_, r)| r).collect()
}

/// A phrase as people read it: the phrase syntax's optional words in brackets and the first
/// of each group of alternatives (`ce n'est [vraiment] pas (de mon|mon) ressort` ->
/// `ce n'est pas de mon ressort`).
pub fn readable_phrase(phrase: &str) -> String {
    let mut out = String::new();
    let mut depth_opt = 0usize;
    // For each open group: whether we are past its first alternative.
    let mut groups: Vec<bool> = Vec::new();
    let mut chars = phrase.chars().peekable();
    while let Some(c) = chars.next() {
        let skipping = depth_opt > 0 || groups.iter().any(|&past| past);
        match c {
            '[' => depth_opt += 1,
            ']' => depth_opt = depth_opt.saturating_sub(1),
            '(' => groups.push(false),
            ')' => {
                groups.pop();
            }
            '|' => {
                if let Some(last) = groups.last_mut() {
                    *last = true;
                }
            }
            '*' => {
                while chars.peek().is_some_and(char::is_ascii_digit) {
                    chars.next();
                }
                if !skipping {
                    out.push('…');
                }
            }
            c if !skipping => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A text folded for searching: words of letters and digits, and the same without spaces.
struct Key {
    spaced: String,
    compact: String,
    words: Vec<String>,
}

impl Key {
    fn new(text: &str) -> Key {
        let folded: String = fold(text)
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        let words: Vec<String> = folded.split_whitespace().map(str::to_string).collect();
        Key {
            spaced: format!(" {} ", words.join(" ")),
            compact: words.concat(),
            words,
        }
    }

    /// Whether `other`'s words appear in order in this text (whole words), or, for longer
    /// queries, whether they do once spaces are ignored (`cest` finds `c'est`).
    fn contains(&self, other: &Key) -> bool {
        if other.words.is_empty() {
            return false;
        }
        self.spaced.contains(&other.spaced)
            || (other.compact.len() >= 5 && self.compact.contains(&other.compact))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{build_strict, Lang, RuleSource};

    const RULES: &str = r#"
[[rule]]
id = "fr-pas-mon-ressort"
category = "ownership"
severity = "alert"
phrases = ["ce n'est [vraiment] pas (de mon|mon) (ressort|rayon)"]
why = "Le client veut une solution."
alternatives = ["Je m'en occupe.", "Je transmets votre demande et je suis le dossier."]
examples.flag = ["c pas mon rayon", "Ce n’est pas de mon ressort.", "cest pas mon ressort"]
examples.pass = ["le ressort de la porte", "`ce n'est pas de mon ressort`", "> ce n'est pas de mon ressort"]

[[rule]]
id = "fr-calmez-vous"
category = "dismissive"
severity = "alert"
phrases = ["calmez-vous"]
why = "Personne ne se calme sur ordre."
alternatives = ["Je comprends votre agacement.", "Je vois que la situation est pénible."]
examples.flag = ["Calmez-vous !", "calmez vous svp", "CALMEZ-VOUS"]
examples.pass = ["Je reste calme", "calme plat", "`calmez-vous`"]

[[rule]]
id = "fr-merci-praise"
category = "closing"
kind = "praise"
severity = "info"
phrases = ["belle journée"]
why = "Une conclusion chaleureuse."
examples.flag = ["Belle journée !", "belle journee", "bonne et belle journée"]
examples.pass = ["journée", "belle", "beau jour"]
"#;

    fn engine() -> Engine {
        build_strict(&[RuleSource {
            path: "rules/fr/x.toml".into(),
            text: RULES.into(),
            lang: Some(Lang::Fr),
        }])
        .unwrap()
    }

    #[test]
    fn finds_by_what_the_rule_flags_and_by_words() {
        let e = engine();
        let ids = |q: &str| {
            search(&e, q, 5)
                .into_iter()
                .map(|f| f.rule.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids("C’EST PAS MON RAYON"), ["fr-pas-mon-ressort"]);
        assert_eq!(ids("ressort"), ["fr-pas-mon-ressort"]);
        assert_eq!(ids("cest pas"), ["fr-pas-mon-ressort"]);
        assert_eq!(ids("calmez vous"), ["fr-calmez-vous"]);
        assert_eq!(ids("calmez"), ["fr-calmez-vous"]);
        assert!(
            ids("belle journée").is_empty(),
            "praise rules have nothing to say instead"
        );
        assert!(ids("rien à voir").is_empty());
        assert!(ids("  ").is_empty());
        let f = &search(&e, "bon, c pas mon rayon", 5)[0];
        assert_eq!((f.score, f.matched.as_str()), (100, "c pas mon rayon"));
    }

    #[test]
    fn completes_ids_and_phrases() {
        let e = engine();
        let ids = |q: &str| {
            complete(&e, q, 25)
                .into_iter()
                .map(|r| r.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(""),
            ["fr-calmez-vous", "fr-merci-praise", "fr-pas-mon-ressort"]
        );
        assert_eq!(ids("fr-c"), ["fr-calmez-vous"]);
        assert_eq!(ids("rayon"), ["fr-pas-mon-ressort"]);
        assert_eq!(ids("Journée"), ["fr-merci-praise"]);
        assert_eq!(complete(&e, "", 1).len(), 1);
    }

    #[test]
    fn readable_phrases() {
        assert_eq!(
            readable_phrase("ce n'est [vraiment] pas (de mon|mon) (ressort|rayon)"),
            "ce n'est pas de mon ressort"
        );
        assert_eq!(
            readable_phrase("je ne peux pas * rembours*"),
            "je ne peux pas … rembours…"
        );
        assert_eq!(readable_phrase("(a|(b|c) d) e"), "a e");
        assert_eq!(readable_phrase("calm down"), "calm down");
    }
}
