//! `[scp]`: the IN SCP face (M3UA over TCP, SCCP, TCAP, INAP CS-1 / CAP) and its built-in
//! per-service-key behaviour. Turned into the engine's and the association's settings here,
//! with errors naming the offending key.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{bail, Result};
use callctl_scp::{
    CannedLogic, Command, DenormRule, NormRule, NumberRules, Redirection, ReturnedAc, ScpConfig,
    SspModel, Termination, Variant,
};
use callctl_sigtran::m3ua::{AspConfig, Role, TrafficModeType};
use callctl_tcap::Oid;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScpSection {
    pub transport: String,
    pub listen: String,
    pub connect: String,
    pub local_point_code: u32,
    pub remote_point_code: u32,
    pub network_indicator: u8,
    pub routing_context: Vec<u32>,
    pub network_appearance: Option<u32>,
    pub traffic_mode: String,
    pub asp_identifier: Option<u32>,
    pub heartbeat_secs: u64,
    pub reconnect_secs: u64,
    pub max_associations: usize,
    pub ssns: Vec<u8>,
    pub service_logic_ms: u64,
    pub default_release_cause: u8,
    pub max_dialogues: usize,
    pub default_noa: u8,
    pub default_no_answer_secs: u16,
    pub activity_test_secs: u64,
    pub max_monitored_call_secs: u64,
    pub models: Vec<ModelEntry>,
    pub model_without_ac: String,
    pub normalisation: NormSection,
    pub denormalisation: DenormSection,
    pub default_action: String,
    pub services: Vec<ServiceEntry>,
}

