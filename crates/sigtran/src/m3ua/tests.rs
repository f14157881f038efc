//! Tests for the M3UA codec.
//!
//! The hex vectors were written out by hand from the layouts of RFC 4666 §3 and
//! checked by hand with tshark 4.0.17: each was wrapped with
//! `text2pcap -T 2905,2905` and read with
//! `tshark -X lua_script:/work/shared/tools/m3ua_tcp.lua -r FILE -V`. The field
//! values tshark printed are noted beside each vector; none of the packets showed
//! `_ws.malformed` or `_ws.expert`.

use super::*;
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| b.is_ascii_hexdigit()).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// (name, wire bytes, expected message).
fn vectors() -> Vec<(&'static str, Vec<u8>, Message)> {
    vec![
        (
            // tshark: class 3 "ASP state maintenance", type 1 "ASP up (ASPUP)",
            // length 16, ASP identifier: 1.
            "ASP Up",
            hex("01000301 00000010 00110008 00000001"),
            Message::new(MessageKind::AspUp).with(Parameter::AspIdentifier(1)),
        ),
        (
            // tshark: class 4, type 1 "ASP active (ASPAC)", length 24,
            // Traffic mode Type: Load-share (2), Routing context: 100.
            "ASP Active",
            hex("01000401 00000018 000b0008 00000002 00060008 00000064"),
            Message::new(MessageKind::AspActive)
                .with(Parameter::TrafficModeType(TrafficModeType::Loadshare))
                .with(Parameter::RoutingContext(vec![100])),
        ),
        (
            // tshark: class 0, type 1 "Notify (NTFY)", Status type: Application
            // server state change (1), Status info: Application server active (3),
            // Routing context: 100.
            "NTFY",
            hex("01000001 00000018 000d0008 00010003 00060008 00000064"),
            Message::new(MessageKind::Ntfy)
                .with(Parameter::Status(Status {
                    status_type: StatusType::AsStateChange,
                    info: Status::AS_ACTIVE,
                }))
                .with(Parameter::RoutingContext(vec![100])),
        ),
        (
            // tshark: class 1, type 1 "Payload data (DATA)", length 52, Routing
            // context: 100, Protocol data "SS7 message of 20 bytes": OPC 1, DPC 2,
            // SI: SCCP (3), NI: National network (2), MP 0, SLS 5; the payload went on
            // to SCCP (sccp.message_type 0x09 Unitdata, called/calling SSN 146) and
            // TCAP (abort, tcap.dtid 00000001).
            "DATA",
            hex(
                "01000101 00000034 00060008 00000064 02100024 00000001 00000002 03020005
                 09000305 07024292 02429208 67064904 00000001",
            ),
            Message::new(MessageKind::Data)
                .with(Parameter::RoutingContext(vec![100]))
                .with(Parameter::ProtocolData(ProtocolData {
                    opc: 1,
                    dpc: 2,
                    si: 3,
                    ni: 2,
                    mp: 0,
                    sls: 5,
                    data: hex("09000305 07024292 02429208 67064904 00000001"),
                })),
        ),
        (
            // tshark: class 2, type 1 "Destination unavailable (DUNA)", length 32,
            // Routing context: 100, Mask: 0, Affected point code: 258, Info string:
            // dn! (Parameter length: 7, Padding: 00).
            "DUNA",
            hex("01000201 00000020 00060008 00000064 00120008 00000102 00040007 646e2100"),
            Message::new(MessageKind::Duna)
                .with(Parameter::RoutingContext(vec![100]))
                .with(Parameter::AffectedPointCode(vec![AffectedPointCode {
                    mask: 0,
                    point_code: 0x102,
                }]))
                .with(Parameter::InfoString("dn!".into())),
        ),
        (
            // tshark: class 0, type 0 "Error (ERR)", Error code: Protocol error (7),
            // Diagnostic information: 010203 (Parameter length: 7, Padding: 00).
            "ERR",
            hex("01000000 00000018 000c0008 00000007 00070007 01020300"),
            Message::new(MessageKind::Err)
                .with(Parameter::ErrorCode(ErrorCode::PROTOCOL_ERROR))
                .with(Parameter::DiagnosticInformation(vec![1, 2, 3])),
        ),
        (
            // tshark: class 3, type 3 "Heartbeat (BEAT)", length 20, Heartbeat data:
            // 68656c6c6f (Parameter length: 9, Padding: 000000).
            "BEAT",
            hex("01000303 00000014 00090009 68656c6c 6f000000"),
            Message::new(MessageKind::Beat).with(Parameter::HeartbeatData(b"hello".to_vec())),
        ),
        (
            // tshark: class 2, type 5 "Destination userpart unavailable (DUPU)",
            // Affected point code: 258, Unavailability cause: Inaccessible remote user
            // (2), User Identity: SCCP (3).
            "DUPU",
            hex("01000205 00000018 00120008 00000102 02040008 00020003"),
            Message::new(MessageKind::Dupu)
                .with(Parameter::AffectedPointCode(vec![AffectedPointCode {
                    mask: 0,
                    point_code: 0x102,
                }]))
                .with(Parameter::UserCause(UserCause { cause: 2, user: 3 })),
        ),
        (
            // tshark: class 2, type 4 "SS7 Network congestion state (SCON)",
            // Affected point code: 258, Concerned DPC: 7, Congestion level:
            // Congestion level 2 (2).
            "SCON",
            hex("01000204 00000020 00120008 00000102 02060008 00000007 02050008 00000002"),
            Message::new(MessageKind::Scon)
                .with(Parameter::AffectedPointCode(vec![AffectedPointCode {
                    mask: 0,
                    point_code: 0x102,
                }]))
                .with(Parameter::ConcernedDestination(7))
                .with(Parameter::CongestionIndications(2)),
        ),
        (
            // tshark: class 3, type 4 "ASP up ack (ASPUP_ACK)", length 16, "Unknown
            // parameter (tag 32513 and 2 bytes value)": Parameter length: 6,
            // Parameter value: abcd, Padding: 0000.
            "ASP Up Ack with an unknown parameter",
            hex("01000304 00000010 7f010006 abcd0000"),
            Message::new(MessageKind::AspUpAck).with(Parameter::Unknown {
                tag: 0x7f01,
                value: vec![0xab, 0xcd],
            }),
        ),
    ]
}

