//! A `module_*_driver(drv)` module has no init or exit of its own: write
//! the pair the macro stood for, with the workqueue around registration.

use super::init::alloc_lines;
use super::layout::block;
use super::refuse;
use crate::analysis::LocalWq;
use crate::edit::Edit;
use crate::entry::{DriverPair, Invocation};
use crate::load::Unit;
use crate::refusal::{Refusal, RefusalKind};

pub fn expand(
    unit: &Unit,
    invocation: &Invocation,
    pair: &DriverPair,
    wq: &LocalWq,
) -> Result<Edit, Refusal> {
    let file = &unit.files[invocation.file];
    let driver = pair.driver_name();
    let (init, exit) = (format!("{driver}_init"), format!("{driver}_exit"));
    if unit.uses_identifier(&init) || unit.uses_identifier(&exit) {
        return Err(refuse(
            file,
            invocation.range.start,
            RefusalKind::DriverFunctionsExist,
            format!("{init}() or {exit}() already exists: name the init/exit pair by hand"),
        ));
    }
    let args: Vec<&str> = std::iter::once(pair.driver.as_str())
        .chain(pair.extra.iter().map(String::as_str))
        .collect();
    let args = args.join(", ");
    let mut init_body = vec![(0, "int ret;".to_string()), (0, String::new())];
    init_body.extend(alloc_lines(wq));
    init_body.extend([
        (0, String::new()),
        (0, format!("ret = {}({args});", pair.register)),
        (0, "if (ret)".into()),
        (1, format!("destroy_workqueue({});", wq.name)),
        (0, String::new()),
        (0, "return ret;".into()),
    ]);
    let exit_body = vec![
        (0, format!("{}({args});", pair.unregister)),
        (0, format!("destroy_workqueue({});", wq.name)),
    ];
    let previous =
        crate::rewrite::layout::line_at(&file.text, invocation.range.start.saturating_sub(1));
    let separated =
        invocation.range.start == 0 || file.text[previous].iter().all(u8::is_ascii_whitespace);
    let text = format!(
        "{}static int __init {init}(void)\n{{\n{}}}\nmodule_init({init});\n\n\
         static void __exit {exit}(void)\n{{\n{}}}\nmodule_exit({exit});\n",
        if separated { "" } else { "\n" },
        block("\t", &init_body),
        block("\t", &exit_body),
    );
    Ok(Edit::replace(
        invocation.range.clone(),
        text,
        "driver-macro",
    ))
}