impl Default for ScpSection {
    fn default() -> Self {
        ScpSection {
            transport: "tcp".into(),
            listen: String::new(),
            connect: String::new(),
            local_point_code: 2,
            remote_point_code: 1,
            network_indicator: 2,
            routing_context: Vec::new(),
            network_appearance: None,
            traffic_mode: "loadshare".into(),
            asp_identifier: None,
            heartbeat_secs: 0,
            reconnect_secs: 5,
            max_associations: 16,
            ssns: vec![12, 146],
            service_logic_ms: 2500,
            default_release_cause: 31,
            max_dialogues: 100_000,
            default_noa: 3,
            default_no_answer_secs: 30,
            activity_test_secs: 300,
            max_monitored_call_secs: 7200,
            models: Vec::new(),
            model_without_ac: String::new(),
            normalisation: NormSection::default(),
            denormalisation: DenormSection::default(),
            default_action: "release".into(),
            services: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    pub name: String,
    pub inap: String,
    #[serde(default)]
    pub application_contexts: Vec<String>,
    #[serde(default = "copy")]
    pub returned_ac: String,
    #[serde(default = "yes")]
    pub trim_called_party_stop_digit: bool,
    #[serde(default)]
    pub release_cause_translation: Vec<CauseMap>,
}

fn copy() -> String {
    "copy".into()
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CauseMap {
    pub from: u8,
    pub to: u8,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct NormSection {
    pub called_party: Vec<NormRule>,
    pub calling_party: Vec<NormRule>,
    pub called_party_bcd: Vec<NormRule>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DenormSection {
    pub called_party: Vec<DenormRule>,
    pub calling_party: Vec<DenormRule>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceEntry {
    pub service_key: u32,
    pub action: String,
    pub cause: Option<u8>,
    pub address_digits: Option<String>,
    pub orig_called_digits: Option<String>,
    pub fci: Option<String>,
    pub text: Option<String>,
    pub no_answer_secs: Option<u16>,
    pub redirecting_digits: Option<String>,
    pub redirection: Option<RedirectionEntry>,
    pub grants: Option<Vec<u32>>,
    pub call_information: Option<bool>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedirectionEntry {
    #[serde(default)]
    pub indicator: u8,
    #[serde(default)]
    pub original_reason: u8,
    #[serde(default = "one")]
    pub counter: u8,
    #[serde(default)]
    pub reason: u8,
}

fn one() -> u8 {
    1
}

/// Where the association comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// Wait for signalling gateways / SSPs to connect (we answer ASPUP/ASPAC).
    Listen(SocketAddr),
    /// Connect to a signalling gateway as an ASP (and reconnect when it drops).
    Connect(SocketAddr),
}

/// What carries M3UA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// TCP, each message delimited by its M3UA length field.
    Tcp,
    /// Kernel SCTP, one-to-one style sockets.
    Sctp,
}

/// Everything the SCP face needs at run time.
#[derive(Debug, Clone)]
pub struct ScpSetup {
    pub endpoint: Endpoint,
    pub transport: Transport,
    pub engine: ScpConfig,
    pub logic: CannedLogic,
    pub asp: AspConfig,
    pub reconnect: Duration,
    pub max_associations: usize,
}

impl ScpSetup {
    /// The association settings for a role (listen: SGP side; connect: ASP side).
    pub fn asp_config(&self, role: Role) -> AspConfig {
        AspConfig {
            role,
            ..self.asp.clone()
        }
    }
}

fn digits_ok(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// An application context: an alias (`cs1`, `inap-cs1`, `camel2`/`cap2` ... `camel4`/`cap4`)
/// or dotted arcs.
fn parse_ac(text: &str) -> Option<Oid> {
    let alias = match text.to_ascii_lowercase().as_str() {
        "cs1" | "inap-cs1" => Some(Variant::Cs1),
        "camel2" | "cap2" => Variant::from_name("camel2"),
        "camel3" | "cap3" => Variant::from_name("camel3"),
        "camel4" | "cap4" => Variant::from_name("camel4"),
        _ => None,
    };
    if let Some(v) = alias {
        return Some(v.default_application_context());
    }
    let arcs: Option<Vec<u32>> = text.split('.').map(|a| a.parse().ok()).collect();
    Oid::new(&arcs?)
}

fn hex(text: &str) -> Option<Vec<u8>> {
    let t = text.trim();
    if !t.len().is_multiple_of(2) || t.is_empty() {
        return None;
    }
    (0..t.len())
        .step_by(2)
        .map(|i| t.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

fn check_rule(
    key: &str,
    prefix: &str,
    prepend: &str,
    min: Option<usize>,
    max: Option<usize>,
) -> Result<()> {
    if !digits_ok(prefix) {
        bail!("{key}.match_prefix: digits only (got {prefix:?})");
    }
    if !digits_ok(prepend) {
        bail!("{key}.prepend: digits only (got {prepend:?})");
    }
    if let (Some(a), Some(b)) = (min, max) {
        if a > b {
            bail!("{key}: min_len is above max_len");
        }
    }
    Ok(())
}

fn command(key: &str, s: &ServiceEntry, cause_ok: impl Fn(u8) -> bool) -> Result<Command> {
    let unused = |field: &str, present: bool| -> Result<()> {
        if present {
            bail!("{key}.{field}: not used by action {:?}", s.action);
        }
        Ok(())
    };
    Ok(match s.action.as_str() {
        "release" => {
            unused("no_answer_secs", s.no_answer_secs.is_some())?;
            unused("address_digits", s.address_digits.is_some())?;
            unused("text", s.text.is_some())?;
            unused("fci", s.fci.is_some())?;
            if let Some(c) = s.cause {
                if !cause_ok(c) {
                    bail!("{key}.cause: must be 0-127 (got {c})");
                }
            }
            Command::ReleaseCall { cause: s.cause }
        }
        "continue" | "connect" | "continue_attempt" | "connect_attempt" | "continue_monitored"
        | "connect_monitored" | "continue_charged" | "connect_charged" => {
            unused("cause", s.cause.is_some())?;
            unused("text", s.text.is_some())?;
            let attempt = s.action.ends_with("_attempt");
            let monitored = s.action.ends_with("_monitored");
            let charged = s.action.ends_with("_charged");
            if !(attempt || monitored || charged) {
                unused("no_answer_secs", s.no_answer_secs.is_some())?;
            }
            if !charged {
                unused("grants", s.grants.is_some())?;
            }
            if !(monitored || charged) {
                unused("call_information", s.call_information.is_some())?;
            }
            let grants = s.grants.clone().unwrap_or_default();
            if charged && grants.is_empty() {
                bail!("{key}.grants: at least one grant (seconds) for action {:?}", s.action);
            }
            if let Some(g) = grants.iter().find(|g| !(1..=86_400).contains(*g)) {
                bail!("{key}.grants: each 1-86400 seconds (got {g})");
            }
            if let Some(n) = s.no_answer_secs {
                if !(1..=2047).contains(&n) {
                    bail!("{key}.no_answer_secs: 1-2047 (got {n})");
                }
            }
            let connect = s.action.starts_with("connect");
            match (&s.address_digits, connect) {
                (None, true) => bail!("{key}.address_digits: required for action {:?}", s.action),
                (Some(_), false) => unused("address_digits", true)?,
                _ => {}
            }
            for (field, v) in [
                ("address_digits", &s.address_digits),
                ("orig_called_digits", &s.orig_called_digits),
                ("redirecting_digits", &s.redirecting_digits),
            ] {
                if let Some(d) = v {
                    if d.is_empty() || !digits_ok(d) {
                        bail!("{key}.{field}: digits 0-9 A-F only (got {d:?})");
                    }
                }
            }
            if !connect {
                unused("orig_called_digits", s.orig_called_digits.is_some())?;
                unused("redirecting_digits", s.redirecting_digits.is_some())?;
                unused("redirection", s.redirection.is_some())?;
            }
            let redirection = match s.redirection {
                Some(r) => {
                    for (field, v, max) in [
                        ("indicator", r.indicator, 7),
                        ("original_reason", r.original_reason, 15),
                        ("counter", r.counter, 7),
                        ("reason", r.reason, 15),
                    ] {
                        if v > max {
                            bail!("{key}.redirection.{field}: 0-{max} (got {v})");
                        }
                    }
                    Some(Redirection {
                        indicator: r.indicator,
                        original_reason: r.original_reason,
                        counter: r.counter,
                        reason: r.reason,
                    })
                }
                None => None,
            };
            let fci = match &s.fci {
                Some(h) => Some(
                    hex(h).ok_or_else(|| anyhow::anyhow!("{key}.fci: hex octets (got {h:?})"))?,
                ),
                None => None,
            };
            let termination = Termination {
                address_digits: s.address_digits.clone(),
                orig_called_digits: s.orig_called_digits.clone(),
                redirecting_digits: s.redirecting_digits.clone(),
                redirection,
                fci,
            };
            if attempt {
                Command::TerminationAttempt {
                    termination,
                    no_answer_secs: s.no_answer_secs,
                }
            } else if monitored || charged {
                Command::TerminationMonitored {
                    termination,
                    no_answer_secs: s.no_answer_secs,
                    grant_secs: grants.first().copied(),
                    call_information: s.call_information.unwrap_or(monitored),
                }
            } else {
                Command::TerminationFinal(termination)
            }
        }
        "abort" => {
            unused("no_answer_secs", s.no_answer_secs.is_some())?;
            unused("cause", s.cause.is_some())?;
            unused("address_digits", s.address_digits.is_some())?;
            unused("fci", s.fci.is_some())?;
            Command::Abort {
                text: s.text.clone(),
            }
        }
        other => bail!(
            "{key}.action: \"release\", \"continue\", \"connect\", \"continue_attempt\", \"connect_attempt\", \"continue_monitored\", \"connect_monitored\", \"continue_charged\", \"connect_charged\" or \"abort\" (got {other:?})"
        ),
    })
}

impl ScpSection {
    /// `None` when the SCP face is off (neither `listen` nor `connect`).
    pub fn setup(&self) -> Result<Option<ScpSetup>> {
        let addr = |key: &str, v: &str| -> Result<SocketAddr> {
            v.trim().parse().map_err(|_| {
                anyhow::anyhow!("scp.{key}: expected IP:PORT, e.g. \"127.0.0.1:2905\" (got {v:?})")
            })
        };
        let endpoint = match (
            self.listen.trim().is_empty(),
            self.connect.trim().is_empty(),
        ) {
            (true, true) => return Ok(None),
            (false, true) => Endpoint::Listen(addr("listen", &self.listen)?),
            (true, false) => Endpoint::Connect(addr("connect", &self.connect)?),
            (false, false) => bail!("scp.listen, scp.connect: set one of them, not both"),
        };
        let transport = match self.transport.as_str() {
            "tcp" => Transport::Tcp,
            "sctp" => Transport::Sctp,
            other => bail!("scp.transport: \"tcp\" or \"sctp\" (got {other:?})"),
        };
        for (key, pc) in [
            ("scp.local_point_code", self.local_point_code),
            ("scp.remote_point_code", self.remote_point_code),
        ] {
            if pc > 0x3FFF {
                bail!("{key}: an ITU 14-bit point code, 0-16383 (got {pc})");
            }
        }
        if self.network_indicator > 3 {
            bail!(
                "scp.network_indicator: 0-3 (got {})",
                self.network_indicator
            );
        }
        let traffic_mode = match self.traffic_mode.as_str() {
            "override" => TrafficModeType::Override,
            "loadshare" => TrafficModeType::Loadshare,
            "broadcast" => TrafficModeType::Broadcast,
            other => bail!(
                "scp.traffic_mode: \"override\", \"loadshare\" or \"broadcast\" (got {other:?})"
            ),
        };
        if self.heartbeat_secs > 3600 {
            bail!(
                "scp.heartbeat_secs: 0 (off) to 3600 (got {})",
                self.heartbeat_secs
            );
        }
        if !(1..=3600).contains(&self.reconnect_secs) {
            bail!("scp.reconnect_secs: 1-3600 (got {})", self.reconnect_secs);
        }
        if !(1..=1024).contains(&self.max_associations) {
            bail!(
                "scp.max_associations: 1-1024 (got {})",
                self.max_associations
            );
        }
        if self.ssns.is_empty() {
            bail!("scp.ssns: at least one subsystem number is needed");
        }
        if !(10..=5000).contains(&self.service_logic_ms) {
            bail!(
                "scp.service_logic_ms: 10-5000 (got {})",
                self.service_logic_ms
            );
        }
        if self.default_release_cause > 127 {
            bail!(
                "scp.default_release_cause: 0-127 (got {})",
                self.default_release_cause
            );
        }
        if !(1..=1_000_000).contains(&self.max_dialogues) {
            bail!("scp.max_dialogues: 1-1000000 (got {})", self.max_dialogues);
        }
        if !(1..=2047).contains(&self.default_no_answer_secs) {
            bail!(
                "scp.default_no_answer_secs: 1-2047 (got {})",
                self.default_no_answer_secs
            );
        }
        if !(1..=3600).contains(&self.activity_test_secs) {
            bail!(
                "scp.activity_test_secs: 1-3600 (got {})",
                self.activity_test_secs
            );
        }
        if !(300..=7200).contains(&self.max_monitored_call_secs) {
            bail!(
                "scp.max_monitored_call_secs: 300-7200 (got {})",
                self.max_monitored_call_secs
            );
        }
        if self.default_noa > 127 {
            bail!("scp.default_noa: 0-127 (got {})", self.default_noa);
        }

        let mut models = Vec::new();
        for (i, m) in self.models.iter().enumerate() {
            let key = format!("scp.models[{i}]");
            if m.name.is_empty() || models.iter().any(|x: &SspModel| x.name == m.name) {
                bail!("{key}.name: required and unique (got {:?})", m.name);
            }
            let variant = match m.inap.to_ascii_lowercase().as_str() {
                "camel1" => {
                    bail!("{key}.inap: camel1 is not supported (cs1, camel2, camel3, camel4)")
                }
                v => Variant::from_name(v).ok_or_else(|| {
                    anyhow::anyhow!(
                        "{key}.inap: cs1, camel2, camel3 or camel4 (got {:?})",
                        m.inap
                    )
                })?,
            };
            let mut model = SspModel::new(&m.name, variant);
            for (j, ac) in m.application_contexts.iter().enumerate() {
                model.application_contexts.push(parse_ac(ac).ok_or_else(|| {
                    anyhow::anyhow!(
                        "{key}.application_contexts[{j}]: an alias (cs1, camel2-4) or dotted OID (got {ac:?})"
                    )
                })?);
            }
            model.returned_ac = match m.returned_ac.as_str() {
                "copy" => ReturnedAc::Copy,
                other => ReturnedAc::Fixed(parse_ac(other).ok_or_else(|| {
                    anyhow::anyhow!(
                        "{key}.returned_ac: \"copy\", an alias or a dotted OID (got {other:?})"
                    )
                })?),
            };
            model.trim_called_party_stop_digit = m.trim_called_party_stop_digit;
            for (j, t) in m.release_cause_translation.iter().enumerate() {
                if t.from > 127 || t.to > 127 {
                    bail!("{key}.release_cause_translation[{j}]: causes are 0-127");
                }
                model.release_cause_translation.push((t.from, t.to));
            }
            models.push(model);
        }
        let defaults = ScpConfig::default();
        if models.is_empty() {
            models = defaults.models.clone();
        }
        let model_without_ac = if self.model_without_ac.is_empty() {
            None
        } else {
            Some(
                models
                    .iter()
                    .position(|m| m.name == self.model_without_ac)
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "scp.model_without_ac: no model named {:?}",
                            self.model_without_ac
                        )
                    })?,
            )
        };

        let mut numbers = NumberRules {
            default_noa: self.default_noa,
            ..NumberRules::default()
        };
        for (kind, list, target) in [
            (
                "called_party",
                &self.normalisation.called_party,
                &mut numbers.normalise_called,
            ),
            (
                "calling_party",
                &self.normalisation.calling_party,
                &mut numbers.normalise_calling,
            ),
            (
                "called_party_bcd",
                &self.normalisation.called_party_bcd,
                &mut numbers.normalise_called_bcd,
            ),
        ] {
            for (i, r) in list.iter().enumerate() {
                check_rule(
                    &format!("scp.normalisation.{kind}[{i}]"),
                    &r.match_prefix,
                    &r.prepend,
                    r.min_len,
                    r.max_len,
                )?;
                target.push(r.clone());
            }
        }
        for (kind, list, target) in [
            (
                "called_party",
                &self.denormalisation.called_party,
                &mut numbers.denormalise_called,
            ),
            (
                "calling_party",
                &self.denormalisation.calling_party,
                &mut numbers.denormalise_calling,
            ),
        ] {
            for (i, r) in list.iter().enumerate() {
                let key = format!("scp.denormalisation.{kind}[{i}]");
                check_rule(&key, &r.match_prefix, &r.prepend, r.min_len, r.max_len)?;
                if r.noa > 127 {
                    bail!("{key}.noa: 0-127 (got {})", r.noa);
                }
                target.push(r.clone());
            }
        }

        let cause_ok = |c: u8| c <= 127;
        let mut services = Vec::new();
        for (i, s) in self.services.iter().enumerate() {
            let key = format!("scp.services[{i}]");
            if services.iter().any(|(k, _)| *k == s.service_key) {
                bail!("{key}.service_key: {} is listed twice", s.service_key);
            }
            services.push((s.service_key, command(&key, s, cause_ok)?));
        }
        let grants: Vec<(u32, Vec<u32>)> = self
            .services
            .iter()
            .filter_map(|s| s.grants.clone().map(|g| (s.service_key, g)))
            .collect();
        let fallback = match self.default_action.as_str() {
            "release" => Command::ReleaseCall { cause: None },
            "continue" => Command::TerminationFinal(Termination::default()),
            "abort" => Command::Abort { text: None },
            other => {
                bail!("scp.default_action: \"release\", \"continue\" or \"abort\" (got {other:?})")
            }
        };

        let mut logic = CannedLogic::new(services, fallback);
        for (service_key, g) in grants {
            logic.set_grants(service_key, g);
        }
        let mut asp = AspConfig::new(Role::Asp);
        asp.routing_contexts = self.routing_context.clone();
        asp.network_appearance = self.network_appearance;
        asp.traffic_mode = traffic_mode;
        asp.asp_identifier = self.asp_identifier;
        asp.heartbeat_interval = Duration::from_secs(self.heartbeat_secs);
        asp.local_point_code = self.local_point_code;
        asp.remote_point_code = self.remote_point_code;
        asp.network_indicator = self.network_indicator;

        Ok(Some(ScpSetup {
            endpoint,
            transport,
            engine: ScpConfig {
                ssns: self.ssns.clone(),
                models,
                model_without_ac,
                default_release_cause: self.default_release_cause,
                service_logic: Duration::from_millis(self.service_logic_ms),
                default_no_answer_secs: self.default_no_answer_secs,
                activity_test_interval: Duration::from_secs(self.activity_test_secs),
                max_monitored_call: Duration::from_secs(self.max_monitored_call_secs),
                max_dialogues: self.max_dialogues,
                numbers,
            },
            logic,
            asp,
            reconnect: Duration::from_secs(self.reconnect_secs),
            max_associations: self.max_associations,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Option<ScpSetup>> {
        let section: ScpSection = toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
        section.setup()
    }

    #[test]
    fn off_by_default() {
        assert!(parse("").unwrap().is_none());
    }

    #[test]
    fn listen_with_services_and_rules() {
        let s = parse(
            r#"
            listen = "127.0.0.1:2905"
            [[models]]
            name = "ssp-a"
            inap = "camel3"
            application_contexts = ["0.4.0.0.1.21.3.50", "cap3"]
            returned_ac = "cap3"
            release_cause_translation = [{ from = 17, to = 21 }]
            [[denormalisation.called_party]]
            match_prefix = "00"
            strip = 2
            noa = 4
            [[services]]
            service_key = 3
            action = "connect"
            address_digits = "0049301234567"
            fci = "01020304"
            "#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            s.endpoint,
            Endpoint::Listen("127.0.0.1:2905".parse().unwrap())
        );
        assert_eq!(s.engine.models.len(), 1);
        let m = &s.engine.models[0];
        assert!(m.accepts(&Oid::new(&[0, 4, 0, 0, 1, 21, 3, 50]).unwrap()));
        assert_eq!(m.translate_cause(17), 21);
        assert_eq!(s.engine.numbers.denormalise_called[0].noa, 4);
        let idp = callctl_scp::InitialDp {
            service_key: 3,
            ..Default::default()
        };
        assert_eq!(
            s.logic.answer(&idp),
            Command::TerminationFinal(Termination {
                address_digits: Some("0049301234567".into()),
                orig_called_digits: None,
                redirecting_digits: None,
                redirection: None,
                fci: Some(vec![1, 2, 3, 4]),
            })
        );
    }

    #[test]
    fn errors_name_the_key() {
        for (text, key) in [
            ("listen = \"x\"", "scp.listen"),
            ("listen = \"127.0.0.1:1\"\nconnect = \"127.0.0.1:2\"", "scp.listen, scp.connect"),
            ("listen = \"127.0.0.1:1\"\nlocal_point_code = 20000", "scp.local_point_code"),
            ("listen = \"127.0.0.1:1\"\nservice_logic_ms = 5", "scp.service_logic_ms"),
            (
                "listen = \"127.0.0.1:1\"\n[[models]]\nname = \"a\"\ninap = \"camel1\"",
                "scp.models[0].inap",
            ),
            (
                "listen = \"127.0.0.1:1\"\n[[services]]\nservice_key = 1\naction = \"connect\"",
                "scp.services[0].address_digits",
            ),
            (
                "listen = \"127.0.0.1:1\"\n[[services]]\nservice_key = 1\naction = \"release\"\ncause = 200",
                "scp.services[0].cause",
            ),
            (
                "listen = \"127.0.0.1:1\"\n[[services]]\nservice_key = 1\naction = \"fly\"",
                "scp.services[0].action",
            ),
            ("listen = \"127.0.0.1:1\"\ndefault_action = \"connect\"", "scp.default_action"),
            ("listen = \"127.0.0.1:1\"\nmodel_without_ac = \"nope\"", "scp.model_without_ac"),
            (
                "listen = \"127.0.0.1:1\"\n[[services]]\nservice_key = 1\naction = \"release\"\nno_answer_secs = 5",
                "scp.services[0].no_answer_secs",
            ),
            (
                "listen = \"127.0.0.1:1\"\n[[services]]\nservice_key = 1\naction = \"connect_attempt\"\naddress_digits = \"1\"\nno_answer_secs = 3000",
                "scp.services[0].no_answer_secs",
            ),
            ("listen = \"127.0.0.1:1\"\ndefault_no_answer_secs = 0", "scp.default_no_answer_secs"),
            (
                "listen = \"127.0.0.1:1\"\n[[services]]\nservice_key = 1\naction = \"connect_charged\"\naddress_digits = \"1\"",
                "scp.services[0].grants",
            ),
            (
                "listen = \"127.0.0.1:1\"\n[[services]]\nservice_key = 1\naction = \"connect\"\naddress_digits = \"1\"\ngrants = [5]",
                "scp.services[0].grants",
            ),
            ("listen = \"127.0.0.1:1\"\nactivity_test_secs = 0", "scp.activity_test_secs"),
            ("listen = \"127.0.0.1:1\"\nmax_monitored_call_secs = 10", "scp.max_monitored_call_secs"),
        ] {
            let e = format!("{:#}", parse(text).unwrap_err());
            assert!(e.starts_with(key), "{text:?}: {e}");
        }
    }
}
