//! HTTP(S) front: listener, TLS and client certificates, path and parameter parsing,
//! method override, authentication, concurrency limit, latency and fault injection,
//! the request log and the `/sandbox/` admin endpoints.

pub mod state;
