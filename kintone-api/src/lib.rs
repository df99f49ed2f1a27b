//! Kintone REST client.
