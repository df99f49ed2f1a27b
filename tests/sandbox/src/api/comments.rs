//! Record comments (§4.9). OWNER: apps helper.
use super::{ApiRequest, ApiResponse};
use crate::error::{KError, KResult};
use crate::server::state::Sandbox;

fn todo() -> KResult<ApiResponse> {
    Err(KError::new(501, "SANDBOX", "not implemented yet"))
}
pub fn list(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn add(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn delete(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
