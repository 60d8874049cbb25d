//! What command answers look like: embeds for a checked draft, a rule, a page of rules and an
//! explained check, always within Discord's limits (6000 characters over all the embeds of a
//! message, 4096 per description, 1024 per field).

use serenity::all::{ButtonStyle, CreateActionRow, CreateButton, CreateEmbed, CreateEmbedFooter};

use super::i18n;
use crate::bot::card::excerpt;
use crate::config::Lang;
use crate::engine::lookup::readable_phrase;
use crate::engine::{suggest, Engine, Finding, Hit, Kind, Rule, Severity, Suppressed};

/// Characters all the embeds of one message may hold together (Discord: 6000).
const EMBED_BUDGET: usize = 5800;
/// Characters a message's content may hold (Discord: 2000).
pub const CONTENT_MAX: usize = 2000;
/// Hits detailed in one answer.
const MAX_HITS: usize = 5;
/// Rules per page of `/tact rules`.
pub const PAGE_SIZE: usize = 12;

/// An embed under construction, whose size is known.
#[derive(Debug, Clone, Default)]
pub struct Card {
    pub title: String,
    pub url: Option<String>,
    pub description: String,
    pub fields: Vec<(String, String)>,
    pub footer: Option<String>,
    pub color: Option<u32>,
}

impl Card {
    pub fn new(title: impl Into<String>) -> Card {
        Card {
            title: clip(&title.into(), 256),
            ..Card::default()
        }
    }

    pub fn description(mut self, text: impl Into<String>) -> Card {
        self.description = clip(&text.into(), 4096);
        self
    }

    /// Adds a field; empty values are left out.
    pub fn field(mut self, name: impl Into<String>, value: impl Into<String>) -> Card {
        let value = value.into();
        if !value.trim().is_empty() && self.fields.len() < 25 {
            self.fields
                .push((clip(&name.into(), 256), clip(&value, 1024)));
        }
        self
    }

    pub fn footer(mut self, text: impl Into<String>) -> Card {
        self.footer = Some(clip(&text.into(), 2048));
        self
    }

    pub fn color(mut self, color: u32) -> Card {
        self.color = Some(color);
        self
    }

    pub fn url(mut self, url: Option<&str>) -> Card {
        self.url = url.map(str::to_string);
        self
    }

    /// Characters Discord counts against the 6000 limit.
    pub fn len(&self) -> usize {
        let n = |s: &str| s.chars().count();
        n(&self.title)
            + n(&self.description)
            + self.fields.iter().map(|(a, b)| n(a) + n(b)).sum::<usize>()
            + self.footer.as_deref().map_or(0, n)
    }

    pub fn build(self) -> CreateEmbed {
        let mut e = CreateEmbed::new().title(self.title);
        if !self.description.is_empty() {
            e = e.description(self.description);
        }
        if let Some(url) = self.url {
            e = e.url(url);
        }
        for (name, value) in self.fields {
            e = e.field(name, value, false);
        }
        if let Some(footer) = self.footer {
            e = e.footer(CreateEmbedFooter::new(footer));
        }
        if let Some(color) = self.color {
            e = e.color(color);
        }
        e
    }
}

/// The cards that fit in one message, in order, and how many did not.
pub fn fit(cards: Vec<Card>) -> (Vec<CreateEmbed>, usize) {
    let mut used = 0;
    let mut out = Vec::new();
    let total = cards.len();
    for card in cards {
        let len = card.len();
        if out.len() == 10 || used + len > EMBED_BUDGET {
            break;
        }
        used += len;
        out.push(card.build());
    }
    let left = total - out.len();
    (out, left)
}

/// At most `max` characters of `s`, ending with an ellipsis when cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A bulleted list of at most `max` items.
pub fn bullets<'a>(items: impl IntoIterator<Item = &'a String>, max: usize) -> String {
    items
        .into_iter()
        .take(max)
        .map(|i| format!("• {i}\n"))
        .collect()
}

pub fn severity_color(severity: Severity) -> u32 {
    match severity {
        Severity::Alert => 0xE0_6C_3C,
        Severity::Warning => 0xE8_B9_3A,
        Severity::Info => 0x4A_90_D9,
    }
}

pub const GOOD_COLOR: u32 = 0x3B_A5_5D;
pub const NEUTRAL_COLOR: u32 = 0x5B_65_EA;

/// The text with every `swap` hit replaced by its first alternative, when there is one.
pub fn rewrite_all(text: &str, hits: &[Hit]) -> Option<String> {
    let mut swaps: Vec<&Hit> = hits
        .iter()
        .filter(|h| h.is_avoid() && h.rule.swap && !h.alternatives.is_empty())
        .collect();
    if swaps.is_empty() {
        return None;
    }
    // From the end, so that earlier offsets stay valid.
    swaps.sort_by_key(|h| std::cmp::Reverse(h.start));
    let mut out = text.to_string();
    let mut limit = usize::MAX;
    for h in swaps {
        if h.end > limit {
            continue;
        }
        out = suggest::rewrite(&out, h.start, h.end, &h.alternatives[0]);
        limit = h.start;
    }
    Some(out)
}

