//! Embedded SQLite storage for Tact.
//!
//! [`Storage`] is a plain synchronous struct owning one [`rusqlite::Connection`];
//! the bot wraps it in a `Mutex` and keeps every call short. Every write is a
//! single statement or runs in one IMMEDIATE transaction.
//!
//! Conventions:
//! - Times are `i64` unix seconds supplied by the caller; storage reads no clock.
//! - Discord ids are `u64` snowflakes stored as bit-cast `i64` and converted back
//!   exactly (`u64::MAX` round-trips).
//! - Message text is stored only when the caller passes it ([`NewEvent::text`]).
//! - [`StorageError::Locked`] and [`StorageError::DiskFull`] are transient: the
//!   caller should log them and keep coaching ([`StorageError::is_transient`]).

mod migrations;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, ErrorCode, OptionalExtension, Row, TransactionBehavior};

/// Schema version (`PRAGMA user_version`) this build creates and understands.
pub const SCHEMA_VERSION: u32 = migrations::LATEST_VERSION;

/// How long a statement waits for another connection's lock before failing with
/// [`StorageError::Locked`].
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// `paused_until` value meaning "paused until the agent resumes".
pub const PAUSED_UNTIL_RESUMED: i64 = i64::MAX;

/// Event kinds accepted by [`Storage::record_event`].
pub const EVENT_KINDS: &[&str] = &["avoid", "praise"];

/// Delivery values accepted by [`Storage::record_event`] and
/// [`Storage::set_event_delivery`]. `none` and `cooldown` mean the agent was not
/// coached, so they do not count for [`Storage::last_coached`]. `pending` is an event recorded
/// just before its note is sent (so the note's buttons can name it); it counts, as the
/// coaching is under way.
pub const DELIVERIES: &[&str] = &[
    "pending",
    "dm",
    "reply",
    "react",
    "coach_channel",
    "dm_fallback_channel",
    "dm_fallback_react",
    "none",
    "cooldown",
];

/// Feedback kinds accepted by [`Storage::record_feedback`].
pub const FEEDBACK_KINDS: &[&str] = &["helpful", "not_relevant"];

/// Path shown in errors for in-memory databases.
const MEMORY_PATH: &str = ":memory:";

/// Errors from [`Storage`]; each names the database file and what failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// Another connection holds the lock longer than the busy timeout
    /// (SQLITE_BUSY / SQLITE_LOCKED). Transient: log and keep coaching.
    #[error("database {} is locked by another process ({op})", path.display())]
    Locked {
        path: PathBuf,
        op: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    /// The disk (or the database's page limit) is full (SQLITE_FULL).
    /// Transient: log and keep coaching.
    #[error("disk full writing {} ({op})", path.display())]
    DiskFull {
        path: PathBuf,
        op: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    /// The file is not a SQLite database or is damaged.
    #[error("database {} is corrupt or not a SQLite database ({op})", path.display())]
    Corrupt {
        path: PathBuf,
        op: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    /// The database file could not be opened or created.
    #[error("cannot open database {}: {reason}", path.display())]
    Open {
        path: PathBuf,
        reason: String,
        #[source]
        source: Option<rusqlite::Error>,
    },
    /// The file was written by a newer Tact with a schema this build does not know.
    #[error(
        "database {} has schema version {found}, newer than version {supported} known to this \
         build of Tact; upgrade Tact or use another database file",
        path.display()
    )]
    TooNew {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    /// The referenced coaching event does not exist.
    #[error("database {} has no coaching event {event_id}", path.display())]
    NoSuchEvent { path: PathBuf, event_id: i64 },
    /// A caller-supplied enumerated value is not one storage knows.
    #[error("invalid {field} {value:?} for database {}: expected one of {expected:?}", path.display())]
    Invalid {
        path: PathBuf,
        field: &'static str,
        value: String,
        expected: &'static [&'static str],
    },
    /// Any other SQLite failure.
    #[error("database {}: {op} failed", path.display())]
    Sqlite {
        path: PathBuf,
        op: &'static str,
        #[source]
        source: rusqlite::Error,
    },
}

impl StorageError {
    /// True for errors that should be logged while the bot keeps coaching (locked, disk full).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            StorageError::Locked { .. } | StorageError::DiskFull { .. }
        )
    }

    /// The database file the error is about (`:memory:` for in-memory databases).
    pub fn path(&self) -> &Path {
        match self {
            StorageError::Locked { path, .. }
            | StorageError::DiskFull { path, .. }
            | StorageError::Corrupt { path, .. }
            | StorageError::Open { path, .. }
            | StorageError::TooNew { path, .. }
            | StorageError::NoSuchEvent { path, .. }
            | StorageError::Invalid { path, .. }
            | StorageError::Sqlite { path, .. } => path,
        }
    }
}

