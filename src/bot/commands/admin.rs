//! `/tact-admin ...`: rule tuning, what is watched and who is coached, delivery, cooldown,
//! feedback and statistics, for the server's admins.
//!
//! Discord allows two levels under a command (`/cmd group sub`), and `default_member_permissions`
//! only on a whole command, so the admin commands are their own command, `/tact-admin`, hidden by
//! Discord from members without Manage Server (guild admins can change that in the server's
//! integration settings), and checked again on every call: Manage Server (or Administrator), or
//! the admin role from the configuration.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use poise::serenity_prelude as serenity;
use serenity::{
    ButtonStyle, ComponentInteraction, Context, CreateActionRow, CreateButton, CreateEmbed,
    CreateInteractionResponse, CreateInteractionResponseMessage, Member,
};

use super::agent::complete_rule;
use super::i18n::{self, lang_of};
use super::view::{self, clip, Card};
use super::{ctx_lang, ephemeral, message, reload, with_embeds, Ctx, Error};
use crate::bot::delivery::quiet;
use crate::bot::state::{unix_now, Effective, State};
use crate::config::{Delivery, Lang, MAX_COOLDOWN_MINUTES};
use crate::storage::Storage;

/// Pending suggestions shown at once (one row of Accept/Reject buttons each; Discord allows 5 rows).
const SUGGESTIONS_SHOWN: usize = 5;

/// Tune Tact in this server: rules, channels, roles, delivery, feedback, statistics
#[poise::command(
    slash_command,
    rename = "tact-admin",
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    check = "is_admin",
    subcommands(
        "admin_rules",
        "reload",
        "channels",
        "roles",
        "delivery",
        "cooldown",
        "feedback",
        "stats"
    ),
    subcommand_required,
    description_localized(
        "fr",
        "Régler Tact sur ce serveur : règles, salons, rôles, envoi, retours, statistiques"
    )
)]
pub async fn tact_admin(_ctx: Ctx<'_>) -> Result<(), Error> {
    Ok(())
}

/// Whether a member may use the admin commands in `guild`.
pub fn member_is_admin(state: &State, guild: u64, member: Option<&Member>) -> bool {
    let Some(member) = member else { return false };
    if member
        .permissions
        .is_some_and(|p| p.manage_guild() || p.administrator())
    {
        return true;
    }
    let role = state.effective(guild).settings.admin_role;
    role.is_some_and(|r| member.roles.iter().any(|m| m.get() == r))
}

/// The check run on every `/tact-admin` call (and its subcommands): refuses, ephemerally, to
/// anyone who is not an admin.
async fn is_admin(ctx: Ctx<'_>) -> Result<bool, Error> {
    let Some(guild) = ctx.guild_id() else {
        return Ok(false);
    };
    let member = match ctx {
        poise::Context::Application(a) => a.interaction.member.as_deref(),
        poise::Context::Prefix(_) => None,
    };
    let state = ctx.data();
    if member_is_admin(state, guild.get(), member) {
        return Ok(true);
    }
    if let poise::Context::Application(a) = ctx {
        if a.interaction_type == poise::CommandInteractionType::Autocomplete {
            return Ok(false); // no suggestions, and no answer to give
        }
    }
    tracing::info!(guild = guild.get(), command = %ctx.command().qualified_name, "admin command refused: no Manage Server permission or admin role");
    let role = state.effective(guild.get()).settings.admin_role;
    ctx.send(ephemeral(i18n::not_admin(ctx_lang(ctx), role)))
        .await?;
    Ok(false)
}

fn guild_of(ctx: Ctx<'_>) -> anyhow::Result<u64> {
    ctx.guild_id()
        .map(|g| g.get())
        .ok_or_else(|| anyhow::anyhow!("admin command outside a guild"))
}

// ----- rules ----------------------------------------------------------------------------------