/// The answer to a checked draft: a content line and the embeds (hits highlighted, why, what
/// to say instead, the reworded draft). `jump` links to the checked message, if any.
pub fn check(
    lang: Lang,
    text: &str,
    hits: &[Hit],
    jump: Option<&str>,
) -> (String, Vec<CreateEmbed>) {
    let avoid: Vec<&Hit> = hits.iter().filter(|h| h.is_avoid()).collect();
    let mut praise: Vec<String> = hits
        .iter()
        .filter(|h| h.rule.kind == Kind::Praise)
        .map(|h| i18n::category(lang, &h.rule.category))
        .collect();
    praise.dedup();
    let praise_line = (!praise.is_empty()).then(|| i18n::praise_line(lang, &praise.join(", ")));
    if avoid.is_empty() {
        let mut content = i18n::check_clean(lang).to_string();
        if let Some(p) = praise_line {
            content.push('\n');
            content.push_str(&p);
        }
        return (content, Vec::new());
    }
    let mut content = i18n::check_intro(lang, avoid.len());
    let rewrite = rewrite_all(text, hits).map(|r| {
        Card::new(format!("✍️ {}", i18n::draft_reworded(lang)))
            .description(clip(&r, 1800))
            .color(GOOD_COLOR)
    });
    let mut cards: Vec<Card> = Vec::new();
    for (i, hit) in avoid.iter().take(MAX_HITS).enumerate() {
        let rule = &hit.rule;
        cards.push(
            Card::new(format!(
                "{}. {}",
                i + 1,
                i18n::category(lang, &rule.category)
            ))
            .url(jump)
            .description(format!(
                "> {}\n\n{}",
                clip(&excerpt(text, hit.start, hit.end), 600),
                clip(&rule.why, 700)
            ))
            .field(i18n::instead(lang), bullets(&hit.alternatives, 3))
            .footer(format!(
                "{} · {}",
                rule.id,
                i18n::severity(lang, rule.severity)
            ))
            .color(severity_color(rule.severity)),
        );
    }
    // The reworded draft shows last, but keeps its place when space runs out.
    let reserved = rewrite.as_ref().map_or(0, Card::len);
    let mut kept = Vec::new();
    let mut used = reserved;
    let mut left = avoid.len().saturating_sub(MAX_HITS);
    for card in cards {
        if used + card.len() > EMBED_BUDGET || kept.len() == 9 {
            left += 1;
            continue;
        }
        used += card.len();
        kept.push(card);
    }
    kept.extend(rewrite);
    if left > 0 {
        content.push('\n');
        content.push_str(&i18n::more_hits(lang, left));
    }
    if let Some(p) = praise_line {
        content.push('\n');
        content.push_str(&p);
    }
    (clip(&content, CONTENT_MAX), fit(kept).0)
}

/// A rule in full. `team` are the guild's accepted alternatives for it.
pub fn rule(lang: Lang, rule: &Rule, team: &[String], disabled: bool) -> Card {
    let mut card = Card::new(format!("📘 {}", rule.id))
        .description(format!(
            "**{}** · {} · {} · {}\n\n{}",
            i18n::category(lang, &rule.category),
            i18n::severity(lang, rule.severity),
            i18n::kind(lang, rule.kind),
            rule.lang,
            rule.why
        ))
        .color(if rule.kind == Kind::Praise {
            GOOD_COLOR
        } else {
            severity_color(rule.severity)
        });
    if disabled {
        card = card.field(i18n::disabled_here(lang), "—");
    }
    let code = |items: &[String], max: usize| -> String {
        items
            .iter()
            .take(max)
            .map(|p| format!("`{}`\n", p.replace('`', "'")))
            .collect()
    };
    card = card
        .field(
            i18n::phrases(lang),
            code(&rule.phrases, 8) + &code(&rule.patterns, 3),
        )
        .field(i18n::instead(lang), bullets(&rule.alternatives, 10))
        .field(i18n::team_alternatives(lang), bullets(team, 10))
        .field(i18n::examples_flag(lang), bullets(&rule.examples_flag, 5))
        .field(i18n::examples_pass(lang), bullets(&rule.examples_pass, 3))
        .field(i18n::unless(lang), code(&rule.unless, 5));
    card
}

/// The rules shown by `/tact rules`, in folder order.
pub fn filter_rules<'e>(
    engine: &'e Engine,
    category: Option<&str>,
    lang: Option<crate::engine::Lang>,
) -> Vec<&'e Rule> {
    engine
        .rules()
        .iter()
        .filter(|r| category.is_none_or(|c| r.category == c) && lang.is_none_or(|l| r.lang == l))
        .map(|r| &**r)
        .collect()
}

