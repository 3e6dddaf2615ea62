//! localwq: tree → modules → sites → edits → patches. The pipeline as
//! plain functions; printing and exit codes live in main.rs.

pub mod analysis;
pub mod check;
pub mod edit;
pub mod entry;
pub mod kbuild;
pub mod maintainers;
pub mod parse;
pub mod patch;
pub mod report;
pub mod rewrite;
pub mod tree;
pub mod wq;

use analysis::{Choice, ExportIndex, Plan, Unit, Verdict};
use anyhow::{Context, Result};
use entry::{DriverMacro, Entry};
use kbuild::Module;
use parse::SourceFile;
use rayon::prelude::*;
use rewrite::FileChange;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tree::KernelTree;

/// What queueing on, or flushing, a system workqueue looks like in text
/// (`scan --all`).
pub const USE_NEEDLES: &[&str] = &[
    "schedule_work",
    "schedule_delayed_work",
    "(system_",
    ", system_",
    "flush_scheduled_work",
];

/// What a flush of a system workqueue looks like in text.
pub const FLUSH_NEEDLES: &[&str] = &[
    "flush_scheduled_work",
    "flush_workqueue(system_",
    "__flush_workqueue(system_",
];

/// A kernel tree and what is worth computing once per run.
pub struct Session {
    pub tree: KernelTree,
    /// The strategy asked for (`--strategy`).
    pub choice: Choice,
    driver_macros: OnceLock<BTreeMap<String, DriverMacro>>,
    maintainers: OnceLock<Option<maintainers::Maintainers>>,
    exports: OnceLock<ExportIndex>,
}

/// One module's outcome.
pub struct Outcome {
    pub module: Module,
    pub unit: Option<Unit>,
    pub plan: Option<Plan>,
    pub changes: Vec<FileChange>,
    pub verdict: Verdict,
}

impl analysis::Surroundings for Session {
    fn provider(&self, name: &str) -> Option<analysis::Provider> {
        self.exports().providers.get(name).cloned()
    }

    fn foreign_struct(&self, unit: &Unit, file: usize, tag: &str) -> Option<PathBuf> {
        let header = struct_header(&self.tree, &unit.files[file], tag)?;
        let maintainers = self
            .maintainers
            .get_or_init(|| maintainers::Maintainers::load(&self.tree.root))
            .as_ref()?;
        let own = maintainers.sections_of(&unit.files[file].path);
        let owners = maintainers.sections_of(&header);
        (!owners.is_empty() && !owners.iter().any(|s| own.contains(s))).then_some(header)
    }
}

/// The header that defines `struct tag` among those `file` includes,
/// directly or through one more include.
fn struct_header(tree: &KernelTree, file: &SourceFile, tag: &str) -> Option<PathBuf> {
    let resolve = |from: &Path, include: &parse::Include| match include.quoted {
        true => normalize(&from.parent().unwrap_or(Path::new("")).join(&include.path)),
        false => Path::new("include").join(&include.path),
    };
    let mut pending: Vec<(PathBuf, usize)> = file
        .facts
        .includes
        .iter()
        .map(|i| (resolve(&file.path, i), 1))
        .collect();
    let mut seen = BTreeSet::new();
    while let Some((header, depth)) = pending.pop() {
        if !seen.insert(header.clone()) {
            continue;
        }
        let Ok(text) = tree.read(&header) else {
            continue;
        };
        if analysis::defines_struct(&text, tag) {
            return Some(header);
        }
        if depth < 2 {
            let includes = parse::text_includes(&text);
            pending.extend(includes.iter().map(|i| (resolve(&header, i), depth + 1)));
        }
    }
    None
}

/// A file that flushes but that localwq could not place in a module.
pub struct Orphan {
    pub file: PathBuf,
    pub reason: String,
}

pub struct Selection {
    pub modules: Vec<Module>,
    pub orphans: Vec<Orphan>,
}

impl Session {
    pub fn open(path: &Path) -> Result<Self> {
        Ok(Session {
            tree: KernelTree::open(path)?,
            choice: Choice::Auto,
            driver_macros: OnceLock::new(),
            maintainers: OnceLock::new(),
            exports: OnceLock::new(),
        })
    }

    /// The tree's exported functions that queue on a system workqueue:
    /// indexed by a whole-tree selection as it reads, or on first use.
    pub fn exports(&self) -> &ExportIndex {
        self.exports.get_or_init(|| {
            let per_file = self.tree.filter_map_files(Path::new(""), export_index_of);
            merge_indexes(per_file.into_iter().map(|(_, index)| index))
        })
    }

    fn driver_macros(&self) -> &BTreeMap<String, DriverMacro> {
        self.driver_macros
            .get_or_init(|| self.tree.driver_macros(&[]))
    }

