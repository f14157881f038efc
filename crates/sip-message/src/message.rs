//! Requests, responses, and typed convenience accessors.
//!
//! Accessors parse on demand from the stored header text; a message that
//! came out of [`crate::parse_datagram`] / [`crate::parse_stream`] has
//! already had its mandatory headers validated, so they return `Some` for
//! those.

use crate::header::{CSeq, HeaderName, Headers, NameAddr, Via};
use crate::method::Method;
use crate::syntax::{parse_decimal_u64, split_commas, trim_lws};
use crate::uri::Uri;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    pub uri: Uri,
    pub headers: Headers,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub headers: Headers,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Request(Request),
    Response(Response),
}

macro_rules! accessors {
    ($t:ty) => {
        impl $t {
            /// Call-ID value (RFC 3261 §20.8).
            pub fn call_id(&self) -> Option<&str> {
                self.headers.get(&HeaderName::CallId)
            }

            /// Parsed CSeq (RFC 3261 §20.16).
            pub fn cseq(&self) -> Option<CSeq> {
                self.headers
                    .get(&HeaderName::CSeq)
                    .and_then(|v| CSeq::parse(v).ok())
            }

            /// The topmost via-parm, even when several share one line
            /// (RFC 3261 §7.3.1).
            pub fn top_via(&self) -> Option<Via> {
                self.headers
                    .get(&HeaderName::Via)
                    .and_then(|v| split_commas(v).next())
                    .and_then(|v| Via::parse(v).ok())
            }

            /// Every via-parm in order, comma-joined values split.
            pub fn vias(&self) -> Vec<Via> {
                self.headers
                    .values(&HeaderName::Via)
                    .into_iter()
                    .filter_map(|v| Via::parse(v).ok())
                    .collect()
            }

            pub fn from(&self) -> Option<NameAddr> {
                self.headers
                    .get(&HeaderName::From)
                    .and_then(|v| NameAddr::parse(v).ok())
            }

            pub fn to(&self) -> Option<NameAddr> {
                self.headers
                    .get(&HeaderName::To)
                    .and_then(|v| NameAddr::parse(v).ok())
            }

            pub fn from_tag(&self) -> Option<String> {
                self.from().and_then(|n| n.tag().map(str::to_string))
            }

            pub fn to_tag(&self) -> Option<String> {
                self.to().and_then(|n| n.tag().map(str::to_string))
            }

            /// Contact addresses; the `*` wildcard (RFC 3261 §10.2.2) is not
            /// an address and is skipped — see [`Headers::get`] for it.
            pub fn contacts(&self) -> Vec<NameAddr> {
                self.headers
                    .values(&HeaderName::Contact)
                    .into_iter()
                    .filter(|v| *v != "*")
                    .filter_map(|v| NameAddr::parse(v).ok())
                    .collect()
            }

            /// Route set entries in order (RFC 3261 §20.34).
            pub fn routes(&self) -> Vec<NameAddr> {
                self.headers
                    .values(&HeaderName::Route)
                    .into_iter()
                    .filter_map(|v| NameAddr::parse(v).ok())
                    .collect()
            }

            /// Record-Route entries in order (RFC 3261 §20.30).
            pub fn record_routes(&self) -> Vec<NameAddr> {
                self.headers
                    .values(&HeaderName::RecordRoute)
                    .into_iter()
                    .filter_map(|v| NameAddr::parse(v).ok())
                    .collect()
            }

            /// Max-Forwards (RFC 3261 §20.22).
            pub fn max_forwards(&self) -> Option<u32> {
                self.headers
                    .get(&HeaderName::MaxForwards)
                    .and_then(|v| parse_decimal_u64(trim_lws(v)))
                    .and_then(|v| u32::try_from(v).ok())
            }

            pub fn content_type(&self) -> Option<&str> {
                self.headers.get(&HeaderName::ContentType)
            }
        }
    };
}
accessors!(Request);
accessors!(Response);

impl Message {
    pub fn headers(&self) -> &Headers {
        match self {
            Message::Request(r) => &r.headers,
            Message::Response(r) => &r.headers,
        }
    }

    pub fn headers_mut(&mut self) -> &mut Headers {
        match self {
            Message::Request(r) => &mut r.headers,
            Message::Response(r) => &mut r.headers,
        }
    }

    pub fn body(&self) -> &[u8] {
        match self {
            Message::Request(r) => &r.body,
            Message::Response(r) => &r.body,
        }
    }

    pub fn is_request(&self) -> bool {
        matches!(self, Message::Request(_))
    }

    pub fn call_id(&self) -> Option<&str> {
        match self {
            Message::Request(r) => r.call_id(),
            Message::Response(r) => r.call_id(),
        }
    }

