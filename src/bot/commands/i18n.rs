//! The words of the commands, buttons and admin views, in French and English. Answers follow
//! the invoking user's Discord language (`fr*` -> French, anything else -> English); posts in
//! a guild's log channel follow the guild's configured language.

use crate::config::Lang;
use crate::engine::{Kind, Severity};

/// The language of a Discord locale (`fr`, `fr-CA`... -> French; anything else -> English).
pub fn lang_of(locale: &str) -> Lang {
    if locale
        .get(..2)
        .is_some_and(|p| p.eq_ignore_ascii_case("fr"))
    {
        Lang::Fr
    } else {
        Lang::En
    }
}

/// One string in both languages.
fn tr(lang: Lang, fr: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Fr => fr,
        Lang::En => en,
    }
}

/// Quoted text, with the language's quotation marks.
pub fn quoted(lang: Lang, text: &str) -> String {
    match lang {
        Lang::Fr => format!("« {text} »"),
        Lang::En => format!("“{text}”"),
    }
}

/// A category's name for people (avoid and praise categories).
pub fn category(lang: Lang, category: &str) -> String {
    let praise = match category {
        "solution" => Some(tr(lang, "solution proposée", "solution offered")),
        "follow-up" => Some(tr(lang, "suivi", "follow-up")),
        "empathy" => Some(tr(lang, "empathie", "empathy")),
        "personal-touch" => Some(tr(lang, "touche personnelle", "personal touch")),
        "closing" => Some(tr(lang, "conclusion chaleureuse", "warm closing")),
        _ => None,
    };
    praise.map_or_else(
        || crate::bot::i18n::category(lang, category).to_string(),
        str::to_string,
    )
}

pub fn severity(lang: Lang, s: Severity) -> &'static str {
    match s {
        Severity::Info => tr(lang, "info", "info"),
        Severity::Warning => tr(lang, "attention", "warning"),
        Severity::Alert => tr(lang, "alerte", "alert"),
    }
}

pub fn kind(lang: Lang, k: Kind) -> &'static str {
    match k {
        Kind::Avoid => tr(lang, "à éviter", "to avoid"),
        Kind::Praise => tr(lang, "bonne pratique", "good practice"),
    }
}

// ----- /tact check and "Coach this message" ---------------------------------------------------

pub fn check_clean(lang: Lang) -> &'static str {
    tr(
        lang,
        "✅ Rien à redire : ce message ménage la relation client. Vous pouvez l'envoyer.",
        "✅ Nothing to change: this reply keeps the customer relationship safe. Good to send.",
    )
}

pub fn check_intro(lang: Lang, n: usize) -> String {
    match (lang, n) {
        (Lang::Fr, 1) => "💡 Une tournure à revoir avant d'envoyer :".into(),
        (Lang::Fr, n) => format!("💡 {n} tournures à revoir avant d'envoyer :"),
        (Lang::En, 1) => "💡 One phrase worth rewording before you send:".into(),
        (Lang::En, n) => format!("💡 {n} phrases worth rewording before you send:"),
    }
}

pub fn praise_line(lang: Lang, categories: &str) -> String {
    match lang {
        Lang::Fr => format!("✨ Bien vu : {categories}."),
        Lang::En => format!("✨ Nice touch: {categories}."),
    }
}

pub fn more_hits(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Fr => {
            format!("… et {n} autre(s) point(s) : vérifiez à nouveau une fois ceux-ci corrigés.")
        }
        Lang::En => format!("… and {n} more: check again once these are fixed."),
    }
}

pub fn instead(lang: Lang) -> &'static str {
    tr(lang, "À la place", "Instead")
}

pub fn draft_reworded(lang: Lang) -> &'static str {
    tr(lang, "Votre brouillon reformulé", "Your draft, reworded")
}

pub fn empty_message(lang: Lang) -> &'static str {
    tr(
        lang,
        "Ce message ne contient pas de texte à vérifier.",
        "This message has no text to check.",
    )
}

// ----- /tact instead, /tact rule, /tact rules --------------------------------------------------

