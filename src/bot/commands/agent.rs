//! Commands for everyone: `/tact check`, "Coach this message", `/tact instead`, `/tact rule`,
//! `/tact rules`, `/tact pause`, `/tact resume`. Every answer is ephemeral.

use std::sync::Arc;

use poise::serenity_prelude as serenity;
use serenity::{
    AutocompleteChoice, ComponentInteraction, Context, CreateAutocompleteResponse,
    CreateInteractionResponse, CreateInteractionResponseMessage,
};

use super::i18n::{self, lang_of};
use super::view::{self, clip, Card};
use super::{ctx_lang, ephemeral, with_embeds, Ctx, Error};
use crate::bot::delivery::quiet;
use crate::bot::state::{unix_now, State};
use crate::engine::lookup::{self, readable_phrase};
use crate::engine::Hit;
use crate::storage::PAUSED_UNTIL_RESUMED;

/// Longest pause an agent can ask for (then: until resumed).
const MAX_PAUSE_SECS: u64 = 30 * 86_400;

/// Private coaching: check a draft, find what to say instead, browse the rules
#[poise::command(
    slash_command,
    rename = "tact",
    subcommands("check", "instead", "rule", "rules", "pause", "resume"),
    subcommand_required,
    description_localized("fr", "Coaching privé : vérifier un brouillon, trouver quoi dire à la place, parcourir les règles")
)]
pub async fn tact(_ctx: Ctx<'_>) -> Result<(), Error> {
    Ok(())
}

/// Check a draft before you send it (only you see the answer)
#[poise::command(
    slash_command,
    name_localized("fr", "verifier"),
    description_localized(
        "fr",
        "Vérifier un brouillon avant de l'envoyer (vous seul·e voyez la réponse)"
    )
)]
pub async fn check(
    ctx: Ctx<'_>,
    #[description = "Your draft reply"]
    #[name_localized("fr", "texte")]
    #[description_localized("fr", "Votre brouillon de réponse")]
    #[max_length = 4000]
    text: String,
) -> Result<(), Error> {
    let lang = ctx_lang(ctx);
    let hits = check_text(ctx.data(), ctx.guild_id().map(|g| g.get()), &text);
    let (content, embeds) = view::check(lang, &text, &hits, None);
    ctx.send(with_embeds(ephemeral(content), embeds)).await?;
    Ok(())
}

/// Message context menu: the same coaching on a message already sent.
#[poise::command(
    context_menu_command = "Coach this message",
    name_localized("fr", "Coacher ce message")
)]
pub async fn coach_message(ctx: Ctx<'_>, message: serenity::Message) -> Result<(), Error> {
    let lang = ctx_lang(ctx);
    if message.content.trim().is_empty() {
        ctx.send(ephemeral(i18n::empty_message(lang))).await?;
        return Ok(());
    }
    let guild = ctx.guild_id().or(message.guild_id).map(|g| g.get());
    let hits = check_text(ctx.data(), guild, &message.content);
    let jump =
        guild.map(|g| crate::bot::card::jump_url(g, message.channel_id.get(), message.id.get()));
    let (content, embeds) = view::check(lang, &message.content, &hits, jump.as_deref());
    ctx.send(with_embeds(ephemeral(content), embeds)).await?;
    Ok(())
}

/// Coaching for a text with the guild's settings (disabled rules, accepted alternatives).
pub fn check_text(state: &State, guild: Option<u64>, text: &str) -> Vec<Hit> {
    match guild {
        Some(g) => {
            let eff = state.effective(g);
            let mut hits = state.check(&eff, text);
            State::add_overlay(&eff, &mut hits);
            hits
        }
        None => state.engine().check(text, &state.options(None)),
    }
}

