//! Module → Unit: reads a module's .c files and private headers, parses
//! those that mention workqueues or the entry points (skimming the rest),
//! and notes what belongs to other code too: headers other files include,
//! files Kbuild builds into other modules. The last stage that reads files
//! before analysis.

mod includers;
mod shared;

use crate::ctext::has_word;
use crate::entry::{self, DriverMacro, Entry, Invocation};
use crate::kbuild::{self, Module};
use crate::parse::{self, SourceFile};
use crate::tree::{resolve_include, KernelTree, Known, Stat, Unread};
use crate::wq::WqFacts;
use anyhow::{Context, Result};
pub use includers::OutsideIncluders;
use rayon::prelude::*;
use shared::{co_owned, shared_headers};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// A module with its files parsed: .c files first, then private headers.
pub struct Unit {
    pub module: Module,
    pub files: Vec<SourceFile>,
    /// For each file, the files of the unit it includes directly (quoted
    /// includes that resolve to one of the module's headers).
    pub includes: Vec<Vec<usize>>,
    /// Headers that also belong to other code: never rewritten.
    pub shared_headers: BTreeSet<PathBuf>,
    /// Files of the module that Kbuild also builds into other modules,
    /// with those modules' names: never rewritten.
    pub co_owned: BTreeMap<PathBuf, Vec<String>>,
    /// For each of the module's headers that redefines a checked flush
    /// macro (`analysis::hidden`) or flushes in a macro or inline of its
    /// own, the files outside the module that include it, or that could
    /// not be read and so might: removing the redefinition, or rewriting
    /// the flush, would reach them. Looked for on first ask.
    pub outside_includers: OutsideIncluders,
    /// Entry macros found at the top level of the module's .c files.
    pub invocations: Vec<Invocation>,
    pub entry: Entry,
    /// The system workqueues of the tree the module was read from.
    pub facts: Arc<WqFacts>,
    /// What Kbuild builds into the module that localwq cannot list, where
    /// the Makefile says so.
    pub unlisted: Vec<Unlisted>,
    /// The Kbuild file of the module's directory (`Kbuild`, else
    /// `Makefile`) and its text, when the conversion may need to test the
    /// kernel in it (`facts.compat`, several kernels at once).
    pub kbuild: Option<(PathBuf, Vec<u8>)>,
    /// What analysis reads of the files' whole text more than once.
    pub memo: Memo,
}

/// Facts of a unit's text that analysis asks for again and again, read
/// once on first use: the wait model asks per item and flush, grouping
/// asks again, and a unit can be megabytes (i915).
#[derive(Default)]
pub struct Memo {
    /// Each work item's function as the files' `INIT_WORK()`s give it
    /// (`analysis::drain`).
    pub work_functions: OnceLock<HashMap<String, Option<String>>>,
    /// The functions the module calls that it does not define, sorted
    /// (`analysis::plan::called_outside`).
    pub called_outside: OnceLock<Vec<String>>,
    /// `typedef struct tag … name;`: name → tag (`analysis::items`).
    pub typedefs: OnceLock<BTreeMap<String, String>>,
    /// Where each struct asked for is defined: the file and the text
    /// between its braces (`analysis::items`).
    pub struct_bodies: Mutex<HashMap<String, StructBody>>,
    /// Every call that waits for an item (`cancel_work_sync()`, …): its
    /// file, offset and name (`analysis::elsewhere`).
    pub item_waits: OnceLock<Vec<(usize, usize, &'static str)>>,
    /// Each function of the module with the module's functions it calls
    /// (`analysis::calls`).
    pub call_graph: OnceLock<BTreeMap<String, std::collections::BTreeSet<String>>>,
}

/// A struct's definition in a unit: its file and the text between its
/// braces; None when the unit defines none.
pub type StructBody = Option<(usize, std::ops::Range<usize>)>;

/// A word of the module's Makefile that stands for code localwq did not
/// read (`Module::unresolved`), with its place.
pub struct Unlisted {
    pub makefile: PathBuf,
    pub line: usize,
    pub excerpt: String,
    pub what: String,
}

/// What `Loader::survey` made of a module: its skimmed unit, or the texts
/// of its own files when one of them (or a private header) flushes.
pub enum Survey {
    Skimmed(Box<Unit>),
    Flushes(Vec<(PathBuf, Vec<u8>)>),
}

impl Unit {
    pub fn is_header(&self, file: usize) -> bool {
        self.files[file].path.extension().is_some_and(|e| e == "h")
    }

