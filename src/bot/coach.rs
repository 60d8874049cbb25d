//! The coaching flow: a new message is checked and, when it hurts the customer relationship,
//! its agent is coached privately; an edit that removes the phrase marks the coaching fixed;
//! a deleted message withdraws it.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use serenity::all::{
    ChannelId, Context, CreateEmbed, EditMessage, Message, MessageId, MessageUpdateEvent,
    ReactionType,
};

use super::card;
use super::delivery::{self, quiet, Target, COACH_EMOJI, PRAISE_EMOJI};
use super::i18n::{t, Text};
use super::state::{unix_now, Effective, State};
use super::watch;
use crate::engine::{Hit, Kind};
use crate::storage::{Event, NewEvent};

/// A message worth looking at, whatever event brought it.
struct Incoming<'a> {
    target: Target,
    content: &'a str,
    /// When the event reached the handler (for the handling time in the logs).
    received: Instant,
}

/// MESSAGE_CREATE.
pub async fn on_message(ctx: &Context, state: &Arc<State>, msg: &Message) {
    let received = Instant::now();
    let Some(guild) = msg.guild_id else { return };
    if msg.author.bot || msg.webhook_id.is_some() || msg.author.id == ctx.cache.current_user().id {
        return;
    }
    let _work = state.begin();
    let _message = state.lock_message(msg.id.get()).await;
    let guild = guild.get();
    let eff = state.effective(guild);
    if !watch::is_watched(ctx, state, &eff, guild, msg.channel_id.get()).await {
        return;
    }
    let roles: Vec<u64> = match &msg.member {
        Some(m) => m.roles.iter().map(|r| r.get()).collect(),
        None if eff.agent_roles.is_empty() => vec![],
        None => watch::member_roles(ctx, guild, msg.author.id.get())
            .await
            .unwrap_or_default(),
    };
    if !watch::is_agent(&eff, &roles) {
        return;
    }
    let incoming = Incoming {
        target: Target {
            guild,
            channel: msg.channel_id.get(),
            message: msg.id.get(),
            agent: msg.author.id.get(),
        },
        content: &msg.content,
        received,
    };
    coach(ctx, state, &eff, &incoming, &HashSet::new()).await;
}

/// MESSAGE_UPDATE: re-check an edited message.
pub async fn on_edit(ctx: &Context, state: &Arc<State>, ev: &MessageUpdateEvent) {
    let received = Instant::now();
    // Partial updates (embeds resolved, pins...) carry no content: nothing to re-check.
    let (Some(content), Some(guild)) = (&ev.content, ev.guild_id) else {
        return;
    };
    if ev.author.as_ref().is_some_and(|a| a.bot) || matches!(ev.webhook_id, Some(Some(_))) {
        return;
    }
    let _work = state.begin();
    let _message = state.lock_message(ev.id.get()).await;
    let guild = guild.get();
    let (channel, message) = (ev.channel_id.get(), ev.id.get());
    let events = state
        .db(|db| db.events_for_message(channel, message))
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot read the message's coaching events");
            vec![]
        });
    let eff = state.effective(guild);
    let hits = state.check(&eff, content);
    let now_hit: HashSet<&str> = hits
        .iter()
        .filter(|h| h.is_avoid())
        .map(|h| h.rule.id.as_str())
        .collect();

    let fixed: Vec<&Event> = events
        .iter()
        .filter(|e| {
            e.kind == "avoid" && e.status == "active" && !now_hit.contains(e.rule_id.as_str())
        })
        .collect();
    for e in &fixed {
        let id = e.id;
        if let Err(err) = state
            .db_blocking(move |db| db.mark_corrected(id, unix_now()))
            .await
        {
            tracing::warn!(error = %err, "cannot record the correction");
        }
        tracing::info!(guild, rule = %e.rule_id, "coaching fixed by an edit");
    }
    mark_fixed_notes(ctx, &eff, &fixed).await;

    // New phrases coach like a new message (events already known are not coached twice).
    let agent = match (&ev.author, events.first()) {
        (Some(a), _) => a.id.get(),
        (None, Some(e)) => e.agent,
        (None, None) => return,
    };
    let known: HashSet<String> = events.iter().map(|e| e.rule_id.clone()).collect();
    if !hits
        .iter()
        .any(|h| h.is_avoid() && !known.contains(&h.rule.id))
    {
        return;
    }
    if events.is_empty() {
        if agent == ctx.cache.current_user().id.get()
            || !watch::is_watched(ctx, state, &eff, guild, channel).await
        {
            return;
        }
        let roles = match &ev.member {
            Some(Some(m)) => m.roles.iter().map(|r| r.get()).collect(),
            _ if eff.agent_roles.is_empty() => vec![],
            _ => watch::member_roles(ctx, guild, agent)
                .await
                .unwrap_or_default(),
        };
        if !watch::is_agent(&eff, &roles) {
            return;
        }
    }
    let incoming = Incoming {
        target: Target {
            guild,
            channel,
            message,
            agent,
        },
        content,
        received,
    };
    coach(ctx, state, &eff, &incoming, &known).await;
}