pub fn instead_intro(lang: Lang, query: &str) -> String {
    match lang {
        Lang::Fr => format!("Plutôt que « {query} », vous pouvez dire :"),
        Lang::En => format!("Instead of “{query}”, you can say:"),
    }
}

pub fn instead_none(lang: Lang, query: &str) -> String {
    match lang {
        Lang::Fr => format!("Aucune règle ne correspond à « {query} ». Essayez d'autres mots, ou parcourez les règles avec `/tact regles`."),
        Lang::En => format!("No rule matches “{query}”. Try other words, or browse the rules with `/tact rules`."),
    }
}

pub fn rule_not_found(lang: Lang, id: &str) -> String {
    match lang {
        Lang::Fr => format!("Aucune règle « {id} ». Choisissez-en une dans la liste proposée, ou cherchez avec `/tact au-lieu-de`."),
        Lang::En => format!("No rule “{id}”. Pick one from the suggestions, or search with `/tact instead`."),
    }
}

pub fn why(lang: Lang) -> &'static str {
    tr(lang, "Pourquoi", "Why")
}
pub fn phrases(lang: Lang) -> &'static str {
    tr(lang, "Tournures repérées", "Phrases it catches")
}
pub fn unless(lang: Lang) -> &'static str {
    tr(
        lang,
        "Sauf si le message contient",
        "Unless the message says",
    )
}
pub fn examples_flag(lang: Lang) -> &'static str {
    tr(lang, "Exemples signalés", "Flagged examples")
}
pub fn examples_pass(lang: Lang) -> &'static str {
    tr(lang, "Exemples laissés tranquilles", "Examples left alone")
}
pub fn team_alternatives(lang: Lang) -> &'static str {
    tr(lang, "Ajoutées par votre équipe", "Added by your team")
}
pub fn disabled_here(lang: Lang) -> &'static str {
    tr(
        lang,
        "🔕 Désactivée sur ce serveur",
        "🔕 Disabled in this server",
    )
}

pub fn rules_title(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Fr => format!("📚 Règles ({n})"),
        Lang::En => format!("📚 Rules ({n})"),
    }
}

pub fn page(lang: Lang, page: usize, pages: usize) -> String {
    match lang {
        Lang::Fr => format!("Page {page}/{pages} · `/tact regle` pour le détail d'une règle"),
        Lang::En => format!("Page {page}/{pages} · `/tact rule` shows a rule in full"),
    }
}

pub fn rules_none(lang: Lang) -> &'static str {
    tr(
        lang,
        "Aucune règle pour ces critères.",
        "No rule matches these filters.",
    )
}
pub fn previous(lang: Lang) -> &'static str {
    tr(lang, "Précédentes", "Previous")
}
pub fn next(lang: Lang) -> &'static str {
    tr(lang, "Suivantes", "Next")
}

// ----- /tact pause, /tact resume -------------------------------------------------------------

pub fn paused_until(lang: Lang, ts: i64) -> String {
    match lang {
        Lang::Fr => format!("⏸️ Coaching en pause jusqu'au <t:{ts}:f> (<t:{ts}:R>). `/tact reprendre` le relance plus tôt."),
        Lang::En => format!("⏸️ Coaching paused until <t:{ts}:f> (<t:{ts}:R>). `/tact resume` turns it back on sooner."),
    }
}

pub fn paused_forever(lang: Lang) -> &'static str {
    tr(
        lang,
        "⏸️ Coaching en pause jusqu'à ce que vous le relanciez avec `/tact reprendre`.",
        "⏸️ Coaching paused until you turn it back on with `/tact resume`.",
    )
}

pub fn bad_duration(lang: Lang, d: &str) -> String {
    match lang {
        Lang::Fr => format!("Durée « {d} » non comprise : écrivez par exemple `30m`, `2h`, `1j` ou `1h30` (30 jours au plus), ou rien pour une pause jusqu'à `/tact reprendre`."),
        Lang::En => format!("Could not read the duration “{d}”: write e.g. `30m`, `2h`, `1d` or `1h30` (at most 30 days), or nothing to pause until `/tact resume`."),
    }
}

