//! Prometheus text exposition (format 0.0.4) of the shards' counters. Each shard keeps its
//! own counters in its engine; `/metrics` asks every shard for a snapshot through its input
//! channel and adds them up here, so nothing on the call path is shared or locked.

use std::collections::BTreeMap;
use std::fmt::Write;

use callctl_b2bua::{
    ScriptDurations, SipCounters, COUNTED_METHODS, FIRST_COUNTED_CODE, SCRIPT_DURATION_BUCKETS_MS,
};

use crate::management::ShardStats;

/// Escape a label value (backslash, double quote, newline).
pub fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn single(out: &mut String, name: &str, kind: &str, help: &str, value: u64) {
    header(out, name, kind, help);
    let _ = writeln!(out, "{name} {value}");
}

/// The SCP face's counters as `callctl_stats` shows them.
pub fn scp_json(m: &crate::scp::ScpMetrics) -> serde_json::Value {
    use std::sync::atomic::Ordering::Relaxed;
    serde_json::json!({
        "associations": m.associations.load(Relaxed),
        "associations_active": m.associations_active.load(Relaxed),
        "calls_active": m.calls_active.load(Relaxed),
        "calls_started": m.calls_started.load(Relaxed),
        "calls_ended": m.calls_ended.load(Relaxed),
        "service_logic_timeouts": m.service_logic_timeouts.load(Relaxed),
        "dialogues_refused": m.dialogues_refused.load(Relaxed),
        "bad_initial_dp": m.bad_initial_dp.load(Relaxed),
        "sccp_errors": m.sccp_errors.load(Relaxed),
        "unequipped_ssn": m.unequipped_ssn.load(Relaxed),
        "rejects_sent": m.rejects_sent.load(Relaxed),
        "p_aborts_sent": m.p_aborts_sent.load(Relaxed),
        "operations_refused": m.operations_refused.load(Relaxed),
        "unexpected_operations": m.unexpected_operations.load(Relaxed),
        "m3ua_errors_sent": m.m3ua_errors_sent.load(Relaxed),
        "send_failures": m.send_failures.load(Relaxed),
    })
}

/// The SCP face's part of the metrics page.
pub fn render_scp(m: &crate::scp::ScpMetrics) -> String {
    use std::sync::atomic::Ordering::Relaxed;
    let mut out = String::with_capacity(1024);
    for (name, kind, help, value) in [
        (
            "callctl_scp_associations",
            "gauge",
            "M3UA associations with a connected transport.",
            m.associations.load(Relaxed) as u64,
        ),
        (
            "callctl_scp_associations_active",
            "gauge",
            "M3UA associations in ASP-ACTIVE.",
            m.associations_active.load(Relaxed) as u64,
        ),
        (
            "callctl_scp_calls_active",
            "gauge",
            "SCP calls (TCAP dialogues started by an InitialDP) in progress.",
            m.calls_active.load(Relaxed) as u64,
        ),
        (
            "callctl_scp_calls_started_total",
            "counter",
            "SCP calls started.",
            m.calls_started.load(Relaxed),
        ),
        (
            "callctl_scp_calls_ended_total",
            "counter",
            "SCP calls ended.",
            m.calls_ended.load(Relaxed),
        ),
        (
            "callctl_scp_service_logic_timeouts_total",
            "counter",
            "SCP calls released because the service logic did not answer in time.",
            m.service_logic_timeouts.load(Relaxed),
        ),
        (
            "callctl_scp_dialogues_refused_total",
            "counter",
            "TCAP dialogues refused (application context of no SSP model).",
            m.dialogues_refused.load(Relaxed),
        ),
        (
            "callctl_scp_bad_initial_dp_total",
            "counter",
            "TCAP dialogues whose first component was not a readable InitialDP.",
            m.bad_initial_dp.load(Relaxed),
        ),
        (
            "callctl_scp_sccp_errors_total",
            "counter",
            "SCCP messages that could not be decoded or encoded.",
            m.sccp_errors.load(Relaxed),
        ),
        (
            "callctl_scp_unequipped_ssn_total",
            "counter",
            "SCCP messages for a subsystem not served.",
            m.unequipped_ssn.load(Relaxed),
        ),
        (
            "callctl_scp_rejects_sent_total",
            "counter",
            "TCAP components rejected by the SCP.",
            m.rejects_sent.load(Relaxed),
        ),
        (
            "callctl_scp_operations_refused_total",
            "counter",
            "SCP calls released because the SSP refused one of our operations (ReturnError, Reject).",
            m.operations_refused.load(Relaxed),
        ),
        (
            "callctl_scp_p_aborts_sent_total",
            "counter",
            "TCAP P-Aborts sent (malformed or unknown transactions, resource limits).",
            m.p_aborts_sent.load(Relaxed),
        ),
        (
            "callctl_scp_unexpected_operations_total",
            "counter",
            "Operations from the SSP no call waited for.",
            m.unexpected_operations.load(Relaxed),
        ),
        (
            "callctl_scp_m3ua_errors_sent_total",
            "counter",
            "M3UA ERR messages sent for malformed or unexpected M3UA input.",
            m.m3ua_errors_sent.load(Relaxed),
        ),
        (
            "callctl_scp_send_failures_total",
            "counter",
            "SCCP messages not sent because the association was not active.",
            m.send_failures.load(Relaxed),
        ),
    ] {
        single(&mut out, name, kind, help, value);
    }
    out
}