/// What can I say instead of ...? Finds the rules for a phrase and their alternatives
#[poise::command(
    slash_command,
    name_localized("fr", "au-lieu-de"),
    description_localized(
        "fr",
        "Que dire à la place de ... ? Trouve les règles d'une tournure et leurs alternatives"
    )
)]
pub async fn instead(
    ctx: Ctx<'_>,
    #[description = "The words you would rather not say"]
    #[name_localized("fr", "tournure")]
    #[description_localized("fr", "Les mots que vous préférez éviter")]
    #[max_length = 300]
    phrase: String,
) -> Result<(), Error> {
    let lang = ctx_lang(ctx);
    let state = ctx.data();
    let engine = state.engine();
    let found = lookup::search(&engine, &phrase, 5);
    let shown = clip(phrase.trim(), 200);
    if found.is_empty() {
        ctx.send(ephemeral(i18n::instead_none(lang, &shown)))
            .await?;
        return Ok(());
    }
    let overlay = match ctx.guild_id() {
        Some(g) => state.overlay(g.get()),
        None => Default::default(),
    };
    let cards: Vec<Card> = found
        .iter()
        .map(|f| {
            let rule = &f.rule;
            let mut alternatives = rule.alternatives.clone();
            alternatives.extend(overlay.get(&rule.id).cloned().unwrap_or_default());
            Card::new(format!(
                "{} · {}",
                i18n::category(lang, &rule.category),
                i18n::quoted(lang, &clip(&f.matched, 120))
            ))
            .description(view::bullets(&alternatives, 8))
            .field(i18n::why(lang), clip(&rule.why, 500))
            .footer(rule.id.clone())
            .color(view::severity_color(rule.severity))
        })
        .collect();
    let (embeds, _) = view::fit(cards);
    let reply = embeds
        .into_iter()
        .fold(ephemeral(i18n::instead_intro(lang, &shown)), |r, e| {
            r.embed(e)
        });
    ctx.send(reply).await?;
    Ok(())
}

/// Show a rule: category, why, alternatives, examples
#[poise::command(
    slash_command,
    name_localized("fr", "regle"),
    description_localized("fr", "Afficher une règle : catégorie, raison, alternatives, exemples")
)]
pub async fn rule(
    ctx: Ctx<'_>,
    #[description = "The rule: type part of its id or of a phrase"]
    #[name_localized("fr", "id")]
    #[description_localized("fr", "La règle : tapez une partie de son id ou d'une tournure")]
    #[autocomplete = "complete_rule"]
    id: String,
) -> Result<(), Error> {
    let lang = ctx_lang(ctx);
    let state = ctx.data();
    let engine = state.engine();
    let id = id.trim();
    let Some(rule) = engine.rule(id) else {
        ctx.send(ephemeral(i18n::rule_not_found(lang, &clip(id, 100))))
            .await?;
        return Ok(());
    };
    let (team, disabled) = match ctx.guild_id() {
        Some(g) => (
            state.overlay(g.get()).remove(id).unwrap_or_default(),
            state.effective(g.get()).disabled.contains(id),
        ),
        None => (Vec::new(), false),
    };
    let card = view::rule(lang, rule, &team, disabled);
    ctx.send(ephemeral("").embed(card.build())).await?;
    Ok(())
}

/// Autocompletion of rule ids, by id or phrase.
pub async fn complete_rule(ctx: Ctx<'_>, partial: &str) -> CreateAutocompleteResponse {
    let engine = ctx.data().engine();
    let choices = lookup::complete(&engine, partial, 25)
        .into_iter()
        .map(|r| {
            let first = r
                .phrases
                .first()
                .map(|p| readable_phrase(p))
                .or_else(|| r.examples_flag.first().cloned())
                .unwrap_or_default();
            let name = clip(&format!("{} — {}", r.id, first), 100);
            AutocompleteChoice::new(name, r.id.clone())
        })
        .collect();
    CreateAutocompleteResponse::new().set_choices(choices)
}

/// A rules language, as a command option.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum RulesLang {
    #[name = "fr"]
    #[name_localized("fr", "français")]
    Fr,
    #[name = "en"]
    #[name_localized("fr", "anglais")]
    En,
}

impl From<RulesLang> for crate::engine::Lang {
    fn from(l: RulesLang) -> Self {
        match l {
            RulesLang::Fr => crate::engine::Lang::Fr,
            RulesLang::En => crate::engine::Lang::En,
        }
    }
}

