//! The buttons of every coaching note: "Helpful", "Not relevant here" and "Suggest a better
//! alternative" (a modal). Custom ids carry the coaching event (`tact:fb:helpful:{event}`,
//! `tact:fb:not_relevant:{event}`, `tact:suggest:{event}`); the guild and the rule come from
//! the stored event, since a DM has no guild.

use std::sync::Arc;

use poise::serenity_prelude as serenity;
use serenity::{
    ActionRowComponent, ComponentInteraction, Context, CreateActionRow, CreateInputText,
    CreateInteractionResponse, CreateModal, InputTextStyle, ModalInteraction,
};

use super::i18n::{self, lang_of};
use super::{message, view::clip};
use crate::bot::state::{unix_now, State};
use crate::config::Lang;
use crate::engine::normalize::fold;
use crate::engine::{CheckOptions, Engine, LangChoice};
use crate::storage::Event;

/// Length bounds of a suggested alternative, in characters.
pub const SUGGESTION_MIN: usize = 5;
pub const SUGGESTION_MAX: usize = 300;
/// The text field of the suggestion modal.
const INPUT_ID: &str = "tact:alternative";

/// A click on one of a coaching note's buttons.
pub async fn on_button(
    ctx: &Context,
    state: &Arc<State>,
    c: &ComponentInteraction,
) -> anyhow::Result<()> {
    let lang = lang_of(&c.locale);
    let id = c.data.custom_id.as_str();
    let (action, event_id) = match id.rsplit_once(':') {
        Some((action, event)) => (action, event.parse::<i64>().ok()),
        None => (id, None),
    };
    let event = match event_id {
        Some(e) => state.db(|db| db.event(e))?,
        None => None,
    };
    let Some(event) = event else {
        return respond(ctx, c, i18n::note_gone(lang)).await;
    };
    let user = c.user.id.get();
    match action {
        "tact:fb:helpful" | "tact:fb:not_relevant" => {
            let kind = action.trim_start_matches("tact:fb:");
            state.db(|db| db.record_feedback(event.id, user, kind, unix_now()))?;
            tracing::info!(guild = event.guild, rule = %event.rule_id, kind, "coaching feedback");
            let text = if kind == "helpful" {
                i18n::thanks_helpful(lang)
            } else {
                i18n::thanks_not_relevant(lang)
            };
            respond(ctx, c, text).await
        }
        "tact:suggest" => {
            let input =
                CreateInputText::new(InputTextStyle::Paragraph, i18n::modal_label(lang), INPUT_ID)
                    .placeholder(i18n::modal_placeholder(lang))
                    .min_length(SUGGESTION_MIN as u16)
                    .max_length(SUGGESTION_MAX as u16)
                    .required(true);
            let modal = CreateModal::new(
                format!("tact:suggest:{}", event.id),
                i18n::modal_title(lang),
            )
            .components(vec![CreateActionRow::InputText(input)]);
            c.create_response(&ctx.http, CreateInteractionResponse::Modal(modal))
                .await?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The suggestion modal, submitted.
pub async fn on_modal(
    ctx: &Context,
    state: &Arc<State>,
    m: &ModalInteraction,
) -> anyhow::Result<()> {
    let lang = lang_of(&m.locale);
    let event_id = m
        .data
        .custom_id
        .rsplit_once(':')
        .and_then(|(_, e)| e.parse::<i64>().ok());
    let event = match event_id {
        Some(e) => state.db(|db| db.event(e))?,
        None => None,
    };
    let Some(event) = event else {
        return respond_modal(ctx, m, i18n::note_gone(lang)).await;
    };
    let text: String = m
        .data
        .components
        .iter()
        .flat_map(|row| &row.components)
        .find_map(|c| match c {
            ActionRowComponent::InputText(t) if t.custom_id == INPUT_ID => t.value.clone(),
            _ => None,
        })
        .unwrap_or_default();
    let text = text.trim();
    if let Err(reason) = vet(
        lang,
        &state.engine(),
        &state.overlay(event.guild),
        &event,
        text,
    ) {
        return respond_modal(ctx, m, &reason).await;
    }
    let user = m.user.id.get();
    let id = state.db(|db| {
        db.add_suggestion(
            Some(event.id),
            event.guild,
            &event.rule_id,
            user,
            text,
            unix_now(),
        )
    })?;
    tracing::info!(guild = event.guild, rule = %event.rule_id, suggestion = id, "alternative suggested");
    respond_modal(ctx, m, &i18n::suggestion_thanks(lang, &event.rule_id)).await
}

/// Whether a suggested alternative can become a proposal: the right length, not already an
/// alternative, and flagged by no rule in any language (the reason otherwise).
pub fn vet(
    lang: Lang,
    engine: &Engine,
    overlay: &std::collections::HashMap<String, Vec<String>>,
    event: &Event,
    text: &str,
) -> Result<(), String> {
    let len = text.chars().count();
    if !(SUGGESTION_MIN..=SUGGESTION_MAX).contains(&len) {
        return Err(i18n::suggestion_length(
            lang,
            SUGGESTION_MIN,
            SUGGESTION_MAX,
        ));
    }
    flagged(lang, engine, text)?;
    let wanted = fold(text);
    let known = engine
        .rule(&event.rule_id)
        .map(|r| r.alternatives.clone())
        .unwrap_or_default()
        .into_iter()
        .chain(overlay.get(&event.rule_id).cloned().unwrap_or_default());
    if known.map(|a| fold(&a)).any(|a| a == wanted) {
        return Err(i18n::suggestion_known(lang).to_string());
    }
    Ok(())
}

/// Err with the reason when any rule, in any language, would coach `text`.
pub fn flagged(lang: Lang, engine: &Engine, text: &str) -> Result<(), String> {
    let all = CheckOptions {
        lang: LangChoice::All,
        ..CheckOptions::default()
    };
    match engine.check(text, &all).into_iter().find(|h| h.is_avoid()) {
        Some(hit) => Err(i18n::suggestion_flagged(
            lang,
            &hit.rule.id,
            &clip(&hit.snippet, 100),
            &clip(&hit.rule.why, 600),
        )),
        None => Ok(()),
    }
}

async fn respond(ctx: &Context, c: &ComponentInteraction, text: &str) -> anyhow::Result<()> {
    c.create_response(&ctx.http, CreateInteractionResponse::Message(message(text)))
        .await?;
    Ok(())
}

async fn respond_modal(ctx: &Context, m: &ModalInteraction, text: &str) -> anyhow::Result<()> {
    m.create_response(&ctx.http, CreateInteractionResponse::Message(message(text)))
        .await?;
    Ok(())
}
