//! The built-in demo data set. OWNER: apps helper.
use crate::model::Domain;

pub fn demo_domain(_large_records: usize) -> Domain {
    Domain::default()
}
