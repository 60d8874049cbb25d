//! Reloading the rules folder without a restart: on `/tact-admin reload`, and whenever a file of
//! the folder changes (watched with notify, debounced). A folder with any problem is refused as
//! a whole and the last good rule set keeps coaching; every problem is reported with its file
//! and line (in the command's answer, in the log, and in each configured guild's log channel).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use notify::event::ModifyKind;
use notify::{EventKind, RecursiveMode, Watcher};
use poise::serenity_prelude as serenity;
use serenity::{ChannelId, CreateEmbed, CreateMessage, Http};

use super::i18n;
use super::view::{self, clip, Card};
use crate::bot::delivery::quiet;
use crate::bot::memory;
use crate::bot::state::State;
use crate::config::Lang;
use crate::engine::{Engine, Rule, RuleError};
use crate::rules_dir;

/// Quiet time after the last change before the folder is reloaded (editors write in bursts).
pub const DEBOUNCE: Duration = Duration::from_millis(500);

/// One reload at a time (the command and the watcher may race).
static RELOADING: Mutex<()> = Mutex::new(());

/// What a reload did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The new rules are in use.
    Reloaded(Changes),
    /// Problems in the folder: the previous rules (`kept` of them) are still in use.
    Failed { errors: Vec<RuleError>, kept: usize },
    /// The folder could not be read at all: the previous rules are still in use.
    Unreadable { error: String, kept: usize },
}

impl Outcome {
    /// One line for the log.
    pub fn summary(&self) -> String {
        match self {
            Outcome::Reloaded(c) => format!(
                "reloaded: {} rules, {} added, {} removed, {} modified",
                c.total,
                c.added.len(),
                c.removed.len(),
                c.modified.len()
            ),
            Outcome::Failed { errors, kept } => format!(
                "refused: {} problem(s); keeping the previous {kept} rules",
                errors.len()
            ),
            Outcome::Unreadable { error, kept } => {
                format!("refused: {error}; keeping the previous {kept} rules")
            }
        }
    }
}

/// Rule ids added, removed and modified by a reload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub modified: Vec<String>,
    /// Rules in use after the reload.
    pub total: usize,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.modified.is_empty()
    }
}

/// Reloads the rules folder of the configuration; the new rules replace the current ones only
/// when the whole folder is free of problems. Blocking (reads files, runs every example).
pub fn reload(state: &State) -> Outcome {
    let _one = RELOADING.lock().unwrap_or_else(|e| e.into_inner());
    let old = state.engine();
    let kept = old.rules().len();
    let outcome = match rules_dir::load(&state.config.rules_dir) {
        Err(e) => Outcome::Unreadable {
            error: e.to_string(),
            kept,
        },
        Ok(report) if !report.errors.is_empty() => Outcome::Failed {
            errors: report.errors,
            kept,
        },
        Ok(report) => {
            let changes = diff(&old, &report.engine);
            state.set_engine(report.engine);
            Outcome::Reloaded(changes)
        }
    };
    drop(old);
    memory::return_freed();
    outcome
}

/// What changed between two rule sets. A rule is modified when anything but its place in the
/// files changed.
pub fn diff(old: &Engine, new: &Engine) -> Changes {
    let ids = |e: &Engine| -> BTreeMap<String, Rule> {
        e.rules()
            .iter()
            .map(|r| (r.id.clone(), Rule::clone(r)))
            .collect()
    };
    let (before, after) = (ids(old), ids(new));
    let mut changes = Changes {
        total: after.len(),
        ..Changes::default()
    };
    for (id, rule) in &after {
        match before.get(id) {
            None => changes.added.push(id.clone()),
            Some(old_rule) => {
                let mut moved = old_rule.clone();
                moved.origin = rule.origin.clone();
                if moved != *rule {
                    changes.modified.push(id.clone());
                }
            }
        }
    }
    changes.removed = before
        .keys()
        .filter(|id| !after.contains_key(*id))
        .cloned()
        .collect();
    changes
}