pub fn resumed(lang: Lang) -> &'static str {
    tr(lang, "▶️ Coaching réactivé.", "▶️ Coaching is back on.")
}
pub fn not_paused(lang: Lang) -> &'static str {
    tr(
        lang,
        "▶️ Le coaching n'était pas en pause : il est actif.",
        "▶️ Coaching was not paused: it is on.",
    )
}
pub fn guild_only(lang: Lang) -> &'static str {
    tr(
        lang,
        "Cette commande s'utilise dans votre serveur.",
        "Use this command in your server.",
    )
}

// ----- feedback buttons and the suggestion modal ------------------------------------------------

pub fn thanks_helpful(lang: Lang) -> &'static str {
    tr(
        lang,
        "👍 Merci ! Noté comme utile.",
        "👍 Thanks! Noted as helpful.",
    )
}
pub fn thanks_not_relevant(lang: Lang) -> &'static str {
    tr(
        lang,
        "🙅 Merci, c'est noté : pas pertinent ici. Vos retours aident à régler les règles.",
        "🙅 Thanks, noted: not relevant here. Your feedback helps tune the rules.",
    )
}
pub fn note_gone(lang: Lang) -> &'static str {
    tr(
        lang,
        "Cette note de coaching n'existe plus.",
        "This coaching note no longer exists.",
    )
}
pub fn modal_title(lang: Lang) -> &'static str {
    tr(
        lang,
        "Proposer une meilleure formulation",
        "Suggest a better alternative",
    )
}
pub fn modal_label(lang: Lang) -> &'static str {
    tr(
        lang,
        "Ce que vous diriez à la place",
        "What you would say instead",
    )
}
pub fn modal_placeholder(lang: Lang) -> &'static str {
    tr(
        lang,
        "Une phrase prête à envoyer au client",
        "A sentence ready to send to the customer",
    )
}

pub fn suggestion_thanks(lang: Lang, rule: &str) -> String {
    match lang {
        Lang::Fr => format!("✏️ Merci ! Votre proposition pour la règle `{rule}` est transmise aux admins du serveur."),
        Lang::En => format!("✏️ Thanks! Your suggestion for rule `{rule}` was sent to the server's admins."),
    }
}

pub fn suggestion_flagged(lang: Lang, rule: &str, snippet: &str, why: &str) -> String {
    match lang {
        Lang::Fr => format!("Cette formulation serait elle-même signalée par la règle `{rule}` (« {snippet} ») : {why}\nReformulez-la puis proposez-la à nouveau."),
        Lang::En => format!("This wording would itself be flagged by rule `{rule}` (“{snippet}”): {why}\nReword it and suggest it again."),
    }
}

pub fn suggestion_length(lang: Lang, min: usize, max: usize) -> String {
    match lang {
        Lang::Fr => format!("Une proposition fait entre {min} et {max} caractères."),
        Lang::En => format!("A suggestion is {min} to {max} characters long."),
    }
}

pub fn suggestion_known(lang: Lang) -> &'static str {
    tr(
        lang,
        "Cette formulation fait déjà partie des alternatives de la règle.",
        "This wording is already one of the rule's alternatives.",
    )
}

// ----- admin ----------------------------------------------------------------------------------

pub fn not_admin(lang: Lang, role: Option<u64>) -> String {
    match (lang, role) {
        (Lang::Fr, None) => {
            "🔒 Réservé aux admins du serveur (permission « Gérer le serveur »).".into()
        }
        (Lang::Fr, Some(r)) => format!(
            "🔒 Réservé aux admins du serveur (permission « Gérer le serveur » ou rôle <@&{r}>)."
        ),
        (Lang::En, None) => "🔒 For server admins only (Manage Server permission).".into(),
        (Lang::En, Some(r)) => {
            format!("🔒 For server admins only (Manage Server permission or the <@&{r}> role).")
        }
    }
}