    /// Whether code outside the module includes the header at `path`.
    pub fn shares_header(&self, path: &Path) -> bool {
        self.shared_headers.contains(path)
            || self
                .outside_includers
                .get(path)
                .is_some_and(|o| !o.is_empty())
    }

    /// The module's headers that `file` includes, transitively.
    pub fn headers_reached(&self, file: usize) -> std::collections::BTreeSet<usize> {
        let mut seen = std::collections::BTreeSet::new();
        let mut pending = vec![file];
        while let Some(current) = pending.pop() {
            for &header in &self.includes[current] {
                if seen.insert(header) {
                    pending.push(header);
                }
            }
        }
        seen
    }

    /// The functions the module's own .c files export.
    pub fn exported(&self) -> Vec<&str> {
        self.files
            .iter()
            .filter(|f| self.module.files.contains(&f.path))
            .flat_map(|f| crate::ctext::exported_names(&f.text))
            .collect()
    }

    /// The texts of the module's own files, as read (a unit's files are
    /// its .c files in the module's order, then its private headers).
    pub fn into_texts(self) -> Vec<(PathBuf, Vec<u8>)> {
        let own = self.module.files.len();
        self.files
            .into_iter()
            .take(own)
            .map(|f| (f.path, f.text))
            .collect()
    }

    /// Frees every file's parse tree until it is asked for again
    /// (`SourceFile::drop_tree`).
    pub fn drop_trees(&mut self) {
        self.files.iter_mut().for_each(SourceFile::drop_tree);
    }

    /// Whether any file of the module uses `name` as an identifier.
    pub fn uses_identifier(&self, name: &str) -> bool {
        self.files.iter().any(|f| has_word(&f.text, name))
    }
}

/// Loads units from one tree; the tree's driver macros are read once.
pub struct Loader {
    tree: KernelTree,
    driver_macros: OnceLock<(BTreeMap<String, DriverMacro>, Vec<Unread>)>,
    /// Each directory's include directories, its Makefile read once: the
    /// modules of a directory share them (`scan --all` loads 1300).
    include_dirs: Mutex<HashMap<PathBuf, Arc<Vec<PathBuf>>>>,
}

impl Loader {
    pub fn new(tree: KernelTree) -> Self {
        Loader {
            tree,
            driver_macros: OnceLock::new(),
            include_dirs: Mutex::default(),
        }
    }

    /// `kbuild::include_dirs` of `dir`, read once per directory.
    fn include_dirs(&self, dir: &Path) -> Arc<Vec<PathBuf>> {
        let lock = || self.include_dirs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(dirs) = lock().get(dir) {
            return dirs.clone();
        }
        let dirs = Arc::new(kbuild::include_dirs(&self.tree, dir));
        lock().insert(dir.to_path_buf(), dirs.clone());
        dirs
    }