/// The metrics page for the snapshots of every shard that answered.
pub fn render(shards: &[ShardStats], shards_total: usize, edr: &crate::edr::EdrHealth) -> String {
    let mut out = String::with_capacity(2048);
    let sum = |f: &dyn Fn(&ShardStats) -> u64| shards.iter().map(f).sum::<u64>();
    single(
        &mut out,
        "callctl_calls_started_total",
        "counter",
        "Calls started (INVITEs that created a call).",
        sum(&|s| s.engine.calls_started),
    );
    header(
        &mut out,
        "callctl_calls_ended_total",
        "counter",
        "Calls ended, by end reason and script.",
    );
    let mut ended: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for s in shards {
        for (reason, script, n) in &s.ended_by {
            *ended.entry((reason.as_str(), script.as_str())).or_insert(0) += n;
        }
    }
    for ((reason, script), n) in &ended {
        let _ = writeln!(
            out,
            "callctl_calls_ended_total{{end_reason=\"{}\",script=\"{}\"}} {n}",
            escape_label(reason),
            escape_label(script)
        );
    }
    header(
        &mut out,
        "callctl_active_dialogs",
        "gauge",
        "Calls in progress, by dialog state (early, confirmed, ending).",
    );
    for (i, state) in ["early", "confirmed", "ending"].iter().enumerate() {
        let n: usize = shards.iter().map(|s| s.states[i]).sum();
        let _ = writeln!(out, "callctl_active_dialogs{{state=\"{state}\"}} {n}");
    }
    single(
        &mut out,
        "callctl_sip_transactions",
        "gauge",
        "Live SIP transactions.",
        sum(&|s| s.transactions as u64),
    );
    single(
        &mut out,
        "callctl_edr_dropped_total",
        "counter",
        "EDR records dropped because the EDR writer's queue was full.",
        edr.dropped.load(std::sync::atomic::Ordering::Relaxed),
    );
    single(
        &mut out,
        "callctl_edr_write_errors_total",
        "counter",
        "EDR records that could not be written to the EDR file.",
        edr.write_errors.load(std::sync::atomic::Ordering::Relaxed),
    );
    single(
        &mut out,
        "callctl_script_instances",
        "gauge",
        "Script instances alive (suspended on a command).",
        sum(&|s| s.scripts.instances as u64),
    );
    single(
        &mut out,
        "callctl_script_memory_bytes",
        "gauge",
        "Bytes held by the shards' script runtimes (all instances and shared state).",
        sum(&|s| s.scripts.memory_bytes.unwrap_or(0) as u64),
    );
    single(
        &mut out,
        "callctl_sip_retransmissions_total",
        "counter",
        "SIP retransmissions sent by the transaction layer.",
        sum(&|s| s.retransmissions),
    );
    let mut sip = SipCounters::default();
    let mut durations = ScriptDurations::default();
    for s in shards {
        sip.add(&s.sip);
        durations.add(&s.engine.script_durations);
    }
    sip_messages(&mut out, &sip);
    script_durations(&mut out, &durations);
    single(
        &mut out,
        "callctl_script_errors_total",
        "counter",
        "Scripts that failed (runtime error, load error, runaway loop, out of memory).",
        sum(&|s| s.engine.script_errors),
    );
    single(
        &mut out,
        "callctl_service_logic_timeouts_total",
        "counter",
        "Calls released because the script missed the service_logic_ms window.",
        sum(&|s| s.engine.service_logic_timeouts),
    );
    single(
        &mut out,
        "callctl_malformed_total",
        "counter",
        "SIP messages that did not parse.",
        sum(&|s| s.engine.malformed),
    );
    single(
        &mut out,
        "callctl_shards",
        "gauge",
        "Call shards (worker threads).",
        shards_total as u64,
    );
    single(
        &mut out,
        "callctl_shards_unanswered",
        "gauge",
        "Shards that did not answer this scrape in time (their counters are missing above).",
        shards_total.saturating_sub(shards.len()) as u64,
    );
    out
}

