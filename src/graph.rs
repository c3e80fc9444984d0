//! The dependency graph of a catalogue: which objects must exist before which.
//!
//! An edge `a → b` means "b refers to a", so a topological order is a safe creation order and its
//! reverse a safe deletion order. References to repository-only objects (literal ids) are not
//! nodes: they already exist.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap, VecDeque};
use std::fmt::Write as _;
use std::sync::OnceLock;

use petgraph::Direction;
use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::diagnostic::Diagnostic;
use crate::kind::Kind;
use crate::manifest::{Catalog, ObjectKey, Target};
use crate::source::Loc;

/// Why one object depends on another: the field that refers, and where it is written.
#[derive(Debug, Clone)]
pub struct Edge {
    pub field: &'static str,
    pub loc: Loc,
}

/// A dependency cycle: each object depends on the next, and the last on the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    pub path: Vec<ObjectKey>,
    /// Where each step's reference is written (`locs[i]` makes `path[i+1]` depend on `path[i]`).
    pub locs: Vec<Loc>,
}

#[derive(Debug, Clone)]
pub struct DependencyGraph {
    graph: DiGraph<ObjectKey, Edge>,
    index: HashMap<ObjectKey, NodeIndex>,
    /// [`DependencyGraph::topological_positions`], when made ahead ([`DependencyGraph::order_ahead`]).
    positions: OnceLock<Vec<usize>>,
}

impl DependencyGraph {
    /// Builds the graph from a catalogue's references and `dependsOn` entries: node `i` is the
    /// catalogue's object `i`. References that resolve to nothing are skipped; validation
    /// reports them.
    pub fn build(catalog: &Catalog) -> Self {
        let objects = catalog.objects();
        let mut graph = DiGraph::with_capacity(objects.len(), objects.len() * 2);
        let nodes: Vec<NodeIndex> = objects.iter().map(|o| graph.add_node(o.key())).collect();
        for i in 0..objects.len() {
            for (dependency, edge) in dependencies_of(catalog, i) {
                graph.add_edge(nodes[dependency], nodes[i], edge);
            }
        }
        let index = graph
            .node_indices()
            .map(|n| (graph[n].clone(), n))
            .collect();
        DependencyGraph {
            graph,
            index,
            positions: OnceLock::new(),
        }
    }

    /// This graph (built from a catalogue) for `catalog`, which differs from that catalogue only
    /// in the objects at `changed`: each has the same key and place, but may refer to other
    /// objects. Their dependencies are read again; nothing else is. Also says whether any of
    /// them now depends on other objects than before (only then can a new cycle exist).
    /// `None` when the catalogue's keys are not the graph's.
    pub fn with_changed(&self, catalog: &Catalog, changed: &[usize]) -> Option<(Self, bool)> {
        let objects = catalog.objects();
        if objects.len() != self.len()
            || changed
                .iter()
                .any(|&i| i >= objects.len() || self.graph[NodeIndex::new(i)] != objects[i].key())
        {
            return None;
        }
        let mut updated = self.clone();
        updated.positions = OnceLock::new();
        let targets: std::collections::HashSet<NodeIndex> =
            changed.iter().map(|&i| NodeIndex::new(i)).collect();
        let before: HashMap<NodeIndex, BTreeSet<NodeIndex>> = targets
            .iter()
            .map(|&n| {
                (
                    n,
                    self.graph
                        .neighbors_directed(n, Direction::Incoming)
                        .collect(),
                )
            })
            .collect();
        for &node in &targets {
            while let Some(edge) = updated.graph.first_edge(node, Direction::Incoming) {
                updated.graph.remove_edge(edge);
            }
        }
        let mut rewired = false;
        for &i in changed {
            let node = NodeIndex::new(i);
            let mut now = BTreeSet::new();
            for (dependency, edge) in dependencies_of(catalog, i) {
                now.insert(NodeIndex::new(dependency));
                updated
                    .graph
                    .add_edge(NodeIndex::new(dependency), node, edge);
            }
            rewired |= before.get(&node) != Some(&now);
        }
        Some((updated, rewired))
    }