/// A problem with its file shown from the rules folder (`rules/fr/refusal.toml:12: ...`).
fn show_error(e: &RuleError, dir: &Path) -> String {
    let file = match (e.file.strip_prefix(dir), dir.file_name()) {
        (Ok(rel), Some(name)) => Path::new(name).join(rel),
        _ => e.file.clone(),
    };
    RuleError { file, ..e.clone() }.to_string()
}

/// The answer to a reload: a content line and embeds listing changes or every problem.
pub fn report(lang: Lang, outcome: &Outcome, dir: &Path) -> (String, Vec<CreateEmbed>) {
    match outcome {
        Outcome::Reloaded(c) => {
            let list = |ids: &[String]| {
                if ids.is_empty() {
                    return "—".to_string();
                }
                let ids: Vec<String> = ids.iter().map(|i| format!("`{i}`")).collect();
                clip(&ids.join(", "), 1000)
            };
            let mut card = Card::new(i18n::reload_ok(lang, c.total)).color(view::GOOD_COLOR);
            if c.is_empty() {
                card = card.description(i18n::reload_no_change(lang));
            } else {
                for (name, ids) in [
                    (i18n::reload_added(lang), &c.added),
                    (i18n::reload_removed(lang), &c.removed),
                    (i18n::reload_modified(lang), &c.modified),
                ] {
                    card = card.field(format!("{name} ({})", ids.len()), list(ids));
                }
            }
            (i18n::reload_ok(lang, c.total), vec![card.build()])
        }
        Outcome::Failed { errors, kept } => {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| format!("• {}", clip(&show_error(e, dir), 600)))
                .collect();
            let (embeds, shown) = error_embeds(&lines);
            let mut content = i18n::reload_failed(lang, errors.len(), *kept);
            if shown < lines.len() {
                content.push('\n');
                content.push_str(&i18n::reload_more(lang, lines.len() - shown));
            }
            (content, embeds)
        }
        Outcome::Unreadable { error, kept } => {
            let card = Card::new("⚠️")
                .description(clip(error, 4000))
                .color(0xE0_6C_3C);
            (i18n::reload_failed(lang, 1, *kept), vec![card.build()])
        }
    }
}

/// The problems, as many as fit in one message; also how many were shown.
fn error_embeds(lines: &[String]) -> (Vec<CreateEmbed>, usize) {
    let mut cards: Vec<Card> = Vec::new();
    let mut current = String::new();
    let mut shown = 0;
    let mut used = 0;
    for line in lines {
        let len = line.chars().count() + 1;
        if used + len > 5500 {
            break;
        }
        if current.chars().count() + len > 4000 {
            cards.push(
                Card::new("⚠️")
                    .description(std::mem::take(&mut current))
                    .color(0xE0_6C_3C),
            );
        }
        current.push_str(line);
        current.push('\n');
        used += len;
        shown += 1;
    }
    if !current.is_empty() {
        cards.push(Card::new("⚠️").description(current).color(0xE0_6C_3C));
    }
    (view::fit(cards).0, shown)
}

