//! What the running bot shares between events: configuration, the current rule set, storage,
//! per-guild effective settings and the cooldown bookkeeping.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::Notify;

use crate::config::{Config, Delivery, GuildSettings};
use crate::engine::{CheckOptions, Engine, Hit, LangChoice};
use crate::storage::Storage;

/// How many coaching notes one agent may receive per minute, whatever the rules: a burst of
/// messages never turns into a burst of DMs.
pub const BURST_PER_MINUTE: usize = 3;

/// A guild's settings as they apply now: the config file's values with the changes admins
/// made through commands (stored) on top.
#[derive(Debug, Clone)]
pub struct Effective {
    pub settings: GuildSettings,
    /// Watched channels and categories (a message counts when its channel, the channel's
    /// parent or the parent's parent is in the set).
    pub watched: HashSet<u64>,
    pub agent_roles: HashSet<u64>,
    pub disabled: HashSet<String>,
    /// Alternatives the guild's admins accepted from agents' suggestions, per rule.
    pub overlay: HashMap<String, Vec<String>>,
}

pub struct State {
    pub config: Config,
    engine: RwLock<Arc<Engine>>,
    storage: Mutex<Storage>,
    effective: RwLock<HashMap<u64, Arc<Effective>>>,
    cooldowns: Mutex<HashMap<(u64, u64, String), Instant>>,
    bursts: Mutex<HashMap<(u64, u64), VecDeque<Instant>>>,
    /// Channel -> parent channel (category, or the channel of a thread), learned from Discord.
    pub parents: Mutex<HashMap<u64, Option<u64>>>,
    /// (channel, agent) -> private coaching thread, for the `reply` delivery.
    pub threads: Mutex<HashMap<(u64, u64), u64>>,
    inflight: AtomicUsize,
    idle: Notify,
    /// Striped per-message locks: the events of one message (create, edit, delete) are handled
    /// one after the other, so an edit never races the coaching of its message.
    message_locks: Vec<tokio::sync::Mutex<()>>,
}

const MESSAGE_LOCK_STRIPES: usize = 256;

impl State {
    pub fn new(config: Config, engine: Engine, storage: Storage) -> State {
        State {
            config,
            engine: RwLock::new(Arc::new(engine)),
            storage: Mutex::new(storage),
            effective: RwLock::new(HashMap::new()),
            cooldowns: Mutex::new(HashMap::new()),
            bursts: Mutex::new(HashMap::new()),
            parents: Mutex::new(HashMap::new()),
            threads: Mutex::new(HashMap::new()),
            inflight: AtomicUsize::new(0),
            idle: Notify::new(),
            message_locks: (0..MESSAGE_LOCK_STRIPES)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
        }
    }

    /// The current rule set.
    pub fn engine(&self) -> Arc<Engine> {
        Arc::clone(&self.engine.read().unwrap_or_else(|e| e.into_inner()))
    }

    /// Swaps in a new rule set; messages being checked finish with the old one.
    pub fn set_engine(&self, engine: Engine) {
        *self.engine.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(engine);
    }