    pub fn len(&self) -> usize {
        self.graph.node_count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Objects in an order where each comes after everything it depends on. Among objects that
    /// are ready at the same time, the order is by kind then name, so output is reproducible.
    /// Errors with every cycle when there is one.
    pub fn topological_order(&self) -> Result<Vec<ObjectKey>, Vec<Cycle>> {
        self.topological_positions().map(|order| {
            order
                .into_iter()
                .map(|at| self.key_at(at).clone())
                .collect()
        })
    }

    /// [`DependencyGraph::topological_order`] as the objects' positions in the catalogue the
    /// graph was built from (see [`DependencyGraph::key_at`]).
    pub fn topological_positions(&self) -> Result<Vec<usize>, Vec<Cycle>> {
        match self.positions.get() {
            Some(positions) => Ok(positions.clone()),
            None => self.positions_now(),
        }
    }

    /// Makes the topological positions now, for a later [`DependencyGraph::topological_positions`]
    /// (a plan needs them after its comparisons; they are made beside them). Nothing when the
    /// graph has a cycle.
    pub fn order_ahead(&self) {
        if let Ok(positions) = self.positions_now() {
            let _ = self.positions.set(positions);
        }
    }

    fn positions_now(&self) -> Result<Vec<usize>, Vec<Cycle>> {
        let mut waiting: Vec<usize> = self
            .graph
            .node_indices()
            .map(|n| {
                self.graph
                    .neighbors_directed(n, Direction::Incoming)
                    .count()
            })
            .collect();
        // Duplicate edges are never added, so in-degrees count distinct dependencies.
        let mut ready: BinaryHeap<Reverse<(Kind, &str, NodeIndex)>> = self
            .graph
            .node_indices()
            .filter(|n| waiting[n.index()] == 0)
            .map(|n| Reverse(self.sort_key(n)))
            .collect();
        let mut order = Vec::with_capacity(self.len());
        while let Some(Reverse((_, _, node))) = ready.pop() {
            order.push(node.index());
            for dependent in self.graph.neighbors_directed(node, Direction::Outgoing) {
                waiting[dependent.index()] -= 1;
                if waiting[dependent.index()] == 0 {
                    ready.push(Reverse(self.sort_key(dependent)));
                }
            }
        }
        if order.len() == self.len() {
            Ok(order)
        } else {
            Err(self.cycles())
        }
    }

    /// The creation order reversed: dependents before what they depend on, for deletes.
    pub fn deletion_order(&self) -> Result<Vec<ObjectKey>, Vec<Cycle>> {
        self.topological_order().map(|mut order| {
            order.reverse();
            order
        })
    }

    /// The key of the object at `position` in the catalogue the graph was built from: the
    /// graph holds one node per object, in the catalogue's order.
    pub fn key_at(&self, position: usize) -> &ObjectKey {
        &self.graph[NodeIndex::new(position)]
    }

    fn sort_key(&self, node: NodeIndex) -> (Kind, &str, NodeIndex) {
        let key = &self.graph[node];
        (key.kind, key.name.as_str(), node)
    }

    /// What `key` depends on directly, sorted.
    pub fn dependencies(&self, key: &ObjectKey) -> Vec<&ObjectKey> {
        self.neighbours(key, Direction::Incoming)
    }

    /// What depends on `key` directly, sorted.
    pub fn dependents(&self, key: &ObjectKey) -> Vec<&ObjectKey> {
        self.neighbours(key, Direction::Outgoing)
    }

    /// Everything that depends on `key`, directly or not: what must be skipped if it fails.
    pub fn transitive_dependents(&self, key: &ObjectKey) -> BTreeSet<&ObjectKey> {
        let Some(&start) = self.index.get(key) else {
            return BTreeSet::new();
        };
        // From its direct dependents: `key` itself only if a cycle leads back to it.
        let dependents = self
            .graph
            .neighbors_directed(start, Direction::Outgoing)
            .collect();
        self.reach(dependents, Direction::Outgoing)
            .into_iter()
            .map(|node| &self.graph[node])
            .collect()
    }

    /// What checking the objects at `changed` (catalogue indexes, as in [`Self::build`]) reads,
    /// ascending: them and everything that depends on them, directly or not (what a change of
    /// theirs can make wrong), and everything all of those depend on, directly or not.
    pub fn around(&self, changed: &[usize]) -> Vec<usize> {
        let starts = changed
            .iter()
            .filter(|&&i| i < self.len())
            .map(|&i| NodeIndex::new(i))
            .collect();
        let affected = self.reach(starts, Direction::Outgoing);
        self.with_dependencies(affected.into_iter().map(NodeIndex::index))
    }

    /// The objects at `objects` (catalogue indexes, as in [`Self::build`]) and everything they
    /// depend on, directly or not, ascending.
    pub fn with_dependencies(&self, objects: impl IntoIterator<Item = usize>) -> Vec<usize> {
        let starts = objects
            .into_iter()
            .filter(|&i| i < self.len())
            .map(NodeIndex::new)
            .collect();
        let mut indexes: Vec<usize> = self
            .reach(starts, Direction::Incoming)
            .into_iter()
            .map(NodeIndex::index)
            .collect();
        indexes.sort_unstable();
        indexes
    }

    /// The nodes reached from `starts` along `direction`, `starts` among them, each once.
    fn reach(&self, starts: Vec<NodeIndex>, direction: Direction) -> Vec<NodeIndex> {
        let mut marked = vec![false; self.len()];
        let mut reached = Vec::new();
        let mut queue = starts;
        while let Some(node) = queue.pop() {
            if std::mem::replace(&mut marked[node.index()], true) {
                continue;
            }
            reached.push(node);
            queue.extend(self.graph.neighbors_directed(node, direction));
        }
        reached
    }

    fn neighbours(&self, key: &ObjectKey, direction: Direction) -> Vec<&ObjectKey> {
        let Some(&node) = self.index.get(key) else {
            return Vec::new();
        };
        let mut out: Vec<&ObjectKey> = self
            .graph
            .neighbors_directed(node, direction)
            .map(|n| &self.graph[n])
            .collect();
        out.sort();
        out
    }

    /// Every cycle, one per strongly connected component, each as a full path.
    /// Kosaraju's algorithm, because petgraph's walks it with an explicit stack: Tarjan's there
    /// recurses once per object on the path, which a long `dependsOn` chain turns into a stack
    /// overflow. Every algorithm here stays iterative for the same reason.
    pub fn cycles(&self) -> Vec<Cycle> {
        let mut cycles: Vec<Cycle> = kosaraju_scc(&self.graph)
            .into_iter()
            .filter(|scc| scc.len() > 1 || self.graph.contains_edge(scc[0], scc[0]))
            .map(|scc| self.cycle_in(&scc))
            .collect();
        cycles.sort_by(|a, b| a.path.cmp(&b.path));
        cycles
    }

    /// The shortest cycle through the smallest node of a strongly connected component.
    fn cycle_in(&self, component: &[NodeIndex]) -> Cycle {
        let members: BTreeSet<NodeIndex> = component.iter().copied().collect();
        let start = *component
            .iter()
            .min_by_key(|&&n| &self.graph[n])
            .unwrap_or(&component[0]);
        // Breadth-first search inside the component, back to `start`.
        let mut previous: HashMap<NodeIndex, (NodeIndex, Loc)> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        'search: while let Some(node) = queue.pop_front() {
            let mut edges: Vec<_> = self
                .graph
                .edges_directed(node, Direction::Outgoing)
                .collect();
            edges.sort_by_key(|e| &self.graph[e.target()]);
            for edge in edges {
                let next = edge.target();
                if !members.contains(&next) || previous.contains_key(&next) {
                    continue;
                }
                previous.insert(next, (node, edge.weight().loc));
                if next == start {
                    break 'search;
                }
                queue.push_back(next);
            }
        }
        let mut path = Vec::new();
        let mut locs = Vec::new();
        let mut node = start;
        while let Some(&(from, loc)) = previous.get(&node) {
            path.push(self.graph[from].clone());
            locs.push(loc);
            node = from;
            if node == start {
                break;
            }
        }
        path.reverse();
        locs.reverse();
        Cycle { path, locs }
    }

