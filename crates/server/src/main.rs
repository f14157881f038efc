//! callctl: the binary. Reads the configuration, starts one shard thread per core (each with
//! its engine and Lua state), the UDP receive threads, the TCP tasks, the EDR writer, and
//! handles SIGHUP (script reload) and SIGTERM/SIGINT (graceful shutdown).

mod cli;
mod config;
mod edr;
mod management;
mod metrics;
mod scp;
mod scp_config;
mod shard;
mod transport;

use std::net::UdpSocket;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use callctl_service::RuntimeConfig;
use callctl_sip::message::Limits;
use callctl_sip::Transport;
use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::shard::{Outbound, ShardInput, ShardSetup};
use crate::transport::Dispatch;

#[derive(Parser)]
#[command(
    name = "callctl",
    version,
    about = "Programmable call-control server (SIP B2BUA with Lua service logic)"
)]
struct Cli {
    /// Configuration file (TOML). Without it the built-in configuration is used.
    #[arg(short, long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the server (the default).
    Run,
    /// Check the configuration and compile every triggered script, then exit.
    CheckConfig,
    /// Print the built-in configuration (a documented reference of every setting).
    PrintConfig,
    /// Calls in progress (management interface): list, show, end.
    Dialogs {
        #[command(subcommand)]
        command: cli::DialogsCmd,
        #[command(flatten)]
        remote: cli::Remote,
    },
    /// Call statistics (management interface).
    Stats {
        /// Print the JSON-RPC result instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        remote: cli::Remote,
    },
    /// Reload the scripts of a running server (like SIGHUP).
    Reload {
        #[command(flatten)]
        remote: cli::Remote,
    },
}

/// The management client: --url/--token first, then $CALLCTL_TOKEN, then the configuration.
fn client(config: &Option<PathBuf>, remote: &cli::Remote) -> Result<cli::Client> {
    let loaded = if remote.url.is_none() || remote.token.is_none() {
        Some(load_config(config))
    } else {
        None
    };
    let url = match &remote.url {
        Some(u) => u.clone(),
        None => {
            let c = loaded
                .as_ref()
                .map(|r| r.as_ref().map_err(|e| anyhow::anyhow!("{e:#}")))
                .transpose()?
                .ok_or_else(|| anyhow::anyhow!("no configuration"))?;
            match c.management_listen()? {
                Some(addr) => format!("http://{addr}"),
                None => anyhow::bail!(
                    "the management interface is disabled (management.listen = \"\"); give --url"
                ),
            }
        }
    };
    let token = match (&remote.token, std::env::var("CALLCTL_TOKEN")) {
        (Some(t), _) => t.clone(),
        (None, Ok(t)) if !t.is_empty() => t,
        _ => loaded
            .and_then(|r| r.ok())
            .map(|c| c.management.token)
            .unwrap_or_default(),
    };
    Ok(cli::Client {
        endpoint: cli::parse_url(&url)?,
        token,
    })
}

fn load_config(path: &Option<PathBuf>) -> Result<Config> {
    match path {
        Some(p) => Config::load(p),
        None => Config::builtin(),
    }
}

fn runtime_config(config: &Config) -> RuntimeConfig {
    RuntimeConfig {
        script_dirs: config.service.script_dirs.clone(),
        trace_level: config.service.trace_level,
        instruction_budget: config.service.instruction_budget,
        memory_limit_bytes: config.service.memory_limit_mb * 1024 * 1024,
    }
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&config.log.level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if config.log.format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn check_scripts(config: &Config) -> Result<()> {
    let mut runner = callctl_service::LuaRunner::new(runtime_config(config))
        .map_err(|e| anyhow::anyhow!("Lua runtime: {e}"))?;
    for (i, t) in config.service.triggers.iter().enumerate() {
        runner
            .check_script(&t.script_key)
            .map_err(|f| anyhow::anyhow!("service.triggers[{i}] ({}): {f}", t.script_key))?;
    }
    Ok(())
}

fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    h.write_u32(std::process::id());
    h.finish()
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Cmd::Run) {
        Cmd::PrintConfig => {
            print!("{}", config::DEFAULT_CONFIG);
            Ok(())
        }
        Cmd::CheckConfig => load_config(&cli.config).and_then(|c| {
            check_scripts(&c)?;
            println!(
                "configuration OK: {} trigger(s), scripts compile",
                c.service.triggers.len()
            );
            Ok(())
        }),
        Cmd::Run => load_config(&cli.config).and_then(run),
        Cmd::Dialogs { command, remote } => {
            client(&cli.config, &remote).and_then(|c| cli::dialogs(&c, command))
        }
        Cmd::Stats { json, remote } => {
            client(&cli.config, &remote).and_then(|c| cli::stats(&c, json))
        }
        Cmd::Reload { remote } => client(&cli.config, &remote).and_then(|c| cli::reload(&c)),
    };
    if let Err(e) = result {
        eprintln!("callctl: {e:#}");
        std::process::exit(2);
    }
}

