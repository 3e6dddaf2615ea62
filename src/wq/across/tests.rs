use super::*;

const HEADER_5_10: &str = "
enum {
	WQ_UNBOUND		= 1 << 1,
	WQ_HIGHPRI		= 1 << 4,
};
extern struct workqueue_struct *system_wq;
extern struct workqueue_struct *system_highpri_wq;
extern struct workqueue_struct *system_unbound_wq;
static inline bool schedule_work(struct work_struct *work)
{
	return queue_work(system_wq, work);
}
";

const SOURCE_5_10: &str = r#"
	system_wq = alloc_workqueue("events", 0, 0);
	system_highpri_wq = alloc_workqueue("events_highpri", WQ_HIGHPRI, 0);
	system_unbound_wq = alloc_workqueue("events_unbound", WQ_UNBOUND, 512);
"#;

const HEADER_7_2: &str = "
enum wq_flags {
	WQ_BH			= 1 << 0,
	WQ_UNBOUND		= 1 << 1,
	WQ_HIGHPRI		= 1 << 4,
	WQ_PERCPU		= 1 << 8,
};
extern struct workqueue_struct *system_wq;
extern struct workqueue_struct *system_percpu_wq;
extern struct workqueue_struct *system_highpri_wq;
extern struct workqueue_struct *system_unbound_wq;
static inline bool schedule_work(struct work_struct *work)
{
	return queue_work(system_percpu_wq, work);
}
";

const SOURCE_7_2: &str = r#"
	system_wq = alloc_workqueue("events", WQ_PERCPU | __WQ_DEPRECATED, 0);
	system_percpu_wq = alloc_workqueue("events", WQ_PERCPU, 0);
	system_highpri_wq = alloc_workqueue("events_highpri", WQ_HIGHPRI | WQ_PERCPU, 0);
	system_unbound_wq = alloc_workqueue("events_unbound", WQ_UNBOUND, 512);
"#;

fn kernel(header: &str, source: &str, version: &str) -> WqFacts {
    let mut facts = WqFacts::read(header.as_bytes(), Some(source.as_bytes()));
    facts.kernel = Some(version.into());
    facts
}

fn flags(facts: &WqFacts, name: &str) -> Option<&'static str> {
    facts.system_wq(name).and_then(|wq| wq.flags())
}

#[test]
fn the_header_tells_which_flags_a_kernel_declares() {
    let old = kernel(HEADER_5_10, SOURCE_5_10, "5.10.223");
    assert_eq!(old.flag_names, ["WQ_HIGHPRI", "WQ_UNBOUND"]);
    let new = kernel(HEADER_7_2, SOURCE_7_2, "7.2.13");
    assert!(new.flag_names.iter().any(|f| f == "WQ_PERCPU"));
}

#[test]
fn one_kernel_keeps_its_own_facts() {
    let only = kernel(HEADER_7_2, SOURCE_7_2, "7.2.13");
    assert_eq!(merge(std::slice::from_ref(&only)), vec![only]);
}

#[test]
fn percpu_is_written_for_all_with_a_compat_for_kernels_without_it() {
    let merged = merge(&[
        kernel(HEADER_5_10, SOURCE_5_10, "5.10.223"),
        kernel(HEADER_7_2, SOURCE_7_2, "7.2.13"),
    ]);
    for facts in &merged {
        assert_eq!(flags(facts, "system_wq"), Some("WQ_PERCPU"));
        assert_eq!(
            flags(facts, "system_highpri_wq"),
            Some("WQ_HIGHPRI | WQ_PERCPU")
        );
        assert_eq!(flags(facts, "system_unbound_wq"), Some("WQ_UNBOUND"));
        assert_eq!(facts.compat.len(), 1);
        assert_eq!(facts.compat[0].symbol, "WQ_PERCPU");
        assert_eq!(facts.compat[0].lacking, ["5.10.223"]);
        assert!(
            !facts.notes.iter().any(|n| n.contains("refused")),
            "{:?}",
            facts.notes
        );
    }
    // schedule_work() keeps acting on each kernel's own queue.
    assert_eq!(
        merged[0].implied("schedule_work").map(|w| w.ident()),
        Some("system_wq")
    );
    assert_eq!(
        merged[1].implied("schedule_work").map(|w| w.ident()),
        Some("system_percpu_wq")
    );
}

