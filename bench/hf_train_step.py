"""The train step and the NPO+KL unlearning step of bench/train_step.c and
bench/unlearn_step.c in HF transformers + PyTorch on a GPU, for the CUDA
issue's side-by-side (bench/cuda_vs_torch.sh runs both).

   python3 bench/hf_train_step.py {train|npo_kl} [--config 1b|tiny]
       [--variant eager|compile] [--weights bf16|amp] [--attn sdpa|eager]
       [--steps N] [--warmup N] [--impl hf|local] [--device cuda|cpu]

Model: LlamaForCausalLM with the shape of bench_config() in bench_common.h
(1b: Llama-3.2-1B's shape, tied embeddings, B 4 x T 1024), random init.
--weights bf16 (default): parameters, gradients and AdamW state in bf16, as
the issue measured HF; amp: fp32 parameters under torch.autocast(bfloat16),
which is what dusk's --precision bf16 does (bf16 matmul operands, fp32
master weights). --variant eager: torch.optim.AdamW (foreach); compile:
torch.compile(model) and AdamW(fused=True). AdamW lr 1e-5, weight decay 0.01
except norms (HF Trainer's grouping, as bench/train_step_torch.py).

train: loss = model(ids, labels=ids).loss (HF's shifted mean cross-entropy).
npo_kl: the loss of src/train/objectives/npo.c and kl.c with a frozen copy
of the model as the reference: -(2/beta) mean_b log sigmoid(beta (NLL_b -
NLL_ref,b)), NLL_b the sum over sequence b's next-token positions, on the
forget batch, plus KL(p_ref || p_theta) summed over the vocabulary and
averaged over all B*T positions on the retain batch; each term backward on
its own, as dusk's objective does.

Prints one JSON line: step_s (median of the timed steps, each closed by
torch.cuda.synchronize), tokens_per_s (train: B*T; npo_kl: 2*B*T per step, as
unlearn_step.c), model_tflops (6 N per trained token; npo_kl 8 N, the
reference's forward included; N = the matmul weights, tied embedding once),
peak_mem_gib (torch.cuda.max_memory_allocated over the timed steps, the
model included; max_memory_reserved beside it).

--impl local swaps in bench/train_step_torch.py's own Llama (no transformers)
so the harness and the losses can be checked on a CPU with torch 1.13. """
import argparse
import contextlib
import copy
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

BETA = 0.1  # objective_params_defaults: NPO's beta
CONFIGS = {
    "1b": dict(L=16, d=2048, nh=32, nkv=8, ff=8192, V=128256, B=4, T=1024),
    "tiny": dict(L=4, d=256, nh=8, nkv=4, ff=688, V=4096, B=8, T=256),
}


def matmul_weights(c):
    """N of 6 N FLOPs per token: as bench_matmul_weights() in bench_common.h."""
    hd = c["d"] // c["nh"]
    per_layer = c["d"] * (c["nh"] + 2 * c["nkv"]) * hd + c["nh"] * hd * c["d"] + 3 * c["d"] * c["ff"]
    return c["L"] * per_layer + c["V"] * c["d"]


def hf_model(c, attn):
    import transformers
    from transformers import LlamaConfig, LlamaForCausalLM

    kw = dict(vocab_size=c["V"], hidden_size=c["d"], intermediate_size=c["ff"], num_hidden_layers=c["L"],
              num_attention_heads=c["nh"], num_key_value_heads=c["nkv"], head_dim=c["d"] // c["nh"],
              max_position_embeddings=c["T"], rms_norm_eps=1e-5, tie_word_embeddings=True,
              attention_bias=False, mlp_bias=False, hidden_act="silu", initializer_range=0.02, use_cache=False,
              attn_implementation=attn)
    rope = {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
            "original_max_position_embeddings": 8192}
    if int(transformers.__version__.split(".")[0]) >= 5:  # v5 folds rope_theta into rope_parameters
        cfg = LlamaConfig(**kw, rope_parameters=dict(rope, rope_theta=500000.0))
    else:
        cfg = LlamaConfig(**kw, rope_theta=500000.0, rope_scaling=rope)
    model = LlamaForCausalLM(cfg)
    if getattr(model.config, "_attn_implementation", attn) != attn and hasattr(model, "set_attn_implementation"):
        model.set_attn_implementation(attn)  # in case the config did not take it
    return model, transformers.__version__


class LocalModel(torch.nn.Module):
    """bench/train_step_torch.py's Llama behind HF's call signature (CPU checks)."""

    def __init__(self, c):
        super().__init__()
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from train_step_torch import Model

        self.inner = Model(c)

    def forward(self, input_ids, labels=None):
        logits = self.inner(input_ids)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]).float(), labels[:, 1:].reshape(-1))
        return type("Out", (), {"logits": logits, "loss": loss})()


def make_optimizer(model, fused):
    decay = [p for n, p in model.named_parameters() if p.requires_grad and "norm" not in n]
    no_decay = [p for n, p in model.named_parameters() if p.requires_grad and "norm" in n]
    groups = [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=1e-5, fused=True) if fused else torch.optim.AdamW(groups, lr=1e-5)


def sequence_nll(logits, ids):
    """Per-sequence sum over next-token positions of -log p (dusk's sequence_nll)."""
    lp = torch.log_softmax(logits[:, :-1].float(), -1).gather(-1, ids[:, 1:, None]).squeeze(-1)
    return -lp.sum(-1)


