//! Building an [`Engine`] from the texts of a rules folder, with every check a rule must pass:
//! syntax and fields (see [`super::rule_file`]), unique ids across files, examples that behave
//! as declared, and alternatives that Tact itself would not flag.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use super::error::{RuleError, RuleErrors};
use super::matcher::{CheckOptions, Engine, LangChoice};
use super::rule::{Kind, Lang, Rule};
use super::rule_file;

/// The text of one rule file, as read by the caller.
#[derive(Debug, Clone)]
pub struct RuleSource {
    pub path: PathBuf,
    pub text: String,
    /// From the folder (`rules/<lang>/`), when it names a language.
    pub lang: Option<Lang>,
}

/// The outcome of a lenient load: the engine built from the files without problems, and the
/// problems of the others.
#[derive(Debug)]
pub struct LoadReport {
    pub engine: Engine,
    pub errors: Vec<RuleError>,
    /// Files left out because of their problems.
    pub skipped: BTreeSet<PathBuf>,
}

/// Builds an engine from every file, or returns every problem found.
pub fn build_strict(sources: &[RuleSource]) -> Result<Engine, RuleErrors> {
    let report = build_lenient(sources);
    if report.errors.is_empty() {
        Ok(report.engine)
    } else {
        Err(RuleErrors(report.errors))
    }
}

/// Builds an engine from the files that have no problem and reports the problems of the
/// others, so a running bot can keep coaching with what is good.
pub fn build_lenient(sources: &[RuleSource]) -> LoadReport {
    let mut report = build_unchecked(sources);
    // Behaviour: examples and alternatives. Removing files only removes matches, so one
    // rebuild after dropping the files with problems is enough.
    let behaviour = behaviour_errors(&report.engine);
    if behaviour.is_empty() {
        report.engine.release_caches();
        return report;
    }
    for e in &behaviour {
        report.skipped.insert(e.file.clone());
    }
    report.errors.extend(behaviour);
    let rules: Vec<Rule> = report
        .engine
        .rules()
        .iter()
        .filter(|r| !report.skipped.contains(&r.origin.file))
        .map(|r| Rule::clone(r))
        .collect();
    report.engine = Engine::compile(rules).unwrap_or_else(|_| Engine::empty());
    report
}

/// Parses and compiles every file that can be, without running examples or checking
/// alternatives (for `tact rules test`, which runs them itself).
pub fn build_unchecked(sources: &[RuleSource]) -> LoadReport {
    let mut errors = Vec::new();
    let mut rules: Vec<Rule> = Vec::new();
    let mut skipped = BTreeSet::new();
    for source in sources {
        let parsed = rule_file::parse(&source.path, &source.text, source.lang);
        if parsed.errors.is_empty() {
            rules.extend(parsed.rules);
        } else {
            skipped.insert(source.path.clone());
            errors.extend(parsed.errors);
        }
    }

    // Unique ids across files: the first definition (in folder order) wins.
    let mut first: HashMap<String, (PathBuf, usize)> = HashMap::new();
    for rule in &rules {
        match first.get(&rule.id) {
            Some((file, line)) => {
                errors.push(
                    RuleError::new(&rule.origin.file, format!("duplicate id; {} already defines it at line {line}; rename one of them", file.display()))
                        .line(Some(rule.origin.line))
                        .rule(Some(&rule.id))
                        .field("id"),
                );
                skipped.insert(rule.origin.file.clone());
            }
            None => {
                first.insert(
                    rule.id.clone(),
                    (rule.origin.file.clone(), rule.origin.line),
                );
            }
        }
    }
    rules.retain(|r| !skipped.contains(&r.origin.file));

    let engine = match Engine::compile(rules.clone()) {
        Ok(engine) => engine,
        Err(compile_errors) => {
            for e in &compile_errors {
                skipped.insert(e.file.clone());
            }
            errors.extend(compile_errors);
            rules.retain(|r| !skipped.contains(&r.origin.file));
            Engine::compile(rules).unwrap_or_else(|_| Engine::empty())
        }
    };
    LoadReport {
        engine,
        errors,
        skipped,
    }
}