/// Turn rules off or on in this server, or see how rules treat a text
#[poise::command(
    slash_command,
    rename = "rules",
    name_localized("fr", "regles"),
    subcommands("disable", "enable", "test"),
    subcommand_required,
    description_localized("fr", "Désactiver ou réactiver des règles sur ce serveur, ou voir comment elles traitent un texte")
)]
pub async fn admin_rules(_ctx: Ctx<'_>) -> Result<(), Error> {
    Ok(())
}

/// Stop coaching a rule in this server (effective now)
#[poise::command(
    slash_command,
    name_localized("fr", "desactiver"),
    description_localized("fr", "Ne plus coacher une règle sur ce serveur (effet immédiat)")
)]
pub async fn disable(
    ctx: Ctx<'_>,
    #[description = "The rule"]
    #[name_localized("fr", "regle")]
    #[description_localized("fr", "La règle")]
    #[autocomplete = "complete_rule"]
    rule: String,
) -> Result<(), Error> {
    set_enabled(ctx, rule, false).await
}

/// Coach a disabled rule again in this server (effective now)
#[poise::command(
    slash_command,
    name_localized("fr", "activer"),
    description_localized(
        "fr",
        "Coacher à nouveau une règle désactivée sur ce serveur (effet immédiat)"
    )
)]
pub async fn enable(
    ctx: Ctx<'_>,
    #[description = "The rule"]
    #[name_localized("fr", "regle")]
    #[description_localized("fr", "La règle")]
    #[autocomplete = "complete_rule"]
    rule: String,
) -> Result<(), Error> {
    set_enabled(ctx, rule, true).await
}

async fn set_enabled(ctx: Ctx<'_>, rule: String, enabled: bool) -> Result<(), Error> {
    let lang = ctx_lang(ctx);
    let guild = guild_of(ctx)?;
    let state = ctx.data();
    let id = rule.trim();
    // A rule that is not in the folder (any more) can still be enabled again.
    if state.engine().rule(id).is_none()
        && !(enabled && state.effective(guild).disabled.contains(id))
    {
        ctx.send(ephemeral(i18n::rule_not_found(lang, &clip(id, 100))))
            .await?;
        return Ok(());
    }
    let was_disabled = state.effective(guild).disabled.contains(id);
    let text = match (enabled, was_disabled) {
        (false, true) => i18n::rule_already_disabled(lang, id),
        (true, false) => i18n::rule_already_enabled(lang, id),
        _ => {
            state.db(|db| db.set_rule_enabled(guild, id, enabled))?;
            state.invalidate(guild);
            tracing::info!(guild, rule = id, enabled, "rule switched by an admin");
            if enabled {
                i18n::rule_enabled(lang, id)
            } else {
                i18n::rule_disabled(lang, id)
            }
        }
    };
    ctx.send(ephemeral(text)).await?;
    Ok(())
}

/// Check a text like /tact check, also showing disabled rules and exceptions
#[poise::command(
    slash_command,
    name_localized("fr", "tester"),
    description_localized("fr", "Vérifier un texte comme /tact verifier, en montrant aussi règles désactivées et exceptions")
)]
pub async fn test(
    ctx: Ctx<'_>,
    #[description = "The text to test"]
    #[name_localized("fr", "texte")]
    #[description_localized("fr", "Le texte à tester")]
    #[max_length = 4000]
    text: String,
) -> Result<(), Error> {
    let lang = ctx_lang(ctx);
    let guild = guild_of(ctx)?;
    let state = ctx.data();
    let eff = state.effective(guild);
    let findings = state.engine().explain(&text, &state.options(Some(&eff)));
    let (content, embeds) = view::explain(lang, &text, &findings);
    ctx.send(with_embeds(ephemeral(content), embeds)).await?;
    Ok(())
}

// ----- reload ---------------------------------------------------------------------------------

