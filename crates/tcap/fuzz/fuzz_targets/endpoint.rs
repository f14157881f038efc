//! Feeds arbitrary bytes to a `TcapEndpoint` as a run of received messages (each prefixed by
//! one length octet), with time advancing and every live dialogue answered in turn; nothing
//! may panic and every message sent must decode to what the endpoint says it sent.
#![no_main]

use callctl_tcap::{Action, DialogueRequest, EndpointConfig, IdSpace, TcapEndpoint};
use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let mut endpoint: TcapEndpoint<()> = TcapEndpoint::new(EndpointConfig {
        id_space: IdSpace::unsharded(),
        max_dialogues: 8,
    });
    let mut now = Duration::from_secs(1);
    let mut rest = data;
    while let Some((&len, tail)) = rest.split_first() {
        let len = usize::from(len).min(tail.len());
        let (message, tail) = tail.split_at(len);
        rest = tail;
        endpoint.receive(now, (), message);
        now += Duration::from_millis(500);
        endpoint.poll(now);
        let mut begun = Vec::new();
        while let Some(action) = endpoint.poll_action() {
            match action {
                Action::Send(t) => {
                    let again = callctl_tcap::decode(&t.bytes).expect("sent message decodes");
                    assert_eq!(again, t.message);
                }
                Action::Indication(callctl_tcap::Indication::Begin { dialogue, .. }) => {
                    begun.push(dialogue)
                }
                Action::Indication(_) => {}
            }
        }
        for dialogue in begun {
            let _ = endpoint.continue_(now, dialogue, DialogueRequest::default());
        }
        while endpoint.poll_action().is_some() {}
    }
});
