//! Prometheus text exposition (format 0.0.4) of the shards' counters. Each shard keeps its
//! own counters in its engine; `/metrics` asks every shard for a snapshot through its input
//! channel and adds them up here, so nothing on the call path is shared or locked.

use std::collections::BTreeMap;
use std::fmt::Write;

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

/// The metrics page for the snapshots of every shard that answered.
pub fn render(shards: &[ShardStats], shards_total: usize) -> String {
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
        "callctl_sip_retransmissions_total",
        "counter",
        "SIP retransmissions sent by the transaction layer.",
        sum(&|s| s.retransmissions),
    );
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

#[cfg(test)]
mod tests {
    use super::*;
    use callctl_b2bua::{EndReason, EngineStats};

    fn shard(started: u64, ended: Vec<(EndReason, String, u64)>, states: [usize; 3]) -> ShardStats {
        ShardStats {
            shard: 0,
            engine: EngineStats {
                calls_started: started,
                calls_ended: ended.iter().map(|e| e.2).sum(),
                script_errors: 1,
                service_logic_timeouts: 2,
                malformed: 3,
            },
            retransmissions: 4,
            transactions: 5,
            states,
            active_by_script: Vec::new(),
            ended_by: ended,
        }
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
        let text = render(&[a, b], 3);
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
            "callctl_script_errors_total 2",
            "callctl_service_logic_timeouts_total 4",
            "callctl_malformed_total 6",
            "callctl_shards 3",
            "callctl_shards_unanswered 1",
        ] {
            assert!(lines.contains(&expected), "missing {expected:?} in\n{text}");
        }
        // Every sample line is `name{labels} value` or `name value` with a numeric value.
        for line in lines.iter().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<u64>().is_ok(), "{line}");
        }
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn label_escaping() {
        assert_eq!(escape_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    }
}
