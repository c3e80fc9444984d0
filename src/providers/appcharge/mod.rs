//! Appcharge, the second provider: web-store offers (rolling offers first) and the products,
//! badges and offer designs they use, through Appcharge's publisher API (V2 by default, V1 for
//! rolling-offer writes on request) or the embedded local repository.

pub mod clients;
pub mod config;
pub mod export;
pub mod kind;
pub mod manifest;
pub mod preview;
pub mod provider;
pub mod repository;
pub mod serve;
pub mod wire;

#[cfg(test)]
mod tests;
