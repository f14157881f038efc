"""Cross-check helper for tests/pycrate.rs: pycrate's generic TCAP module (TCAP_RAW) is the
independent decoder/encoder.

  python3 pycrate_tcap.py decode   < lines "NAME HEX"   -> lines "NAME|SUMMARY"
  python3 pycrate_tcap.py encode                        -> lines "NAME HEX|SUMMARY"
  python3 pycrate_tcap.py peer                          -> lines "NAME HEX" (dialogue tests)

SUMMARY is a canonical one-line description that tests/pycrate.rs computes from the Rust codec's
decoded message in the same format, so both sides must agree field by field.
"""
import sys

from pycrate_asn1dir import TCAP_RAW

TC = TCAP_RAW.TCAP_Messages.TCAP_Message
DIALOGUE_AS_ID = (0, 0, 17, 773, 1, 1, 1)
CAP2 = (0, 4, 0, 0, 1, 0, 50, 1)


def oid(t):
    return '.'.join(str(x) for x in t)


def open_type(v):
    """An open-type value decoded without a known type: ('_unk_CCTT', contents)."""
    name, data = v
    if not name.startswith('_unk_'):
        raise SystemExit('unexpected known open type %r' % name)
    return '%s:%s' % (name[5:], data.hex())


def code(c):
    kind, v = c
    return ('L%d' % v) if kind == 'local' else ('G' + oid(v))


def iid(v):
    return str(v[1]) if v[0] == 'present' else '-'


def component(c):
    if c[0] == 'returnResultNotLast':
        kind, v = c
    else:
        kind, v = c[1]
    if kind == 'invoke':
        s = 'invoke:%s:%s:%s' % (iid(v['invokeId']), iid(v['linkedId']) if 'linkedId' in v else '',
                                 code(v['opcode']))
        return s + (':' + open_type(v['argument']) if 'argument' in v else '')
    if kind in ('returnResult', 'returnResultNotLast'):
        s = '%s:%s' % ('rrl' if kind == 'returnResult' else 'rrnl', iid(v['invokeId']))
        if 'result' in v:
            s += ':%s:%s' % (code(v['result']['opcode']), open_type(v['result']['result']))
        return s
    if kind == 'returnError':
        s = 'rerr:%s:%s' % (iid(v['invokeId']), code(v['errcode']))
        return s + (':' + open_type(v['parameter']) if 'parameter' in v else '')
    if kind == 'reject':
        return 'reject:%s:%s:%d' % (iid(v['invokeId']), v['problem'][0], v['problem'][1])
    raise SystemExit('component %s' % kind)


def external(e):
    s = oid(e['direct-reference']) if 'direct-reference' in e else ''
    kind, v = e['encoding']
    if kind == 'single-ASN1-type':
        return s + '/single/' + open_type(v)
    return s + '/' + kind + '/' + v.hex()


def dialogue(d):
    if d.get('direct-reference') not in (DIALOGUE_AS_ID, (0, 0, 17, 773, 1, 2, 1)):
        return 'userinfo=' + external(d)
    kind, pdu = d['encoding'][1][1]
    parts = [kind]
    if 'application-context-name' in pdu:
        parts.append(oid(pdu['application-context-name']))
    if 'result' in pdu:
        parts.append('r%d' % pdu['result'])
        src, val = pdu['result-source-diagnostic']
        parts.append('%s%d' % ('u' if src == 'dialogue-service-user' else 'p', val))
    if 'abort-source' in pdu:
        parts.append('s%d' % pdu['abort-source'])
    for e in pdu.get('user-information', []):
        parts.append('ui=' + external(e))
    return 'dlg=' + ':'.join(parts)


def summary(val):
    mtype, body = val
    out = [mtype]
    if 'otid' in body:
        out.append('otid=' + body['otid'].hex())
    if 'dtid' in body:
        out.append('dtid=' + body['dtid'].hex())
    if 'dialoguePortion' in body:
        out.append(dialogue(body['dialoguePortion']))
    if 'reason' in body:
        kind, v = body['reason']
        out.append(('pabort=%d' % v) if kind == 'p-abortCause' else dialogue(v))
    if 'components' in body:
        out.append('comps=' + ','.join(component(c) for c in body['components']))
    return ';'.join(out)


