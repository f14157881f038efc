//! A built-in service logic until scripts drive SCP calls: each service key gets a configured
//! command, answered as soon as the InitialDP arrives. Afterwards: a call given back after
//! busy, no answer, route select failure or a disconnect is released with the default cause;
//! a charged call gets the service's next grant on each report while it is active, and is
//! released when the grants run out.

use std::collections::HashMap;

use crate::call::{AttemptOutcome, Command};
use crate::idp::InitialDp;

/// Service key -> command, with a fallback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannedLogic {
    by_service_key: HashMap<u32, Command>,
    grants: HashMap<u32, Vec<u32>>,
    fallback: Command,
}

impl CannedLogic {
    /// Answers `fallback` to service keys not in `services`.
    pub fn new(services: impl IntoIterator<Item = (u32, Command)>, fallback: Command) -> Self {
        CannedLogic {
            by_service_key: services.into_iter().collect(),
            grants: HashMap::new(),
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

impl CannedLogic {
    /// The grants (seconds) a charged service gives, in order; the first goes with the
    /// Connect (the service's command must carry it).
    pub fn set_grants(&mut self, service_key: u32, grants: Vec<u32>) {
        self.grants.insert(service_key, grants);
    }

    /// After a disconnect of an answered monitored call: release.
    pub fn after_disconnect(&self) -> Command {
        Command::ReleaseCall { cause: None }
    }

    /// After an ApplyChargingReport: the next grant while the call is active and grants
    /// remain, else release; nothing when the call is no longer active (its disconnect
    /// report follows).
    pub fn after_charging_report(
        &self,
        service_key: u32,
        grants_sent: u32,
        call_active: bool,
    ) -> Option<Command> {
        if !call_active {
            return None;
        }
        let next = self
            .grants
            .get(&service_key)
            .and_then(|g| g.get(grants_sent as usize))
            .copied();
        Some(match next {
            Some(grant_secs) => Command::ApplyCharging { grant_secs },
            None => Command::ReleaseCall { cause: None },
        })
    }
}

impl Default for CannedLogic {
    /// Every call released with the default cause.
    fn default() -> Self {
        CannedLogic::new([], Command::ReleaseCall { cause: None })
    }
}
