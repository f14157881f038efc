"""Independent check of callctl-inap's CAP encodings with pycrate's CAP module
(pycrate_asn1dir.TCAP_CAP, 3GPP TS 29.078).

  decode: stdin lines "<opcode> <arg|res> <hex>"; prints one JSON object per line:
          {"opcode", "value": <pycrate JSON of the value>, "reencoded": <hex of pycrate's BER>}
  encode: prints "<opcode> <arg|res> <hex>" lines for values built here with pycrate, for
          the operations a gsmSSF / gsmSRF sends to the gsmSCF.
"""
import json
import sys

from pycrate_asn1dir import TCAP_CAP


def operation_types():
    """opcode -> (argument type, result type) from the CAP operation set."""
    table = {}
    for op in TCAP_CAP.TCAP_CAP_Messages.AllCAPInvokable._val.root:
        code = op['operationCode'][1]
        table[code] = (op.get('ArgumentType'), op.get('ResultType'))
    return table


TYPES = operation_types()


def decode(lines):
    for line in lines:
        line = line.strip()
        if not line:
            continue
        code, kind, hexed = (line.split() + [''])[:3]
        arg, res = TYPES[int(code)]
        typ = arg if kind == 'arg' else res
        typ.from_ber(bytes.fromhex(hexed))
        value = json.loads(typ.to_jer())
        print(json.dumps({'opcode': int(code), 'value': value,
                          'reencoded': typ.to_ber().hex()}))


def encode():
    cause_normal = b'\x80\x90'
    values = [
        (0, 'arg', {
            'serviceKey': 7,
            'calledPartyNumber': b'\x84\x10\x94\x03\x21\x43\x65\x07',
            'callingPartyNumber': b'\x83\x13\x46\x12\x11\x32\x54',
            'callingPartysCategory': b'\x0a',
            'eventTypeBCSM': 'collectedInfo',
            'iMSI': b'\x35\x00\x01\x21\x43\x65\x87\xf9',
            'mscAddress': b'\x91\x46\x12\x00\x00\x99',
            'calledPartyBCDNumber': b'\x81\x20\x21\x43\x65\x87',
            'bearerCapability': ('bearerCap', b'\x80\x90\xa3'),
        }),
        (24, 'arg', {
            'eventTypeBCSM': 'oDisconnect',
            'eventSpecificInformationBCSM': ('oDisconnectSpecificInfo', {'releaseCause': cause_normal}),
            'legID': ('receivingSideID', b'\x01'),
            'miscCallInfo': {'messageType': 'notification'},
        }),
        (36, 'arg', bytes.fromhex('a00ea003810101a104800201f4820100')),
        (44, 'arg', {
            'requestedInformationList': [
                {'requestedInformationType': 'callConnectedElapsedTime',
                 'requestedInformationValue': ('callConnectedElapsedTimeValue', 4321)},
                {'requestedInformationType': 'releaseCause',
                 'requestedInformationValue': ('releaseCauseValue', cause_normal)},
            ],
            'legID': ('receivingSideID', b'\x02'),
        }),
        (48, 'res', ('digitsResponse', b'\x00\x21\x43')),
        (49, 'arg', ('allAnnouncementsComplete', 0)),
    ]
    for code, kind, value in values:
        arg, res = TYPES[code]
        typ = arg if kind == 'arg' else res
        typ.set_val(value)
        print('%d %s %s' % (code, kind, typ.to_ber().hex()))


if __name__ == '__main__':
    if sys.argv[1] == 'decode':
        decode(sys.stdin.readlines())
    else:
        encode()
