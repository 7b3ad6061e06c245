"""`dusk grad --precision bf16` (loss and every gradient of tiny random
models) against an independent PyTorch reference that rounds both operands of
every matrix product to bf16 (torch's .to(torch.bfloat16)) and does
everything else in float64:
  linear layers and the head: y = r(x) r(W)^T; dx = r(dy) r(W); dW = r(dy)^T r(x)
  attention (the FlashAttention recipe dusk follows): S = scale r(Q) r(K)^T,
    O = r(P) r(V); dV = r(P)^T r(dO), dP = r(dO) r(V)^T,
    dS = P (dP - rowsum(dO O)), dQ = scale r(dS) r(K), dK = scale r(dS)^T r(Q)
with r = bf16 rounding. Tolerances (||a - b|| / ||b|| per tensor, worst tensor):
  dusk bf16 vs that reference              <= TOL_REF (loss: TOL_LOSS)
  dusk bf16 vs dusk fp32 (the whole model) <= TOL_MODE (what bf16 costs)
and dusk bf16 must be at least 3x closer to the bf16 reference than to the
unrounded float64 one (so that the first check tells rounding apart). The
portable kernel (DUSK_GEMM_BF16_KERNEL=plain) must give the very same bits.
Why TOL_REF is not ~1e-5 as for fp32: a bf16 model's gradients are chaotic at
fp32 precision. An input that moves by one fp32 ulp sometimes flips a bf16
rounding; the flipped element moves by a bf16 ulp (2^-8), which moves every
output of its row in the next product, which flips more roundings, layer after
layer. Perturbing the parameters of the float64 reference by 1e-7 (relative)
moves its gradients by ~6e-3 (printed as "sensitivity"); dusk computes in
fp32, so it can agree only to that order."""
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
TOL_REF = 1.5e-2
TOL_MODE = 8e-2
TOL_LOSS = 3e-5  # relative; the loss is far less chaotic than the gradients
failures = []

CONFIGS = {
    "gqa_untied": dict(vocab_size=97, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                       num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                       rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=False),
    "tied_bias": dict(model_type="qwen2", vocab_size=101, hidden_size=48, intermediate_size=80,
                      num_hidden_layers=2, num_attention_heads=6, num_key_value_heads=3,
                      max_position_embeddings=128, rms_norm_eps=1e-5, rope_theta=1000000.0,
                      tie_word_embeddings=True),
}


def r(x):
    """bf16 rounding of a float64 tensor, back in float64."""
    return x.to(torch.bfloat16).to(torch.float64)


class Bf16Linear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return r(x) @ r(w).T

    @staticmethod
    def backward(ctx, dy):
        x, w = ctx.saved_tensors
        dx = r(dy) @ r(w)
        dw = r(dy).reshape(-1, dy.shape[-1]).T @ r(x).reshape(-1, x.shape[-1])
        return dx, dw


class Bf16Attention(torch.autograd.Function):
    @staticmethod
    def forward(ctx, q, k, v, mask, scale):
        p = torch.softmax(scale * (r(q) @ r(k).transpose(2, 3)) + mask, dim=-1)
        o = r(p) @ r(v)
        ctx.save_for_backward(q, k, v, p, o)
        ctx.scale = scale
        return o

    @staticmethod
    def backward(ctx, do):
        q, k, v, p, o = ctx.saved_tensors
        dv = r(p).transpose(2, 3) @ r(do)
        dp = r(do) @ r(v).transpose(2, 3)
        ds = p * (dp - (do * o).sum(-1, keepdim=True))
        dq = ctx.scale * (r(ds) @ r(k))
        dk = ctx.scale * (r(ds).transpose(2, 3) @ r(q))
        return dq, dk, dv, None, None


class Bf16Ops:
    @staticmethod
    def linear(x, w, b):
        y = Bf16Linear.apply(x, w)
        return y if b is None else y + b

    @staticmethod
    def attention(q, k, v, mask, scale):
        return Bf16Attention.apply(q, k, v, mask, scale)


def run(*args):
    res = subprocess.run([DUSK, *args], capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"dusk {' '.join(args)} failed: {res.stderr}")
    return res.stdout


def rel(a, b):
    return float((a.double() - b.double()).norm() / (b.double().norm() + 1e-30))


def reference(cfg, params, ids, ops, perturb=0.0):
    g = torch.Generator().manual_seed(1)
    P = {k: (v.double() * (1 + perturb * torch.randn(v.shape, generator=g, dtype=torch.float64)))
         .requires_grad_(True) for k, v in params.items()}
    loss = llama_torch.causal_lm_loss(llama_torch.forward(cfg, P, ids, ops)[0], ids)
    loss.backward()
    return float(loss), {k: v.grad for k, v in P.items() if v.grad is not None}


