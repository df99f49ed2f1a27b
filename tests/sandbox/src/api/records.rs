//! Record APIs (§4.1-§4.7). OWNER: records helper.
use super::{ApiRequest, ApiResponse};
use crate::error::{KError, KResult};
use crate::server::state::Sandbox;

fn todo() -> KResult<ApiResponse> {
    Err(KError::new(501, "SANDBOX", "not implemented yet"))
}
pub fn get_record(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn add_record(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn update_record(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn get_records(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn add_records(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn update_records(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
pub fn delete_records(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