/// Watches the rules folder and reloads it shortly after files change; problems are logged
/// and posted to every configured guild's log channel. Keep the returned watcher alive for as
/// long as the folder should be watched; `None` (logged) when it cannot be watched.
pub fn spawn_watcher(state: Arc<State>, http: Arc<Http>) -> Option<notify::RecommendedWatcher> {
    let dir = state.config.rules_dir.clone();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let handler = move |res: notify::Result<notify::Event>| match res {
        Ok(event) if relevant(&event) => {
            let _ = tx.send(());
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "rules folder watcher error"),
    };
    let mut watcher = match notify::recommended_watcher(handler) {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!(error = %e, "cannot watch the rules folder; use /tact-admin reload after changes");
            return None;
        }
    };
    if let Err(e) = watcher.watch(&dir, RecursiveMode::Recursive) {
        tracing::warn!(dir = %dir.display(), error = %e, "cannot watch the rules folder; use /tact-admin reload after changes");
        return None;
    }
    tracing::info!(dir = %dir.display(), "watching the rules folder");
    tokio::spawn(async move {
        let mut last_failure: Option<String> = None;
        while rx.recv().await.is_some() {
            // Wait for the burst of writes to end.
            loop {
                match tokio::time::timeout(DEBOUNCE, rx.recv()).await {
                    Ok(Some(())) => continue,
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
            let worker = Arc::clone(&state);
            let outcome = match tokio::task::spawn_blocking(move || reload(&worker)).await {
                Ok(outcome) => outcome,
                Err(e) => {
                    tracing::error!(error = %e, "rules reload crashed; the previous rules stay in use");
                    continue;
                }
            };
            on_watched_reload(&state, &http, &dir, &outcome, &mut last_failure).await;
        }
    });
    Some(watcher)
}

/// Logs a reload triggered by the watcher and tells the log channels about it.
async fn on_watched_reload(
    state: &State,
    http: &Http,
    dir: &Path,
    outcome: &Outcome,
    last_failure: &mut Option<String>,
) {
    match outcome {
        Outcome::Reloaded(c) if c.is_empty() => {
            tracing::debug!("rules folder changed; no rule changed");
            *last_failure = None;
            return;
        }
        Outcome::Reloaded(_) => {
            tracing::info!(outcome = %outcome.summary(), "rules folder changed");
            *last_failure = None;
        }
        Outcome::Failed { errors, .. } => {
            for e in errors {
                tracing::error!(problem = %e, "rules folder changed, with a problem: the previous rules stay in use");
            }
            let key = errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n");
            if last_failure.as_deref() == Some(key.as_str()) {
                return; // already posted
            }
            *last_failure = Some(key);
        }
        Outcome::Unreadable { error, .. } => {
            tracing::error!(error = %error, "rules folder unreadable: the previous rules stay in use");
            if last_failure.as_deref() == Some(error.as_str()) {
                return;
            }
            *last_failure = Some(error.clone());
        }
    }
    post_to_log_channels(state, http, dir, outcome).await;
}

async fn post_to_log_channels(state: &State, http: &Http, dir: &Path, outcome: &Outcome) {
    for guild in &state.config.guilds {
        let settings = state.config.settings(guild.id);
        let Some(channel) = settings.log_channel else {
            continue;
        };
        let lang = settings.language;
        let (content, embeds) = report(lang, outcome, dir);
        let content = clip(
            &format!("{content}\n{}", i18n::reload_watch_intro(lang)),
            view::CONTENT_MAX,
        );
        let message = CreateMessage::new()
            .content(content)
            .embeds(embeds)
            .allowed_mentions(quiet());
        if let Err(e) = ChannelId::new(channel).send_message(http, message).await {
            tracing::warn!(guild = guild.id, channel, error = %e, "cannot post the rules reload in the log channel");
        }
    }
}

/// Whether a file system event may change the rules: content, creation, removal or renaming
/// of `.toml` files or folders (not reads, not metadata, not editors' hidden or backup files).
fn relevant(event: &notify::Event) -> bool {
    let kind_ok = match event.kind {
        EventKind::Access(_) => false,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        EventKind::Any
        | EventKind::Create(_)
        | EventKind::Modify(_)
        | EventKind::Remove(_)
        | EventKind::Other => true,
    };
    kind_ok && event.paths.iter().any(|p| relevant_path(p))
}

fn relevant_path(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if name.starts_with('.') || name.ends_with('~') {
        return false;
    }
    match path.extension() {
        Some(ext) => ext == "toml",
        None => true, // a folder (or an editor's temporary file: a harmless reload)
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::engine::{build_strict, Lang as RuleLang, RuleSource};

    const A: &str = r#"
[[rule]]
id = "en-calm-down"
category = "dismissive"
severity = "alert"
phrases = ["calm down"]
why = "Nobody calms down when told to."
alternatives = ["I understand this is frustrating.", "I can see why this is upsetting."]
examples.flag = ["calm down", "Calm down!", "please calm down"]
examples.pass = ["calm", "down", "`calm down`"]
"#;

    fn engine(text: &str) -> Engine {
        build_strict(&[RuleSource {
            path: PathBuf::from("rules/en/dismissive.toml"),
            text: text.into(),
            lang: Some(RuleLang::En),
        }])
        .unwrap()
    }

    #[test]
    fn diff_names_added_removed_and_modified_rules() {
        let other = A
            .replace("en-calm-down", "en-other")
            .replace("calm down", "relax")
            .replace("Calm down", "Relax");
        let old = engine(&format!("{A}\n{other}"));
        let moved = engine(&format!("\n\n{A}\n{other}"));
        assert!(
            diff(&old, &moved).is_empty(),
            "moving a rule in its file is no change"
        );
        let added = A.replace("en-calm-down", "en-calm-down-2");
        let new = engine(&format!("{}\n{added}", A.replace("Nobody", "No one")));
        let c = diff(&old, &new);
        assert_eq!(c.added, ["en-calm-down-2"]);
        assert_eq!(c.removed, ["en-other"]);
        assert_eq!(c.modified, ["en-calm-down"]);
        assert_eq!(c.total, 2);
    }

    #[test]
    fn errors_are_shown_from_the_rules_folder() {
        let e = RuleError::new("/tmp/x/rules/fr/refusal.toml", "bad").line(Some(3));
        assert_eq!(
            show_error(&e, Path::new("/tmp/x/rules")),
            "rules/fr/refusal.toml:3: bad"
        );
        let outcome = Outcome::Failed {
            errors: vec![e; 3],
            kept: 7,
        };
        let (content, embeds) = report(Lang::En, &outcome, Path::new("/tmp/x/rules"));
        assert!(
            content.contains("3 problem(s)") && content.contains("previous rules (7 rules)"),
            "{content}"
        );
        assert_eq!(embeds.len(), 1);
        let many: Vec<RuleError> = (0..200)
            .map(|i| RuleError::new("/r/fr/a.toml", "x".repeat(100)).line(Some(i)))
            .collect();
        let (content, embeds) = report(
            Lang::Fr,
            &Outcome::Failed {
                errors: many,
                kept: 1,
            },
            Path::new("/r"),
        );
        assert!(content.contains("tact rules check"), "{content}");
        assert!(embeds.len() >= 2);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_watcher_reloads_changed_files_and_keeps_the_rules_on_errors() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("en")).unwrap();
        let file = dir.path().join("en").join("dismissive.toml");
        std::fs::write(&file, A).unwrap();
        let mut config = crate::config::Config::default_with_base(dir.path());
        config.rules_dir = dir.path().to_path_buf();
        let engine = rules_dir::load(dir.path()).unwrap().engine;
        let state = Arc::new(State::new(
            config,
            engine,
            crate::storage::Storage::open_in_memory().unwrap(),
        ));
        let http = Arc::new(Http::new("unused"));
        let _watcher = spawn_watcher(Arc::clone(&state), http).expect("watching");
        // A broken file: the rules stay.
        std::fs::write(&file, format!("{A}\n[[rule]\n")).unwrap();
        tokio::time::sleep(DEBOUNCE * 3).await;
        assert!(state.engine().rule("en-calm-down").is_some());
        // A new rule: picked up within seconds.
        std::fs::write(
            &file,
            format!("{A}\n{}", A.replace("en-calm-down", "en-calm-down-2")),
        )
        .unwrap();
        let mut picked = false;
        for _ in 0..100 {
            if state.engine().rule("en-calm-down-2").is_some() {
                picked = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(picked, "the new rule was not picked up");
        assert_eq!(state.engine().rules().len(), 2);
    }

    #[test]
    fn only_rule_files_and_folders_matter() {
        assert!(relevant_path(Path::new("rules/fr/refusal.toml")));
        assert!(relevant_path(Path::new("rules/fr")));
        assert!(!relevant_path(Path::new("rules/fr/.refusal.toml.swp")));
        assert!(!relevant_path(Path::new("rules/fr/refusal.toml~")));
        assert!(!relevant_path(Path::new("rules/fr/notes.txt")));
    }
}
