//! SCCP connectionless codec (ITU-T Q.713) for callctl's SCP face. Under construction.
#![forbid(unsafe_code)]