pub fn rule_disabled(lang: Lang, id: &str) -> String {
    match lang {
        Lang::Fr => format!("🔕 Règle `{id}` désactivée sur ce serveur, dès maintenant. `/tact-admin regles activer` la rétablit."),
        Lang::En => format!("🔕 Rule `{id}` is disabled in this server, effective now. `/tact-admin rules enable` brings it back."),
    }
}
pub fn rule_enabled(lang: Lang, id: &str) -> String {
    match lang {
        Lang::Fr => format!("🔔 Règle `{id}` activée sur ce serveur, dès maintenant."),
        Lang::En => format!("🔔 Rule `{id}` is enabled in this server, effective now."),
    }
}
pub fn rule_already_disabled(lang: Lang, id: &str) -> String {
    match lang {
        Lang::Fr => format!("La règle `{id}` est déjà désactivée sur ce serveur."),
        Lang::En => format!("Rule `{id}` is already disabled in this server."),
    }
}
pub fn rule_already_enabled(lang: Lang, id: &str) -> String {
    match lang {
        Lang::Fr => format!("La règle `{id}` est déjà active sur ce serveur."),
        Lang::En => format!("Rule `{id}` is already enabled in this server."),
    }
}

pub fn test_intro(lang: Lang) -> &'static str {
    tr(
        lang,
        "🔬 Ce que Tact voit dans ce texte :",
        "🔬 What Tact sees in this text:",
    )
}
pub fn test_nothing(lang: Lang) -> &'static str {
    tr(
        lang,
        "🔬 Aucune règle ne réagit à ce texte, même désactivée ou écartée par une exception.",
        "🔬 No rule reacts to this text, not even a disabled one or one set aside by an exception.",
    )
}
pub fn status_coached(lang: Lang) -> &'static str {
    tr(lang, "✅ coachée", "✅ coached")
}
pub fn status_unless(lang: Lang, u: &str) -> String {
    match lang {
        Lang::Fr => format!("↪️ écartée : exception « {u} »"),
        Lang::En => format!("↪️ set aside: exception “{u}”"),
    }
}
pub fn status_disabled(lang: Lang) -> &'static str {
    tr(
        lang,
        "🔕 écartée : règle désactivée sur ce serveur",
        "🔕 set aside: rule disabled in this server",
    )
}
pub fn status_overlap(lang: Lang, by: &str) -> String {
    match lang {
        Lang::Fr => format!("↪️ écartée : déjà couverte par `{by}`"),
        Lang::En => format!("↪️ set aside: already covered by `{by}`"),
    }
}
pub fn status_other_language(lang: Lang) -> &'static str {
    tr(
        lang,
        "🌐 écartée : règle d'une autre langue que le message",
        "🌐 set aside: the rule is for another language than the message",
    )
}

pub fn reload_ok(lang: Lang, total: usize) -> String {
    match lang {
        Lang::Fr => format!("🔄 Règles rechargées : {total} règles actives."),
        Lang::En => format!("🔄 Rules reloaded: {total} rules in use."),
    }
}
pub fn reload_added(lang: Lang) -> &'static str {
    tr(lang, "Ajoutées", "Added")
}
pub fn reload_removed(lang: Lang) -> &'static str {
    tr(lang, "Retirées", "Removed")
}
pub fn reload_modified(lang: Lang) -> &'static str {
    tr(lang, "Modifiées", "Modified")
}
pub fn reload_no_change(lang: Lang) -> &'static str {
    tr(lang, "Aucun changement.", "No change.")
}
pub fn reload_failed(lang: Lang, problems: usize, kept: usize) -> String {
    match lang {
        Lang::Fr => format!("⚠️ Rechargement refusé : {problems} problème(s) dans le dossier des règles. Tact continue avec les règles précédentes ({kept} règles). Corrigez puis rechargez :"),
        Lang::En => format!("⚠️ Reload refused: {problems} problem(s) in the rules folder. Tact keeps coaching with the previous rules ({kept} rules). Fix them and reload:"),
    }
}
pub fn reload_more(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Fr => format!("… et {n} autre(s) : `tact rules check` les liste toutes."),
        Lang::En => format!("… and {n} more: `tact rules check` lists them all."),
    }
}
pub fn reload_watch_intro(lang: Lang) -> &'static str {
    tr(
        lang,
        "(modification du dossier des règles détectée)",
        "(change in the rules folder detected)",
    )
}

