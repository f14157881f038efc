//! Lua service runtime.