fn run(config: Config) -> Result<()> {
    init_logging(&config);
    // A script that does not compile is reported now, not at the first call.
    if let Err(e) = check_scripts(&config) {
        tracing::warn!("{e:#}");
    }
    let listens = config.listens()?;
    let engine_config = config.engine()?;
    let management = config.management_listen()?;
    let scp_setup = config.scp.setup()?;
    let workers = config.workers();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("tokio runtime")?;
    let _guard = rt.enter();

    // Sockets first, so a busy port is reported before anything starts.
    let mut udp = Vec::new();
    let mut tcp_listeners = Vec::new();
    for l in &listens {
        match l.transport {
            Transport::Udp => {
                let socket = UdpSocket::bind(l.addr)
                    .with_context(|| format!("sip.listen: cannot bind udp:{}", l.addr))?;
                udp.push((l.addr, socket));
            }
            Transport::Tcp => {
                let std_listener = std::net::TcpListener::bind(l.addr)
                    .with_context(|| format!("sip.listen: cannot bind tcp:{}", l.addr))?;
                std_listener.set_nonblocking(true)?;
                tcp_listeners.push((l.addr, tokio::net::TcpListener::from_std(std_listener)?));
            }
        }
    }

    let scp_listener = match &scp_setup {
        Some(setup) => scp::bind(setup)?,
        None => None,
    };

    let edr_health = Arc::new(edr::EdrHealth::default());
    let (edr_tx, edr_thread) = if config.edr.path.is_empty() {
        (None, None)
    } else {
        let (tx, rx) = mpsc::sync_channel(edr::QUEUE);
        let path = config.edr.path.clone();
        let health = edr_health.clone();
        let handle = std::thread::Builder::new()
            .name("edr".into())
            .spawn(move || edr::run_writer(path, rx, health))?;
        let sink = edr::EdrSink {
            tx,
            health: edr_health.clone(),
        };
        (Some(sink), Some(handle))
    };

    let mut shard_txs = Vec::with_capacity(workers);
    let mut shard_rxs = Vec::with_capacity(workers);
    for _ in 0..workers {
        let (tx, rx) = mpsc::channel();
        shard_txs.push(tx);
        shard_rxs.push(rx);
    }
    let dispatch = Dispatch {
        shards: Arc::new(shard_txs),
    };
    let limits = Limits {
        max_message_bytes: config.sip.max_message_bytes,
        ..Limits::default()
    };
    let (tcp_shared, tcp_out) = transport::tcp_start(
        config.sip.max_tcp_connections,
        Duration::from_secs(config.sip.tcp_idle_secs),
        limits,
        dispatch.clone(),
    );
    let udp_send: Vec<_> = udp
        .iter()
        .map(|(a, s)| s.try_clone().map(|s| (*a, s)))
        .collect::<std::io::Result<_>>()?;
    let outbound = Arc::new(Outbound {
        udp: udp_send,
        tcp: tcp_out,
    });

    let base_seed = seed();
    let mut shard_threads = Vec::new();
    for (index, rx) in shard_rxs.into_iter().enumerate() {
        let setup = ShardSetup {
            index,
            engine: engine_config.clone(),
            runtime: runtime_config(&config),
            limits_max_bytes: config.sip.max_message_bytes,
            seed: base_seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
            outbound: outbound.clone(),
            edr: edr_tx.clone(),
        };
        shard_threads.push(
            std::thread::Builder::new()
                .name(format!("shard-{index}"))
                .spawn(move || shard::run(setup, rx))?,
        );
    }
    drop(edr_tx);

    for (addr, socket) in udp {
        let dispatch = dispatch.clone();
        let max = config.sip.max_message_bytes;
        std::thread::Builder::new()
            .name(format!("udp-{addr}"))
            .spawn(move || transport::udp_receive(socket, max, dispatch))?;
    }
    for (_, listener) in tcp_listeners {
        rt.spawn(transport::tcp_accept(listener, tcp_shared.clone()));
    }
    let scp_metrics = Arc::new(scp::ScpMetrics::default());
    if let Some(listen) = management {
        management::start(
            &management::Settings {
                listen,
                token: config.management.token.clone(),
                timeout: Duration::from_millis(config.management.query_timeout_ms),
            },
            dispatch.shards.clone(),
            edr_health.clone(),
            scp_metrics.clone(),
        );
    }
    let scp_handle = match scp_setup {
        Some(setup) => Some(scp::start(setup, scp_listener, scp_metrics.clone()).context("scp")?),
        None => None,
    };

    print_banner(&config, &listens, workers);

    use tokio::signal::unix::{signal, SignalKind};
    let mut hup = signal(SignalKind::hangup()).context("SIGHUP handler")?;
    let mut term = signal(SignalKind::terminate()).context("SIGTERM handler")?;
    let mut int = signal(SignalKind::interrupt()).context("SIGINT handler")?;
    rt.block_on(async {
        loop {
            tokio::select! {
                _ = hup.recv() => {
                    tracing::info!("SIGHUP: reloading scripts");
                    dispatch.broadcast(|| ShardInput::Reload);
                }
                _ = term.recv() => break,
                _ = int.recv() => break,
            }
        }
    });

    tracing::info!("shutting down: releasing calls (a second SIGTERM or SIGINT stops at once)");
    dispatch.broadcast(|| ShardInput::Shutdown);
    // Let the TCP router write the last responses while shards finish. Releasing a call can
    // take up to a transaction timeout (Timer B/F, 64*T1) when a peer does not answer; the
    // handlers stay installed, so without this a second signal would be ignored.
    let forced = rt.block_on(async {
        let shards_done = async {
            if let Some(scp) = &scp_handle {
                scp.stop().await;
            }
            for t in &shard_threads {
                while !t.is_finished() {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        tokio::select! {
            _ = shards_done => false,
            _ = term.recv() => true,
            _ = int.recv() => true,
        }
    });
    if forced {
        tracing::warn!("second signal: stopping without waiting for the calls to be released");
        std::process::exit(1);
    }
    for t in shard_threads {
        let _ = t.join();
    }
    drop(dispatch);
    if let Some(t) = edr_thread {
        let _ = t.join();
    }
    tracing::info!("stopped");
    Ok(())
}

fn print_banner(config: &Config, listens: &[config::Listen], workers: usize) {
    let addrs: Vec<String> = listens
        .iter()
        .map(|l| format!("{}:{}", l.transport.as_str().to_ascii_lowercase(), l.addr))
        .collect();
    println!(
        "callctl {} listening on {} ({workers} worker thread(s))",
        env!("CARGO_PKG_VERSION"),
        addrs.join(", ")
    );
    let dirs: Vec<String> = config
        .service
        .script_dirs
        .iter()
        .map(|d| d.display().to_string())
        .collect();
    println!("scripts: {}", dirs.join(", "));
    if !config.edr.path.is_empty() {
        println!("EDRs: {}", config.edr.path);
    }
    if !config.scp.listen.is_empty() {
        println!("SCP: M3UA over TCP, listening on {}", config.scp.listen);
    } else if !config.scp.connect.is_empty() {
        println!("SCP: M3UA over TCP, connecting to {}", config.scp.connect);
    }
    if !config.management.listen.is_empty() {
        println!(
            "management: http://{}/mi (JSON-RPC), /metrics; try `callctl dialogs list`",
            config.management.listen
        );
    }
    println!("triggers (longest called-number prefix wins):");
    for t in &config.service.triggers {
        println!("  {:<10} -> {}.lua", t.called_prefix, t.script_key);
    }
    if let (Some(udp), Some(t)) = (
        listens.iter().find(|l| l.transport == Transport::Udp),
        config.service.triggers.first(),
    ) {
        println!();
        println!("Place a first call (SIPp, Debian package sip-tester), from the source tree:");
        println!(
            "  sipp -sf examples/sipp/first_call.xml -s {} -m 1 -timeout 30s -nostdin {}",
            t.called_prefix, udp.addr
        );
        println!(
            "  -> the SIPp screen counts the responses callctl sent; the call's events are in {}.",
            if config.edr.path.is_empty() {
                "the log"
            } else {
                &config.edr.path
            }
        );
    }
}