/// MESSAGE_DELETE (and bulk deletes): the coaching of a deleted message is withdrawn.
pub async fn on_delete(state: &Arc<State>, channel: u64, message: u64) {
    let _message = state.lock_message(message).await;
    match state
        .db_blocking(move |db| db.mark_withdrawn_for_message(channel, message, unix_now()))
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::info!(channel, events = n, "coaching withdrawn: message deleted"),
        Err(e) => tracing::warn!(error = %e, "cannot withdraw the coaching of a deleted message"),
    }
}

/// Checks the text and coaches the agent about hits of rules not in `skip`.
async fn coach(
    ctx: &Context,
    state: &Arc<State>,
    eff: &Effective,
    incoming: &Incoming<'_>,
    skip: &HashSet<String>,
) {
    let target = incoming.target;
    let mut hits: Vec<Hit> = state
        .check(eff, incoming.content)
        .into_iter()
        .filter(|h| !skip.contains(&h.rule.id))
        .collect();
    if hits.is_empty() {
        return;
    }
    // Only a message with something to coach looks at the agent's pause.
    let paused = state
        .db_blocking(move |db| db.paused_until(target.guild, target.agent))
        .await
        .unwrap_or(None);
    if paused.is_some_and(|until| until > unix_now()) {
        return;
    }
    State::add_overlay(eff, &mut hits);
    tracing::debug!(
        guild = target.guild,
        content = incoming.content,
        "message to coach"
    );
    let text = eff
        .settings
        .store_message_text
        .then(|| incoming.content.to_string());
    let record = |hit: &Hit, delivery: &str| NewEvent {
        guild: target.guild,
        channel: target.channel,
        message: target.message,
        agent: target.agent,
        rule_id: hit.rule.id.clone(),
        category: hit.rule.category.clone(),
        kind: hit.rule.kind.as_str().to_string(),
        at: unix_now(),
        delivery: delivery.to_string(),
        dm_channel: None,
        dm_message: None,
        text: text.clone(),
    };

    // Good practice: counted, and acknowledged discreetly when the guild wants it.
    let praise: Vec<&Hit> = hits
        .iter()
        .filter(|h| h.rule.kind == Kind::Praise)
        .collect();
    if !praise.is_empty() {
        let reacted =
            eff.settings.praise_reactions && delivery::react(&ctx.http, target, PRAISE_EMOJI).await;
        for hit in praise {
            store(state, record(hit, if reacted { "react" } else { "none" })).await;
        }
    }

    // Phrases to coach: the most severe first, within the cooldowns and the burst limit.
    let mut avoid: Vec<&Hit> = hits.iter().filter(|h| h.is_avoid()).collect();
    if avoid.is_empty() {
        return;
    }
    avoid.sort_by_key(|h| (std::cmp::Reverse(h.rule.severity), h.start));
    let rules: Vec<&str> = avoid.iter().map(|h| h.rule.id.as_str()).collect();
    let due = state.claim(
        target.guild,
        target.agent,
        &rules,
        eff.settings.cooldown(),
        card::MAX_HITS,
    );
    let mut to_send = Vec::new();
    for (hit, due) in avoid.into_iter().zip(due) {
        if due {
            to_send.push(hit);
        } else {
            store(state, record(hit, "cooldown")).await;
        }
    }
    if to_send.is_empty() {
        tracing::debug!(guild = target.guild, "coaching skipped: cooldown");
        return;
    }

    // Record first so the feedback buttons can name the events, then deliver.
    let lang = eff.settings.language;
    let jump = card::jump_url(target.guild, target.channel, target.message);
    let mut ids = Vec::new();
    let mut embeds: Vec<CreateEmbed> = Vec::new();
    let mut rows = Vec::new();
    for hit in &to_send {
        let id = store(state, record(hit, "pending")).await;
        embeds.push(card::embed(lang, incoming.content, hit, &jump));
        if let Some(id) = id {
            rows.push(card::buttons(lang, id));
            ids.push(id);
        }
    }
    if rows.len() != embeds.len() {
        rows.clear(); // buttons must line up with their embed
    }
    let delivered = delivery::deliver(&ctx.http, state, eff, target, embeds, rows).await;
    tracing::info!(
        guild = target.guild,
        message_id = target.message,
        hits = to_send.len(),
        delivery = delivered.how,
        handling_us = incoming.received.elapsed().as_micros() as u64,
        "agent coached"
    );
    let recorded = state
        .db_blocking(move |db| {
            ids.iter().try_for_each(|&id| {
                db.set_event_delivery(
                    id,
                    delivered.how,
                    delivered.note_channel,
                    delivered.note_message,
                )
                .map(drop)
            })
        })
        .await;
    if let Err(e) = recorded {
        tracing::warn!(error = %e, "cannot record how the coaching was delivered");
    }
}

