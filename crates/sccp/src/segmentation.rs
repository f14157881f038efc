//! Segmentation into XUDT messages and reassembly of them (ITU-T Q.714 §4.1.1.2).
//!
//! Sending: [`UnitdataRequest::messages`] turns user data and addresses into one UDT when
//! it fits in one message, or else into up to 16 XUDT segments.
//!
//! Receiving: a [`Reassembler`] takes every received message and yields whole user data
//! ([`Received::Unitdata`]), returned data ([`Received::Notice`]) or reassembly failures
//! with the XUDTS to send back.

use std::collections::HashMap;
use std::time::Duration;

use crate::address::Address;
use crate::message::{
    Class, EncodeError, Message, MessageType, OptionalPart, Parameter, ProtocolClass, ReturnCause,
    Segmentation, Udt, Xudt, DEFAULT_HOP_COUNTER,
};

/// Largest SCCP message an MTP network carries: the 272-octet signalling information
/// field (Q.703 §2.3.8) less the 4-octet ITU routing label (Q.704 §2.2). Sixteen XUDT
/// segments of this size with SSN-only addresses carry the 3952 octets that Q.714 allows.
pub const MTP_MAX_MESSAGE_LEN: usize = 268;

/// Most segments one message may be cut into: the 4-bit remaining-segments field (Q.713
/// §3.17) counts 15 after the first.
pub const MAX_SEGMENTS: usize = 16;

/// An N-UNITDATA request (Q.711 §6.2.2): what to send, to whom, how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitdataRequest {
    /// Called party address (the destination).
    pub called: Address,
    /// Calling party address (us).
    pub calling: Address,
    /// User data, e.g. a TCAP message.
    pub data: Vec<u8>,
    /// Requested class and return option. Segments always travel as class 1 (Q.714
    /// §4.1.1.2.1) with the requested class in the segmentation C bit.
    pub protocol_class: ProtocolClass,
    /// Hop counter for XUDT messages (1–15).
    pub hop_counter: u8,
    /// Importance (0–7); when set, XUDT is used even if UDT would fit, since UDT has no
    /// optional part.
    pub importance: Option<u8>,
    /// Largest message to produce, in octets.
    pub max_message_len: usize,
}

impl UnitdataRequest {
    /// A class 0 request without return option, hop counter 15, no importance, limited to
    /// [`MTP_MAX_MESSAGE_LEN`].
    pub fn new(called: Address, calling: Address, data: Vec<u8>) -> UnitdataRequest {
        UnitdataRequest {
            called,
            calling,
            data,
            protocol_class: ProtocolClass::CLASS0,
            hop_counter: DEFAULT_HOP_COUNTER,
            importance: None,
            max_message_len: MTP_MAX_MESSAGE_LEN,
        }
    }

