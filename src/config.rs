//! Tact's configuration file (`config.toml`).
//!
//! The file is optional: [`Config::default_with_base`] gives a working configuration for a
//! newcomer who only has a Discord token. When a file is given, [`Config::load`] reads it and
//! reports **every** problem at once ([`ConfigErrors`]), each with the file, the 1-based line,
//! the dotted key (`guild[0].delivery`, array indexes are 0-based) and a message that says what
//! is wrong and how to fix it.
//!
//! Relative paths (`rules_dir`, `database`, `token_file`) are resolved against the folder of the
//! config file, so the bot behaves the same whatever folder it is started from.
//!
//! The token is never read from the file: [`resolve_token`] takes it from `DISCORD_TOKEN` or from
//! the file named by `token_file`.
//!
//! Invariants of a loaded [`Config`] (callers may rely on them):
//! - `config.delivery` is never [`Delivery::CoachChannel`] (a coach channel is set per guild);
//! - for every guild, [`GuildSettings::coach_channel`] is `Some` whenever `delivery` is
//!   [`Delivery::CoachChannel`] or `also_coach_channel` is true;
//! - guild ids are unique; every id is non-zero;
//! - `cooldown_minutes <= 1440`, `1 <= max_message_chars <= 100_000`;
//! - `discord.api_url`, when set, starts with `http://` or `https://` and has no trailing `/`.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Largest accepted `cooldown_minutes` (one day).
pub const MAX_COOLDOWN_MINUTES: u32 = 1440;
/// Largest accepted `max_message_chars`.
pub const MAX_MESSAGE_CHARS_LIMIT: usize = 100_000;
/// The config file `tact run` and `tact config check` read when none is given.
pub const DEFAULT_CONFIG_FILE: &str = "config.toml";
/// Environment variable holding the bot token; it wins over `token_file`.
pub const TOKEN_ENV: &str = "DISCORD_TOKEN";
/// Environment variable overriding `discord.api_url`.
pub const API_URL_ENV: &str = "TACT_DISCORD_API_URL";

const DEFAULT_RULES_DIR: &str = "rules";
const DEFAULT_DATABASE: &str = "tact.db";
const DEFAULT_LOG_LEVEL: &str = "info";
const DEFAULT_COOLDOWN_MINUTES: u32 = 10;
const DEFAULT_MAX_MESSAGE_CHARS: usize = 4000;
/// SQLite's name for an in-memory database; kept as is, never joined to the config folder.
const SQLITE_MEMORY: &str = ":memory:";

// ---------------------------------------------------------------------------------------------
// Choices
// ---------------------------------------------------------------------------------------------

/// A value that is not one of the accepted names (`unknown delivery "email"; use one of ...`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} \"{value}\"; use one of {choices}")]
pub struct UnknownChoice {
    /// What was being parsed: `language`, `delivery`.
    pub what: &'static str,
    /// The rejected text.
    pub value: String,
    /// The accepted names, comma separated.
    pub choices: &'static str,
}

/// The bot's UI language (`fr` | `en`): the engine's language type.
pub use crate::engine::Lang;

/// How a coaching note reaches the agent.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// A private message to the agent.
    #[default]
    Dm,
    /// An ephemeral-style reply next to the message.
    Reply,
    /// A reaction on the message; details on demand.
    React,
    /// A post in the guild's coach channel, for the team leads.
    CoachChannel,
}

impl Delivery {
    /// Every delivery, in the order they are documented.
    pub const ALL: [Delivery; 4] = [
        Delivery::Dm,
        Delivery::Reply,
        Delivery::React,
        Delivery::CoachChannel,
    ];

    /// The name used in the config file: `dm`, `reply`, `react`, `coach_channel`.
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Dm => "dm",
            Delivery::Reply => "reply",
            Delivery::React => "react",
            Delivery::CoachChannel => "coach_channel",
        }
    }
}

impl fmt::Display for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Delivery {
    type Err = UnknownChoice;

    /// Accepts `dm`, `reply`, `react`, `coach_channel`, ignoring case and surrounding spaces.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Delivery::ALL
            .into_iter()
            .find(|d| d.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownChoice {
                what: "delivery",
                value: s.to_string(),
                choices: "dm, reply, react, coach_channel",
            })
    }
}

// ---------------------------------------------------------------------------------------------
// The configuration
// ---------------------------------------------------------------------------------------------

/// The whole configuration, with paths resolved and every value checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Rules folder, resolved against the config file's folder.
    pub rules_dir: PathBuf,
    /// SQLite file, resolved against the config file's folder (`:memory:` is kept as is).
    pub database: PathBuf,
    /// Default tracing filter when `RUST_LOG` is not set.
    pub log_level: String,
    /// Default UI language.
    pub language: Lang,
    /// Default delivery (never [`Delivery::CoachChannel`]).
    pub delivery: Delivery,
    /// Default minutes between two notes about the same rule to the same agent (0..=1440).
    pub cooldown_minutes: u32,
    /// Only this many characters of a message are matched (1..=100_000).
    pub max_message_chars: usize,
    /// Default for storing agents' message text (off unless an admin turns it on).
    pub store_message_text: bool,
    /// Default for reacting to good practice (praise rules).
    pub praise_reactions: bool,
    /// File holding the bot token, resolved against the config file's folder.
    pub token_file: Option<PathBuf>,
    /// The `[discord]` table.
    pub discord: DiscordConfig,
    /// The `[[guild]]` sections, in file order.
    pub guilds: Vec<GuildConfig>,
}

/// The `[discord]` table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiscordConfig {
    /// REST and gateway-discovery base URL (no trailing `/`); `None` = Discord itself.
    /// Use [`resolve_api_url`], which applies the environment override.
    pub api_url: Option<String>,
    /// Guilds where slash commands are registered (instantly); empty = register globally.
    pub dev_guilds: Vec<u64>,
    /// A role allowed to use admin commands besides Manage Server, in every guild.
    pub admin_role: Option<u64>,
}

/// One `[[guild]]` section as written; `None` means "use the global default".
/// Use [`GuildConfig::resolved`] or [`Config::settings`] for the values to act on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GuildConfig {
    pub id: u64,
    /// Watched channel ids (threads inside them count).
    pub channels: Vec<u64>,
    /// Watched category ids: every channel, thread and forum post inside counts.
    pub categories: Vec<u64>,
    /// Only members with one of these roles are coached; empty = every non-bot member.
    pub agent_roles: Vec<u64>,
    pub delivery: Option<Delivery>,
    /// With dm/reply/react: also post in `coach_channel` for the team leads.
    pub also_coach_channel: bool,
    pub coach_channel: Option<u64>,
    /// Where rule reload errors are posted.
    pub log_channel: Option<u64>,
    pub cooldown_minutes: Option<u32>,
    pub language: Option<Lang>,
    pub praise_reactions: Option<bool>,
    pub store_message_text: Option<bool>,
    pub admin_role: Option<u64>,
}

/// A guild's settings with the global defaults applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuildSettings {
    pub delivery: Delivery,
    pub also_coach_channel: bool,
    pub coach_channel: Option<u64>,
    pub log_channel: Option<u64>,
    pub cooldown_minutes: u32,
    pub language: Lang,
    pub praise_reactions: bool,
    pub store_message_text: bool,
    /// The guild's admin role, else `[discord] admin_role`.
    pub admin_role: Option<u64>,
}

impl GuildSettings {
    /// `cooldown_minutes` as a duration.
    pub fn cooldown(&self) -> Duration {
        Duration::from_secs(u64::from(self.cooldown_minutes) * 60)
    }
}

impl GuildConfig {
    /// This guild's settings, falling back to `config`'s defaults.
    pub fn resolved(&self, config: &Config) -> GuildSettings {
        GuildSettings {
            delivery: self.delivery.unwrap_or(config.delivery),
            also_coach_channel: self.also_coach_channel,
            coach_channel: self.coach_channel,
            log_channel: self.log_channel,
            cooldown_minutes: self.cooldown_minutes.unwrap_or(config.cooldown_minutes),
            language: self.language.unwrap_or(config.language),
            praise_reactions: self.praise_reactions.unwrap_or(config.praise_reactions),
            store_message_text: self.store_message_text.unwrap_or(config.store_message_text),
            admin_role: self.admin_role.or(config.discord.admin_role),
        }
    }
}

impl Config {
    /// The configuration used when there is no file: every default, paths resolved against
    /// `base_dir` (`rules_dir = base_dir/rules`, `database = base_dir/tact.db`).
    pub fn default_with_base(base_dir: impl AsRef<Path>) -> Config {
        let base = base_dir.as_ref();
        Config {
            rules_dir: base.join(DEFAULT_RULES_DIR),
            database: base.join(DEFAULT_DATABASE),
            log_level: DEFAULT_LOG_LEVEL.to_string(),
            language: Lang::default(),
            delivery: Delivery::default(),
            cooldown_minutes: DEFAULT_COOLDOWN_MINUTES,
            max_message_chars: DEFAULT_MAX_MESSAGE_CHARS,
            store_message_text: false,
            praise_reactions: false,
            token_file: None,
            discord: DiscordConfig::default(),
            guilds: Vec::new(),
        }
    }

