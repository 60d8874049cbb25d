//! The coaching engine: pure library code, no Discord, no I/O, no async.
//!
//! - [`normalize`] and [`markup`]: the view of a message that rules are matched against;
//! - [`phrase`]: the phrase syntax compiled to regexes;
//! - [`rule`], [`rule_file`], [`ruleset`]: what a rule is, where a rule file is parsed, and
//!   how a folder's worth of rule files becomes an [`Engine`] with every problem reported;
//! - [`matcher`]: where a message is matched ([`literal_dfa`]: its prefilter's automaton as a
//!   table);
//! - [`suggest`]: rotating alternatives and rewrites;
//! - [`lookup`]: finding rules from a few words (`/tact instead`, rule completion).

pub mod error;
pub mod lang;
pub mod literal_dfa;
pub mod lookup;
pub mod markup;
pub mod matcher;
pub mod normalize;
pub mod phrase;
pub mod rule;
pub mod rule_file;
pub mod ruleset;
pub mod suggest;

pub use error::{RuleError, RuleErrors};
pub use matcher::{CheckOptions, Engine, Finding, Hit, LangChoice, Suppressed, DEFAULT_MAX_CHARS};
pub use rule::{Kind, Lang, Rule, Severity};
pub use ruleset::{build_lenient, build_strict, build_unchecked, LoadReport, RuleSource};
