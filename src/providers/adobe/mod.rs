//! Adobe offer decisioning: tags, placements, rules, offers, fallback offers, filters
//! (collections) and activities (decisions), through the XCore repository API or the
//! Decision Management (DPS) API, plus the embedded repository and `offerctl serve`'s emulator.

pub mod clients;
pub mod comparison;
pub mod config;
pub mod decide;
pub mod doctor;
pub mod generate;
pub mod kind;
pub mod manifest;
pub mod mapping;
pub mod preview;
pub mod provider;
pub mod repository;
pub mod serve;