    /// `#define module_*_driver(…)` of the tree's include/.
    /// With the headers of include/ that could not be read: any of them
    /// may define the macro a module uses.
    fn tree_driver_macros(&self) -> &(BTreeMap<String, DriverMacro>, Vec<Unread>) {
        self.driver_macros.get_or_init(|| {
            let needle = "#define module_";
            let key = format!("{} headers {needle:?}", self.tree.kernel_root().display());
            let cache = crate::cache::walk::WalkCache::open(&key);
            let known = cache
                .as_ref()
                .map(|c| move |rel: &Path, stat: &Stat| c.get(rel, stat));
            let known = known.as_ref().map(|k| k as &Known<'_, Vec<u8>>);
            let walked = self
                .tree
                .headers_containing(Path::new("include"), needle, known);
            if let Some(cache) = &cache {
                cache.save(&walked.kept);
            }
            let mut macros = BTreeMap::new();
            for text in walked.kept.iter().filter_map(|(_, v)| v.kept.as_ref()) {
                entry::driver_macros_in(text, &mut macros);
            }
            (macros, walked.unread)
        })
    }

    /// Reads a module's files and its private headers, parsing those that
    /// mention workqueues or the entry points and skimming the rest.
    pub fn load(&self, module: &Module) -> Result<Unit> {
        let texts = self.read(module)?;
        self.unit(module, texts, true)
    }

    /// Like `load` for a module none of whose files mentions a flush of a
    /// system workqueue (`flush_needles`), private headers included: its
    /// files are only skimmed (sites read from the text), which is all
    /// `scan --all` shows of a module that flushes nothing. When a file
    /// does mention one, the texts read are handed back for `load_texts`:
    /// a flushing module is read once.
    pub fn survey(&self, module: &Module, flush_needles: &[&str]) -> Result<Survey> {
        let texts = self.read(module)?;
        let needles = crate::ctext::Needles::new(flush_needles);
        if texts.iter().any(|(_, text)| needles.is_match(text)) {
            return Ok(Survey::Flushes(texts));
        }
        // A private header's macro or inline may hold the flush.
        let unit = self.unit(module, texts, false)?;
        match unit.files.iter().any(|f| needles.is_match(&f.text)) {
            true => Ok(Survey::Flushes(unit.into_texts())),
            false => Ok(Survey::Skimmed(Box::new(unit))),
        }
    }

    /// `load` of a module whose files' texts were read already (`survey`).
    pub fn load_texts(&self, module: &Module, texts: Vec<(PathBuf, Vec<u8>)>) -> Result<Unit> {
        self.unit(module, texts, true)
    }

    fn read(&self, module: &Module) -> Result<Vec<(PathBuf, Vec<u8>)>> {
        module
            .files
            .par_iter()
            .map(|rel| Ok((rel.clone(), read_source(&self.tree, rel)?)))
            .collect()
    }

    /// The unit of `module` from its files' `texts`; `parse`: whether the
    /// files worth it are parsed, and what the module shares with other
    /// code is worked out (a skimmed unit is never rewritten).
    fn unit(&self, module: &Module, texts: Vec<(PathBuf, Vec<u8>)>, parse: bool) -> Result<Unit> {
        let names = entry_function_names(&texts);
        let version = self.tree.version;
        let keep_trees = texts.iter().map(|(_, t)| t.len()).sum::<usize>() <= KEPT_TREES_BYTES;
        let open = |rel: PathBuf, text: Vec<u8>| match parse {
            true => open_file(rel, text, &names, version).map(|mut file| {
                if !keep_trees {
                    file.drop_tree();
                }
                file
            }),
            false => SourceFile::skim_for_version(rel, text, version),
        };
        let mut files: Vec<SourceFile> = texts
            .into_par_iter()
            .map(|(rel, text)| open(rel, text))
            .collect::<Result<_>>()?;
        let dirs = self.include_dirs(&module.dir);
        let headers = private_headers(&self.tree, module, &files, &dirs, &open)?;
        let header_paths: Vec<PathBuf> = headers.iter().map(|h| h.path.clone()).collect();
        files.extend(headers);
        let (shared_headers, co_owned, outside_includers) = match parse {
            true => (
                shared_headers(&self.tree, module, &header_paths)?,
                co_owned(&self.tree, module, &files)?,
                OutsideIncluders::new(&self.tree, module, &files),
            ),
            false => Default::default(),
        };
        let invocations: Vec<Invocation> = files
            .iter()
            .enumerate()
            .filter(|(_, f)| f.path.extension().is_some_and(|e| e == "c"))
            .flat_map(|(i, f)| entry::invocations(&f.text, |at| f.in_inert(at), i))
            .collect();
        let uses_driver_macro = invocations
            .iter()
            .any(|i| entry::is_driver_macro(&i.macro_name));
        let macros = match uses_driver_macro {
            true => self.driver_macros_for(&files)?,
            false => BTreeMap::new(),
        };
        let link_rank = |file: usize| {
            let path = &files[file].path;
            module.link_order.iter().position(|p| p == path)
        };
        let entry = entry::entry(&invocations, &macros, &link_rank);
        Ok(Unit {
            module: module.clone(),
            unlisted: unlisted(&self.tree, module),
            kbuild: kbuild_file(&self.tree, module),
            facts: self.tree.facts.clone(),
            includes: include_edges(&files, &dirs),
            files,
            shared_headers,
            co_owned,
            outside_includers,
            invocations,
            entry,
            memo: Memo::default(),
        })
    }

    /// The module's own driver macro definitions first, then the tree's.
    /// A kernel header that could not be read may hold the definition the
    /// module needs: the module is refused, naming it.
    fn driver_macros_for(&self, files: &[SourceFile]) -> Result<BTreeMap<String, DriverMacro>> {
        let mut macros = BTreeMap::new();
        for file in files {
            entry::driver_macros_in(&file.text, &mut macros);
        }
        let (tree_macros, unread) = self.tree_driver_macros();
        if let Some(first) = unread.first() {
            anyhow::bail!(
                "{}: {} (it may define the module's driver macro); make it readable and run \
                 again",
                self.tree.kernel_root().join(&first.path).display(),
                first.error
            );
        }
        for (name, def) in tree_macros {
            macros.entry(name.clone()).or_insert_with(|| def.clone());
        }
        Ok(macros)
    }
}

/// Each unresolved word of the module, with the Makefile line it comes
/// from (what kbuild found as it read the Makefile) as the excerpt.
fn unlisted(tree: &KernelTree, module: &Module) -> Vec<Unlisted> {
    module
        .unresolved
        .iter()
        .map(|word| Unlisted {
            makefile: word.makefile.clone(),
            line: word.line,
            excerpt: makefile_line(tree, &word.makefile, word.line),
            what: word.what.clone(),
        })
        .collect()
}

/// The file Kbuild reads in the module's directory, when the facts ask
/// for a test of the kernel (a `Kbuild` wins over a `Makefile`, as in
/// Kbuild itself).
fn kbuild_file(tree: &KernelTree, module: &Module) -> Option<(PathBuf, Vec<u8>)> {
    if tree.facts.compat.is_empty() {
        return None;
    }
    ["Kbuild", "Makefile"].iter().find_map(|name| {
        let path = module.dir.join(name);
        tree.read(&path).ok().map(|text| (path, text))
    })
}

/// Line `line` (1-based) of a Makefile, trimmed; empty when there is none.
fn makefile_line(tree: &KernelTree, makefile: &Path, line: usize) -> String {
    let Some(index) = line.checked_sub(1) else {
        return String::new();
    };
    tree.read(makefile)
        .ok()
        .and_then(|text| {
            let text = String::from_utf8_lossy(&text).into_owned();
            text.lines().nth(index).map(|l| l.trim().to_string())
        })
        .unwrap_or_default()
}

/// The size of a module's .c files past which its files' parse trees are
/// not kept once their facts are read: analysis asks for a tenth of them,
/// made again then (`SourceFile::tree`), and a driver of hundreds of files
/// (several MiB) holding them all was a third of a whole-tree scan's peak
/// memory. A smaller module keeps its trees: at 1 MiB, the trees made
/// again cost a whole-tree scan 4% of its time.
const KEPT_TREES_BYTES: usize = 2 << 20;

/// The largest source file localwq reads: four times the largest `.c`
/// file of a kernel tree (under 1 MiB). Past it a file is generated data,
/// and its module is refused rather than parsed at length.
pub const MAX_SOURCE_BYTES: u64 = 4 << 20;

/// A module's source file, refused past `MAX_SOURCE_BYTES` before it is
/// read.
fn read_source(tree: &KernelTree, rel: &Path) -> Result<Vec<u8>> {
    let len = std::fs::metadata(tree.root.join(rel)).map_or(0, |m| m.len());
    if len > MAX_SOURCE_BYTES {
        return Err(TooLarge {
            path: rel.to_path_buf(),
            len,
        }
        .into());
    }
    tree.read(rel)
}

/// A source file over `MAX_SOURCE_BYTES`: a refusal of its own kind, not
/// a file that could not be read.
#[derive(Debug)]
pub struct TooLarge {
    pub path: PathBuf,
    pub len: u64,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} is {} bytes, over the {} MiB ({MAX_SOURCE_BYTES} bytes) localwq reads in one \
             source file (the largest kernel .c file is under 1 MiB): generated code? convert \
             this module by hand",
            self.path.display(),
            self.len,
            MAX_SOURCE_BYTES >> 20
        )
    }
}