    /// Runs `f` with the database. Keep `f` short: never hold this across an await.
    pub fn db<T>(&self, f: impl FnOnce(&mut Storage) -> T) -> T {
        let mut guard = self.storage.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    /// Runs `f` with the database on the blocking pool: disk I/O never holds up the async
    /// workers (and so never the gateway). The coaching path uses this.
    pub async fn db_blocking<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Storage) -> T + Send + 'static,
    ) -> T {
        let state = Arc::clone(self);
        match tokio::task::spawn_blocking(move || state.db(f)).await {
            Ok(value) => value,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    /// The effective settings of a guild (cached; see [`State::invalidate`]).
    pub fn effective(&self, guild: u64) -> Arc<Effective> {
        if let Some(e) = self
            .effective
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&guild)
        {
            return Arc::clone(e);
        }
        let overrides = self.db(|db| db.guild_settings(guild)).unwrap_or_else(|e| {
            tracing::warn!(guild, error = %e, "cannot read guild settings; using the config file's");
            Default::default()
        });
        let mut settings = self.config.settings(guild);
        let section = self.config.guild(guild);
        if let Some(d) = overrides
            .delivery
            .as_deref()
            .and_then(|d| d.parse::<Delivery>().ok())
        {
            settings.delivery = d;
        }
        if let Some(c) = overrides.cooldown_minutes {
            settings.cooldown_minutes = c;
        }
        let mut watched: HashSet<u64> = section
            .map(|g| g.channels.iter().chain(&g.categories).copied().collect())
            .unwrap_or_default();
        watched.extend(&overrides.channels_added);
        for c in &overrides.channels_removed {
            watched.remove(c);
        }
        let mut agent_roles: HashSet<u64> = section
            .map(|g| g.agent_roles.iter().copied().collect())
            .unwrap_or_default();
        agent_roles.extend(&overrides.roles_added);
        for r in &overrides.roles_removed {
            agent_roles.remove(r);
        }
        let effective = Arc::new(Effective {
            settings,
            watched,
            agent_roles,
            disabled: overrides.disabled_rules.into_iter().collect(),
            overlay: self.overlay(guild),
        });
        self.effective
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(guild, Arc::clone(&effective));
        effective
    }

    /// Forgets a guild's cached settings after an admin changed them.
    pub fn invalidate(&self, guild: u64) {
        self.effective
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&guild);
    }

    /// The options a message is checked with: the configured length limit and, in a guild,
    /// the rules its admins disabled.
    pub fn options<'a>(&self, effective: Option<&'a Effective>) -> CheckOptions<'a> {
        CheckOptions {
            lang: LangChoice::Auto,
            max_chars: self.config.max_message_chars,
            disabled: effective.map(|e| &e.disabled),
        }
    }

    /// Checks a message with a guild's settings.
    pub fn check(&self, effective: &Effective, text: &str) -> Vec<Hit> {
        self.engine().check(text, &self.options(Some(effective)))
    }

    /// The guild's accepted alternatives (from `/tact-admin feedback`), by rule id, in the
    /// order they were accepted.
    pub fn overlay(&self, guild: u64) -> HashMap<String, Vec<String>> {
        let rows = self.db(|db| db.overlay(guild)).unwrap_or_else(|e| {
            tracing::warn!(guild, error = %e, "cannot read the accepted alternatives");
            Vec::new()
        });
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for (rule, alternative) in rows {
            out.entry(rule).or_default().push(alternative);
        }
        out
    }

    /// Adds the guild's accepted alternatives to the `avoid` hits, right after the first
    /// (rotated) one, so that the card shows them and the rewrite stays the same. The overlay
    /// is part of the guild's cached settings: no database access here.
    pub fn add_overlay(effective: &Effective, hits: &mut [Hit]) {
        let overlay = &effective.overlay;
        if overlay.is_empty() {
            return;
        }
        for hit in hits.iter_mut().filter(|h| h.is_avoid()) {
            let Some(extra) = overlay.get(&hit.rule.id) else {
                continue;
            };
            let at = hit.alternatives.len().min(1);
            let new: Vec<String> = extra
                .iter()
                .filter(|a| !hit.alternatives.contains(a))
                .cloned()
                .collect();
            hit.alternatives.splice(at..at, new);
        }
    }

    /// Decides, atomically, which of `rules` (most important first) the agent is coached about
    /// now: those out of their cooldown (kept in memory; see [`State::restore_cooldowns`] for
    /// restarts), at most `max` of them, and only if the agent has not
    /// already had [`BURST_PER_MINUTE`] notes this minute. The chosen ones start their cooldown.
    pub fn claim(
        &self,
        guild: u64,
        agent: u64,
        rules: &[&str],
        cooldown: Duration,
        max: usize,
    ) -> Vec<bool> {
        let now = Instant::now();
        let mut cooldowns = self.cooldowns.lock().unwrap_or_else(|e| e.into_inner());
        let mut due: Vec<bool> = rules
            .iter()
            .map(|rule| {
                cooldowns
                    .get(&(guild, agent, rule.to_string()))
                    .is_none_or(|last| now.duration_since(*last) >= cooldown)
            })
            .collect();
        // Only the first `max` due rules are shown; the others wait for another message.
        let mut shown = 0;
        for d in due.iter_mut() {
            if *d {
                shown += 1;
                *d = shown <= max;
            }
        }
        if !due.contains(&true) {
            return due;
        }
        let mut bursts = self.bursts.lock().unwrap_or_else(|e| e.into_inner());
        let recent = bursts.entry((guild, agent)).or_default();
        while recent
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(60))
        {
            recent.pop_front();
        }
        if recent.len() >= BURST_PER_MINUTE {
            return vec![false; rules.len()];
        }
        recent.push_back(now);
        for (rule, _) in rules.iter().zip(&due).filter(|(_, d)| **d) {
            cooldowns.insert((guild, agent, rule.to_string()), now);
        }
        if cooldowns.len() > 100_000 {
            cooldowns
                .retain(|_, t| now.duration_since(*t) < cooldown.max(Duration::from_secs(3600)));
        }
        due
    }

    /// Restores the cooldowns running at startup from the coachings stored in the last day
    /// (the longest cooldown), so a restart does not coach anyone twice; after this, cooldowns
    /// never touch the database.
    pub fn restore_cooldowns(&self) {
        let now_unix = unix_now();
        let recent = self
            .db(|db| {
                db.recent_coachings(now_unix - i64::from(crate::config::MAX_COOLDOWN_MINUTES) * 60)
            })
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot restore the cooldowns; they start afresh");
                Vec::new()
            });
        let now = Instant::now();
        let mut cooldowns = self.cooldowns.lock().unwrap_or_else(|e| e.into_inner());
        for (guild, agent, rule, at) in recent {
            let age = Duration::from_secs(now_unix.saturating_sub(at).max(0) as u64);
            if let Some(at) = now.checked_sub(age) {
                cooldowns.insert((guild, agent, rule), at);
            }
        }
        tracing::info!(cooldowns = cooldowns.len(), "cooldowns restored");
    }

    /// Holds the lock of one message while its event is handled.
    pub async fn lock_message(&self, message: u64) -> tokio::sync::MutexGuard<'_, ()> {
        self.message_locks[(message % MESSAGE_LOCK_STRIPES as u64) as usize]
            .lock()
            .await
    }

    /// Marks the start of work that shutdown must wait for; the guard marks its end.
    pub fn begin(self: &Arc<Self>) -> InFlight {
        self.inflight.fetch_add(1, Ordering::SeqCst);
        InFlight(Arc::clone(self))
    }

    /// Waits until no coaching is in flight (or the timeout passes); true when idle.
    pub async fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.idle.notified();
            if self.inflight.load(Ordering::SeqCst) == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.inflight.load(Ordering::SeqCst) == 0;
            }
        }
    }
}