#[test]
fn vectors_decode_and_encode() {
    for (name, bytes, msg) in vectors() {
        assert_eq!(Message::decode(&bytes).as_ref(), Ok(&msg), "{name}");
        assert_eq!(msg.to_bytes().as_ref(), Ok(&bytes), "{name}");
    }
}

#[test]
fn vector_accessors() {
    let v = vectors();
    let data = &v[3].2;
    assert_eq!(data.routing_context(), Some(&[100][..]));
    assert_eq!(data.protocol_data().map(|p| p.si), Some(3));
    assert_eq!(v[0].2.asp_identifier(), Some(1));
    assert_eq!(v[1].2.traffic_mode_type(), Some(TrafficModeType::Loadshare));
    assert_eq!(v[2].2.status().map(|s| s.info), Some(Status::AS_ACTIVE));
    assert_eq!(v[4].2.info_string(), Some("dn!"));
    assert_eq!(v[5].2.error_code(), Some(ErrorCode::PROTOCOL_ERROR));
    assert_eq!(v[6].2.heartbeat_data(), Some(&b"hello"[..]));
    assert_eq!(v[0].2.network_appearance(), None);
}

/// One example of every known parameter, by tag.
fn sample(tag: u16) -> Parameter {
    match tag {
        tag::INFO_STRING => Parameter::InfoString("info".into()),
        tag::ROUTING_CONTEXT => Parameter::RoutingContext(vec![1, 0xffff_ffff]),
        tag::DIAGNOSTIC_INFORMATION => Parameter::DiagnosticInformation(vec![9; 5]),
        tag::HEARTBEAT_DATA => Parameter::HeartbeatData(vec![1, 2, 3, 4, 5, 6]),
        tag::TRAFFIC_MODE_TYPE => Parameter::TrafficModeType(TrafficModeType::Override),
        tag::ERROR_CODE => Parameter::ErrorCode(ErrorCode::MISSING_PARAMETER),
        tag::STATUS => Parameter::Status(Status {
            status_type: StatusType::Other,
            info: Status::ASP_FAILURE,
        }),
        tag::ASP_IDENTIFIER => Parameter::AspIdentifier(77),
        tag::AFFECTED_POINT_CODE => Parameter::AffectedPointCode(vec![
            AffectedPointCode {
                mask: 0,
                point_code: 0x3fff,
            },
            AffectedPointCode {
                mask: 8,
                point_code: 0xff_ff00,
            },
        ]),
        tag::CORRELATION_ID => Parameter::CorrelationId(0xdead_beef),
        tag::NETWORK_APPEARANCE => Parameter::NetworkAppearance(3),
        tag::USER_CAUSE => Parameter::UserCause(UserCause { cause: 1, user: 5 }),
        tag::CONGESTION_INDICATIONS => Parameter::CongestionIndications(3),
        tag::CONCERNED_DESTINATION => Parameter::ConcernedDestination(0x12_3456),
        tag::PROTOCOL_DATA => Parameter::ProtocolData(ProtocolData {
            opc: 10,
            dpc: 20,
            si: 3,
            ni: 0,
            mp: 1,
            sls: 15,
            data: vec![0x09, 0x80, 1, 2, 3],
        }),
        other => Parameter::Unknown {
            tag: other,
            value: vec![],
        },
    }
}