#[test]
fn kernels_that_all_declare_a_flag_need_no_compat() {
    let merged = merge(&[
        kernel(HEADER_7_2, SOURCE_7_2, "6.12.118"),
        kernel(HEADER_7_2, SOURCE_7_2, "7.2.13"),
    ]);
    assert!(merged.iter().all(|f| f.compat.is_empty()));
}

#[test]
fn flags_that_mean_different_things_are_no_fact() {
    let odd = SOURCE_7_2.replace(
        "system_highpri_wq = alloc_workqueue(\"events_highpri\", WQ_HIGHPRI | WQ_PERCPU",
        "system_highpri_wq = alloc_workqueue(\"events_highpri\", WQ_HIGHPRI | WQ_UNBOUND",
    );
    let merged = merge(&[
        kernel(HEADER_5_10, SOURCE_5_10, "5.10.223"),
        kernel(HEADER_7_2, &odd, "7.2.13"),
    ]);
    assert_eq!(flags(&merged[0], "system_highpri_wq"), None);
    let note = merged[1].notes.join("\n");
    assert!(
        note.contains("WQ_HIGHPRI on 5.10.223")
            && note.contains("WQ_HIGHPRI | WQ_UNBOUND on 7.2.13"),
        "{note}"
    );
    assert_eq!(flags(&merged[0], "system_wq"), Some("WQ_PERCPU"));
}

fn max_active(facts: &WqFacts, name: &str) -> Option<&'static str> {
    facts.system_wq(name).map(|wq| wq.max_active())
}

/// 5.10 creates system_unbound_wq with WQ_UNBOUND_MAX_ACTIVE (a macro),
/// 6.8 and later with WQ_MAX_ACTIVE, declaring the old name its alias.
fn unbound_max(source: &str, spelling: &str) -> String {
    source.replace("WQ_UNBOUND, 512);", &format!("WQ_UNBOUND, {spelling});"))
}

#[test]
fn max_active_is_spelt_so_that_each_kernel_gets_its_own() {
    let header_7_2 = HEADER_7_2.replace(
        "};",
        "\tWQ_MAX_ACTIVE\t\t= 512,\n\tWQ_UNBOUND_MAX_ACTIVE\t= WQ_MAX_ACTIVE,\n};",
    );
    let old = kernel(
        HEADER_5_10,
        &unbound_max(SOURCE_5_10, "WQ_UNBOUND_MAX_ACTIVE"),
        "5.10.223",
    );
    let new = kernel(
        &header_7_2,
        &unbound_max(SOURCE_7_2, "WQ_MAX_ACTIVE"),
        "7.2.13",
    );
    assert_eq!(max_active(&new, "system_unbound_wq"), Some("WQ_MAX_ACTIVE"));
    let merged = merge(&[old.clone(), new]);
    for facts in &merged {
        assert_eq!(
            max_active(facts, "system_unbound_wq"),
            Some("WQ_UNBOUND_MAX_ACTIVE")
        );
        assert_eq!(max_active(facts, "system_wq"), Some("0"));
    }
    // Without the alias, no spelling means the same on both: no fact.
    let unaliased = kernel(
        HEADER_7_2,
        &unbound_max(SOURCE_7_2, "WQ_MAX_ACTIVE"),
        "7.2.13",
    );
    let merged = merge(&[old, unaliased]);
    assert_eq!(flags(&merged[0], "system_unbound_wq"), None);
    let note = merged[0].notes.join("\n");
    assert!(
        note.contains("WQ_UNBOUND_MAX_ACTIVE on 5.10.223")
            && note.contains("WQ_MAX_ACTIVE on 7.2.13"),
        "{note}"
    );
}
