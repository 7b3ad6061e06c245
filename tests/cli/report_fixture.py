"""A hand-made RESULTS tree for the `dusk report` tests (as `dusk run` lays it
out): Target, Retrain, three methods over epochs, one failed row, one missing
row (no stage.json), null and absent metrics, a message with characters that
need escaping in every format. Usage: report_fixture.py DIR"""
import json, os, sys

def write(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f)

def metrics(verbmem, ufk, sk, urk, dc, privleak, rd, drop=()):
    m = {"verbmem": verbmem, "ufk": ufk, "sk": sk, "urk": urk, "dc": dc, "privleak": privleak, "retain_deviation": rd}
    for k in drop:
        del m[k]
    m["run"] = {"note": "other keys of eval's summary.json are ignored"}
    return m

def main(root):
    rows = [{"row": "Target", "kind": "target", "dir": "target"},
            {"row": "Retrain", "kind": "retrain", "dir": "retrain"}]
    def method(name, epochs):
        d = f"{name}/epoch{epochs}"
        rows.append({"row": name, "kind": "method", "method": name, "epochs": epochs, "dir": d})
        return os.path.join(root, d)
    def finish(d, summary, wall, status="ok", error=None, stage=None):
        if summary is not None:
            write(os.path.join(d, "eval/summary.json"), summary)
        write(os.path.join(d, "stage.json"), {"status": status, "error": error, "failed_stage": stage, "wall_s": wall})

    finish(os.path.join(root, "target"), metrics(61.25, 48.3333333, 52.125, 50.75, 33.3, -71.9375, 12.5),
           {"train": 120.456, "eval": 30.125})
    finish(os.path.join(root, "retrain"), metrics(20.5, 21.0625, 50.0, 49.875, 33.25, None, None),
           {"train": 100.0, "eval": 29.0})
    # GA: three epochs, listed out of order; epoch 2 has no "dc" key, epoch 3 a null one
    finish(method("GA", 3), metrics(5.05, 3.25, 10.1234567, 8.0, None, 40.5, 80.25), {"train": 3.5, "eval": 9.75})
    finish(method("GA", 1), metrics(40.0, 35.5, 45.0, 44.0, 30.0, -20.0, 10.0), {"train": 1.25, "eval": 9.5})
    finish(method("GA", 2), metrics(22.2, 18.75, 30.0, 28.5, None, 5.5, 40.0, drop=("dc",)), {"train": 2.5, "eval": 9.0})
    # NPO+KL: epoch 2 failed in unlearning, epoch 1 and 4 fine (privleak null in epoch 4)
    finish(method("NPO+KL", 1), metrics(45.5, 40.0, 49.0, 48.0, 32.0, -30.0, 8.5), {"train": 2.0, "eval": 10.0})
    finish(method("NPO+KL", 2), None, {"train": 0.5}, status="failed",
           error='non-finite loss at step 3 | "NaN", <b>&amp; check --lr', stage="unlearn")
    finish(method("NPO+KL", 4), metrics(25.0, 15.0, 47.5, 46.0, 31.0, None, 20.0), {"train": 8.0, "eval": 10.5})
    # RMU: epoch 1 never ran (no stage.json): missing
    os.makedirs(method("RMU", 1), exist_ok=True)
    write(os.path.join(root, "sweep.json"), {
        "dusk_version": "0.1.0-test",
        "config": {"model": "../shared/models/x", "methods": ["GA", "NPO+KL", "RMU"], "lr": 1e-05, "epochs": [1, 2, 3, 4]},
        "compute": {"gemm": "dusk", "gemm_kernel": "avx512", "precision": "fp32", "threads": 2},
        "rows": rows})

if __name__ == "__main__":
    main(sys.argv[1])
