//! Adobe's manifests as the core sees them ([`crate::manifest::Document`]): kind, meta and
//! references from the model, the desired wire document from the XCore mapping, the canonical
//! entries from `emit`.

use std::any::Any;

use serde_json::Value;

use super::emit;
use super::model::Manifest;
use crate::manifest::emit::Node;
use crate::manifest::{Document, Meta, ReferenceSite};
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::mapping::xcore;

impl Document for Manifest {
    fn kind(&self) -> crate::kind::Kind {
        Manifest::kind(self).core()
    }

    fn meta(&self) -> &Meta {
        Manifest::meta(self)
    }

    fn meta_mut(&mut self) -> &mut Meta {
        Manifest::meta_mut(self)
    }

    fn references(&self) -> Vec<ReferenceSite<'_>> {
        Manifest::references(self)
    }

    fn desired(&self, resolve: &dyn Fn(crate::kind::Kind, &str) -> String) -> Value {
        let resolver = |kind: Kind, reference: &str| resolve(kind.core(), reference);
        xcore::to_instance(self, &resolver)
    }

    fn entries(&self) -> Vec<(String, Node)> {
        emit::manifest_entries(self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
