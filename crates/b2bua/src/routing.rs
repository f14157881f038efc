//! Where B-legs go and what numbers they carry: routes from called-number prefix to a SIP
//! peer, and the `called_party` / `calling_party` denormalisation rules that turn a script's
//! digits into the user parts of the B-leg's Request-URI, To and From.

use std::net::SocketAddr;

use callctl_sip::Transport;

use crate::prefix::{PrefixTable, Prefixed};

/// A next hop for B-legs. Addresses are IP literals: callctl does no DNS on the call path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipPeer {
    pub name: String,
    pub addr: SocketAddr,
    pub transport: Transport,
}

impl SipPeer {
    /// `host:port` for URIs (IPv6 in brackets, as SocketAddr prints it).
    pub fn host_port(&self) -> String {
        self.addr.to_string()
    }
}

/// Calls whose address digits start with `prefix` go to `peer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub prefix: String,
    pub peer: SipPeer,
}

impl Prefixed for Route {
    fn prefix(&self) -> &str {
        &self.prefix
    }
}

/// Route selection: the longest matching prefix wins; an empty prefix is the default route.
/// No match means the attempt ends with reason `No Route`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteTable(PrefixTable<Route>);

impl RouteTable {
    pub fn new(routes: Vec<Route>) -> Result<RouteTable, String> {
        PrefixTable::new(routes, "route").map(RouteTable)
    }

    pub fn select(&self, digits: &str) -> Option<&Route> {
        self.0.select(digits)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One denormalisation rule. It applies to digits that start with `match_prefix` and whose
/// length is within `min_len..=max_len`; it removes `strip` leading digits and puts
/// `prepend` in front.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DenormRule {
    pub match_prefix: String,
    pub min_len: Option<usize>,
    pub max_len: Option<usize>,
    pub strip: usize,
    pub prepend: String,
}

impl DenormRule {
    fn applies(&self, digits: &str) -> bool {
        digits.starts_with(&self.match_prefix)
            && self.min_len.is_none_or(|m| digits.len() >= m)
            && self.max_len.is_none_or(|m| digits.len() <= m)
    }

    fn apply(&self, digits: &str) -> String {
        let kept = digits.get(self.strip.min(digits.len())..).unwrap_or("");
        format!("{}{kept}", self.prepend)
    }
}

/// Rules per number kind; in each list the first rule that applies wins, and digits no rule
/// matches are used as they are.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Denormaliser {
    pub called_party: Vec<DenormRule>,
    pub calling_party: Vec<DenormRule>,
}

impl Denormaliser {
    pub fn called(&self, digits: &str) -> String {
        first_rule(&self.called_party, digits)
    }

    pub fn calling(&self, digits: &str) -> String {
        first_rule(&self.calling_party, digits)
    }
}

fn first_rule(rules: &[DenormRule], digits: &str) -> String {
    rules
        .iter()
        .find(|r| r.applies(digits))
        .map(|r| r.apply(digits))
        .unwrap_or_else(|| digits.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(port: u16) -> SipPeer {
        SipPeer {
            name: format!("p{port}"),
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            transport: Transport::Udp,
        }
    }

    #[test]
    fn longest_route_prefix_wins() {
        let table = RouteTable::new(vec![
            Route {
                prefix: "".into(),
                peer: peer(1),
            },
            Route {
                prefix: "1703".into(),
                peer: peer(2),
            },
            Route {
                prefix: "17".into(),
                peer: peer(3),
            },
        ])
        .unwrap();
        assert_eq!(table.select("17031234").unwrap().peer.addr.port(), 2);
        assert_eq!(table.select("1799").unwrap().peer.addr.port(), 3);
        assert_eq!(table.select("5").unwrap().peer.addr.port(), 1);
        let none = RouteTable::new(vec![Route {
            prefix: "9".into(),
            peer: peer(1),
        }])
        .unwrap();
        assert!(none.select("5").is_none());
        assert!(RouteTable::new(vec![
            Route {
                prefix: "9".into(),
                peer: peer(1)
            },
            Route {
                prefix: "9".into(),
                peer: peer(2)
            }
        ])
        .is_err());
    }

    #[test]
    fn first_matching_rule_applies() {
        let d = Denormaliser {
            called_party: vec![
                DenormRule {
                    match_prefix: "0".into(),
                    min_len: Some(9),
                    max_len: Some(10),
                    strip: 1,
                    prepend: "+64".into(),
                },
                DenormRule {
                    match_prefix: "".into(),
                    strip: 0,
                    prepend: "".into(),
                    ..DenormRule::default()
                },
            ],
            calling_party: vec![],
        };
        assert_eq!(d.called("0211234567"), "+64211234567");
        assert_eq!(d.called("021"), "021");
        assert_eq!(d.calling("021"), "021");
        let strip_all = DenormRule {
            strip: 10,
            ..DenormRule::default()
        };
        assert_eq!(strip_all.apply("12"), "");
    }
}
