//! The configuration file: one TOML file, every setting optional with a documented default
//! (config/callctl.toml is both the reference and the built-in configuration). Unknown keys
//! and bad values are errors that name the key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use callctl_b2bua::{
    DenormRule, Denormaliser, EngineConfig, Route, RouteTable, SipPeer, Trigger, TriggerTable,
};
use callctl_sip::{TimerConfig, Transport};
use serde::Deserialize;

/// Most worker threads (call shards) `runtime.workers` accepts.
pub const MAX_WORKERS: usize = 1024;

/// The built-in configuration (the reference file).
pub const DEFAULT_CONFIG: &str = include_str!("../../../config/callctl.toml");

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub sip: SipSection,
    pub service: ServiceSection,
    pub termination: TerminationSection,
    pub supervision: SupervisionSection,
    pub routes: Vec<RouteEntry>,
    pub denormalisation: DenormSection,
    pub edr: EdrSection,
    pub runtime: RuntimeSection,
    pub log: LogSection,
    pub management: ManagementSection,
    pub scp: crate::scp_config::ScpSection,
}

/// `[management]`: the JSON-RPC/metrics HTTP interface.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ManagementSection {
    pub listen: String,
    pub token: String,
    pub query_timeout_ms: u64,
}

impl Default for ManagementSection {
    fn default() -> Self {
        ManagementSection {
            listen: "127.0.0.1:8060".into(),
            token: String::new(),
            query_timeout_ms: 2000,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SipSection {
    pub listen: Vec<String>,
    pub advertised_address: String,
    pub public_domain: String,
    pub t1_ms: u64,
    pub t2_ms: u64,
    pub t4_ms: u64,
    pub max_message_bytes: usize,
    pub max_tcp_connections: usize,
    pub tcp_idle_secs: u64,
    pub server_header: String,
}

impl Default for SipSection {
    fn default() -> Self {
        SipSection {
            listen: vec!["udp:127.0.0.1:5060".into(), "tcp:127.0.0.1:5060".into()],
            advertised_address: String::new(),
            public_domain: String::new(),
            t1_ms: 500,
            t2_ms: 4000,
            t4_ms: 5000,
            max_message_bytes: 65535,
            max_tcp_connections: 1024,
            tcp_idle_secs: 600,
            server_header: "callctl".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServiceSection {
    pub script_dirs: Vec<PathBuf>,
    pub service_logic_ms: u64,
    pub default_decline_code: u16,
    pub no_trigger_code: u16,
    pub script_error_code: u16,
    pub service_logic_timeout_code: u16,
    pub trace_level: u8,
    pub instruction_budget: u64,
    pub memory_limit_mb: usize,
    pub post_call_script_secs: u64,
    pub triggers: Vec<TriggerEntry>,
}

impl Default for ServiceSection {
    fn default() -> Self {
        ServiceSection {
            script_dirs: vec![PathBuf::from("scripts")],
            service_logic_ms: 2500,
            default_decline_code: 603,
            no_trigger_code: 404,
            script_error_code: 500,
            service_logic_timeout_code: 500,
            trace_level: 0,
            instruction_budget: 50_000_000,
            memory_limit_mb: 512,
            post_call_script_secs: 3600,
            triggers: Vec::new(),
        }
    }
}

/// B-leg settings (seed 003).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TerminationSection {
    pub default_no_answer_secs: u32,
    pub max_no_answer_secs: u32,
    pub default_max_call_secs: u32,
    pub min_call_secs: u32,
    pub max_call_secs: u32,
    pub relay_to_b: Vec<String>,
    pub relay_to_a: Vec<String>,
}

impl Default for TerminationSection {
    fn default() -> Self {
        TerminationSection {
            default_no_answer_secs: 60,
            max_no_answer_secs: 300,
            default_max_call_secs: 43_200,
            min_call_secs: 1,
            max_call_secs: 86_400,
            relay_to_b: Vec::new(),
            relay_to_a: Vec::new(),
        }
    }
}

/// `[supervision]`: in-dialog pinging of answered calls.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SupervisionSection {
    /// Seconds between pings; 0 turns pinging off.
    pub ping_interval_secs: u32,
    /// `OPTIONS` (the only method supported: re-INVITE pinging is not).
    pub ping_method: String,
    /// Consecutive failed pings on one leg that end the call.
    pub ping_max_failures: u32,
}

impl Default for SupervisionSection {
    fn default() -> Self {
        SupervisionSection {
            ping_interval_secs: 0,
            ping_method: "OPTIONS".into(),
            ping_max_failures: 1,
        }
    }
}

/// `[[routes]]`: B-legs whose digits start with `prefix` go to `peer` (`transport:IP:PORT`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteEntry {
    #[serde(default)]
    pub prefix: String,
    pub peer: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DenormSection {
    pub called_party: Vec<DenormEntry>,
    pub calling_party: Vec<DenormEntry>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DenormEntry {
    pub match_prefix: String,
    pub min_len: Option<usize>,
    pub max_len: Option<usize>,
    pub strip: usize,
    pub prepend: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerEntry {
    pub called_prefix: String,
    pub script_key: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EdrSection {
    pub path: String,
    pub script_notices: bool,
}

impl Default for EdrSection {
    fn default() -> Self {
        EdrSection {
            path: "callctl-edr.log".into(),
            script_notices: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RuntimeSection {
    pub workers: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSection {
    pub level: String,
    pub format: String,
}

impl Default for LogSection {
    fn default() -> Self {
        LogSection {
            level: "info".into(),
            format: "text".into(),
        }
    }
}

/// One listening socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listen {
    pub transport: Transport,
    pub addr: SocketAddr,
}

impl Config {
    /// Parse and validate. `base` is the directory relative paths are resolved against.
    pub fn parse(text: &str, base: &Path) -> Result<Config> {
        let mut config: Config = toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
        for dir in &mut config.service.script_dirs {
            if dir.is_relative() {
                *dir = base.join(&*dir);
            }
            // Shown in logs and error messages: keep it readable.
            if let Ok(canonical) = dir.canonicalize() {
                *dir = canonical;
            }
        }
        config.validate()?;
        Ok(config)
    }

    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read configuration file {}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Config::parse(&text, base).with_context(|| format!("in {}", path.display()))
    }

    /// The built-in configuration; its relative paths are resolved against the source tree
    /// (so `cargo run` works from anywhere in the checkout).
    pub fn builtin() -> Result<Config> {
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
        Config::parse(DEFAULT_CONFIG, &base)
    }

    /// The management listen address (`None`: disabled).
    pub fn management_listen(&self) -> Result<Option<SocketAddr>> {
        let m = &self.management;
        if m.listen.trim().is_empty() {
            return Ok(None);
        }
        let addr: SocketAddr = m.listen.trim().parse().map_err(|_| {
            anyhow::anyhow!(
                "management.listen: expected IP:PORT, e.g. \"127.0.0.1:8060\" (got {:?})",
                m.listen
            )
        })?;
        Ok(Some(addr))
    }

    fn validate_management(&self) -> Result<()> {
        let m = &self.management;
        let listen = self.management_listen()?;
        if let Some(addr) = listen {
            if !addr.ip().is_loopback() && m.token.is_empty() {
                bail!(
                    "management.token: required when management.listen is not a loopback address (listen = {addr})"
                );
            }
        }
        if m.token.bytes().any(|b| !b.is_ascii_graphic()) {
            bail!("management.token: printable ASCII without spaces only");
        }
        if !(100..=60_000).contains(&m.query_timeout_ms) {
            bail!(
                "management.query_timeout_ms: must be 100-60000 (got {})",
                m.query_timeout_ms
            );
        }
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        self.validate_management()?;
        self.scp.setup()?;
        let s = &self.sip;
        if s.listen.is_empty() {
            bail!("sip.listen: at least one address is needed");
        }
        self.listens()?;
        for (key, v, lo, hi) in [
            ("sip.t1_ms", s.t1_ms, 10, 60_000),
            ("sip.t2_ms", s.t2_ms, 10, 600_000),
            ("sip.t4_ms", s.t4_ms, 10, 600_000),
            (
                "service.service_logic_ms",
                self.service.service_logic_ms,
                10,
                60_000,
            ),
            (
                "service.post_call_script_secs",
                self.service.post_call_script_secs,
                1,
                86_400,
            ),
        ] {
            if !(lo..=hi).contains(&v) {
                bail!("{key}: must be {lo}-{hi} (got {v})");
            }
        }
        if s.t2_ms < s.t1_ms {
            bail!("sip.t2_ms: must not be below sip.t1_ms");
        }
        if !(1024..=1_048_576).contains(&s.max_message_bytes) {
            bail!(
                "sip.max_message_bytes: must be 1024-1048576 (got {})",
                s.max_message_bytes
            );
        }
        if s.max_tcp_connections == 0 {
            bail!("sip.max_tcp_connections: must be at least 1");
        }
        // 0 would close every connection at its first read.
        if !(1..=604_800).contains(&s.tcp_idle_secs) {
            bail!(
                "sip.tcp_idle_secs: must be 1-604800 (got {})",
                s.tcp_idle_secs
            );
        }
        // These go verbatim into SIP headers (Server, Contact, From): a line break or a space
        // would let the configuration split or corrupt a header.
        for (key, value) in [
            ("sip.server_header", &s.server_header),
            ("sip.advertised_address", &s.advertised_address),
            ("sip.public_domain", &s.public_domain),
        ] {
            let spaces_allowed = key == "sip.server_header";
            if value
                .chars()
                .any(|c| c.is_control() || (!spaces_allowed && c.is_whitespace()))
            {
                bail!(
                    "{key}: control characters{} are not allowed (got {value:?})",
                    if spaces_allowed { "" } else { " and spaces" }
                );
            }
        }
        let svc = &self.service;
        for (key, code, lo, hi) in [
            (
                "service.default_decline_code",
                svc.default_decline_code,
                300,
                699,
            ),
            ("service.no_trigger_code", svc.no_trigger_code, 300, 699),
            ("service.script_error_code", svc.script_error_code, 300, 699),
            (
                "service.service_logic_timeout_code",
                svc.service_logic_timeout_code,
                300,
                699,
            ),
        ] {
            if !(lo..=hi).contains(&code) {
                bail!("{key}: must be a SIP code {lo}-{hi} (got {code})");
            }
        }
        if svc.trace_level > 3 {
            bail!("service.trace_level: must be 0-3 (got {})", svc.trace_level);
        }
        if svc.instruction_budget < 10_000 {
            bail!("service.instruction_budget: must be at least 10000");
        }
        // The limit is handed to the runtime in bytes: keep MiB * 2^20 well inside usize.
        if !(16..=1_048_576).contains(&svc.memory_limit_mb) {
            bail!(
                "service.memory_limit_mb: must be 16-1048576 (got {})",
                svc.memory_limit_mb
            );
        }
        // Shard numbers are 16 bits in our Call-IDs, branches and dialog ids; far fewer
        // threads than that are useful anyway.
        if self.runtime.workers > MAX_WORKERS {
            bail!(
                "runtime.workers: must be 0 (one per core) to {MAX_WORKERS} (got {})",
                self.runtime.workers
            );
        }
        if svc.script_dirs.is_empty() {
            bail!("service.script_dirs: at least one directory is needed");
        }
        for (i, t) in svc.triggers.iter().enumerate() {
            if !t
                .called_prefix
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b"+*#".contains(&b))
            {
                bail!(
                    "service.triggers[{i}].called_prefix: digits only (got {:?})",
                    t.called_prefix
                );
            }
            let key_ok = !t.script_key.is_empty()
                && t.script_key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
                && !t.script_key.contains("..");
            if !key_ok {
                bail!(
                    "service.triggers[{i}].script_key: letters, digits, _ - . only (got {:?})",
                    t.script_key
                );
            }
        }
        TriggerTable::new(self.trigger_list())
            .map_err(|e| anyhow::anyhow!("service.triggers: {e}"))?;
        let term = &self.termination;
        for (key, v, lo, hi) in [
            (
                "termination.default_no_answer_secs",
                term.default_no_answer_secs,
                1,
                3600,
            ),
            (
                "termination.max_no_answer_secs",
                term.max_no_answer_secs,
                1,
                3600,
            ),
            (
                "termination.default_max_call_secs",
                term.default_max_call_secs,
                1,
                604_800,
            ),
            ("termination.min_call_secs", term.min_call_secs, 1, 604_800),
            ("termination.max_call_secs", term.max_call_secs, 1, 604_800),
        ] {
            if !(lo..=hi).contains(&v) {
                bail!("{key}: must be {lo}-{hi} (got {v})");
            }
        }
        if term.min_call_secs > term.max_call_secs {
            bail!("termination.min_call_secs: must not exceed termination.max_call_secs");
        }
        let sup = &self.supervision;
        if sup.ping_interval_secs != 0 && !(5..=3600).contains(&sup.ping_interval_secs) {
            bail!(
                "supervision.ping_interval_secs: must be 0 (off) or 5-3600 (got {})",
                sup.ping_interval_secs
            );
        }
        if sup.ping_method != "OPTIONS" {
            bail!(
                "supervision.ping_method: only \"OPTIONS\" is supported (got {:?})",
                sup.ping_method
            );
        }
        if !(1..=10).contains(&sup.ping_max_failures) {
            bail!(
                "supervision.ping_max_failures: must be 1-10 (got {})",
                sup.ping_max_failures
            );
        }
        for (key, list) in [
            ("termination.relay_to_b", &term.relay_to_b),
            ("termination.relay_to_a", &term.relay_to_a),
        ] {
            for (i, name) in list.iter().enumerate() {
                let token = !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b));
                if !token {
                    bail!("{key}[{i}]: not a header name ({name:?})");
                }
            }
        }
        self.route_table()?;
        for (kind, rules) in [
            ("called_party", &self.denormalisation.called_party),
            ("calling_party", &self.denormalisation.calling_party),
        ] {
            for (i, r) in rules.iter().enumerate() {
                let digits = |s: &str| {
                    s.bytes()
                        .all(|b| b.is_ascii_hexdigit() || b"+*#".contains(&b))
                };
                if !digits(&r.match_prefix) {
                    bail!(
                        "denormalisation.{kind}[{i}].match_prefix: digits only (got {:?})",
                        r.match_prefix
                    );
                }
                if !digits(&r.prepend) {
                    bail!(
                        "denormalisation.{kind}[{i}].prepend: digits only (got {:?})",
                        r.prepend
                    );
                }
                if let (Some(a), Some(b)) = (r.min_len, r.max_len) {
                    if a > b {
                        bail!("denormalisation.{kind}[{i}]: min_len is above max_len");
                    }
                }
            }
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log.level) {
            bail!("log.level: {e} (got {:?})", self.log.level);
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            bail!(
                "log.format: \"text\" or \"json\" (got {:?})",
                self.log.format
            );
        }
        Ok(())
    }

    fn trigger_list(&self) -> Vec<Trigger> {
        self.service
            .triggers
            .iter()
            .map(|t| Trigger {
                prefix: t.called_prefix.clone(),
                script_key: t.script_key.clone(),
            })
            .collect()
    }

    fn route_table(&self) -> Result<RouteTable> {
        let mut routes = Vec::with_capacity(self.routes.len());
        for (i, r) in self.routes.iter().enumerate() {
            if !r
                .prefix
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b"+*#".contains(&b))
            {
                bail!("routes[{i}].prefix: digits only (got {:?})", r.prefix);
            }
            let (proto, addr) = r.peer.split_once(':').with_context(|| {
                format!(
                    "routes[{i}].peer: expected udp:IP:PORT or tcp:IP:PORT (got {:?})",
                    r.peer
                )
            })?;
            let transport = match proto.to_ascii_lowercase().as_str() {
                "udp" => Transport::Udp,
                "tcp" => Transport::Tcp,
                other => bail!("routes[{i}].peer: transport must be udp or tcp (got {other:?})"),
            };
            let addr: SocketAddr = addr.parse().with_context(|| {
                format!("routes[{i}].peer: bad address {addr:?} (an IP literal and a port)")
            })?;
            let name = if r.name.is_empty() {
                r.peer.clone()
            } else {
                r.name.clone()
            };
            routes.push(Route {
                prefix: r.prefix.clone(),
                peer: SipPeer {
                    name,
                    addr,
                    transport,
                },
            });
        }
        RouteTable::new(routes).map_err(|e| anyhow::anyhow!("routes: {e}"))
    }

    pub fn listens(&self) -> Result<Vec<Listen>> {
        self.sip
            .listen
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let (proto, addr) = l.split_once(':').with_context(|| {
                    format!("sip.listen[{i}]: expected udp:IP:PORT or tcp:IP:PORT (got {l:?})")
                })?;
                let transport = match proto.to_ascii_lowercase().as_str() {
                    "udp" => Transport::Udp,
                    "tcp" => Transport::Tcp,
                    other => bail!("sip.listen[{i}]: transport must be udp or tcp (got {other:?})"),
                };
                let addr: SocketAddr = addr
                    .parse()
                    .with_context(|| format!("sip.listen[{i}]: bad address {addr:?}"))?;
                Ok(Listen { transport, addr })
            })
            .collect()
    }

    pub fn workers(&self) -> usize {
        if self.runtime.workers == 0 {
            std::thread::available_parallelism()
                .map(|n| n.get().min(MAX_WORKERS))
                .unwrap_or(1)
        } else {
            self.runtime.workers
        }
    }

    /// The engine's view of the configuration.
    pub fn engine(&self) -> Result<EngineConfig> {
        let listens = self.listens()?;
        let first = |t: Transport| listens.iter().find(|l| l.transport == t).map(|l| l.addr);
        let any = listens[0].addr;
        let contact = |t: Transport| {
            if self.sip.advertised_address.is_empty() {
                first(t).unwrap_or(any).to_string()
            } else {
                self.sip.advertised_address.clone()
            }
        };
        let public_domain = if self.sip.public_domain.is_empty() {
            match any.ip() {
                std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                ip => ip.to_string(),
            }
        } else {
            self.sip.public_domain.clone()
        };
        Ok(EngineConfig {
            contact_udp: contact(Transport::Udp),
            contact_tcp: contact(Transport::Tcp),
            public_domain,
            server_header: self.sip.server_header.clone(),
            triggers: TriggerTable::new(self.trigger_list()).map_err(|e| anyhow::anyhow!(e))?,
            no_trigger_code: self.service.no_trigger_code,
            default_decline_code: self.service.default_decline_code,
            script_error_code: self.service.script_error_code,
            service_logic_timeout_code: self.service.service_logic_timeout_code,
            service_logic: Duration::from_millis(self.service.service_logic_ms),
            timers: TimerConfig {
                t1: Duration::from_millis(self.sip.t1_ms),
                t2: Duration::from_millis(self.sip.t2_ms),
                t4: Duration::from_millis(self.sip.t4_ms),
            },
            edr_script_notices: self.edr.script_notices,
            routes: self.route_table()?,
            denormalisation: Denormaliser {
                called_party: self.denormalisation.called_party.iter().map(rule).collect(),
                calling_party: self
                    .denormalisation
                    .calling_party
                    .iter()
                    .map(rule)
                    .collect(),
            },
            default_no_answer_secs: self.termination.default_no_answer_secs,
            max_no_answer_secs: self.termination.max_no_answer_secs,
            default_max_call_secs: self.termination.default_max_call_secs,
            min_call_secs: self.termination.min_call_secs,
            max_call_secs: self.termination.max_call_secs,
            relay_to_b: self.termination.relay_to_b.clone(),
            relay_to_a: self.termination.relay_to_a.clone(),
            ping_interval: (self.supervision.ping_interval_secs > 0)
                .then(|| Duration::from_secs(u64::from(self.supervision.ping_interval_secs))),
            ping_max_failures: self.supervision.ping_max_failures,
            post_call_script: Duration::from_secs(self.service.post_call_script_secs),
        })
    }
}

fn rule(r: &DenormEntry) -> DenormRule {
    DenormRule {
        match_prefix: r.match_prefix.clone(),
        min_len: r.min_len,
        max_len: r.max_len,
        strip: r.strip,
        prepend: r.prepend.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_config_is_valid() {
        let c = Config::builtin().unwrap();
        assert_eq!(c.service.service_logic_ms, 2500);
        assert_eq!(c.engine().unwrap().no_trigger_code, 404);
        assert!(c.service.script_dirs[0].join("seed000_hangup.lua").exists());
    }

    #[test]
    fn management_settings() {
        let base = Path::new(".");
        let c = Config::builtin().unwrap();
        assert_eq!(
            c.management_listen().unwrap(),
            Some("127.0.0.1:8060".parse().unwrap())
        );
        assert_eq!(c.management.query_timeout_ms, 2000);
        let c = Config::parse("[management]\nlisten = \"\"\n", base).unwrap();
        assert_eq!(c.management_listen().unwrap(), None);
        let e = Config::parse("[management]\nlisten = \"0.0.0.0:8060\"\n", base).unwrap_err();
        assert!(format!("{e:#}").contains("management.token"), "{e:#}");
        let c = Config::parse(
            "[management]\nlisten = \"0.0.0.0:8060\"\ntoken = \"abc\"\n",
            base,
        )
        .unwrap();
        assert_eq!(c.management.token, "abc");
        let e = Config::parse("[management]\nlisten = \"localhost\"\n", base).unwrap_err();
        assert!(format!("{e:#}").contains("management.listen"), "{e:#}");
        let e = Config::parse("[management]\nport = 1\n", base).unwrap_err();
        assert!(format!("{e:#}").contains("port"), "{e:#}");
        let e = Config::parse("[management]\ntoken = \"a b\"\n", base).unwrap_err();
        assert!(format!("{e:#}").contains("management.token"), "{e:#}");
    }

    #[test]
    fn errors_name_the_key() {
        let base = Path::new(".");
        let e = Config::parse("[sip]\nlisten = [\"udp:1.2.3.4\"]\n", base).unwrap_err();
        assert!(format!("{e:#}").contains("sip.listen[0]"), "{e:#}");
        let e = Config::parse("[service]\npost_call_script_secs = 0\n", base).unwrap_err();
        assert!(
            format!("{e:#}").contains("service.post_call_script_secs"),
            "{e:#}"
        );
        let e = Config::parse("[service]\nservice_logic_ms = 5\n", base).unwrap_err();
        assert!(
            format!("{e:#}").contains("service.service_logic_ms"),
            "{e:#}"
        );
        let e = Config::parse("[sip]\nlisten_on = []\n", base).unwrap_err();
        assert!(format!("{e:#}").contains("listen_on"), "{e:#}");
        let e = Config::parse("[service]\ndefault_decline_code = 200\n", base).unwrap_err();
        assert!(
            format!("{e:#}").contains("service.default_decline_code"),
            "{e:#}"
        );
        let e = Config::parse(
            "[[service.triggers]]\ncalled_prefix = \"1\"\nscript_key = \"a\"\n[[service.triggers]]\ncalled_prefix = \"1\"\nscript_key = \"b\"\n",
            base,
        )
        .unwrap_err();
        assert!(format!("{e:#}").contains("duplicate"), "{e:#}");
        let e = Config::parse(
            "[[service.triggers]]\ncalled_prefix = \"1\"\nscript_key = \"../x\"\n",
            base,
        )
        .unwrap_err();
        assert!(format!("{e:#}").contains("script_key"), "{e:#}");
    }

    /// Values that would overflow, misroute or corrupt headers are refused with their key.
    #[test]
    fn out_of_range_values_name_the_key() {
        let base = Path::new(".");
        for (text, key) in [
            ("[runtime]\nworkers = 65537", "runtime.workers"),
            ("[runtime]\nworkers = 1025", "runtime.workers"),
            (
                "[service]\nmemory_limit_mb = 17592186044416",
                "service.memory_limit_mb",
            ),
            ("[sip]\ntcp_idle_secs = 0", "sip.tcp_idle_secs"),
            (
                "[sip]\nserver_header = \"callctl\\r\\nVia: x\"",
                "sip.server_header",
            ),
            (
                "[sip]\nadvertised_address = \"10.0.0.1 :5060\"",
                "sip.advertised_address",
            ),
            ("[sip]\npublic_domain = \"a\\nb\"", "sip.public_domain"),
            ("[log]\nlevel = \"callctl=loud\"", "log.level"),
        ] {
            let e = Config::parse(text, base).unwrap_err();
            assert!(format!("{e:#}").contains(key), "{text}: {e:#}");
        }
        let ok = Config::parse(
            "[runtime]\nworkers = 1024\n[service]\nmemory_limit_mb = 1048576\n[sip]\nserver_header = \"callctl 1.0\"\n[log]\nlevel = \"callctl=debug,info\"\n",
            base,
        )
        .unwrap();
        assert_eq!(ok.workers(), 1024);
    }

    #[test]
    fn termination_settings_are_checked() {
        let base = Path::new(".");
        let e = Config::parse(
            "[[routes]]\nprefix = \"1\"\npeer = \"udp:host:5060\"\n",
            base,
        )
        .unwrap_err();
        assert!(format!("{e:#}").contains("routes[0].peer"), "{e:#}");
        let e = Config::parse(
            "[termination]\nmin_call_secs = 10\nmax_call_secs = 5\n",
            base,
        )
        .unwrap_err();
        assert!(
            format!("{e:#}").contains("termination.min_call_secs"),
            "{e:#}"
        );
        let e = Config::parse(
            "[[denormalisation.called_party]]\nmatch_prefix = \"0\"\nprepend = \"x\"\n",
            base,
        )
        .unwrap_err();
        assert!(
            format!("{e:#}").contains("denormalisation.called_party[0].prepend"),
            "{e:#}"
        );
        let ok = Config::parse(
            "[[routes]]\npeer = \"udp:127.0.0.1:5090\"\n[[routes]]\nprefix = \"1703\"\npeer = \"tcp:[::1]:5070\"\nname = \"lab\"\n",
            base,
        )
        .unwrap();
        let engine = ok.engine().unwrap();
        assert_eq!(engine.routes.select("17031").unwrap().peer.name, "lab");
        assert_eq!(engine.routes.select("9").unwrap().peer.addr.port(), 5090);
    }

    #[test]
    fn supervision_settings_are_checked() {
        let base = Path::new(".");
        let off = Config::parse("", base).unwrap().engine().unwrap();
        assert_eq!(off.ping_interval, None);
        assert_eq!(off.ping_max_failures, 1);
        let on = Config::parse(
            "[supervision]\nping_interval_secs = 30\nping_method = \"OPTIONS\"\nping_max_failures = 3\n",
            base,
        )
        .unwrap()
        .engine()
        .unwrap();
        assert_eq!(on.ping_interval, Some(Duration::from_secs(30)));
        assert_eq!(on.ping_max_failures, 3);
        for (text, key) in [
            ("ping_interval_secs = 4", "supervision.ping_interval_secs"),
            (
                "ping_interval_secs = 3601",
                "supervision.ping_interval_secs",
            ),
            ("ping_method = \"INVITE\"", "supervision.ping_method"),
            ("ping_max_failures = 0", "supervision.ping_max_failures"),
            ("ping_max_failures = 11", "supervision.ping_max_failures"),
            ("ping_every = 5", "ping_every"),
        ] {
            let e = Config::parse(&format!("[supervision]\n{text}\n"), base).unwrap_err();
            assert!(format!("{e:#}").contains(key), "{text}: {e:#}");
        }
    }
}
