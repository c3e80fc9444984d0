//! The providers: one folder per vendor, each owning its kinds, manifest language, wire
//! mappings, clients, emulator facades and export.

pub mod adobe;
