//! The layout the architecture promises: a core (and the commands) that name no vendor,
//! top-level modules and files without import cycles, and no source file over 800 lines. Read
//! from the source tree itself.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The top-level module a file belongs to (`plan` for `src/plan/render.rs`).
fn module_of(path: &Path) -> String {
    let relative = path.strip_prefix(src()).unwrap();
    let first = relative
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// Composition edges (the binary, flags, commands) and vendors are not the core.
fn is_core(module: &str) -> bool {
    !matches!(
        module,
        "providers" | "commands" | "cli" | "main" | "lib" | "core_tests"
    )
}

#[test]
fn the_core_names_no_vendor() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let forbidden = [
        "xdm:",
        "ns.adobe.com",
        "providers::adobe",
        "xcore:",
        "/_instance",
        "FallbackOffer",
    ];
    let mut found = Vec::new();
    for file in files.iter().filter(|f| is_core(&module_of(f))) {
        let text = std::fs::read_to_string(file).unwrap();
        for word in forbidden {
            if text.contains(word) {
                found.push(format!("{} mentions `{word}`", file.display()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

/// The commands ask the providers (capabilities of `Provider`) and never reach into one: only
/// the composition points (`providers/connect.rs`, `providers/serve.rs`, `providers/mod.rs`)
/// and the flags (`cli.rs`) name a vendor's module.
#[test]
fn the_commands_name_no_vendor() {
    let mut files = Vec::new();
    rust_files(&src().join("commands"), &mut files);
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for word in ["providers::adobe", "providers::appcharge"] {
            if text.contains(word) {
                found.push(format!("{} mentions `{word}`", file.display()));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn top_level_modules_have_no_import_cycle_and_files_stay_small() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut long = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        if text.lines().count() > 800 {
            long.push(file.display().to_string());
        }
        let from = module_of(file);
        for (i, _) in text.match_indices("crate::") {
            let name: String = text[i + 7..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty()
                && name != from
                && !matches!(from.as_str(), "core_tests" | "lib" | "main")
            {
                uses.entry(from.clone()).or_default().insert(name);
            }
        }
    }
    assert!(long.is_empty(), "files over 800 lines: {long:?}");
    // Depth-first search for a path back to where it started.
    fn reaches(
        uses: &BTreeMap<String, BTreeSet<String>>,
        from: &str,
        to: &str,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        uses.get(from)
            .into_iter()
            .flatten()
            .any(|next| next == to || (seen.insert(next.clone()) && reaches(uses, next, to, seen)))
    }
    let cycles: Vec<&String> = uses
        .keys()
        .filter(|m| reaches(&uses, m, m, &mut BTreeSet::new()))
        .collect();
    assert!(
        cycles.is_empty(),
        "modules in an import cycle: {cycles:?}\n{uses:#?}"
    );
}

/// A file's module path (`["plan", "render"]` for `src/plan/render.rs`, `["plan"]` for
/// `src/plan/mod.rs`, none for `lib.rs`).
fn module_path(path: &Path) -> Vec<String> {
    let relative = path.strip_prefix(src()).unwrap().with_extension("");
    let mut segments: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        segments.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        segments.pop();
    }
    segments
}

/// The code of a file without its comments (doc links are not imports), split into the file's
/// own part and its inline modules' (`mod tests { .. }`), each with the module path its
/// `super::` and `self::` start from.
fn code_parts(text: &str, module: &[String]) -> Vec<(Vec<String>, String)> {
    let mut parts = vec![(module.to_vec(), String::new())];
    for line in text.lines() {
        let code = match line.find("//") {
            Some(i) if i == 0 || line[..i].ends_with(char::is_whitespace) => &line[..i],
            _ => line,
        };
        let trimmed = code.trim_start();
        let inline = trimmed
            .strip_prefix("pub ")
            .unwrap_or(trimmed)
            .strip_prefix("mod ")
            .and_then(|rest| rest.strip_suffix('{'))
            .map(str::trim);
        if let Some(name) = inline {
            let mut path = module.to_vec();
            path.push(name.to_string());
            parts.push((path, String::new()));
        }
        let part = &mut parts.last_mut().unwrap().1;
        part.push_str(code);
        part.push('\n');
    }
    parts
}

/// Every path the code names, as segments (`use a::{b, c::d}` gives `a::b` and `a::c::d`).
fn named_paths(code: &str) -> Vec<Vec<String>> {
    fn is_ident(c: char) -> bool {
        c.is_alphanumeric() || c == '_'
    }
    fn expand(tree: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
        let tree = tree.trim();
        let Some(open) = tree.find('{') else {
            let mut path = prefix.to_vec();
            path.extend(
                tree.split(" as ")
                    .next()
                    .unwrap_or_default()
                    .split("::")
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty() && s != "*"),
            );
            out.push(path);
            return;
        };
        let mut path = prefix.to_vec();
        path.extend(
            tree[..open]
                .split("::")
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty()),
        );
        let close = tree.rfind('}').filter(|&c| c > open).unwrap_or(tree.len());
        let inner = &tree[open + 1..close];
        let (mut depth, mut start) = (0, 0);
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&inner[start..i], &path, out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        if !inner[start..].trim().is_empty() {
            expand(&inner[start..], &path, out);
        }
    }
    let mut out = Vec::new();
    // `use` declarations, which may span lines; everything else is scanned for paths.
    let mut rest = String::new();
    let mut declaration: Option<String> = None;
    for line in code.lines() {
        let trimmed = line.trim_start();
        let starts = trimmed.starts_with("use ")
            || (trimmed.starts_with("pub") && trimmed.contains(" use ") && {
                let head = &trimmed[..trimmed.find(" use ").unwrap()];
                head == "pub" || (head.starts_with("pub(") && head.ends_with(')'))
            });
        if declaration.is_none() && starts {
            let at = trimmed.find("use ").unwrap() + 4;
            declaration = Some(trimmed[at..].to_string());
        } else if let Some(text) = &mut declaration {
            text.push(' ');
            text.push_str(trimmed);
        } else {
            rest.push_str(line);
            rest.push('\n');
            continue;
        }
        if let Some(text) = declaration.take_if(|t| t.contains(';')) {
            expand(&text[..text.find(';').unwrap()], &[], &mut out);
        }
    }
    let code = rest.as_str();
    let mut i = 0;
    while i < code.len() {
        let boundary = i == 0 || !is_ident(code[..i].chars().next_back().unwrap());
        let rest = &code[i..];
        if boundary
            && (rest.starts_with("crate::")
                || rest.starts_with("super::")
                || rest.starts_with("self::"))
        {
            let end = rest
                .find(|c: char| !(is_ident(c) || c == ':'))
                .unwrap_or(rest.len());
            out.push(
                rest[..end]
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
            );
            i += end;
            continue;
        }
        i += 1;
        while i < code.len() && !code.is_char_boundary(i) {
            i += 1;
        }
    }
    out
}

/// The file a path names from `module`: its longest prefix that is a file's module.
fn resolve(
    path: &[String],
    module: &[String],
    files: &BTreeMap<Vec<String>, PathBuf>,
) -> Option<PathBuf> {
    let mut absolute: Vec<String> = match path.first().map(String::as_str) {
        Some("crate") => Vec::new(),
        Some("self") => module.to_vec(),
        Some("super") => {
            let ups = path.iter().take_while(|s| *s == "super").count();
            module[..module.len().checked_sub(ups)?].to_vec()
        }
        // A child module of this one, named without `self::`.
        Some(first) => {
            let mut child = module.to_vec();
            child.push(first.to_string());
            if !files.contains_key(&child) {
                return None;
            }
            module.to_vec()
        }
        None => return None,
    };
    absolute.extend(
        path.iter()
            .skip_while(|s| matches!(s.as_str(), "crate" | "self" | "super"))
            .cloned(),
    );
    (1..=absolute.len())
        .rev()
        .find_map(|n| files.get(&absolute[..n]).cloned())
}

/// Two files importing each other, directly or through other files, make one idea spread over
/// files that cannot be read apart. A module's files may share their parent (`mod.rs`, with
/// what it re-exports): edges between a file and the files of the modules around it are not
/// counted.
#[test]
fn files_have_no_import_cycle() {
    let mut paths = Vec::new();
    rust_files(&src(), &mut paths);
    let files: BTreeMap<Vec<String>, PathBuf> = paths
        .iter()
        .filter(|p| !p.ends_with("main.rs"))
        .map(|p| (module_path(p), p.clone()))
        .collect();
    let mut imports: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for (module, file) in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (from, code) in code_parts(&text, module) {
            for path in named_paths(&code) {
                let Some(target) = resolve(&path, &from, &files) else {
                    continue;
                };
                let target_module = module_path(&target);
                let nested =
                    target_module.starts_with(module) || module.starts_with(&target_module);
                if target != *file && !nested {
                    imports.entry(file.clone()).or_default().insert(target);
                }
            }
        }
    }
    let mut cycles = Vec::new();
    for (file, targets) in &imports {
        // Breadth-first: the shortest way back to `file`, to show it.
        let mut back: BTreeMap<&PathBuf, &PathBuf> = BTreeMap::new();
        let mut queue: std::collections::VecDeque<&PathBuf> = targets.iter().collect();
        for target in targets {
            back.insert(target, file);
        }
        while let Some(at) = queue.pop_front() {
            if at == file {
                let mut chain = vec![file.display().to_string()];
                let mut step = back[file];
                while step != file {
                    chain.push(step.display().to_string());
                    step = back[step];
                }
                chain.push(file.display().to_string());
                chain.reverse();
                cycles.push(chain.join(" → "));
                break;
            }
            for next in imports.get(at).into_iter().flatten() {
                if !back.contains_key(next) {
                    back.insert(next, at);
                    queue.push_back(next);
                }
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "files in an import cycle:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn the_cycle_finder_reads_use_trees_and_inline_modules() {
    let paths = named_paths("use super::{a, b::{c, d as e}};\nfn f() { crate::x::y(); }");
    let expected: Vec<Vec<String>> = [
        vec!["super", "a"],
        vec!["super", "b", "c"],
        vec!["super", "b", "d"],
        vec!["crate", "x", "y"],
    ]
    .iter()
    .map(|p| p.iter().map(|s| s.to_string()).collect())
    .collect();
    assert_eq!(paths, expected);
    let module = vec!["plan".to_string()];
    let parts = code_parts(
        "use a::b; // crate::c\nmod tests {\n use super::*;\n}\n",
        &module,
    );
    assert_eq!(parts.len(), 2);
    assert!(!parts[0].1.contains("crate::c"));
    assert_eq!(parts[1].0, vec!["plan".to_string(), "tests".to_string()]);
}
