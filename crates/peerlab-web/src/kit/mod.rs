//! The kit every feature builds on, and which knows no feature: errors as HTTP
//! ([`http`]), the API's extractors ([`extract`]) and route list ([`routes`]), who is asking
//! ([`session`]), secrets ([`secret`]), pages ([`page`]) and live updates ([`live`]).
//! A tidy test keeps it from importing any feature module.

pub mod extract;
pub mod http;
pub mod live;
pub mod page;
pub mod routes;
pub mod secret;
pub mod session;
