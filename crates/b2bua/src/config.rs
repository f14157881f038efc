//! What the engine needs to know from the operator's configuration.

use std::time::Duration;

use callctl_sip::TimerConfig;

use crate::prefix::{PrefixTable, Prefixed};
use crate::routing::{Denormaliser, RouteTable};

/// One trigger: calls whose normalised called number starts with `prefix` run `script_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub prefix: String,
    pub script_key: String,
}

impl Prefixed for Trigger {
    fn prefix(&self) -> &str {
        &self.prefix
    }
}

/// Trigger selection. The longest matching prefix wins, whatever the order in the file (the
/// usual rule for number plans: a more specific prefix overrides a general one); an empty
/// prefix is the default trigger. Duplicate prefixes are rejected at configuration time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TriggerTable(PrefixTable<Trigger>);

impl TriggerTable {
    pub fn new(triggers: Vec<Trigger>) -> Result<TriggerTable, String> {
        PrefixTable::new(triggers, "trigger").map(TriggerTable)
    }

    pub fn select(&self, called: &str) -> Option<&Trigger> {
        self.0.select(called)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Trigger> {
        self.0.iter()
    }
}

/// Engine settings (the `[sip]` and `[service]` parts of the configuration file).
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Host (and port) we put in Contact headers, per transport: `host:port`.
    pub contact_udp: String,
    pub contact_tcp: String,
    /// Host part of URIs built from digits (`redirect` Contact).
    pub public_domain: String,
    /// The Server header value (empty: none).
    pub server_header: String,
    pub triggers: TriggerTable,
    /// Final response when no trigger matches.
    pub no_trigger_code: u16,
    /// The platform default for `decline` and `hangup` without a code.
    pub default_decline_code: u16,
    /// Final response when a script fails (error, runaway loop, memory) before answering.
    pub script_error_code: u16,
    /// Final response when a script misses the `service_logic_ms` window.
    pub service_logic_timeout_code: u16,
    /// How long the caller may wait for the script's next telephony action.
    pub service_logic: Duration,
    /// RFC 3261 T1/T2/T4.
    pub timers: TimerConfig,
    /// Write script notices and warnings as EDR events too.
    pub edr_script_notices: bool,
    /// Where B-legs go.
    pub routes: RouteTable,
    /// Digits to URI user parts for B-legs.
    pub denormalisation: Denormaliser,
    /// B-leg no-answer timeout when the script gives none (seed 003 `default_no_answer_secs`).
    pub default_no_answer_secs: u32,
    /// Upper bound for a script's `no_answer_timeout`.
    pub max_no_answer_secs: u32,
    /// Maximum call duration when the script gives none (`max_call_secs`).
    pub default_max_call_secs: u32,
    /// Bounds for a script's `max_call_secs`.
    pub min_call_secs: u32,
    pub max_call_secs: u32,
    /// Headers copied from the caller's INVITE to the B-leg INVITE (names as configured; matched
    /// without regard to case).
    pub relay_to_b: Vec<String>,
    /// Headers copied from B-leg responses to the caller's responses.
    pub relay_to_a: Vec<String>,
    /// In-dialog OPTIONS on both legs of every answered call at this interval (`None`: off).
    pub ping_interval: Option<Duration>,
    /// Consecutive failed pings on one leg (481, 408 or no answer) that end the call.
    pub ping_max_failures: u32,
    /// How long a script may go on running after its call has ended (post-call work such as
    /// notices or waits); then the instance is stopped and the call forgotten.
    pub post_call_script: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            contact_udp: "127.0.0.1:5060".into(),
            contact_tcp: "127.0.0.1:5060".into(),
            public_domain: "127.0.0.1".into(),
            server_header: concat!("callctl/", env!("CARGO_PKG_VERSION")).into(),
            triggers: TriggerTable::default(),
            no_trigger_code: 404,
            default_decline_code: 603,
            script_error_code: 500,
            service_logic_timeout_code: 500,
            service_logic: Duration::from_millis(2500),
            timers: TimerConfig::default(),
            edr_script_notices: true,
            routes: RouteTable::default(),
            denormalisation: Denormaliser::default(),
            default_no_answer_secs: 60,
            max_no_answer_secs: 300,
            default_max_call_secs: 43_200,
            min_call_secs: 1,
            max_call_secs: 86_400,
            relay_to_b: Vec::new(),
            relay_to_a: Vec::new(),
            ping_interval: None,
            ping_max_failures: 1,
            post_call_script: Duration::from_secs(3600),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(p: &str, k: &str) -> Trigger {
        Trigger {
            prefix: p.into(),
            script_key: k.into(),
        }
    }

    #[test]
    fn longest_prefix_wins_and_empty_is_default() {
        let table = TriggerTable::new(vec![t("", "default"), t("80", "a"), t("800", "b")]).unwrap();
        assert_eq!(table.select("8001").unwrap().script_key, "b");
        assert_eq!(table.select("8011").unwrap().script_key, "a");
        assert_eq!(table.select("9").unwrap().script_key, "default");
        let no_default = TriggerTable::new(vec![t("80", "a")]).unwrap();
        assert!(no_default.select("9").is_none());
        assert!(TriggerTable::new(vec![t("80", "a"), t("80", "b")]).is_err());
    }
}
