//! Appcharge: web-store offers and the components they reference.
pub mod repository;
pub mod serve;