def indefinite(b):
    """Re-encodes a definite BER encoding with every constructed element indefinite, except
    SEQUENCE elements (the open-type argument), which pycrate only scans in definite form."""
    out, i = b'', 0
    while i < len(b):
        first = b[i]
        j = i + 1
        if first & 0x1f == 0x1f:
            while b[j] & 0x80:
                j += 1
            j += 1
        tag = b[i:j]
        ln = b[j]
        j += 1
        if ln & 0x80:
            n = ln & 0x7f
            ln = int.from_bytes(b[j:j + n], 'big')
            j += n
        val = b[j:j + ln]
        i = j + ln
        if first & 0x20 and tag != b'\x30':
            out += tag + b'\x80' + indefinite(val) + b'\x00\x00'
        else:
            out += tag + bytes([ln]) + val
    return out


def dlg(kind, body):
    return {'direct-reference': DIALOGUE_AS_ID,
            'encoding': ('single-ASN1-type', ('DialoguePDU', (kind, body)))}


def inv(i, op, arg=None):
    d = {'invokeId': ('present', i), 'opcode': ('local', op)}
    if arg is not None:
        d['argument'] = arg
    return ('basicROS', ('invoke', d))


MESSAGES = [
    ('begin_aarq_invoke', ('begin', {
        'otid': b'\x0a\x0b\x0c\x0d',
        'dialoguePortion': dlg('dialogueRequest', {'protocol-version': (1, 1),
                                                   'application-context-name': CAP2}),
        'components': [inv(1, 0, ('_unk_0116', bytes.fromhex('800101'))),
                       inv(2, 31)]})),
    ('continue_aare', ('continue', {
        'otid': b'\x01\x02', 'dtid': b'\x0a\x0b\x0c\x0d',
        'dialoguePortion': dlg('dialogueResponse', {
            'protocol-version': (1, 1), 'application-context-name': CAP2, 'result': 0,
            'result-source-diagnostic': ('dialogue-service-user', 0)}),
        'components': [('basicROS', ('invoke', {'invokeId': ('present', 5),
                                                'linkedId': ('present', 1),
                                                'opcode': ('local', 23),
                                                'argument': ('_unk_0116', b'')}))]})),
    ('end_results', ('end', {
        'dtid': b'\x01\x02',
        'components': [
            ('basicROS', ('returnResult', {'invokeId': ('present', 1)})),
            ('basicROS', ('returnResult', {'invokeId': ('present', 2), 'result': {
                'opcode': ('local', 9), 'result': ('_unk_0116', bytes.fromhex('800101'))}})),
            ('returnResultNotLast', {'invokeId': ('present', 3), 'result': {
                'opcode': ('local', 9), 'result': ('_unk_004', b'\xca\xfe')}}),
            ('basicROS', ('returnError', {'invokeId': ('present', 4), 'errcode': ('local', 7)})),
            ('basicROS', ('returnError', {'invokeId': ('present', 5), 'errcode': ('local', 11),
                                          'parameter': ('_unk_0010', b'\x02')})),
            ('basicROS', ('reject', {'invokeId': ('present', 6), 'problem': ('invoke', 1)})),
            ('basicROS', ('reject', {'invokeId': ('absent', 0), 'problem': ('general', 2)})),
            ('basicROS', ('reject', {'invokeId': ('present', 7), 'problem': ('returnError', 4)})),
        ]})),
    ('end_aare_rejected', ('end', {
        'dtid': b'\x01\x02\x03\x04',
        'dialoguePortion': dlg('dialogueResponse', {
            'protocol-version': (1, 1), 'application-context-name': CAP2, 'result': 1,
            'result-source-diagnostic': ('dialogue-service-user', 2)})})),
    ('abort_p_abort', ('abort', {'dtid': b'\x01\x02\x03\x04', 'reason': ('p-abortCause', 1)})),
    ('abort_abrt_user_info', ('abort', {'dtid': b'\x01\x02\x03\x04', 'reason': ('u-abortCause', dlg(
        'dialogueAbort', {'abort-source': 0, 'user-information': [
            {'direct-reference': (0, 4, 0, 0, 1, 1, 1, 1),
             'encoding': ('single-ASN1-type', ('_unk_0010', b'\x03'))}]}))})),
    ('abort_bare_external', ('abort', {'dtid': b'\x01', 'reason': ('u-abortCause', {
        'direct-reference': (1, 2, 3), 'encoding': ('octet-aligned', b'\x01\x02')})})),
    ('unidirectional', ('unidirectional', {
        'dialoguePortion': {'direct-reference': (0, 0, 17, 773, 1, 2, 1),
                            'encoding': ('single-ASN1-type', ('UniDialoguePDU', ('unidialoguePDU', {
                                'protocol-version': (1, 1),
                                'application-context-name': CAP2})))},
        'components': [inv(1, 5)]})),
]


