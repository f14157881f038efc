//! TCAP codec (ITU-T Q.773) for callctl's SCP face. Under construction.
#![forbid(unsafe_code)]
