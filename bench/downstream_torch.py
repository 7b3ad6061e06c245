"""The PyTorch side of bench/downstream.sh: the loglikelihood requests dusk
scored (read from its samples_*.jsonl written with --log-ids), run the way
lm-eval's HF backend runs them: sorted longest first, batches of --batch
right-padded sequences, the model's full logits, log_softmax over them, the
continuation rows gathered. float32, tests/ref/llama_torch.py as the model.
An optional 5th argument caps the requests at an evenly spaced sample of the
length-sorted list (the full set at --limit 50 takes hours in PyTorch).
Prints {"requests", "seconds", "requests_per_s", "max_rel_diff"} (the largest
relative difference to dusk's loglikelihoods, a sanity check)."""
import glob
import json
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "ref"))
import llama_torch  # noqa: E402
import safetensors_py  # noqa: E402


def main():
    model, out_dirs, batch, threads = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), int(sys.argv[4])
    most = int(sys.argv[5]) if len(sys.argv) > 5 else 0
    torch.set_num_threads(threads)
    cfg = json.load(open(os.path.join(model, "config.json")))
    params = {k: v.float() for k, v in safetensors_py.load(os.path.join(model, "model.safetensors")).items()}
    max_len = cfg["max_position_embeddings"]
    reqs = []
    for d in out_dirs:
        for f in glob.glob(os.path.join(d, "samples_*.jsonl")):
            for line in open(f):
                s = json.loads(line)
                for ids, resp in zip(s.get("dusk_request_ids", []), s["resps"]):
                    if "continuation" in ids:
                        reqs.append((ids["context"], ids["continuation"], resp[0]))
    reqs.sort(key=lambda r: -(len(r[0]) + len(r[1])))
    if most and len(reqs) > most:  # an evenly spaced sample keeps the length mix
        reqs = [reqs[i * len(reqs) // most] for i in range(most)]
    worst = 0.0
    start = time.perf_counter()
    with torch.no_grad():
        for b in range(0, len(reqs), batch):
            chunk = reqs[b:b + batch]
            inps = [(c + k)[-(max_len + 1):][:-1] for c, k, _ in chunk]
            T = max(len(x) for x in inps)
            ids = torch.zeros(len(inps), T, dtype=torch.long)
            for i, x in enumerate(inps):
                ids[i, :len(x)] = torch.tensor(x)
            logits, _ = llama_torch.forward(cfg, params, ids)
            logp = torch.log_softmax(logits, -1)
            for i, (c, k, dusk_ll) in enumerate(chunk):
                n = len(inps[i])
                rows = logp[i, n - len(k):n]
                ll = float(rows[torch.arange(len(k)), torch.tensor(k)].sum())
                worst = max(worst, abs(ll - dusk_ll) / max(abs(ll), 1e-12))
    seconds = time.perf_counter() - start
    print(json.dumps({"requests": len(reqs), "seconds": seconds, "requests_per_s": len(reqs) / seconds,
                      "max_rel_diff": worst}))


if __name__ == "__main__":
    main()
