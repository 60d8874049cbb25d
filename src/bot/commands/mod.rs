//! Slash commands, context menus, buttons and modals (poise on the bot's serenity client).
//!
//! - [`agent`]: `/tact check|instead|rule|rules|pause|resume` and "Coach this message";
//! - [`admin`]: `/tact-admin ...` (Manage Server, or the configured admin role);
//! - [`feedback`]: the buttons and the suggestion modal of every coaching note;
//! - [`reload`]: reloading the rules folder, on command and when its files change;
//! - [`i18n`]: the commands' words in French and English; `view`: what answers look like.
//!
//! Every answer is ephemeral and mentions nobody. Answers follow the invoking user's Discord
//! language (French for `fr*`, English otherwise); command names and descriptions are
//! registered in both.

pub mod admin;
pub mod agent;
pub mod feedback;
pub mod i18n;
pub mod reload;
mod view;

use std::sync::Arc;

use poise::serenity_prelude as serenity;
use serenity::{Context, CreateCommand, CreateInteractionResponseMessage, GuildId, Interaction};

use super::delivery::quiet;
use super::state::State;
use crate::config::Lang;

pub type Error = anyhow::Error;
pub type Ctx<'a> = poise::Context<'a, Arc<State>, Error>;
pub type Command = poise::Command<Arc<State>, Error>;

/// Every command Tact registers.
pub fn commands() -> Vec<Command> {
    vec![agent::tact(), agent::coach_message(), admin::tact_admin()]
}

/// The commands as registered with Discord: poise's, plus the localized names of context menu
/// commands (poise leaves them out).
pub fn application_commands(commands: &[Command]) -> Vec<CreateCommand> {
    let mut out = Vec::new();
    for command in commands {
        if let Some(slash) = command.create_as_slash_command() {
            out.push(slash);
        }
        if let Some(mut menu) = command.create_as_context_menu_command() {
            for (locale, name) in command.name_localizations.iter() {
                menu = menu.name_localized(locale.as_ref(), name.as_ref());
            }
            out.push(menu);
        }
    }
    out
}

/// The poise framework: commands, no mentions in any reply, errors logged and answered.
pub fn framework(state: Arc<State>) -> poise::Framework<Arc<State>, Error> {
    let options = poise::FrameworkOptions {
        commands: commands(),
        allowed_mentions: Some(quiet()),
        on_error: |err| Box::pin(on_error(err)),
        ..Default::default()
    };
    poise::Framework::builder()
        .options(options)
        .initialize_owners(false)
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
                register(
                    ctx,
                    &framework.options().commands,
                    &state.config.discord.dev_guilds,
                )
                .await;
                tracing::info!(
                    application = ready.application.id.get(),
                    "commands registered"
                );
                Ok(state)
            })
        })
        .build()
}

/// Registers the commands in the development guilds (instant), or globally.
async fn register(ctx: &Context, commands: &[Command], dev_guilds: &[u64]) {
    let builders = application_commands(commands);
    let result = if dev_guilds.is_empty() {
        serenity::Command::set_global_commands(&ctx.http, builders)
            .await
            .map(drop)
    } else {
        let mut result = Ok(());
        for &g in dev_guilds {
            if let Err(e) = GuildId::new(g)
                .set_commands(&ctx.http, builders.clone())
                .await
            {
                result = Err(e);
            }
        }
        result
    };
    if let Err(e) = result {
        tracing::error!(error = %e, "cannot register the slash commands");
    }
}

/// The invoking user's language.
pub fn ctx_lang(ctx: Ctx<'_>) -> Lang {
    ctx.locale().map_or(Lang::En, i18n::lang_of)
}

/// `reply` with `embeds` added.
pub fn with_embeds(
    reply: poise::CreateReply,
    embeds: Vec<serenity::all::CreateEmbed>,
) -> poise::CreateReply {
    embeds.into_iter().fold(reply, |r, e| r.embed(e))
}