#[test]
fn round_trip_every_message_kind() {
    for kind in MessageKind::ALL {
        // Every allowed parameter, with unknown ones before, between and after.
        let mut msg = Message::new(kind).with(Parameter::Unknown {
            tag: 0x8001,
            value: vec![1],
        });
        for (t, _) in kind.parameters() {
            msg.params.push(sample(*t));
            msg.params.push(Parameter::Unknown {
                tag: 0x0300,
                value: vec![],
            });
        }
        msg.params.push(Parameter::Unknown {
            tag: 0xffff,
            value: vec![7; 7],
        });
        let bytes = msg.to_bytes().unwrap();
        assert_eq!(bytes.len() % 4, 0);
        assert_eq!(Message::decode(&bytes), Ok(msg.clone()), "{kind:?}");
        assert_eq!(frame(&bytes), Ok(Some((msg, bytes.len()))));

        // Only the mandatory parameters.
        let mut min = Message::new(kind);
        for (t, p) in kind.parameters() {
            if *p == Presence::Mandatory {
                min.params.push(sample(*t));
            }
        }
        let bytes = min.to_bytes().unwrap();
        assert_eq!(Message::decode(&bytes), Ok(min), "{kind:?}");
    }
}

#[test]
fn class_and_type_numbers_round_trip() {
    for kind in MessageKind::ALL {
        let (class, ty) = kind.class_and_type();
        assert_eq!(
            MessageKind::from_class_and_type(class.to_u8(), ty),
            Ok(kind)
        );
    }
}

fn decode_err(s: &str) -> DecodeError {
    Message::decode(&hex(s)).unwrap_err()
}

#[test]
fn header_faults() {
    let e = decode_err("02000301 00000008");
    assert_eq!(e, DecodeError::InvalidVersion(2));
    assert_eq!(e.error_code(), ErrorCode(0x01));

    // Routing key management (class 9) is not handled; class 5 is reserved.
    for class in [5u8, 9, 0xff] {
        let e = Message::decode(&[1, 0, class, 1, 0, 0, 0, 8]).unwrap_err();
        assert_eq!(e, DecodeError::UnsupportedMessageClass(class));
        assert_eq!(e.error_code(), ErrorCode(0x03));
    }

    for (class, ty) in [
        (0u8, 2u8),
        (1, 0),
        (2, 0),
        (2, 7),
        (3, 0),
        (3, 7),
        (4, 0),
        (4, 5),
    ] {
        let e = Message::decode(&[1, 0, class, ty, 0, 0, 0, 8]).unwrap_err();
        assert_eq!(
            e,
            DecodeError::UnsupportedMessageType {
                class,
                msg_type: ty
            }
        );
        assert_eq!(e.error_code(), ErrorCode(0x04));
    }

    for len in ["00000004", "0000000a", "0000000d", "00000000"] {
        let e = decode_err(&format!("01000301 {len} 00000000 00000000"));
        assert!(matches!(e, DecodeError::BadMessageLength(_)), "{e:?}");
        assert_eq!(e.error_code(), ErrorCode(0x07));
    }

    let e = decode_err("01000301 00000010 00110008");
    assert_eq!(
        e,
        DecodeError::Truncated {
            needed: 16,
            available: 12
        }
    );
    assert_eq!(e.error_code(), ErrorCode::PROTOCOL_ERROR);

    let e = decode_err("01000301 00000008 00000000");
    assert!(matches!(e, DecodeError::TrailingBytes { .. }));
    assert_eq!(e.error_code(), ErrorCode::PROTOCOL_ERROR);
}

