//! The incremental stream framer gives what `parse_stream_framed` gives on the whole
//! buffer, however the bytes arrive, and runs the full parse only when it can succeed.

use callctl_sip_message::{parse_stream_framed, Limits, StreamFramer};

const INVITE: &str = "INVITE sip:bob@example.com SIP/2.0\r\n\
Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK-1\r\n\
From: <sip:alice@example.com>;tag=a\r\n\
To: <sip:bob@example.com>\r\n\
Call-ID: c1@192.0.2.1\r\n\
CSeq: 1 INVITE\r\n\
Max-Forwards: 70\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 14\r\n\
\r\n\
v=0\r\no=- 1 1\r\n";

const BYE_LF: &str = "BYE sip:bob@example.com SIP/2.0\n\
Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK-2\n\
From: <sip:alice@example.com>;tag=a\n\
To: <sip:bob@example.com>;tag=b\n\
Call-ID: c1@192.0.2.1\n\
CSeq: 2 BYE\n\
l: 0\n\
\n";

/// Feed `stream` in chunks of the given sizes (cycled); collect (message length, ok) of every
/// framed message, and the framing error if the stream breaks.
fn feed(stream: &[u8], chunks: &[usize]) -> (Vec<(usize, bool)>, Option<String>, u64) {
    let limits = Limits::default();
    let mut framer = StreamFramer::new();
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut pos = 0;
    let mut i = 0;
    while pos < stream.len() {
        let n = chunks[i % chunks.len()].min(stream.len() - pos);
        i += 1;
        buf.extend_from_slice(&stream[pos..pos + n]);
        pos += n;
        loop {
            match framer.poll(&buf, &limits) {
                Ok(Some((msg, used))) => {
                    out.push((used, msg.is_ok()));
                    buf.drain(..used);
                    framer.consumed();
                }
                Ok(None) => break,
                Err(e) => return (out, Some(e.error.to_string()), framer.full_parses()),
            }
        }
    }
    (out, None, framer.full_parses())
}

/// The same, all at once through `parse_stream_framed`.
fn whole(stream: &[u8]) -> (Vec<(usize, bool)>, Option<String>) {
    let limits = Limits::default();
    let mut buf = stream.to_vec();
    let mut out = Vec::new();
    loop {
        match parse_stream_framed(&buf, &limits) {
            Ok(Some((msg, used))) => {
                out.push((used, msg.is_ok()));
                buf.drain(..used);
            }
            Ok(None) => return (out, None),
            Err(e) => return (out, Some(e.error.to_string())),
        }
    }
}

#[test]
fn byte_by_byte_frames_once_with_one_full_parse() {
    let (out, err, parses) = feed(INVITE.as_bytes(), &[1]);
    assert_eq!(out, [(INVITE.len(), true)]);
    assert_eq!(err, None);
    // The Content-Length is read when the head completes; the full parse runs once, on the
    // last byte.
    assert_eq!(parses, 1, "{parses} full parses for {} bytes", INVITE.len());
}

#[test]
fn chunking_never_changes_the_result() {
    let mut stream = Vec::new();
    stream.extend_from_slice(b"\r\n\r\n");
    stream.extend_from_slice(INVITE.as_bytes());
    stream.extend_from_slice(BYE_LF.as_bytes());
    stream.extend_from_slice(b"\r\n");
    stream.extend_from_slice(INVITE.as_bytes());
    // A malformed but framed message (bad CSeq) between good ones.
    let bad = INVITE.replace("CSeq: 1 INVITE", "CSeq: x INVITE");
    stream.extend_from_slice(bad.as_bytes());
    stream.extend_from_slice(BYE_LF.as_bytes());
    let expected = whole(&stream);
    assert_eq!(expected.0.len(), 5, "{expected:?}");
    for chunks in [
        &[1][..],
        &[2],
        &[3],
        &[7, 1, 13],
        &[64],
        &[1000],
        &[5, 400, 1, 2],
    ] {
        let (out, err, _) = feed(&stream, chunks);
        assert_eq!((out, err), expected, "chunks {chunks:?}");
    }
}

#[test]
fn errors_come_out_as_from_the_whole_buffer() {
    // No Content-Length on a stream: framing is lost.
    let no_length = INVITE.replace("Content-Length: 14\r\n", "");
    // A head that never ends, over the size limit.
    let endless = format!(
        "OPTIONS sip:a@example.com SIP/2.0\r\n{}",
        "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".repeat(2000)
    );
    for stream in [no_length, endless] {
        let expected = whole(stream.as_bytes());
        assert!(expected.1.is_some(), "{expected:?}");
        for chunks in [&[1][..], &[17], &[4096]] {
            let (out, err, _) = feed(stream.as_bytes(), chunks);
            assert_eq!((out, err), expected, "chunks {chunks:?}");
        }
    }
}