/// An ephemeral reply that mentions nobody (empty content is left out).
pub fn ephemeral(content: impl Into<String>) -> poise::CreateReply {
    let content = content.into();
    let reply = poise::CreateReply::default()
        .ephemeral(true)
        .allowed_mentions(quiet());
    if content.is_empty() {
        reply
    } else {
        reply.content(view::clip(&content, view::CONTENT_MAX))
    }
}

/// An ephemeral interaction response message that mentions nobody.
pub fn message(content: &str) -> CreateInteractionResponseMessage {
    CreateInteractionResponseMessage::new()
        .content(view::clip(content, view::CONTENT_MAX))
        .ephemeral(true)
        .allowed_mentions(quiet())
}

async fn on_error(err: poise::FrameworkError<'_, Arc<State>, Error>) {
    use poise::FrameworkError as E;
    let (ctx, text) = match &err {
        // The check already answered.
        E::CommandCheckFailed { error: None, .. } => return,
        E::Command { error, ctx, .. } => {
            tracing::warn!(command = %ctx.command().qualified_name, error = %format!("{error:#}"), "command failed");
            (*ctx, i18n::failed(ctx_lang(*ctx)))
        }
        E::ArgumentParse { error, ctx, .. } => {
            tracing::info!(command = %ctx.command().qualified_name, error = %error, "command options not understood");
            (*ctx, i18n::bad_input(ctx_lang(*ctx)))
        }
        E::GuildOnly { ctx, .. } => (*ctx, i18n::guild_only(ctx_lang(*ctx))),
        E::CommandCheckFailed {
            error: Some(error),
            ctx,
            ..
        } => {
            tracing::warn!(command = %ctx.command().qualified_name, error = %format!("{error:#}"), "command check failed");
            (*ctx, i18n::failed(ctx_lang(*ctx)))
        }
        _ => {
            tracing::warn!(error = %err, "command failed");
            if let Err(e) = poise::builtins::on_error(err).await {
                tracing::warn!(error = %e, "cannot report the command error");
            }
            return;
        }
    };
    if let Err(e) = ctx.send(ephemeral(text)).await {
        tracing::warn!(error = %e, "cannot report the command error");
    }
}

/// Buttons and modals of coaching notes and command answers (commands and autocompletion are
/// poise's). Called for every interaction; ignores anything that is not Tact's.
pub async fn on_interaction(ctx: &Context, state: &Arc<State>, interaction: &Interaction) {
    let result = match interaction {
        Interaction::Component(c) => {
            let id = c.data.custom_id.as_str();
            if id.starts_with("tact:fb:") || id.starts_with("tact:suggest:") {
                feedback::on_button(ctx, state, c).await
            } else if id.starts_with("tact:rules:") {
                agent::on_page(ctx, state, c).await
            } else if id.starts_with("tact:sug:") {
                admin::on_decision(ctx, state, c).await
            } else {
                return;
            }
        }
        Interaction::Modal(m) if m.data.custom_id.starts_with("tact:suggest:") => {
            feedback::on_modal(ctx, state, m).await
        }
        _ => return,
    };
    if let Err(e) = result {
        tracing::warn!(error = %format!("{e:#}"), "cannot handle a button or form");
        let lang = match interaction {
            Interaction::Component(c) => i18n::lang_of(&c.locale),
            Interaction::Modal(m) => i18n::lang_of(&m.locale),
            _ => Lang::En,
        };
        let response = serenity::CreateInteractionResponse::Message(message(i18n::failed(lang)));
        let sent = match interaction {
            Interaction::Component(c) => c.create_response(&ctx.http, response).await,
            Interaction::Modal(m) => m.create_response(&ctx.http, response).await,
            _ => Ok(()),
        };
        if let Err(e) = sent {
            tracing::debug!(error = %e, "cannot report the failure either");
        }
    }
}

#[cfg(test)]
mod tests;