pub fn channels_now(lang: Lang, list: &str) -> String {
    match lang {
        Lang::Fr => format!("Salons surveillés : {list}"),
        Lang::En => format!("Watched channels: {list}"),
    }
}
pub fn channels_none(lang: Lang) -> &'static str {
    tr(
        lang,
        "aucun (Tact ne surveille rien sur ce serveur)",
        "none (Tact watches nothing in this server)",
    )
}
pub fn channel_added(lang: Lang, id: u64) -> String {
    match lang {
        Lang::Fr => format!("👀 <#{id}> est maintenant surveillé (ses fils aussi)."),
        Lang::En => format!("👀 <#{id}> is now watched (its threads too)."),
    }
}
pub fn channel_already(lang: Lang, id: u64) -> String {
    match lang {
        Lang::Fr => format!("<#{id}> est déjà surveillé."),
        Lang::En => format!("<#{id}> is already watched."),
    }
}
pub fn channel_removed(lang: Lang, id: u64) -> String {
    match lang {
        Lang::Fr => format!("🙈 <#{id}> n'est plus surveillé."),
        Lang::En => format!("🙈 <#{id}> is no longer watched."),
    }
}
pub fn channel_not_watched(lang: Lang, id: u64) -> String {
    match lang {
        Lang::Fr => format!("<#{id}> n'est pas dans la liste des salons surveillés (un salon d'une catégorie surveillée se retire en retirant la catégorie)."),
        Lang::En => format!("<#{id}> is not in the watched list (a channel of a watched category is removed by removing the category)."),
    }
}

pub fn roles_now(lang: Lang, list: &str) -> String {
    match lang {
        Lang::Fr => format!("Membres coachés : {list}"),
        Lang::En => format!("Coached members: {list}"),
    }
}
pub fn roles_everyone(lang: Lang) -> &'static str {
    tr(
        lang,
        "tout le monde (aucun rôle d'agent défini)",
        "everyone (no agent role set)",
    )
}
pub fn role_added(lang: Lang, id: u64) -> String {
    match lang {
        Lang::Fr => format!("🎯 Les membres ayant le rôle <@&{id}> sont coachés."),
        Lang::En => format!("🎯 Members with the <@&{id}> role are coached."),
    }
}
pub fn role_already(lang: Lang, id: u64) -> String {
    match lang {
        Lang::Fr => format!("Le rôle <@&{id}> est déjà coaché."),
        Lang::En => format!("The <@&{id}> role is already coached."),
    }
}
pub fn role_removed(lang: Lang, id: u64) -> String {
    match lang {
        Lang::Fr => format!("Le rôle <@&{id}> n'est plus coaché."),
        Lang::En => format!("The <@&{id}> role is no longer coached."),
    }
}
pub fn role_not_coached(lang: Lang, id: u64) -> String {
    match lang {
        Lang::Fr => format!("Le rôle <@&{id}> n'est pas dans la liste des rôles coachés."),
        Lang::En => format!("The <@&{id}> role is not in the coached roles."),
    }
}

pub fn delivery_name(lang: Lang, d: crate::config::Delivery) -> &'static str {
    use crate::config::Delivery::*;
    match d {
        Dm => tr(
            lang,
            "message privé à l'agent",
            "direct message to the agent",
        ),
        Reply => tr(
            lang,
            "fil privé sous le message",
            "private thread next to the message",
        ),
        React => tr(
            lang,
            "réaction 💡 sur le message",
            "💡 reaction on the message",
        ),
        CoachChannel => tr(lang, "salon des coachs", "coach channel"),
    }
}
pub fn delivery_set(lang: Lang, name: &str) -> String {
    match lang {
        Lang::Fr => format!("📬 Les notes de coaching sont maintenant envoyées par : {name}."),
        Lang::En => format!("📬 Coaching notes are now delivered by: {name}."),
    }
}
pub fn no_coach_channel(lang: Lang) -> &'static str {
    tr(
        lang,
        "Ce serveur n'a pas de salon des coachs : ajoutez `coach_channel` à sa section `[[guild]]` du fichier de configuration, ou choisissez un autre mode.",
        "This server has no coach channel: add `coach_channel` to its `[[guild]]` section of the configuration file, or pick another mode.",
    )
}
pub fn cooldown_set(lang: Lang, minutes: u32) -> String {
    match (lang, minutes) {
        (Lang::Fr, 0) => "⏱️ Plus de délai : chaque tournure est coachée à chaque fois (dans la limite de 3 notes par minute).".into(),
        (Lang::En, 0) => "⏱️ No waiting time: every phrase is coached every time (at most 3 notes a minute).".into(),
        (Lang::Fr, m) => format!("⏱️ Délai entre deux notes sur la même règle pour un agent : {m} min."),
        (Lang::En, m) => format!("⏱️ Time between two notes about the same rule to an agent: {m} min."),
    }
}
pub fn cooldown_range(lang: Lang) -> &'static str {
    tr(
        lang,
        "Le délai va de 0 à 1440 minutes (un jour).",
        "The waiting time is 0 to 1440 minutes (one day).",
    )
}

