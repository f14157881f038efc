"""Independent SCCP peer for callctl-sccp's interop test, built on pycrate_mobile.SCCP.

  python3 pycrate_peer.py decode   reads hex messages (one a line) on stdin and prints, for
                                   each, the fields pycrate decoded as `key=value` lines and
                                   a line `end`.
  python3 pycrate_peer.py encode   prints messages built with pycrate, as `name hex` lines.
"""
import sys

import pycrate_mobile.SCCP as S


def address(prefix, addr):
    value = addr['Value']
    ind = value['AddrInd']
    out = {
        prefix + '.ri': ind['RoutingInd'].get_val(),
        prefix + '.gti': ind['GTInd'].get_val(),
        prefix + '.national': ind['res'].get_val(),
    }
    if ind['PCInd'].get_val():
        out[prefix + '.pc'] = value['PC'].get_val()
    if ind['SSNInd'].get_val():
        out[prefix + '.ssn'] = value['SSN'].get_val()
    gti = ind['GTInd'].get_val()
    if gti:
        gt = value['GT'].get_alt()
        if gti == 1:
            out[prefix + '.nai'] = gt['NAI'].get_val()
            out[prefix + '.digits'] = gt.get_addr()
        elif gti == 2:
            out[prefix + '.tt'] = gt['TranslationType'].get_val()
            out[prefix + '.octets'] = gt['Addr'].get_val().hex()
        elif gti in (3, 4):
            out[prefix + '.tt'] = gt['TranslationType'].get_val()
            out[prefix + '.np'] = gt['NumberingPlan'].get_val()
            out[prefix + '.es'] = gt['EncodingScheme'].get_val()
            if gti == 4:
                out[prefix + '.nai'] = gt['NAI'].get_val()
            out[prefix + '.digits'] = gt.get_addr()
    return out


def decode(hexline):
    msg, err = S.parse_SCCP(bytes.fromhex(hexline), w_scmg=False)
    if err:
        return {'error': err}
    t = msg['Type'].get_val()
    out = {'type': t}
    if t in (0x09, 0x11):
        out['class'] = msg['ProtocolClass']['Class'].get_val()
        out['handling'] = msg['ProtocolClass']['Handling'].get_val()
    else:
        out['cause'] = msg['RetCause'].get_val()
    if t in (0x11, 0x12):
        out['hops'] = msg['HopCounter'].get_val()
    out.update(address('called', msg['CalledPartyAddr']))
    out.update(address('calling', msg['CallingPartyAddr']))
    out['data'] = msg['Data']['Value'].get_val().hex()
    if t in (0x11, 0x12):
        for opt in msg['Opt']:
            if opt.get_trans():
                continue
            name = opt[0].get_val()
            if name == 0x10:
                seg = opt[2]
                out['seg.first'] = seg['F'].get_val()
                out['seg.class1'] = seg['C'].get_val()
                out['seg.remaining'] = seg['RemainingSeg'].get_val()
                # pycrate reads the reference most significant octet first.
                out['seg.ref_be'] = seg['SegmentLocalRef'].get_val()
            elif name == 0x12:
                out['importance'] = opt[2]['Value'].get_val()
            elif name != 0:
                out['opt.%d' % name] = opt[-1].get_val().hex()
    return out


def party(ri, ssn=None, pc=None, gti=0, gt=None):
    value = {'AddrInd': {'RoutingInd': ri, 'GTInd': gti, 'SSNInd': int(ssn is not None),
                         'PCInd': int(pc is not None)}}
    if pc is not None:
        value['PC'] = pc
    if ssn is not None:
        value['SSN'] = ssn
    if gt is not None:
        value['GT'] = gt
    return {'Value': value}


def with_digits(msg, which, digits):
    gt = msg[which]['Value']['GT'].get_alt()
    # GTI 1 names its setter differently from GTI 3 and 4.
    setter = getattr(gt, 'set_addr_bcd', None) or gt.set_addr
    setter(digits)


def encode():
    tcap = bytes.fromhex('6206480400000001')
    m = S.SCCPUnitData()
    m.set_val({'ProtocolClass': {'Handling': 8, 'Class': 1},
               'CalledPartyAddr': party(1, ssn=146, pc=1201),
               'CallingPartyAddr': party(0, ssn=146, gti=4, gt={
                   'TranslationType': 0, 'NumberingPlan': 1, 'EncodingScheme': 1, 'NAI': 4}),
               'Data': {'Value': tcap}})
    with_digits(m, 'CallingPartyAddr', '642100099')
    print('udt_gt4', m.to_bytes().hex())

    m = S.SCCPUnitData()
    m.set_val({'ProtocolClass': {'Handling': 0, 'Class': 0},
               'CalledPartyAddr': party(0, gti=1, gt={'OE': 1, 'NAI': 4}),
               'CallingPartyAddr': party(0, ssn=147, gti=3, gt={
                   'TranslationType': 17, 'NumberingPlan': 1, 'EncodingScheme': 2}),
               'Data': {'Value': tcap}})
    with_digits(m, 'CalledPartyAddr', '12345')
    with_digits(m, 'CallingPartyAddr', '6421')
    print('udt_gt1_gt3', m.to_bytes().hex())

    m = S.SCCPUnitDataService()
    m.set_val({'RetCause': 4,
               'CalledPartyAddr': party(0, ssn=6, gti=2, gt={'TranslationType': 9, 'Addr': b'\x21\x43'}),
               'CallingPartyAddr': party(1, ssn=146),
               'Data': {'Value': tcap}})
    print('udts_gt2', m.to_bytes().hex())

    m = S.SCCPExtUnitData()
    m.set_val({'ProtocolClass': {'Handling': 8, 'Class': 1}, 'HopCounter': 7,
               'CalledPartyAddr': party(1, ssn=146),
               'CallingPartyAddr': party(1, ssn=147, pc=16383),
               'Data': {'Value': b'abc'},
               'Opt': {'Segmentation': {'Segmentation': {
                   'F': 1, 'C': 1, 'RemainingSeg': 3, 'SegmentLocalRef': 0x010203}},
                   'Importance': {'Importance': {'Value': 3}}}})
    # Optional parameters are transparent (absent) until switched on.
    for name in ('Segmentation', 'Importance', 'EOO'):
        m['Opt'][name].set_trans(False)
    print('xudt_segment', m.to_bytes().hex())

    m = S.SCCPExtUnitDataService()
    m.set_val({'RetCause': 12, 'HopCounter': 15,
               'CalledPartyAddr': party(1, ssn=147),
               'CallingPartyAddr': party(1, ssn=146),
               'Data': {'Value': tcap}})
    print('xudts', m.to_bytes().hex())


if __name__ == '__main__':
    if sys.argv[1:] == ['decode']:
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            for k, v in decode(line).items():
                print('%s=%s' % (k, v))
            print('end')
    elif sys.argv[1:] == ['encode']:
        encode()
    else:
        sys.exit(__doc__)
