//! Values made from a stored object, kept while the object stays at the revision they were
//! made from: `instanceId` is new on every create, the etag on every write, so a value kept
//! under both is never stale. A removed object's value is forgotten as the removal commits
//! ([`PerRevision::forget`]), so the values kept are at most one per stored object.

use std::sync::{Arc, Mutex};

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use crate::providers::adobe::repository::Removal;

/// Values by sandbox, then by `instanceId`, each with the etag it was made at (foldhash: a list
/// page looks hundreds up, and this local server needs no defence against chosen keys).
type Kept<V> = foldhash::HashMap<String, foldhash::HashMap<String, (u64, Arc<V>)>>;

/// Values kept per object and revision.
pub(crate) struct PerRevision<V>(Mutex<Kept<V>>);

impl<V> Default for PerRevision<V> {
    fn default() -> Self {
        Self(Mutex::new(Kept::default()))
    }
}

impl<V> PerRevision<V> {
    /// The value kept for the object at `etag`, or the one `make` makes (then kept).
    pub(crate) fn get_or_make<E>(
        &self,
        sandbox: &str,
        instance_id: &str,
        etag: u64,
        make: impl FnOnce() -> Result<V, E>,
    ) -> Result<Arc<V>, E> {
        // Looked up by `&str`: a list page asks for hundreds, and a hit allocates nothing.
        let kept = self.0.lock().ok().and_then(|kept| {
            let (at, value) = kept.get(sandbox)?.get(instance_id)?;
            (*at == etag).then(|| value.clone())
        });
        if let Some(value) = kept {
            return Ok(value);
        }
        let value = Arc::new(make()?);
        if let Ok(mut kept) = self.0.lock() {
            kept.entry(sandbox.to_string())
                .or_default()
                .insert(instance_id.to_string(), (etag, value.clone()));
        }
        Ok(value)
    }

    /// Drops what is kept for the objects `removal` removed.
    pub(crate) fn forget(&self, removal: Removal<'_>) {
        let Ok(mut kept) = self.0.lock() else {
            return;
        };
        match removal {
            Removal::Instance {
                sandbox,
                instance_id,
            } => {
                if let Some(objects) = kept.get_mut(sandbox) {
                    objects.remove(instance_id);
                }
            }
            Removal::Sandbox(sandbox) => {
                kept.remove(sandbox);
            }
        }
    }

    /// How many objects have a value kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.0
            .lock()
            .map(|kept| kept.values().map(|objects| objects.len()).sum())
            .unwrap_or_default()
    }
}

/// JSON text made once per revision (see [`PerRevision::text`]), shared with what is kept.
#[derive(Clone, Debug)]
pub(crate) struct KeptText(Arc<Box<RawValue>>);

impl KeptText {
    pub(crate) fn get(&self) -> &str {
        self.0.get()
    }
}

impl From<Box<RawValue>> for KeptText {
    /// Text not kept (made for one answer).
    fn from(text: Box<RawValue>) -> Self {
        KeptText(Arc::new(text))
    }
}

impl Serialize for KeptText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// `body`, a page holding `texts`, as JSON in a buffer sized for them from the start: grown by
/// doubling, a page of 500 documents was copied several times into fresh memory, a third of
/// the emulator's CPU for a 10,000-object plan's read (BENCHMARKS.md, issue 25).
pub(crate) fn page_bytes(body: &impl Serialize, texts: &[KeptText]) -> serde_json::Result<Vec<u8>> {
    // Each text, its comma, and room for the page's own members.
    let size = texts.iter().map(|t| t.get().len() + 1).sum::<usize>() + 1024;
    let mut bytes = Vec::with_capacity(size);
    serde_json::to_writer(&mut bytes, body)?;
    Ok(bytes)
}

impl PerRevision<Box<RawValue>> {
    /// [`Self::get_or_make`] of JSON text.
    pub(crate) fn text<E>(
        &self,
        sandbox: &str,
        instance_id: &str,
        etag: u64,
        make: impl FnOnce() -> Result<Box<RawValue>, E>,
    ) -> Result<KeptText, E> {
        self.get_or_make(sandbox, instance_id, etag, make)
            .map(KeptText)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_written_as_serde_json_writes_it_without_growing_its_buffer() {
        #[derive(Serialize)]
        struct Page<'a> {
            results: &'a [KeptText],
            count: usize,
            next: Option<&'a str>,
        }
        let texts: Vec<KeptText> = (0..500)
            .map(|i| {
                let text = format!(r#"{{"id":"{i}","name":"é \"{i}\"","n":[{i},1.5,null]}}"#);
                KeptText::from(RawValue::from_string(text).expect("JSON"))
            })
            .collect();
        for results in [&texts[..], &texts[..1], &[]] {
            let page = Page {
                results,
                count: results.len(),
                next: Some("/offers?start=abc&limit=500"),
            };
            let bytes = page_bytes(&page, results).expect("written");
            assert_eq!(bytes, serde_json::to_vec(&page).expect("written"));
            let sized = results.iter().map(|t| t.get().len() + 1).sum::<usize>() + 1024;
            assert_eq!(bytes.capacity(), sized, "the buffer grew");
        }
    }

    fn made(kept: &PerRevision<String>, sandbox: &str, id: &str, etag: u64, text: &str) -> String {
        let made = kept.get_or_make(sandbox, id, etag, || Ok::<_, ()>(text.to_string()));
        made.map(|value| value.to_string()).unwrap_or_default()
    }

    #[test]
    fn a_value_is_made_again_only_at_another_revision() {
        let kept = PerRevision::default();
        assert_eq!(made(&kept, "prod", "a", 1, "first"), "first");
        assert_eq!(made(&kept, "prod", "a", 1, "not made"), "first");
        assert_eq!(made(&kept, "prod", "a", 2, "second"), "second");
        assert_eq!(made(&kept, "dev", "a", 2, "dev's"), "dev's");
        assert_eq!(made(&kept, "prod", "a", 2, "not made"), "second");
        assert_eq!(kept.len(), 2);
    }

    #[test]
    fn a_removed_object_and_a_reset_sandbox_keep_nothing() {
        let kept = PerRevision::default();
        for (sandbox, id) in [("prod", "a"), ("prod", "b"), ("dev", "a"), ("dev", "c")] {
            made(&kept, sandbox, id, 1, "x");
        }
        kept.forget(Removal::Instance {
            sandbox: "prod",
            instance_id: "a",
        });
        assert_eq!(kept.len(), 3);
        assert_eq!(made(&kept, "prod", "a", 1, "made again"), "made again");
        kept.forget(Removal::Sandbox("dev"));
        assert_eq!(kept.len(), 2);
        assert_eq!(made(&kept, "prod", "b", 1, "not made"), "x");
        // Forgetting what is not kept is no error.
        kept.forget(Removal::Sandbox("none"));
        kept.forget(Removal::Instance {
            sandbox: "none",
            instance_id: "z",
        });
        assert_eq!(kept.len(), 2);
    }
}
