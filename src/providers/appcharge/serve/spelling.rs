//! How Appcharge writes instants (`"createdAt": "2025-09-01T14:16:09.499Z"`: milliseconds and
//! `Z`), for `offerctl serve --spelling documented` (see [`crate::serve::spelling`]). Its
//! documentation shows no time frame as read back; they are taken to be written the same way.

use crate::serve::spelling::InstantStyle;

/// The style of member `member` in an answer, `None` where it is left as stored.
pub fn documented(_path: &str, member: &str) -> Option<InstantStyle> {
    matches!(member, "createdAt" | "updatedAt" | "startTime" | "endTime")
        .then_some(InstantStyle::MillisZ)
}
