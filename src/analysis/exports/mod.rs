//! Tree-wide index, built from text in the same read that selects modules:
//! exported functions (EXPORT_SYMBOL*) that reach a queueing call on a
//! system workqueue within their own file (providers), and every file that
//! queues on one, with what it calls (for a flushing module's dependents).
//! Text, not parse trees: kernel style puts a function's braces in column
//! 0, which bounds it cheaply, and only prefiltered files are split.

pub(crate) mod callback;
mod names;
mod owned;
mod providers;
mod queue_names;
mod text;

use crate::ctext::exported_names;
use crate::wq::{self, SystemWq, WqFacts};
use names::{calls_and_installs, name_hash};
use providers::providers_of;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
pub(crate) use text::item_key;
use text::system_queueing;

/// Where an exported function ends up queueing on a system workqueue.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Provider {
    pub function: String,
    pub file: PathBuf,
    pub line: usize,
    pub call: String,
    /// The system workqueue the call queues on; None when the tree names
    /// one localwq does not know (it then counts as any).
    pub wq: Option<SystemWq>,
    /// The queued item is a file-scope work item of the provider's own
    /// file (`kmem_cache_destroy()`'s, `fput()`'s): its code queues and
    /// manages it whoever calls it, so no caller's flush is what protects it.
    pub own_item: bool,
    /// Exported functions of the same file that cancel or flush every item
    /// this one queues (`power_supply_unregister()` cancels the
    /// `changed_work` that `power_supply_changed()` queues): the provider's
    /// own teardown, which a caller invokes instead of relying on its flush.
    pub teardown: Vec<String>,
    /// The waiting calls those teardowns make on the item
    /// (`cancel_work_sync`), for the reviewer.
    pub teardown_waits: Vec<String>,
    /// The queued item is reached from the function's own parameter: the
    /// caller hands its item in (a callback may come with it).
    pub hands_item: bool,
    /// The function takes a callback (a function pointer parameter,
    /// spelt out or through a typedef): the work it queues runs the
    /// caller's code.
    pub takes_callback: bool,
    /// It takes a `struct module *`: it can pin the caller's module until
    /// its work has run (`request_firmware_nowait()`).
    pub pins_module: bool,
}

impl Provider {
    /// Whether a flush of `flushed`, in a module that calls `called`,
    /// waits for this provider's work on its caller's behalf.
    pub fn works_for_caller(&self, flushed: &BTreeSet<SystemWq>, called: &BTreeSet<&str>) -> bool {
        let torn_down = self.teardown.iter().any(|t| called.contains(t.as_str()));
        !self.own_item && !torn_down && self.wq.is_none_or(|wq| flushed.contains(&wq))
    }
}

/// Other code that calls a module's exports and queues on a flushed
/// system workqueue itself: the module's flush may be waiting for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependent {
    pub file: PathBuf,
    /// The module's exports it calls.
    pub calls: Vec<String>,
    /// The module's exports it installs as function pointers
    /// (`.suspend = mod_suspend`): it reaches them as if it called them.
    pub installs: Vec<String>,
}

/// A file that queues on a system workqueue itself, and what it calls.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QueueingFile {
    pub path: PathBuf,
    /// The system workqueues it queues on; None for one localwq does not
    /// know (it then counts as any).
    pub wqs: Vec<Option<SystemWq>>,
    /// The names it calls (functions and function-like macros), as sorted
    /// `name_hash`es: a whole-tree index holds thousands of these, and
    /// strings would cost the scan a fifth of its time.
    calls: Vec<u64>,
    /// The names it installs as values (`.op = name`), hashed the same way.
    installs: Vec<u64>,
}

impl QueueingFile {
    /// Whether the file calls `name`.
    pub fn calls(&self, name: &str) -> bool {
        self.calls.binary_search(&name_hash(name)).is_ok()
    }

    /// Whether the file installs `name` as a function pointer.
    pub fn installs(&self, name: &str) -> bool {
        self.installs.binary_search(&name_hash(name)).is_ok()
    }

    pub fn queues_on(&self, flushed: &BTreeSet<SystemWq>) -> bool {
        self.wqs
            .iter()
            .any(|wq| wq.is_none_or(|wq| flushed.contains(&wq)))
    }
}

/// Saved for a kernel and read back (`index_cache`): the workqueues by
/// name, given their flags again by `resolved`.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct TreeIndex {
    pub providers: BTreeMap<String, Provider>,
    pub queueing: Vec<QueueingFile>,
    /// From a walk that leaves providers for later (`of_file_deferred`):
    /// each name exported by a file that queues, with the files exporting
    /// it, by path. A run asks for the few that its modules call
    /// (`providers_of_file`): splitting every exporting file of a tree
    /// into functions cost a whole scan an eighth of its time. A file's
    /// names share its path (thousands of names). Kept by a walk's cache
    /// (`cache::walk`), never by a kernel's (built whole).
    #[serde(default)]
    pub deferred: BTreeMap<String, Vec<Arc<Path>>>,
}