    /// Graphviz DOT: an arrow from each object to what depends on it.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph offerctl {\n  rankdir=LR;\n  node [shape=box];\n");
        let mut nodes: Vec<&ObjectKey> = self.index.keys().collect();
        nodes.sort();
        for key in &nodes {
            let _ = writeln!(
                out,
                "  {} [label={}];",
                dot_id(key),
                dot_string(&format!("{}\n{}", key.kind, key.name))
            );
        }
        let mut edges: Vec<(&ObjectKey, &ObjectKey, &str)> = self
            .graph
            .edge_references()
            .map(|e| {
                (
                    &self.graph[e.source()],
                    &self.graph[e.target()],
                    e.weight().field,
                )
            })
            .collect();
        edges.sort();
        for (from, to, field) in edges {
            let _ = writeln!(
                out,
                "  {} -> {} [label={}];",
                dot_id(from),
                dot_id(to),
                dot_string(field)
            );
        }
        out.push_str("}\n");
        out
    }
}

/// What object `i` of `catalog` depends on (by index), each once, with why: its references,
/// then its `dependsOn` entries.
fn dependencies_of(catalog: &Catalog, i: usize) -> Vec<(usize, Edge)> {
    let object = &catalog.objects()[i];
    let mut seen = BTreeSet::new();
    let mut found = Vec::new();
    for site in object.manifest.references() {
        if let Some(Target::Object(dependency)) = catalog.resolve(site.expected, site.reference)
            && seen.insert(dependency)
        {
            let edge = Edge {
                field: site.field,
                loc: site.reference.loc,
            };
            found.push((dependency, edge));
        }
    }
    for entry in &object.manifest.meta().depends_on {
        if let Some(dependency) = catalog.resolve_dependency(entry)
            && seen.insert(dependency)
        {
            let edge = Edge {
                field: "dependsOn",
                loc: entry.loc,
            };
            found.push((dependency, edge));
        }
    }
    found
}