/// Result alias for storage calls.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Per-guild overrides of config-file settings, as changed by admin commands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuildOverrides {
    /// Delivery mode chosen by an admin, if any.
    pub delivery: Option<String>,
    /// Cooldown chosen by an admin, if any.
    pub cooldown_minutes: Option<u32>,
    /// Channels watched in addition to the config (ascending).
    pub channels_added: Vec<u64>,
    /// Config channels no longer watched (ascending).
    pub channels_removed: Vec<u64>,
    /// Agent roles added to the config (ascending).
    pub roles_added: Vec<u64>,
    /// Config agent roles removed (ascending).
    pub roles_removed: Vec<u64>,
    /// Rules disabled in this guild (ascending).
    pub disabled_rules: Vec<String>,
}

/// A coaching event to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub guild: u64,
    pub channel: u64,
    pub message: u64,
    pub agent: u64,
    pub rule_id: String,
    pub category: String,
    /// `"avoid"` or `"praise"`.
    pub kind: String,
    /// Unix seconds.
    pub at: i64,
    /// One of [`DELIVERIES`].
    pub delivery: String,
    pub dm_channel: Option<u64>,
    pub dm_message: Option<u64>,
    /// The agent's message text; `None` unless the operator opted in to keeping it.
    pub text: Option<String>,
}

/// A stored coaching event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: i64,
    pub guild: u64,
    pub channel: u64,
    pub message: u64,
    pub agent: u64,
    pub rule_id: String,
    pub category: String,
    /// `"avoid"` or `"praise"`.
    pub kind: String,
    pub at: i64,
    /// One of [`DELIVERIES`].
    pub delivery: String,
    pub dm_channel: Option<u64>,
    pub dm_message: Option<u64>,
    pub text: Option<String>,
    /// `"active"`, `"corrected"` or `"withdrawn"`.
    pub status: String,
    pub corrected_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
}

/// An alternative-wording suggestion made by a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub id: i64,
    /// The coaching event the suggestion was made from, if any.
    pub event_id: Option<i64>,
    pub guild: u64,
    pub rule_id: String,
    pub user: u64,
    pub text: String,
    pub at: i64,
    /// `"pending"`, `"accepted"` or `"rejected"`.
    pub status: String,
    pub decided_by: Option<u64>,
    pub decided_at: Option<i64>,
}

/// Counts for one rule in [`Stats`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleStats {
    pub rule_id: String,
    pub category: String,
    pub kind: String,
    pub events: u64,
    pub corrected: u64,
    pub helpful: u64,
    pub not_relevant: u64,
}

/// Guild statistics over a time window (every recorded event, whatever its delivery or status).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Sorted by events desc, then rule id.
    pub per_rule: Vec<RuleStats>,
    /// `(category, kind, events, corrected)`, sorted by events desc, then category, kind.
    pub per_category: Vec<(String, String, u64, u64)>,
    pub total_avoid: u64,
    pub total_praise: u64,
    pub corrected: u64,
    pub helpful: u64,
    pub not_relevant: u64,
}

/// Feedback counts for one rule in [`Storage::feedback_ranking`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleFeedback {
    pub rule_id: String,
    pub helpful: u64,
    pub not_relevant: u64,
    pub events: u64,
}

/// The Tact database: one SQLite connection plus the path used in errors.
#[derive(Debug)]
pub struct Storage {
    conn: Connection,
    path: PathBuf,
}

fn to_db(id: u64) -> i64 {
    id as i64
}

fn from_db(v: i64) -> u64 {
    v as u64
}

fn opt_to_db(id: Option<u64>) -> Option<i64> {
    id.map(to_db)
}

fn map_sqlite(path: &Path, op: &'static str, source: rusqlite::Error) -> StorageError {
    let path = path.to_path_buf();
    match source.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            StorageError::Locked { path, op, source }
        }
        Some(ErrorCode::DiskFull) => StorageError::DiskFull { path, op, source },
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
            StorageError::Corrupt { path, op, source }
        }
        _ => StorageError::Sqlite { path, op, source },
    }
}

fn is_foreign_key_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY
    )
}

