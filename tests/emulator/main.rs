//! The emulator and offerctl's HTTP clients at library level: the emulator's XCore and DPS
//! APIs, its Appcharge facade (`serve_appcharge`), gateway and persistence (`serve_*`), fuzzed
//! over HTTP (`fault_http_fuzz`), and the XCore client, its authentication and configuration
//! (`client_*`). Secrets in logs are tested in a target of their own, `client_secrets`.

mod client_auth;
mod client_config;
mod client_shards;
mod client_xcore;
mod fault_http_fuzz;
mod hostile;
mod serve_api;
mod serve_appcharge;
mod serve_appcharge_offers;
mod serve_dps;
mod serve_dps_formulas;
mod serve_gateway;
mod serve_kept;
mod serve_persistence;
mod serve_walkthrough;
#[path = "../support/mod.rs"]
mod support;