/// Browse the rules, by category and language
#[poise::command(
    slash_command,
    name_localized("fr", "regles"),
    description_localized("fr", "Parcourir les règles, par catégorie et par langue")
)]
pub async fn rules(
    ctx: Ctx<'_>,
    #[description = "Only this category"]
    #[name_localized("fr", "categorie")]
    #[description_localized("fr", "Seulement cette catégorie")]
    #[autocomplete = "complete_category"]
    category: Option<String>,
    #[description = "Only rules for this language"]
    #[name_localized("fr", "langue")]
    #[description_localized("fr", "Seulement les règles de cette langue")]
    lang: Option<RulesLang>,
) -> Result<(), Error> {
    let ui = ctx_lang(ctx);
    let engine = ctx.data().engine();
    let category = category
        .map(|c| c.trim().to_lowercase())
        .filter(|c| !c.is_empty());
    let (embeds, rows) =
        view::rules_page(ui, &engine, category.as_deref(), lang.map(Into::into), 0);
    ctx.send(with_embeds(ephemeral(""), embeds).components(rows))
        .await?;
    Ok(())
}

/// Autocompletion of the categories present in the rules, by name in either language.
pub async fn complete_category(ctx: Ctx<'_>, partial: &str) -> CreateAutocompleteResponse {
    let lang = ctx_lang(ctx);
    let engine = ctx.data().engine();
    let mut categories: Vec<&str> = engine.rules().iter().map(|r| r.category.as_str()).collect();
    categories.sort_unstable();
    categories.dedup();
    let wanted = crate::engine::normalize::fold(partial);
    let choices = categories
        .into_iter()
        .filter(|c| {
            let shown = i18n::category(lang, c);
            wanted.is_empty()
                || c.contains(&wanted)
                || crate::engine::normalize::fold(&shown).contains(&wanted)
        })
        .take(25)
        .map(|c| {
            let shown = i18n::category(lang, c);
            let name = if shown == c {
                c.to_string()
            } else {
                format!("{shown} ({c})")
            };
            AutocompleteChoice::new(name, c.to_string())
        })
        .collect();
    CreateAutocompleteResponse::new().set_choices(choices)
}

/// The Previous/Next buttons of `/tact rules`: `tact:rules:{page}:{category|_}:{lang|_}`.
pub async fn on_page(
    ctx: &Context,
    state: &Arc<State>,
    c: &ComponentInteraction,
) -> anyhow::Result<()> {
    let lang = lang_of(&c.locale);
    let mut parts = c.data.custom_id.splitn(5, ':').skip(2);
    let page: usize = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let category = parts.next().filter(|c| *c != "_");
    let rules_lang = parts
        .next()
        .and_then(|l| l.parse::<crate::engine::Lang>().ok());
    let engine = state.engine();
    let (embeds, rows) = view::rules_page(lang, &engine, category, rules_lang, page);
    let message = CreateInteractionResponseMessage::new()
        .embeds(embeds)
        .components(rows)
        .allowed_mentions(quiet());
    c.create_response(&ctx.http, CreateInteractionResponse::UpdateMessage(message))
        .await?;
    Ok(())
}

