use super::*;

const G: u64 = 1_100_000_000_000_000_001;
const BIG: u64 = u64::MAX - 1;

fn mem() -> Storage {
    Storage::open_in_memory().unwrap()
}

fn ev(agent: u64, rule: &str, kind: &str, at: i64, delivery: &str) -> NewEvent {
    NewEvent {
        guild: G,
        channel: 10,
        message: at as u64,
        agent,
        rule_id: rule.to_owned(),
        category: format!("cat-{rule}"),
        kind: kind.to_owned(),
        at,
        delivery: delivery.to_owned(),
        dm_channel: None,
        dm_message: None,
        text: None,
    }
}

// ----- open / migrations / errors ------------------------------------------------------

#[test]
fn open_creates_file_and_migrations_are_idempotent_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tact.db");
    {
        let mut s = Storage::open(&path).unwrap();
        assert!(path.exists());
        assert_eq!(s.path(), path);
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        s.set_cooldown(G, 15).unwrap();
        let mode: String = s
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = s
            .conn
            .pragma_query_value(None, "synchronous", |r| r.get(0))
            .unwrap();
        assert_eq!(sync, 1, "synchronous=NORMAL");
        let fk: i64 = s
            .conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
    }
    for _ in 0..2 {
        let s = Storage::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(s.guild_settings(G).unwrap().cooldown_minutes, Some(15));
    }
}

#[test]
fn open_relative_path() {
    // Tests run in the crate root; keep the file under a temp dir created there.
    let dir = tempfile::tempdir_in(".").unwrap();
    let rel = Path::new(dir.path().file_name().unwrap()).join("tact.db");
    assert!(rel.is_relative());
    Storage::open(&rel).unwrap();
    assert!(dir.path().join("tact.db").exists());
}

#[test]
fn storage_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Storage>();
    assert_send::<StorageError>();
    fn assert_sync<T: Sync>() {}
    assert_sync::<StorageError>();
}

#[test]
fn open_missing_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope").join("tact.db");
    let err = Storage::open(&path).unwrap_err();
    assert!(matches!(err, StorageError::Open { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("does not exist"), "{msg}");
}

#[test]
fn newer_schema_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tact.db");
    drop(Storage::open(&path).unwrap());
    {
        let c = Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", SCHEMA_VERSION + 7)
            .unwrap();
    }
    let err = Storage::open(&path).unwrap_err();
    match &err {
        StorageError::TooNew {
            found, supported, ..
        } => {
            assert_eq!(*found, SCHEMA_VERSION + 7);
            assert_eq!(*supported, SCHEMA_VERSION);
        }
        other => panic!("expected TooNew, got {other:?}"),
    }
    assert_eq!(err.path(), path);
    let msg = err.to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("newer"), "{msg}");
    assert!(!err.is_transient());
}

#[test]
fn not_a_database_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tact.db");
    std::fs::write(&path, vec![b'x'; 4096]).unwrap();
    let err = Storage::open(&path).unwrap_err();
    assert!(matches!(err, StorageError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains(&path.display().to_string()));
}

#[test]
fn locked_database_maps_to_locked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tact.db");
    let mut s = Storage::open(&path).unwrap();
    s.set_busy_timeout(Duration::from_millis(50)).unwrap();
    s.set_cooldown(G, 5).unwrap();

    let other = Connection::open(&path).unwrap();
    other.execute_batch("BEGIN EXCLUSIVE;").unwrap();

    let err = s.set_cooldown(G, 6).unwrap_err();
    assert!(matches!(err, StorageError::Locked { .. }), "{err:?}");
    assert!(err.is_transient());
    let msg = err.to_string();
    assert!(
        msg.contains(&format!(
            "database {} is locked by another process",
            path.display()
        )),
        "{msg}"
    );
    let err = s.record_event(&ev(1, "r", "avoid", 1, "dm")).unwrap_err();
    assert!(matches!(err, StorageError::Locked { .. }), "{err:?}");

    // WAL: reads still work, and an up-to-date file opens without a write lock.
    assert_eq!(s.guild_settings(G).unwrap().cooldown_minutes, Some(5));
    let s2 = Storage::open(&path).unwrap();
    assert_eq!(s2.last_coached(G, 1, "r").unwrap(), None);

    other.execute_batch("ROLLBACK;").unwrap();
    s.set_cooldown(G, 6).unwrap();
    assert_eq!(s2.guild_settings(G).unwrap().cooldown_minutes, Some(6));
}

