"""dusk's safetensors reader, writer and BF16/F16 conversions against PyTorch.

torch tensors written by tests/ref/safetensors_py.py (a reader/writer
independent of dusk; no `safetensors` package exists for Debian's Python)
must be described exactly by `dusk inspect` (names, dtypes, shapes, sha256 of
the bytes, fp64 sums compared with math.fsum). In the other direction,
`dusk inspect --rewrite` re-saves files in F32/BF16/F16: they must parse with
safetensors_py.load, keep the reference layout (padded header, contiguous
data; checked separately) and hold bit-for-bit what torch's .to(dtype) gives
(NaN only needs to stay NaN: torch's own NaN bits differ between its scalar
and vector paths). Covers every 16-bit pattern and ~1M random fp32 patterns
plus exact rounding ties, subnormals and overflow boundaries."""
import hashlib
import json
import math
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_py  # noqa: E402

DUSK = os.environ.get("DUSK", "build/dusk")
NAMES = {torch.float32: "F32", torch.bfloat16: "BF16", torch.float16: "F16"}
DTYPES = {v: k for k, v in NAMES.items()}
failures = []
n_checks = [0]


def check(cond, what):
    n_checks[0] += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def raw_bytes(t):
    return t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""


def check_layout(path):
    """The reference layout for a file dusk wrote: header padded with spaces
    to a multiple of 8 bytes, data contiguous in header order, nothing extra.
    Returns the __metadata__ (safetensors_py.load drops it)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    check(n % 8 == 0, f"{path}: header length {n} is not a multiple of 8")
    text = data[8:8 + n].decode("utf-8")
    check(text.rstrip(" ").endswith("}") and len(text) - len(text.rstrip(" ")) < 8, f"{path}: header padding")
    header = json.loads(text)
    meta = header.pop("__metadata__", None)
    off = 0
    for name, info in header.items():
        b, e = info["data_offsets"]
        check(b == off, f"{path}: tensor {name} starts at {b}, previous ended at {off}")
        off = e
    check(8 + n + off == len(data), f"{path}: {len(data) - 8 - n - off} stray bytes after the data")
    return meta


def load_dusk_file(path):
    """(tensors via safetensors_py.load, metadata) of a file dusk wrote."""
    meta = check_layout(path)
    return safetensors_py.load(path), meta


def run(*args, expect_ok=True):
    p = subprocess.run([DUSK, *args], capture_output=True, text=True)
    if expect_ok and p.returncode != 0:
        sys.exit(f"dusk {' '.join(args)} failed ({p.returncode}): {p.stderr}")
    return p


def inspect(path, *extra):
    out = run("inspect", "--sha256", path, *extra).stdout
    return [json.loads(line) for line in out.splitlines()]


def exact_sum(t):
    vals = t.float().double().flatten().tolist()
    return math.fsum(vals) if all(math.isfinite(v) for v in vals) else None


def compare_listing(label, listing, tensors):
    check([r["name"] for r in listing] == sorted(tensors), f"{label}: names {[r['name'] for r in listing]}")
    for r in listing:
        t = tensors.get(r["name"])
        if t is None:
            continue
        check(r["dtype"] == NAMES[t.dtype], f"{label}/{r['name']}: dtype {r['dtype']}")
        check(r["shape"] == list(t.shape), f"{label}/{r['name']}: shape {r['shape']}")
        check(r["sha256"] == hashlib.sha256(raw_bytes(t)).hexdigest(), f"{label}/{r['name']}: sha256")
        want = exact_sum(t)
        if want is None:
            check(r["sum"] is None, f"{label}/{r['name']}: sum {r['sum']} of non-finite values")
        else:
            scale = float(t.float().double().abs().sum()) + 1e-300
            check(r["sum"] is not None and abs(r["sum"] - want) <= 1e-12 * scale,
                  f"{label}/{r['name']}: sum {r['sum']} vs {want}")


def sample_tensors(gen):
    ts = {
        "model.embed_tokens.weight": torch.randn(37, 16, generator=gen),
        "layers.0.attn.q_proj.weight": torch.randn(16, 16, generator=gen).to(torch.bfloat16),
        "layers.0.norm.weight": (torch.rand(16, generator=gen) * 3).to(torch.float16),
        "scalar": torch.tensor(2.5),
        "empty": torch.empty(0, 4, dtype=torch.bfloat16),
        "four.d": torch.randn(2, 3, 1, 5, generator=gen).to(torch.float16),
        "naïve \"quoted\" name": torch.randn(3, generator=gen),
        "has_inf": torch.tensor([1.0, float("inf")], dtype=torch.float16),
    }
    return ts


def test_read(tmp, gen):
    ts = sample_tensors(gen)
    path = os.path.join(tmp, "torch.safetensors")
    safetensors_py.save(path, ts, {"format": "pt", "note": "written by torch"})
    compare_listing("torch file", inspect(path), ts)
    # the same tensors as an HF checkpoint sharded by hand
    hf = os.path.join(tmp, "hf_by_torch")
    os.mkdir(hf)
    names = list(ts)
    shards = {"model-00001-of-00002.safetensors": names[:3], "model-00002-of-00002.safetensors": names[3:]}
    weight_map = {}
    for fname, members in shards.items():
        safetensors_py.save(os.path.join(hf, fname), {n: ts[n] for n in members}, {"format": "pt"})
        weight_map.update({n: fname for n in members})
    with open(os.path.join(hf, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": 0}, "weight_map": weight_map}, f, indent=2, sort_keys=True)
    compare_listing("torch shards", inspect(hf), ts)


def bits_equal(label, got, want):
    """Bit-for-bit, except that a NaN only has to be some NaN."""
    got, want = got.flatten(), want.flatten()
    check(got.dtype == want.dtype and got.shape == want.shape, f"{label}: dtype/shape")
    g = got.view(torch.int16 if got.element_size() == 2 else torch.int32)
    w = want.view(g.dtype)
    nan = torch.isnan(want.float())
    same = (g == w) | (nan & torch.isnan(got.float()))
    bad = int((~same).sum())
    mask = 0xFFFF if got.element_size() == 2 else 0xFFFFFFFF
    if bad:
        i = int((~same).nonzero()[0][0])
        check(False, f"{label}: {bad} values differ, first at {i}: {int(g[i]) & mask:#x} vs {int(w[i]) & mask:#x}")
    check(int(nan.sum()) == int(torch.isnan(got.float()).sum()), f"{label}: NaN count")


def f32_from_bits(bits):
    return torch.from_numpy(np.asarray(bits, dtype=np.uint32).view(np.float32).copy())


def tricky_f32(gen):
    """Random bit patterns plus, for every 16-bit pattern of each format, the
    value itself, the tie to its successor and the floats either side."""
    rnd = torch.randint(0, 2**32, (1 << 20,), generator=gen, dtype=torch.int64).numpy().astype(np.uint32)
    parts = [f32_from_bits(rnd)]
    for dt in (torch.bfloat16, torch.float16):
        pats = torch.arange(0, 65536, dtype=torch.int32).to(torch.int16).view(dt).double()
        finite = pats[torch.isfinite(pats)]
        finite = finite.unique()
        mids = ((finite[:-1] + finite[1:]) / 2).float()
        parts += [finite.float(), mids, torch.nextafter(mids, torch.full_like(mids, math.inf)),
                  torch.nextafter(mids, torch.full_like(mids, -math.inf))]
    parts.append(torch.tensor([65504.0, 65519.99, 65520.0, 65536.0, 3.4028235e38, -3.4028235e38, 2.0**-25,
                               2.0**-24, 2.0**-149, -0.0, math.inf, -math.inf, math.nan]))
    return torch.cat(parts)


def test_conversions(tmp, gen):
    x = tricky_f32(gen)
    src = os.path.join(tmp, "tricky.safetensors")
    safetensors_py.save(src, {"x": x, "small": torch.tensor([1.0, -2.5, 3.0e-5])})
    for dt in (torch.float32, torch.bfloat16, torch.float16):
        out = os.path.join(tmp, f"dusk_{NAMES[dt]}.safetensors")
        run("inspect", src, "--rewrite", out, "--dtype", NAMES[dt].lower())
        got, _ = load_dusk_file(out)
        check(sorted(got) == ["small", "x"], f"rewrite {NAMES[dt]}: names {sorted(got)}")
        check(got["x"].dtype == dt and got["x"].shape == x.shape, f"rewrite {NAMES[dt]}: dtype/shape")
        bits_equal(f"f32 -> {NAMES[dt]}", got["x"], x.to(dt))
    # every 16-bit pattern decoded to f32
    for dt in (torch.bfloat16, torch.float16):
        pats = torch.arange(0, 65536, dtype=torch.int32).to(torch.int16).view(dt).reshape(256, 256)
        path = os.path.join(tmp, f"all_{NAMES[dt]}.safetensors")
        safetensors_py.save(path, {"all": pats})
        out = os.path.join(tmp, f"all_{NAMES[dt]}_to_f32.safetensors")
        run("inspect", path, "--rewrite", out, "--dtype", "f32")
        got, _ = load_dusk_file(out)
        bits_equal(f"{NAMES[dt]} -> f32", got["all"], pats.float())
        # and back to the same dtype: every non-NaN pattern survives exactly
        back = os.path.join(tmp, f"all_{NAMES[dt]}_back.safetensors")
        run("inspect", out, "--rewrite", back, "--dtype", NAMES[dt].lower())
        bits_equal(f"{NAMES[dt]} -> f32 -> {NAMES[dt]}", load_dusk_file(back)[0]["all"], pats)


def test_write(tmp, gen):
    ts = sample_tensors(gen)
    src = os.path.join(tmp, "src.safetensors")
    safetensors_py.save(src, ts, {"format": "pt", "k": "v"})
    out = os.path.join(tmp, "same.safetensors")
    run("inspect", src, "--rewrite", out)
    got, meta = load_dusk_file(out)
    check(meta == {"format": "pt", "k": "v"}, f"metadata kept: {meta}")
    for name, t in ts.items():
        check(name in got and got[name].dtype == t.dtype and torch.equal(raw_bytes_t(got[name]), raw_bytes_t(t)),
              f"rewrite keeps {name} bit for bit")
    # sharded HF directory, as save_pretrained would split it
    hf = os.path.join(tmp, "hf_by_dusk")
    run("inspect", src, "--rewrite", hf, "--max-shard-bytes", "1200")
    with open(os.path.join(hf, "model.safetensors.index.json")) as f:
        index = json.load(f)
    sizes = {n: t.numel() * t.element_size() for n, t in ts.items()}
    check(index["metadata"]["total_size"] == sum(sizes.values()), f"total_size {index['metadata']}")
    check(set(index["weight_map"]) == set(ts), "weight_map lists every tensor")
    shard_files = sorted(set(index["weight_map"].values()))
    n = len(shard_files)
    check(n >= 2 and shard_files == [f"model-{i:05d}-of-{n:05d}.safetensors" for i in range(1, n + 1)],
          f"shard names {shard_files}")
    check(not os.path.exists(os.path.join(hf, "model.safetensors")), "no model.safetensors beside shards")
    seen = {}
    for fname in shard_files:
        got, meta = load_dusk_file(os.path.join(hf, fname))
        check(meta == {"format": "pt"}, f"{fname} metadata {meta}")
        shard_bytes = sum(sizes[k] for k in got)
        check(shard_bytes <= 1200 or len(got) == 1, f"{fname} holds {shard_bytes} bytes")
        for name, t in got.items():
            check(index["weight_map"].get(name) == fname, f"{name} is in {fname} as the index says")
            seen[name] = t
    for name, t in ts.items():
        check(name in seen and torch.equal(raw_bytes_t(seen[name]), raw_bytes_t(t)), f"shard value {name}")
    compare_listing("dusk shards", inspect(hf), ts)


def raw_bytes_t(t):
    return torch.frombuffer(bytearray(raw_bytes(t)) or bytearray(1), dtype=torch.uint8)


def test_errors(tmp):
    good = os.path.join(tmp, "good.safetensors")
    safetensors_py.save(good, {"w": torch.randn(4, 4)})
    data = open(good, "rb").read()
    cases = {
        "truncated": data[:-5],
        "short": data[:5],
        "header_len": struct.pack("<Q", 10**6) + data[8:],
        "not_json": struct.pack("<Q", 8) + b"{nope!!}" + data[8:],
        "i64": None,
    }
    hdr = json.dumps({"ids": {"dtype": "I64", "shape": [2], "data_offsets": [0, 16]}}).encode()
    cases["i64"] = struct.pack("<Q", len(hdr)) + hdr + bytes(16)
    for label, blob in cases.items():
        path = os.path.join(tmp, f"bad_{label}.safetensors")
        with open(path, "wb") as f:
            f.write(blob)
        out = os.path.join(tmp, f"bad_{label}_out.safetensors")
        p = run("inspect", path, "--rewrite", out, expect_ok=False)
        check(p.returncode != 0, f"bad file {label}: exit {p.returncode}")
        check(path in p.stderr, f"bad file {label}: message names the file: {p.stderr.strip()}")
        check("Sanitizer" not in p.stderr and "runtime error" not in p.stderr, f"bad file {label}: crash")
        check(p.stdout == "" and not os.path.exists(out), f"bad file {label}: nothing written")
    out = os.path.join(tmp, "never.safetensors")
    bad_options = {
        "unknown option": ["--bogus"],
        "bad dtype": ["--rewrite", out, "--dtype", "q8"],
        "dtype without rewrite": ["--dtype", "bf16"],
        "shard size for a single file": ["--rewrite", out, "--max-shard-bytes", "100"],
        "negative shard size": ["--rewrite", os.path.join(tmp, "never_dir"), "--max-shard-bytes", "-1"],
        "two paths": [good],
    }
    for label, extra in bad_options.items():
        p = run("inspect", good, *extra, expect_ok=False)
        check(p.returncode != 0 and p.stderr.strip() != "", f"{label}: exit {p.returncode}, '{p.stderr.strip()}'")
        check(p.stdout == "" and not os.path.exists(out), f"{label}: nothing printed or written")
        check("Sanitizer" not in p.stderr and "runtime error" not in p.stderr, f"{label}: crash")


def main():
    gen = torch.Generator().manual_seed(1234)
    with tempfile.TemporaryDirectory() as tmp:
        test_read(tmp, gen)
        test_conversions(tmp, gen)
        test_write(tmp, gen)
        test_errors(tmp)
    if failures:
        sys.exit(f"{len(failures)} of {n_checks[0]} checks failed")
    print(f"safetensors vs torch: {n_checks[0]} checks passed")


if __name__ == "__main__":
    main()
