//! INAP CS-1 and CAP operations for callctl's SCP face. Under construction.
#![forbid(unsafe_code)]

pub mod cap;
pub mod cs1;
pub mod numbers;