impl std::error::Error for TooLarge {}

/// The functions the entry macros of `texts` name (init, exit), which
/// must be parsed wherever they are defined.
fn entry_function_names(texts: &[(PathBuf, Vec<u8>)]) -> Vec<String> {
    let mut names = Vec::new();
    for (index, (_, text)) in texts.iter().enumerate() {
        if memchr::memmem::find(text, b"init").is_none()
            && memchr::memmem::find(text, b"exit").is_none()
        {
            continue;
        }
        names.extend(
            entry::invocations(text, |_| false, index)
                .into_iter()
                .filter_map(|i| i.args.first().cloned()),
        );
    }
    names
}

/// Parses `text` (its branches dead for the kernel `version` left out)
/// when it concerns workqueues or the entry points, or skims it.
fn open_file(
    rel: PathBuf,
    text: Vec<u8>,
    names: &[String],
    version: Option<i64>,
) -> Result<SourceFile> {
    if parse::worth_parsing(&text, names) {
        SourceFile::parse_for_version(
            rel.clone(),
            text,
            |block| parse::worth_parsing(block, names),
            version,
        )
        .with_context(|| format!("parsing {}", rel.display()))
    } else {
        SourceFile::skim(rel, text)
    }
}

/// Where one include of `file` may be in the module's tree: beside it
/// when quoted, and in the module's own include directories (`-I`).
fn include_targets_of<'a>(
    file: &SourceFile,
    include: &'a crate::parse::Include,
    dirs: &'a [PathBuf],
) -> impl Iterator<Item = PathBuf> + 'a {
    let beside = include
        .quoted
        .then(|| resolve_include(&file.path, &include.path, true));
    beside.into_iter().chain(
        dirs.iter()
            .map(|d| crate::tree::lexical(&d.join(&include.path))),
    )
}

