//! Identifier generation: container ids (deterministic), instance ids and `@id` URIs (random).

use rand::Rng;

use crate::providers::adobe::kind::Kind;

const FNV128_OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
const FNV128_PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

/// The id of the one decisioning container of `sandbox`.
///
/// Derived, not random, so that tests and users can predict it without a home lookup and so
/// that it survives restarts without being stored: a UUIDv8 (RFC 9562 "custom") whose bits are
/// the 128-bit FNV-1a hash of `offerctl-emulator/container/<sandbox>`. FNV is spelled out here
/// rather than taken from `std::hash`, whose output may change between Rust releases.
pub fn container_id(sandbox: &str) -> String {
    derived_uuid("offerctl-emulator/container/", sandbox)
}

/// The `sandboxId` DPS receipts carry: a UUIDv8 derived like [`container_id`], from
/// `offerctl-emulator/sandbox/<sandbox>`.
pub fn sandbox_id(sandbox: &str) -> String {
    derived_uuid("offerctl-emulator/sandbox/", sandbox)
}

/// The `datasetId` DPS receipts carry: 24 hex digits (the shape of AEP dataset ids) derived
/// from `offerctl-emulator/dataset/<sandbox>`.
pub fn dataset_id(sandbox: &str) -> String {
    format!(
        "{:024x}",
        fnv128("offerctl-emulator/dataset/", sandbox) >> 32
    )
}

fn fnv128(prefix: &str, name: &str) -> u128 {
    let mut hash = FNV128_OFFSET;
    for byte in prefix.as_bytes().iter().chain(name.as_bytes()) {
        hash ^= u128::from(*byte);
        hash = hash.wrapping_mul(FNV128_PRIME);
    }
    hash
}

fn derived_uuid(prefix: &str, name: &str) -> String {
    let hash = fnv128(prefix, name);
    let mut bytes = hash.to_be_bytes();
    bytes[6] = (bytes[6] & 0x0f) | 0x80; // version 8
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 9562 variant
    uuid::Uuid::from_bytes(bytes).hyphenated().to_string()
}

pub fn new_instance_id() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

/// Which API an instance was created through, which decides the scheme of its `@id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdScheme {
    /// `xcore:<type>:<hex>`, as the XCore repository API assigns.
    #[default]
    Xcore,
    /// `dps:<type>:<hex>`, as the Decision Management API assigns.
    Dps,
}

/// A fresh `@id` of `scheme`, in the form the real APIs assign:
/// `<scheme>:<short name>:<16 hex digits>`.
pub fn new_uri_in(scheme: IdScheme, kind: Kind) -> String {
    let n: u64 = rand::rng().random();
    let scheme = match scheme {
        IdScheme::Xcore => "xcore",
        IdScheme::Dps => "dps",
    };
    format!("{scheme}:{}:{n:016x}", kind.short_name())
}

pub fn new_job_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_ids_are_stable_distinct_uuids() {
        let prod = container_id("prod");
        assert_eq!(prod, container_id("prod"));
        assert_ne!(prod, container_id("dev"));
        let parsed = uuid::Uuid::parse_str(&prod).expect("a UUID");
        assert_eq!(parsed.get_version_num(), 8);
    }

    #[test]
    fn derived_ids_are_stable_and_distinct() {
        assert_eq!(sandbox_id("prod"), sandbox_id("prod"));
        assert_ne!(sandbox_id("prod"), container_id("prod"));
        let dataset = dataset_id("prod");
        assert_eq!(dataset.len(), 24);
        assert!(dataset.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(new_uri_in(IdScheme::Dps, Kind::Tag).starts_with("dps:tag:"));
    }

    #[test]
    fn uris_have_the_xcore_shape() {
        let uri = new_uri_in(IdScheme::Xcore, Kind::Placement);
        let hex = uri.strip_prefix("xcore:offer-placement:").expect("prefix");
        assert_eq!(hex.len(), 16);
        assert!(hex.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(Kind::from_id(&uri), Some(Kind::Placement));
    }
}