    /// The messages to send, in order.
    ///
    /// One UDT when the whole UDT is at most `max_message_len` octets (and data at most
    /// 255); one XUDT without segmentation when importance is set and it fits; otherwise
    /// XUDT segments of near-equal size, each at most `max_message_len` octets, carrying
    /// `local_reference` (24 bits) and the requested return option. `local_reference` must
    /// not be reused for the same calling address while the peer may still be reassembling
    /// (T(reass), see [`ReassemblyConfig`]).
    pub fn messages(&self, local_reference: u32) -> Result<Vec<Message>, EncodeError> {
        if self.data.is_empty() {
            return Err(EncodeError::EmptyData);
        }
        if local_reference > 0x00ff_ffff {
            return Err(EncodeError::OutOfRange {
                field: "segmentation local reference",
                value: local_reference,
            });
        }
        if self.importance.is_none()
            && self.data.len() <= 255
            && self.udt_len()? <= self.max_message_len
        {
            return Ok(vec![Message::Udt(Udt {
                protocol_class: self.protocol_class,
                called: self.called.clone(),
                calling: self.calling.clone(),
                data: self.data.clone(),
            })]);
        }
        if self.importance.is_some() && self.data.len() <= 255 {
            let xudt = self.xudt(self.protocol_class, self.data.clone(), None);
            if xudt
                .to_bytes()
                .is_ok_and(|b| b.len() <= self.max_message_len)
            {
                return Ok(vec![xudt]);
            }
        }
        // Room for data in one segment: the message with one data octet, less that octet.
        let probe = self.xudt(
            self.protocol_class,
            vec![0],
            Some(Segmentation {
                first: true,
                class1: false,
                remaining: 0,
                local_reference,
            }),
        );
        let overhead = probe.to_bytes()?.len() - 1;
        // The pointer to the optional part counts over both addresses and the data.
        let pointer_room = {
            let mut called = Vec::new();
            let mut calling = Vec::new();
            // Both addresses encoded fine in the probe.
            let _ = self.called.encode(&mut called);
            let _ = self.calling.encode(&mut calling);
            255usize.saturating_sub(4 + called.len() + calling.len())
        };
        let per_segment = self
            .max_message_len
            .saturating_sub(overhead)
            .min(pointer_room)
            .min(255);
        if per_segment == 0 {
            return Err(EncodeError::NoRoomForData);
        }
        let count = self.data.len().div_ceil(per_segment);
        if count > MAX_SEGMENTS {
            return Err(EncodeError::TooManySegments {
                len: self.data.len(),
                max: per_segment * MAX_SEGMENTS,
            });
        }
        let size = self.data.len().div_ceil(count);
        let class1 = self.protocol_class.class == Class::Class1;
        let segment_class = ProtocolClass::new(Class::Class1, self.protocol_class.return_on_error);
        let chunks = self.data.chunks(size);
        let total = chunks.len();
        let mut out = Vec::with_capacity(total);
        for (i, chunk) in chunks.enumerate() {
            out.push(self.xudt(
                segment_class,
                chunk.to_vec(),
                Some(Segmentation {
                    first: i == 0,
                    class1,
                    // `total` ≤ 16, so this fits the 4-bit field.
                    remaining: u8::try_from(total - 1 - i).unwrap_or(15),
                    local_reference,
                }),
            ));
        }
        Ok(out)
    }

    /// Length of the UDT that would carry the whole data (Q.713 §4.10: type, class,
    /// three pointers, then each variable part after its length octet), found without
    /// encoding it: this runs for every message sent, and the caller encodes the UDT
    /// anyway. Errors as [`Message::encode`] would give them.
    fn udt_len(&self) -> Result<usize, EncodeError> {
        let mut scratch = Vec::new();
        let mut address_len = |a: &Address, which| {
            scratch.clear();
            a.encode(&mut scratch)
                .map(|()| scratch.len())
                .map_err(|error| EncodeError::BadAddress { which, error })
        };
        let called = address_len(&self.called, Parameter::CalledPartyAddress)?;
        let calling = address_len(&self.calling, Parameter::CallingPartyAddress)?;
        // The data pointer, the third, spans the two pointers after it and both
        // addresses with their length octets.
        if 3 + called + calling > 255 {
            return Err(EncodeError::PointerOverflow);
        }
        Ok(2 + 3 + (1 + called) + (1 + calling) + (1 + self.data.len()))
    }

    fn xudt(
        &self,
        protocol_class: ProtocolClass,
        data: Vec<u8>,
        segmentation: Option<Segmentation>,
    ) -> Message {
        Message::Xudt(Xudt {
            protocol_class,
            hop_counter: self.hop_counter,
            called: self.called.clone(),
            calling: self.calling.clone(),
            data,
            optional: OptionalPart {
                segmentation,
                importance: self.importance,
                other: Vec::new(),
            },
        })
    }
}

/// Limits and timer of a [`Reassembler`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReassemblyConfig {
    /// T(reass), the reassembly timer (Q.714 Annex D gives 10–20 s). Started when the
    /// first segment arrives; an unfinished reassembly fails when it runs out.
    pub reassembly_timer: Duration,
    /// Most reassemblies in progress at once; a first segment beyond this fails with
    /// `ErrorInLocalProcessing`.
    pub max_concurrent: usize,
    /// Largest reassembled user data, in octets; beyond this the reassembly fails with
    /// `ErrorInLocalProcessing`.
    pub max_data_len: usize,
}

