//! Process management (§4.10, §7.6). OWNER: apps helper.
use super::{ApiRequest, ApiResponse};
use crate::error::{KError, KResult};
use crate::server::state::Sandbox;

fn todo() -> KResult<ApiResponse> {
    Err(KError::new(501, "SANDBOX", "not implemented yet"))
}
pub fn update_status(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn update_statuses(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn update_assignees(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn get_settings(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn update_settings(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