pub fn feedback_title(lang: Lang) -> &'static str {
    tr(
        lang,
        "🗳️ Retours des agents, règles les moins pertinentes d'abord",
        "🗳️ Agent feedback, least relevant rules first",
    )
}
pub fn feedback_none(lang: Lang) -> &'static str {
    tr(lang, "Aucun retour pour l'instant.", "No feedback yet.")
}
pub fn feedback_line(
    lang: Lang,
    id: &str,
    nr: u64,
    votes: u64,
    helpful: u64,
    events: u64,
) -> String {
    let pct = (nr * 100).checked_div(votes).unwrap_or(0);
    match lang {
        Lang::Fr => format!("`{id}` · pas pertinent {nr}/{votes} ({pct} %) · utile {helpful} · {events} coaching(s)"),
        Lang::En => format!("`{id}` · not relevant {nr}/{votes} ({pct}%) · helpful {helpful} · {events} coaching(s)"),
    }
}
pub fn suggestions_title(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Fr => format!("✏️ Propositions en attente ({n})"),
        Lang::En => format!("✏️ Pending suggestions ({n})"),
    }
}
pub fn suggestions_none(lang: Lang) -> &'static str {
    tr(
        lang,
        "Aucune proposition en attente.",
        "No pending suggestion.",
    )
}
pub fn suggestions_more(lang: Lang, n: usize) -> String {
    match lang {
        Lang::Fr => format!("… et {n} de plus : traitez celles-ci pour voir les suivantes."),
        Lang::En => format!("… and {n} more: decide on these to see the next ones."),
    }
}
pub fn suggestion_by(lang: Lang, user: u64, at: i64) -> String {
    match lang {
        Lang::Fr => format!("par <@{user}>, <t:{at}:d>"),
        Lang::En => format!("by <@{user}>, <t:{at}:d>"),
    }
}
pub fn accept(lang: Lang) -> &'static str {
    tr(lang, "Accepter", "Accept")
}
pub fn reject(lang: Lang) -> &'static str {
    tr(lang, "Refuser", "Reject")
}
pub fn accepted(lang: Lang, id: i64, rule: &str, guild: u64) -> String {
    match lang {
        Lang::Fr => format!("✅ Proposition #{id} acceptée : elle s'affiche désormais dans le coaching de la règle `{rule}` sur ce serveur. `tact rules export --guild {guild}` l'exporte pour le dossier des règles."),
        Lang::En => format!("✅ Suggestion #{id} accepted: it now shows in the coaching of rule `{rule}` in this server. `tact rules export --guild {guild}` exports it for the rules folder."),
    }
}
pub fn rejected(lang: Lang, id: i64) -> String {
    match lang {
        Lang::Fr => format!("Proposition #{id} refusée."),
        Lang::En => format!("Suggestion #{id} rejected."),
    }
}
pub fn already_decided(lang: Lang, id: i64) -> String {
    match lang {
        Lang::Fr => format!("La proposition #{id} a déjà été traitée."),
        Lang::En => format!("Suggestion #{id} was already decided."),
    }
}