/// Every example that does not behave as declared and every alternative that is flagged.
pub fn behaviour_errors(engine: &Engine) -> Vec<RuleError> {
    let mut errors = Vec::new();
    for result in example_results(engine) {
        if !result.ok {
            let rule = engine.rule(&result.rule).expect("rule of the engine");
            let (field, verb) = if result.expect_flag {
                (
                    format!("examples.flag[{}]", result.index),
                    "is not flagged by this rule; widen a phrase or fix the example",
                )
            } else {
                (format!("examples.pass[{}]", result.index), "is flagged by this rule; add an `unless` exception, narrow the phrase, or fix the example")
            };
            errors.push(
                RuleError::new(&rule.origin.file, format!("{:?} {verb}", result.text))
                    .line(Some(rule.origin.line_of(&field)))
                    .rule(Some(&rule.id))
                    .field(field),
            );
        }
    }
    let all = CheckOptions {
        lang: LangChoice::All,
        ..CheckOptions::default()
    };
    for rule in engine.rules() {
        for (i, alt) in rule.alternatives.iter().enumerate() {
            for hit in engine
                .check(alt, &all)
                .iter()
                .filter(|h| h.rule.kind == Kind::Avoid)
            {
                let field = format!("alternatives[{i}]");
                errors.push(
                    RuleError::new(&rule.origin.file, format!("{alt:?} is itself flagged by rule {} (at {:?}); an alternative must pass every rule, reword it", hit.rule.id, hit.snippet))
                        .line(Some(rule.origin.line_of(&field)))
                        .rule(Some(&rule.id))
                        .field(field),
                );
            }
        }
    }
    errors
}

/// The outcome of one rule example.
#[derive(Debug, Clone)]
pub struct ExampleResult {
    pub rule: String,
    pub expect_flag: bool,
    pub index: usize,
    pub text: String,
    pub ok: bool,
}

/// Runs every rule's examples against the engine.
pub fn example_results(engine: &Engine) -> Vec<ExampleResult> {
    let mut out = Vec::new();
    for rule in engine.rules() {
        for (expect_flag, list) in [(true, &rule.examples_flag), (false, &rule.examples_pass)] {
            for (index, text) in list.iter().enumerate() {
                let flagged = engine.rule_flags(&rule.id, text);
                out.push(ExampleResult {
                    rule: rule.id.clone(),
                    expect_flag,
                    index,
                    text: text.clone(),
                    ok: flagged == expect_flag,
                });
            }
        }
    }
    out
}