impl TreeIndex {
    /// The index of one file, if it exports a function that queues on a
    /// system workqueue. kernel/workqueue.c, the API itself, queues for
    /// its callers: it is no provider.
    pub fn of_file(path: &Path, text: &[u8], facts: &WqFacts) -> Option<TreeIndex> {
        if wq::is_implementation(text) {
            return None;
        }
        let mut index = TreeIndex::default();
        index.add_file(path.to_path_buf(), text, facts);
        (!index.providers.is_empty() || !index.queueing.is_empty()).then_some(index)
    }

    /// Like `of_file`, with the file's providers left for later: only
    /// the names it exports are noted (`deferred`).
    pub fn of_file_deferred(path: &Path, text: &[u8], facts: &WqFacts) -> Option<TreeIndex> {
        if wq::is_implementation(text) {
            return None;
        }
        let mut index = TreeIndex::default();
        index.add(path.to_path_buf(), text, facts, true);
        (!index.queueing.is_empty()).then_some(index)
    }

    /// The index with every workqueue taken from `facts` by name: an
    /// index read back from a cache knows only the names.
    pub fn resolved(mut self, facts: &WqFacts) -> TreeIndex {
        let resolve = |wq: &mut Option<SystemWq>| {
            if let Some(known) = wq.and_then(|w| facts.system_wq(w.ident())) {
                *wq = Some(known);
            }
        };
        self.providers.values_mut().for_each(|p| resolve(&mut p.wq));
        for file in &mut self.queueing {
            file.wqs.iter_mut().for_each(resolve);
        }
        self
    }

    /// One index from the per-file ones.
    pub fn merged(indexes: impl Iterator<Item = TreeIndex>) -> TreeIndex {
        let mut merged = TreeIndex::default();
        for index in indexes {
            merged.providers.extend(index.providers);
            merged.queueing.extend(index.queueing);
            for (name, files) in index.deferred {
                merged.deferred.entry(name).or_default().extend(files);
            }
        }
        merged.queueing.sort_by(|a, b| a.path.cmp(&b.path));
        // Thousands of names, most exported by one file: no spare room.
        merged.deferred.values_mut().for_each(|files| {
            files.sort();
            files.shrink_to_fit();
        });
        merged.queueing.shrink_to_fit();
        merged
    }

    /// Adds one file: its exported queueing functions, and the file
    /// itself if it queues on a system workqueue.
    pub fn add_file(&mut self, path: PathBuf, text: &[u8], facts: &WqFacts) {
        self.add(path, text, facts, false);
    }

    /// Like `add_file`; `later` notes an exporting file's exported names
    /// in `deferred` instead of reading its providers.
    fn add(&mut self, path: PathBuf, text: &[u8], facts: &WqFacts, later: bool) {
        // Most files queue nothing on a system workqueue, and most that do
        // export nothing: only an exporting one is split into functions.
        let wqs = system_queueing(text, facts);
        if wqs.is_empty() {
            return;
        }
        let (calls, installs) = calls_and_installs(text);
        self.queueing.push(QueueingFile {
            path: path.clone(),
            wqs,
            calls,
            installs,
        });
        if memchr::memmem::find(text, b"EXPORT_SYMBOL").is_none() {
            return;
        }
        if !later {
            self.providers.extend(providers_of(&path, text, facts));
            return;
        }
        let shared: Arc<Path> = Arc::from(path.as_path());
        for name in exported_names(text) {
            let files = self.deferred.entry(name.to_string()).or_default();
            if !files.contains(&shared) {
                files.push(shared.clone());
            }
        }
    }

