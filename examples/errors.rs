//! Prints the ERROR/MISSING nodes of a C file: line and text.
fn walk(node: tree_sitter::Node, src: &[u8]) {
    if node.is_error() || node.is_missing() {
        let text = node.utf8_text(src).unwrap_or("");
        let short: String = text.chars().take(100).collect();
        println!(
            "{}: {} {:?}",
            node.start_position().row + 1,
            node.kind(),
            short
        );
    }
    let mut c = node.walk();
    for child in node.children(&mut c) {
        walk(child, src);
    }
}
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let src = std::fs::read(&path).unwrap();
    let tree = localwq::parse::parse_c(&src).unwrap();
    walk(tree.root_node(), &src);
}
