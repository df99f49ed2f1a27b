//! cybozu.com User API (§7.9). OWNER: apps helper.
use super::{ApiRequest, ApiResponse};
use crate::error::{KError, KResult};
use crate::server::state::Sandbox;

fn todo() -> KResult<ApiResponse> {
    Err(KError::new(501, "SANDBOX", "not implemented yet"))
}
pub fn get_users(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