# Messages from the peer for the dialogue tests (tests/dialogue.rs). The peer's transaction id
# is 0a0b0c0d; the endpoint under test hands out 00000001, 00000002... in turn.
PEER_TID = b'\x0a\x0b\x0c\x0d'
LOCAL1 = b'\x00\x00\x00\x01'
UNKNOWN = b'\xde\xad\xbe\xef'
INAP = (0, 4, 0, 1, 1, 1, 0, 0)
IDP = ('_unk_0116', bytes.fromhex('800101'))
ERB = ('_unk_0116', bytes.fromhex('a003800107'))
USER_INFO = {'direct-reference': (0, 4, 0, 0, 1, 1, 1, 1),
             'encoding': ('single-ASN1-type', ('_unk_0010', b'\x03'))}


def aarq(ac, version=(1, 1)):
    return dlg('dialogueRequest', {'protocol-version': version, 'application-context-name': ac})


def aare(ac, result=0, diag=('dialogue-service-user', 0)):
    return dlg('dialogueResponse', {'protocol-version': (1, 1), 'application-context-name': ac,
                                    'result': result, 'result-source-diagnostic': diag})


def rrl(i, op=None):
    d = {'invokeId': ('present', i)}
    if op is not None:
        d['result'] = {'opcode': ('local', op), 'result': ('_unk_0116', b'')}
    return ('basicROS', ('returnResult', d))


def rrnl(i, op):
    return ('returnResultNotLast', {'invokeId': ('present', i), 'result': {
        'opcode': ('local', op), 'result': ('_unk_0116', b'')}})


def rerr(i, err):
    return ('basicROS', ('returnError', {'invokeId': ('present', i), 'errcode': ('local', err)}))


def cont(dtid, comps, dialogue=None):
    body = {'otid': PEER_TID, 'dtid': dtid}
    if dialogue is not None:
        body['dialoguePortion'] = dialogue
    if comps:
        body['components'] = comps
    return ('continue', body)