    /// Reads and checks `path`; relative paths inside are resolved against its folder.
    /// A missing or unreadable file is one problem with no line.
    pub fn load(path: impl AsRef<Path>) -> Result<Config, ConfigErrors> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigErrors {
            problems: vec![ConfigProblem {
                file: path.to_path_buf(),
                line: None,
                key: String::new(),
                message: format!(
                    "cannot read the config file: {e}; check the path (without a config file \
                     Tact uses its defaults)"
                ),
            }],
        })?;
        Config::parse(&text, path, base_dir_of(path))
    }

    /// For the implicit `./config.toml` of `tact run`: defaults (resolved against the file's
    /// folder) when the file does not exist, else [`Config::load`]. A file given explicitly
    /// with `--config` should go through [`Config::load`], so that a typo in its name is an
    /// error.
    pub fn load_or_default(path: impl AsRef<Path>) -> Result<Config, ConfigErrors> {
        let path = path.as_ref();
        if path.exists() {
            Config::load(path)
        } else {
            Ok(Config::default_with_base(base_dir_of(path)))
        }
    }

    /// Checks `text`; `path_for_messages` names the file in problems, relative paths are
    /// resolved against `base_dir`.
    pub fn parse(
        text: &str,
        path_for_messages: impl AsRef<Path>,
        base_dir: impl AsRef<Path>,
    ) -> Result<Config, ConfigErrors> {
        let mut checker = Checker {
            file: path_for_messages.as_ref(),
            text,
            base: base_dir.as_ref(),
            problems: Vec::new(),
        };
        let config = checker.document();
        // File order; problems on the same line keep the order they were found in.
        checker.problems.sort_by_key(|p| p.line);
        if checker.problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigErrors {
                problems: checker.problems,
            })
        }
    }

    /// The `[[guild]]` section for `id`, if any.
    pub fn guild(&self, id: u64) -> Option<&GuildConfig> {
        self.guilds.iter().find(|g| g.id == id)
    }

    /// Settings for guild `id`: its section's values over the defaults, or the defaults alone
    /// for a guild without a section.
    pub fn settings(&self, id: u64) -> GuildSettings {
        match self.guild(id) {
            Some(guild) => guild.resolved(self),
            None => GuildConfig::default().resolved(self),
        }
    }
}

/// The folder relative paths are resolved against: the file's parent (`""` for a bare name,
/// which keeps them relative to the working folder).
fn base_dir_of(path: &Path) -> &Path {
    path.parent().unwrap_or_else(|| Path::new(""))
}

// ---------------------------------------------------------------------------------------------
// Token and API URL
// ---------------------------------------------------------------------------------------------

/// Why no bot token could be found.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("no Discord token: set DISCORD_TOKEN or token_file")]
    Missing,
    #[error("cannot read token_file {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("token_file {} is empty; put the bot token in it or set DISCORD_TOKEN", path.display())]
    Empty { path: PathBuf },
}

/// The bot token: `env_token` (the value of `DISCORD_TOKEN`) when set and not blank, else the
/// contents of `token_file`; both trimmed.
pub fn resolve_token(config: &Config, env_token: Option<String>) -> Result<String, TokenError> {
    if let Some(token) = env_token {
        let token = token.trim();
        if !token.is_empty() {
            return Ok(token.to_string());
        }
    }
    let Some(path) = &config.token_file else {
        return Err(TokenError::Missing);
    };
    let text = std::fs::read_to_string(path).map_err(|source| TokenError::Unreadable {
        path: path.clone(),
        source,
    })?;
    let token = text.trim();
    if token.is_empty() {
        return Err(TokenError::Empty { path: path.clone() });
    }
    Ok(token.to_string())
}

/// The Discord API base URL to use: `env` (the value of `TACT_DISCORD_API_URL`) when set and not
/// blank, else `discord.api_url`; trailing `/` removed. `None` means Discord itself.
pub fn resolve_api_url(config: &Config, env: Option<String>) -> Option<String> {
    env.map(|url| url.trim().to_string())
        .filter(|url| !url.is_empty())
        .or_else(|| config.discord.api_url.clone())
        .map(|url| url.trim_end_matches('/').to_string())
}

// ---------------------------------------------------------------------------------------------
// Problems
// ---------------------------------------------------------------------------------------------

/// One problem in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// Dotted key (`guild[0].delivery`, indexes 0-based); empty for syntax and file errors.
    pub key: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    /// `FILE:LINE: KEY: MESSAGE`; `:LINE` and `KEY: ` are left out when unknown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in a config file, in file order; displayed one per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", display_lines(.problems))]
pub struct ConfigErrors {
    pub problems: Vec<ConfigProblem>,
}

impl ConfigErrors {
    pub fn len(&self) -> usize {
        self.problems.len()
    }

    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, ConfigProblem> {
        self.problems.iter()
    }
}

impl<'a> IntoIterator for &'a ConfigErrors {
    type Item = &'a ConfigProblem;
    type IntoIter = std::slice::Iter<'a, ConfigProblem>;

    fn into_iter(self) -> Self::IntoIter {
        self.problems.iter()
    }
}

fn display_lines(problems: &[ConfigProblem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------------------------------------
// A TOML tree that keeps spans
// ---------------------------------------------------------------------------------------------
//
// `toml::Spanned<T>` fails on values toml 0.8 has no span for (implicit tables made by dotted
// keys such as `discord.api_url = ...`, dates), so these types speak the same serde protocol
// themselves and fall back to "no span" instead of failing. The names below are those of
// `serde_spanned` 0.6 (used by toml 0.8) and toml_datetime 0.6; the tests catch any change.

const SPANNED_NAME: &str = "$__serde_spanned_private_Spanned";
const SPANNED_START: &str = "$__serde_spanned_private_start";
const SPANNED_END: &str = "$__serde_spanned_private_end";
const SPANNED_VALUE: &str = "$__serde_spanned_private_value";
const SPANNED_FIELDS: &[&str] = &[SPANNED_START, SPANNED_END, SPANNED_VALUE];
const DATETIME_FIELD: &str = "$__toml_private_datetime";

#[derive(Debug)]
enum Node {
    Str(String),
    Int(i64),
    Float,
    Bool(bool),
    Datetime,
    Array(Vec<Val>),
    Table(Vec<(Key, Val)>),
}

impl Node {
    fn kind(&self) -> &'static str {
        match self {
            Node::Str(_) => "a string",
            Node::Int(_) => "an integer",
            Node::Float => "a decimal number",
            Node::Bool(_) => "a boolean",
            Node::Datetime => "a date/time",
            Node::Array(_) => "a list",
            Node::Table(_) => "a table",
        }
    }
}

#[derive(Debug)]
struct Val {
    span: Option<Range<usize>>,
    node: Node,
}

#[derive(Debug)]
struct Key {
    span: Option<Range<usize>>,
    name: String,
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TOML value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Int(i64::try_from(v).unwrap_or(i64::MAX)))
    }

    fn visit_f64<E: de::Error>(self, _v: f64) -> Result<Node, E> {
        Ok(Node::Float)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Val>()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let first = map.next_key::<Key>()?;
        table_or_datetime(first, map)
    }
}