const EVENT_COLUMNS: &str = "id, guild_id, channel_id, message_id, agent_id, rule_id, category, \
     kind, at, delivery, dm_channel_id, dm_message_id, text, status, corrected_at, withdrawn_at";

fn event_from_row(r: &Row<'_>) -> rusqlite::Result<Event> {
    Ok(Event {
        id: r.get(0)?,
        guild: from_db(r.get(1)?),
        channel: from_db(r.get(2)?),
        message: from_db(r.get(3)?),
        agent: from_db(r.get(4)?),
        rule_id: r.get(5)?,
        category: r.get(6)?,
        kind: r.get(7)?,
        at: r.get(8)?,
        delivery: r.get(9)?,
        dm_channel: r.get::<_, Option<i64>>(10)?.map(from_db),
        dm_message: r.get::<_, Option<i64>>(11)?.map(from_db),
        text: r.get(12)?,
        status: r.get(13)?,
        corrected_at: r.get(14)?,
        withdrawn_at: r.get(15)?,
    })
}

const SUGGESTION_COLUMNS: &str =
    "id, event_id, guild_id, rule_id, user_id, text, at, status, decided_by, decided_at";

fn suggestion_from_row(r: &Row<'_>) -> rusqlite::Result<Suggestion> {
    Ok(Suggestion {
        id: r.get(0)?,
        event_id: r.get(1)?,
        guild: from_db(r.get(2)?),
        rule_id: r.get(3)?,
        user: from_db(r.get(4)?),
        text: r.get(5)?,
        at: r.get(6)?,
        status: r.get(7)?,
        decided_by: r.get::<_, Option<i64>>(8)?.map(from_db),
        decided_at: r.get(9)?,
    })
}

/// Which override list a channel/role call touches.
#[derive(Clone, Copy)]
enum IdList {
    Channels,
    Roles,
}

impl IdList {
    fn table_and_column(self) -> (&'static str, &'static str) {
        match self {
            IdList::Channels => ("guild_channels", "channel_id"),
            IdList::Roles => ("guild_roles", "role_id"),
        }
    }
}