    /// The providers of one file the index left for later (`deferred`),
    /// read from its text: the same as an index built at once holds.
    pub fn providers_of_file(
        path: &Path,
        text: &[u8],
        facts: &WqFacts,
    ) -> BTreeMap<String, Provider> {
        if wq::is_implementation(text) || system_queueing(text, facts).is_empty() {
            return BTreeMap::new();
        }
        providers_of(path, text, facts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> WqFacts {
        WqFacts::fallback("unit test")
    }

    #[test]
    fn a_kernel_doc_comment_does_not_name_the_function() {
        let head =
            b"}\n\n/**\n * foo_notify - call it before free_irq() */\nint\nfoo_notify(int irq)\n";
        assert_eq!(text::declared_name(head).as_deref(), Some("foo_notify"));
        // The same head cut after a `;` of the comment's prose.
        let cut = b" then free_irq() runs.\n */\nint\nfoo_notify(int irq)\n";
        assert_eq!(text::declared_name(cut).as_deref(), Some("foo_notify"));
    }

    #[test]
    fn teardown_exports_cancel_what_the_provider_queues() {
        let text = b"void lib_changed(struct lib *l)\n{\n\tschedule_work(&l->changed_work);\n}\n\
            EXPORT_SYMBOL(lib_changed);\n\nstatic void lib_stop(struct lib *l)\n{\n\
            \tcancel_work_sync(&l->changed_work);\n}\n\nvoid lib_unregister(struct lib *l)\n{\n\
            \tlib_stop(l);\n}\nEXPORT_SYMBOL(lib_unregister);\n";
        let mut index = TreeIndex::default();
        index.add_file("lib.c".into(), text, &facts());
        assert_eq!(index.providers["lib_changed"].teardown, ["lib_unregister"]);
        // The wait is found through the helper the teardown calls.
        assert_eq!(
            index.providers["lib_changed"].teardown_waits,
            ["cancel_work_sync"]
        );
        let flushed = BTreeSet::from([facts().system_wq("system_wq").expect("declared")]);
        let provider = &index.providers["lib_changed"];
        assert!(provider.works_for_caller(&flushed, &BTreeSet::from(["lib_changed"])));
        assert!(!provider
            .works_for_caller(&flushed, &BTreeSet::from(["lib_changed", "lib_unregister"])));
    }

    #[test]
    fn items_of_file_scope_objects_are_the_providers_own() {
        let text = b"struct deferred { struct work_struct wq; };\n\
            static DEFINE_PER_CPU(struct deferred, deferred);\n\
            static struct ec *ec_priv;\n\
            static struct state dev_state;\n\n\
            void lib_free(void *addr)\n{\n\tstruct deferred *p = raw_cpu_ptr(&deferred);\n\
            \tschedule_work(&p->wq);\n}\nEXPORT_SYMBOL(lib_free);\n\n\
            void lib_cmd(void)\n{\n\tstruct ec *ec = ec_priv;\n\tschedule_work(&ec->worker);\n}\n\
            EXPORT_SYMBOL(lib_cmd);\n\n\
            void lib_poke(void)\n{\n\tschedule_work(&dev_state.work);\n}\nEXPORT_SYMBOL(lib_poke);\n\n\
            void lib_enqueue(struct job *job)\n{\n\tstruct job *j = job;\n\tschedule_work(&j->work);\n}\n\
            EXPORT_SYMBOL(lib_enqueue);\n";
        let mut index = TreeIndex::default();
        index.add_file("lib.c".into(), text, &facts());
        for own in ["lib_free", "lib_cmd", "lib_poke"] {
            assert!(index.providers[own].own_item, "{own}");
        }
        assert!(!index.providers["lib_enqueue"].own_item);
    }

    #[test]
    fn a_parameter_every_caller_fills_with_a_file_object_is_owned() {
        let text = b"static struct ec *ec_priv;\n\n\
            static void queue_desc(struct desc *d, struct ec *ec)\n{\n\tschedule_work(&ec->worker);\n}\n\n\
            int ec_cmd(int cmd)\n{\n\tstruct ec *ec = ec_priv;\n\tstruct desc d;\n\n\
            \tqueue_desc(&d, ec);\n\treturn 0;\n}\nEXPORT_SYMBOL(ec_cmd);\n\n\
            static void other_desc(struct desc *d, struct ec *ec)\n{\n\tschedule_work(&ec->worker);\n}\n\n\
            int ec_cmd_for(struct ec *mine)\n{\n\tstruct desc d;\n\n\
            \tother_desc(&d, mine);\n\treturn 0;\n}\nEXPORT_SYMBOL(ec_cmd_for);\n";
        let mut index = TreeIndex::default();
        index.add_file("ec.c".into(), text, &facts());
        assert!(index.providers["ec_cmd"].own_item);
        assert!(!index.providers["ec_cmd_for"].own_item);
    }

    #[test]
    fn work_from_the_caller_is_an_item_it_hands_in_or_a_callback() {
        let text = b"static void kick(struct req *r)\n{\n\tschedule_work(&r->work);\n}\n\n\
            void lib_enqueue(int flags, struct req *req)\n{\n\tkick(req);\n}\n\
            EXPORT_SYMBOL(lib_enqueue);\n\n\
            void lib_direct(struct req *req)\n{\n\tschedule_work(&req->work);\n}\n\
            EXPORT_SYMBOL(lib_direct);\n\n\
            int lib_hint(unsigned int irq)\n{\n\tstruct desc *desc = to_desc(irq);\n\n\
            \tschedule_work(&desc->notify->work);\n\treturn 0;\n}\nEXPORT_SYMBOL(lib_hint);\n\n\
            int lib_nowait(void *context, void (*cont)(void *context))\n{\n\
            \tstruct fw_work *fw_work = kzalloc(8, 0);\n\n\
            \tschedule_work(&fw_work->work);\n\treturn 0;\n}\nEXPORT_SYMBOL(lib_nowait);\n";
        let mut index = TreeIndex::default();
        index.add_file("lib.c".into(), text, &facts());
        for handed in ["lib_enqueue", "lib_direct", "lib_nowait"] {
            let p = &index.providers[handed];
            assert!(p.hands_item || p.takes_callback, "{handed}");
        }
        let hint = &index.providers["lib_hint"];
        assert!(!hint.hands_item && !hint.takes_callback);
    }

    #[test]
    fn an_item_behind_a_pointer_of_what_the_caller_hands_in_is_not_its_item() {
        // Target core: target_execute_cmd(cmd) queues the device's work,
        // reached through cmd->se_dev: the caller handed in the command.
        let text = b"static void restart(struct se_device *dev)\n{\n\tschedule_work(&dev->delayed_cmd_work);\n}\n\n\
            void target_execute_cmd(struct se_cmd *cmd)\n{\n\trestart(cmd->se_dev);\n}\n\
            EXPORT_SYMBOL(target_execute_cmd);\n\n\
            void target_kick(struct se_cmd *cmd)\n{\n\tschedule_work(&cmd->se_dev->work);\n}\n\
            EXPORT_SYMBOL(target_kick);\n\n\
            void target_queue(struct se_cmd *cmd)\n{\n\trestart_cmd(&cmd->inner);\n}\n\
            static void restart_cmd(struct inner *in)\n{\n\tschedule_work(&in->work);\n}\n\
            EXPORT_SYMBOL(target_queue);\n";
        let mut index = TreeIndex::default();
        index.add_file("core.c".into(), text, &facts());
        assert!(!index.providers["target_execute_cmd"].hands_item);
        assert!(!index.providers["target_kick"].hands_item);
        assert!(index.providers["target_queue"].hands_item);
    }

    #[test]
    fn exported_functions_reach_queueing_through_static_helpers() {
        let text = b"static void kick(struct x *x)\n{\n\tschedule_work(&x->work);\n}\n\n\
            void lib_enqueue(struct x *x)\n{\n\tkick(x);\n}\nEXPORT_SYMBOL(lib_enqueue);\n\n\
            void lib_other(void)\n{\n\tqueue_work(my_wq, &w);\n}\nEXPORT_SYMBOL_GPL(lib_other);\n";
        let mut index = TreeIndex::default();
        index.add_file("lib.c".into(), text, &facts());
        let provider = &index.providers["lib_enqueue"];
        assert_eq!(provider.line, 3);
        assert!(provider.call.starts_with("schedule_work("));
        assert!(!index.providers.contains_key("lib_other"));
    }

    #[test]
    fn a_callback_kept_and_run_from_system_work_is_the_callers() {
        let text = b"typedef void (*done_fn)(int);\nstatic done_fn lib_done;\n\n\
            static void lib_event(struct work_struct *w)\n{\n\tif (lib_done)\n\t\t(*lib_done)(1);\n}\n\
            static DECLARE_WORK(lib_work, lib_event);\n\n\
            static void lib_tick(struct timer_list *t)\n{\n\tschedule_work(&lib_work);\n}\n\n\
            int lib_watch(done_fn done)\n{\n\tlib_done = done;\n\treturn 0;\n}\n\
            EXPORT_SYMBOL(lib_watch);\n\n\
            static void lib_run(struct work_struct *w)\n{\n\tstruct ctx *c = to_ctx(w);\n\n\
            \tc->cb(c);\n}\n\n\
            int lib_later(struct ctx *c, void (*cb)(struct ctx *))\n{\n\tc->cb = cb;\n\
            \tINIT_WORK(&c->work, lib_run);\n\tqueue_work(lib_wq, &c->work);\n\treturn 0;\n}\n\
            EXPORT_SYMBOL(lib_later);\n\n\
            static void lib_kick(struct work_struct *w)\n{\n\tschedule_work(&kick_work);\n}\n";
        let mut index = TreeIndex::default();
        index.add_file("lib.c".into(), text, &facts());
        let watch = &index.providers["lib_watch"];
        assert!(watch.takes_callback && !watch.own_item, "{watch:?}");
        assert_eq!(watch.line, 13);
        // Its work runs the callback on the provider's own workqueue: no
        // system workqueue's flush waits for it.
        assert!(!index.providers.contains_key("lib_later"));
    }
}