/// For each file, the indexes of the unit's files its quoted includes name.
fn include_edges(files: &[SourceFile], dirs: &[PathBuf]) -> Vec<Vec<usize>> {
    let by_path: HashMap<&Path, usize> = files
        .iter()
        .enumerate()
        .map(|(index, f)| (f.path.as_path(), index))
        .collect();
    let names: HashSet<&std::ffi::OsStr> =
        files.iter().filter_map(|f| f.path.file_name()).collect();
    files
        .iter()
        .map(|file| {
            file.facts
                .includes
                .iter()
                .filter(|include| may_name(include, &names))
                .flat_map(|include| include_targets_of(file, include, dirs))
                .filter_map(|target| by_path.get(target.as_path()).copied())
                .collect()
        })
        .collect()
}

/// Whether `include` can name a file called one of `names`: every place
/// it may be ends in its last name. Most includes (`<linux/…>`) name no
/// file of the unit, and making their places under each `-I` directory
/// cost `scan --all` a tenth of its time.
fn may_name(include: &crate::parse::Include, names: &HashSet<&std::ffi::OsStr>) -> bool {
    match Path::new(&include.path).components().next_back() {
        Some(std::path::Component::Normal(last)) => names.contains(last),
        // `..` or nothing: the places are made and looked up.
        _ => true,
    }
}

/// Includes of the module's files that resolve below its directory (for an
/// out-of-tree module: anywhere in its tree), beside the including file or
/// in the module's `-I` directories `dirs`, followed through the headers
/// themselves; each read and opened once.
fn private_headers(
    tree: &KernelTree,
    module: &Module,
    files: &[SourceFile],
    dirs: &[PathBuf],
    open: &dyn Fn(PathBuf, Vec<u8>) -> Result<SourceFile>,
) -> Result<Vec<SourceFile>> {
    let own = |path: &Path| tree.kdir.is_some() || path.starts_with(&module.dir);
    let mut seen = HashSet::new();
    let mut headers = Vec::new();
    // Files of one directory include the same headers: each spelling is
    // looked for once per directory (a driver of 500 files and 20 -I
    // directories made millions of candidates).
    let mut asked: HashSet<(PathBuf, String, bool)> = HashSet::new();
    let mut targets_of = |file: &SourceFile| -> Vec<PathBuf> {
        let dir = file.path.parent().unwrap_or(Path::new("")).to_path_buf();
        let mut targets = Vec::new();
        for include in &file.facts.includes {
            if asked.insert((dir.clone(), include.path.clone(), include.quoted)) {
                targets.extend(include_targets_of(file, include, dirs));
            }
        }
        targets
    };
    // Files, then headers as found, last first; each one's targets are
    // made when it is taken, so each spelling is first asked where the
    // whole walk would first meet it.
    let mut pending: Vec<Result<usize, usize>> = (0..files.len()).map(Ok).collect();
    while let Some(next) = pending.pop() {
        let targets = match next {
            Ok(file) => targets_of(&files[file]),
            Err(header) => targets_of(&headers[header]),
        };
        for candidate in targets {
            if !own(&candidate) || !seen.insert(candidate.clone()) {
                continue;
            }
            // A header that is not there is generated or found through
            // the module's own -I flags; one that is there must be read.
            if !tree.root.join(&candidate).exists() {
                continue;
            }
            let text = read_source(tree, &candidate)?;
            let header = open(candidate, text)?;
            headers.push(header);
            pending.push(Err(headers.len() - 1));
        }
    }
    headers.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_include_names_only_files_of_its_last_name() {
        let include = |path: &str| crate::parse::Include {
            path: path.into(),
            quoted: true,
            range: 0..0,
            top_level: true,
        };
        let names = HashSet::from([std::ffi::OsStr::new("foo.h")]);
        assert!(may_name(&include("../inc/foo.h"), &names));
        assert!(!may_name(&include("linux/module.h"), &names));
        assert!(!may_name(&include("foo.h/bar.h"), &names));
        // What lexical resolution may turn into any name is looked up.
        assert!(may_name(&include("foo.h/.."), &names));
        assert!(may_name(&include(""), &names));
    }
}