    /// The modules named by `paths` (directories, files, `foo.o`/`foo.ko`),
    /// or every module that flushes a system workqueue when none is given.
    pub fn select(&self, paths: &[PathBuf]) -> Result<Selection> {
        self.select_by(paths, FLUSH_NEEDLES)
    }

    /// Like `select`, but a directory's files are picked by `needles`.
    pub fn select_by(&self, paths: &[PathBuf], needles: &[&str]) -> Result<Selection> {
        let mut files = Vec::new();
        let mut modules = Vec::new();
        let wanted: Vec<PathBuf> = match paths.is_empty() {
            true => vec![PathBuf::new()],
            false => paths
                .iter()
                .map(|p| self.relative(p))
                .collect::<Result<_>>()?,
        };
        for rel in wanted {
            let ext = rel.extension().and_then(|e| e.to_str()).unwrap_or("");
            match ext {
                "o" | "ko" => modules.push(self.module_by_object(&rel)?),
                "c" => files.push(rel),
                _ if rel.as_os_str().is_empty() => files.extend(self.whole_tree(needles)?),
                _ => files.extend(self.tree.files_mentioning(&rel, needles)?),
            }
        }
        let mut orphans = Vec::new();
        for file in files {
            let found = kbuild::modules_of(&self.tree.root, &file)?;
            if found.is_empty() {
                orphans.push(Orphan {
                    reason:
                        "no Makefile builds it into a module (is it #included by another file?)"
                            .into(),
                    file,
                });
            }
            modules.extend(found);
        }
        modules.sort_by(|a, b| (&a.dir, &a.name).cmp(&(&b.dir, &b.name)));
        modules.dedup_by(|a, b| a.dir == b.dir && a.name == b.name);
        Ok(Selection { modules, orphans })
    }

    /// The files of the whole tree that mention `needles`; the same read
    /// builds the export index.
    fn whole_tree(&self, needles: &[&str]) -> Result<Vec<PathBuf>> {
        let matcher = tree::Needles::new(needles);
        let found = self.tree.filter_map_files(Path::new(""), |rel, text| {
            let index = export_index_of(rel, text);
            let matched = matcher.is_match(text);
            (matched || index.is_some()).then_some((matched, index))
        });
        let mut matching = Vec::new();
        let mut indexes = Vec::new();
        for (rel, (matched, index)) in found {
            if matched {
                matching.push(rel);
            }
            indexes.extend(index);
        }
        let _ = self.exports.set(merge_indexes(indexes.into_iter()));
        matching.sort();
        Ok(matching)
    }

    fn relative(&self, path: &Path) -> Result<PathBuf> {
        let object = matches!(path.extension().and_then(|e| e.to_str()), Some("o" | "ko"));
        // `drivers/foo/bar.o` names an object that need not exist yet.
        let in_tree = |p: &Path| match object {
            true => p.parent().is_some_and(Path::is_dir),
            false => p.exists(),
        };
        let full = match path.is_absolute() {
            true => path.to_path_buf(),
            false if in_tree(&self.tree.root.join(path)) => self.tree.root.join(path),
            false => std::env::current_dir()?.join(path),
        };
        let probe = if object {
            full.with_extension("c")
        } else {
            full.clone()
        };
        let canonical = probe
            .canonicalize()
            .or_else(|_| {
                full.parent()
                    .map_or(Ok(full.clone()), Path::canonicalize)
                    .map(|d| d.join(full.file_name().unwrap_or_default()))
            })
            .with_context(|| {
                format!("{}: no such file or directory in the tree", path.display())
            })?;
        let rel = canonical.strip_prefix(&self.tree.root).with_context(|| {
            format!(
                "{} is outside the kernel tree {}",
                path.display(),
                self.tree.root.display()
            )
        })?;
        Ok(if object {
            rel.with_extension("o")
        } else {
            rel.to_path_buf()
        })
    }

    fn module_by_object(&self, rel: &Path) -> Result<Module> {
        let stem = rel
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let c_file = rel.with_extension("c");
        let probe = if self.tree.root.join(&c_file).is_file() {
            kbuild::modules_of(&self.tree.root, &c_file)?
        } else {
            let dir = rel.parent().unwrap_or(Path::new(""));
            let candidates = self.tree.c_files(dir);
            let mut found = Vec::new();
            for file in candidates.iter().filter(|f| f.parent() == Some(dir)) {
                found.extend(kbuild::modules_of(&self.tree.root, file)?);
            }
            found
        };
        probe
            .into_iter()
            .find(|m| m.name == stem)
            .with_context(|| format!("{}: no Kbuild object of that name", rel.display()))
    }