#[test]
fn disk_full_maps_to_disk_full() {
    let mut s = mem();
    let pages: i64 = s
        .conn
        .pragma_query_value(None, "page_count", |r| r.get(0))
        .unwrap();
    s.conn.pragma_update(None, "max_page_count", pages).unwrap();
    let mut e = ev(1, "r", "avoid", 1, "dm");
    e.text = Some("x".repeat(256 * 1024));
    let err = s.record_event(&e).unwrap_err();
    assert!(matches!(err, StorageError::DiskFull { .. }), "{err:?}");
    assert!(err.is_transient());
    assert!(
        err.to_string().starts_with("disk full writing :memory:"),
        "{err}"
    );
    // Nothing half-written.
    assert_eq!(s.events_for_message(10, 1).unwrap(), vec![]);
}

#[test]
fn invalid_enumerations_are_rejected() {
    let mut s = mem();
    let err = s.record_event(&ev(1, "r", "scold", 1, "dm")).unwrap_err();
    assert!(
        matches!(
            err,
            StorageError::Invalid {
                field: "event kind",
                ..
            }
        ),
        "{err:?}"
    );
    let err = s
        .record_event(&ev(1, "r", "avoid", 1, "pigeon"))
        .unwrap_err();
    assert!(err.to_string().contains("\"pigeon\""), "{err}");
    let id = s.record_event(&ev(1, "r", "avoid", 1, "dm")).unwrap();
    assert!(s.set_event_delivery(id, "carrier", None, None).is_err());
    assert!(s.record_feedback(id, 2, "meh", 3).is_err());
}

#[test]
fn in_memory_opens_migrated() {
    let s = mem();
    assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(s.path(), Path::new(":memory:"));
}

// ----- ids ------------------------------------------------------------------------------

#[test]
fn u64_ids_round_trip_exactly() {
    let mut s = mem();
    let ids = [u64::MAX, BIG, 1 << 63, (1 << 63) - 1, 0, 1];
    for &id in &ids {
        let e = NewEvent {
            guild: id,
            channel: id,
            message: id,
            agent: id,
            rule_id: "r".into(),
            category: "c".into(),
            kind: "avoid".into(),
            at: 5,
            delivery: "dm".into(),
            dm_channel: Some(id),
            dm_message: Some(id),
            text: None,
        };
        let eid = s.record_event(&e).unwrap();
        let got = s.event(eid).unwrap().unwrap();
        assert_eq!(
            (got.guild, got.channel, got.message, got.agent),
            (id, id, id, id)
        );
        assert_eq!((got.dm_channel, got.dm_message), (Some(id), Some(id)));
        assert_eq!(s.events_for_message(id, id).unwrap().len(), 1);
        assert_eq!(s.last_coached(id, id, "r").unwrap(), Some(5));

        s.add_channel(id, id).unwrap();
        s.add_role(id, id).unwrap();
        s.set_paused(id, id, Some(9)).unwrap();
        assert_eq!(s.paused_until(id, id).unwrap(), Some(9));
        let o = s.guild_settings(id).unwrap();
        assert_eq!((o.channels_added, o.roles_added), (vec![id], vec![id]));

        let sid = s.add_suggestion(Some(eid), id, "r", id, "t", 1).unwrap();
        let d = s.decide_suggestion(sid, true, id, 2).unwrap().unwrap();
        assert_eq!((d.guild, d.user, d.decided_by), (id, id, Some(id)));
    }
    // Ids sort as u64, not as the stored i64.
    s.add_channel(G, u64::MAX).unwrap();
    s.add_channel(G, 3).unwrap();
    s.add_channel(G, 1 << 63).unwrap();
    assert_eq!(
        s.guild_settings(G).unwrap().channels_added,
        vec![3, 1 << 63, u64::MAX]
    );
}

