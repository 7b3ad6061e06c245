"""dusk's shortest float formatter (json_format_float, and a float put into a
cJSON tree with json_create_float then printed by json_print_exact) against
numpy's shortest float32 repr.

For every value -- random float32 bit patterns, subnormals, powers of two and
their neighbours (where the gap below is half the gap above), powers of ten,
and decimals users type (1e-3, 0.9, 1e-05, 3e38, ...) -- both strings dusk
prints must read back with C's strtof (through ctypes, not dusk) as the same
float bit for bit, and be the same decimal number as
np.format_float_scientific(np.float32(x), unique=True): the shortest digit
string that reads back, the closest one when several have that length.
"""
import ctypes
import os
import random
import struct
import subprocess
import sys
from decimal import Decimal

import numpy as np

DUSK = os.environ["DUSK"]
HELPER = os.path.join(os.path.dirname(os.path.abspath(DUSK)), "tests", "test_json_float")

LIBC = ctypes.CDLL(None)
LIBC.strtof.restype = ctypes.c_float
LIBC.strtof.argtypes = [ctypes.c_char_p, ctypes.c_void_p]


def bits_of(f32):
    return struct.unpack("<I", struct.pack("<f", float(f32)))[0]


def strtof_bits(text):
    return bits_of(LIBC.strtof(text.encode(), None))


def typed_values():
    words = ["1e-3", "0.9", "0.999", "0.95", "1e-05", "1e-5", "1e-6", "1e-8", "2e-5", "5e-5", "3e-4",
             "0.02", "0.01", "0.1", "0.3", "0.7", "2.5", "500000.0", "10000.0", "1e6", "1e10", "3e38",
             "3.4028235e38", "1.17549435e-38", "1e-45", "1e-40", "0.0", "-0.0", "-0.5", "123456789",
             "16777216", "16777217", "33554436", "0.1234567891"]
    return [np.float32(w) for w in words]


def all_values(rng):
    vals = typed_values()
    for e in range(-149, 128):
        p = np.float32(2.0) ** np.float32(e) if e >= -126 else np.float32(2.0 ** e)
        vals += [p, np.nextafter(p, np.float32(0)), np.nextafter(p, np.float32(np.inf))]
    for e in range(-45, 39):
        t = np.float32(10.0 ** e)
        if np.isfinite(t):
            vals += [t, np.nextafter(t, np.float32(0)), np.nextafter(t, np.float32(np.inf))]
    for _ in range(60000):  # random bit patterns, finite only
        u = rng.getrandbits(32)
        f = np.frombuffer(struct.pack("<I", u), dtype=np.float32)[0]
        if np.isfinite(f):
            vals.append(f)
    for _ in range(5000):  # subnormals
        vals.append(np.frombuffer(struct.pack("<I", rng.randrange(1, 1 << 23)), dtype=np.float32)[0])
    return vals


def main():
    rng = random.Random(20261128)
    vals = all_values(rng)
    stdin = "".join("%08x\n" % bits_of(v) for v in vals)
    out = subprocess.run([HELPER, "--stdin"], input=stdin, capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert len(lines) == len(vals), (len(lines), len(vals))
    bad = 0
    for v, line in zip(vals, lines):
        plain, tree = line.split(" ")
        want = np.format_float_scientific(v, unique=True)
        for what, s in (("json_format_float", plain), ("json_print_exact", tree)):
            ok = strtof_bits(s) == bits_of(v) and Decimal(s) == Decimal(want)
            if not ok:
                bad += 1
                if bad <= 20:
                    print("MISMATCH %s: float %r (bits %08x): dusk %s, numpy %s" % (what, v, bits_of(v), s, want))
    # the decimals users type come out as typed
    for text, want in (("1e-3", "0.001"), ("0.9", "0.9"), ("1e-05", "1e-05"), ("500000.0", "500000"),
                       ("0.02", "0.02"), ("3e38", "3e+38")):
        got = lines[[bits_of(v) for v in vals].index(bits_of(np.float32(text)))].split(" ")
        if got != [want, want]:
            bad += 1
            print("MISMATCH typed %s: dusk %s, want %s" % (text, got, want))
    print("%d float32 values: %d mismatches against numpy's shortest repr" % (len(vals), bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
