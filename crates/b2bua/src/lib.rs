//! Call model.