// ----- guild settings -------------------------------------------------------------------

#[test]
fn guild_settings_default_is_empty() {
    assert_eq!(mem().guild_settings(G).unwrap(), GuildOverrides::default());
}

#[test]
fn delivery_and_cooldown_overrides() {
    let mut s = mem();
    s.set_delivery(G, "dm").unwrap();
    s.set_cooldown(G, 30).unwrap();
    s.set_delivery(G, "react").unwrap();
    let o = s.guild_settings(G).unwrap();
    assert_eq!(o.delivery.as_deref(), Some("react"));
    assert_eq!(o.cooldown_minutes, Some(30));
    s.set_cooldown(G, u32::MAX).unwrap();
    assert_eq!(
        s.guild_settings(G).unwrap().cooldown_minutes,
        Some(u32::MAX)
    );
    // Other guilds untouched.
    assert_eq!(s.guild_settings(G + 1).unwrap(), GuildOverrides::default());
}

#[test]
fn channel_add_remove_semantics() {
    let mut s = mem();
    // Added channel, then removed: the add is deleted, no removal recorded.
    s.add_channel(G, 100).unwrap();
    s.add_channel(G, 100).unwrap();
    assert_eq!(s.guild_settings(G).unwrap().channels_added, vec![100]);
    s.remove_channel(G, 100).unwrap();
    let o = s.guild_settings(G).unwrap();
    assert!(o.channels_added.is_empty() && o.channels_removed.is_empty());
    // Config channel removed: a removal is recorded (idempotently).
    s.remove_channel(G, 200).unwrap();
    s.remove_channel(G, 200).unwrap();
    assert_eq!(s.guild_settings(G).unwrap().channels_removed, vec![200]);
    // Added back: the removal is deleted, no add recorded.
    s.add_channel(G, 200).unwrap();
    let o = s.guild_settings(G).unwrap();
    assert!(o.channels_added.is_empty() && o.channels_removed.is_empty());
    // Roles live in their own list.
    assert!(o.roles_added.is_empty() && o.roles_removed.is_empty());
}

#[test]
fn role_add_remove_semantics() {
    let mut s = mem();
    s.add_role(G, 7).unwrap();
    s.remove_role(G, 8).unwrap();
    let o = s.guild_settings(G).unwrap();
    assert_eq!((o.roles_added, o.roles_removed), (vec![7], vec![8]));
    assert!(o.channels_added.is_empty() && o.channels_removed.is_empty());
    s.remove_role(G, 7).unwrap();
    s.add_role(G, 8).unwrap();
    let o = s.guild_settings(G).unwrap();
    assert!(o.roles_added.is_empty() && o.roles_removed.is_empty());
}

#[test]
fn rules_enable_disable() {
    let mut s = mem();
    s.set_rule_enabled(G, "fr.not_my_job", false).unwrap();
    s.set_rule_enabled(G, "fr.not_my_job", false).unwrap();
    s.set_rule_enabled(G, "en.calm_down", false).unwrap();
    s.set_rule_enabled(G, "never.disabled", true).unwrap();
    assert_eq!(
        s.guild_settings(G).unwrap().disabled_rules,
        vec!["en.calm_down".to_owned(), "fr.not_my_job".to_owned()]
    );
    s.set_rule_enabled(G, "en.calm_down", true).unwrap();
    assert_eq!(
        s.guild_settings(G).unwrap().disabled_rules,
        vec!["fr.not_my_job".to_owned()]
    );
}

