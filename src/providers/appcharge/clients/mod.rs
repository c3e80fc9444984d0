//! Appcharge's clients: one client logic ([`client`]) over two ways to reach the data, the
//! publisher API over HTTP ([`http`]) and the embedded repository ([`embedded`]).

pub mod api;
pub mod client;
pub mod embedded;
pub mod http;
mod transport;