pub fn stats_title(lang: Lang, days: u32) -> String {
    match lang {
        Lang::Fr => format!("📊 Statistiques des {days} derniers jours"),
        Lang::En => format!("📊 Statistics for the last {days} days"),
    }
}
pub fn stats_coaching(lang: Lang) -> &'static str {
    tr(lang, "Coaching", "Coaching")
}
pub fn stats_summary(lang: Lang, avoid: u64, corrected: u64, praise: u64) -> String {
    let rate = (corrected * 100).checked_div(avoid).unwrap_or(0);
    match lang {
        Lang::Fr => format!("Tournures à éviter repérées : {avoid}\nCorrigées ensuite par leur auteur : {corrected} ({rate} %)\nBonnes pratiques repérées : {praise}"),
        Lang::En => format!("Phrases to avoid found: {avoid}\nLater fixed by their author: {corrected} ({rate}%)\nGood practice found: {praise}"),
    }
}
pub fn stats_feedback(lang: Lang) -> &'static str {
    tr(lang, "Retours des agents", "Agent feedback")
}
pub fn stats_feedback_line(lang: Lang, helpful: u64, not_relevant: u64) -> String {
    match lang {
        Lang::Fr => format!("👍 utile : {helpful} · 🙅 pas pertinent : {not_relevant}"),
        Lang::En => format!("👍 helpful: {helpful} · 🙅 not relevant: {not_relevant}"),
    }
}
pub fn stats_by_category(lang: Lang) -> &'static str {
    tr(lang, "Par catégorie", "By category")
}
pub fn stats_by_rule(lang: Lang) -> &'static str {
    tr(lang, "Par règle", "By rule")
}
pub fn stats_category_line(
    lang: Lang,
    name: &str,
    kind: &str,
    events: u64,
    corrected: u64,
) -> String {
    match (lang, kind) {
        (_, "praise") => format!("✨ {name} : {events}"),
        (Lang::Fr, _) => format!("{name} : {events} (corrigées {corrected})"),
        (Lang::En, _) => format!("{name}: {events} (fixed {corrected})"),
    }
}
pub fn stats_rule_line(
    lang: Lang,
    id: &str,
    events: u64,
    corrected: u64,
    helpful: u64,
    nr: u64,
) -> String {
    match lang {
        Lang::Fr => format!("`{id}` : {events} · corrigées {corrected} · 👍 {helpful} · 🙅 {nr}"),
        Lang::En => format!("`{id}`: {events} · fixed {corrected} · 👍 {helpful} · 🙅 {nr}"),
    }
}
pub fn stats_empty(lang: Lang) -> &'static str {
    tr(
        lang,
        "Rien d'enregistré sur cette période.",
        "Nothing recorded over this period.",
    )
}
pub fn stats_days_range(lang: Lang) -> &'static str {
    tr(
        lang,
        "La période va de 1 à 365 jours.",
        "The period is 1 to 365 days.",
    )
}

// ----- errors ---------------------------------------------------------------------------------

pub fn failed(lang: Lang) -> &'static str {
    tr(
        lang,
        "Une erreur est survenue ; elle est journalisée. Réessayez dans un instant.",
        "Something went wrong; it was logged. Try again in a moment.",
    )
}
pub fn bad_input(lang: Lang) -> &'static str {
    tr(
        lang,
        "Je n'ai pas compris ces options ; vérifiez-les et réessayez.",
        "I could not read these options; check them and try again.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_map_to_languages() {
        assert_eq!(lang_of("fr"), Lang::Fr);
        assert_eq!(lang_of("fr-CA"), Lang::Fr);
        assert_eq!(lang_of("FR"), Lang::Fr);
        assert_eq!(lang_of("en-US"), Lang::En);
        assert_eq!(lang_of("de"), Lang::En);
        assert_eq!(lang_of(""), Lang::En);
    }

    #[test]
    fn categories_have_names_in_both_languages() {
        assert_eq!(category(Lang::Fr, "ownership"), "prise en charge");
        assert_eq!(category(Lang::En, "follow-up"), "follow-up");
        assert_eq!(category(Lang::Fr, "follow-up"), "suivi");
        assert_eq!(category(Lang::Fr, "custom"), "custom");
        assert_eq!(quoted(Lang::Fr, "x"), "« x »");
        assert_eq!(quoted(Lang::En, "x"), "“x”");
    }
}