#[test]
fn reset_guild_settings_clears_only_that_guild() {
    let mut s = mem();
    for g in [G, G + 1] {
        s.set_delivery(g, "dm").unwrap();
        s.set_cooldown(g, 3).unwrap();
        s.add_channel(g, 1).unwrap();
        s.remove_role(g, 2).unwrap();
        s.set_rule_enabled(g, "r", false).unwrap();
    }
    s.reset_guild_settings(G).unwrap();
    assert_eq!(s.guild_settings(G).unwrap(), GuildOverrides::default());
    assert_eq!(s.guild_settings(G + 1).unwrap().disabled_rules, vec!["r"]);
}

// ----- agent preferences ----------------------------------------------------------------

#[test]
fn pause_and_resume() {
    let mut s = mem();
    assert_eq!(s.paused_until(G, 5).unwrap(), None);
    s.set_paused(G, 5, Some(1_700_000_000)).unwrap();
    assert_eq!(s.paused_until(G, 5).unwrap(), Some(1_700_000_000));
    s.set_paused(G, 5, Some(PAUSED_UNTIL_RESUMED)).unwrap();
    assert_eq!(s.paused_until(G, 5).unwrap(), Some(i64::MAX));
    assert_eq!(s.paused_until(G + 1, 5).unwrap(), None);
    assert_eq!(s.paused_until(G, 6).unwrap(), None);
    s.set_paused(G, 5, None).unwrap();
    assert_eq!(s.paused_until(G, 5).unwrap(), None);
    // Resuming someone never paused is fine.
    s.set_paused(G, 6, None).unwrap();
    assert_eq!(s.paused_until(G, 6).unwrap(), None);
}

// ----- events ---------------------------------------------------------------------------

#[test]
fn record_and_read_event() {
    let mut s = mem();
    let mut e = ev(42, "fr.not_my_job", "avoid", 1_000, "dm");
    e.dm_channel = Some(77);
    e.dm_message = Some(78);
    let id = s.record_event(&e).unwrap();
    let got = s.event(id).unwrap().unwrap();
    assert_eq!(got.id, id);
    assert_eq!(got.rule_id, "fr.not_my_job");
    assert_eq!(got.category, "cat-fr.not_my_job");
    assert_eq!(got.kind, "avoid");
    assert_eq!(got.at, 1_000);
    assert_eq!(got.delivery, "dm");
    assert_eq!((got.dm_channel, got.dm_message), (Some(77), Some(78)));
    assert_eq!(got.text, None, "no text stored unless passed");
    assert_eq!(got.status, "active");
    assert_eq!((got.corrected_at, got.withdrawn_at), (None, None));
    assert_eq!(s.event(id + 1000).unwrap(), None);

    let mut e2 = ev(42, "r2", "praise", 1_000, "react");
    e2.text = Some("ce n'est pas de mon ressort".into());
    let id2 = s.record_event(&e2).unwrap();
    assert!(id2 > id);
    assert_eq!(
        s.event(id2).unwrap().unwrap().text.as_deref(),
        Some("ce n'est pas de mon ressort")
    );
    let stored_text: Option<String> = s
        .conn
        .query_row("SELECT text FROM events WHERE id = ?1", [id], |r| r.get(0))
        .unwrap();
    assert_eq!(stored_text, None);
}

#[test]
fn set_event_delivery_updates() {
    let mut s = mem();
    let id = s.record_event(&ev(1, "r", "avoid", 10, "dm")).unwrap();
    assert!(s
        .set_event_delivery(id, "dm_fallback_channel", Some(BIG), Some(u64::MAX))
        .unwrap());
    let got = s.event(id).unwrap().unwrap();
    assert_eq!(got.delivery, "dm_fallback_channel");
    assert_eq!(
        (got.dm_channel, got.dm_message),
        (Some(BIG), Some(u64::MAX))
    );
    assert!(!s.set_event_delivery(id + 1, "dm", None, None).unwrap());
}