impl Default for ReassemblyConfig {
    /// T(reass) 10 s (the low end of Q.714's range: memory is freed sooner and a peer
    /// sends all segments back to back), 1024 reassemblies, 4080 octets (16 segments of
    /// 255, the most the segmentation parameter can describe).
    fn default() -> Self {
        ReassemblyConfig {
            reassembly_timer: Duration::from_secs(10),
            max_concurrent: 1024,
            max_data_len: MAX_SEGMENTS * 255,
        }
    }
}

/// Whole user data for the SCCP user (N-UNITDATA indication, Q.711 §6.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unitdata {
    /// UDT or XUDT (of the first segment when reassembled).
    pub message_type: MessageType,
    /// Called party address.
    pub called: Address,
    /// Calling party address: where an answer goes.
    pub calling: Address,
    /// The user data, reassembled when it came in segments.
    pub data: Vec<u8>,
    /// Class as the sender requested it (from the C bit for segmented data) and the
    /// return option.
    pub protocol_class: ProtocolClass,
    /// Importance, when present.
    pub importance: Option<u8>,
}

/// Returned user data for the SCCP user (N-NOTICE indication, Q.711 §6.2.2): a UDTS or
/// XUDTS was received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Called party address of the service message (the original sender, us).
    pub called: Address,
    /// Calling party address of the service message (the original destination).
    pub calling: Address,
    /// The returned data (the first segment only, for segmented data).
    pub data: Vec<u8>,
    /// Why the data came back.
    pub return_cause: ReturnCause,
}

/// A reassembly that failed (Q.714 §4.1.1.2.2): its segments are discarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReassemblyFailure {
    /// Calling party address of the segments.
    pub calling: Address,
    /// Segmentation local reference of the segments.
    pub local_reference: u32,
    /// The return cause.
    pub cause: ReturnCause,
    /// The XUDTS to send back (the first segment returned), when the first segment was
    /// received and asked for return on error.
    pub answer: Option<Message>,
}

/// What [`Reassembler::receive`] made of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// Whole user data to deliver.
    Unitdata(Unitdata),
    /// A UDTS or XUDTS: data of ours came back.
    Notice(Notice),
    /// A segment was stored; more are due.
    Pending,
    /// A repeat of the segment received just before; ignored.
    Duplicate,
    /// A reassembly failed. When a first segment replaced an unfinished reassembly with
    /// the same key, the failure is the old one's and the new one is `Pending`.
    Failed(ReassemblyFailure),
}

type Key = (Address, u32);

#[derive(Debug)]
struct InProgress {
    first: Xudt,
    data: Vec<u8>,
    expected_remaining: u8,
    last_start: usize,
    last_remaining: u8,
    deadline: Duration,
}

impl InProgress {
    fn fail(self, local_reference: u32, cause: ReturnCause) -> ReassemblyFailure {
        let first = Message::Xudt(self.first);
        ReassemblyFailure {
            calling: first.calling().clone(),
            local_reference,
            cause,
            answer: first.returned(cause),
        }
    }
}