/// Reload the rules folder (on errors, the current rules are kept)
#[poise::command(
    slash_command,
    name_localized("fr", "recharger"),
    description_localized(
        "fr",
        "Recharger le dossier des règles (en cas d'erreur, les règles actuelles restent)"
    )
)]
pub async fn reload(ctx: Ctx<'_>) -> Result<(), Error> {
    let lang = ctx_lang(ctx);
    let state = Arc::clone(ctx.data());
    let worker = Arc::clone(&state);
    let mut task = tokio::task::spawn_blocking(move || reload::reload(&worker));
    // Usually instant; a large folder gets Discord's "thinking..." first.
    let outcome = match tokio::time::timeout(Duration::from_millis(1500), &mut task).await {
        Ok(done) => done?,
        Err(_) => {
            ctx.defer_ephemeral().await?;
            task.await?
        }
    };
    tracing::info!(guild = ?ctx.guild_id().map(|g| g.get()), outcome = %outcome.summary(), "rules reload asked by an admin");
    let (content, embeds) = reload::report(lang, &outcome, &state.config.rules_dir);
    ctx.send(with_embeds(ephemeral(content), embeds)).await?;
    Ok(())
}

// ----- channels and roles ---------------------------------------------------------------------

/// Which channels Tact watches in this server
#[poise::command(
    slash_command,
    name_localized("fr", "salons"),
    subcommands("channel_add", "channel_remove"),
    subcommand_required,
    description_localized("fr", "Les salons que Tact surveille sur ce serveur")
)]
pub async fn channels(_ctx: Ctx<'_>) -> Result<(), Error> {
    Ok(())
}

/// Watch a channel (or every channel of a category)
#[poise::command(
    slash_command,
    rename = "add",
    name_localized("fr", "ajouter"),
    description_localized("fr", "Surveiller un salon (ou tous les salons d'une catégorie)")
)]
pub async fn channel_add(
    ctx: Ctx<'_>,
    #[description = "The channel or category"]
    #[name_localized("fr", "salon")]
    #[description_localized("fr", "Le salon ou la catégorie")]
    #[channel_types("Text", "News", "Category", "Forum")]
    channel: serenity::ChannelId,
) -> Result<(), Error> {
    change_channel(ctx, channel.get(), true).await
}

/// Stop watching a channel or category
#[poise::command(
    slash_command,
    rename = "remove",
    name_localized("fr", "retirer"),
    description_localized("fr", "Ne plus surveiller un salon ou une catégorie")
)]
pub async fn channel_remove(
    ctx: Ctx<'_>,
    #[description = "The channel or category"]
    #[name_localized("fr", "salon")]
    #[description_localized("fr", "Le salon ou la catégorie")]
    #[channel_types("Text", "News", "Category", "Forum")]
    channel: serenity::ChannelId,
) -> Result<(), Error> {
    change_channel(ctx, channel.get(), false).await
}

async fn change_channel(ctx: Ctx<'_>, channel: u64, add: bool) -> Result<(), Error> {
    change_set(ctx, &CHANNELS, channel, add).await
}

/// What differs between the watched channels and the coached roles: the rest of adding or
/// removing one is the same (see [`change_set`]).
struct SetKind {
    what: &'static str,
    current: fn(&Effective) -> &HashSet<u64>,
    add: fn(&mut Storage, u64, u64) -> crate::storage::Result<()>,
    remove: fn(&mut Storage, u64, u64) -> crate::storage::Result<()>,
    mention: fn(u64) -> String,
    already: fn(Lang, u64) -> String,
    absent: fn(Lang, u64) -> String,
    added: fn(Lang, u64) -> String,
    removed: fn(Lang, u64) -> String,
    empty: fn(Lang) -> &'static str,
    now: fn(Lang, &str) -> String,
}

const CHANNELS: SetKind = SetKind {
    what: "watched channels",
    current: |e| &e.watched,
    add: Storage::add_channel,
    remove: Storage::remove_channel,
    mention: |c| format!("<#{c}>"),
    already: i18n::channel_already,
    absent: i18n::channel_not_watched,
    added: i18n::channel_added,
    removed: i18n::channel_removed,
    empty: i18n::channels_none,
    now: i18n::channels_now,
};