/// One page (0-based) of `/tact rules`, with Previous/Next buttons when there are several.
pub fn rules_page(
    lang: Lang,
    engine: &Engine,
    category: Option<&str>,
    rules_lang: Option<crate::engine::Lang>,
    page: usize,
) -> (Vec<CreateEmbed>, Vec<CreateActionRow>) {
    let rules = filter_rules(engine, category, rules_lang);
    if rules.is_empty() {
        let card = Card::new(i18n::rules_title(lang, 0))
            .description(i18n::rules_none(lang))
            .color(NEUTRAL_COLOR);
        return (vec![card.build()], Vec::new());
    }
    let pages = rules.len().div_ceil(PAGE_SIZE);
    let page = page.min(pages - 1);
    let mut lines = String::new();
    for r in rules.iter().skip(page * PAGE_SIZE).take(PAGE_SIZE) {
        let first = r
            .phrases
            .first()
            .map(|p| readable_phrase(p))
            .or_else(|| r.examples_flag.first().cloned())
            .unwrap_or_default();
        let mark = if r.kind == Kind::Praise { "✨" } else { "•" };
        lines.push_str(&format!(
            "{mark} `{}` · {} · {}\n   {}\n",
            r.id,
            i18n::category(lang, &r.category),
            i18n::severity(lang, r.severity),
            i18n::quoted(lang, &clip(&first, 90))
        ));
    }
    let card = Card::new(i18n::rules_title(lang, rules.len()))
        .description(lines)
        .footer(i18n::page(lang, page + 1, pages))
        .color(NEUTRAL_COLOR);
    let mut rows = Vec::new();
    if pages > 1 {
        let key = format!(
            "{}:{}",
            category.unwrap_or("_"),
            rules_lang.map_or("_", |l| l.as_str())
        );
        rows.push(CreateActionRow::Buttons(vec![
            CreateButton::new(format!("tact:rules:{}:{key}", page.saturating_sub(1)))
                .label(i18n::previous(lang))
                .emoji('◀')
                .style(ButtonStyle::Secondary)
                .disabled(page == 0),
            CreateButton::new(format!("tact:rules:{}:{key}", page + 1))
                .label(i18n::next(lang))
                .emoji('▶')
                .style(ButtonStyle::Secondary)
                .disabled(page + 1 >= pages),
        ]));
    }
    (vec![card.build()], rows)
}

/// `/tact-admin rules test`: every match, coached or not, and why not.
pub fn explain(lang: Lang, text: &str, findings: &[Finding]) -> (String, Vec<CreateEmbed>) {
    if findings.is_empty() {
        return (i18n::test_nothing(lang).to_string(), Vec::new());
    }
    let cards: Vec<Card> = findings
        .iter()
        .map(|f| {
            let rule = &f.hit.rule;
            let status = match &f.suppressed {
                None => i18n::status_coached(lang).to_string(),
                Some(Suppressed::Unless(u)) => i18n::status_unless(lang, u),
                Some(Suppressed::Disabled) => i18n::status_disabled(lang).to_string(),
                Some(Suppressed::Overlap(by)) => i18n::status_overlap(lang, by),
                Some(Suppressed::OtherLanguage) => i18n::status_other_language(lang).to_string(),
            };
            Card::new(format!(
                "{} · {}",
                rule.id,
                i18n::category(lang, &rule.category)
            ))
            .description(format!(
                "> {}\n\n{status}",
                clip(&excerpt(text, f.hit.start, f.hit.end), 600)
            ))
            .footer(format!(
                "{} · {} · {}",
                i18n::kind(lang, rule.kind),
                i18n::severity(lang, rule.severity),
                rule.lang
            ))
            .color(if f.suppressed.is_none() {
                severity_color(rule.severity)
            } else {
                0x99_99_99
            })
        })
        .collect();
    let (embeds, left) = fit(cards);
    let mut content = i18n::test_intro(lang).to_string();
    if left > 0 {
        content.push('\n');
        content.push_str(&i18n::more_hits(lang, left));
    }
    (content, embeds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_counts_characters() {
        assert_eq!(clip("ééé", 3), "ééé");
        assert_eq!(clip("éééé", 3), "éé…");
    }

    #[test]
    fn cards_fit_the_budget() {
        let big = Card::new("t").description("x".repeat(4000));
        let (embeds, left) = fit(vec![big.clone(), big.clone(), big]);
        assert_eq!((embeds.len(), left), (1, 2));
        let card = Card::new("t").field("empty", "  ").field("f", "v");
        assert_eq!(card.fields.len(), 1);
        assert_eq!(card.len(), 3);
    }
}