/// Reassembles segmented XUDT messages (Q.714 §4.1.1.2.2), sans-IO.
///
/// Reassemblies are keyed by calling party address and segmentation local reference
/// (Q.714 also keys on the originating point code: use one `Reassembler` per peer
/// signalling point, or accept that two points using the same calling address and
/// reference would collide).
///
/// Segments must arrive in order, as class 1 delivers them: a segment whose remaining
/// count is not one less than its predecessor's fails the reassembly with
/// `SegmentationFailure`, except an exact repeat of the segment just received, which is
/// ignored.
///
/// Driving contract, with `now` from any monotonic clock (only differences matter):
///
/// ```
/// # use callctl_sccp::{Reassembler, ReassemblyConfig, Received, Message};
/// # use std::time::Duration;
/// # fn send(_: &Message) {}
/// let mut reassembler = Reassembler::new(ReassemblyConfig::default());
/// # let inbound: Vec<(Duration, Message)> = Vec::new();
/// for (now, message) in inbound {
///     // Expire first, so timed-out reassemblies are answered and their room freed.
///     for failure in reassembler.expire(now) {
///         if let Some(answer) = &failure.answer { send(answer) }
///     }
///     match reassembler.receive(now, message) {
///         Received::Unitdata(u) => { /* hand u.data to TCAP; answer to u.calling */ }
///         Received::Notice(_) => { /* our data came back */ }
///         Received::Failed(f) => { if let Some(answer) = &f.answer { send(answer) } }
///         Received::Pending | Received::Duplicate => {}
///     }
///     // ...and arm a timer for reassembler.next_deadline(), calling expire() when it fires.
/// }
/// ```
#[derive(Debug)]
pub struct Reassembler {
    config: ReassemblyConfig,
    in_progress: HashMap<Key, InProgress>,
}

impl Reassembler {
    /// An empty reassembler.
    pub fn new(config: ReassemblyConfig) -> Reassembler {
        Reassembler {
            config,
            in_progress: HashMap::new(),
        }
    }

    /// Number of reassemblies in progress.
    pub fn in_progress(&self) -> usize {
        self.in_progress.len()
    }

    /// When the earliest reassembly in progress times out.
    pub fn next_deadline(&self) -> Option<Duration> {
        self.in_progress.values().map(|p| p.deadline).min()
    }

    /// Ends every reassembly whose T(reass) has run out by `now`, with
    /// `SegmentationFailure`.
    pub fn expire(&mut self, now: Duration) -> Vec<ReassemblyFailure> {
        let expired: Vec<Key> = self
            .in_progress
            .iter()
            .filter(|(_, p)| p.deadline <= now)
            .map(|(k, _)| k.clone())
            .collect();
        let mut failures = Vec::with_capacity(expired.len());
        for key in expired {
            if let Some(p) = self.in_progress.remove(&key) {
                failures.push(p.fail(key.1, ReturnCause::SegmentationFailure));
            }
        }
        failures
    }

    /// Takes one received message.
    pub fn receive(&mut self, now: Duration, message: Message) -> Received {
        let xudt = match message {
            Message::Udt(m) => {
                return Received::Unitdata(Unitdata {
                    message_type: MessageType::Udt,
                    called: m.called,
                    calling: m.calling,
                    data: m.data,
                    protocol_class: m.protocol_class,
                    importance: None,
                })
            }
            Message::Udts(m) => {
                return Received::Notice(Notice {
                    called: m.called,
                    calling: m.calling,
                    data: m.data,
                    return_cause: m.return_cause,
                })
            }
            Message::Xudts(m) => {
                return Received::Notice(Notice {
                    called: m.called,
                    calling: m.calling,
                    data: m.data,
                    return_cause: m.return_cause,
                })
            }
            Message::Xudt(m) => m,
        };
        let Some(segmentation) = xudt.optional.segmentation else {
            return Received::Unitdata(whole(xudt, None));
        };
        if segmentation.first && segmentation.remaining == 0 {
            return Received::Unitdata(whole(xudt, Some(segmentation.class1)));
        }
        let key = (xudt.calling.clone(), segmentation.local_reference);
        if segmentation.first {
            self.first_segment(now, key, segmentation, xudt)
        } else {
            self.next_segment(now, key, segmentation, xudt)
        }
    }

