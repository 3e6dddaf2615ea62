//! Step 3: destroy the workqueue last in `__exit`, once everything that
//! could queue work (the unregistration, timers, IRQs) has been stopped.

use super::{layout, refuse};
use crate::edit::Edit;
use crate::parse::{Function, SourceFile};
use crate::refusal::{Refusal, RefusalKind};

pub fn destroy(file: &SourceFile, func: &Function, wq: &str) -> Result<Edit, Refusal> {
    let text = &file.text;
    // Only the closing brace matters here: kernel style puts it alone in
    // column 0, and nothing inside the body is rewritten.
    let close = func.body.end - 1;
    if text[close] != b'}' || !layout::first_on_line(text, close) {
        return Err(refuse(
            file,
            close,
            RefusalKind::ExitLayout,
            "the exit function's `}` shares its line",
        ));
    }
    let mut at = layout::line_at(text, close).start;
    let last_line = layout::line_at(text, at.saturating_sub(1));
    if text[last_line.clone()].trim_ascii() == b"return;" {
        at = last_line.start;
    }
    Ok(Edit::insert(
        at,
        format!("\tdestroy_workqueue({wq});\n"),
        "exit-destroy",
    ))
}
