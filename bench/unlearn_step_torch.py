"""The NPO+KL unlearning step of bench/unlearn_step.c in PyTorch: the model of
bench/train_step_torch.py plus a frozen deep copy as the reference;
L = -(2/beta) mean_b log sigmoid(beta (NLL_sum(theta) - NLL_sum(ref))) on the
forget batch + KL(p_ref || p_theta) summed over the vocabulary, averaged over
all B*T positions, on the retain batch; torch.optim.AdamW.
   /usr/bin/python3 bench/unlearn_step_torch.py CONFIG [steps] [threads]"""
import copy
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from train_step_torch import CONFIGS, Model, adamw  # noqa: E402

BETA = 0.1


def sequence_nll(logits, ids):
    lp = torch.log_softmax(logits[:, :-1], -1).gather(-1, ids[:, 1:, None]).squeeze(-1)
    return -lp.sum(-1)


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "small"
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    c = CONFIGS[name]
    model = Model(c)
    ref = copy.deepcopy(model).eval()
    for p in ref.parameters():
        p.requires_grad_(False)
    opt = adamw(model)
    xf = torch.randint(0, c["V"], (c["B"], c["T"]))
    xr = torch.randint(0, c["V"], (c["B"], c["T"]))
    times = []
    for s in range(steps + 1):
        t0 = time.perf_counter()
        with torch.no_grad():
            ref_nll = sequence_nll(ref(xf), xf)
            ref_logp = torch.log_softmax(ref(xr), -1)
        npo = -(2 / BETA) * F.logsigmoid(BETA * (sequence_nll(model(xf), xf) - ref_nll)).mean()
        logp = torch.log_softmax(model(xr), -1)
        kl = F.kl_div(logp.reshape(-1, c["V"]), ref_logp.reshape(-1, c["V"]), log_target=True, reduction="batchmean")
        loss = npo + kl
        opt.zero_grad()
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    med = sorted(times[1:])[steps // 2]
    N = 2 * c["B"] * c["T"]
    print(json.dumps({"impl": "pytorch", "torch": torch.__version__, "method": "NPO+KL", "config": name,
                      "threads": threads, "step_s": round(med, 4), "tokens_per_s": round(N / med, 1),
                      "forget_loss": round(npo.item(), 4), "reg_loss": round(kl.item(), 6)}))


if __name__ == "__main__":
    main()
