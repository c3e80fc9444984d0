//! How Adobe's services write instants, as their documentation shows, for
//! `offerctl serve --spelling documented` (see [`crate::serve::spelling`]).
//!
//! - Decision Management (DPS) lookups: `"startDate": "2022-07-27T05:00:00.000+00:00"`,
//!   `"created": "2023-05-15T14:35:16.781+00:00"`; its write receipts:
//!   `"createdDate": "2023-05-31T15:09:11.771Z"`.
//! - XCore: `"xdm:startDate": "2023-10-22T07:00:00.000Z"`, and metadata with six fractional
//!   digits, `"repo:createdDate": "2023-10-20T20:01:02.927874Z"`.

use super::{BASE, DPS_BASE};
use crate::serve::spelling::InstantStyle;

/// The style of member `member` in an answer to `path`, `None` where it is left as stored.
pub fn documented(path: &str, member: &str) -> Option<InstantStyle> {
    if path.starts_with(DPS_BASE) {
        match member {
            "startDate" | "endDate" | "created" | "modified" => Some(InstantStyle::MillisOffset),
            "createdDate" | "lastModifiedDate" => Some(InstantStyle::MillisZ),
            _ => None,
        }
    } else if path.starts_with(BASE) {
        match member {
            "xdm:startDate" | "xdm:endDate" => Some(InstantStyle::MillisZ),
            "repo:createdDate" | "repo:lastModifiedDate" => Some(InstantStyle::MicrosZ),
            _ => None,
        }
    } else {
        None
    }
}
