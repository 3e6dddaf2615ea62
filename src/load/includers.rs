//! Who else includes a module's header whose redefinition of a checked
//! flush macro a patch might remove, or whose own flush it might rewrite.
//! Found by walking the files around the module, on first ask: the walk
//! reads the whole directory above (all of drivers/gpu/drm for i915, whose
//! header names flush_scheduled_work() in a comment), and analysis asks
//! only when the header holds a site or a redefinition to decide on.

use super::shared::includes_name;
use crate::kbuild::Module;
use crate::parse::SourceFile;
use crate::tree::KernelTree;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// For each of the module's headers that `#define`s a checked flush
/// macro or flushes a system workqueue itself (in a macro or a `static
/// inline`), the files outside the module that include it (by name,
/// quoted), or could not be read. Looked for in every .c and .h file of
/// an out-of-tree module's directory, or of the directory above an
/// in-tree module's (a neighbour includes `"../foo/foo_compat.h"`); only
/// for such headers, which are rare.
#[derive(Default)]
pub struct OutsideIncluders {
    /// The tree and the directory to walk; None when nothing is asked.
    walk: Option<(KernelTree, PathBuf)>,
    /// The module's own files, never outsiders.
    own: BTreeSet<PathBuf>,
    /// The headers the question is asked of, in the unit's order.
    headers: Vec<PathBuf>,
    found: OnceLock<BTreeMap<PathBuf, Vec<PathBuf>>>,
}

impl OutsideIncluders {
    pub(super) fn new(tree: &KernelTree, module: &Module, files: &[SourceFile]) -> Self {
        let under = match tree.kdir {
            Some(_) => PathBuf::new(),
            None => module
                .dir
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        };
        let flushes = crate::ctext::Needles::new(crate::wq::FLUSH_NEEDLES);
        let headers = files
            .iter()
            .filter(|f| f.path.extension().is_some_and(|e| e == "h"))
            .filter(|f| {
                flushes.is_match(&f.text)
                    || crate::wq::CHECKED_FLUSHES
                        .iter()
                        .any(|name| !crate::cpp::defines_of(&f.text, name).is_empty())
            })
            .map(|f| f.path.clone())
            .collect();
        OutsideIncluders {
            walk: Some((tree.clone(), under)),
            own: files.iter().map(|f| f.path.clone()).collect(),
            headers,
            found: OnceLock::new(),
        }
    }

    /// The outsiders of `header`; None when it is not one of those asked
    /// about (its includers were not looked for).
    pub fn get(&self, header: &Path) -> Option<&Vec<PathBuf>> {
        if !self.headers.iter().any(|h| h == header) {
            return None;
        }
        self.found.get_or_init(|| self.look_apart()).get(header)
    }

    /// `look` from a thread of its own. Asked from a worker converting
    /// a module, the walk would have that worker take up other modules
    /// while it waits, each loaded on top of this one (i915's unit held
    /// under two more): the worker waits idle instead.
    fn look_apart(&self) -> BTreeMap<PathBuf, Vec<PathBuf>> {
        std::thread::scope(|scope| {
            scope
                .spawn(|| self.look())
                .join()
                .expect("the walk does not panic")
        })
    }

    fn look(&self) -> BTreeMap<PathBuf, Vec<PathBuf>> {
        let Some((tree, under)) = &self.walk else {
            return BTreeMap::new();
        };
        self.headers
            .iter()
            .map(|header| {
                let name = header.file_name().unwrap_or_default().to_string_lossy();
                let walked = tree.sources_where(under, |text| includes_name(text, &name));
                let outside = walked
                    .kept
                    .into_iter()
                    .map(|(path, ())| path)
                    .chain(walked.unread.into_iter().map(|u| u.path))
                    .filter(|path| !self.own.contains(path))
                    .collect();
                (header.clone(), outside)
            })
            .collect()
    }
}
