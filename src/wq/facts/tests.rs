use super::*;

const HEADER_5_10: &str = r#"
extern struct workqueue_struct *system_wq;
extern struct workqueue_struct *system_unbound_wq;
extern void flush_scheduled_work(void);
static inline bool schedule_work(struct work_struct *work)
{
	return queue_work(system_wq, work);
}
"#;

const SOURCE_5_10: &str = r#"
void flush_scheduled_work(void)
{
	flush_workqueue(system_wq);
}
void __init workqueue_init_early(void)
{
	system_wq = alloc_workqueue("events", 0, 0);
	system_unbound_wq = alloc_workqueue("events_unbound", WQ_UNBOUND,
					    WQ_UNBOUND_MAX_ACTIVE);
}
"#;

const HEADER_7_2: &str = r#"
/* system_percpu_wq is the one used by schedule[_delayed]_work[_on]() */
extern struct workqueue_struct *system_wq; /* use system_percpu_wq, this will be removed */
extern struct workqueue_struct *system_percpu_wq;
extern struct workqueue_struct *system_dfl_wq;
static inline bool schedule_work(struct work_struct *work)
{
	return queue_work(system_percpu_wq, work);
}
#define flush_scheduled_work()						\
({									\
	__warn_flushing_systemwide_wq();				\
	__flush_workqueue(system_percpu_wq);				\
})
"#;

const SOURCE_7_2: &str = r#"
	system_wq = alloc_workqueue("events", WQ_PERCPU | __WQ_DEPRECATED, 0);
	system_percpu_wq = alloc_workqueue("events", WQ_PERCPU, 0);
	system_dfl_wq = alloc_workqueue("events_unbound", WQ_UNBOUND, WQ_MAX_ACTIVE);
"#;

fn flags(facts: &WqFacts, name: &str) -> Option<&'static str> {
    facts.system_wq(name).and_then(|wq| wq.flags())
}

#[test]
fn a_5_10_tree_gives_5_10_facts() {
    let facts = WqFacts::read(HEADER_5_10.as_bytes(), Some(SOURCE_5_10.as_bytes()));
    let names: Vec<&str> = facts.system.iter().map(|f| f.wq.ident()).collect();
    assert_eq!(names, ["system_wq", "system_unbound_wq"]);
    assert_eq!(flags(&facts, "system_unbound_wq"), Some("WQ_UNBOUND"));
    assert_eq!(flags(&facts, "system_wq"), Some("0"));
    assert_eq!(facts.implied("schedule_work").unwrap().ident(), "system_wq");
    assert_eq!(
        facts.implied("flush_scheduled_work").unwrap().ident(),
        "system_wq"
    );
    // schedule_delayed_work has no definition in this excerpt.
    assert!(!facts.all_from_tree());
    assert!(facts
        .notes
        .iter()
        .any(|n| n.starts_with("schedule_delayed_work:")));
}

#[test]
fn a_7_2_tree_moves_implied_calls_and_keeps_wq_percpu() {
    let facts = WqFacts::read(HEADER_7_2.as_bytes(), Some(SOURCE_7_2.as_bytes()));
    assert_eq!(
        facts.implied("schedule_work").unwrap().ident(),
        "system_percpu_wq"
    );
    assert_eq!(
        facts.implied("flush_scheduled_work").unwrap().ident(),
        "system_percpu_wq"
    );
    assert_eq!(flags(&facts, "system_wq"), Some("WQ_PERCPU"));
    assert_eq!(flags(&facts, "system_dfl_wq"), Some("WQ_UNBOUND"));
    assert_eq!(facts.system_wq("system_bh_wq"), None);
}

#[test]
fn without_workqueue_c_the_known_flags_fall_back_and_the_rest_are_unknown() {
    let facts = WqFacts::read(HEADER_7_2.as_bytes(), None);
    assert_eq!(flags(&facts, "system_wq"), Some("0"));
    assert_eq!(flags(&facts, "system_percpu_wq"), None);
    assert!(facts
        .notes
        .iter()
        .any(|n| n.contains("system_percpu_wq: flags unknown")));
}

#[test]
fn a_header_without_declarations_falls_back_whole() {
    let facts = WqFacts::read(b"int x;", None);
    assert_eq!(facts.system.len(), 7);
    assert!(facts.system.iter().all(|f| !f.from_tree));
    assert_eq!(facts.notes.len(), 1);
}

#[test]
fn internal_flags_are_dropped_and_zero_stays_zero() {
    assert_eq!(local_flags("WQ_PERCPU | __WQ_DEPRECATED"), "WQ_PERCPU");
    assert_eq!(local_flags("__WQ_LEGACY"), "0");
    assert_eq!(local_flags("0"), "0");
    assert_eq!(
        local_flags("WQ_FREEZABLE | WQ_POWER_EFFICIENT"),
        "WQ_FREEZABLE | WQ_POWER_EFFICIENT"
    );
}

#[test]
fn max_active_is_the_trees() {
    let old = WqFacts::read(HEADER_5_10.as_bytes(), Some(SOURCE_5_10.as_bytes()));
    let max = |facts: &WqFacts, name: &str| facts.system_wq(name).map(|wq| wq.max_active());
    assert_eq!(
        max(&old, "system_unbound_wq"),
        Some("WQ_UNBOUND_MAX_ACTIVE")
    );
    assert_eq!(max(&old, "system_wq"), Some("0"));
    let new = WqFacts::read(HEADER_7_2.as_bytes(), Some(SOURCE_7_2.as_bytes()));
    assert_eq!(max(&new, "system_dfl_wq"), Some("WQ_MAX_ACTIVE"));
    let fallback = WqFacts::fallback("no tree");
    assert_eq!(
        max(&fallback, "system_unbound_wq"),
        Some("WQ_UNBOUND_MAX_ACTIVE")
    );
}

#[test]
fn aliases_are_one_word_for_another() {
    let header = "enum {\n\tWQ_MAX_ACTIVE\t\t= 512,\t  /* I like 512 */\n\
                  \tWQ_UNBOUND_MAX_ACTIVE\t= WQ_MAX_ACTIVE,\n\
                  \tWQ_DFL_ACTIVE\t\t= WQ_MAX_ACTIVE / 2,\n};\n\
                  #define WQ_OLD\tWQ_NEW\n";
    assert_eq!(
        declared_aliases(without_comments(header.as_bytes()).as_slice()),
        [
            ("WQ_OLD".to_string(), "WQ_NEW".to_string()),
            (
                "WQ_UNBOUND_MAX_ACTIVE".to_string(),
                "WQ_MAX_ACTIVE".to_string()
            )
        ]
    );
}
