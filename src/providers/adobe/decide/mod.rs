//! Offline decisioning: what Adobe's decisioning engine would evaluate, computed locally.

pub mod pql;
