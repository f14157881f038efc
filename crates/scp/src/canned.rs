//! A built-in service logic until scripts drive SCP calls: each service key gets a configured
//! command, answered as soon as the InitialDP arrives.

use std::collections::HashMap;

use crate::call::{AttemptOutcome, Command};
use crate::idp::InitialDp;

/// Service key -> command, with a fallback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannedLogic {
    by_service_key: HashMap<u32, Command>,
    fallback: Command,
}

impl CannedLogic {
    /// Answers `fallback` to service keys not in `services`.
    pub fn new(services: impl IntoIterator<Item = (u32, Command)>, fallback: Command) -> Self {
        CannedLogic {
            by_service_key: services.into_iter().collect(),
            fallback,
        }
    }

    /// The command for a new call.
    pub fn answer(&self, idp: &InitialDp) -> Command {
        self.by_service_key
            .get(&idp.service_key)
            .unwrap_or(&self.fallback)
            .clone()
    }
}

impl CannedLogic {
    /// The command after an attempt came back (busy, no answer, route select failure): the
    /// call is released with the default cause. `None` when the call is over anyway.
    pub fn after_attempt(&self, outcome: &AttemptOutcome) -> Option<Command> {
        outcome
            .event
            .interrupts()
            .then_some(Command::ReleaseCall { cause: None })
    }
}

impl Default for CannedLogic {
    /// Every call released with the default cause.
    fn default() -> Self {
        CannedLogic::new([], Command::ReleaseCall { cause: None })
    }
}
