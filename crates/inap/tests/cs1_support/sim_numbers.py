"""Cross-check of callctl-inap number codecs with the SSP simulator's independent codecs.

Reads lines "codec<TAB>friendly-json<TAB>our-hex" on stdin. For each line prints
"sim-hex<TAB>key=value;key=value..." : the simulator's encoding of the friendly value, and
its decoding of our octets (keys sorted, the 'hex' key left out).
"""
import json
import os
import sys

SHARED = os.environ.get('SSP_SIM_DIR') or os.path.join(
    os.path.dirname(__file__), '..', '..', '..', '..', '..', 'shared', 'tools', 'ssp-sim')
sys.path.insert(0, os.path.abspath(SHARED))
from sspsim import numbers  # noqa: E402

for line in sys.stdin:
    line = line.rstrip('\n')
    if not line:
        continue
    codec, friendly, ours = line.split('\t')
    enc, dec = numbers.CODECS[codec]
    sim_hex = enc(json.loads(friendly)).hex()
    decoded = dec(bytes.fromhex(ours))
    fields = ';'.join('%s=%s' % (k, decoded[k]) for k in sorted(decoded) if k != 'hex')
    print('%s\t%s' % (sim_hex, fields))
