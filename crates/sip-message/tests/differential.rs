#[test]
fn stub() {
    let _ = sipx_sip::parser::parse_datagram;
}