PEER = [
    ('begin_cap_idp', ('begin', {'otid': PEER_TID, 'dialoguePortion': aarq(CAP2),
                                 'components': [inv(1, 0, IDP)]})),
    ('begin_inap_idp', ('begin', {'otid': PEER_TID, 'dialoguePortion': aarq(INAP),
                                  'components': [inv(1, 0, IDP)]})),
    ('begin_version2_only', ('begin', {'otid': PEER_TID, 'dialoguePortion': aarq(CAP2, (1, 2)),
                                       'components': [inv(1, 0, IDP)]})),
    ('begin_aare', ('begin', {'otid': PEER_TID, 'dialoguePortion': aare(CAP2),
                              'components': [inv(1, 0, IDP)]})),
    ('begin_no_dialogue', ('begin', {'otid': PEER_TID, 'components': [inv(1, 0, IDP)]})),
    ('continue_erb', cont(LOCAL1, [inv(2, 24, ERB)])),
    ('continue_unknown', cont(UNKNOWN, [inv(2, 24, ERB)])),
    ('continue_short_dtid', cont(b'\x01', [inv(2, 24, ERB)])),
    ('end_unknown', ('end', {'dtid': UNKNOWN, 'components': [inv(2, 24, ERB)]})),
    ('abort_unknown', ('abort', {'dtid': UNKNOWN, 'reason': ('p-abortCause', 1)})),
    ('continue_rrl1', cont(LOCAL1, [rrl(1)])),
    ('continue_rerr1', cont(LOCAL1, [rerr(1, 7)])),
    ('continue_results', cont(LOCAL1, [rrnl(1, 9), rrl(1, 9), rrl(2), rerr(3, 7), rerr(4, 7)])),
    ('continue_unknown_ids', cont(LOCAL1, [rrl(9), rerr(9, 7)])),
    ('continue_linked', cont(LOCAL1, [
        ('basicROS', ('invoke', {'invokeId': ('present', 5), 'linkedId': ('present', 1),
                                 'opcode': ('local', 23)})),
        ('basicROS', ('invoke', {'invokeId': ('present', 6), 'linkedId': ('present', 42),
                                 'opcode': ('local', 23)}))])),
    ('continue_aare_cap', cont(LOCAL1, [rrl(1)], aare(CAP2))),
    ('continue_aare_inap', cont(LOCAL1, [], aare(INAP))),
    ('continue_no_aare', cont(LOCAL1, [rrl(1)])),
    ('end_rrl1', ('end', {'dtid': LOCAL1, 'components': [rrl(1)]})),
    ('end_aare_cap', ('end', {'dtid': LOCAL1, 'dialoguePortion': aare(CAP2),
                              'components': [rrl(1)]})),
    ('abort_aare_refused', ('abort', {'dtid': LOCAL1, 'reason': ('u-abortCause', aare(
        CAP2, 1, ('dialogue-service-user', 2)))})),
    ('abort_aare_no_common', ('abort', {'dtid': LOCAL1, 'reason': ('u-abortCause', aare(
        CAP2, 1, ('dialogue-service-provider', 2)))})),
    ('abort_abrt_user_info', ('abort', {'dtid': LOCAL1, 'reason': ('u-abortCause', dlg(
        'dialogueAbort', {'abort-source': 0, 'user-information': [USER_INFO]}))})),
    ('abort_abrt_provider', ('abort', {'dtid': LOCAL1, 'reason': ('u-abortCause', dlg(
        'dialogueAbort', {'abort-source': 1}))})),
    ('abort_p_abort', ('abort', {'dtid': LOCAL1, 'reason': ('p-abortCause', 4)})),
    ('abort_bare', ('abort', {'dtid': LOCAL1, 'reason': ('u-abortCause', USER_INFO)})),
    ('abort_empty', ('abort', {'dtid': LOCAL1})),
    ('unidirectional', ('unidirectional', {
        'dialoguePortion': {'direct-reference': (0, 0, 17, 773, 1, 2, 1),
                            'encoding': ('single-ASN1-type', ('UniDialoguePDU', ('unidialoguePDU', {
                                'protocol-version': (1, 1),
                                'application-context-name': CAP2})))},
        'components': [inv(1, 5)]})),
]


def main():
    if sys.argv[1] == 'decode':
        for line in sys.stdin:
            name, hx = line.split()
            TC.from_ber(bytes.fromhex(hx))
            print('%s|%s' % (name, summary(TC.get_val())))
    elif sys.argv[1] == 'peer':
        for name, val in PEER:
            TC.set_val(val)
            print('%s %s' % (name, TC.to_ber().hex()))
    else:
        for name, val in MESSAGES:
            TC.set_val(val)
            enc = TC.to_ber()
            print('%s %s|%s' % (name, enc.hex(), summary(val)))
            if name == 'begin_aarq_invoke':
                ind = indefinite(enc)
                TC.from_ber(ind)
                assert summary(TC.get_val()) == summary(val)
                print('%s_indefinite %s|%s' % (name, ind.hex(), summary(val)))


main()
