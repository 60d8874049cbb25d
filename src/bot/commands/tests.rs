//! The registered command JSON: names, localizations, option types, permissions, and Discord's
//! limits on every name and description.

use serde_json::Value;

use super::{application_commands, commands};

fn registered() -> Vec<Value> {
    application_commands(&commands())
        .into_iter()
        .map(|c| serde_json::to_value(c).unwrap())
        .collect()
}

fn by_name<'a>(items: &'a [Value], name: &str) -> &'a Value {
    items
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {items:#?}"))
}

fn options(v: &Value) -> &[Value] {
    v["options"].as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// Discord's rules: chat-input names are 1-32 lowercase letters, digits, `-` or `_`;
/// descriptions 1-100 characters; the same for every localization.
fn check_limits(v: &Value, chat_input: bool, path: &str) {
    let name = v["name"].as_str().unwrap();
    let valid_name = |n: &str| {
        let len = n.chars().count();
        (1..=32).contains(&len)
            && (!chat_input
                || n.chars().all(|c| {
                    c == '-'
                        || c == '_'
                        || c.is_numeric()
                        || (c.is_alphabetic() && !c.is_uppercase())
                }))
    };
    assert!(valid_name(name), "{path}: bad name {name:?}");
    if let Some(locs) = v["name_localizations"].as_object() {
        for (locale, n) in locs {
            assert!(
                valid_name(n.as_str().unwrap()),
                "{path}: bad {locale} name {n}"
            );
        }
    }
    if chat_input {
        let d = v["description"].as_str().unwrap();
        assert!(
            (1..=100).contains(&d.chars().count()),
            "{path}: description {d:?}"
        );
        let fr = v["description_localizations"]["fr"].as_str();
        assert!(
            fr.is_some_and(|d| (1..=100).contains(&d.chars().count())),
            "{path}: French description {fr:?}"
        );
        assert!(
            v["name_localizations"]["fr"].is_string() || path.matches('/').count() == 0,
            "{path}: no French name"
        );
    }
    for (i, o) in options(v).iter().enumerate() {
        check_limits(
            o,
            true,
            &format!("{path}/{}", o["name"].as_str().unwrap_or(&i.to_string())),
        );
    }
}

#[test]
fn every_command_is_registered_bilingual_within_discord_limits() {
    let all = registered();
    let names: Vec<&str> = all.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["tact", "Coach this message", "tact-admin"]);
    for c in &all {
        let chat_input = c["type"].as_u64().unwrap_or(1) == 1;
        check_limits(c, chat_input, c["name"].as_str().unwrap());
    }
}

#[test]
fn agent_commands() {
    let all = registered();
    let tact = by_name(&all, "tact");
    assert!(
        tact["type"].is_null() || tact["type"] == 1,
        "a chat input command"
    );
    assert!(
        tact.get("default_member_permissions")
            .is_none_or(Value::is_null),
        "{tact}"
    );
    let subs: Vec<(&str, &str)> = options(tact)
        .iter()
        .map(|o| {
            assert_eq!(o["type"], 1, "{o}");
            (
                o["name"].as_str().unwrap(),
                o["name_localizations"]["fr"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        subs,
        [
            ("check", "verifier"),
            ("instead", "au-lieu-de"),
            ("rule", "regle"),
            ("rules", "regles"),
            ("pause", "pause"),
            ("resume", "reprendre")
        ]
    );
    let check = by_name(options(tact), "check");
    let text = &options(check)[0];
    assert_eq!(
        (
            text["name"].as_str(),
            text["type"].as_u64(),
            text["required"].as_bool()
        ),
        (Some("text"), Some(3), Some(true))
    );
    assert_eq!(text["name_localizations"]["fr"], "texte");
    assert_eq!(text["max_length"], 4000);
    let id = &options(by_name(options(tact), "rule"))[0];
    assert_eq!(
        (id["type"].as_u64(), id["autocomplete"].as_bool()),
        (Some(3), Some(true))
    );
    let rules = options(by_name(options(tact), "rules"));
    assert_eq!(rules[0]["name"], "category");
    assert_eq!(rules[0]["autocomplete"], true);
    assert_eq!(rules[0]["required"], false);
    assert_eq!(rules[1]["name"], "lang");
    assert_eq!(rules[1]["type"], 4);
    assert_eq!(rules[1]["choices"][0]["name"], "fr");
    assert_eq!(
        rules[1]["choices"][0]["name_localizations"]["fr"],
        "français"
    );
    let duration = &options(by_name(options(tact), "pause"))[0];
    assert_eq!(
        (duration["type"].as_u64(), duration["required"].as_bool()),
        (Some(3), Some(false))
    );

    let menu = by_name(&all, "Coach this message");
    assert_eq!(menu["type"], 3, "a message context menu");
    assert_eq!(menu["name_localizations"]["fr"], "Coacher ce message");
}

#[test]
fn admin_commands_need_manage_server() {
    let all = registered();
    let admin = by_name(&all, "tact-admin");
    assert_eq!(admin["default_member_permissions"], "32", "MANAGE_GUILD");
    assert_eq!(admin["contexts"], serde_json::json!([0]), "guild only");
    let top: Vec<(&str, u64)> = options(admin)
        .iter()
        .map(|o| (o["name"].as_str().unwrap(), o["type"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        top,
        [
            ("rules", 2),
            ("reload", 1),
            ("channels", 2),
            ("roles", 2),
            ("delivery", 1),
            ("cooldown", 1),
            ("feedback", 1),
            ("stats", 1)
        ]
    );
    let rules = by_name(options(admin), "rules");
    assert_eq!(rules["name_localizations"]["fr"], "regles");
    let subs: Vec<&str> = options(rules)
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(subs, ["disable", "enable", "test"]);
    let disable = by_name(options(rules), "disable");
    assert_eq!(disable["name_localizations"]["fr"], "desactiver");
    assert_eq!(options(disable)[0]["autocomplete"], true);

    let add = by_name(options(by_name(options(admin), "channels")), "add");
    let channel = &options(add)[0];
    assert_eq!(channel["type"], 7, "a channel option");
    assert_eq!(channel["channel_types"], serde_json::json!([0, 5, 4, 15]));
    let role = &options(by_name(options(by_name(options(admin), "roles")), "remove"))[0];
    assert_eq!(role["type"], 8, "a role option");

    let mode = &options(by_name(options(admin), "delivery"))[0];
    assert_eq!(mode["type"], 4);
    let choices: Vec<&str> = mode["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(choices, ["dm", "reply", "react", "coach_channel"]);
    assert_eq!(
        mode["choices"][3]["name_localizations"]["fr"],
        "salon des coachs"
    );
    let minutes = &options(by_name(options(admin), "cooldown"))[0];
    assert_eq!(
        (
            minutes["type"].as_u64(),
            minutes["min_value"].as_f64(),
            minutes["max_value"].as_f64()
        ),
        (Some(4), Some(0.0), Some(1440.0))
    );
    let days = &options(by_name(options(admin), "stats"))[0];
    assert_eq!(
        (days["type"].as_u64(), days["required"].as_bool()),
        (Some(4), Some(false))
    );
}
