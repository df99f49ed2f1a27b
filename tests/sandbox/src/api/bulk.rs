//! bulkRequest (§4.8). OWNER: records helper.
use super::{ApiRequest, ApiResponse};
use crate::error::{KError, KResult};
use crate::server::state::Sandbox;

fn todo() -> KResult<ApiResponse> {
    Err(KError::new(501, "SANDBOX", "not implemented yet"))
}
pub fn bulk_request(_s: &Sandbox, _r: &ApiRequest) -> KResult<ApiResponse> {
    todo()
}