#[test]
fn parameter_framing_faults() {
    // A parameter whose length runs past the message.
    let e = decode_err("01000301 00000010 0011000c 00000001");
    assert_eq!(
        e,
        DecodeError::ParameterOverrun {
            tag: 0x11,
            length: 12,
            remaining: 8
        }
    );
    assert_eq!(e.error_code(), ErrorCode(0x12));

    // Padding of the last parameter missing from the message length.
    let e = decode_err("01000303 00000010 00090009 68656c6c");
    assert!(matches!(e, DecodeError::ParameterOverrun { tag: 9, .. }));

    // Length field below the 4 bytes of tag and length.
    let e = decode_err("01000303 0000000c 00090003");
    assert_eq!(e, DecodeError::ParameterTooShort { tag: 9, length: 3 });
    assert_eq!(e.error_code(), ErrorCode(0x12));
}

#[test]
fn parameter_content_faults() {
    // Routing Context of 3 bytes.
    let e = decode_err("01000402 00000010 00060007 00000100");
    assert_eq!(e, DecodeError::BadParameterLength { tag: 6, length: 3 });
    assert_eq!(e.error_code(), ErrorCode(0x12));

    // Empty Routing Context list.
    let e = decode_err("01000402 0000000c 00060004");
    assert_eq!(e, DecodeError::BadParameterLength { tag: 6, length: 0 });

    // Protocol Data shorter than its 12 fixed bytes.
    let e = decode_err("01000101 00000014 0210000c 00000001 00000002");
    assert_eq!(
        e,
        DecodeError::BadParameterLength {
            tag: 0x210,
            length: 8
        }
    );

    // Traffic Mode Type 4.
    let e = decode_err("01000401 00000010 000b0008 00000004");
    assert_eq!(e, DecodeError::UnsupportedTrafficModeType(4));
    assert_eq!(e.error_code(), ErrorCode(0x05));

    // Status Type 3.
    let e = decode_err("01000001 00000010 000d0008 00030001");
    assert!(matches!(
        e,
        DecodeError::InvalidParameterValue { tag: 0x0d, .. }
    ));
    assert_eq!(e.error_code(), ErrorCode(0x11));

    // INFO String that is not text.
    let e = decode_err("01000302 00000010 00040006 fffe0000");
    assert!(matches!(
        e,
        DecodeError::InvalidParameterValue { tag: 4, .. }
    ));
    assert_eq!(e.error_code(), ErrorCode(0x11));
}

#[test]
fn parameter_set_faults() {
    // Traffic Mode Type in ASP Up.
    let e = decode_err("01000301 00000010 000b0008 00000001");
    assert_eq!(
        e,
        DecodeError::UnexpectedParameter {
            kind: MessageKind::AspUp,
            tag: 0x0b
        }
    );
    assert_eq!(e.error_code(), ErrorCode(0x13));

    // DATA without Protocol Data.
    let e = decode_err("01000101 00000010 00060008 00000064");
    assert_eq!(
        e,
        DecodeError::MissingParameter {
            kind: MessageKind::Data,
            tag: 0x210
        }
    );
    assert_eq!(e.error_code(), ErrorCode(0x16));

    // DUPU without User/Cause.
    let e = decode_err("01000205 00000010 00120008 00000102");
    assert!(matches!(
        e,
        DecodeError::MissingParameter { tag: 0x204, .. }
    ));
}

#[test]
fn encode_faults() {
    let too_long = Message::new(MessageKind::Beat).with(Parameter::HeartbeatData(vec![0; 65_532]));
    let mut out = vec![0xaa];
    assert_eq!(
        too_long.encode(&mut out),
        Err(EncodeError::ParameterTooLong {
            tag: 9,
            length: 65_532
        })
    );
    assert_eq!(out, vec![0xaa], "nothing appended on error");
    let fits = Message::new(MessageKind::Beat).with(Parameter::HeartbeatData(vec![0; 65_531]));
    assert!(fits.to_bytes().is_ok());

    let pc = Message::new(MessageKind::Duna).with(Parameter::AffectedPointCode(vec![
        AffectedPointCode {
            mask: 0,
            point_code: 0x100_0000,
        },
    ]));
    assert_eq!(
        pc.to_bytes(),
        Err(EncodeError::PointCodeOutOfRange(0x100_0000))
    );

    let empty = Message::new(MessageKind::AspActive).with(Parameter::RoutingContext(vec![]));
    assert_eq!(empty.to_bytes(), Err(EncodeError::EmptyList(6)));

    let raw_known = Message::new(MessageKind::AspUp).with(Parameter::Unknown {
        tag: tag::ASP_IDENTIFIER,
        value: vec![0; 4],
    });
    assert_eq!(
        raw_known.to_bytes(),
        Err(EncodeError::KnownTagAsUnknown(0x11))
    );

    let missing = Message::new(MessageKind::Data);
    assert!(matches!(
        missing.to_bytes(),
        Err(EncodeError::ParameterSet(
            DecodeError::MissingParameter { .. }
        ))
    ));
}

