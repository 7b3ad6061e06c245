"""dusk's forward, per-token scores and gradients against the independent
PyTorch reference in llama_torch.py, on tiny random models:
  gqa_untied  - grouped-query attention, untied lm_head
  tied_bias   - tied embeddings and q/k/v bias (Qwen2 layout)
  llama3_rope - llama3 rope scaling, Llama attention_bias (q/k/v/o bias)
and the same models stored as BF16 and F16. Tolerance: 1e-4 relative
(||dusk - ref|| / ||ref|| per tensor)."""
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
TOL = 1e-4
failures = []

CONFIGS = {
    "gqa_untied": dict(vocab_size=97, hidden_size=32, intermediate_size=48, num_hidden_layers=3,
                       num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                       rms_norm_eps=1e-6, rope_theta=10000.0, tie_word_embeddings=False),
    "tied_bias": dict(model_type="qwen2", vocab_size=101, hidden_size=24, intermediate_size=40,
                      num_hidden_layers=2, num_attention_heads=6, num_key_value_heads=3,
                      max_position_embeddings=64, rms_norm_eps=1e-5, rope_theta=1000000.0,
                      tie_word_embeddings=True),
    "llama3_rope": dict(vocab_size=89, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                        num_attention_heads=4, num_key_value_heads=1, max_position_embeddings=128,
                        rms_norm_eps=1e-5, rope_theta=500000.0, tie_word_embeddings=True, attention_bias=True,
                        rope_scaling=dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0,
                                          high_freq_factor=4.0, original_max_position_embeddings=16)),
}


def run(*args, env=None):
    r = subprocess.run([DUSK, *args], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"dusk {' '.join(args)} failed: {r.stderr}")
    return r.stdout


def rel(a, b):
    return float((a.double() - b.double()).norm() / (b.double().norm() + 1e-30))


def check(name, a, b, tol=TOL):
    e = rel(a, b)
    ok = e <= tol
    print(f"  {'ok ' if ok else 'BAD'} {name}: rel err {e:.2e}")
    if not ok:
        failures.append(name)


def compare_model(tag, cfg, model_dir, tmp):
    params = {k: v.double().requires_grad_(True) for k, v in safetensors_py.load(
        os.path.join(model_dir, "model.safetensors")).items()}
    full_cfg = json.load(open(os.path.join(model_dir, "config.json")))
    g = torch.Generator().manual_seed(len(tag))
    B, T = (2, 100) if cfg["max_position_embeddings"] >= 128 else (3, 11)  # 100: several attention blocks
    ids = torch.randint(0, cfg["vocab_size"], (B, T), generator=g)
    ids_file = os.path.join(tmp, "ids.txt")
    with open(ids_file, "w") as f:
        f.write("\n".join(" ".join(map(str, row.tolist())) for row in ids) + "\n")

    logits, _ = llama_torch.forward(full_cfg, params, ids)
    run("forward", "--model", model_dir, "--ids-file", ids_file, "--out", os.path.join(tmp, "logits.st"))
    check(f"{tag} logits", safetensors_py.load(os.path.join(tmp, "logits.st"))["logits"], logits.detach())

    lines = run("score", "--model", model_dir, "--ids-file", ids_file).strip().split("\n")
    logp = torch.log_softmax(logits.detach(), -1)
    for b, line in enumerate(lines):
        got = torch.tensor(json.loads(line)["token_logprobs"], dtype=torch.float64)
        want = logp[b, torch.arange(T - 1), ids[b, 1:]]
        check(f"{tag} score seq {b}", got, want)

    loss = llama_torch.causal_lm_loss(logits, ids)
    loss.backward()
    out = json.loads(run("grad", "--model", model_dir, "--ids-file", ids_file, "--out", os.path.join(tmp, "g.st")))
    check(f"{tag} loss", torch.tensor([out["loss"]]), loss.detach().reshape(1))
    grads = safetensors_py.load(os.path.join(tmp, "g.st"))
    expected = {k for k in params if not (full_cfg.get("tie_word_embeddings") and k == "lm_head.weight")}
    if set(grads) != expected:
        failures.append(f"{tag} gradient names")
        print("  BAD gradient names:", sorted(set(grads) ^ expected))
    worst = max(rel(grads[k], params[k].grad) for k in expected & set(grads))
    for k in sorted(expected & set(grads)):
        e = rel(grads[k], params[k].grad)
        if e > TOL:
            check(f"{tag} grad {k}", grads[k], params[k].grad)
    print(f"  {'ok ' if worst <= TOL else 'BAD'} {tag}: {len(grads)} gradient tensors, worst rel err {worst:.2e}")
    # the fused head in blocks of 7 rows (the batch is one block by default)
    # gives the reference's loss and gradients too
    out7 = json.loads(run("grad", "--model", model_dir, "--ids-file", ids_file, "--out", os.path.join(tmp, "g7.st"),
                          env=dict(os.environ, DUSK_FUSED_HEAD_ROWS="7")))
    check(f"{tag} loss, head in 7-row blocks", torch.tensor([out7["loss"]]), loss.detach().reshape(1))
    g7 = safetensors_py.load(os.path.join(tmp, "g7.st"))
    worst7 = max(rel(g7[k], params[k].grad) for k in expected & set(g7))
    print(f"  {'ok ' if worst7 <= TOL else 'BAD'} {tag}: head in 7-row blocks, worst gradient rel err {worst7:.2e}")
    if worst7 > TOL or set(g7) != set(grads):
        failures.append(f"{tag} 7-row head blocks")
    # recompute gives the same gradients
    run("grad", "--model", model_dir, "--ids-file", ids_file, "--out", os.path.join(tmp, "g2.st"), "--recompute")
    g2 = safetensors_py.load(os.path.join(tmp, "g2.st"))
    same = all(torch.equal(g2[k], grads[k]) for k in grads)
    print(f"  {'ok ' if same else 'BAD'} {tag}: --recompute gradients bit-identical")
    if not same:
        failures.append(f"{tag} recompute")


def main():
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        for tag, cfg in CONFIGS.items():
            cfg_path = os.path.join(tmp, f"{tag}.json")
            with open(cfg_path, "w") as f:
                json.dump(dict(cfg, initializer_range=0.2), f)
            for dtype in ("f32", "bf16", "f16"):
                model_dir = os.path.join(tmp, f"{tag}-{dtype}")
                run("init", "--config", cfg_path, "--seed", "3", "--out", model_dir, "--dtype", dtype)
                print(f"{tag} ({dtype})")
                compare_model(f"{tag}/{dtype}", cfg, model_dir, tmp)
    if failures:
        print("FAILED:", failures)
        sys.exit(1)
    print("all reference comparisons within", TOL)


if __name__ == "__main__":
    main()