#[test]
fn events_for_message_lists_all_in_order() {
    let mut s = mem();
    let mut a = ev(1, "a", "avoid", 10, "dm");
    a.message = 500;
    let mut b = ev(1, "b", "praise", 10, "react");
    b.message = 500;
    let mut other = ev(1, "c", "avoid", 10, "dm");
    other.message = 501;
    let ia = s.record_event(&a).unwrap();
    let ib = s.record_event(&b).unwrap();
    s.record_event(&other).unwrap();
    let got = s.events_for_message(10, 500).unwrap();
    assert_eq!(got.iter().map(|e| e.id).collect::<Vec<_>>(), vec![ia, ib]);
    assert!(s.events_for_message(11, 500).unwrap().is_empty());
}

#[test]
fn correction_and_withdrawal() {
    let mut s = mem();
    let mut a = ev(1, "a", "avoid", 10, "dm");
    a.message = 500;
    let mut b = ev(1, "b", "avoid", 10, "dm");
    b.message = 500;
    let ia = s.record_event(&a).unwrap();
    let ib = s.record_event(&b).unwrap();

    assert!(s.mark_corrected(ia, 20).unwrap());
    assert!(!s.mark_corrected(ia, 21).unwrap(), "only once");
    assert!(!s.mark_corrected(9_999, 21).unwrap(), "missing event");
    let ea = s.event(ia).unwrap().unwrap();
    assert_eq!(
        (ea.status.as_str(), ea.corrected_at),
        ("corrected", Some(20))
    );

    // Withdrawal touches only the still-active event.
    assert_eq!(s.mark_withdrawn_for_message(10, 500, 30).unwrap(), 1);
    assert_eq!(s.mark_withdrawn_for_message(10, 500, 31).unwrap(), 0);
    let eb = s.event(ib).unwrap().unwrap();
    assert_eq!(
        (eb.status.as_str(), eb.withdrawn_at),
        ("withdrawn", Some(30))
    );
    assert_eq!(s.event(ia).unwrap().unwrap().status, "corrected");
    assert!(
        !s.mark_corrected(ib, 40).unwrap(),
        "withdrawn cannot be corrected"
    );
    assert_eq!(s.mark_withdrawn_for_message(10, 999, 31).unwrap(), 0);
}

#[test]
fn last_coached_ignores_undelivered_praise_and_other_keys() {
    let mut s = mem();
    assert_eq!(s.last_coached(G, 1, "r").unwrap(), None);
    s.record_event(&ev(1, "r", "avoid", 100, "dm")).unwrap();
    s.record_event(&ev(1, "r", "avoid", 200, "cooldown"))
        .unwrap();
    s.record_event(&ev(1, "r", "avoid", 300, "none")).unwrap();
    s.record_event(&ev(1, "r", "praise", 400, "react")).unwrap();
    s.record_event(&ev(2, "r", "avoid", 500, "dm")).unwrap();
    s.record_event(&ev(1, "other", "avoid", 600, "dm")).unwrap();
    let mut other_guild = ev(1, "r", "avoid", 700, "dm");
    other_guild.guild = G + 1;
    s.record_event(&other_guild).unwrap();
    assert_eq!(s.last_coached(G, 1, "r").unwrap(), Some(100));

    for (at, delivery) in [
        (150, "reply"),
        (160, "coach_channel"),
        (170, "dm_fallback_react"),
    ] {
        s.record_event(&ev(1, "r", "avoid", at, delivery)).unwrap();
        assert_eq!(s.last_coached(G, 1, "r").unwrap(), Some(at));
    }
    // An event later switched to undelivered stops counting; the reverse starts counting.
    let id = s.record_event(&ev(1, "r", "avoid", 800, "dm")).unwrap();
    assert_eq!(s.last_coached(G, 1, "r").unwrap(), Some(800));
    s.set_event_delivery(id, "none", None, None).unwrap();
    assert_eq!(s.last_coached(G, 1, "r").unwrap(), Some(170));
    s.set_event_delivery(id, "dm_fallback_channel", None, None)
        .unwrap();
    assert_eq!(s.last_coached(G, 1, "r").unwrap(), Some(800));
}

