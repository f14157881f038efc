//! The EDR file writer: one thread, fed by the shards through a channel, so no shard ever
//! waits on the disk. Format in docs/edr.md.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
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
pub fn run_writer(path: String, rx: Receiver<EdrRecord>) {
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
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(record) => {
                let line = format_record(&record);
                bytes += line.len() as u64;
                count += 1;
                if let Err(e) = out.write_all(line.as_bytes()) {
                    tracing::error!(error = %e, "EDR write failed");
                }
                // Flush as soon as the queue is drained, so readers see events promptly.
                while let Ok(record) = rx.try_recv() {
                    let line = format_record(&record);
                    bytes += line.len() as u64;
                    count += 1;
                    let _ = out.write_all(line.as_bytes());
                }
                let _ = out.flush();
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
}
