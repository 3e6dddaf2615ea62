//! New init/exit helpers in the one file that uses the workqueue, when it
//! has none of its own (analysis::home, mlx4's cm.c): their definitions at
//! the end of that file, their prototypes in the header it shares with the
//! init's file. The module's init and exit call them (init.rs, exit.rs).

use super::declare::{in_header, shared_header};
use super::init::{alloc_lines, Helpers};
use super::layout::block;
use super::refuse;
use crate::analysis::home::helper_names;
use crate::analysis::LocalWq;
use crate::ctext::words_in;
use crate::edit::Edit;
use crate::load::Unit;
use crate::refusal::{Refusal, RefusalKind};

/// The helpers' names, refused when the module already uses one.
pub fn named(unit: &Unit, file: usize, wq: &LocalWq) -> Result<Helpers, Refusal> {
    let (init, destroy) = helper_names(&unit.module.ident(), &wq.name);
    let taken = unit.files.iter().find_map(|f| {
        words_in(&f.text)
            .find(|(_, w)| *w == init || *w == destroy)
            .map(|(_, w)| w.to_string())
    });
    if let Some(name) = taken {
        return Err(refuse(
            &unit.files[file],
            0,
            RefusalKind::InitLayout,
            format!("the module already names {name}(), the helper that would hold its workqueue"),
        ));
    }
    Ok(Helpers { init, destroy })
}

/// The definitions at the end of `file`, and the prototypes in the header
/// it shares with `init_file`.
pub fn edits(
    unit: &Unit,
    file: usize,
    init_file: usize,
    wq: &LocalWq,
    helpers: &Helpers,
) -> Result<Vec<(usize, Edit)>, Refusal> {
    let source = &unit.files[file];
    let text = &source.text;
    let header = shared_header(unit, &[file, init_file]).ok_or_else(|| {
        refuse(
            source,
            0,
            RefusalKind::NoSharedHeader,
            "no header of the module is included by both this file and the init's, for \
             the prototypes of the helpers that hold the workqueue",
        )
    })?;
    let mut body = vec![(0, String::new())];
    body.push((0, format!("int {}(void)", helpers.init)));
    body.push((0, "{".into()));
    body.extend(alloc_lines(wq).into_iter().map(|(d, l)| (d + 1, l)));
    body.push((0, String::new()));
    body.push((1, "return 0;".into()));
    body.push((0, "}".into()));
    body.push((0, String::new()));
    body.push((0, format!("void {}(void)", helpers.destroy)));
    body.push((0, "{".into()));
    body.push((1, format!("destroy_workqueue({});", wq.name)));
    body.push((0, "}".into()));
    let mut definitions = block("", &body);
    if text.ends_with(b"\n\n") || text.is_empty() {
        definitions.remove(0);
    } else if !text.ends_with(b"\n") {
        definitions.insert(0, '\n');
    }
    let prototypes = format!(
        "int {}(void);\nvoid {}(void);\n",
        helpers.init, helpers.destroy
    );
    Ok(vec![
        (file, Edit::insert(text.len(), definitions, "helpers")),
        (header, in_header(&unit.files[header], &prototypes, false)),
    ])
}