const ROLES: SetKind = SetKind {
    what: "agent roles",
    current: |e| &e.agent_roles,
    add: Storage::add_role,
    remove: Storage::remove_role,
    mention: |r| format!("<@&{r}>"),
    already: i18n::role_already,
    absent: i18n::role_not_coached,
    added: i18n::role_added,
    removed: i18n::role_removed,
    empty: i18n::roles_everyone,
    now: i18n::roles_now,
};

/// Adds `id` to (or removes it from) the guild's watched channels or coached roles, stored and
/// effective at once, then answers with the list as it now is.
async fn change_set(ctx: Ctx<'_>, kind: &SetKind, id: u64, add: bool) -> Result<(), Error> {
    let lang = ctx_lang(ctx);
    let guild = guild_of(ctx)?;
    let state = ctx.data();
    let present = (kind.current)(&state.effective(guild)).contains(&id);
    let first = match (add, present) {
        (true, true) => (kind.already)(lang, id),
        (false, false) => (kind.absent)(lang, id),
        (true, false) => {
            state.db(|db| (kind.add)(db, guild, id))?;
            state.invalidate(guild);
            (kind.added)(lang, id)
        }
        (false, true) => {
            state.db(|db| (kind.remove)(db, guild, id))?;
            state.invalidate(guild);
            (kind.removed)(lang, id)
        }
    };
    tracing::info!(guild, id, add, what = kind.what, "changed by an admin");
    let mut now: Vec<u64> = (kind.current)(&state.effective(guild))
        .iter()
        .copied()
        .collect();
    now.sort_unstable();
    let list = if now.is_empty() {
        (kind.empty)(lang).to_string()
    } else {
        now.iter()
            .map(|&i| (kind.mention)(i))
            .collect::<Vec<_>>()
            .join(", ")
    };
    ctx.send(ephemeral(clip(
        &format!("{first}\n{}", (kind.now)(lang, &list)),
        view::CONTENT_MAX,
    )))
    .await?;
    Ok(())
}

/// Which members Tact coaches in this server (by role)
#[poise::command(
    slash_command,
    rename = "roles",
    name_localized("fr", "roles"),
    subcommands("role_add", "role_remove"),
    subcommand_required,
    description_localized("fr", "Les membres que Tact coache sur ce serveur (par rôle)")
)]
pub async fn roles(_ctx: Ctx<'_>) -> Result<(), Error> {
    Ok(())
}

/// Coach the members who have a role
#[poise::command(
    slash_command,
    rename = "add",
    name_localized("fr", "ajouter"),
    description_localized("fr", "Coacher les membres qui ont un rôle")
)]
pub async fn role_add(
    ctx: Ctx<'_>,
    #[description = "The agents' role"]
    #[name_localized("fr", "role")]
    #[description_localized("fr", "Le rôle des agents")]
    role: serenity::RoleId,
) -> Result<(), Error> {
    change_role(ctx, role.get(), true).await
}

/// Stop coaching the members of a role
#[poise::command(
    slash_command,
    rename = "remove",
    name_localized("fr", "retirer"),
    description_localized("fr", "Ne plus coacher les membres d'un rôle")
)]
pub async fn role_remove(
    ctx: Ctx<'_>,
    #[description = "The role"]
    #[name_localized("fr", "role")]
    #[description_localized("fr", "Le rôle")]
    role: serenity::RoleId,
) -> Result<(), Error> {
    change_role(ctx, role.get(), false).await
}

async fn change_role(ctx: Ctx<'_>, role: u64, add: bool) -> Result<(), Error> {
    change_set(ctx, &ROLES, role, add).await
}

// ----- delivery and cooldown ------------------------------------------------------------------