#[test]
fn every_truncation_is_an_error_or_incomplete() {
    for (name, bytes, _) in vectors() {
        for cut in 0..bytes.len() {
            let prefix = &bytes[..cut];
            assert!(Message::decode(prefix).is_err(), "{name} cut at {cut}");
            assert_eq!(frame(prefix), Ok(None), "{name} cut at {cut}");
        }
    }
}

#[test]
fn framing_joins_and_splits() {
    let v = vectors();
    let stream: Vec<u8> = v.iter().flat_map(|(_, b, _)| b.clone()).collect();
    let expected: Vec<Message> = v.into_iter().map(|(_, _, m)| m).collect();

    // Feed the stream in chunks of every size from 1 byte to all at once.
    for chunk in 1..=stream.len() {
        let mut buf = Vec::new();
        let mut got = Vec::new();
        for piece in stream.chunks(chunk) {
            buf.extend_from_slice(piece);
            while let Some((msg, used)) = frame(&buf).unwrap() {
                buf.drain(..used);
                got.push(msg);
            }
        }
        assert!(buf.is_empty());
        assert_eq!(got, expected, "chunk size {chunk}");
    }
}

#[test]
fn framing_limit_and_resync() {
    // A length above the limit is refused as soon as the header is in.
    let header = hex("01000101 00010004");
    assert_eq!(
        frame(&header),
        Err(DecodeError::MessageTooLarge {
            length: 0x10004,
            max: MAX_MESSAGE_SIZE
        })
    );
    assert_eq!(frame_with_limit(&header, 0x10004), Ok(None));
    assert_eq!(
        frame_with_limit(&hex("01000303 00000014"), 16)
            .unwrap_err()
            .error_code(),
        ErrorCode::PROTOCOL_ERROR
    );

    // A complete message that fails to decode can be skipped by its length.
    let mut buf = hex("01000101 00000010 00060008 00000064"); // DATA without Protocol Data
    buf.extend(hex("01000301 00000010 00110008 00000001"));
    assert!(matches!(
        frame(&buf),
        Err(DecodeError::MissingParameter { .. })
    ));
    let skip = peek_length(&buf, MAX_MESSAGE_SIZE).unwrap().unwrap();
    assert_eq!(skip, 16);
    let (msg, used) = frame(&buf[skip..]).unwrap().unwrap();
    assert_eq!(msg.asp_identifier(), Some(1));
    assert_eq!(used, 16);
}

// ---- property tests ----

fn arb_known_param(t: u16) -> BoxedStrategy<Parameter> {
    let bytes = || proptest::collection::vec(any::<u8>(), 0..40);
    let pc = || 0u32..=0x00ff_ffff;
    match t {
        tag::INFO_STRING => "[ -~]{0,30}".prop_map(Parameter::InfoString).boxed(),
        tag::ROUTING_CONTEXT => proptest::collection::vec(any::<u32>(), 1..5)
            .prop_map(Parameter::RoutingContext)
            .boxed(),
        tag::DIAGNOSTIC_INFORMATION => bytes().prop_map(Parameter::DiagnosticInformation).boxed(),
        tag::HEARTBEAT_DATA => bytes().prop_map(Parameter::HeartbeatData).boxed(),
        tag::TRAFFIC_MODE_TYPE => prop_oneof![
            Just(TrafficModeType::Override),
            Just(TrafficModeType::Loadshare),
            Just(TrafficModeType::Broadcast)
        ]
        .prop_map(Parameter::TrafficModeType)
        .boxed(),
        tag::ERROR_CODE => any::<u32>()
            .prop_map(|c| Parameter::ErrorCode(ErrorCode(c)))
            .boxed(),
        tag::STATUS => (any::<bool>(), any::<u16>())
            .prop_map(|(as_change, info)| {
                Parameter::Status(Status {
                    status_type: if as_change {
                        StatusType::AsStateChange
                    } else {
                        StatusType::Other
                    },
                    info,
                })
            })
            .boxed(),
        tag::ASP_IDENTIFIER => any::<u32>().prop_map(Parameter::AspIdentifier).boxed(),
        tag::AFFECTED_POINT_CODE => proptest::collection::vec((any::<u8>(), pc()), 1..4)
            .prop_map(|v| {
                Parameter::AffectedPointCode(
                    v.into_iter()
                        .map(|(mask, point_code)| AffectedPointCode { mask, point_code })
                        .collect(),
                )
            })
            .boxed(),
        tag::CORRELATION_ID => any::<u32>().prop_map(Parameter::CorrelationId).boxed(),
        tag::NETWORK_APPEARANCE => any::<u32>().prop_map(Parameter::NetworkAppearance).boxed(),
        tag::USER_CAUSE => (any::<u16>(), any::<u16>())
            .prop_map(|(cause, user)| Parameter::UserCause(UserCause { cause, user }))
            .boxed(),
        tag::CONGESTION_INDICATIONS => any::<u8>()
            .prop_map(Parameter::CongestionIndications)
            .boxed(),
        tag::CONCERNED_DESTINATION => pc().prop_map(Parameter::ConcernedDestination).boxed(),
        _ => (any::<u32>(), any::<u32>(), any::<[u8; 4]>(), bytes())
            .prop_map(|(opc, dpc, [si, ni, mp, sls], data)| {
                Parameter::ProtocolData(ProtocolData {
                    opc,
                    dpc,
                    si,
                    ni,
                    mp,
                    sls,
                    data,
                })
            })
            .boxed(),
    }
}