/// Requests by method (every counted method, both directions) and responses by status code
/// (the codes seen).
fn sip_messages(out: &mut String, sip: &SipCounters) {
    header(
        out,
        "callctl_sip_requests_total",
        "counter",
        "SIP requests received (in) and sent (out) by method, retransmissions included.",
    );
    for (direction, counts) in [("in", &sip.requests_in), ("out", &sip.requests_out)] {
        for (method, n) in COUNTED_METHODS.iter().zip(counts.iter()) {
            let _ = writeln!(
                out,
                "callctl_sip_requests_total{{direction=\"{direction}\",method=\"{method}\"}} {n}"
            );
        }
    }
    header(
        out,
        "callctl_sip_responses_total",
        "counter",
        "SIP responses received (in) and sent (out) by status code, retransmissions included.",
    );
    for (direction, counts) in [
        ("in", &sip.responses_in[..]),
        ("out", &sip.responses_out[..]),
    ] {
        for (i, n) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
            let code = usize::from(FIRST_COUNTED_CODE) + i;
            let _ = writeln!(
                out,
                "callctl_sip_responses_total{{direction=\"{direction}\",code=\"{code}\"}} {n}"
            );
        }
    }
}

/// Script run times as a Prometheus histogram (cumulative buckets, sum in seconds, count).
fn script_durations(out: &mut String, d: &ScriptDurations) {
    let name = "callctl_script_duration_seconds";
    header(
        out,
        name,
        "histogram",
        "How long scripts ran, from the INVITE that started them to their end.",
    );
    let mut cumulative = 0;
    for (ms, n) in SCRIPT_DURATION_BUCKETS_MS.iter().zip(d.counts.iter()) {
        cumulative += n;
        let le = *ms as f64 / 1000.0;
        let _ = writeln!(out, "{name}_bucket{{le=\"{le}\"}} {cumulative}");
    }
    let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}", d.count());
    let _ = writeln!(out, "{name}_sum {}", d.sum_us as f64 / 1_000_000.0);
    let _ = writeln!(out, "{name}_count {}", d.count());
}

#[cfg(test)]
mod tests {
    use super::*;
    use callctl_b2bua::{EndReason, EngineStats};
    use std::time::Duration;

    fn shard(started: u64, ended: Vec<(EndReason, String, u64)>, states: [usize; 3]) -> ShardStats {
        ShardStats {
            shard: 0,
            engine: EngineStats {
                calls_started: started,
                calls_ended: ended.iter().map(|e| e.2).sum(),
                script_errors: 1,
                service_logic_timeouts: 2,
                malformed: 3,
                script_durations: durations(),
            },
            retransmissions: 4,
            sip: Box::new(sip()),
            transactions: 5,
            scripts: callctl_scc::RunnerUsage {
                instances: 6,
                memory_bytes: Some(1000),
            },
            states,
            active_by_script: Vec::new(),
            ended_by: ended,
        }
    }

    /// One script of 40 ms and one of 3 s.
    fn durations() -> ScriptDurations {
        let mut d = ScriptDurations::default();
        d.record(Duration::from_millis(40));
        d.record(Duration::from_secs(3));
        d
    }

    /// An INVITE in, 100 and 200 out, an ACK in; a BYE out and its 200 in.
    fn sip() -> SipCounters {
        let mut s = SipCounters::default();
        s.requests_in[0] = 1;
        s.requests_in[1] = 1;
        s.requests_out[2] = 1;
        s.responses_out[0] = 1;
        s.responses_out[100] = 1;
        s.responses_in[100] = 1;
        s
    }

