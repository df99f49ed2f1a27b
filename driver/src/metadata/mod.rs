//! SQLGetInfo values, SQLGetFunctions, and the catalog functions' result sets.
//! (Provisional minimal version.)

pub mod catalog;
pub mod functions;
pub mod info;
