"""`dusk finetune` (AdamW, HF grouping, linear schedule with warmup,
gradient accumulation, clipping) against torch.optim.AdamW + LambdaLR on
the independent reference model. Two runs where the item order cannot
matter: (a) 4 distinct chunks, micro-batch 2 x accum 2 = one epoch per step
(warmup 0), with clipping; (b) 8 identical chunks, micro-batch 2 x accum 2,
3 epochs -> 6 steps with 2 warmup steps. Compared: per-step losses and each
tensor's total update (theta_final - theta_0) within 1e-3 relative."""
import json
import os
import subprocess
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(__file__))
import llama_torch  # noqa: E402
import safetensors_py  # noqa: E402

DUSK = os.environ.get("DUSK", "build/dusk")
failures = []
CFG = dict(vocab_size=41, hidden_size=16, intermediate_size=24, num_hidden_layers=2, num_attention_heads=4,
           num_key_value_heads=2, max_position_embeddings=32, rms_norm_eps=1e-5, tie_word_embeddings=False,
           attention_bias=True, initializer_range=0.3)


def run(*args):
    r = subprocess.run([DUSK, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"dusk {' '.join(args)} failed: {r.stderr}")
    return r.stdout


def hf_lambda(warmup, total):
    def f(step):
        if step < warmup:
            return step / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))
    return f


def reference(cfg_full, P0, items, micro, accum, steps, warmup, lr, wd, clip):
    P = {k: v.double().clone().requires_grad_(True) for k, v in P0.items()}
    no_decay = [p for k, p in P.items() if "norm" in k or k.endswith(".bias")]
    decay = [p for k, p in P.items() if not ("norm" in k or k.endswith(".bias"))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=lr, betas=(0.9, 0.999), eps=1e-8)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, hf_lambda(warmup, steps))
    losses, per_step = [], micro * accum
    for s in range(steps):
        opt.zero_grad()
        batch = items[(s * per_step) % len(items):][:per_step]
        total = 0.0
        for m in range(accum):
            ids = batch[m * micro:(m + 1) * micro]
            loss = llama_torch.causal_lm_loss(llama_torch.forward(cfg_full, P, ids)[0], ids) / accum
            loss.backward()
            total += float(loss)
        if clip > 0:
            torch.nn.utils.clip_grad_norm_(list(P.values()), clip)
        opt.step()
        sched.step()
        losses.append(total)
    return {k: v.detach() for k, v in P.items()}, losses


def check_run(tag, tmp, items, epochs, micro, accum, steps, warmup, lr, wd, clip):
    model = os.path.join(tmp, "m0")
    ids_path = os.path.join(tmp, f"{tag}.txt")
    with open(ids_path, "w") as f:
        f.write("\n".join(" ".join(map(str, r.tolist())) for r in items) + "\n")
    out = os.path.join(tmp, f"ft-{tag}")
    args = ["finetune", "--model", model, "--train-ids", ids_path, "--epochs", str(epochs), "--batch-size", str(micro),
            "--grad-accum", str(accum), "--lr", repr(lr), "--weight-decay", repr(wd), "--out", out, "--no-progress"]
    if clip > 0:
        args += ["--max-grad-norm", repr(clip)]
    run(*args)
    rec = json.load(open(os.path.join(out, "run.json")))["training"]
    cfg_full = json.load(open(os.path.join(model, "config.json")))
    P0 = safetensors_py.load(os.path.join(model, "model.safetensors"))
    P1 = safetensors_py.load(os.path.join(out, "model.safetensors"))
    ref, ref_losses = reference(cfg_full, P0, items, micro, accum, steps, warmup, lr, wd, clip)
    ok = rec["max_steps"] == steps and rec["warmup_steps"] == warmup
    print(f"  {'ok ' if ok else 'BAD'} {tag}: {rec['max_steps']} steps, warmup {rec['warmup_steps']} "
          f"(expected {steps}, {warmup})")
    loss_err = max(abs(a - b) / abs(b) for a, b in zip(rec["loss"], ref_losses))
    worst = 0.0
    for k in P0:
        d_dusk = P1[k].double() - P0[k].double()
        d_ref = ref[k] - P0[k].double()
        worst = max(worst, float((d_dusk - d_ref).norm() / (d_ref.norm() + 1e-30)))
    good = ok and loss_err < 1e-4 and worst < 1e-3
    print(f"  {'ok ' if good else 'BAD'} {tag}: loss rel err {loss_err:.1e}, worst update rel err {worst:.1e}")
    if not good:
        failures.append(tag)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        cfg_path = os.path.join(tmp, "config.json")
        json.dump(CFG, open(cfg_path, "w"))
        run("init", "--config", cfg_path, "--seed", "4", "--out", os.path.join(tmp, "m0"))
        g = torch.Generator().manual_seed(1)
        distinct = torch.randint(0, CFG["vocab_size"], (4, 12), generator=g)
        check_run("distinct", tmp, distinct, 3, 2, 2, 3, 0, 1e-3, 0.1, 0.5)
        same = torch.randint(0, CFG["vocab_size"], (1, 12), generator=g).repeat(8, 1)
        check_run("identical", tmp, same, 3, 2, 2, 6, 2, 2e-3, 0.01, 0.0)
    if failures:
        print("FAILED:", failures)
        sys.exit(1)
    print("training matches torch.optim.AdamW + HF schedule")


if __name__ == "__main__":
    main()