    #[test]
    fn text_format_sums_the_shards() {
        let a = shard(
            3,
            vec![(EndReason::MiTermination, "connect".into(), 2)],
            [1, 0, 0],
        );
        let b = shard(
            4,
            vec![
                (EndReason::MiTermination, "connect".into(), 1),
                (EndReason::UpstreamBye, "x\"y".into(), 5),
            ],
            [0, 2, 1],
        );
        let edr = crate::edr::EdrHealth::default();
        edr.dropped.store(7, std::sync::atomic::Ordering::Relaxed);
        let text = render(&[a, b], 3, &edr);
        let lines: Vec<&str> = text.lines().collect();
        for expected in [
            "# TYPE callctl_calls_started_total counter",
            "callctl_calls_started_total 7",
            "# TYPE callctl_calls_ended_total counter",
            "callctl_calls_ended_total{end_reason=\"MI Termination\",script=\"connect\"} 3",
            "callctl_calls_ended_total{end_reason=\"Upstream BYE\",script=\"x\\\"y\"} 5",
            "# TYPE callctl_active_dialogs gauge",
            "callctl_active_dialogs{state=\"early\"} 1",
            "callctl_active_dialogs{state=\"confirmed\"} 2",
            "callctl_active_dialogs{state=\"ending\"} 1",
            "callctl_sip_retransmissions_total 8",
            "callctl_script_instances 12",
            "callctl_edr_dropped_total 7",
            "callctl_edr_write_errors_total 0",
            "callctl_script_memory_bytes 2000",
            "callctl_script_errors_total 2",
            "callctl_service_logic_timeouts_total 4",
            "callctl_malformed_total 6",
            "callctl_shards 3",
            "callctl_shards_unanswered 1",
            "# TYPE callctl_sip_requests_total counter",
            "callctl_sip_requests_total{direction=\"in\",method=\"INVITE\"} 2",
            "callctl_sip_requests_total{direction=\"in\",method=\"ACK\"} 2",
            "callctl_sip_requests_total{direction=\"in\",method=\"BYE\"} 0",
            "callctl_sip_requests_total{direction=\"out\",method=\"BYE\"} 2",
            "callctl_sip_requests_total{direction=\"out\",method=\"OTHER\"} 0",
            "# TYPE callctl_sip_responses_total counter",
            "callctl_sip_responses_total{direction=\"out\",code=\"100\"} 2",
            "callctl_sip_responses_total{direction=\"out\",code=\"200\"} 2",
            "callctl_sip_responses_total{direction=\"in\",code=\"200\"} 2",
            "# TYPE callctl_script_duration_seconds histogram",
            "callctl_script_duration_seconds_bucket{le=\"0.01\"} 0",
            "callctl_script_duration_seconds_bucket{le=\"0.05\"} 2",
            "callctl_script_duration_seconds_bucket{le=\"2.5\"} 2",
            "callctl_script_duration_seconds_bucket{le=\"5\"} 4",
            "callctl_script_duration_seconds_bucket{le=\"43200\"} 4",
            "callctl_script_duration_seconds_bucket{le=\"+Inf\"} 4",
            "callctl_script_duration_seconds_sum 6.08",
            "callctl_script_duration_seconds_count 4",
        ] {
            assert!(lines.contains(&expected), "missing {expected:?} in\n{text}");
        }
        // Every sample line is `name{labels} value` or `name value` with a numeric value.
        for line in lines.iter().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
        // Only the codes seen are listed; every method is, in both directions.
        let responses = lines
            .iter()
            .filter(|l| l.starts_with("callctl_sip_responses_total{"))
            .count();
        assert_eq!(responses, 3, "{text}");
        let requests = lines
            .iter()
            .filter(|l| l.starts_with("callctl_sip_requests_total{"))
            .count();
        assert_eq!(requests, 2 * COUNTED_METHODS.len(), "{text}");
        // Every metric has exactly one HELP and one TYPE line.
        let types: Vec<&str> = lines
            .iter()
            .filter_map(|l| l.strip_prefix("# TYPE "))
            .map(|l| l.split(' ').next().unwrap())
            .collect();
        let mut unique = types.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(types.len(), unique.len(), "{text}");
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn label_escaping() {
        assert_eq!(escape_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    }
}
