"""`dusk mia` against PyTorch: every MIA score of every window (loss, zlib,
Min-K% and Min-K%++ for k = 0.1..1.0) recomputed here in float64 from the
window's token ids with the independent model in llama_torch.py, and the
zlib length from Python's zlib. Tolerance 1e-4 relative (the issue's bar).
Tiny random model over the stories260K vocabulary (512 tokens), text from
the DUSK forget document, 96-token windows so there are several."""
import json
import math
import os
import subprocess
import sys
import tempfile
import zlib

import torch

sys.path.insert(0, os.path.dirname(__file__))
import llama_torch  # noqa: E402
import safetensors_py  # noqa: E402

DUSK = os.environ.get("DUSK", "build/dusk")
SHARED = os.environ.get("SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
TOK = os.path.join(SHARED, "models", "stories260K", "tok512.bin")
DOC = os.path.join(SHARED, "dusk-data", "data", "Prof", "Chronological.txt")
TOL = 1e-4
RATIOS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
CFG = dict(vocab_size=512, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
           num_key_value_heads=2, max_position_embeddings=256, rms_norm_eps=1e-5, rope_theta=10000.0,
           tie_word_embeddings=False, initializer_range=0.3)
failures = []


def run(*args):
    r = subprocess.run([DUSK, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"dusk {' '.join(args)} failed: {r.stderr}")
    return r.stdout


def reference_scores(cfg, params, ids, text):
    """The formulas of the issue, literally, in float64."""
    x = torch.tensor([ids])
    logits, _ = llama_torch.forward(cfg, params, x)
    logp = torch.log_softmax(logits[0, :-1].double(), -1)
    p = logp.exp()
    target = x[0, 1:]
    lp = logp[torch.arange(len(ids) - 1), target]
    mu = (p * logp).sum(-1)
    sigma = ((p * logp * logp).sum(-1) - mu * mu).clamp(min=0).sqrt()
    z = (lp - mu) / (sigma + 1e-6)
    out = {"loss": lp.mean().item()}
    out["zlib"] = out["loss"] / len(zlib.compress(text.encode("utf-8")))
    for name, v in (("mink", lp), ("mink++", z)):
        s = torch.sort(v).values
        for r in RATIOS:
            k = int(len(v) * r)
            out[f"{name}_{r}"] = s[:k].mean().item() if k > 0 else float("nan")
    return out


def main():
    with tempfile.TemporaryDirectory() as tmp:
        cfg_path = os.path.join(tmp, "config.json")
        json.dump(CFG, open(cfg_path, "w"))
        model = os.path.join(tmp, "model")
        run("init", "--config", cfg_path, "--seed", "11", "--out", model)
        full_cfg = json.load(open(os.path.join(model, "config.json")))
        params = {k: v.double() for k, v in safetensors_py.load(os.path.join(model, "model.safetensors")).items()}
        text_path = os.path.join(tmp, "text.txt")
        with open(DOC, encoding="utf-8") as f:
            open(text_path, "w", encoding="utf-8").write(f.read()[:4000])
        lines = run("mia", "--model", model, "--tokenizer", TOK, "--text-file", text_path, "--window", "96",
                    "--ids").strip().split("\n")
        windows = [json.loads(line) for line in lines]
        if len(windows) < 5:
            failures.append(f"only {len(windows)} windows")
        worst = 0.0
        for w in windows:
            ids = w["ids"]
            if ids[0] != 1 or w["tokens"] != len(ids):
                failures.append(f"window {w['window']}: not BOS-prefixed or wrong token count")
            want = reference_scores(full_cfg, params, ids, w["text"])
            for key, v in want.items():
                got = w[key]
                if math.isnan(v):
                    ok = got is None
                else:
                    err = abs(got - v) / max(abs(v), 1e-12)
                    worst = max(worst, err)
                    ok = err <= TOL
                if not ok:
                    failures.append(f"window {w['window']} {key}: dusk {got} vs torch {v}")
        print(f"{len(windows)} windows x {len(want)} scores, worst relative error {worst:.2e}")
    if failures:
        print("FAILED:", *failures[:20], sep="\n  ")
        sys.exit(1)
    print("all MIA scores within", TOL)


if __name__ == "__main__":
    main()
