"""Invariants of `dusk unlearn`: the same seed gives a bit-identical
checkpoint (and another seed does not); RMU leaves every tensor except the
three trained down_proj matrices bit-identical; TV equals
theta0 - alpha (theta_ft - theta0) computed here in float32 from a separate
`dusk finetune` with the same seed; TAU equals SGA followed by TV (two
separate `dusk unlearn` runs), tensor for tensor, byte for byte; RMU's
control vector (run.json training.rmu_control) is one vector for every
micro-batch by default, the one `dusk grad --objective RMU` draws from the
same seed, and a new vector of norm c at every micro-batch under --compat
release; NPO and NPO+KL's first step, whose model is still the reference
(the warmup's learning rate is 0 there), gives (2/beta) ln 2 for each of its
micro-batches (the reference's fused head is refreshed for each batch); bad
input (unknown method, a reference of another shape) fails before any work
with a clear message."""
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_py  # noqa: E402

DUSK = os.environ.get("DUSK", "build/dusk")
failures = []


def run(*args, ok=True):
    r = subprocess.run([DUSK, *args], capture_output=True, text=True)
    if ok and r.returncode != 0:
        raise RuntimeError(f"dusk {' '.join(args)} failed: {r.stderr}")
    return r


def check(cond, what):
    print(f"  {'ok ' if cond else 'BAD'} {what}")
    if not cond:
        failures.append(what)


def tensor_bytes(d):
    return {k: v.numpy().tobytes() for k, v in safetensors_py.load(f"{d}/model.safetensors").items()}


def check_tau(t, common):
    """TAU = SGA for --sga-epochs, then TV (fine-tune + negate) from the SGA model."""
    i = common.index("--epochs")
    base = common[:i] + common[i + 2:]  # each stage sets its own epochs
    tau = ["--sga-epochs", "3", "--epochs", "2", "--tv-alpha", "0.5", "--seed", "7"]
    run("unlearn", "--model", f"{t}/m0", "--method", "TAU", *base, *tau, "--out", f"{t}/tau")
    run("unlearn", "--model", f"{t}/m0", "--method", "SGA", *base, "--epochs", "3", "--seed", "7", "--out", f"{t}/sga")
    run("unlearn", "--model", f"{t}/sga", "--method", "TV", *base, "--epochs", "2", "--tv-alpha", "0.5", "--seed", "7",
        "--out", f"{t}/sga_tv")
    a, b, m0 = tensor_bytes(f"{t}/tau"), tensor_bytes(f"{t}/sga_tv"), tensor_bytes(f"{t}/m0")
    same = a.keys() == b.keys() and all(a[k] == b[k] for k in a)
    moved = any(a[k] != m0[k] for k in a)
    check(same and moved, f"TAU == SGA then TV: all {len(a)} tensors byte-identical (and moved from the start)")


def check_rmu_control(t, common):
    """Default: one control vector for the whole run, the one `dusk grad` draws
    from the same seed; --compat release: a new one at every micro-batch."""
    c = 7.5
    run("grad", "--model", f"{t}/m0", "--objective", "RMU", "--forget-ids", f"{t}/f.txt", "--retain-ids",
        f"{t}/r.txt", "--rmu-coeff", str(c), "--seed", "11", "--out", f"{t}/g.st")
    control = safetensors_py.load(f"{t}/g.st")["rmu.control"]
    want_sha = hashlib.sha256(control.numpy().astype("<f4").tobytes()).hexdigest()
    for compat in ("none", "release"):
        run("unlearn", "--model", f"{t}/m0", "--method", "RMU", *common, "--rmu-coeff", str(c), "--seed", "11",
            "--compat", compat, "--out", f"{t}/rmu_{compat}")
        tr = json.load(open(f"{t}/rmu_{compat}/run.json"))["training"]
        rc = tr["rmu_control"]
        n_micro = tr["steps"] * tr["grad_accum"]
        vecs = rc["vectors"]
        norms_ok = all(abs(v["norm"] - c) <= 1e-5 * c for v in vecs)
        print(f"     {compat}: {rc['micro_batches']} micro-batches, {len(vecs)} control vector(s), "
              f"norms {min(v['norm'] for v in vecs):.7g}..{max(v['norm'] for v in vecs):.7g}")
        if compat == "none":
            check(rc["micro_batches"] == n_micro > 1 and len(vecs) == 1 and vecs[0]["from_micro_batch"] == 0
                  and vecs[0]["sha256"] == want_sha and norms_ok,
                  "RMU default: one control vector (norm c, = dusk grad's from the same seed) for every micro-batch")
        else:
            check(rc["micro_batches"] == n_micro > 1 and [v["from_micro_batch"] for v in vecs] == list(range(n_micro))
                  and len({v["sha256"] for v in vecs}) == n_micro and norms_ok,
                  "RMU --compat release: a different control vector of norm c at every micro-batch")