    pub fn cseq(&self) -> Option<CSeq> {
        match self {
            Message::Request(r) => r.cseq(),
            Message::Response(r) => r.cseq(),
        }
    }

    pub fn top_via(&self) -> Option<Via> {
        match self {
            Message::Request(r) => r.top_via(),
            Message::Response(r) => r.top_via(),
        }
    }
}

/// Standard reason phrase for a status code: RFC 3261 §21 plus later
/// IANA-registered codes. Unregistered codes get the class name from
/// RFC 3261 §7.2 / §21.
pub fn reason_phrase(status: u16) -> &'static str {
    registered_reason(status).unwrap_or(match status / 100 {
        1 => "Provisional",
        2 => "Successful",
        3 => "Redirection",
        4 => "Request Failure",
        5 => "Server Failure",
        6 => "Global Failure",
        _ => "Unknown",
    })
}

fn registered_reason(status: u16) -> Option<&'static str> {
    Some(match status {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        199 => "Early Dialog Terminated", // RFC 6228
        200 => "OK",
        202 => "Accepted",        // RFC 6665
        204 => "No Notification", // RFC 5839
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        305 => "Use Proxy",
        380 => "Alternative Service",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        410 => "Gone",
        412 => "Conditional Request Failed", // RFC 3903
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        417 => "Unknown Resource-Priority", // RFC 4412
        420 => "Bad Extension",
        421 => "Extension Required",
        422 => "Session Interval Too Small", // RFC 4028
        423 => "Interval Too Brief",
        424 => "Bad Location Information",         // RFC 6442
        425 => "Bad Alert Message",                // RFC 8876
        428 => "Use Identity Header",              // RFC 8224
        429 => "Provide Referrer Identity",        // RFC 3892
        430 => "Flow Failed",                      // RFC 5626
        433 => "Anonymity Disallowed",             // RFC 5079
        436 => "Bad Identity Info",                // RFC 8224
        437 => "Unsupported Credential",           // RFC 8224
        438 => "Invalid Identity Header",          // RFC 8224
        439 => "First Hop Lacks Outbound Support", // RFC 5626
        440 => "Max-Breadth Exceeded",             // RFC 5393
        469 => "Bad Info Package",                 // RFC 6086
        470 => "Consent Needed",                   // RFC 5360
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        484 => "Address Incomplete",
        485 => "Ambiguous",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        489 => "Bad Event", // RFC 6665
        491 => "Request Pending",
        493 => "Undecipherable",
        494 => "Security Agreement Required", // RFC 3329
        500 => "Server Internal Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        555 => "Push Notification Service Not Supported", // RFC 8599
        580 => "Precondition Failure",                    // RFC 3312
        600 => "Busy Everywhere",
        603 => "Decline",
        604 => "Does Not Exist Anywhere",
        606 => "Not Acceptable",
        607 => "Unwanted", // RFC 8197
        608 => "Rejected", // RFC 8688
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_phrases() {
        assert_eq!(reason_phrase(200), "OK");
        assert_eq!(reason_phrase(491), "Request Pending");
        assert_eq!(reason_phrase(608), "Rejected");
        assert_eq!(reason_phrase(199), "Early Dialog Terminated");
        assert_eq!(reason_phrase(299), "Successful");
        assert_eq!(reason_phrase(499), "Request Failure");
        assert_eq!(reason_phrase(42), "Unknown");
    }

    #[test]
    fn accessors_split_vias_and_contacts() {
        let mut r = Request::new(Method::Register, Uri::sip(None, "example.com", None));
        r.headers.push(
            HeaderName::Via,
            "SIP/2.0/UDP a;branch=z9hG4bK1 , SIP/2.0/TCP b:5070;branch=z9hG4bK2",
        );
        r.headers
            .push(HeaderName::Via, "SIP/2.0/UDP c;branch=z9hG4bK3");
        r.headers.push(HeaderName::Contact, "*");
        r.headers
            .push(HeaderName::Contact, "<sip:u@h1>;expires=0, sip:u@h2");
        r.headers.push(HeaderName::MaxForwards, "70");
        r.headers
            .push(HeaderName::From, "<sip:u@example.com>;tag=abc");
        r.headers.push(HeaderName::To, "sip:u@example.com");
        assert_eq!(r.top_via().unwrap().host, "a");
        let v = r.vias();
        assert_eq!(v.len(), 3);
        assert_eq!(v[1].port, Some(5070));
        assert_eq!(r.contacts().len(), 2);
        assert_eq!(r.max_forwards(), Some(70));
        assert_eq!(r.from_tag().as_deref(), Some("abc"));
        assert_eq!(r.to_tag(), None);
        let m = Message::Request(r);
        assert!(m.is_request());
        assert_eq!(m.top_via().unwrap().branch(), Some("z9hG4bK1"));
        assert_eq!(m.call_id(), None);
    }
}