def dusk_grad(model_dir, ids_file, out, precision, kernel=None):
    env = dict(os.environ, DUSK_GEMM_BF16_KERNEL=kernel) if kernel else None
    res = subprocess.run([DUSK, "grad", "--model", model_dir, "--ids-file", ids_file, "--out", out,
                          "--precision", precision], capture_output=True, text=True, env=env)
    if res.returncode != 0:
        raise RuntimeError(f"dusk grad failed: {res.stderr}")
    return json.loads(res.stdout)["loss"], safetensors_py.load(out)


def worst(a, b, names):
    return max((rel(a[k], b[k]), k) for k in names)


def expect(ok, what):
    print(f"  {'ok ' if ok else 'BAD'} {what}")
    if not ok:
        failures.append(what)


def compare_model(tag, model_dir, tmp):
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    params = safetensors_py.load(os.path.join(model_dir, "model.safetensors"))
    g = torch.Generator().manual_seed(len(tag))
    ids = torch.randint(0, cfg["vocab_size"], (2, 100), generator=g)  # T 100: two attention blocks of 64
    ids_file = os.path.join(tmp, "ids.txt")
    with open(ids_file, "w") as f:
        f.write("\n".join(" ".join(map(str, row.tolist())) for row in ids) + "\n")

    ref_loss, ref = reference(cfg, params, ids, Bf16Ops)
    _, nudged = reference(cfg, params, ids, Bf16Ops, perturb=1e-7)
    plain_loss, plain = reference(cfg, params, ids, llama_torch.PlainOps)
    loss16, g16 = dusk_grad(model_dir, ids_file, os.path.join(tmp, "g16.st"), "bf16")
    loss32, g32 = dusk_grad(model_dir, ids_file, os.path.join(tmp, "g32.st"), "fp32")
    _, plain16 = dusk_grad(model_dir, ids_file, os.path.join(tmp, "gp.st"), "bf16", kernel="plain")
    names = sorted(ref)
    expect(set(g16) == set(names), f"{tag}: bf16 gradient names match the reference")
    e_ref, k_ref = worst(g16, ref, names)
    e_plain, _ = worst(g16, plain, names)
    e_mode, k_mode = worst(g16, g32, names)
    e_fp32, _ = worst(g32, plain, names)
    e_nudged, _ = worst(nudged, ref, names)
    print(f"{tag}: loss dusk bf16 {loss16:.6f}, bf16 reference {ref_loss:.6f}, dusk fp32 {loss32:.6f}, "
          f"fp64 {plain_loss:.6f}")
    expect(abs(loss16 - ref_loss) <= TOL_LOSS * abs(ref_loss), f"{tag}: bf16 loss within {TOL_LOSS} of the bf16 reference")
    expect(e_ref <= TOL_REF, f"{tag}: bf16 gradients vs bf16 reference, worst {e_ref:.2e} ({k_ref}) <= {TOL_REF}")
    expect(e_mode <= TOL_MODE, f"{tag}: bf16 vs fp32 gradients, worst {e_mode:.2e} ({k_mode}) <= {TOL_MODE}")
    expect(e_plain > 3 * e_ref, f"{tag}: the unrounded fp64 reference is farther from dusk bf16 "
           f"({e_plain:.2e} > 3 x {e_ref:.2e})")
    expect(all(torch.equal(plain16[k], g16[k]) for k in names),
           f"{tag}: the plain C kernel (DUSK_GEMM_BF16_KERNEL=plain) gives the same gradient bits")
    print(f"  (sensitivity of the bf16 reference to a 1e-7 nudge: {e_nudged:.2e}; "
          f"dusk fp32 vs the fp64 reference: {e_fp32:.2e})")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        for tag, cfg in CONFIGS.items():
            cfg_path = os.path.join(tmp, f"{tag}.json")
            with open(cfg_path, "w") as f:
                json.dump(dict(cfg, initializer_range=0.2), f)
            model_dir = os.path.join(tmp, tag)
            run("init", "--config", cfg_path, "--seed", "5", "--out", model_dir)
            compare_model(tag, model_dir, tmp)
    if failures:
        print("FAILED:", failures)
        sys.exit(1)
    print(f"bf16 gradients within {TOL_REF} of the bf16 reference and {TOL_MODE} of fp32")


if __name__ == "__main__":
    main()