/// A delivery mode, as a command option.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum DeliveryChoice {
    #[name = "dm"]
    #[name_localized("fr", "message privé")]
    Dm,
    #[name = "reply"]
    #[name_localized("fr", "fil privé")]
    Reply,
    #[name = "react"]
    #[name_localized("fr", "réaction")]
    React,
    #[name = "coach_channel"]
    #[name_localized("fr", "salon des coachs")]
    CoachChannel,
}

impl From<DeliveryChoice> for Delivery {
    fn from(d: DeliveryChoice) -> Delivery {
        match d {
            DeliveryChoice::Dm => Delivery::Dm,
            DeliveryChoice::Reply => Delivery::Reply,
            DeliveryChoice::React => Delivery::React,
            DeliveryChoice::CoachChannel => Delivery::CoachChannel,
        }
    }
}

/// How coaching notes reach the agents in this server
#[poise::command(
    slash_command,
    name_localized("fr", "envoi"),
    description_localized(
        "fr",
        "Comment les notes de coaching parviennent aux agents sur ce serveur"
    )
)]
pub async fn delivery(
    ctx: Ctx<'_>,
    #[description = "dm: private message · reply: private thread · react: 💡 · coach_channel: team leads' channel"]
    #[name_localized("fr", "mode")]
    #[description_localized("fr", "message privé · fil privé · réaction 💡 · salon des coachs")]
    mode: DeliveryChoice,
) -> Result<(), Error> {
    let lang = ctx_lang(ctx);
    let guild = guild_of(ctx)?;
    let state = ctx.data();
    let mode = Delivery::from(mode);
    if mode == Delivery::CoachChannel && state.effective(guild).settings.coach_channel.is_none() {
        ctx.send(ephemeral(i18n::no_coach_channel(lang))).await?;
        return Ok(());
    }
    state.db(|db| db.set_delivery(guild, mode.as_str()))?;
    state.invalidate(guild);
    tracing::info!(
        guild,
        delivery = mode.as_str(),
        "delivery changed by an admin"
    );
    ctx.send(ephemeral(i18n::delivery_set(
        lang,
        i18n::delivery_name(lang, mode),
    )))
    .await?;
    Ok(())
}

/// Minutes before an agent is coached again about the same rule
#[poise::command(
    slash_command,
    name_localized("fr", "delai"),
    description_localized(
        "fr",
        "Minutes avant qu'un agent soit à nouveau coaché sur la même règle"
    )
)]
pub async fn cooldown(
    ctx: Ctx<'_>,
    #[description = "0 to 1440 (one day)"]
    #[name_localized("fr", "minutes")]
    #[description_localized("fr", "De 0 à 1440 (un jour)")]
    #[min = 0]
    #[max = 1440]
    minutes: u32,
) -> Result<(), Error> {
    let lang = ctx_lang(ctx);
    let guild = guild_of(ctx)?;
    if minutes > MAX_COOLDOWN_MINUTES {
        ctx.send(ephemeral(i18n::cooldown_range(lang))).await?;
        return Ok(());
    }
    let state = ctx.data();
    state.db(|db| db.set_cooldown(guild, minutes))?;
    state.invalidate(guild);
    tracing::info!(guild, minutes, "cooldown changed by an admin");
    ctx.send(ephemeral(i18n::cooldown_set(lang, minutes)))
        .await?;
    Ok(())
}

// ----- feedback -------------------------------------------------------------------------------

/// Rules agents find least relevant, and their suggested alternatives to accept or reject
#[poise::command(
    slash_command,
    name_localized("fr", "retours"),
    description_localized("fr", "Les règles jugées les moins pertinentes, et les alternatives proposées à accepter ou refuser")
)]
pub async fn feedback(ctx: Ctx<'_>) -> Result<(), Error> {
    let lang = ctx_lang(ctx);
    let guild = guild_of(ctx)?;
    let (embeds, rows) = feedback_view(ctx.data(), guild, lang)?;
    ctx.send(with_embeds(ephemeral(""), embeds).components(rows))
        .await?;
    Ok(())
}