def npo_loss(model, ref, forget):
    with torch.no_grad():
        ref_nll = sequence_nll(ref(input_ids=forget).logits, forget)
    nll = sequence_nll(model(input_ids=forget).logits, forget)
    return -(2.0 / BETA) * F.logsigmoid(BETA * (nll - ref_nll)).mean()


def kl_loss(model, ref, retain, V):
    with torch.no_grad():
        ref_logp = torch.log_softmax(ref(input_ids=retain).logits.float(), -1).reshape(-1, V)
    logp = torch.log_softmax(model(input_ids=retain).logits.float(), -1).reshape(-1, V)
    # KL(p_ref || p_theta) per row, summed over the vocabulary; batchmean divides by B*T
    return F.kl_div(logp, ref_logp, log_target=True, reduction="batchmean")


def on_device(dev):
    """Creates tensors on dev (torch >= 2.0); torch 1.13 (CPU checks) creates them on the CPU anyway."""
    return dev if hasattr(dev, "__enter__") else contextlib.nullcontext()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("step", choices=["train", "npo_kl"])
    ap.add_argument("--config", default="1b", choices=sorted(CONFIGS))
    ap.add_argument("--variant", default="eager", choices=["eager", "compile"])
    ap.add_argument("--weights", default="bf16", choices=["bf16", "amp", "fp32"])
    ap.add_argument("--attn", default="sdpa", choices=["sdpa", "eager"])
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=0, help="default: 2 (eager), 3 (compile)")
    ap.add_argument("--impl", default="hf", choices=["hf", "local"])
    ap.add_argument("--device", default="cuda")
    a = ap.parse_args()
    c = CONFIGS[a.config]
    dev = torch.device(a.device)
    cuda = dev.type == "cuda"
    if cuda and not torch.cuda.is_available():
        sys.exit("hf_train_step: --device cuda but torch sees no CUDA device")
    if a.impl == "local" and a.weights == "bf16":
        sys.exit("hf_train_step: --impl local keeps its rope tables in fp32: use --weights fp32 or amp")
    warmup = a.warmup or (3 if a.variant == "compile" else 2)
    torch.manual_seed(0)
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = False  # fp32 runs as dusk's: true fp32 products

    with on_device(dev):  # random init on the GPU: seconds, not a minute of CPU init
        if a.impl == "hf":
            model, hf_version = hf_model(c, a.attn)
        else:
            model, hf_version = LocalModel(c), None
    if a.weights == "bf16":
        model = model.to(torch.bfloat16)
    model.train()
    ref = None
    if a.step == "npo_kl":
        ref = copy.deepcopy(model).eval()
        for p in ref.parameters():
            p.requires_grad_(False)
    opt = make_optimizer(model, fused=a.variant == "compile" and cuda)
    run, run_ref = model, ref
    if a.variant == "compile":
        run = torch.compile(model)
        run_ref = torch.compile(ref) if ref is not None else None
    amp = torch.autocast(dev.type, dtype=torch.bfloat16, enabled=a.weights == "amp")

    g = torch.Generator(device="cpu").manual_seed(2)
    forget = torch.randint(0, c["V"], (c["B"], c["T"]), generator=g).to(dev)
    retain = torch.randint(0, c["V"], (c["B"], c["T"]), generator=g).to(dev)

    def step():
        opt.zero_grad(set_to_none=True)
        parts = {}
        with amp:
            if a.step == "train":
                loss = run(input_ids=forget, labels=forget).loss
                loss.backward()
                parts["loss"] = loss
            else:
                npo = npo_loss(run, run_ref, forget)
                npo.backward()
                kl = kl_loss(run, run_ref, retain, c["V"])
                kl.backward()
                parts["forget_loss"], parts["reg_loss"] = npo, kl
        opt.step()
        return parts

    sync = torch.cuda.synchronize if cuda else (lambda: None)
    t_start = time.perf_counter()
    for _ in range(warmup):
        step()
    sync()
    warmup_s = time.perf_counter() - t_start
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        parts = step()
        sync()
        times.append(time.perf_counter() - t0)
    med = sorted(times)[len(times) // 2]
    tokens = c["B"] * c["T"] * (2 if a.step == "npo_kl" else 1)
    flops_per_token = (8 if a.step == "npo_kl" else 6) * matmul_weights(c)
    out = {"impl": "hf" if a.impl == "hf" else "torch-local", "step": a.step, "variant": a.variant,
           "weights": a.weights, "attn": getattr(getattr(model, "config", None), "_attn_implementation", "eager-local"), "config": a.config,
           "B": c["B"], "T": c["T"], "steps": a.steps, "warmup_s": round(warmup_s, 2), "step_s": round(med, 4),
           "tokens_per_s": round(tokens / med, 1), "model_tflops": round(flops_per_token * tokens / med / 1e12, 2),
           "torch": torch.__version__, "transformers": hf_version, "device": a.device}
    out.update({k: round(v.item(), 6) for k, v in parts.items()})
    if cuda:
        out["peak_mem_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
        out["reserved_gib"] = round(torch.cuda.max_memory_reserved() / 2**30, 2)
        out["gpu"] = torch.cuda.get_device_name()
    print(json.dumps(out), flush=True)
    if not all(math.isfinite(v.item()) for v in parts.values()):
        sys.exit("hf_train_step: the loss is not finite")


if __name__ == "__main__":
    main()