/// Work in flight; dropping it ends it.
pub struct InFlight(Arc<State>);

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.0.inflight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::NewEvent;

    fn event(agent: u64, rule: &str, at: i64, delivery: &str) -> NewEvent {
        NewEvent {
            guild: 1,
            channel: 2,
            message: at as u64,
            agent,
            rule_id: rule.to_string(),
            category: "ownership".to_string(),
            kind: "avoid".to_string(),
            at,
            delivery: delivery.to_string(),
            dm_channel: None,
            dm_message: None,
            text: None,
        }
    }

    #[test]
    fn cooldowns_survive_a_restart_without_touching_the_database_later() {
        let mut db = Storage::open_in_memory().unwrap();
        let now = unix_now();
        db.record_event(&event(7, "r1", now - 60, "dm")).unwrap();
        db.record_event(&event(7, "r2", now - 60, "cooldown"))
            .unwrap();
        db.record_event(&event(8, "r1", now - 3 * 86_400, "dm"))
            .unwrap();
        let state = State::new(Config::default_with_base("."), Engine::empty(), db);
        state.restore_cooldowns();
        let ten_min = Duration::from_secs(600);
        // Coached a minute ago: still cooling down; a cooldown-only event does not count.
        assert_eq!(
            state.claim(1, 7, &["r1", "r2"], ten_min, 3),
            vec![false, true]
        );
        // A shorter cooldown has run out; a coaching three days ago is long gone.
        assert_eq!(
            state.claim(1, 7, &["r1"], Duration::from_secs(30), 3),
            vec![true]
        );
        assert_eq!(state.claim(1, 8, &["r1"], ten_min, 3), vec![true]);
    }

    #[test]
    fn the_burst_cap_holds_whatever_the_rules() {
        let state = State::new(
            Config::default_with_base("."),
            Engine::empty(),
            Storage::open_in_memory().unwrap(),
        );
        let cooldown = Duration::from_secs(600);
        for i in 0..BURST_PER_MINUTE {
            assert_eq!(
                state.claim(1, 7, &[&format!("r{i}")], cooldown, 3),
                vec![true]
            );
        }
        assert_eq!(state.claim(1, 7, &["other"], cooldown, 3), vec![false]);
        assert_eq!(
            state.claim(1, 8, &["other"], cooldown, 3),
            vec![true],
            "another agent"
        );
    }
}