    /// Reads a module's files and its private headers, parsing those that
    /// mention workqueues or the entry points and skimming the rest.
    pub fn load(&self, module: &Module) -> Result<Unit> {
        let texts: Vec<(PathBuf, Vec<u8>)> = module
            .files
            .par_iter()
            .map(|rel| Ok((rel.clone(), self.tree.read(rel)?)))
            .collect::<Result<_>>()?;
        let names = entry_function_names(&texts)?;
        let mut files: Vec<SourceFile> = texts
            .into_par_iter()
            .map(|(rel, text)| open_file(rel, text, &names))
            .collect::<Result<_>>()?;
        let headers = private_headers(&self.tree, module, &files, &names)?;
        let header_paths: Vec<PathBuf> = headers.iter().map(|h| h.path.clone()).collect();
        files.extend(headers);
        let shared_headers = shared_headers(&self.tree, module, &header_paths);
        let co_owned = co_owned(&self.tree, module, &files);
        let invocations: Vec<_> = files
            .iter()
            .enumerate()
            .filter(|(_, f)| f.path.extension().is_some_and(|e| e == "c"))
            .flat_map(|(i, f)| entry::invocations(f, i))
            .collect();
        let uses_driver_macro = invocations
            .iter()
            .any(|i| entry::is_driver_macro(&i.macro_name));
        let macros = match uses_driver_macro {
            true => self.driver_macros_for(&files),
            false => BTreeMap::new(),
        };
        let entry = entry::entry(&invocations, &macros);
        Ok(Unit {
            module: module.clone(),
            files,
            shared_headers,
            co_owned,
            invocations,
            entry,
        })
    }

    fn driver_macros_for(&self, files: &[SourceFile]) -> BTreeMap<String, DriverMacro> {
        let mut macros = BTreeMap::new();
        for file in files {
            entry::driver_macros_in(&file.text, &mut macros);
        }
        for (name, def) in self.driver_macros() {
            macros.entry(name.clone()).or_insert_with(|| def.clone());
        }
        macros
    }

    /// Analyses and rewrites one module.
    pub fn convert(&self, module: &Module) -> Outcome {
        let unit = match self.load(module) {
            Ok(unit) => unit,
            Err(err) => {
                return Outcome {
                    module: module.clone(),
                    unit: None,
                    plan: None,
                    changes: Vec::new(),
                    verdict: Verdict::Refused(format!("{err:#}")),
                }
            }
        };
        let plan = analysis::plan(&unit, self, self.choice);
        let (changes, verdict) = match &plan.verdict {
            Verdict::Refused(_) | Verdict::NotApplicable(_) => (Vec::new(), plan.verdict.clone()),
            _ => match rewrite::rewrite(&unit, &plan) {
                Ok(changes) => (changes, plan.verdict.clone()),
                Err(refusal) => (Vec::new(), Verdict::Refused(refusal.to_string())),
            },
        };
        Outcome {
            module: module.clone(),
            unit: Some(unit),
            plan: Some(plan),
            changes,
            verdict,
        }
    }
}

/// The exported functions of one file that queue on a system workqueue.
/// kernel/workqueue.c, the API itself, queues for its callers: not one.
fn export_index_of(rel: &Path, text: &[u8]) -> Option<ExportIndex> {
    if memchr::memmem::find(text, b"EXPORT_SYMBOL").is_none()
        || memchr::memmem::find(text, b"system_wq = alloc_workqueue").is_some()
    {
        return None;
    }
    let mut index = ExportIndex::default();
    index.add_file(rel.to_path_buf(), text);
    (!index.providers.is_empty()).then_some(index)
}

fn merge_indexes(indexes: impl Iterator<Item = ExportIndex>) -> ExportIndex {
    let mut merged = ExportIndex::default();
    for index in indexes {
        merged.providers.extend(index.providers);
    }
    merged
}

/// Writes each change under `root`: to a temporary file beside the target,
/// then renamed over it, so a file is never left half-written.
pub fn write_changes(root: &Path, changes: &[FileChange]) -> Result<()> {
    for change in changes {
        let target = root.join(&change.path);
        let dir = target.parent().unwrap_or(root);
        let mut temp = tempfile::NamedTempFile::new_in(dir)
            .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
        std::io::Write::write_all(&mut temp, &change.after)
            .with_context(|| format!("writing {}", target.display()))?;
        let permissions = std::fs::metadata(&target).map(|m| m.permissions());
        temp.persist(&target)
            .with_context(|| format!("replacing {}", target.display()))?;
        if let Ok(permissions) = permissions {
            std::fs::set_permissions(&target, permissions)?;
        }
    }
    Ok(())
}

/// The functions the entry macros of `texts` name (init, exit), which
/// must be parsed wherever they are defined.
fn entry_function_names(texts: &[(PathBuf, Vec<u8>)]) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for (index, (path, text)) in texts.iter().enumerate() {
        if memchr::memmem::find(text, b"init").is_none()
            && memchr::memmem::find(text, b"exit").is_none()
        {
            continue;
        }
        let skimmed = SourceFile::skim(path.clone(), text.clone())?;
        names.extend(
            entry::invocations(&skimmed, index)
                .into_iter()
                .filter_map(|i| i.args.first().cloned()),
        );
    }
    Ok(names)
}