/// The rest of a map whose first key was already read: a date (toml's private field) or a table.
fn table_or_datetime<'de, A: MapAccess<'de>>(
    first: Option<Key>,
    mut map: A,
) -> Result<Node, A::Error> {
    let Some(first) = first else {
        return Ok(Node::Table(Vec::new()));
    };
    if first.name == DATETIME_FIELD {
        map.next_value::<de::IgnoredAny>()?;
        return Ok(Node::Datetime);
    }
    let mut entries = vec![(first, map.next_value::<Val>()?)];
    while let Some(key) = map.next_key::<Key>()? {
        let value = map.next_value::<Val>()?;
        entries.push((key, value));
    }
    Ok(Node::Table(entries))
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct ValVisitor;

impl<'de> Visitor<'de> for ValVisitor {
    type Value = Val;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TOML value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Val, E> {
        NodeVisitor.visit_str(v).map(unspanned)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Val, E> {
        NodeVisitor.visit_string(v).map(unspanned)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Val, E> {
        NodeVisitor.visit_i64(v).map(unspanned)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Val, E> {
        NodeVisitor.visit_u64(v).map(unspanned)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Val, E> {
        NodeVisitor.visit_f64(v).map(unspanned)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Val, E> {
        NodeVisitor.visit_bool(v).map(unspanned)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Val, A::Error> {
        NodeVisitor.visit_seq(seq).map(unspanned)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val, A::Error> {
        let first = map.next_key::<Key>()?;
        if first.as_ref().is_some_and(|k| k.name == SPANNED_START) {
            let start: usize = map.next_value()?;
            map.next_key::<de::IgnoredAny>()?;
            let end: usize = map.next_value()?;
            map.next_key::<de::IgnoredAny>()?;
            let node: Node = map.next_value()?;
            return Ok(Val {
                span: Some(start..end),
                node,
            });
        }
        table_or_datetime(first, map).map(unspanned)
    }
}

fn unspanned(node: Node) -> Val {
    Val { span: None, node }
}

impl<'de> Deserialize<'de> for Val {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct(SPANNED_NAME, SPANNED_FIELDS, ValVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TOML key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(Key {
            span: None,
            name: v.to_string(),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Key, A::Error> {
        map.next_key::<de::IgnoredAny>()?;
        let start: usize = map.next_value()?;
        map.next_key::<de::IgnoredAny>()?;
        let end: usize = map.next_value()?;
        map.next_key::<de::IgnoredAny>()?;
        let name: String = map.next_value()?;
        Ok(Key {
            span: Some(start..end),
            name,
        })
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct(SPANNED_NAME, SPANNED_FIELDS, KeyVisitor)
    }
}

// ---------------------------------------------------------------------------------------------
// Checking
// ---------------------------------------------------------------------------------------------

const TOP_KEYS: &[&str] = &[
    "rules_dir",
    "database",
    "log_level",
    "language",
    "delivery",
    "cooldown_minutes",
    "max_message_chars",
    "store_message_text",
    "praise_reactions",
    "token_file",
    "discord",
    "guild",
];
const DISCORD_KEYS: &[&str] = &["api_url", "dev_guilds", "admin_role"];
const GUILD_KEYS: &[&str] = &[
    "id",
    "channels",
    "categories",
    "agent_roles",
    "delivery",
    "also_coach_channel",
    "coach_channel",
    "log_channel",
    "cooldown_minutes",
    "language",
    "praise_reactions",
    "store_message_text",
    "admin_role",
];
/// Keys that would hold the token itself: always an error, whatever the table.
const TOKEN_KEYS: &[&str] = &["token", "discord_token", "bot_token"];
const TOKEN_MESSAGE: &str =
    "never put the token in the config; use the DISCORD_TOKEN environment variable or token_file";
const LOG_LEVELS: &[&str] = &["trace", "debug", "info", "warn", "error", "off"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Top,
    Discord,
    Guild,
}

impl Scope {
    fn keys(self) -> &'static [&'static str] {
        match self {
            Scope::Top => TOP_KEYS,
            Scope::Discord => DISCORD_KEYS,
            Scope::Guild => GUILD_KEYS,
        }
    }
}

/// A value to check, with its dotted key and the span to report.
struct Field<'t> {
    key: String,
    /// The key's last name (`delivery` for `guild[0].delivery`), for examples in messages.
    leaf: &'t str,
    span: Option<Range<usize>>,
    val: &'t Val,
}

impl<'t> Field<'t> {
    fn node(&self) -> &'t Node {
        &self.val.node
    }

    fn item(&self, index: usize, val: &'t Val) -> Field<'t> {
        Field {
            key: format!("{}[{index}]", self.key),
            leaf: self.leaf,
            span: val.span.clone().or_else(|| self.span.clone()),
            val,
        }
    }
}

struct Checker<'a> {
    file: &'a Path,
    text: &'a str,
    base: &'a Path,
    problems: Vec<ConfigProblem>,
}

impl Checker<'_> {
    fn report(&mut self, span: Option<&Range<usize>>, key: &str, message: impl Into<String>) {
        let line = span.map(|span| line_of(self.text, span.start));
        self.problems.push(ConfigProblem {
            file: self.file.to_path_buf(),
            line,
            key: key.to_string(),
            message: message.into(),
        });
    }

    fn document(&mut self) -> Config {
        let mut config = Config::default_with_base(self.base);
        let root = match toml::from_str::<Node>(self.text) {
            Ok(root) => root,
            Err(e) => {
                let message = e
                    .message()
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join("; ");
                self.report(
                    e.span().as_ref(),
                    "",
                    format!(
                        "invalid TOML: {message}; fix the syntax (strings need quotes, one \
                         key = value per line)"
                    ),
                );
                return config;
            }
        };
        let Node::Table(entries) = &root else {
            return config;
        };
        let fields = self.fields("", entries, Scope::Top, None);

        if let Some(f) = fields.get("rules_dir") {
            if let Some(p) = self.path(f, "rules_dir = \"rules\"") {
                config.rules_dir = p;
            }
        }
        if let Some(f) = fields.get("database") {
            if let Some(p) = self.path(f, "database = \"tact.db\"") {
                config.database = p;
            }
        }
        if let Some(f) = fields.get("token_file") {
            if let Some(p) = self.token_file(f) {
                config.token_file = Some(p);
            }
        }
        if let Some(f) = fields.get("log_level") {
            if let Some(level) = self.log_level(f) {
                config.log_level = level;
            }
        }
        if let Some(f) = fields.get("language") {
            if let Some(lang) = self.choice::<Lang>(f, "language = \"fr\"") {
                config.language = lang;
            }
        }
        if let Some(f) = fields.get("delivery") {
            match self.choice::<Delivery>(f, "delivery = \"dm\"") {
                Some(Delivery::CoachChannel) => self.report(
                    f.span.as_ref(),
                    &f.key,
                    "the default delivery cannot be coach_channel because a coach channel is \
                     set per guild; use dm, reply or react here and set delivery = \
                     \"coach_channel\" with coach_channel in each [[guild]]",
                ),
                Some(delivery) => config.delivery = delivery,
                None => {}
            }
        }
        if let Some(f) = fields.get("cooldown_minutes") {
            if let Some(minutes) = self.cooldown(f) {
                config.cooldown_minutes = minutes;
            }
        }
        if let Some(f) = fields.get("max_message_chars") {
            let range = "use a number of characters from 1 to 100000 (default 4000)";
            if let Some(n) = self.int_in(
                f,
                1,
                MAX_MESSAGE_CHARS_LIMIT as i64,
                "max_message_chars = 4000",
                range,
            ) {
                config.max_message_chars = n as usize;
            }
        }
        if let Some(f) = fields.get("store_message_text") {
            if let Some(b) = self.boolean(f) {
                config.store_message_text = b;
            }
        }
        if let Some(f) = fields.get("praise_reactions") {
            if let Some(b) = self.boolean(f) {
                config.praise_reactions = b;
            }
        }
        if let Some(f) = fields.get("discord") {
            config.discord = self.discord(f);
        }
        if let Some(f) = fields.get("guild") {
            config.guilds = self.guilds(f);
        }
        config
    }

    /// The known entries of a table, by name; reports unknown keys and token keys.
    fn fields<'t>(
        &mut self,
        prefix: &str,
        entries: &'t [(Key, Val)],
        scope: Scope,
        table_span: Option<&Range<usize>>,
    ) -> BTreeMap<&'t str, Field<'t>> {
        let mut fields = BTreeMap::new();
        for (key, val) in entries {
            let name = key.name.as_str();
            let dotted = format!("{prefix}{name}");
            let key_span = key.span.as_ref().or(val.span.as_ref()).or(table_span);
            if TOKEN_KEYS.contains(&name) {
                self.report(key_span, &dotted, TOKEN_MESSAGE);
            } else if scope.keys().contains(&name) {
                fields.insert(
                    name,
                    Field {
                        key: dotted,
                        leaf: name,
                        span: val.span.clone().or_else(|| key_span.cloned()),
                        val,
                    },
                );
            } else {
                let message = unknown_key_message(name, scope);
                self.report(key_span, &dotted, message);
            }
        }
        fields
    }

    fn table<'t>(&mut self, f: &Field<'t>, example: &str) -> Option<&'t [(Key, Val)]> {
        match f.node() {
            Node::Table(entries) => Some(entries),
            other => {
                self.wrong_type(f, "a table", other, example);
                None
            }
        }
    }

    fn discord(&mut self, f: &Field) -> DiscordConfig {
        let mut discord = DiscordConfig::default();
        let Some(entries) = self.table(f, "[discord] on its own line, then its keys") else {
            return discord;
        };
        let fields = self.fields("discord.", entries, Scope::Discord, f.span.as_ref());
        if let Some(f) = fields.get("api_url") {
            discord.api_url = self.api_url(f);
        }
        if let Some(f) = fields.get("dev_guilds") {
            discord.dev_guilds = self.ids(f);
        }
        if let Some(f) = fields.get("admin_role") {
            discord.admin_role = self.id(f);
        }
        discord
    }

    fn guilds(&mut self, f: &Field) -> Vec<GuildConfig> {
        let items = match f.node() {
            Node::Array(items) => items,
            Node::Table(_) => {
                self.report(
                    f.span.as_ref(),
                    &f.key,
                    "write [[guild]] with two brackets, one section per server (found a single \
                     [guild] table)",
                );
                return Vec::new();
            }
            other => {
                self.wrong_type(f, "[[guild]] sections", other, "[[guild]] then id = 123...");
                return Vec::new();
            }
        };
        let mut guilds: Vec<GuildConfig> = Vec::new();
        let mut first_line: BTreeMap<u64, Option<usize>> = BTreeMap::new();
        for (index, val) in items.iter().enumerate() {
            let item = f.item(index, val);
            let Some(guild) = self.guild(&item) else {
                continue;
            };
            let id_span = guild_id_span(val).or_else(|| item.span.clone());
            let line = id_span.as_ref().map(|s| line_of(self.text, s.start));
            if let Some(previous) = first_line.get(&guild.id) {
                let at = previous
                    .map(|l| format!(" on line {l}"))
                    .unwrap_or_default();
                self.report(
                    id_span.as_ref(),
                    &format!("{}.id", item.key),
                    format!(
                        "guild {} is already configured by the [[guild]]{at}; merge the two \
                         sections into one",
                        guild.id
                    ),
                );
                continue;
            }
            first_line.insert(guild.id, line);
            guilds.push(guild);
        }
        guilds
    }

    /// One `[[guild]]`; `None` when it has no usable id.
    fn guild(&mut self, f: &Field) -> Option<GuildConfig> {
        let entries = self.table(f, "[[guild]] then id = 123456789012345678")?;
        let prefix = format!("{}.", f.key);
        let header = f
            .span
            .clone()
            .or_else(|| entries.first().and_then(|(k, _)| k.span.clone()));
        let fields = self.fields(&prefix, entries, Scope::Guild, header.as_ref());
        let mut guild = GuildConfig::default();

        let id = match fields.get("id") {
            Some(f) => self.id(f),
            None => {
                self.report(
                    header.as_ref(),
                    &format!("{prefix}id"),
                    "missing id; add id = <server id> (turn on Developer Mode in Discord, then \
                     right-click the server > Copy Server ID)",
                );
                None
            }
        };
        if let Some(f) = fields.get("channels") {
            guild.channels = self.ids(f);
        }
        if let Some(f) = fields.get("categories") {
            guild.categories = self.ids(f);
        }
        if let Some(f) = fields.get("agent_roles") {
            guild.agent_roles = self.ids(f);
        }
        if let Some(f) = fields.get("delivery") {
            guild.delivery = self.choice::<Delivery>(f, "delivery = \"dm\"");
        }
        if let Some(f) = fields.get("also_coach_channel") {
            guild.also_coach_channel = self.boolean(f).unwrap_or(false);
        }
        let coach_channel_given = fields.contains_key("coach_channel");
        if let Some(f) = fields.get("coach_channel") {
            guild.coach_channel = self.id(f);
        }
        if let Some(f) = fields.get("log_channel") {
            guild.log_channel = self.id(f);
        }
        if let Some(f) = fields.get("cooldown_minutes") {
            guild.cooldown_minutes = self.cooldown(f);
        }
        if let Some(f) = fields.get("language") {
            guild.language = self.choice::<Lang>(f, "language = \"fr\"");
        }
        if let Some(f) = fields.get("praise_reactions") {
            guild.praise_reactions = self.boolean(f);
        }
        if let Some(f) = fields.get("store_message_text") {
            guild.store_message_text = self.boolean(f);
        }
        if let Some(f) = fields.get("admin_role") {
            guild.admin_role = self.id(f);
        }

        // A coach channel that is needed but missing (not merely invalid: that is reported).
        if !coach_channel_given {
            // (The default delivery is never coach_channel: that is reported at the top level.)
            if guild.delivery == Some(Delivery::CoachChannel) {
                let f = &fields["delivery"];
                self.report(
                    f.span.as_ref(),
                    &f.key,
                    "delivery = \"coach_channel\" needs a coach channel; add coach_channel = \
                     <channel id> to this [[guild]] or choose dm, reply or react",
                );
            }
            if guild.also_coach_channel {
                let f = &fields["also_coach_channel"];
                self.report(
                    f.span.as_ref(),
                    &f.key,
                    "also_coach_channel = true needs a coach channel; add coach_channel = \
                     <channel id> to this [[guild]] or remove also_coach_channel",
                );
            }
        }

        guild.id = id?;
        Some(guild)
    }

    fn wrong_type(&mut self, f: &Field, expected: &str, found: &Node, example: &str) {
        self.report(
            f.span.as_ref(),
            &f.key,
            format!(
                "expected {expected}, found {}; write it like: {example}",
                found.kind()
            ),
        );
    }

    fn string<'t>(&mut self, f: &Field<'t>, example: &str) -> Option<&'t str> {
        match f.node() {
            Node::Str(s) => Some(s),
            other => {
                self.wrong_type(f, "a string", other, example);
                None
            }
        }
    }

    fn boolean(&mut self, f: &Field) -> Option<bool> {
        match f.node() {
            Node::Bool(b) => Some(*b),
            Node::Str(s) if s == "true" || s == "false" => {
                self.report(
                    f.span.as_ref(),
                    &f.key,
                    format!(
                        "expected true or false, found a string; remove the quotes: {} = {s}",
                        f.leaf
                    ),
                );
                None
            }
            other => {
                self.wrong_type(f, "true or false", other, &format!("{} = false", f.leaf));
                None
            }
        }
    }

    /// An integer in `min..=max`; `range` tells the accepted values.
    fn int_in(&mut self, f: &Field, min: i64, max: i64, example: &str, range: &str) -> Option<i64> {
        match f.node() {
            Node::Int(n) if (min..=max).contains(n) => Some(*n),
            Node::Int(n) => {
                self.report(
                    f.span.as_ref(),
                    &f.key,
                    format!("{n} is out of range; {range}"),
                );
                None
            }
            Node::Str(s) if s.trim().parse::<i64>().is_ok() => {
                self.report(
                    f.span.as_ref(),
                    &f.key,
                    format!(
                        "expected a number, found a string; remove the quotes: {} = {}",
                        f.leaf,
                        s.trim()
                    ),
                );
                None
            }
            other => {
                self.wrong_type(f, "a whole number", other, example);
                None
            }
        }
    }

    fn cooldown(&mut self, f: &Field) -> Option<u32> {
        self.int_in(
            f,
            0,
            i64::from(MAX_COOLDOWN_MINUTES),
            "cooldown_minutes = 10",
            "use a number of minutes from 0 (no cooldown) to 1440 (one day)",
        )
        .map(|n| n as u32)
    }

    fn choice<T: FromStr>(&mut self, f: &Field, example: &str) -> Option<T>
    where
        T::Err: fmt::Display,
    {
        let s = self.string(f, example)?;
        match s.parse::<T>() {
            Ok(value) => Some(value),
            Err(e) => {
                self.report(f.span.as_ref(), &f.key, e.to_string());
                None
            }
        }
    }

    fn path(&mut self, f: &Field, example: &str) -> Option<PathBuf> {
        let s = self.string(f, example)?;
        if s.trim().is_empty() {
            self.report(
                f.span.as_ref(),
                &f.key,
                format!("{} is empty; write a path, e.g. {example}", f.leaf),
            );
            return None;
        }
        if s == "~" || s.starts_with("~/") {
            self.report(
                f.span.as_ref(),
                &f.key,
                "~ is not expanded; write the full path (/home/...) or a path relative to the \
                 config file's folder",
            );
            return None;
        }
        if s == SQLITE_MEMORY {
            return Some(PathBuf::from(s));
        }
        Some(self.base.join(s))
    }

    fn token_file(&mut self, f: &Field) -> Option<PathBuf> {
        if let Node::Str(s) = f.node() {
            if looks_like_token(s) {
                self.report(
                    f.span.as_ref(),
                    &f.key,
                    "this looks like the token itself; token_file is the path of a file holding \
                     the token (never put the token in the config; you may also use the \
                     DISCORD_TOKEN environment variable)",
                );
                return None;
            }
        }
        self.path(f, "token_file = \"/run/secrets/discord_token\"")
    }

    fn log_level(&mut self, f: &Field) -> Option<String> {
        let s = self.string(f, "log_level = \"info\"")?;
        let mut directives = s.split(',').map(str::trim).filter(|d| !d.is_empty());
        let problem = if directives.clone().next().is_none() {
            Some("log_level is empty".to_string())
        } else {
            directives.find_map(|directive| {
                // Span filters (`target[span{field=value}]=level`) are left to tracing.
                if directive.contains('[') {
                    return None;
                }
                let level = directive.rsplit('=').next().unwrap_or(directive).trim();
                let known = LOG_LEVELS.iter().any(|l| l.eq_ignore_ascii_case(level))
                    || matches!(level, "0" | "1" | "2" | "3" | "4" | "5");
                (!known).then(|| format!("unknown log level \"{level}\" in \"{directive}\""))
            })
        };
        match problem {
            Some(problem) => {
                self.report(
                    f.span.as_ref(),
                    &f.key,
                    format!(
                        "{problem}; use one of trace, debug, info, warn, error, off, or \
                         per-module filters like \"info,tact=debug\""
                    ),
                );
                None
            }
            None => Some(s.trim().to_string()),
        }
    }

    fn api_url(&mut self, f: &Field) -> Option<String> {
        let s = self
            .string(f, "api_url = \"http://127.0.0.1:3000\"")?
            .trim();
        let rest = s
            .strip_prefix("http://")
            .or_else(|| s.strip_prefix("https://"));
        match rest {
            Some(host) if !host.trim_matches('/').is_empty() => {
                Some(s.trim_end_matches('/').to_string())
            }
            _ => {
                self.report(
                    f.span.as_ref(),
                    &f.key,
                    format!(
                        "\"{s}\" is not an http(s) URL; write it with http:// or https://, e.g. \
                         api_url = \"http://127.0.0.1:3000\""
                    ),
                );
                None
            }
        }
    }

    /// A Discord id: a positive integer, or a string of digits.
    fn id(&mut self, f: &Field) -> Option<u64> {
        const HOW: &str = "ids are numbers like 123456789012345678 (turn on Developer Mode in \
                           Discord, then right-click > Copy ID)";
        match f.node() {
            Node::Int(n) if *n > 0 => Some(*n as u64),
            Node::Int(n) => {
                self.report(
                    f.span.as_ref(),
                    &f.key,
                    format!("{n} is not a Discord id; {HOW}"),
                );
                None
            }
            Node::Str(s) => match parse_id(s) {
                Some(id) => Some(id),
                None => {
                    let shown = if s.chars().count() <= 32 {
                        format!("\"{s}\"")
                    } else {
                        "this string".to_string()
                    };
                    self.report(
                        f.span.as_ref(),
                        &f.key,
                        format!("{shown} is not a Discord id; {HOW}"),
                    );
                    None
                }
            },
            other => {
                let example = format!("{} = 123456789012345678", f.leaf);
                self.wrong_type(f, "a Discord id", other, &example);
                None
            }
        }
    }

    /// A list of ids; the valid ones are kept (the invalid ones are reported).
    fn ids(&mut self, f: &Field) -> Vec<u64> {
        match f.node() {
            Node::Array(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, val)| self.id(&f.item(i, val)))
                .collect(),
            other => {
                let example = match other {
                    Node::Int(n) => format!("{} = [{n}]", f.leaf),
                    Node::Str(s) if parse_id(s).is_some() => format!("{} = [{s}]", f.leaf),
                    _ => format!("{} = [123456789012345678]", f.leaf),
                };
                self.wrong_type(f, "a list of ids", other, &example);
                Vec::new()
            }
        }
    }
}

/// The span of a `[[guild]]`'s `id` value, for duplicate reports.
fn guild_id_span(val: &Val) -> Option<Range<usize>> {
    let Node::Table(entries) = &val.node else {
        return None;
    };
    entries
        .iter()
        .find(|(k, _)| k.name == "id")
        .and_then(|(k, v)| v.span.clone().or_else(|| k.span.clone()))
}

/// A positive id written as a string of ASCII digits.
fn parse_id(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u64>().ok().filter(|&id| id != 0)
}

/// Discord bot tokens are three dot-separated base64 parts, ~70 characters, no slashes.
fn looks_like_token(s: &str) -> bool {
    let parts: Vec<&str> = s.trim().split('.').collect();
    s.len() >= 50
        && parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// 1-based line of byte offset `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn unknown_key_message(name: &str, scope: Scope) -> String {
    let here = match scope {
        Scope::Top => "at the top level",
        Scope::Discord => "in [discord]",
        Scope::Guild => "in [[guild]]",
    };
    // A known key of another table: say where it belongs.
    let elsewhere = [Scope::Top, Scope::Discord, Scope::Guild]
        .into_iter()
        .filter(|s| *s != scope && s.keys().contains(&name))
        .collect::<Vec<_>>();
    if scope == Scope::Discord
        && elsewhere.contains(&Scope::Top)
        && elsewhere.contains(&Scope::Guild)
    {
        return format!(
            "{name} does not belong in [discord]; set it at the top of the file (before any \
             [section]) for every guild, or in a [[guild]] section for one"
        );
    }
    if scope == Scope::Guild && elsewhere.contains(&Scope::Top) {
        return format!(
            "{name} is a global setting, not a per-guild one; move it to the top of the file, \
             before any [section]"
        );
    }
    if elsewhere.contains(&Scope::Discord) {
        return format!("{name} belongs in the [discord] table; move it under [discord]");
    }
    if elsewhere.contains(&Scope::Guild) {
        return format!("{name} is a per-guild setting; move it into a [[guild]] section");
    }
    if elsewhere.contains(&Scope::Top) {
        return format!(
            "{name} is a global setting; move it to the top of the file, before any [section]"
        );
    }
    match closest_key(name, scope.keys()) {
        Some(known) => format!("unknown key \"{name}\" {here}; did you mean \"{known}\"?"),
        None => format!(
            "unknown key \"{name}\" {here}; known keys: {}",
            scope.keys().join(", ")
        ),
    }
}

/// The known key closest to `name`, if close enough to be a typo.
fn closest_key(name: &str, known: &[&'static str]) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase().replace('-', "_");
    known
        .iter()
        .map(|k| {
            let mut distance = edit_distance(&lower, k);
            // `cooldown` for `cooldown_minutes`, `coach_channel_id` for `coach_channel`.
            if lower.len() >= 4 && (k.starts_with(&lower) || lower.starts_with(k)) {
                distance = distance.min(1);
            }
            (distance, *k)
        })
        .filter(|(distance, k)| *distance <= (k.len().max(lower.len()) / 3).max(2))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../config.example.toml");

    fn parse(text: &str) -> Result<Config, ConfigErrors> {
        Config::parse(text, "cfg.toml", "/etc/tact")
    }

    fn ok(text: &str) -> Config {
        match parse(text) {
            Ok(config) => config,
            Err(e) => panic!("unexpected problems:\n{e}"),
        }
    }

    fn problems(text: &str) -> Vec<ConfigProblem> {
        match parse(text) {
            Ok(config) => panic!("expected problems, got {config:?}"),
            Err(e) => e.problems,
        }
    }

    /// The only problem of `text`.
    fn problem(text: &str) -> ConfigProblem {
        let mut all = problems(text);
        assert_eq!(all.len(), 1, "expected one problem, got {all:#?}");
        all.remove(0)
    }

    fn lines_and_keys(text: &str) -> Vec<(Option<usize>, String)> {
        problems(text)
            .into_iter()
            .map(|p| (p.line, p.key))
            .collect()
    }

    /// The example with every commented-out setting (`# key = ...`, `# [[guild]]`) turned on.
    fn uncommented_example() -> String {
        EXAMPLE
            .lines()
            .map(|line| match line.strip_prefix("# ") {
                Some(rest)
                    if rest.starts_with('[')
                        || rest.split_once(" = ").is_some_and(|(k, _)| {
                            k.bytes().all(|b| b == b'_' || b.is_ascii_lowercase())
                        }) =>
                {
                    rest
                }
                Some(rest) if rest.starts_with("# ") => rest,
                _ => line,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    // --- the example file and defaults -------------------------------------------------------

    #[test]
    fn example_file_loads_and_matches_the_defaults() {
        let config = Config::parse(EXAMPLE, "config.example.toml", "/srv/tact").unwrap();
        assert_eq!(config, Config::default_with_base("/srv/tact"));
    }

    #[test]
    fn example_file_with_every_setting_turned_on_loads() {
        let text = uncommented_example();
        assert!(text.contains("\n[[guild]]\n"), "{text}");
        let config = Config::parse(&text, "config.example.toml", "/srv/tact")
            .unwrap_or_else(|e| panic!("{e}\n---\n{text}"));
        assert_eq!(
            config.token_file,
            Some(PathBuf::from("/run/secrets/discord_token"))
        );
        assert_eq!(
            config.discord.api_url.as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(config.discord.dev_guilds, vec![123456789012345678]);
        assert_eq!(config.discord.admin_role, Some(123456789012345678));
        assert_eq!(config.guilds.len(), 1);
        let guild = &config.guilds[0];
        assert_eq!(guild.id, 123456789012345678);
        assert_eq!(guild.channels, vec![123456789012345678, 234567890123456789]);
        assert_eq!(guild.categories, vec![345678901234567890]);
        assert_eq!(guild.agent_roles, vec![456789012345678901]);
        assert_eq!(guild.delivery, Some(Delivery::Dm));
        assert_eq!(guild.coach_channel, Some(567890123456789012));
        assert_eq!(guild.log_channel, Some(678901234567890123));
        assert_eq!(guild.cooldown_minutes, Some(10));
        assert_eq!(guild.language, Some(Lang::Fr));
        assert_eq!(guild.praise_reactions, Some(false));
        assert_eq!(guild.store_message_text, Some(false));
        assert_eq!(guild.admin_role, Some(789012345678901234));
    }

    #[test]
    fn example_file_documents_every_key() {
        for key in TOP_KEYS.iter().chain(DISCORD_KEYS).chain(GUILD_KEYS) {
            let written = format!("{key} = ");
            let table = format!("[{key}]");
            let tables = format!("[[{key}]]");
            assert!(
                EXAMPLE.contains(&written) || EXAMPLE.contains(&table) || EXAMPLE.contains(&tables),
                "{key} is not in config.example.toml"
            );
        }
    }

    #[test]
    fn defaults() {
        let config = Config::default_with_base("/srv/tact");
        assert_eq!(config.rules_dir, PathBuf::from("/srv/tact/rules"));
        assert_eq!(config.database, PathBuf::from("/srv/tact/tact.db"));
        assert_eq!(config.log_level, "info");
        assert_eq!(config.language, Lang::Fr);
        assert_eq!(config.delivery, Delivery::Dm);
        assert_eq!(config.cooldown_minutes, 10);
        assert_eq!(config.max_message_chars, 4000);
        assert!(!config.store_message_text);
        assert!(!config.praise_reactions);
        assert_eq!(config.token_file, None);
        assert_eq!(config.discord, DiscordConfig::default());
        assert!(config.guilds.is_empty());
    }

    #[test]
    fn empty_file_gives_the_defaults() {
        assert_eq!(ok(""), Config::default_with_base("/etc/tact"));
        assert_eq!(ok("# nothing\n\n"), Config::default_with_base("/etc/tact"));
    }

    #[test]
    fn every_top_level_key_is_read() {
        let config = ok(r#"
rules_dir = "my-rules"
database = "data/tact.sqlite"
log_level = "warn,tact=debug"
language = "en"
delivery = "react"
cooldown_minutes = 0
max_message_chars = 100000
store_message_text = true
praise_reactions = true
token_file = "secret/token"
"#);
        assert_eq!(config.rules_dir, PathBuf::from("/etc/tact/my-rules"));
        assert_eq!(config.database, PathBuf::from("/etc/tact/data/tact.sqlite"));
        assert_eq!(config.log_level, "warn,tact=debug");
        assert_eq!(config.language, Lang::En);
        assert_eq!(config.delivery, Delivery::React);
        assert_eq!(config.cooldown_minutes, 0);
        assert_eq!(config.max_message_chars, 100_000);
        assert!(config.store_message_text);
        assert!(config.praise_reactions);
        assert_eq!(
            config.token_file,
            Some(PathBuf::from("/etc/tact/secret/token"))
        );
    }

    // --- paths ---------------------------------------------------------------------------------

    #[test]
    fn relative_paths_are_relative_to_the_base_absolute_ones_are_kept() {
        let config = ok("rules_dir = \"/opt/rules\"\ndatabase = \"../db/tact.db\"\n");
        assert_eq!(config.rules_dir, PathBuf::from("/opt/rules"));
        assert_eq!(config.database, PathBuf::from("/etc/tact/../db/tact.db"));
        let config = ok("token_file = \"/run/secrets/t\"");
        assert_eq!(config.token_file, Some(PathBuf::from("/run/secrets/t")));
    }

    #[test]
    fn sqlite_memory_database_is_kept_as_is() {
        assert_eq!(
            ok("database = \":memory:\"").database,
            PathBuf::from(":memory:")
        );
    }

    #[test]
    fn empty_and_tilde_paths_are_errors() {
        let p = problem("rules_dir = \"\"");
        assert_eq!((p.line, p.key.as_str()), (Some(1), "rules_dir"));
        assert!(p.message.contains("empty"), "{}", p.message);
        let p = problem("database = \"~/tact.db\"");
        assert_eq!(p.key, "database");
        assert!(p.message.contains("full path"), "{}", p.message);
    }

    #[test]
    fn load_resolves_against_the_file_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "rules_dir = \"r\"\ncooldown_minutes = 5\n").unwrap();
        let config = Config::load(&path).unwrap();
        assert_eq!(config.rules_dir, dir.path().join("r"));
        assert_eq!(config.database, dir.path().join("tact.db"));
        assert_eq!(config.cooldown_minutes, 5);
    }

    #[test]
    fn load_reports_the_file_in_problems() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "\nlanguage = \"de\"\n").unwrap();
        let e = Config::load(&path).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}:2: language: unknown language \"de\"; use one of fr, en",
                path.display()
            )
        );
    }

    #[test]
    fn load_of_a_missing_file_is_one_problem_without_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.toml");
        let e = Config::load(&path).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e.problems[0].line, None);
        assert_eq!(e.problems[0].key, "");
        assert_eq!(e.problems[0].file, path);
        let shown = e.to_string();
        assert!(
            shown.starts_with(&format!("{}: cannot read the config file", path.display())),
            "{shown}"
        );
    }

    #[test]
    fn load_or_default_uses_defaults_only_when_the_file_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        assert_eq!(
            Config::load_or_default(&path).unwrap(),
            Config::default_with_base(dir.path())
        );
        std::fs::write(&path, "delivery = \"reply\"").unwrap();
        assert_eq!(
            Config::load_or_default(&path).unwrap().delivery,
            Delivery::Reply
        );
        std::fs::write(&path, "delivery = \"email\"").unwrap();
        assert!(Config::load_or_default(&path).is_err());
    }

    #[test]
    fn a_bare_file_name_keeps_paths_relative_to_the_working_folder() {
        assert_eq!(base_dir_of(Path::new("config.toml")), Path::new(""));
        assert_eq!(Path::new("").join("rules"), PathBuf::from("rules"));
    }

    // --- choices --------------------------------------------------------------------------------

    #[test]
    fn lang_and_delivery_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(lang.to_string().parse::<Lang>().unwrap(), lang);
        }
        for delivery in Delivery::ALL {
            assert_eq!(delivery.to_string().parse::<Delivery>().unwrap(), delivery);
        }
        assert_eq!(Delivery::CoachChannel.to_string(), "coach_channel");
        assert_eq!(" EN ".parse::<Lang>().unwrap(), Lang::En);
        assert_eq!(
            "email".parse::<Delivery>().unwrap_err().to_string(),
            "unknown delivery \"email\"; use one of dm, reply, react, coach_channel"
        );
        assert_eq!(
            "de".parse::<Lang>().unwrap_err().to_string(),
            "unknown language \"de\"; use one of fr, en"
        );
    }

    #[test]
    fn unknown_delivery_and_language_are_reported() {
        let p = problem("delivery = \"email\"");
        assert_eq!(p.key, "delivery");
        assert_eq!(
            p.message,
            "unknown delivery \"email\"; use one of dm, reply, react, coach_channel"
        );
        let p = problem("[[guild]]\nid = 1\nlanguage = \"de\"");
        assert_eq!((p.line, p.key.as_str()), (Some(3), "guild[0].language"));
    }

    // --- ids -----------------------------------------------------------------------------------

    #[test]
    fn ids_may_be_integers_or_strings_of_digits() {
        let config = ok(r#"
[discord]
dev_guilds = [111, "222"]
admin_role = "333"

[[guild]]
id = "123456789012345678"
channels = [1, "2"]
categories = ["3"]
agent_roles = [4]
coach_channel = "5"
log_channel = 6
admin_role = 7
"#);
        assert_eq!(config.discord.dev_guilds, vec![111, 222]);
        assert_eq!(config.discord.admin_role, Some(333));
        let guild = config.guild(123456789012345678).unwrap();
        assert_eq!(guild.channels, vec![1, 2]);
        assert_eq!(guild.categories, vec![3]);
        assert_eq!(guild.agent_roles, vec![4]);
        assert_eq!(guild.coach_channel, Some(5));
        assert_eq!(guild.log_channel, Some(6));
        assert_eq!(guild.admin_role, Some(7));
    }

    #[test]
    fn bad_ids_are_errors() {
        for bad in [
            "0",
            "-5",
            "\"0\"",
            "\"\"",
            "\"12a\"",
            "\" 12\"",
            "\"+12\"",
            "\"99999999999999999999\"",
            "1.5",
            "true",
        ] {
            let p = problem(&format!("[[guild]]\nid = {bad}"));
            assert_eq!(p.key, "guild[0].id", "{bad}");
            assert_eq!(p.line, Some(2), "{bad}");
            assert!(p.message.contains("Discord id"), "{bad}: {}", p.message);
        }
    }

    #[test]
    fn bad_id_in_a_list_names_its_index() {
        let p = problem("[[guild]]\nid = 1\nchannels = [\n  10,\n  \"x\",\n]");
        assert_eq!((p.line, p.key.as_str()), (Some(5), "guild[0].channels[1]"));
        assert_eq!(
            p.message,
            "\"x\" is not a Discord id; ids are numbers like 123456789012345678 (turn on \
             Developer Mode in Discord, then right-click > Copy ID)"
        );
    }

    #[test]
    fn a_single_id_where_a_list_is_expected_suggests_the_list() {
        let p = problem("[[guild]]\nid = 1\nchannels = 42");
        assert_eq!(p.key, "guild[0].channels");
        assert_eq!(
            p.message,
            "expected a list of ids, found an integer; write it like: channels = [42]"
        );
    }

    #[test]
    fn long_strings_are_not_echoed_in_id_errors() {
        let long = "a".repeat(70);
        let p = problem(&format!("[discord]\nadmin_role = \"{long}\""));
        assert!(!p.message.contains(&long), "{}", p.message);
    }

    // --- syntax and types -----------------------------------------------------------------------

    #[test]
    fn syntax_error_has_its_line() {
        let p = problem("language = \"fr\"\n\ndelivery = dm\n");
        assert_eq!(p.line, Some(3));
        assert_eq!(p.key, "");
        assert!(p.message.starts_with("invalid TOML: "), "{}", p.message);
        assert!(!p.message.contains('\n'), "{}", p.message);
        assert!(
            p.to_string().starts_with("cfg.toml:3: invalid TOML: "),
            "{p}"
        );
    }

    #[test]
    fn duplicate_keys_are_syntax_errors_with_a_line() {
        let p = problem("language = \"fr\"\nlanguage = \"en\"\n");
        assert_eq!(p.line, Some(2));
    }

    #[test]
    fn wrong_types_say_what_was_expected_and_how_to_write_it() {
        let p = problem("rules_dir = 5");
        assert_eq!(
            p.message,
            "expected a string, found an integer; write it like: rules_dir = \"rules\""
        );
        let p = problem("cooldown_minutes = \"10\"");
        assert_eq!(
            p.message,
            "expected a number, found a string; remove the quotes: cooldown_minutes = 10"
        );
        let p = problem("cooldown_minutes = 2.5");
        assert_eq!(
            p.message,
            "expected a whole number, found a decimal number; write it like: cooldown_minutes = 10"
        );
        let p = problem("praise_reactions = \"true\"");
        assert_eq!(
            p.message,
            "expected true or false, found a string; remove the quotes: praise_reactions = true"
        );
        let p = problem("store_message_text = 1");
        assert_eq!(
            p.message,
            "expected true or false, found an integer; write it like: store_message_text = false"
        );
        let p = problem("discord = 1");
        assert_eq!(p.key, "discord");
        assert!(
            p.message.starts_with("expected a table, found an integer"),
            "{}",
            p.message
        );
    }

    #[test]
    fn a_date_is_a_type_error_not_a_crash() {
        let all = lines_and_keys("language = \"xx\"\ncooldown_minutes = 1979-05-27\n");
        assert_eq!(
            all,
            vec![
                (Some(1), "language".to_string()),
                (Some(2), "cooldown_minutes".to_string())
            ]
        );
        let p = problem("[[guild]]\nid = 1\nchannels = [1979-05-27T07:32:00Z]");
        assert_eq!(p.key, "guild[0].channels[0]");
        assert!(p.message.contains("found a date/time"), "{}", p.message);
    }

    #[test]
    fn dotted_keys_and_inline_tables_work() {
        let config = ok(
            "discord.api_url = \"http://localhost:1\"\nguild = [{ id = 1, delivery = \"react\" }]\n",
        );
        assert_eq!(
            config.discord.api_url.as_deref(),
            Some("http://localhost:1")
        );
        assert_eq!(config.guilds[0].delivery, Some(Delivery::React));
        let all = lines_and_keys("\ndiscord.api_url = \"ftp://x\"\ndiscord.typo = 1\n");
        assert_eq!(
            all,
            vec![
                (Some(2), "discord.api_url".to_string()),
                (Some(3), "discord.typo".to_string())
            ]
        );
    }

    // --- unknown keys ---------------------------------------------------------------------------

    #[test]
    fn typos_suggest_the_closest_key() {
        let p = problem("\ndelivry = \"dm\"");
        assert_eq!((p.line, p.key.as_str()), (Some(2), "delivry"));
        assert_eq!(
            p.message,
            "unknown key \"delivry\" at the top level; did you mean \"delivery\"?"
        );
        assert!(problem("cooldown = 5")
            .message
            .contains("\"cooldown_minutes\""));
        assert!(problem("[[guilds]]\nid = 1").message.contains("\"guild\""));
        assert!(problem("[discord]\ndev_guild = [1]")
            .message
            .contains("\"dev_guilds\""));
        let p = problem("[[guild]]\nid = 1\nchanels = [2]");
        assert_eq!((p.line, p.key.as_str()), (Some(3), "guild[0].chanels"));
        assert_eq!(
            p.message,
            "unknown key \"chanels\" in [[guild]]; did you mean \"channels\"?"
        );
        assert!(problem("[[guild]]\nid = 1\ncoach_channel_id = 2")
            .message
            .contains("\"coach_channel\""));
    }

    #[test]
    fn unrelated_keys_list_the_known_ones() {
        let p = problem("[discord]\nshard_count = 2");
        assert_eq!(
            p.message,
            "unknown key \"shard_count\" in [discord]; known keys: api_url, dev_guilds, admin_role"
        );
    }

    #[test]
    fn keys_in_the_wrong_table_say_where_they_belong() {
        let p = problem("coach_channel = 1");
        assert_eq!(
            p.message,
            "coach_channel is a per-guild setting; move it into a [[guild]] section"
        );
        let p = problem("api_url = \"http://x\"");
        assert_eq!(
            p.message,
            "api_url belongs in the [discord] table; move it under [discord]"
        );
        let p = problem("[[guild]]\nid = 1\nrules_dir = \"r\"");
        assert!(
            p.message.starts_with("rules_dir is a global setting"),
            "{}",
            p.message
        );
        let p = problem("[discord]\nlanguage = \"fr\"");
        assert!(
            p.message
                .starts_with("language does not belong in [discord]"),
            "{}",
            p.message
        );
    }

    // --- the token --------------------------------------------------------------------------------

    #[test]
    fn the_token_is_never_accepted_in_the_file() {
        let secret = "MTAxMjM0NTY3ODkwMTIzNDU2Nzg.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789ABCD";
        for (text, key, line) in [
            (format!("token = \"{secret}\""), "token", 1),
            (
                format!("[discord]\ntoken = \"{secret}\""),
                "discord.token",
                2,
            ),
            (
                format!("\ndiscord.token = \"{secret}\""),
                "discord.token",
                2,
            ),
            (
                format!("[[guild]]\nid = 1\ntoken = \"{secret}\""),
                "guild[0].token",
                3,
            ),
            (format!("discord_token = \"{secret}\""), "discord_token", 1),
        ] {
            let p = problem(&text);
            assert_eq!((p.line, p.key.as_str()), (Some(line), key), "{text}");
            assert_eq!(
                p.message,
                "never put the token in the config; use the DISCORD_TOKEN environment variable \
                 or token_file"
            );
            assert!(!p.to_string().contains(secret));
        }
    }

    #[test]
    fn a_token_written_as_token_file_is_caught_without_echoing_it() {
        let secret = "MTAxMjM0NTY3ODkwMTIzNDU2Nzg.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789ABCD";
        let p = problem(&format!("token_file = \"{secret}\""));
        assert_eq!(p.key, "token_file");
        assert!(
            p.message.contains("looks like the token itself"),
            "{}",
            p.message
        );
        assert!(!p.to_string().contains(secret));
    }

    // --- values -----------------------------------------------------------------------------------

    #[test]
    fn cooldown_is_0_to_1440_minutes() {
        assert_eq!(ok("cooldown_minutes = 1440").cooldown_minutes, 1440);
        let p = problem("cooldown_minutes = 1441");
        assert_eq!(
            p.message,
            "1441 is out of range; use a number of minutes from 0 (no cooldown) to 1440 (one day)"
        );
        assert!(problem("cooldown_minutes = -1")
            .message
            .starts_with("-1 is out of range"));
        let p = problem("[[guild]]\nid = 1\ncooldown_minutes = 5000");
        assert_eq!(
            (p.line, p.key.as_str()),
            (Some(3), "guild[0].cooldown_minutes")
        );
    }

    #[test]
    fn max_message_chars_is_1_to_100000() {
        assert_eq!(ok("max_message_chars = 1").max_message_chars, 1);
        assert_eq!(ok("max_message_chars = 100000").max_message_chars, 100_000);
        for bad in ["0", "100001", "-3"] {
            let p = problem(&format!("max_message_chars = {bad}"));
            assert_eq!(
                p.message,
                format!(
                    "{bad} is out of range; use a number of characters from 1 to 100000 \
                     (default 4000)"
                )
            );
        }
    }

    #[test]
    fn api_url_must_be_http_or_https() {
        let config = ok("[discord]\napi_url = \"https://proxy.local:8080/\"");
        assert_eq!(
            config.discord.api_url.as_deref(),
            Some("https://proxy.local:8080")
        );
        for bad in ["ftp://x", "127.0.0.1:3000", "", "http://", "https:///"] {
            let p = problem(&format!("[discord]\napi_url = \"{bad}\""));
            assert_eq!(
                (p.line, p.key.as_str()),
                (Some(2), "discord.api_url"),
                "{bad}"
            );
            assert!(p.message.contains("http:// or https://"), "{}", p.message);
        }
    }

    #[test]
    fn log_level_accepts_tracing_filters() {
        for good in [
            "info",
            "DEBUG",
            "warn,tact=debug",
            "tact::bot=trace",
            "off",
            "3",
            "a[s]=info",
        ] {
            assert_eq!(ok(&format!("log_level = \"{good}\"")).log_level, good);
        }
        for bad in ["", " , ", "verbose", "tact", "tact=loud"] {
            let p = problem(&format!("log_level = \"{bad}\""));
            assert_eq!(p.key, "log_level", "{bad}");
            assert!(
                p.message.contains("use one of trace, debug"),
                "{}",
                p.message
            );
        }
    }

    // --- coach channel ----------------------------------------------------------------------------

    #[test]
    fn coach_channel_delivery_needs_a_coach_channel() {
        let p = problem("[[guild]]\nid = 1\ndelivery = \"coach_channel\"");
        assert_eq!((p.line, p.key.as_str()), (Some(3), "guild[0].delivery"));
        assert!(
            p.message.contains("add coach_channel = <channel id>"),
            "{}",
            p.message
        );
        let config = ok("[[guild]]\nid = 1\ndelivery = \"coach_channel\"\ncoach_channel = 9");
        let settings = config.settings(1);
        assert_eq!(settings.delivery, Delivery::CoachChannel);
        assert_eq!(settings.coach_channel, Some(9));
    }

    #[test]
    fn also_coach_channel_needs_a_coach_channel() {
        let p = problem("[[guild]]\nid = 1\nalso_coach_channel = true");
        assert_eq!(
            (p.line, p.key.as_str()),
            (Some(3), "guild[0].also_coach_channel")
        );
        assert!(p.message.contains("add coach_channel"), "{}", p.message);
        ok("[[guild]]\nid = 1\nalso_coach_channel = false");
        let config = ok("[[guild]]\nid = 1\nalso_coach_channel = true\ncoach_channel = \"9\"");
        assert!(config.settings(1).also_coach_channel);
    }

    #[test]
    fn an_invalid_coach_channel_is_reported_once() {
        let p = problem("[[guild]]\nid = 1\ndelivery = \"coach_channel\"\ncoach_channel = 0");
        assert_eq!(p.key, "guild[0].coach_channel");
    }

    #[test]
    fn the_default_delivery_cannot_be_coach_channel() {
        let p = problem("delivery = \"coach_channel\"");
        assert_eq!((p.line, p.key.as_str()), (Some(1), "delivery"));
        assert!(p.message.contains("set per guild"), "{}", p.message);
    }

    // --- guilds -------------------------------------------------------------------------------------

    #[test]
    fn duplicate_guild_ids_name_the_first_section() {
        let text = "[[guild]]\nid = 5\n\n[[guild]]\nid = 6\n\n[[guild]]\nid = \"5\"\n";
        let p = problem(text);
        assert_eq!((p.line, p.key.as_str()), (Some(8), "guild[2].id"));
        assert_eq!(
            p.message,
            "guild 5 is already configured by the [[guild]] on line 2; merge the two sections \
             into one"
        );
    }

    #[test]
    fn a_guild_without_id_is_reported_at_its_section() {
        let p = problem("language = \"en\"\n\n[[guild]]\nchannels = [1]\n");
        assert_eq!(p.key, "guild[0].id");
        assert!(matches!(p.line, Some(3) | Some(4)), "{p:?}");
        assert!(
            p.message.starts_with("missing id; add id = "),
            "{}",
            p.message
        );
    }

    #[test]
    fn a_single_guild_table_asks_for_double_brackets() {
        let p = problem("[guild]\nid = 1");
        assert_eq!((p.line, p.key.as_str()), (Some(1), "guild"));
        assert!(
            p.message.starts_with("write [[guild]] with two brackets"),
            "{}",
            p.message
        );
    }

    #[test]
    fn guild_settings_fall_back_to_the_defaults() {
        let config = ok(r#"
language = "en"
delivery = "reply"
cooldown_minutes = 30
praise_reactions = true

[discord]
admin_role = 77

[[guild]]
id = 1

[[guild]]
id = 2
language = "fr"
delivery = "react"
cooldown_minutes = 0
praise_reactions = false
store_message_text = true
admin_role = 88
log_channel = 99
"#);
        let one = config.settings(1);
        assert_eq!(
            one,
            GuildSettings {
                delivery: Delivery::Reply,
                also_coach_channel: false,
                coach_channel: None,
                log_channel: None,
                cooldown_minutes: 30,
                language: Lang::En,
                praise_reactions: true,
                store_message_text: false,
                admin_role: Some(77),
            }
        );
        assert_eq!(one.cooldown(), Duration::from_secs(30 * 60));
        assert_eq!(config.guild(1).unwrap().resolved(&config), one);
        let two = config.settings(2);
        assert_eq!(
            two,
            GuildSettings {
                delivery: Delivery::React,
                also_coach_channel: false,
                coach_channel: None,
                log_channel: Some(99),
                cooldown_minutes: 0,
                language: Lang::Fr,
                praise_reactions: false,
                store_message_text: true,
                admin_role: Some(88),
            }
        );
        assert!(config.guild(3).is_none());
        assert_eq!(
            config.settings(3),
            one,
            "an unconfigured guild gets the defaults"
        );
    }

    // --- all problems at once -------------------------------------------------------------------------

    #[test]
    fn every_problem_is_reported_at_once_with_its_line() {
        let text = r#"# my config
rules_dir = 3
languge = "fr"
delivery = "email"
cooldown_minutes = 2000
max_message_chars = 0
token = "abc"

[discord]
api_url = "localhost:3000"
dev_guilds = [1, "x"]

[[guild]]
id = 10
delivery = "coach_channel"
chanels = [1]

[[guild]]
id = "10"
also_coach_channel = true
language = "de"

[[guild]]
channels = [0]
"#;
        let e = parse(text).unwrap_err();
        let got: Vec<(Option<usize>, &str)> = e.iter().map(|p| (p.line, p.key.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (Some(2), "rules_dir"),
                (Some(3), "languge"),
                (Some(4), "delivery"),
                (Some(5), "cooldown_minutes"),
                (Some(6), "max_message_chars"),
                (Some(7), "token"),
                (Some(10), "discord.api_url"),
                (Some(11), "discord.dev_guilds[1]"),
                (Some(15), "guild[0].delivery"),
                (Some(16), "guild[0].chanels"),
                (Some(19), "guild[1].id"),
                (Some(20), "guild[1].also_coach_channel"),
                (Some(21), "guild[1].language"),
                (Some(23), "guild[2].id"),
                (Some(24), "guild[2].channels[0]"),
            ],
            "{e}"
        );
        let shown = e.to_string();
        assert_eq!(shown.lines().count(), e.len());
        assert!(shown.lines().all(|l| l.starts_with("cfg.toml:")), "{shown}");
        assert!(
            shown.contains(
                "cfg.toml:4: delivery: unknown delivery \"email\"; use one of dm, reply, react, \
                 coach_channel"
            ),
            "{shown}"
        );
    }

    #[test]
    fn display_is_file_line_key_message() {
        let problem = ConfigProblem {
            file: PathBuf::from("config.toml"),
            line: Some(12),
            key: "guild[1].delivery".into(),
            message: "bad".into(),
        };
        assert_eq!(
            problem.to_string(),
            "config.toml:12: guild[1].delivery: bad"
        );
        let no_line = ConfigProblem {
            line: None,
            ..problem.clone()
        };
        assert_eq!(no_line.to_string(), "config.toml: guild[1].delivery: bad");
        let no_key = ConfigProblem {
            key: String::new(),
            ..problem.clone()
        };
        assert_eq!(no_key.to_string(), "config.toml:12: bad");
        let errors = ConfigErrors {
            problems: vec![problem, no_key],
        };
        assert_eq!(
            errors.to_string(),
            "config.toml:12: guild[1].delivery: bad\nconfig.toml:12: bad"
        );
    }

    // --- token and API URL resolution --------------------------------------------------------------

    #[test]
    fn env_token_wins_and_is_trimmed() {
        let mut config = Config::default_with_base("/nowhere");
        config.token_file = Some(PathBuf::from("/nowhere/missing"));
        assert_eq!(
            resolve_token(&config, Some("  abc.def.ghi\n".into())).unwrap(),
            "abc.def.ghi"
        );
    }

    #[test]
    fn token_file_is_used_when_env_is_unset_or_blank() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "\n  file-token \n").unwrap();
        let mut config = Config::default_with_base(dir.path());
        config.token_file = Some(path);
        assert_eq!(resolve_token(&config, None).unwrap(), "file-token");
        assert_eq!(
            resolve_token(&config, Some("  ".into())).unwrap(),
            "file-token"
        );
    }

    #[test]
    fn token_file_relative_to_the_config_is_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("token.txt"), "tok").unwrap();
        let cfg = dir.path().join("config.toml");
        std::fs::write(&cfg, "token_file = \"token.txt\"").unwrap();
        let config = Config::load(&cfg).unwrap();
        assert_eq!(resolve_token(&config, None).unwrap(), "tok");
    }

    #[test]
    fn token_errors() {
        let config = Config::default_with_base("/nowhere");
        let e = resolve_token(&config, None).unwrap_err();
        assert!(matches!(e, TokenError::Missing));
        assert_eq!(
            e.to_string(),
            "no Discord token: set DISCORD_TOKEN or token_file"
        );
        assert!(matches!(
            resolve_token(&config, Some(" ".into())),
            Err(TokenError::Missing)
        ));

        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing-token");
        let mut config = Config::default_with_base(dir.path());
        config.token_file = Some(missing.clone());
        let e = resolve_token(&config, None).unwrap_err();
        assert!(matches!(e, TokenError::Unreadable { .. }));
        assert!(
            e.to_string()
                .starts_with(&format!("cannot read token_file {}: ", missing.display())),
            "{e}"
        );

        let empty = dir.path().join("empty-token");
        std::fs::write(&empty, " \n").unwrap();
        config.token_file = Some(empty.clone());
        let e = resolve_token(&config, None).unwrap_err();
        assert!(matches!(e, TokenError::Empty { .. }));
        assert!(e.to_string().contains(&empty.display().to_string()), "{e}");
    }

    #[test]
    fn api_url_env_wins_and_loses_its_trailing_slash() {
        let mut config = Config::default_with_base("/x");
        assert_eq!(resolve_api_url(&config, None), None);
        assert_eq!(resolve_api_url(&config, Some("".into())), None);
        assert_eq!(
            resolve_api_url(&config, Some("http://127.0.0.1:9/".into())),
            Some("http://127.0.0.1:9".into())
        );
        config.discord.api_url = Some("https://proxy".into());
        assert_eq!(resolve_api_url(&config, None), Some("https://proxy".into()));
        assert_eq!(
            resolve_api_url(&config, Some(" ".into())),
            Some("https://proxy".into())
        );
        assert_eq!(
            resolve_api_url(&config, Some("http://env//".into())),
            Some("http://env".into())
        );
    }

    // --- helpers ----------------------------------------------------------------------------------

    #[test]
    fn line_of_counts_from_one() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 4), 3);
        assert_eq!(line_of("a\nb\nc", 99), 3);
    }

    #[test]
    fn edit_distance_basics() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("delivry", "delivery"), 1);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
