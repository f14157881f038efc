//! The EDR file writer: one thread, fed by the shards through a bounded channel, so no shard
//! ever waits on the disk. When the disk stalls and the queue is full, records are dropped
//! and counted rather than held in memory without limit. Format in docs/edr.md.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use callctl_b2bua::EdrRecord;

/// Percent-encode what would break the line format (field and key separators, line breaks).
pub fn encode_value(v: &str, out: &mut String) {
    for c in v.chars() {
        match c {
            '%' | '|' | ',' | '[' | ']' | '<' | '>' => {
                out.push_str(&format!("%{:02X}", c as u32));
            }
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS.sss` in UTC.
pub fn format_time(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, dd) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{dd:02} {:02}:{:02}:{:02}.{:03}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (the well-known era-based method).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn format_record(r: &EdrRecord) -> String {
    let mut line = String::with_capacity(160);
    line.push_str(&format_time(r.at));
    line.push('<');
    encode_value(&r.instance, &mut line);
    line.push('>');
    line.push_str(r.event);
    for (name, value) in &r.fields {
        line.push('|');
        line.push_str(name);
        line.push('=');
        encode_value(value, &mut line);
    }
    line.push('\n');
    line
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}

/// Run the writer until every sender is gone; then write the footer.
/// Records the queue to the writer holds at most (a few seconds of a busy node's events).
pub const QUEUE: usize = 65_536;

/// What went wrong with EDRs since the start, for statistics and metrics.
#[derive(Debug, Default)]
pub struct EdrHealth {
    /// Records dropped because the writer's queue was full.
    pub dropped: AtomicU64,
    /// Records that could not be written to the file.
    pub write_errors: AtomicU64,
}

/// A shard's end of the EDR queue.
#[derive(Clone)]
pub struct EdrSink {
    pub tx: SyncSender<EdrRecord>,
    pub health: Arc<EdrHealth>,
}

impl EdrSink {
    /// Queue a record without waiting; a full queue drops it (counted; the first drop of a
    /// burst is logged).
    pub fn send(&self, record: EdrRecord) {
        if let Err(TrySendError::Full(_)) = self.tx.try_send(record) {
            let before = self.health.dropped.fetch_add(1, Ordering::Relaxed);
            if before.is_power_of_two() || before == 0 {
                tracing::error!(
                    dropped = before + 1,
                    "EDR queue full (the EDR file is not keeping up): records dropped"
                );
            }
        }
    }
}

pub fn run_writer(path: String, rx: Receiver<EdrRecord>, health: Arc<EdrHealth>) {
    let file = OpenOptions::new().create(true).append(true).open(&path);
    let file: File = match file {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(path = %path, error = %e, "cannot open the EDR file (edr.path); EDRs are lost");
            while rx.recv().is_ok() {}
            return;
        }
    };
    let start = SystemTime::now();
    let mut out = BufWriter::new(file);
    let mut count: u64 = 0;
    let mut bytes: u64 = 0;
    let _ = writeln!(
        out,
        "#HEADER|FILENAME={path}|TIME_START={}|HOSTNAME={}",
        start
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs(),
        hostname()
    );
    let _ = out.flush();
    // Only records that reached the file count in the footer; records lost to a failing
    // file (a failed write, or a failed flush of the buffer holding them) are counted in
    // `health`, and logged once per run of failures.
    let mut failing = false;
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(record) => {
                let (mut batch, mut batch_bytes, mut lost) = (0u64, 0u64, 0u64);
                let mut next = Some(record);
                while let Some(record) = next {
                    let line = format_record(&record);
                    if out.write_all(line.as_bytes()).is_ok() {
                        batch += 1;
                        batch_bytes += line.len() as u64;
                    } else {
                        lost += 1;
                    }
                    // Flush as soon as the queue is drained, so readers see events promptly.
                    next = rx.try_recv().ok();
                }
                if out.flush().is_err() {
                    lost += batch;
                    batch = 0;
                    batch_bytes = 0;
                    // What the buffer held is gone; start clean.
                    out = BufWriter::new(out.into_parts().0);
                }
                count += batch;
                bytes += batch_bytes;
                if lost > 0 {
                    health.write_errors.fetch_add(lost, Ordering::Relaxed);
                    if !failing {
                        tracing::error!(lost, "EDR write failed; records are being lost");
                    }
                }
                failing = lost > 0;
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    let _ = writeln!(
        out,
        "#FOOTER|TIME_FINISH={}|NUM_EDRS={count}|NUM_BYTES={bytes}",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs()
    );
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_format() {
        let r = EdrRecord {
            at: UNIX_EPOCH + Duration::from_millis(1_763_870_400_123),
            instance: "callctl~0~1~0.1".into(),
            event: "DECLINE",
            fields: vec![
                ("CODE", "486".into()),
                ("REASON", "SIP;cause=486;text=\"a|b,c\"".into()),
            ],
        };
        assert_eq!(
            format_record(&r),
            "2025-11-23 04:00:00.123<callctl~0~1~0.1>DECLINE|CODE=486|REASON=SIP;cause=486;text=\"a%7Cb%2Cc\"\n"
        );
        assert_eq!(format_time(UNIX_EPOCH), "1970-01-01 00:00:00.000");
        assert_eq!(
            format_time(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29 00:00:00.000"
        );
    }

    fn record(n: u32) -> EdrRecord {
        EdrRecord {
            at: UNIX_EPOCH,
            instance: format!("i{n}"),
            event: "NOTICE",
            fields: vec![("TEXT", n.to_string())],
        }
    }

    #[test]
    fn a_full_queue_drops_and_counts_instead_of_growing() {
        let (tx, rx) = std::sync::mpsc::sync_channel(2);
        let sink = EdrSink {
            tx,
            health: Arc::new(EdrHealth::default()),
        };
        for n in 0..5 {
            sink.send(record(n));
        }
        assert_eq!(sink.health.dropped.load(Ordering::Relaxed), 3);
        let kept: Vec<String> = rx.try_iter().map(|r| r.instance).collect();
        assert_eq!(kept, ["i0", "i1"]);
    }

    #[test]
    fn records_lost_to_a_failing_file_are_counted_not_footed() {
        // /dev/full accepts the open and fails every write that reaches it (ENOSPC).
        let (tx, rx) = std::sync::mpsc::sync_channel(16);
        let health = Arc::new(EdrHealth::default());
        let writer = {
            let health = health.clone();
            std::thread::spawn(move || run_writer("/dev/full".into(), rx, health))
        };
        for n in 0..3 {
            tx.send(record(n)).unwrap();
        }
        drop(tx);
        writer.join().unwrap();
        assert_eq!(health.write_errors.load(Ordering::Relaxed), 3);
        assert_eq!(health.dropped.load(Ordering::Relaxed), 0);
    }
}
