//! The coaching card: one embed per hit, short enough to read on a phone, with the flagged
//! words in context, why they hurt, what to say instead, and a link to the message.

use serenity::all::{ButtonStyle, CreateActionRow, CreateButton, CreateEmbed, CreateEmbedFooter};

use super::i18n::{category, t, Text};
use crate::config::Lang;
use crate::engine::{Hit, Severity};

/// At most this many hits are shown for one message (the most severe first).
pub const MAX_HITS: usize = 3;
/// Alternatives shown per hit.
pub const MAX_ALTERNATIVES: usize = 3;
const EXCERPT_CONTEXT: usize = 120;

/// A link to a message in a guild.
pub fn jump_url(guild: u64, channel: u64, message: u64) -> String {
    format!("https://discord.com/channels/{guild}/{channel}/{message}")
}

/// The embed for one hit of `text`.
pub fn embed(lang: Lang, text: &str, hit: &Hit, jump: &str) -> CreateEmbed {
    let rule = &hit.rule;
    let mut description = format!("> {}\n\n{}", excerpt(text, hit.start, hit.end), rule.why);
    truncate(&mut description, 3500);
    let mut instead = String::new();
    for alt in hit.alternatives.iter().take(MAX_ALTERNATIVES) {
        instead.push_str("• ");
        instead.push_str(alt);
        instead.push('\n');
    }
    truncate(&mut instead, 1000);
    let mut embed = CreateEmbed::new()
        .title(format!(
            "{} · {}",
            t(lang, Text::CardTitle),
            category(lang, &rule.category)
        ))
        .url(jump)
        .description(description)
        .color(color(rule.severity))
        .footer(CreateEmbedFooter::new(format!(
            "{} · {}",
            rule.id,
            t(lang, Text::PrivateFooter)
        )));
    if !instead.is_empty() {
        embed = embed.field(t(lang, Text::Instead), instead, false);
    }
    if let Some(rewrite) = &hit.rewrite {
        let mut rewrite = rewrite.clone();
        truncate(&mut rewrite, 1000);
        embed = embed.field(t(lang, Text::Rewritten), rewrite, false);
    }
    embed
}

/// The feedback buttons for the coaching of event `event_id` (one row per hit).
pub fn buttons(lang: Lang, event_id: i64) -> CreateActionRow {
    CreateActionRow::Buttons(vec![
        CreateButton::new(format!("tact:fb:helpful:{event_id}"))
            .label(t(lang, Text::Helpful))
            .emoji('👍')
            .style(ButtonStyle::Secondary),
        CreateButton::new(format!("tact:fb:not_relevant:{event_id}"))
            .label(t(lang, Text::NotRelevant))
            .emoji('🙅')
            .style(ButtonStyle::Secondary),
        CreateButton::new(format!("tact:suggest:{event_id}"))
            .label(t(lang, Text::SuggestBetter))
            .emoji('✏')
            .style(ButtonStyle::Secondary),
    ])
}

fn color(severity: Severity) -> u32 {
    match severity {
        Severity::Alert => 0xE0_6C_3C,
        Severity::Warning => 0xE8_B9_3A,
        Severity::Info => 0x4A_90_D9,
    }
}

/// Green, for a fixed message.
pub const FIXED_COLOR: u32 = 0x3B_A5_5D;

/// The sentence around the span, with the span in bold; markdown in the text is escaped so
/// the excerpt shows what the agent typed.
pub fn excerpt(text: &str, start: usize, end: usize) -> String {
    let from = floor_char(text, start.saturating_sub(EXCERPT_CONTEXT));
    let to = ceil_char(text, (end + EXCERPT_CONTEXT).min(text.len()));
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    out.push_str(&escape(&text[from..start]));
    out.push_str("**");
    out.push_str(&escape(&text[start..end]));
    out.push_str("**");
    out.push_str(&escape(&text[end..to]));
    if to < text.len() {
        out.push('…');
    }
    out.replace('\n', " ")
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '_' | '~' | '|' | '`' | '>' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Cuts `s` to at most `max` bytes on a char boundary, ending with an ellipsis.
pub fn truncate(s: &mut String, max: usize) {
    if s.len() > max {
        let cut = floor_char(s, max - 3);
        s.truncate(cut);
        s.push('…');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_bolds_the_span_and_escapes_markdown() {
        let text = "Bonjour *Julie*, ce n'est pas de mon ressort";
        let start = text.find("ce n'est").unwrap();
        assert_eq!(
            excerpt(text, start, text.len()),
            "Bonjour \\*Julie\\*, **ce n'est pas de mon ressort**"
        );
        let long = format!("{}é fin", "x".repeat(300));
        let e = excerpt(&long, 300, 302);
        assert!(e.starts_with('…') && e.contains("**é**"));
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        let mut s = "ééééé".to_string();
        truncate(&mut s, 6);
        assert_eq!(s, "é…");
    }
}