fn open_file(rel: PathBuf, text: Vec<u8>, names: &[String]) -> Result<SourceFile> {
    if parse::worth_parsing(&text, names) {
        SourceFile::parse_focused(rel.clone(), text, |block| {
            parse::worth_parsing(block, names)
        })
        .with_context(|| format!("parsing {}", rel.display()))
    } else {
        SourceFile::skim(rel, text)
    }
}

/// Quoted includes of the module's files that resolve below its directory,
/// followed through the headers themselves; each read and opened once.
fn private_headers(
    tree: &KernelTree,
    module: &Module,
    files: &[SourceFile],
    names: &[String],
) -> Result<Vec<SourceFile>> {
    let mut seen = BTreeSet::new();
    let mut headers = Vec::new();
    let mut pending: Vec<(PathBuf, Vec<String>)> = files
        .iter()
        .map(|f| (f.path.clone(), quoted_includes(&f.facts.includes)))
        .collect();
    while let Some((path, includes)) = pending.pop() {
        let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
        for include in includes {
            let candidate = normalize(&dir.join(&include));
            if !candidate.starts_with(&module.dir) || !seen.insert(candidate.clone()) {
                continue;
            }
            let Ok(text) = std::fs::read(tree.root.join(&candidate)) else {
                continue;
            };
            let header = open_file(candidate.clone(), text, names)?;
            pending.push((candidate, quoted_includes(&header.facts.includes)));
            headers.push(header);
        }
    }
    headers.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(headers)
}

fn quoted_includes(includes: &[parse::Include]) -> Vec<String> {
    includes
        .iter()
        .filter(|i| i.quoted)
        .map(|i| i.path.clone())
        .collect()
}

pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Headers that a .c file outside the module, in the header's directory,
/// also includes. Each outsider is read once.
fn shared_headers(tree: &KernelTree, module: &Module, headers: &[PathBuf]) -> BTreeSet<PathBuf> {
    let mut by_dir: BTreeMap<PathBuf, Vec<&PathBuf>> = BTreeMap::new();
    for header in headers {
        by_dir
            .entry(header.parent().unwrap_or(Path::new("")).to_path_buf())
            .or_default()
            .push(header);
    }
    let mut shared = BTreeSet::new();
    for (dir, in_dir) in by_dir {
        let outsiders: Vec<PathBuf> = tree
            .c_files(&dir)
            .into_iter()
            .filter(|f| f.parent() == Some(dir.as_path()) && !module.files.contains(f))
            .collect();
        let texts: Vec<Vec<u8>> = outsiders
            .par_iter()
            .filter_map(|f| tree.read(f).ok())
            .collect();
        for header in in_dir {
            let name = header
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            if texts.iter().any(|text| includes_name(text, &name)) {
                shared.insert(header.clone());
            }
        }
    }
    shared
}

/// The module's parsed .c files (the only ones with anything to rewrite)
/// that Kbuild also builds into other modules, with those modules.
fn co_owned(
    tree: &KernelTree,
    module: &Module,
    files: &[SourceFile],
) -> BTreeMap<PathBuf, Vec<String>> {
    let mut shared = BTreeMap::new();
    for file in files
        .iter()
        .filter(|f| f.parsed && module.files.contains(&f.path))
    {
        let others: Vec<String> = kbuild::owner_names(&tree.root, &file.path)
            .into_iter()
            .filter(|(dir, name)| *name != module.name || *dir != module.dir)
            .map(|(_, name)| name)
            .collect();
        if !others.is_empty() {
            shared.insert(file.path.clone(), others);
        }
    }
    shared
}

/// `"name"` or `.../name"` in an include line of `text`.
fn includes_name(text: &[u8], name: &str) -> bool {
    let needle = format!("{name}\"");
    memchr::memmem::find_iter(text, needle.as_bytes())
        .any(|at| at > 0 && matches!(text[at - 1], b'"' | b'/'))
}

/// A one-line description of a module's entry points.
pub fn describe_entry(unit: &Unit) -> String {
    let name = |inv: &entry::Invocation| format!("{}({})", inv.macro_name, inv.args.join(", "));
    match &unit.entry {
        Entry::Explicit { init, exit } => {
            let parts: Vec<String> = init.iter().chain(exit.iter()).map(name).collect();
            parts.join(", ")
        }
        Entry::DriverMacro { invocation, pair } => match pair {
            Some(p) => format!("{} → {}/{}", name(invocation), p.register, p.unregister),
            None => name(invocation),
        },
        Entry::None => "none found".into(),
    }
}
