//! Form fields, layout, views (§7.3-§7.5). OWNER: apps helper.
use super::{ApiRequest, ApiResponse};
use crate::error::{KError, KResult};
use crate::server::state::Sandbox;

fn todo() -> KResult<ApiResponse> {
    Err(KError::new(501, "SANDBOX", "not implemented yet"))
}
pub fn get_fields(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn add_fields(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn update_fields(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn delete_fields(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn get_layout(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn update_layout(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn get_views(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn update_views(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
