"""Bridge to the SSP simulator's INAP CS-1 module (pycrate, compiled from its own ASN.1).

stdin lines:
  decode<TAB>Operation<TAB>hex          decode an argument with the simulator
  decode_result<TAB>Operation<TAB>hex   decode a result
  encode<TAB>Operation<TAB>json         encode a friendly argument value
  encode_result<TAB>Operation<TAB>json  encode a friendly result value
stdout: one line per input: "ok<TAB>..." with, for decodes, the decoded value flattened to
"path=value" pairs joined by ';' (sorted), and for encodes the hex; or "err<TAB>message".
"""
import json
import os
import sys

SHARED = os.environ.get('SSP_SIM_DIR') or os.path.join(
    os.path.dirname(__file__), '..', '..', '..', '..', '..', 'shared', 'tools', 'ssp-sim')
sys.path.insert(0, os.path.abspath(SHARED))
from sspsim import ops, values  # noqa: E402

PROTO = ops.protocol('inap-cs1')


def flatten(v, path, out):
    if isinstance(v, dict):
        for k, x in v.items():
            flatten(x, '%s.%s' % (path, k) if path else k, out)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            flatten(x, '%s.%d' % (path, i), out)
    else:
        out.append('%s=%s' % (path, v))


def main():
    for line in sys.stdin:
        line = line.rstrip('\n')
        if not line:
            continue
        mode, name, data = line.split('\t', 2)
        op = PROTO.op(name)
        try:
            if mode == 'decode':
                if op.arg is None:
                    val = {}
                else:
                    val = values.decode_arg(PROTO, op, values.strict_ber_decode(op.arg, bytes.fromhex(data)))
            elif mode == 'decode_result':
                val = values.from_asn(values.strict_ber_decode(op.res, bytes.fromhex(data)),
                                      op.name + 'Result', PROTO)
            elif mode == 'encode':
                typ_val = values.encode_arg(PROTO, op, json.loads(data))
                if typ_val is None:
                    print('ok\t')
                    continue
                typ, val = typ_val
                typ.set_val(val)
                print('ok\t' + typ.to_ber().hex())
                continue
            elif mode == 'encode_result':
                typ, val = values.encode_res(PROTO, op, json.loads(data))
                typ.set_val(val)
                print('ok\t' + typ.to_ber().hex())
                continue
            else:
                raise ValueError('unknown mode %r' % mode)
            out = []
            flatten(val, '', out)
            print('ok\t' + ';'.join(sorted(out)))
        except Exception as e:  # report, the Rust test fails with the message
            print('err\t%s: %s' % (type(e).__name__, str(e).replace('\n', ' ')))


main()