#[test]
fn last_coached_uses_partial_index() {
    let s = mem();
    let plan: Vec<String> = s
        .conn
        .prepare(
            "EXPLAIN QUERY PLAN SELECT at FROM events
             WHERE guild_id = ?1 AND agent_id = ?2 AND rule_id = ?3
               AND kind = 'avoid' AND delivery NOT IN ('cooldown', 'none')
             ORDER BY at DESC LIMIT 1",
        )
        .unwrap()
        .query_map(params![1, 2, "r"], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let plan = plan.join(" | ");
    assert!(plan.contains("events_last_coached"), "{plan}");
    assert!(!plan.contains("TEMP B-TREE"), "{plan}");
}

// ----- feedback and suggestions ---------------------------------------------------------

fn feedback_rows(s: &Storage, event: i64) -> Vec<(u64, String, i64)> {
    let mut rows: Vec<(u64, String, i64)> = s
        .conn
        .prepare("SELECT user_id, kind, at FROM feedback WHERE event_id = ?1")
        .unwrap()
        .query_map([event], |r| Ok((from_db(r.get(0)?), r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    rows.sort();
    rows
}

#[test]
fn feedback_second_click_replaces_first() {
    let mut s = mem();
    let id = s.record_event(&ev(1, "r", "avoid", 10, "dm")).unwrap();
    s.record_feedback(id, 1, "helpful", 11).unwrap();
    s.record_feedback(id, BIG, "helpful", 12).unwrap();
    s.record_feedback(id, 1, "not_relevant", 13).unwrap();
    assert_eq!(
        feedback_rows(&s, id),
        vec![
            (1, "not_relevant".to_owned(), 13),
            (BIG, "helpful".to_owned(), 12)
        ]
    );
    let stats = s.stats(G, 0).unwrap();
    assert_eq!((stats.helpful, stats.not_relevant), (1, 1));
}

#[test]
fn feedback_on_missing_event_is_no_such_event() {
    let mut s = mem();
    let err = s.record_feedback(123, 1, "helpful", 1).unwrap_err();
    assert!(
        matches!(err, StorageError::NoSuchEvent { event_id: 123, .. }),
        "{err:?}"
    );
    let err = s.add_suggestion(Some(123), G, "r", 1, "t", 1).unwrap_err();
    assert!(
        matches!(err, StorageError::NoSuchEvent { event_id: 123, .. }),
        "{err:?}"
    );
}

#[test]
fn suggestions_pending_and_listing() {
    let mut s = mem();
    let eid = s.record_event(&ev(1, "r", "avoid", 10, "dm")).unwrap();
    let a = s
        .add_suggestion(Some(eid), G, "r", 5, "Je transmets à l'équipe X", 20)
        .unwrap();
    let b = s.add_suggestion(None, G, "q", 6, "Autre", 15).unwrap();
    s.add_suggestion(None, G + 1, "r", 6, "elsewhere", 1)
        .unwrap();
    let p = s.pending_suggestions(G).unwrap();
    assert_eq!(p.iter().map(|x| x.id).collect::<Vec<_>>(), vec![b, a]);
    let sa = &p[1];
    assert_eq!(sa.event_id, Some(eid));
    assert_eq!((sa.guild, sa.user, sa.at), (G, 5, 20));
    assert_eq!(sa.rule_id, "r");
    assert_eq!(sa.text, "Je transmets à l'équipe X");
    assert_eq!(sa.status, "pending");
    assert_eq!((sa.decided_by, sa.decided_at), (None, None));
    assert_eq!(p[0].event_id, None);
}

#[test]
fn suggestion_decided_only_once_and_overlay() {
    let mut s = mem();
    let a = s.add_suggestion(None, G, "r1", 5, "alt one", 1).unwrap();
    let b = s.add_suggestion(None, G, "r2", 5, "alt two", 2).unwrap();
    let c = s.add_suggestion(None, G, "r1", 5, "alt three", 3).unwrap();

    let d = s.decide_suggestion(c, true, 9, 10).unwrap().unwrap();
    assert_eq!(d.id, c);
    assert_eq!(d.status, "accepted");
    assert_eq!((d.decided_by, d.decided_at), (Some(9), Some(10)));
    assert_eq!(s.decide_suggestion(c, false, 9, 11).unwrap(), None);

    let r = s.decide_suggestion(b, false, 9, 12).unwrap().unwrap();
    assert_eq!(r.status, "rejected");
    assert_eq!(s.decide_suggestion(b, true, 9, 13).unwrap(), None);
    assert_eq!(s.decide_suggestion(9_999, true, 9, 13).unwrap(), None);

    s.decide_suggestion(a, true, 9, 14).unwrap().unwrap();
    assert!(s.pending_suggestions(G).unwrap().is_empty());
    assert_eq!(
        s.overlay(G).unwrap(),
        vec![
            ("r1".to_owned(), "alt three".to_owned()),
            ("r1".to_owned(), "alt one".to_owned())
        ]
    );
    assert!(s.overlay(G + 1).unwrap().is_empty());
}

// ----- stats ----------------------------------------------------------------------------

/// Fixture: guild G, window since=100.
/// - rule a (cat x, avoid): 3 events in window (1 corrected, 1 cooldown), 1 before.
/// - rule b (cat x, avoid): 1 event, corrected.
/// - rule p (cat y, praise): 2 events.
/// - another guild's event is ignored.
fn stats_fixture() -> Storage {
    let mut s = mem();
    let mk = |rule: &str, cat: &str, kind: &str, at: i64, delivery: &str| NewEvent {
        category: cat.to_owned(),
        ..ev(1, rule, kind, at, delivery)
    };
    let a1 = s.record_event(&mk("a", "x", "avoid", 100, "dm")).unwrap();
    let a2 = s.record_event(&mk("a", "x", "avoid", 110, "dm")).unwrap();
    s.record_event(&mk("a", "x", "avoid", 120, "cooldown"))
        .unwrap();
    let old = s.record_event(&mk("a", "x", "avoid", 50, "dm")).unwrap();
    let b1 = s
        .record_event(&mk("b", "x", "avoid", 130, "reply"))
        .unwrap();
    let p1 = s
        .record_event(&mk("p", "y", "praise", 140, "react"))
        .unwrap();
    s.record_event(&mk("p", "y", "praise", 150, "react"))
        .unwrap();
    let mut foreign = mk("a", "x", "avoid", 160, "dm");
    foreign.guild = G + 1;
    let f1 = s.record_event(&foreign).unwrap();

    s.mark_corrected(a1, 105).unwrap();
    s.mark_corrected(b1, 135).unwrap();
    s.mark_corrected(old, 55).unwrap();
    // a: 2 helpful + 1 not_relevant (on two events); b: 2 not_relevant; p: 1 helpful.
    s.record_feedback(a1, 1, "helpful", 200).unwrap();
    s.record_feedback(a1, 2, "not_relevant", 200).unwrap();
    s.record_feedback(a2, 1, "helpful", 200).unwrap();
    s.record_feedback(b1, 1, "not_relevant", 200).unwrap();
    s.record_feedback(b1, 2, "not_relevant", 200).unwrap();
    s.record_feedback(p1, 3, "helpful", 200).unwrap();
    s.record_feedback(old, 3, "not_relevant", 200).unwrap();
    s.record_feedback(f1, 3, "not_relevant", 200).unwrap();
    s
}

#[test]
fn stats_on_fixture() {
    let s = stats_fixture();
    let st = s.stats(G, 100).unwrap();
    let rule = |id: &str, cat: &str, kind: &str, e, c, h, n| RuleStats {
        rule_id: id.into(),
        category: cat.into(),
        kind: kind.into(),
        events: e,
        corrected: c,
        helpful: h,
        not_relevant: n,
    };
    assert_eq!(
        st.per_rule,
        vec![
            rule("a", "x", "avoid", 3, 1, 2, 1),
            rule("p", "y", "praise", 2, 0, 1, 0),
            rule("b", "x", "avoid", 1, 1, 0, 2),
        ]
    );
    assert_eq!(
        st.per_category,
        vec![
            ("x".to_owned(), "avoid".to_owned(), 4, 2),
            ("y".to_owned(), "praise".to_owned(), 2, 0),
        ]
    );
    assert_eq!((st.total_avoid, st.total_praise), (4, 2));
    assert_eq!(st.corrected, 2);
    assert_eq!((st.helpful, st.not_relevant), (3, 3));

    // Including the old event.
    let all = s.stats(G, 0).unwrap();
    assert_eq!(
        (all.total_avoid, all.corrected, all.not_relevant),
        (5, 3, 4)
    );
    // Empty window / unknown guild.
    assert_eq!(s.stats(G, 1_000).unwrap(), Stats::default());
    assert_eq!(s.stats(G + 2, 0).unwrap(), Stats::default());
}

#[test]
fn feedback_ranking_on_fixture() {
    let s = stats_fixture();
    let r = s.feedback_ranking(G, 100).unwrap();
    let fb = |id: &str, h, n, e| RuleFeedback {
        rule_id: id.into(),
        helpful: h,
        not_relevant: n,
        events: e,
    };
    // b: 2/2 not relevant, a: 1/3, p: 0/1.
    assert_eq!(
        r,
        vec![fb("b", 0, 2, 1), fb("a", 2, 1, 3), fb("p", 1, 0, 2)]
    );
    // Old event of a adds 1 not_relevant: a = 2/4 ... b still first.
    let r = s.feedback_ranking(G, 0).unwrap();
    assert_eq!(r[0].rule_id, "b");
    assert_eq!(r[1], fb("a", 2, 2, 4));
    assert!(s.feedback_ranking(G, 1_000).unwrap().is_empty());
}

#[test]
fn feedback_ranking_skips_rules_without_votes_and_breaks_ties() {
    let mut s = mem();
    let x = s.record_event(&ev(1, "x", "avoid", 1, "dm")).unwrap();
    let y = s.record_event(&ev(1, "y", "avoid", 2, "dm")).unwrap();
    s.record_event(&ev(1, "silent", "avoid", 3, "dm")).unwrap();
    // x: 1/2, y: 2/4 → same rate, y has more not_relevant.
    s.record_feedback(x, 1, "not_relevant", 5).unwrap();
    s.record_feedback(x, 2, "helpful", 5).unwrap();
    for u in 1..=2 {
        s.record_feedback(y, u, "not_relevant", 5).unwrap();
    }
    for u in 3..=4 {
        s.record_feedback(y, u, "helpful", 5).unwrap();
    }
    let r = s.feedback_ranking(G, 0).unwrap();
    assert_eq!(
        r.iter().map(|f| f.rule_id.as_str()).collect::<Vec<_>>(),
        vec!["y", "x"]
    );
}

#[test]
fn background_checkpoints_copy_the_log_into_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tact.db");
    let mut writer = Storage::open(&path).unwrap();
    writer.set_auto_checkpoint(0).unwrap();
    let checkpointer = Storage::open(&path).unwrap();
    for i in 0..200 {
        writer
            .record_event(&ev(i, "r", "avoid", 100 + i as i64, "dm"))
            .unwrap();
    }
    let wal = dir.path().join("tact.db-wal");
    let before = std::fs::metadata(&wal).unwrap().len();
    assert!(before > 0, "commits went to the log, not the file");
    checkpointer.checkpoint_passive().unwrap();
    // After a checkpoint the log is reused from its start: new commits do not grow it.
    writer
        .record_event(&ev(999, "r", "avoid", 999, "dm"))
        .unwrap();
    assert!(std::fs::metadata(&wal).unwrap().len() <= before);
    let reader = Storage::open(&path).unwrap();
    assert_eq!(reader.stats(G, 0).unwrap().total_avoid, 201);
}