fn dot_id(key: &ObjectKey) -> String {
    dot_string(&key.to_string())
}

fn dot_string(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("\"{escaped}\"")
}

impl Cycle {
    /// `Offer/a → Offer/b → Offer/a`; a long cycle shows its first and last steps and counts
    /// the ones between (its labels locate every step).
    pub fn describe(&self) -> String {
        const SHOWN_EACH_END: usize = 8;
        let n = self.path.len();
        let mut names: Vec<String> = Vec::new();
        if n > 3 * SHOWN_EACH_END {
            names.extend(self.path[..SHOWN_EACH_END].iter().map(ToString::to_string));
            names.push(format!("… {} more …", n - 2 * SHOWN_EACH_END));
            names.extend(
                self.path[n - SHOWN_EACH_END..]
                    .iter()
                    .map(ToString::to_string),
            );
        } else {
            names.extend(self.path.iter().map(ToString::to_string));
        }
        if let Some(first) = self.path.first() {
            names.push(first.to_string());
        }
        names.join(" → ")
    }

    /// A located diagnostic: one label on each reference that closes the loop.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let mut diagnostic = Diagnostic::error("dependency-cycle", format!("dependency cycle: {}", self.describe()))
            .with_help("objects in a cycle can never be created in order; remove one of these references or dependsOn entries");
        let n = self.path.len();
        for (i, loc) in self.locs.iter().enumerate() {
            let (from, to) = (&self.path[i], &self.path[(i + 1) % n]);
            diagnostic = diagnostic.with_label(*loc, format!("{to} depends on {from}"));
        }
        diagnostic
    }
}