/// Pause your coaching for a while, or until you resume it
#[poise::command(
    slash_command,
    name_localized("fr", "pause"),
    description_localized(
        "fr",
        "Mettre votre coaching en pause un moment, ou jusqu'à ce que vous le relanciez"
    )
)]
pub async fn pause(
    ctx: Ctx<'_>,
    #[description = "How long: 30m, 2h, 1d, 1h30 (nothing: until /tact resume)"]
    #[name_localized("fr", "duree")]
    #[description_localized(
        "fr",
        "Combien de temps : 30m, 2h, 1j, 1h30 (rien : jusqu'à /tact reprendre)"
    )]
    #[max_length = 20]
    duration: Option<String>,
) -> Result<(), Error> {
    let lang = ctx_lang(ctx);
    let Some(guild) = ctx.guild_id() else {
        ctx.send(ephemeral(i18n::guild_only(lang))).await?;
        return Ok(());
    };
    let duration = duration.filter(|d| !d.trim().is_empty());
    let until = match &duration {
        None => PAUSED_UNTIL_RESUMED,
        Some(d) => match parse_duration(d) {
            Some(secs) => unix_now() + secs as i64,
            None => {
                ctx.send(ephemeral(i18n::bad_duration(lang, &clip(d, 20))))
                    .await?;
                return Ok(());
            }
        },
    };
    let user = ctx.author().id.get();
    ctx.data()
        .db(|db| db.set_paused(guild.get(), user, Some(until)))?;
    tracing::info!(
        guild = guild.get(),
        timed = duration.is_some(),
        "agent paused their coaching"
    );
    let text = if until == PAUSED_UNTIL_RESUMED {
        i18n::paused_forever(lang).to_string()
    } else {
        i18n::paused_until(lang, until)
    };
    ctx.send(ephemeral(text)).await?;
    Ok(())
}

/// Turn your coaching back on
#[poise::command(
    slash_command,
    name_localized("fr", "reprendre"),
    description_localized("fr", "Réactiver votre coaching")
)]
pub async fn resume(ctx: Ctx<'_>) -> Result<(), Error> {
    let lang = ctx_lang(ctx);
    let Some(guild) = ctx.guild_id() else {
        ctx.send(ephemeral(i18n::guild_only(lang))).await?;
        return Ok(());
    };
    let user = ctx.author().id.get();
    let state = ctx.data();
    let was = state.db(|db| db.paused_until(guild.get(), user))?;
    state.db(|db| db.set_paused(guild.get(), user, None))?;
    let text = if was.is_some_and(|t| t > unix_now()) {
        i18n::resumed(lang)
    } else {
        i18n::not_paused(lang)
    };
    ctx.send(ephemeral(text)).await?;
    Ok(())
}

/// Seconds in a duration like `30m`, `2h`, `1d`/`1j`, `1h30`, `90` (minutes); at most 30 days.
pub fn parse_duration(text: &str) -> Option<u64> {
    let s: String = text
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut total: u64 = 0;
    let mut number = String::new();
    let mut last_unit: Option<u64> = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let mut unit = String::from(c);
        while let Some(&n) = chars.peek() {
            if n.is_alphabetic() {
                unit.push(n);
                chars.next();
            } else {
                break;
            }
        }
        let n: u64 = number.parse().ok()?;
        number.clear();
        let secs = match unit.as_str() {
            "m" | "mn" | "min" | "mins" | "minute" | "minutes" => 60,
            "h" | "hr" | "hrs" | "hour" | "hours" | "heure" | "heures" => 3600,
            "d" | "j" | "day" | "days" | "jour" | "jours" => 86_400,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(secs)?)?;
        last_unit = Some(secs);
    }
    if !number.is_empty() {
        // `90` is minutes; `1h30` is one hour and thirty minutes.
        let n: u64 = number.parse().ok()?;
        match last_unit {
            None | Some(3600) => total = total.checked_add(n.checked_mul(60)?)?,
            _ => return None,
        }
    }
    (total > 0 && total <= MAX_PAUSE_SECS).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m"), Some(1800));
        assert_eq!(parse_duration("2h"), Some(7200));
        assert_eq!(parse_duration("1d"), Some(86_400));
        assert_eq!(parse_duration("1j"), Some(86_400));
        assert_eq!(parse_duration(" 1h30 "), Some(5400));
        assert_eq!(parse_duration("1h 30min"), Some(5400));
        assert_eq!(parse_duration("90"), Some(5400));
        assert_eq!(parse_duration("2 heures"), Some(7200));
        assert_eq!(parse_duration("0m"), None);
        assert_eq!(parse_duration("31d"), None);
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(parse_duration("1d30"), None);
        assert_eq!(parse_duration("99999999999999999999h"), None);
    }
}
