//! Apps, app creation and deploy (§7.1, §7.2, §7.7). OWNER: apps helper.
use super::{ApiRequest, ApiResponse};
use crate::error::{KError, KResult};
use crate::server::state::Sandbox;

fn todo() -> KResult<ApiResponse> {
    Err(KError::new(501, "SANDBOX", "not implemented yet"))
}
pub fn get_app(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn get_apps(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn create_app(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn deploy_status(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn deploy(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
