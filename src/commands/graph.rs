//! `offerctl graph`: the creation order of the manifests, as text or Graphviz DOT.

use std::fmt::Write as _;

use super::{Output, load_manifests};
use crate::cli::{GraphArgs, GraphFormat};
use crate::exit::{CommandError, Exit};
use crate::graph::DependencyGraph;

pub fn run(args: &GraphArgs, output: Output) -> Result<Exit, CommandError> {
    let (_, manifests) = load_manifests(&args.manifests, args.config.config.as_deref(), output)?;
    let text = match args.format {
        GraphFormat::Dot => manifests.graph.to_dot(),
        GraphFormat::Text => render_order(&manifests.graph)?,
    };
    print!("{text}");
    Ok(Exit::Success)
}

/// One object per line in creation order, each followed by what it depends on.
fn render_order(graph: &DependencyGraph) -> Result<String, CommandError> {
    // Cycles were already reported as located diagnostics by `load_manifests`.
    let order = graph
        .topological_order()
        .map_err(|_| CommandError::reported(Exit::Invalid))?;
    let width = order.len().to_string().len();
    let mut out = format!(
        "# {} objects in creation order (deletes run in reverse)\n",
        order.len()
    );
    for (i, key) in order.iter().enumerate() {
        let _ = write!(out, "{:>width$}  {key}", i + 1);
        let dependencies = graph.dependencies(key);
        if !dependencies.is_empty() {
            let names: Vec<String> = dependencies.iter().map(ToString::to_string).collect();
            let _ = write!(out, "  ← {}", names.join(", "));
        }
        out.push('\n');
    }
    Ok(out)
}
