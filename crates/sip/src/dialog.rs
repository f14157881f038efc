//! Dialog state (RFC 3261 §12): identifiers, sequence numbers, remote target and route set,
//! and construction of requests inside the dialog (§12.2.1.1).

use callctl_sip_message::{CSeq, HeaderName, Method, NameAddr, Request, Response, Uri, Via};

/// Which side of the dialog we are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Uac,
    Uas,
}

/// One dialog. Tags and Call-ID identify it (§12); the rest drives requests we send in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    pub role: Role,
    pub call_id: String,
    pub local_tag: String,
    pub remote_tag: Option<String>,
    /// Our last CSeq number sent in this dialog.
    pub local_seq: u32,
    /// The peer's last CSeq number, once it sent a request (§12.2.2).
    pub remote_seq: Option<u32>,
    /// Our URI (From of the requests we send) as a full header value without tag.
    pub local_uri: NameAddr,
    /// The peer's URI (To of the requests we send).
    pub remote_uri: NameAddr,
    /// Where requests in the dialog go: the peer's Contact (§12.1.1, §12.1.2).
    pub remote_target: Uri,
    /// Record-Route values, in the order requests must list them as Route (§12.1).
    pub route_set: Vec<String>,
}

impl Dialog {
    /// The UAS side of a dialog created by our response (with `local_tag` in To) to `request`
    /// (§12.1.1). `None` when the request lacks what a dialog needs.
    pub fn new_uas(request: &Request, local_tag: &str) -> Option<Dialog> {
        let from = request.from()?;
        let mut to = request.to()?;
        to.params.retain(|p| !p.name.eq_ignore_ascii_case("tag"));
        let mut remote_uri = from.clone();
        remote_uri
            .params
            .retain(|p| !p.name.eq_ignore_ascii_case("tag"));
        let remote_target = request
            .contacts()
            .into_iter()
            .next()
            .map(|c| c.uri)
            .unwrap_or_else(|| from.uri.clone());
        Some(Dialog {
            role: Role::Uas,
            call_id: request.call_id()?.to_string(),
            local_tag: local_tag.to_string(),
            remote_tag: from.tag().map(str::to_string),
            local_seq: 0,
            remote_seq: request.cseq().map(|c| c.seq),
            local_uri: to,
            remote_uri,
            remote_target,
            route_set: request
                .headers
                .values(&HeaderName::RecordRoute)
                .into_iter()
                .map(str::to_string)
                .collect(),
        })
    }

    /// The UAC side of a dialog created by `response` to our `request` (§12.1.2).
    pub fn new_uac(request: &Request, response: &Response) -> Option<Dialog> {
        let mut from = request.from()?;
        let local_tag = from.tag()?.to_string();
        from.params.retain(|p| !p.name.eq_ignore_ascii_case("tag"));
        let to = response.to()?;
        let remote_tag = to.tag().map(str::to_string);
        let mut remote_uri = to;
        remote_uri
            .params
            .retain(|p| !p.name.eq_ignore_ascii_case("tag"));
        let remote_target = response
            .contacts()
            .into_iter()
            .next()
            .map(|c| c.uri)
            .unwrap_or_else(|| request.uri.clone());
        let mut route_set: Vec<String> = response
            .headers
            .values(&HeaderName::RecordRoute)
            .into_iter()
            .map(str::to_string)
            .collect();
        route_set.reverse();
        Some(Dialog {
            role: Role::Uac,
            call_id: request.call_id()?.to_string(),
            local_tag,
            remote_tag,
            local_seq: request.cseq().map(|c| c.seq).unwrap_or(1),
            remote_seq: None,
            local_uri: from,
            remote_uri,
            remote_target,
            route_set,
        })
    }

    /// Check and record the CSeq of a request the peer sent in this dialog (§12.2.2): a
    /// lower number than the last one is out of order and gets a 500.
    pub fn accept_remote_cseq(&mut self, seq: u32) -> bool {
        match self.remote_seq {
            Some(last) if seq < last => false,
            _ => {
                self.remote_seq = Some(seq);
                true
            }
        }
    }

    /// Build a request inside the dialog (§12.2.1.1) with a new CSeq and the given top Via.
    /// Loose routing is assumed for the route set (RFC 3261 §16.12; strict routers are
    /// handled by placing the remote target last, as §12.2.1.1 asks).
    pub fn create_request(&mut self, method: Method, via: Via, max_forwards: u32) -> Request {
        let seq = if method == Method::Ack || method == Method::Cancel {
            self.local_seq
        } else {
            self.local_seq = self.local_seq.wrapping_add(1).max(1);
            self.local_seq
        };
        let strict = self
            .route_set
            .first()
            .and_then(|r| NameAddr::parse(r).ok())
            .is_some_and(|r| r.uri.param("lr").is_none());
        let (uri, routes): (Uri, Vec<String>) = if strict {
            let first = NameAddr::parse(&self.route_set[0])
                .map(|n| n.uri)
                .unwrap_or_else(|_| self.remote_target.clone());
            let mut rest: Vec<String> = self.route_set[1..].to_vec();
            rest.push(format!("<{}>", self.remote_target));
            (first, rest)
        } else {
            (self.remote_target.clone(), self.route_set.clone())
        };
        let mut request = Request::new(method.clone(), uri);
        request.headers.push(HeaderName::Via, via.to_string());
        for route in routes {
            request.headers.push(HeaderName::Route, route);
        }
        request
            .headers
            .push(HeaderName::MaxForwards, max_forwards.to_string());
        request.headers.push(
            HeaderName::From,
            format!("{};tag={}", self.local_uri, self.local_tag),
        );
        let to = match &self.remote_tag {
            Some(tag) => format!("{};tag={}", self.remote_uri, tag),
            None => self.remote_uri.to_string(),
        };
        request.headers.push(HeaderName::To, to);
        request
            .headers
            .push(HeaderName::CallId, self.call_id.clone());
        request
            .headers
            .push(HeaderName::CSeq, CSeq { seq, method }.to_string());
        request
    }
}