impl Storage {
    /// Opens (creating if missing) the database file at `path` and migrates it; the parent directory must exist.
    pub fn open(path: &Path) -> Result<Storage> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            if !parent.is_dir() {
                return Err(StorageError::Open {
                    path: path.to_path_buf(),
                    reason: format!("directory {} does not exist", parent.display()),
                    source: None,
                });
            }
        }
        let conn = Connection::open(path).map_err(|e| match e.sqlite_error_code() {
            Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => {
                StorageError::Open {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                    source: Some(e),
                }
            }
            _ => map_sqlite(path, "opening", e),
        })?;
        Storage::init(conn, path.to_path_buf(), true)
    }

    /// Opens a fresh, migrated in-memory database (for tests and dry runs).
    pub fn open_in_memory() -> Result<Storage> {
        let path = PathBuf::from(MEMORY_PATH);
        let conn = Connection::open_in_memory().map_err(|e| map_sqlite(&path, "opening", e))?;
        Storage::init(conn, path, false)
    }

    fn init(mut conn: Connection, path: PathBuf, is_file: bool) -> Result<Storage> {
        let err = |op| {
            let path = path.clone();
            move |e| map_sqlite(&path, op, e)
        };
        // Busy timeout first so the pragmas below wait for other connections too.
        conn.busy_timeout(DEFAULT_BUSY_TIMEOUT)
            .map_err(err("setting busy timeout"))?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(err("enabling WAL journal mode"))?;
        if is_file && !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(path = %path.display(), mode, "SQLite refused WAL journal mode");
        }
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err("setting synchronous mode"))?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(err("enabling foreign keys"))?;
        let before = migrations::migrate(&mut conn).map_err(|e| match e {
            migrations::MigrateError::TooNew { found } => StorageError::TooNew {
                path: path.clone(),
                found,
                supported: SCHEMA_VERSION,
            },
            migrations::MigrateError::Sqlite(op, e) => map_sqlite(&path, op, e),
        })?;
        if before != SCHEMA_VERSION {
            tracing::info!(path = %path.display(), from = before, to = SCHEMA_VERSION, "migrated database");
        }
        tracing::debug!(path = %path.display(), "storage opened");
        Ok(Storage { conn, path })
    }

    /// The database path (`:memory:` for in-memory databases).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Current schema version (`PRAGMA user_version`).
    pub fn schema_version(&self) -> Result<u32> {
        migrations::user_version(&self.conn).map_err(self.err("reading schema version"))
    }

    /// Sets how many write-ahead-log pages make a commit checkpoint the log (SQLite's default
    /// is 1000; 0 turns it off, for a caller that checkpoints from a background connection so
    /// that no commit on the hot path pays for it).
    pub fn set_auto_checkpoint(&self, pages: u32) -> Result<()> {
        self.conn
            .pragma_update(None, "wal_autocheckpoint", pages)
            .map_err(self.err("setting the automatic checkpoint"))
    }

    /// Copies the write-ahead log into the database without waiting for, or blocking, other
    /// connections (a PASSIVE checkpoint).
    pub fn checkpoint_passive(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .map_err(self.err("checkpointing the write-ahead log"))
    }

    /// Writes the write-ahead log back into the database file (on shutdown).
    pub fn checkpoint(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(self.err("flushing the write-ahead log"))
    }

    /// Changes how long calls wait for another connection's lock (default [`DEFAULT_BUSY_TIMEOUT`]).
    pub fn set_busy_timeout(&self, timeout: Duration) -> Result<()> {
        self.conn
            .busy_timeout(timeout)
            .map_err(self.err("setting busy timeout"))
    }

    fn err(&self, op: &'static str) -> impl Fn(rusqlite::Error) -> StorageError + '_ {
        move |e| map_sqlite(&self.path, op, e)
    }

    fn check(
        &self,
        field: &'static str,
        value: &str,
        expected: &'static [&'static str],
    ) -> Result<()> {
        if expected.contains(&value) {
            Ok(())
        } else {
            Err(StorageError::Invalid {
                path: self.path.clone(),
                field,
                value: value.to_owned(),
                expected,
            })
        }
    }

    // ----- guild settings overrides -------------------------------------------------

    /// All overrides admins made in `guild` (empty/None where nothing was changed).
    pub fn guild_settings(&self, guild: u64) -> Result<GuildOverrides> {
        const OP: &str = "reading guild settings";
        let tx = self.conn.unchecked_transaction().map_err(self.err(OP))?;
        let g = to_db(guild);
        let (delivery, cooldown_minutes) = tx
            .query_row(
                "SELECT delivery, cooldown_minutes FROM guild_settings WHERE guild_id = ?1",
                [g],
                |r| Ok((r.get::<_, Option<String>>(0)?, r.get::<_, Option<u32>>(1)?)),
            )
            .optional()
            .map_err(self.err(OP))?
            .unwrap_or_default();
        let mut out = GuildOverrides {
            delivery,
            cooldown_minutes,
            ..GuildOverrides::default()
        };
        for (list, added, removed) in [
            (
                IdList::Channels,
                &mut out.channels_added,
                &mut out.channels_removed,
            ),
            (IdList::Roles, &mut out.roles_added, &mut out.roles_removed),
        ] {
            let (table, col) = list.table_and_column();
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT {col}, op FROM {table} WHERE guild_id = ?1"
                ))
                .map_err(self.err(OP))?;
            let rows = stmt
                .query_map([g], |r| Ok((from_db(r.get(0)?), r.get::<_, String>(1)?)))
                .map_err(self.err(OP))?;
            for row in rows {
                let (id, op) = row.map_err(self.err(OP))?;
                if op == "add" {
                    added.push(id);
                } else {
                    removed.push(id);
                }
            }
            added.sort_unstable();
            removed.sort_unstable();
        }
        let mut stmt = tx
            .prepare(
                "SELECT rule_id FROM guild_disabled_rules WHERE guild_id = ?1 ORDER BY rule_id",
            )
            .map_err(self.err(OP))?;
        out.disabled_rules = stmt
            .query_map([g], |r| r.get(0))
            .map_err(self.err(OP))?
            .collect::<rusqlite::Result<_>>()
            .map_err(self.err(OP))?;
        Ok(out)
    }

    /// Overrides the delivery mode for `guild` (the caller validates the value).
    pub fn set_delivery(&mut self, guild: u64, delivery: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO guild_settings (guild_id, delivery) VALUES (?1, ?2)
                 ON CONFLICT (guild_id) DO UPDATE SET delivery = excluded.delivery",
                params![to_db(guild), delivery],
            )
            .map_err(self.err("setting delivery mode"))?;
        Ok(())
    }

    /// Overrides the coaching cooldown for `guild`.
    pub fn set_cooldown(&mut self, guild: u64, minutes: u32) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO guild_settings (guild_id, cooldown_minutes) VALUES (?1, ?2)
                 ON CONFLICT (guild_id) DO UPDATE SET cooldown_minutes = excluded.cooldown_minutes",
                params![to_db(guild), minutes],
            )
            .map_err(self.err("setting cooldown"))?;
        Ok(())
    }

    /// Watches `channel` in `guild`: undoes a recorded removal, else records an addition.
    ///
    /// Call it only for channels not already watched, so that a later
    /// [`Storage::remove_channel`] of a config channel records a removal.
    pub fn add_channel(&mut self, guild: u64, channel: u64) -> Result<()> {
        self.toggle_id(
            IdList::Channels,
            guild,
            channel,
            true,
            "adding a watched channel",
        )
    }

    /// Stops watching `channel` in `guild`: undoes a recorded addition, else records a removal.
    pub fn remove_channel(&mut self, guild: u64, channel: u64) -> Result<()> {
        self.toggle_id(
            IdList::Channels,
            guild,
            channel,
            false,
            "removing a watched channel",
        )
    }

    /// Coaches members with `role` in `guild`: undoes a recorded removal, else records an addition.
    pub fn add_role(&mut self, guild: u64, role: u64) -> Result<()> {
        self.toggle_id(IdList::Roles, guild, role, true, "adding an agent role")
    }

    /// Stops coaching `role` in `guild`: undoes a recorded addition, else records a removal.
    pub fn remove_role(&mut self, guild: u64, role: u64) -> Result<()> {
        self.toggle_id(IdList::Roles, guild, role, false, "removing an agent role")
    }

    fn toggle_id(
        &mut self,
        list: IdList,
        guild: u64,
        id: u64,
        add: bool,
        op: &'static str,
    ) -> Result<()> {
        let (table, col) = list.table_and_column();
        let (undo, record) = if add {
            ("remove", "add")
        } else {
            ("add", "remove")
        };
        let path = &self.path;
        let err = |e| map_sqlite(path, op, e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let undone = tx
            .execute(
                &format!("DELETE FROM {table} WHERE guild_id = ?1 AND {col} = ?2 AND op = ?3"),
                params![to_db(guild), to_db(id), undo],
            )
            .map_err(err)?;
        if undone == 0 {
            tx.execute(
                &format!(
                    "INSERT INTO {table} (guild_id, {col}, op) VALUES (?1, ?2, ?3)
                     ON CONFLICT DO NOTHING"
                ),
                params![to_db(guild), to_db(id), record],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// Enables or disables `rule_id` in `guild`.
    pub fn set_rule_enabled(&mut self, guild: u64, rule_id: &str, enabled: bool) -> Result<()> {
        let sql = if enabled {
            "DELETE FROM guild_disabled_rules WHERE guild_id = ?1 AND rule_id = ?2"
        } else {
            "INSERT INTO guild_disabled_rules (guild_id, rule_id) VALUES (?1, ?2)
             ON CONFLICT DO NOTHING"
        };
        self.conn
            .execute(sql, params![to_db(guild), rule_id])
            .map_err(self.err("changing a rule's enabled state"))?;
        Ok(())
    }

    /// Drops every override of `guild` (back to the config-file defaults).
    pub fn reset_guild_settings(&mut self, guild: u64) -> Result<()> {
        let path = &self.path;
        let err = |e| map_sqlite(path, "resetting guild settings", e);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        for table in [
            "guild_settings",
            "guild_channels",
            "guild_roles",
            "guild_disabled_rules",
        ] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE guild_id = ?1"),
                [to_db(guild)],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    // ----- agent preferences --------------------------------------------------------

    /// Pauses coaching for `user` in `guild` until `until` ([`PAUSED_UNTIL_RESUMED`] = indefinitely); `None` resumes.
    pub fn set_paused(&mut self, guild: u64, user: u64, until: Option<i64>) -> Result<()> {
        let op = "changing an agent's pause";
        match until {
            Some(until) => self.conn.execute(
                "INSERT INTO agent_prefs (guild_id, user_id, paused_until) VALUES (?1, ?2, ?3)
                 ON CONFLICT (guild_id, user_id) DO UPDATE SET paused_until = excluded.paused_until",
                params![to_db(guild), to_db(user), until],
            ),
            None => self.conn.execute(
                "UPDATE agent_prefs SET paused_until = NULL WHERE guild_id = ?1 AND user_id = ?2",
                params![to_db(guild), to_db(user)],
            ),
        }
        .map_err(self.err(op))?;
        Ok(())
    }

    /// When `user`'s pause in `guild` ends (the caller compares with now), or `None` if not paused.
    pub fn paused_until(&self, guild: u64, user: u64) -> Result<Option<i64>> {
        self.conn
            .query_row(
                "SELECT paused_until FROM agent_prefs WHERE guild_id = ?1 AND user_id = ?2",
                params![to_db(guild), to_db(user)],
                |r| r.get::<_, Option<i64>>(0),
            )
            .optional()
            .map(Option::flatten)
            .map_err(self.err("reading an agent's pause"))
    }

    // ----- coaching events ----------------------------------------------------------

    /// Records a coaching event and returns its id.
    pub fn record_event(&mut self, e: &NewEvent) -> Result<i64> {
        self.check("event kind", &e.kind, EVENT_KINDS)?;
        self.check("delivery", &e.delivery, DELIVERIES)?;
        self.conn
            .execute(
                "INSERT INTO events (guild_id, channel_id, message_id, agent_id, rule_id, category,
                                     kind, at, delivery, dm_channel_id, dm_message_id, text)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    to_db(e.guild),
                    to_db(e.channel),
                    to_db(e.message),
                    to_db(e.agent),
                    e.rule_id,
                    e.category,
                    e.kind,
                    e.at,
                    e.delivery,
                    opt_to_db(e.dm_channel),
                    opt_to_db(e.dm_message),
                    e.text,
                ],
            )
            .map_err(self.err("recording a coaching event"))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Updates how an event was delivered (e.g. after a DM failed); false if no such event.
    pub fn set_event_delivery(
        &mut self,
        event_id: i64,
        delivery: &str,
        dm_channel: Option<u64>,
        dm_message: Option<u64>,
    ) -> Result<bool> {
        self.check("delivery", delivery, DELIVERIES)?;
        let n = self
            .conn
            .execute(
                "UPDATE events SET delivery = ?2, dm_channel_id = ?3, dm_message_id = ?4
                 WHERE id = ?1",
                params![
                    event_id,
                    delivery,
                    opt_to_db(dm_channel),
                    opt_to_db(dm_message)
                ],
            )
            .map_err(self.err("updating an event's delivery"))?;
        Ok(n > 0)
    }

    /// One event by id.
    pub fn event(&self, event_id: i64) -> Result<Option<Event>> {
        self.conn
            .query_row(
                &format!("SELECT {EVENT_COLUMNS} FROM events WHERE id = ?1"),
                [event_id],
                event_from_row,
            )
            .optional()
            .map_err(self.err("reading a coaching event"))
    }

    /// All events (any status) recorded for a message, oldest first.
    pub fn events_for_message(&self, channel: u64, message: u64) -> Result<Vec<Event>> {
        const OP: &str = "reading a message's coaching events";
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {EVENT_COLUMNS} FROM events
                 WHERE channel_id = ?1 AND message_id = ?2 ORDER BY id"
            ))
            .map_err(self.err(OP))?;
        let rows = stmt
            .query_map(params![to_db(channel), to_db(message)], event_from_row)
            .map_err(self.err(OP))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.err(OP))?;
        Ok(rows)
    }

    /// Marks an active event corrected at `at`; false if it is missing or not active.
    pub fn mark_corrected(&mut self, event_id: i64, at: i64) -> Result<bool> {
        let n = self
            .conn
            .execute(
                "UPDATE events SET status = 'corrected', corrected_at = ?2
                 WHERE id = ?1 AND status = 'active'",
                params![event_id, at],
            )
            .map_err(self.err("marking an event corrected"))?;
        Ok(n > 0)
    }

    /// Withdraws the message's active events (corrected ones keep their status); returns how many.
    pub fn mark_withdrawn_for_message(
        &mut self,
        channel: u64,
        message: u64,
        at: i64,
    ) -> Result<usize> {
        self.conn
            .execute(
                "UPDATE events SET status = 'withdrawn', withdrawn_at = ?3
                 WHERE channel_id = ?1 AND message_id = ?2 AND status = 'active'",
                params![to_db(channel), to_db(message), at],
            )
            .map_err(self.err("withdrawing a message's events"))
    }

    /// The last delivered coaching since `since` of every (guild, agent, rule): the cooldowns to
    /// restore after a restart.
    pub fn recent_coachings(&self, since: i64) -> Result<Vec<(u64, u64, String, i64)>> {
        const OP: &str = "reading recent coachings";
        // The kind/delivery terms must match the partial index events_last_coached.
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT guild_id, agent_id, rule_id, MAX(at) FROM events
                 WHERE kind = 'avoid' AND delivery NOT IN ('cooldown', 'none') AND at > ?1
                 GROUP BY guild_id, agent_id, rule_id",
            )
            .map_err(self.err(OP))?;
        let rows = stmt
            .query_map(params![since], |r| {
                Ok((
                    from_db(r.get(0)?),
                    from_db(r.get(1)?),
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .map_err(self.err(OP))?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(self.err(OP))
    }

    /// Time of the last avoid event for (guild, agent, rule) that was delivered (delivery not `cooldown`/`none`), any status.
    pub fn last_coached(&self, guild: u64, agent: u64, rule_id: &str) -> Result<Option<i64>> {
        const OP: &str = "reading the last coaching time";
        // The kind/delivery terms must match the partial index events_last_coached.
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT at FROM events
                 WHERE guild_id = ?1 AND agent_id = ?2 AND rule_id = ?3
                   AND kind = 'avoid' AND delivery NOT IN ('cooldown', 'none')
                 ORDER BY at DESC LIMIT 1",
            )
            .map_err(self.err(OP))?;
        stmt.query_row(params![to_db(guild), to_db(agent), rule_id], |r| r.get(0))
            .optional()
            .map_err(self.err(OP))
    }

    // ----- feedback and suggestions -------------------------------------------------

    /// Records `user`'s vote on an event, replacing their earlier vote on it.
    pub fn record_feedback(&mut self, event_id: i64, user: u64, kind: &str, at: i64) -> Result<()> {
        self.check("feedback kind", kind, FEEDBACK_KINDS)?;
        self.conn
            .execute(
                "INSERT INTO feedback (event_id, user_id, kind, at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (event_id, user_id) DO UPDATE SET kind = excluded.kind, at = excluded.at",
                params![event_id, to_db(user), kind, at],
            )
            .map_err(|e| {
                if is_foreign_key_violation(&e) {
                    StorageError::NoSuchEvent {
                        path: self.path.clone(),
                        event_id,
                    }
                } else {
                    map_sqlite(&self.path, "recording feedback", e)
                }
            })?;
        Ok(())
    }

    /// Stores a pending alternative-wording suggestion and returns its id.
    pub fn add_suggestion(
        &mut self,
        event_id: Option<i64>,
        guild: u64,
        rule_id: &str,
        user: u64,
        text: &str,
        at: i64,
    ) -> Result<i64> {
        self.conn
            .execute(
                "INSERT INTO suggestions (event_id, guild_id, rule_id, user_id, text, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![event_id, to_db(guild), rule_id, to_db(user), text, at],
            )
            .map_err(|e| match event_id {
                Some(event_id) if is_foreign_key_violation(&e) => StorageError::NoSuchEvent {
                    path: self.path.clone(),
                    event_id,
                },
                _ => map_sqlite(&self.path, "adding a suggestion", e),
            })?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Pending suggestions of `guild`, oldest first.
    pub fn pending_suggestions(&self, guild: u64) -> Result<Vec<Suggestion>> {
        const OP: &str = "reading pending suggestions";
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {SUGGESTION_COLUMNS} FROM suggestions
                 WHERE guild_id = ?1 AND status = 'pending' ORDER BY at, id"
            ))
            .map_err(self.err(OP))?;
        let rows = stmt
            .query_map([to_db(guild)], suggestion_from_row)
            .map_err(self.err(OP))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.err(OP))?;
        Ok(rows)
    }

    /// Accepts or rejects a pending suggestion; `None` if it is missing or already decided.
    pub fn decide_suggestion(
        &mut self,
        id: i64,
        accepted: bool,
        by_user: u64,
        at: i64,
    ) -> Result<Option<Suggestion>> {
        let status = if accepted { "accepted" } else { "rejected" };
        self.conn
            .query_row(
                &format!(
                    "UPDATE suggestions SET status = ?2, decided_by = ?3, decided_at = ?4
                     WHERE id = ?1 AND status = 'pending'
                     RETURNING {SUGGESTION_COLUMNS}"
                ),
                params![id, status, to_db(by_user), at],
                suggestion_from_row,
            )
            .optional()
            .map_err(self.err("deciding a suggestion"))
    }

    /// The guild's accepted alternatives as `(rule_id, alternative)`, in the order they were accepted.
    pub fn overlay(&self, guild: u64) -> Result<Vec<(String, String)>> {
        const OP: &str = "reading the alternatives overlay";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT rule_id, text FROM suggestions
                 WHERE guild_id = ?1 AND status = 'accepted' ORDER BY decided_at, id",
            )
            .map_err(self.err(OP))?;
        let rows = stmt
            .query_map([to_db(guild)], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.err(OP))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.err(OP))?;
        Ok(rows)
    }

    // ----- statistics ---------------------------------------------------------------

    fn rule_rows(&self, guild: u64, since: i64, op: &'static str) -> Result<Vec<RuleStats>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT e.rule_id, e.category, e.kind,
                        COUNT(DISTINCT e.id),
                        COUNT(DISTINCT CASE WHEN e.status = 'corrected' THEN e.id END),
                        COUNT(CASE WHEN f.kind = 'helpful' THEN 1 END),
                        COUNT(CASE WHEN f.kind = 'not_relevant' THEN 1 END)
                 FROM events e LEFT JOIN feedback f ON f.event_id = e.id
                 WHERE e.guild_id = ?1 AND e.at >= ?2
                 GROUP BY e.rule_id, e.category, e.kind
                 ORDER BY COUNT(DISTINCT e.id) DESC, e.rule_id, e.category, e.kind",
            )
            .map_err(self.err(op))?;
        let count = |r: &Row<'_>, i| r.get::<_, i64>(i).map(|v| v.max(0) as u64);
        let rows = stmt
            .query_map(params![to_db(guild), since], |r| {
                Ok(RuleStats {
                    rule_id: r.get(0)?,
                    category: r.get(1)?,
                    kind: r.get(2)?,
                    events: count(r, 3)?,
                    corrected: count(r, 4)?,
                    helpful: count(r, 5)?,
                    not_relevant: count(r, 6)?,
                })
            })
            .map_err(self.err(op))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.err(op))?;
        Ok(rows)
    }

    /// Counts for `guild` over events at or after `since` (any delivery, any status).
    pub fn stats(&self, guild: u64, since: i64) -> Result<Stats> {
        let per_rule = self.rule_rows(guild, since, "computing statistics")?;
        let mut stats = Stats::default();
        let mut categories: BTreeMap<(String, String), (u64, u64)> = BTreeMap::new();
        for r in &per_rule {
            match r.kind.as_str() {
                "avoid" => stats.total_avoid += r.events,
                _ => stats.total_praise += r.events,
            }
            stats.corrected += r.corrected;
            stats.helpful += r.helpful;
            stats.not_relevant += r.not_relevant;
            let c = categories
                .entry((r.category.clone(), r.kind.clone()))
                .or_default();
            c.0 += r.events;
            c.1 += r.corrected;
        }
        stats.per_category = categories
            .into_iter()
            .map(|((category, kind), (events, corrected))| (category, kind, events, corrected))
            .collect();
        // Stable sort keeps (category, kind) order among equal counts.
        stats.per_category.sort_by_key(|c| std::cmp::Reverse(c.2));
        stats.per_rule = per_rule;
        Ok(stats)
    }

    /// Rules of `guild` with feedback since `since`, by not-relevant share of votes desc (then not-relevant count desc, rule id).
    pub fn feedback_ranking(&self, guild: u64, since: i64) -> Result<Vec<RuleFeedback>> {
        let rows = self.rule_rows(guild, since, "ranking rule feedback")?;
        let mut by_rule: BTreeMap<String, RuleFeedback> = BTreeMap::new();
        for r in rows {
            let f = by_rule
                .entry(r.rule_id.clone())
                .or_insert_with(|| RuleFeedback {
                    rule_id: r.rule_id,
                    ..RuleFeedback::default()
                });
            f.helpful += r.helpful;
            f.not_relevant += r.not_relevant;
            f.events += r.events;
        }
        let mut out: Vec<RuleFeedback> = by_rule
            .into_values()
            .filter(|f| f.helpful + f.not_relevant > 0)
            .collect();
        // Compare nr_a / votes_a with nr_b / votes_b exactly by cross-multiplying.
        out.sort_by(|a, b| {
            let lhs = u128::from(b.not_relevant) * u128::from(a.helpful + a.not_relevant);
            let rhs = u128::from(a.not_relevant) * u128::from(b.helpful + b.not_relevant);
            lhs.cmp(&rhs)
                .then(b.not_relevant.cmp(&a.not_relevant))
                .then_with(|| a.rule_id.cmp(&b.rule_id))
        });
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
