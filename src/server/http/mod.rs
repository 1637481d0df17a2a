//! The web plumbing every caller shares: startup and the router, the
//! middleware in front of every route, and the helpers server functions
//! answer with.

pub mod client;
pub mod headers;
pub mod limiter;
pub mod limits;
pub mod origin;
pub mod respond;
pub mod serve;
pub mod startup;