/// A French rule file read from `path` with contents `text` (for tests).
#[cfg(test)]
pub(crate) fn french_source(path: &str, text: &str) -> RuleSource {
    RuleSource {
        path: PathBuf::from(path),
        text: text.to_string(),
        lang: Some(Lang::Fr),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::french_source as source;

    const RESSORT: &str = r#"
[[rule]]
id = "fr-ressort"
severity = "alert"
phrases = ["ce n'est pas (de mon|mon) (ressort|rayon)"]
why = "Le client veut une solution."
alternatives = ["Je m'en occupe.", "Je transmets votre demande et je suis le dossier."]
swap = true
examples.flag = ["c pas mon rayon", "Ce n’est pas de mon ressort.", "cest pas mon ressort"]
examples.pass = ["le ressort de la porte", "`ce n'est pas de mon ressort`", "> ce n'est pas de mon ressort"]
"#;

    const REFUS: &str = r#"
[[rule]]
id = "fr-refus"
severity = "warning"
phrases = ["je ne peux pas * rembours*"]
unless = ["mais je (peux|vais)", "par contre"]
why = "Un non sec ferme la porte."
alternatives = ["Voici ce que je peux vous proposer : un avoir.", "Je regarde avec vous les options possibles."]
examples.flag = ["je peux pas vous rembourser", "jpeux pas rembourser ça", "Je ne peux pas rembourser."]
examples.pass = ["je ne peux pas vous rembourser, mais je peux vous proposer un avoir", "je peux vous rembourser", "Je ne peux pas vous rembourser. Par contre, un avoir est possible."]
"#;

    #[test]
    fn builds_and_coaches() {
        let engine = build_strict(&[
            source("rules/fr/ownership.toml", RESSORT),
            source("rules/fr/refusal.toml", REFUS),
        ])
        .unwrap();
        let hits = engine.check(
            "Bonjour. Désolé, ce n’est pas de mon ressort !",
            &CheckOptions::default(),
        );
        assert_eq!(hits.len(), 1);
        let hit = &hits[0];
        assert_eq!(hit.snippet, "ce n’est pas de mon ressort");
        assert_eq!(hit.rule.category, "ownership");
        assert_eq!(hit.alternatives.len(), 2);
        let rewrite = hit.rewrite.as_deref().unwrap();
        assert!(rewrite.starts_with("Bonjour. Désolé, "), "{rewrite}");
        assert!(rewrite.ends_with(" !"), "{rewrite}");
    }

    #[test]
    fn concurrent_checks_agree_with_one_at_a_time() {
        // Checks share the engine's matching memory through a pool: several threads checking
        // at once each get their own, and find exactly what one thread finds.
        let engine = build_strict(&[
            source("rules/fr/ownership.toml", RESSORT),
            source("rules/fr/refusal.toml", REFUS),
        ])
        .unwrap();
        let messages = [
            "Désolé, ce n’est pas de mon ressort !",
            "je ne peux pas vous rembourser, mais je peux vous proposer un avoir",
            "jpeux pas rembourser ça. Et c'est pas mon rayon.",
            "Bonjour, je regarde votre dossier tout de suite.",
        ];
        let opts = CheckOptions::default();
        let expected: Vec<_> = messages.iter().map(|m| engine.check(m, &opts)).collect();
        assert!(expected.iter().any(|h| !h.is_empty()));
        std::thread::scope(|scope| {
            for t in 0..4 {
                let (engine, expected, opts) = (&engine, &expected, &opts);
                scope.spawn(move || {
                    for round in 0..200 {
                        let i = (t + round) % messages.len();
                        assert_eq!(engine.check(messages[i], opts), expected[i]);
                    }
                });
            }
        });
    }

    #[test]
    fn matching_caches_are_kept_and_bounded() {
        let engine = build_strict(&[source("rules/fr/ownership.toml", RESSORT)]).unwrap();
        assert_eq!(
            engine.cache_memory(),
            0,
            "the examples' caches are released at load"
        );
        let opts = CheckOptions::default();
        assert_eq!(engine.check("ce n'est pas mon ressort", &opts).len(), 1);
        let kept = engine.cache_memory();
        assert!(kept > 0, "the caches are kept for the next check");
        engine.limit_cache_memory(kept);
        assert_eq!(engine.cache_memory(), kept, "within the budget: kept");
        engine.limit_cache_memory(kept - 1);
        assert_eq!(engine.cache_memory(), 0, "over the budget: dropped");
        assert_eq!(engine.check("ce n'est pas mon ressort", &opts).len(), 1);
    }

    #[test]
    fn every_problem_is_reported_and_lenient_keeps_good_files() {
        let broken = REFUS.replace("\"jpeux pas rembourser ça\"", "\"on verra\"");
        let sources = [
            source("rules/fr/ownership.toml", RESSORT),
            source("rules/fr/refusal.toml", &broken),
            source("rules/fr/blame.toml", RESSORT),
            source("rules/fr/alarm.toml", "[[rule]\n"),
        ];
        let err = build_strict(&sources).unwrap_err().to_string();
        assert!(err.contains("rules/fr/refusal.toml:9: rule fr-refus: examples.flag[1]: \"on verra\" is not flagged"), "{err}");
        assert!(err.contains("rules/fr/blame.toml:2: rule fr-ressort: id: duplicate id; rules/fr/ownership.toml already defines it at line 2"), "{err}");
        assert!(
            err.contains("rules/fr/alarm.toml:1: TOML syntax error"),
            "{err}"
        );
        let report = build_lenient(&sources);
        assert_eq!(report.engine.rules().len(), 1);
        assert_eq!(report.skipped.len(), 3);
        assert_eq!(report.errors.len(), 3);
    }

    #[test]
    fn flagged_alternatives_are_errors() {
        let bad = RESSORT.replace(
            "\"Je m'en occupe.\"",
            "\"Ce n'est pas mon rayon, mais je m'en occupe.\"",
        );
        let err = build_strict(&[source("rules/fr/ownership.toml", &bad)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("alternatives[0]: \"Ce n'est pas mon rayon, mais je m'en occupe.\" is itself flagged by rule fr-ressort"), "{err}");
    }

    #[test]
    fn unless_is_explained() {
        let engine = build_strict(&[source("rules/fr/refusal.toml", REFUS)]).unwrap();
        let text = "je ne peux pas vous rembourser, mais je peux vous proposer un avoir";
        assert!(engine.check(text, &CheckOptions::default()).is_empty());
        let findings = engine.explain(text, &CheckOptions::default());
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].suppressed,
            Some(super::super::matcher::Suppressed::Unless(
                "mais je peux".into()
            ))
        );
    }
}