def check_npo_first_step(t, common):
    """Step 0 runs at learning rate 0 (linear warmup): both of its micro-batches see model == reference, so
    each NLL difference is 0 and the step's forget loss is (2/beta) ln 2 exactly."""
    want = 2 / 0.1 * math.log(2.0)
    for method in ("NPO", "NPO+KL"):
        run("unlearn", "--model", f"{t}/m0", "--method", method, *common, "--out", f"{t}/npo_{method}")
        tr = json.load(open(f"{t}/npo_{method}/run.json"))["training"]
        first = tr["forget_loss"][0]
        print(f"     {method}: step 0 forget loss {first!r} at lr {tr['lr_per_step'][0]}, (2/beta) ln 2 = {want!r}")
        check(tr["lr_per_step"][0] == 0 and tr["grad_accum"] > 1 and abs(first - want) <= 1e-9 * want,
              f"{method}: step 0 (model == reference, {tr['grad_accum']} micro-batches) gives (2/beta) ln 2")


def main():
    with tempfile.TemporaryDirectory() as t:
        cfg = dict(vocab_size=50, hidden_size=16, intermediate_size=24, num_hidden_layers=9, num_attention_heads=4,
                   num_key_value_heads=2, max_position_embeddings=32)
        json.dump(cfg, open(f"{t}/c.json", "w"))
        run("init", "--config", f"{t}/c.json", "--seed", "1", "--out", f"{t}/m0")
        g = torch.Generator().manual_seed(3)
        for name, n in (("f", 8), ("r", 10)):
            ids = torch.randint(0, 50, (n, 10), generator=g)
            open(f"{t}/{name}.txt", "w").write("\n".join(" ".join(map(str, r.tolist())) for r in ids) + "\n")
        common = ["--forget-ids", f"{t}/f.txt", "--retain-ids", f"{t}/r.txt", "--epochs", "4", "--batch-size", "2",
                  "--grad-accum", "2", "--lr", "1e-3", "--no-progress"]
        load = lambda d: safetensors_py.load(f"{d}/model.safetensors")

        for method in ("NPO+GD", "RMU", "TAU"):
            run("unlearn", "--model", f"{t}/m0", "--method", method, *common, "--seed", "5", "--out", f"{t}/a")
            run("unlearn", "--model", f"{t}/m0", "--method", method, *common, "--seed", "5", "--out", f"{t}/b")
            run("unlearn", "--model", f"{t}/m0", "--method", method, *common, "--seed", "6", "--out", f"{t}/c")
            a, b, c = (open(f"{t}/{x}/model.safetensors", "rb").read() for x in "abc")
            check(a == b, f"{method}: same seed -> bit-identical checkpoint")
            check(a != c, f"{method}: another seed -> another checkpoint")

        run("unlearn", "--model", f"{t}/m0", "--method", "RMU", *common, "--out", f"{t}/rmu")
        base, rmu = load(f"{t}/m0"), load(f"{t}/rmu")
        trained = {f"model.layers.{i}.mlp.down_proj.weight" for i in (5, 6, 7)}
        same = all(torch.equal(base[k], rmu[k]) for k in base if k not in trained)
        moved = all(not torch.equal(base[k], rmu[k]) for k in trained)
        check(same and moved, "RMU: only layers 5-7 down_proj changed, every other tensor bit-identical")
        rec = json.load(open(f"{t}/rmu/run.json"))
        check(rec["method"]["name"] == "RMU" and rec["dusk_version"] and rec["training"]["max_steps"] == 8,
              "run.json records method, version and steps")

        run("unlearn", "--model", f"{t}/m0", "--method", "TV", *common, "--seed", "2", "--tv-alpha", "0.75",
            "--out", f"{t}/tv")
        run("finetune", "--model", f"{t}/m0", "--train-ids", f"{t}/f.txt", "--epochs", "4", "--batch-size", "2",
            "--grad-accum", "2", "--lr", "1e-3", "--no-progress", "--seed", "2", "--out", f"{t}/ft")
        ft, tv = load(f"{t}/ft"), load(f"{t}/tv")
        alpha = torch.tensor(0.75, dtype=torch.float32)
        exact = all(torch.equal(tv[k], base[k] - alpha * (ft[k] - base[k])) for k in base)
        check(exact, "TV: theta = theta0 - alpha (theta_ft - theta0), bit-exact in float32")

        check_tau(t, common)
        check_rmu_control(t, common)
        check_npo_first_step(t, common)

        r = run("unlearn", "--model", f"{t}/m0", "--method", "XYZ", *common, "--out", f"{t}/x", ok=False)
        check(r.returncode != 0 and "unknown method 'XYZ'" in r.stderr and not os.path.exists(f"{t}/x"),
              "unknown method: clear error, nothing written")
        cfg2 = dict(cfg, hidden_size=24)
        json.dump(cfg2, open(f"{t}/c2.json", "w"))
        run("init", "--config", f"{t}/c2.json", "--out", f"{t}/other")
        r = run("unlearn", "--model", f"{t}/m0", "--ref", f"{t}/other", "--method", "NPO", *common, "--out", f"{t}/y",
                ok=False)
        check(r.returncode != 0 and "reference" in r.stderr and not os.path.exists(f"{t}/y"),
              "reference of another shape: clear error, nothing written")
    if failures:
        print("FAILED:", failures)
        sys.exit(1)
    print("unlearning invariants hold")


if __name__ == "__main__":
    main()