/// Records an event; a storage failure is logged and coaching goes on.
async fn store(state: &Arc<State>, event: NewEvent) -> Option<i64> {
    match state.db_blocking(move |db| db.record_event(&event)).await {
        Ok(id) => Some(id),
        Err(e) => {
            tracing::warn!(error = %e, "cannot record a coaching event; coaching continues");
            None
        }
    }
}

/// Shows on each coaching note that its message was fixed (or removes the reaction).
async fn mark_fixed_notes(ctx: &Context, eff: &Effective, fixed: &[&Event]) {
    let lang = eff.settings.language;
    let mut done: HashSet<(u64, u64)> = HashSet::new();
    for e in fixed {
        if e.delivery == "react" || e.delivery == "dm_fallback_react" {
            let reaction = ReactionType::Unicode(COACH_EMOJI.to_string());
            if let Err(err) = ctx
                .http
                .delete_reaction_me(
                    ChannelId::new(e.channel),
                    MessageId::new(e.message),
                    &reaction,
                )
                .await
            {
                tracing::warn!(error = %err, "cannot remove the coaching reaction");
            }
            continue;
        }
        let (Some(channel), Some(message)) = (e.dm_channel, e.dm_message) else {
            continue;
        };
        if !done.insert((channel, message)) {
            continue;
        }
        let rules: Vec<&str> = fixed
            .iter()
            .filter(|f| f.dm_message == Some(message))
            .map(|f| f.rule_id.as_str())
            .collect();
        let note = match ChannelId::new(channel)
            .message(&ctx.http, MessageId::new(message))
            .await
        {
            Ok(note) => note,
            Err(err) => {
                tracing::warn!(error = %err, "cannot fetch the coaching note to mark it fixed");
                continue;
            }
        };
        let embeds: Vec<CreateEmbed> =
            note.embeds
                .into_iter()
                .map(|embed| {
                    let is_fixed = embed.footer.as_ref().is_some_and(|f| {
                        rules.iter().any(|r| f.text.starts_with(&format!("{r} ·")))
                    });
                    let title = embed.title.clone().unwrap_or_default();
                    let builder = CreateEmbed::from(embed);
                    if is_fixed && !title.starts_with('✅') {
                        builder.color(card::FIXED_COLOR).title(format!(
                            "{} {}",
                            t(lang, Text::Fixed),
                            title.trim_start_matches("💡 ")
                        ))
                    } else {
                        builder
                    }
                })
                .collect();
        let edit = EditMessage::new().embeds(embeds).allowed_mentions(quiet());
        if let Err(err) = ChannelId::new(channel)
            .edit_message(&ctx.http, MessageId::new(message), edit)
            .await
        {
            tracing::warn!(error = %err, "cannot mark the coaching note fixed");
        }
    }
}
