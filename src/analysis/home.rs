//! Where the workqueue lives: the module's init/exit, or, when every user
//! of it is in one file with init/exit helpers of its own that the
//! module's init and exit call (psmouse-smbus.c's
//! `psmouse_smbus_module_init/exit`), those helpers. A file such a helper
//! pair stands for is often built only with a Kconfig option: allocating
//! in the top-level init would give a build without it a workqueue nothing
//! uses. In the helpers the workqueue is `static` in that one file.
//!
//! When that one file has no such helpers (mlx4's cm.c), new ones are
//! written there, declared in a header the init's file includes too, and
//! called by the module's init and exit: the workqueue stays `static` in
//! the file that uses it rather than a global with an `extern`. Only for a
//! file every build of the module has: a call from init into a file built
//! only with some option would not link without it.

use super::sites::{Site, SiteState};
use crate::entry::{Entry, Invocation};
use crate::load::Unit;
use crate::parse::Function;
use tree_sitter::Node;

/// A function of the module: its file's index and definition.
pub type Defined<'u> = (usize, &'u Function);

/// The functions that allocate and destroy the workqueue.
pub struct Home<'u> {
    pub init: Defined<'u>,
    pub exit: Option<Defined<'u>>,
    /// The helpers of one file stand in for the module's init/exit.
    pub helpers: bool,
    /// The one file that uses the workqueue, to get new helpers that the
    /// module's init and exit call (`helper_names`).
    pub new_helpers_in: Option<usize>,
}

impl Home<'_> {
    /// The one file the workqueue is `static` in, when it is not the
    /// module's init's: the helpers' file, or the file to get new ones.
    pub fn static_in(&self) -> Option<usize> {
        match self.helpers {
            true => Some(self.init.0),
            false => self.new_helpers_in,
        }
    }
}

/// The new helpers' names for workqueue `wq` of module `module` (its
/// identifier): its init and its destroy, global symbols, so led by the
/// module's name (`cm_wq` of mlx4_ib: `mlx4_ib_cm_init()`, as upstream).
pub fn helper_names(module: &str, wq: &str) -> (String, String) {
    let base = wq.strip_suffix("_wq").unwrap_or(wq);
    let lead = match base.starts_with(module) {
        true => base.to_string(),
        false => format!("{module}_{base}"),
    };
    (format!("{lead}_init"), format!("{lead}_destroy"))
}

/// The home of the workqueue of a module with an explicit init.
pub fn home<'u>(unit: &'u Unit, sites: &[Site]) -> Option<Home<'u>> {
    let Entry::Explicit {
        init: Some(init),
        exit,
    } = &unit.entry
    else {
        return None;
    };
    let init = defined(unit, init)?;
    let exit = exit.as_ref().and_then(|e| defined(unit, e));
    let users: Vec<usize> = sites
        .iter()
        .filter(|s| s.state == SiteState::Convert)
        .map(|s| s.file)
        .collect();
    let own = users.first().copied();
    let one_file = own.filter(|f| users.iter().all(|u| u == f) && *f != init.0);
    let helpers = one_file.and_then(|file| {
        let init_helper = checked_helper(unit, init, file)?;
        let exit_helper = helper(unit, exit?, file)?;
        Some((init_helper, exit_helper))
    });
    Some(match helpers {
        Some((init, exit)) => Home {
            init,
            exit: Some(exit),
            helpers: true,
            new_helpers_in: None,
        },
        None => Home {
            init,
            exit,
            helpers: false,
            new_helpers_in: one_file.filter(|&f| may_hold_helpers(unit, f, init.0, exit)),
        },
    })
}

/// Whether new helpers in `file` can hold the workqueue: a .c file of
/// every build of the module (not the exit's), rewritable, sharing a
/// header of the module with the init's file for their prototypes.
fn may_hold_helpers(unit: &Unit, file: usize, init_file: usize, exit: Option<Defined>) -> bool {
    let Some((exit_file, _)) = exit else {
        return false;
    };
    let source = &unit.files[file];
    let plain = !unit.is_header(file)
        && file != exit_file
        && !unit.module.conditional.contains(&source.path)
        && !unit.co_owned.contains_key(&source.path);
    // The workqueue's declaration goes after the last #include: there it
    // must be outside any #if, as the helpers at the end of the file are.
    let declared_at = source
        .facts
        .includes
        .iter()
        .filter(|i| i.top_level)
        .map(|i| i.range.end)
        .max();
    let unconditional =
        declared_at.is_some_and(|at| crate::ctext::open_conditionals(&source.text[..at]) == 0);
    if !plain || !unconditional {
        return false;
    }
    let reached = unit.headers_reached(file);
    unit.headers_reached(init_file)
        .intersection(&reached)
        .next()
        .is_some()
}

fn defined<'u>(unit: &'u Unit, invocation: &Invocation) -> Option<Defined<'u>> {
    let name = invocation.args.first()?;
    unit.files
        .iter()
        .enumerate()
        .find_map(|(index, file)| file.function(name).map(|(_, f)| (index, f)))
}

/// A function of `file` that `caller` calls as a statement of its own body.
fn helper<'u>(unit: &'u Unit, caller: Defined, file: usize) -> Option<Defined<'u>> {
    called(unit, caller, file, |_| true)
}

/// An `int` function of `file` that `caller` calls and whose result it
/// keeps (`err = f();`, `return f();`, `if (f())`): a failure to allocate
/// then fails the module's init.
fn checked_helper<'u>(unit: &'u Unit, caller: Defined, file: usize) -> Option<Defined<'u>> {
    let found = called(unit, caller, file, |call| {
        call.parent()
            .is_some_and(|p| p.kind() != "expression_statement")
    })?;
    let head = found.1.head.trim_start_matches("static ");
    head.starts_with("int ").then_some(found)
}

fn called<'u>(
    unit: &'u Unit,
    (caller_file, caller): Defined,
    file: usize,
    keeps: impl Fn(&Node) -> bool,
) -> Option<Defined<'u>> {
    let source = &unit.files[caller_file];
    let body = source
        .tree()
        .root_node()
        .descendant_for_byte_range(caller.body.start, caller.body.end)?;
    let mut cursor = body.walk();
    let statements: Vec<Node> = body.named_children(&mut cursor).collect();
    statements.into_iter().find_map(|statement| {
        let call = top_call(statement)?;
        let name = call.child_by_field_name("function")?;
        let name = name.utf8_text(&source.text).ok()?;
        let (_, function) = unit.files[file].function(name)?;
        keeps(&call).then_some((file, function))
    })
}

/// The call a statement makes at its top: `f();`, `x = f();`,
/// `return f();`, `if (f())`.
fn top_call(statement: Node) -> Option<Node> {
    let mut node = match statement.kind() {
        "expression_statement" | "return_statement" => statement.named_child(0)?,
        "if_statement" => statement.child_by_field_name("condition")?.named_child(0)?,
        _ => return None,
    };
    if node.kind() == "assignment_expression" {
        node = node.child_by_field_name("right")?;
    }
    (node.kind() == "call_expression").then_some(node)
}

#[cfg(test)]
mod tests {
    #[test]
    fn new_helpers_are_led_by_the_modules_name() {
        let names = |module, wq| super::helper_names(module, wq);
        assert_eq!(
            names("bar_ib", "cm_wq"),
            ("bar_ib_cm_init".into(), "bar_ib_cm_destroy".into())
        );
        assert_eq!(
            names("baz", "baz_cm_wq"),
            ("baz_cm_init".into(), "baz_cm_destroy".into())
        );
    }
}
