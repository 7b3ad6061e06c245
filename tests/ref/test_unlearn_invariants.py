"""Invariants of `dusk unlearn`: the same seed gives a bit-identical
checkpoint (and another seed does not); RMU leaves every tensor except the
three trained down_proj matrices bit-identical; TV equals
theta0 - alpha (theta_ft - theta0) computed here in float32 from a separate
`dusk finetune` with the same seed; bad input (unknown method, a reference
of another shape) fails before any work with a clear message."""
import json
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