fn arb_unknown() -> impl Strategy<Value = Parameter> {
    (
        any::<u16>().prop_filter("unknown tag", |t| !tag::is_known(*t)),
        proptest::collection::vec(any::<u8>(), 0..20),
    )
        .prop_map(|(tag, value)| Parameter::Unknown { tag, value })
}

fn arb_message() -> impl Strategy<Value = Message> {
    proptest::sample::select(MessageKind::ALL.to_vec()).prop_flat_map(|kind| {
        let known: Vec<BoxedStrategy<Option<Parameter>>> = kind
            .parameters()
            .iter()
            .map(|(t, presence)| {
                let s = arb_known_param(*t);
                if *presence == Presence::Mandatory {
                    s.prop_map(Some).boxed()
                } else {
                    proptest::option::of(s).boxed()
                }
            })
            .collect();
        (
            known,
            proptest::collection::vec(arb_unknown(), 0..3),
            any::<proptest::sample::Index>(),
        )
            .prop_map(move |(known, unknown, at)| {
                let mut params: Vec<Parameter> = known.into_iter().flatten().collect();
                for u in unknown {
                    let i = at.index(params.len() + 1);
                    params.insert(i, u);
                }
                Message { kind, params }
            })
    })
}

proptest! {
    #[test]
    fn prop_round_trip(msg in arb_message()) {
        let bytes = msg.to_bytes().unwrap();
        prop_assert_eq!(bytes.len() % 4, 0);
        prop_assert_eq!(Message::decode(&bytes), Ok(msg.clone()));
        prop_assert_eq!(frame(&bytes), Ok(Some((msg, bytes.len()))));
    }

    #[test]
    fn prop_garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = Message::decode(&bytes);
        let _ = frame(&bytes);
        let _ = frame_with_limit(&bytes, 16);
    }

    #[test]
    fn prop_garbage_after_valid_header(
        class in 0u8..6,
        ty in 0u8..8,
        body in proptest::collection::vec(any::<u8>(), 0..30),
    ) {
        // Well-formed header, random parameter area: reaches the parameter decoders.
        let mut bytes = vec![1, 0, class, ty];
        let len = 8 + body.len() - body.len() % 4;
        bytes.extend_from_slice(&(len as u32).to_be_bytes());
        bytes.extend_from_slice(&body[..len - 8]);
        if let Ok(msg) = Message::decode(&bytes) {
            // Whatever decodes re-encodes to a message that decodes the same.
            let again = msg.to_bytes().unwrap();
            prop_assert_eq!(Message::decode(&again), Ok(msg));
        }
    }

    #[test]
    fn prop_mutated_vectors_never_panic(
        which in 0usize..10,
        edits in proptest::collection::vec((any::<proptest::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let mut bytes = vectors()[which].1.clone();
        for (at, b) in edits {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        if let Ok(msg) = Message::decode(&bytes) {
            let again = msg.to_bytes().unwrap();
            prop_assert_eq!(Message::decode(&again), Ok(msg));
        }
        let _ = frame(&bytes);
    }
}
