//! The README's command blocks, for the tests that run them as printed: the fenced block after
//! a marker comment, its command lines with continuations joined and comments left out.

use std::path::PathBuf;

/// The repository's root.
pub fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The command lines of the fenced block after `marker` in README.md.
pub fn readme_block(marker: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(repository().join("README.md")).expect("README.md");
    let after = &readme[readme
        .find(marker)
        .unwrap_or_else(|| panic!("README has a block after {marker}"))..];
    let block = after
        .split("```")
        .nth(1)
        .expect("a fenced block after the marker");
    let mut commands = Vec::new();
    let mut current = String::new();
    for line in block.lines().skip(1) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => current.push_str(head),
            None => {
                current.push_str(line);
                commands.push(std::mem::take(&mut current));
            }
        }
    }
    commands
}
