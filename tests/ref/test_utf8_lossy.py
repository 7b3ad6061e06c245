"""`dusk detokenize --lossy` (the U+FFFD replacement dusk applies to decoded
text, as HF decode's String::from_utf8_lossy does) against Python's
bytes.decode("utf-8", "replace"), which also replaces each maximal invalid
subpart. Random byte strings drawn mostly from UTF-8 lead and continuation
bytes, turned into GPT-2 byte tokens so decoding reproduces them exactly."""
import json
import os
import random
import subprocess
import sys

DUSK = os.environ.get("DUSK", "build/dusk")
SHARED = os.environ.get("SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
TOK = os.path.join(SHARED, "tokenizers", "gpt2", "tokenizer.json")


def byte_to_unicode():
    """GPT-2's printable stand-in for every byte (written from its definition)."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


def main():
    vocab = json.load(open(TOK, encoding="utf-8"))["model"]["vocab"]
    ids_of = {b: vocab[c] for b, c in byte_to_unicode().items()}
    rng = random.Random(7)
    pool = list(range(0x80, 0xC0)) * 3 + list(range(0xC0, 0x100)) * 2 + list(b"ab .")
    cases = [bytes(rng.choice(pool) for _ in range(rng.randint(1, 24))) for _ in range(3000)]
    # One call for all: an ASCII byte never belongs to an invalid subpart, so
    # newline-separated cases are replaced independently of each other.
    data = b"\n".join(cases)
    ids = " ".join(str(ids_of[b]) for b in data).encode()
    raw = subprocess.run([DUSK, "detokenize", "--tokenizer", TOK], input=ids, capture_output=True, check=True).stdout
    lossy = subprocess.run([DUSK, "detokenize", "--tokenizer", TOK, "--lossy"], input=ids, capture_output=True,
                           check=True).stdout
    failures = int(raw != data)
    got = lossy.split(b"\n")
    if len(got) != len(cases):
        print(f"expected {len(cases)} lines, got {len(got)}")
        sys.exit(1)
    for case, g in zip(cases, got):
        want = case.decode("utf-8", "replace").encode("utf-8")
        if g != want:
            failures += 1
            if failures <= 10:
                print(f"MISMATCH {case!r}: dusk {g!r}, python {want!r}")
    print(f"{len(cases)} random byte strings, {failures} mismatches")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