    fn first_segment(
        &mut self,
        now: Duration,
        key: Key,
        segmentation: Segmentation,
        xudt: Xudt,
    ) -> Received {
        let replaced = match self.in_progress.remove(&key) {
            Some(p)
                if p.deadline > now
                    && p.last_start == 0
                    && p.last_remaining == segmentation.remaining
                    && p.data == xudt.data =>
            {
                // Repeat of the first segment with nothing after it yet.
                self.in_progress.insert(key, p);
                return Received::Duplicate;
            }
            Some(p) => Some(p.fail(key.1, ReturnCause::SegmentationFailure)),
            None => None,
        };
        let local_limit = if self.in_progress.len() >= self.config.max_concurrent
            || xudt.data.len() > self.config.max_data_len
        {
            let first = Message::Xudt(xudt);
            Some(ReassemblyFailure {
                calling: key.0.clone(),
                local_reference: key.1,
                cause: ReturnCause::ErrorInLocalProcessing,
                answer: first.returned(ReturnCause::ErrorInLocalProcessing),
            })
        } else {
            let data = xudt.data.clone();
            self.in_progress.insert(
                key,
                InProgress {
                    first: xudt,
                    data,
                    expected_remaining: segmentation.remaining - 1,
                    last_start: 0,
                    last_remaining: segmentation.remaining,
                    deadline: now.saturating_add(self.config.reassembly_timer),
                },
            );
            None
        };
        match (replaced, local_limit) {
            (Some(old), _) => Received::Failed(old),
            (None, Some(new)) => Received::Failed(new),
            (None, None) => Received::Pending,
        }
    }

    fn next_segment(
        &mut self,
        now: Duration,
        key: Key,
        segmentation: Segmentation,
        xudt: Xudt,
    ) -> Received {
        let Some(mut p) = self.in_progress.remove(&key) else {
            // No first segment: nothing can be returned (Q.714 §4.2 returns only first
            // segments).
            return Received::Failed(ReassemblyFailure {
                calling: key.0,
                local_reference: key.1,
                cause: ReturnCause::SegmentationFailure,
                answer: None,
            });
        };
        if p.deadline <= now {
            return Received::Failed(p.fail(key.1, ReturnCause::SegmentationFailure));
        }
        if segmentation.remaining == p.last_remaining
            && p.last_start > 0
            && p.data.get(p.last_start..) == Some(&xudt.data[..])
        {
            self.in_progress.insert(key, p);
            return Received::Duplicate;
        }
        if segmentation.remaining != p.expected_remaining {
            return Received::Failed(p.fail(key.1, ReturnCause::SegmentationFailure));
        }
        if p.data.len() + xudt.data.len() > self.config.max_data_len {
            return Received::Failed(p.fail(key.1, ReturnCause::ErrorInLocalProcessing));
        }
        p.last_start = p.data.len();
        p.last_remaining = segmentation.remaining;
        p.data.extend_from_slice(&xudt.data);
        if segmentation.remaining == 0 {
            let class1 = p.first.optional.segmentation.is_some_and(|s| s.class1);
            let mut first = p.first;
            first.data = p.data;
            return Received::Unitdata(whole(first, Some(class1)));
        }
        p.expected_remaining = segmentation.remaining - 1;
        self.in_progress.insert(key, p);
        Received::Pending
    }
}

