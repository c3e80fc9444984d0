//! The shape of regular expression clients shard lists with, recognised so that a shard's
//! filter tests each id by one byte instead of running the expression over it.

/// The bytes a segment may start with (ASCII, both cases of each letter).
#[derive(Debug, Clone)]
pub struct LeadSet([bool; 128]);

impl LeadSet {
    /// The set of `pattern`, when it is exactly `^(.*:)?[CLASS][^:]*$` with CLASS made of
    /// ASCII letters, digits and ranges of them (`0-9a-f`): no negation, no escapes.
    pub(super) fn of(pattern: &str) -> Option<Self> {
        let class = pattern.strip_prefix("^(.*:)?[")?.strip_suffix("][^:]*$")?;
        let bytes = class.as_bytes();
        let mut set = [false; 128];
        let mut at = 0;
        while at < bytes.len() {
            let from = bytes[at];
            let to = match bytes.get(at + 1..at + 3) {
                Some([b'-', to]) => {
                    at += 3;
                    *to
                }
                _ => {
                    at += 1;
                    from
                }
            };
            let same_sort = (from.is_ascii_digit() && to.is_ascii_digit())
                || (from.is_ascii_lowercase() && to.is_ascii_lowercase())
                || (from.is_ascii_uppercase() && to.is_ascii_uppercase());
            if !same_sort || from > to {
                return None;
            }
            for b in from..=to {
                set[usize::from(b.to_ascii_lowercase())] = true;
                set[usize::from(b.to_ascii_uppercase())] = true;
            }
        }
        (at > 0).then_some(LeadSet(set))
    }

    /// What the pattern (anchored, case-insensitive) says of `id`: its part after the last
    /// `:` (all of it when there is none) starts with one of the set's characters.
    pub(super) fn admits(&self, id: &str) -> bool {
        self.admits_lead(lead_of(id))
    }

    /// [`Self::admits`] of an id whose [`lead_of`] is `lead`.
    pub(crate) fn admits_lead(&self, lead: Option<u8>) -> bool {
        lead.is_some_and(|b| b.is_ascii() && self.0[usize::from(b)])
    }
}

/// The first byte of `id`'s part after its last `:` (all of it when there is none); `None`
/// when that part is empty.
pub(crate) fn lead_of(id: &str) -> Option<u8> {
    let segment = id.rsplit(':').next().unwrap_or(id);
    segment.bytes().next()
}