/// The feedback ranking and the pending suggestions with their Accept/Reject buttons.
pub fn feedback_view(
    state: &State,
    guild: u64,
    lang: Lang,
) -> anyhow::Result<(Vec<CreateEmbed>, Vec<CreateActionRow>)> {
    let ranking = state.db(|db| db.feedback_ranking(guild, 0))?;
    let pending = state.db(|db| db.pending_suggestions(guild))?;
    let mut lines = String::new();
    for r in ranking.iter().take(15) {
        lines.push_str(&i18n::feedback_line(
            lang,
            &r.rule_id,
            r.not_relevant,
            r.helpful + r.not_relevant,
            r.helpful,
            r.events,
        ));
        lines.push('\n');
    }
    if lines.is_empty() {
        lines = i18n::feedback_none(lang).to_string();
    }
    let ranking_card = Card::new(i18n::feedback_title(lang))
        .description(lines)
        .color(view::NEUTRAL_COLOR);
    let mut text = String::new();
    let mut rows = Vec::new();
    for s in pending.iter().take(SUGGESTIONS_SHOWN) {
        text.push_str(&format!(
            "**#{}** · `{}` · {}\n> {}\n\n",
            s.id,
            s.rule_id,
            i18n::suggestion_by(lang, s.user, s.at),
            clip(&s.text.replace('\n', " "), 320)
        ));
        rows.push(CreateActionRow::Buttons(vec![
            CreateButton::new(format!("tact:sug:accept:{}", s.id))
                .label(format!("{} #{}", i18n::accept(lang), s.id))
                .style(ButtonStyle::Success),
            CreateButton::new(format!("tact:sug:reject:{}", s.id))
                .label(format!("{} #{}", i18n::reject(lang), s.id))
                .style(ButtonStyle::Danger),
        ]));
    }
    if pending.len() > SUGGESTIONS_SHOWN {
        text.push_str(&i18n::suggestions_more(
            lang,
            pending.len() - SUGGESTIONS_SHOWN,
        ));
    }
    if pending.is_empty() {
        text = i18n::suggestions_none(lang).to_string();
    }
    let pending_card = Card::new(i18n::suggestions_title(lang, pending.len()))
        .description(text)
        .color(view::GOOD_COLOR);
    let (embeds, _) = view::fit(vec![ranking_card, pending_card]);
    Ok((embeds, rows))
}

/// Accept/Reject on `/tact-admin feedback`: `tact:sug:accept:{id}`, `tact:sug:reject:{id}`.
pub async fn on_decision(
    ctx: &Context,
    state: &Arc<State>,
    c: &ComponentInteraction,
) -> anyhow::Result<()> {
    let lang = lang_of(&c.locale);
    let reply = |text: String| CreateInteractionResponse::Message(message(&text));
    let Some(guild) = c.guild_id.map(|g| g.get()) else {
        c.create_response(&ctx.http, reply(i18n::guild_only(lang).into()))
            .await?;
        return Ok(());
    };
    if !member_is_admin(state, guild, c.member.as_ref()) {
        tracing::info!(guild, "suggestion decision refused: not an admin");
        let role = state.effective(guild).settings.admin_role;
        c.create_response(&ctx.http, reply(i18n::not_admin(lang, role)))
            .await?;
        return Ok(());
    }
    let mut parts = c.data.custom_id.split(':').skip(2);
    let accept = parts.next() == Some("accept");
    let Some(id) = parts.next().and_then(|i| i.parse::<i64>().ok()) else {
        return Ok(());
    };
    let pending = state.db(|db| db.pending_suggestions(guild))?;
    let Some(suggestion) = pending.into_iter().find(|s| s.id == id) else {
        c.create_response(&ctx.http, reply(i18n::already_decided(lang, id)))
            .await?;
        return Ok(());
    };
    // The rules may have changed since the suggestion was made.
    if accept {
        if let Err(reason) = super::feedback::flagged(lang, &state.engine(), &suggestion.text) {
            c.create_response(&ctx.http, reply(reason)).await?;
            return Ok(());
        }
    }
    let by = c.user.id.get();
    if state
        .db(|db| db.decide_suggestion(id, accept, by, unix_now()))?
        .is_none()
    {
        c.create_response(&ctx.http, reply(i18n::already_decided(lang, id)))
            .await?;
        return Ok(());
    }
    state.invalidate(guild);
    tracing::info!(guild, suggestion = id, rule = %suggestion.rule_id, accept, "suggestion decided");
    let content = if accept {
        i18n::accepted(lang, id, &suggestion.rule_id, guild)
    } else {
        i18n::rejected(lang, id)
    };
    let (embeds, rows) = feedback_view(state, guild, lang)?;
    let update = CreateInteractionResponseMessage::new()
        .content(content)
        .embeds(embeds)
        .components(rows)
        .allowed_mentions(quiet());
    c.create_response(&ctx.http, CreateInteractionResponse::UpdateMessage(update))
        .await?;
    Ok(())
}