/// The indication for a complete XUDT; `class1` is the C bit of segmented data.
fn whole(xudt: Xudt, class1: Option<bool>) -> Unitdata {
    let protocol_class = match class1 {
        Some(c1) => ProtocolClass::new(
            if c1 { Class::Class1 } else { Class::Class0 },
            xudt.protocol_class.return_on_error,
        ),
        None => xudt.protocol_class,
    };
    Unitdata {
        message_type: MessageType::Xudt,
        called: xudt.called,
        calling: xudt.calling,
        data: xudt.data,
        protocol_class,
        importance: xudt.optional.importance,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(len: usize) -> UnitdataRequest {
        let mut r = UnitdataRequest::new(
            Address::gt4(0, 1, 4, "6421000001").unwrap().with_ssn(146),
            Address::gt4(0, 1, 4, "6421000099").unwrap().with_ssn(146),
            (0..len).map(|i| i as u8).collect(),
        );
        r.protocol_class = ProtocolClass::new(Class::Class0, true);
        r
    }

    #[test]
    fn small_data_is_one_udt() {
        let m = request(100).messages(1).unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].message_type(), MessageType::Udt);
    }

    #[test]
    fn large_data_is_segmented_within_limit() {
        let r = request(1000);
        let m = r.messages(0x123456).unwrap();
        assert!(m.len() > 1);
        for (i, s) in m.iter().enumerate() {
            assert!(s.to_bytes().unwrap().len() <= MTP_MAX_MESSAGE_LEN);
            let seg = s.segmentation().unwrap();
            assert_eq!(seg.first, i == 0);
            assert_eq!(usize::from(seg.remaining), m.len() - 1 - i);
            assert_eq!(seg.local_reference, 0x123456);
            assert_eq!(s.protocol_class().unwrap().class, Class::Class1);
        }
        let mut re = Reassembler::new(ReassemblyConfig::default());
        let mut out = None;
        for s in m {
            match re.receive(Duration::ZERO, s) {
                Received::Pending => {}
                Received::Unitdata(u) => out = Some(u),
                other => panic!("unexpected {other:?}"),
            }
        }
        let u = out.unwrap();
        assert_eq!(u.data, r.data);
        assert_eq!(u.protocol_class, r.protocol_class);
        assert_eq!(re.in_progress(), 0);
    }

    /// The UDT length worked out without encoding equals the encoded length, and a
    /// bad address gives the error encoding would.
    #[test]
    fn udt_length_matches_the_encoding() {
        let gt = |digits: &str| Address::gt4(0, 1, 4, digits).unwrap().with_ssn(146);
        for (called, calling, len) in [
            (Address::ssn(146), Address::ssn(147), 1),
            (gt("6421000001"), gt("642100009"), 100),
            (gt(&"1".repeat(40)), Address::ssn(8), 255),
        ] {
            let r = UnitdataRequest::new(called, calling, vec![7; len]);
            let udt = Message::Udt(Udt {
                protocol_class: r.protocol_class,
                called: r.called.clone(),
                calling: r.calling.clone(),
                data: r.data.clone(),
            });
            assert_eq!(r.udt_len().unwrap(), udt.to_bytes().unwrap().len());
        }
        let mut r = request(10);
        r.calling = Address::gt(crate::GlobalTitle::Gti1 {
            nature_of_address: 0x80,
            digits: crate::Digits::new("1").unwrap(),
        });
        let udt = Message::Udt(Udt {
            protocol_class: r.protocol_class,
            called: r.called.clone(),
            calling: r.calling.clone(),
            data: r.data.clone(),
        });
        assert_eq!(r.udt_len(), Err(udt.to_bytes().unwrap_err()));
        assert_eq!(r.messages(1), Err(udt.to_bytes().unwrap_err()));
        // Addresses too long for the one-octet data pointer.
        let long = gt(&"1".repeat(250));
        let r = UnitdataRequest::new(long.clone(), long.clone(), vec![1]);
        let udt = Message::Udt(Udt {
            protocol_class: r.protocol_class,
            called: long.clone(),
            calling: long,
            data: vec![1],
        });
        assert_eq!(r.udt_len(), Err(EncodeError::PointerOverflow));
        assert_eq!(udt.to_bytes(), Err(EncodeError::PointerOverflow));
    }

    #[test]
    fn too_long_is_refused() {
        assert!(matches!(
            request(5000).messages(1),
            Err(EncodeError::TooManySegments { .. })
        ));
    }

    #[test]
    fn timer_expiry_answers_first_segment() {
        let m = request(600).messages(7).unwrap();
        let mut re = Reassembler::new(ReassemblyConfig::default());
        assert_eq!(
            re.receive(Duration::from_secs(1), m[0].clone()),
            Received::Pending
        );
        assert_eq!(re.next_deadline(), Some(Duration::from_secs(11)));
        assert!(re.expire(Duration::from_secs(10)).is_empty());
        let f = re.expire(Duration::from_secs(11));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].cause, ReturnCause::SegmentationFailure);
        let answer = f[0].answer.as_ref().unwrap();
        assert_eq!(answer.message_type(), MessageType::Xudts);
        assert_eq!(answer.data(), m[0].data());
        assert_eq!(answer.called(), m[0].calling());
    }
}
