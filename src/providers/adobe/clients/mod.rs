//! Adobe's clients: the XCore and DPS HTTP APIs over one shared transport, and the embedded
//! repository (no network) for local use.

pub mod dps;
pub mod embedded;
pub mod http;
pub mod xcore;
