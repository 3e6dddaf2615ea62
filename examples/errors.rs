//! Prints the ERROR/MISSING nodes of a C file: line and text.
fn main() {
    let path = std::env::args().nth(1).expect("usage: errors FILE.c");
    let src = std::fs::read(&path).expect("readable file");
    let tree = localwq::parse::parse_c(&src).expect("parsed");
    for node in localwq::parse::error_nodes(tree.root_node()) {
        let text = node.utf8_text(&src).unwrap_or("");
        let short: String = text.chars().take(100).collect();
        println!(
            "{}: {} {:?}",
            node.start_position().row + 1,
            node.kind(),
            short
        );
    }
}
