"""PrivLeak and RetainDeviation of `dusk eval --only mia` with two different
models against a PyTorch + sklearn reference of the DUSK release
(eval.py / metrics/mia_eval.py of AI-ISL/DUSK):

  PrivLeak        = (AUC_t[forget_holdout_mink++_0.4] - AUC_r[same]) / AUC_r[same] * 100
  RetainDeviation = |AUC_t[holdout_retainmink++_0.4] - AUC_r[same]| / AUC_r[same] * 100

(the release's key spellings: no underscore between "retain" and "mink" in
the second), where AUC(a, b) = roc_auc_score with a labelled 0 and b
labelled 1 (the release's roc_curve + auc), and mink++_0.4 of a window = the
mean of the int(0.4 (n-1)) smallest (lp - mu) / (sigma + 1e-6), recomputed
here in float64 with tests/ref/llama_torch.py.

The window ids come from `dusk mia --ids` (the cutting recipe itself is
proven id for id against HF tokenizers by tests/node/test_data_reference.sh);
the scores, AUROCs and the two metrics are the reference's own.
Target and retrain are random tiny models with different seeds over the
stories260K vocabulary (512), on the DUSK texts cut to their first 6,000
characters, with 64-token windows so each set has many windows.

Also: a retrain table without one of the keys, or with a zero AUROC, is
refused with the file and key named, exit != 0, no output directory, and
before any model work (a missing --model is not what it complains about)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import torch
from sklearn.metrics import roc_auc_score

sys.path.insert(0, os.path.dirname(__file__))
import llama_torch  # noqa: E402
import safetensors_py  # noqa: E402

DUSK = os.environ.get("DUSK", "build/dusk")
SHARED = os.environ.get("SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
DATA = os.path.join(SHARED, "dusk-data", "data", "Prof")
TOK = os.path.join(SHARED, "models", "stories260K", "tok512.bin")
WINDOW = 64
CHARS = 6000
DOCS = ["Chronological", "Feature_Story", "Interview", "Inverted_Pyramid", "Listicle"]  # Chronological = forget
CFG = dict(vocab_size=512, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
           num_key_value_heads=2, max_position_embeddings=256, rms_norm_eps=1e-5, rope_theta=10000.0,
           tie_word_embeddings=False, initializer_range=0.3)
FH, HR = "forget_holdout_mink++_0.4", "holdout_retainmink++_0.4"
failures = []


def run(*args, ok=True):
    r = subprocess.run([DUSK, *args], capture_output=True, text=True)
    if ok and r.returncode != 0:
        raise RuntimeError(f"dusk {' '.join(args)} failed: {r.stderr}")
    return r


def minkpp(cfg, params, ids, ratio=0.4):
    x = torch.tensor([ids])
    logits, _ = llama_torch.forward(cfg, params, x)
    logp = torch.log_softmax(logits[0, :-1], -1)
    p = logp.exp()
    lp = logp[torch.arange(len(ids) - 1), x[0, 1:]]
    mu = (p * logp).sum(-1)
    sigma = (p * logp * logp).sum(-1) - mu * mu
    z = (lp - mu) / (sigma.sqrt() + 1e-6)
    k = int(len(z) * ratio)
    return torch.sort(z).values[:k].mean().item()


def auc(a, b):
    return roc_auc_score([0] * len(a) + [1] * len(b), a + b)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        os.makedirs(os.path.join(data, "eval"))
        files = {d: os.path.join(data, f"{d}.txt") for d in DOCS}
        files["holdout"] = os.path.join(data, "eval", "holdout.txt")
        for name, path in files.items():
            src = os.path.join(DATA, "eval", "holdout.txt") if name == "holdout" else os.path.join(DATA, f"{name}.txt")
            with open(src, encoding="utf-8") as f:
                open(path, "w", encoding="utf-8").write(f.read()[:CHARS])
        json.dump(CFG, open(os.path.join(tmp, "config.json"), "w"))
        models, outs = {}, {}
        for role, seed in (("retrain", 21), ("target", 22)):
            models[role] = os.path.join(tmp, role)
            run("init", "--config", os.path.join(tmp, "config.json"), "--seed", str(seed), "--out", models[role])
        common = ["--tokenizer", TOK, "--data", data, "--only", "mia", "--mia-window", str(WINDOW), "--threads", "1"]
        outs["retrain"] = os.path.join(tmp, "eval-retrain")
        run("eval", "--model", models["retrain"], "--out", outs["retrain"], *common)
        outs["target"] = os.path.join(tmp, "eval-target")
        run("eval", "--model", models["target"], "--out", outs["target"], "--retrain-eval", outs["retrain"], *common)

        # the reference: window ids from dusk mia --ids, everything else here
        windows = {}
        for name, path in files.items():
            lines = run("mia", "--model", models["retrain"], "--tokenizer", TOK, "--text-file", path, "--window",
                        str(WINDOW), "--ids", "--threads", "1").stdout.strip().split("\n")
            windows[name] = [json.loads(line)["ids"] for line in lines]
        full_cfg = json.load(open(os.path.join(models["retrain"], "config.json")))
        ref_auc = {}
        for role in ("retrain", "target"):
            params = {k: v.double() for k, v in
                      safetensors_py.load(os.path.join(models[role], "model.safetensors")).items()}
            with torch.no_grad():
                score = {n: [minkpp(full_cfg, params, ids) for ids in w] for n, w in windows.items()}
            forget = score["Chronological"]
            retain = [s for d in DOCS[1:] for s in score[d]]
            ref_auc[role] = {FH: auc(forget, score["holdout"]), HR: auc(score["holdout"], retain)}
            got = json.load(open(os.path.join(outs[role], "mia_auroc.json")))
            for key in (FH, HR):
                if abs(got[key] - ref_auc[role][key]) > 1e-12:
                    failures.append(f"{role} {key}: dusk {got[key]} vs sklearn {ref_auc[role][key]}")
            print(f"{role}: windows forget {len(forget)} retain {len(retain)} holdout {len(score['holdout'])}; "
                  f"AUROC {FH} {ref_auc[role][FH]:.6f}, {HR} {ref_auc[role][HR]:.6f}")
        t, r = ref_auc["target"], ref_auc["retrain"]
        want_pl = (t[FH] - r[FH]) / r[FH] * 100
        want_rd = abs((t[HR] - r[HR]) / r[HR]) * 100
        summary = json.load(open(os.path.join(outs["target"], "summary.json")))
        for name, got, want in (("privleak", summary["privleak"], want_pl),
                                ("retain_deviation", summary["retain_deviation"], want_rd)):
            if abs(got - want) > 1e-9 * max(1.0, abs(want)):
                failures.append(f"{name}: dusk {got!r} vs reference {want!r}")
            if want == 0:
                failures.append(f"{name} is 0 for two different models: the check is vacuous")
        print(f"privleak dusk {summary['privleak']!r} reference {want_pl!r}; "
              f"retain_deviation dusk {summary['retain_deviation']!r} reference {want_rd!r}")
        check_bad_retrain(tmp, outs["retrain"], models["target"], common)
    if failures:
        print("FAILED:", *failures, sep="\n  ")
        sys.exit(1)
    print("test_privleak_torch: OK")


def check_bad_retrain(tmp, good, model, common):
    table = json.load(open(os.path.join(good, "mia_auroc.json")))
    cases = []
    for key in (FH, HR):
        missing = dict(table)
        del missing[key]
        cases.append((f"no {key}", missing, key, "no number"))
    zero = dict(table)
    zero[FH] = 0
    cases.append(("zero AUROC", zero, FH, "is 0"))
    for label, content, key, words in cases:
        bad = os.path.join(tmp, "bad-retrain")
        shutil.rmtree(bad, ignore_errors=True)
        os.makedirs(bad)
        path = os.path.join(bad, "mia_auroc.json")
        json.dump(content, open(path, "w"))
        for m in (model, os.path.join(tmp, "no-such-model")):  # the second shows the check comes first
            out = os.path.join(tmp, "bad-out")
            r = run("eval", "--model", m, "--out", out, "--retrain-eval", bad, *common, ok=False)
            msg = r.stderr.strip()
            if r.returncode == 0 or path not in msg or key not in msg or words not in msg:
                failures.append(f"{label}: exit {r.returncode}, message {msg!r}")
            if os.path.exists(out):
                failures.append(f"{label}: the failing run wrote {out}")
        print(f"refused ({label}): {msg}")


if __name__ == "__main__":
    main()