// ----- stats ----------------------------------------------------------------------------------

/// Coaching statistics for this server: per rule and category, corrections, feedback
#[poise::command(
    slash_command,
    name_localized("fr", "stats"),
    description_localized(
        "fr",
        "Statistiques de coaching du serveur : par règle et catégorie, corrections, retours"
    )
)]
pub async fn stats(
    ctx: Ctx<'_>,
    #[description = "Over the last N days (default 30)"]
    #[name_localized("fr", "jours")]
    #[description_localized("fr", "Sur les N derniers jours (30 par défaut)")]
    #[min = 1]
    #[max = 365]
    days: Option<u32>,
) -> Result<(), Error> {
    let lang = ctx_lang(ctx);
    let guild = guild_of(ctx)?;
    let days = days.unwrap_or(30);
    if !(1..=365).contains(&days) {
        ctx.send(ephemeral(i18n::stats_days_range(lang))).await?;
        return Ok(());
    }
    let card = stats_card(ctx.data(), guild, lang, days)?;
    ctx.send(ephemeral("").embed(card.build())).await?;
    Ok(())
}

/// The statistics of a guild over the last `days` days: numbers only, never message text.
pub fn stats_card(state: &State, guild: u64, lang: Lang, days: u32) -> anyhow::Result<Card> {
    let since = unix_now() - i64::from(days) * 86_400;
    let s = state.db(|db| db.stats(guild, since))?;
    let mut card = Card::new(i18n::stats_title(lang, days)).color(view::NEUTRAL_COLOR);
    if s.per_rule.is_empty() {
        return Ok(card.description(i18n::stats_empty(lang)));
    }
    card = card
        .field(
            i18n::stats_coaching(lang),
            i18n::stats_summary(lang, s.total_avoid, s.corrected, s.total_praise),
        )
        .field(
            i18n::stats_feedback(lang),
            i18n::stats_feedback_line(lang, s.helpful, s.not_relevant),
        );
    let lines = |items: Vec<String>| -> String {
        let mut out = String::new();
        for line in items {
            if out.len() + line.len() > 1000 {
                out.push('…');
                break;
            }
            out.push_str(&line);
            out.push('\n');
        }
        out
    };
    let categories = s
        .per_category
        .iter()
        .map(|(c, kind, events, corrected)| {
            i18n::stats_category_line(lang, &i18n::category(lang, c), kind, *events, *corrected)
        })
        .collect();
    let rules = s
        .per_rule
        .iter()
        .take(20)
        .map(|r| {
            i18n::stats_rule_line(
                lang,
                &r.rule_id,
                r.events,
                r.corrected,
                r.helpful,
                r.not_relevant,
            )
        })
        .collect();
    Ok(card
        .field(i18n::stats_by_category(lang), lines(categories))
        .field(i18n::stats_by_rule(lang), lines(rules)))
}
