"""PyTorch reference for bench/decode_mia.c: the same HF Llama, written out
here (no `transformers` on this machine) and loaded from the model.safetensors
that `dusk init` wrote.

  decode_torch.py decode MODEL_DIR IDS_FILE MAX_NEW REPEATS THREADS OUT_IDS
      batched greedy decoding with a KV cache; every line of IDS_FILE is one
      prompt (all the same length). Times, inside this process, the prefill
      with the first new token and then the remaining MAX_NEW-1 decode steps;
      prints one JSON line (medians over REPEATS) and writes the new ids,
      one line per prompt, to OUT_IDS.
  decode_torch.py mia MODEL_DIR IDS_FILE REPEATS THREADS
      the MIA windows of IDS_FILE (one per line): forward, log-softmax and
      the per-position statistics of eval/mia_scores.h (lp, mu, sigma), then
      each window's loss and mink++_0.4; prints one JSON line.
"""
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref"))
import safetensors_py  # noqa: E402  (the reference tests' own reader: header + frombuffer)


class Llama:
    def __init__(self, model_dir):
        with open(f"{model_dir}/config.json") as f:
            c = json.load(f)
        self.w = {k: v.float() for k, v in safetensors_py.load(f"{model_dir}/model.safetensors").items()}
        self.L = c["num_hidden_layers"]
        self.d = c["hidden_size"]
        self.nh = c["num_attention_heads"]
        self.nkv = c.get("num_key_value_heads", self.nh)
        self.hd = c.get("head_dim") or self.d // self.nh
        self.eps = c.get("rms_norm_eps", 1e-6)
        theta = c.get("rope_theta", 10000.0)
        self.max_pos = c["max_position_embeddings"]
        inv_freq = 1.0 / (theta ** (torch.arange(0, self.hd, 2).float() / self.hd))
        freqs = torch.outer(torch.arange(self.max_pos).float(), inv_freq)
        emb = torch.cat([freqs, freqs], dim=-1)
        self.cos, self.sin = emb.cos(), emb.sin()
        self.embed = self.w["model.embed_tokens.weight"]
        self.lm_head = self.w.get("lm_head.weight", self.embed)

    def rms(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * w

    def rope(self, x, pos):  # x [B, H, T, hd], pos [T]
        cos, sin = self.cos[pos], self.sin[pos]
        half = self.hd // 2
        rot = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
        return x * cos + rot * sin

    def forward(self, ids, cache=None, start=0):
        """ids [B, T] at positions start..start+T-1; cache: per layer (K, V)
        of shape [B, nkv, max_len, hd], read at 0..start-1 and written at
        start..start+T-1. Returns the final hidden states [B, T, d]."""
        B, T = ids.shape
        pos = torch.arange(start, start + T)
        x = self.embed[ids]
        mask = None
        if T > 1:
            mask = torch.full((T, start + T), float("-inf")).triu(start + 1)
        rep = self.nh // self.nkv
        for l in range(self.L):
            p = f"model.layers.{l}."
            w = self.w
            h = self.rms(x, w[p + "input_layernorm.weight"])
            q = h @ w[p + "self_attn.q_proj.weight"].t()
            k = h @ w[p + "self_attn.k_proj.weight"].t()
            v = h @ w[p + "self_attn.v_proj.weight"].t()
            for bias, name in ((q, "q"), (k, "k"), (v, "v")):
                if p + f"self_attn.{name}_proj.bias" in w:
                    bias += w[p + f"self_attn.{name}_proj.bias"]
            q = self.rope(q.view(B, T, self.nh, self.hd).transpose(1, 2), pos)
            k = self.rope(k.view(B, T, self.nkv, self.hd).transpose(1, 2), pos)
            v = v.view(B, T, self.nkv, self.hd).transpose(1, 2)
            if cache is not None:
                K, V = cache[l]
                K[:, :, start:start + T] = k
                V[:, :, start:start + T] = v
                k, v = K[:, :, :start + T], V[:, :, :start + T]
            if rep > 1:
                k = k.repeat_interleave(rep, dim=1)
                v = v.repeat_interleave(rep, dim=1)
            s = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd)
            if mask is not None:
                s = s + mask
            a = torch.softmax(s, dim=-1) @ v
            a = a.transpose(1, 2).reshape(B, T, self.nh * self.hd)
            o = a @ w[p + "self_attn.o_proj.weight"].t()
            if p + "self_attn.o_proj.bias" in w:
                o += w[p + "self_attn.o_proj.bias"]
            x = x + o
            h = self.rms(x, w[p + "post_attention_layernorm.weight"])
            g = h @ w[p + "mlp.gate_proj.weight"].t()
            u = h @ w[p + "mlp.up_proj.weight"].t()
            x = x + (torch.nn.functional.silu(g) * u) @ w[p + "mlp.down_proj.weight"].t()
        return self.rms(x, self.w["model.norm.weight"])

    def logits(self, hidden):
        return hidden @ self.lm_head.t()


def read_ids(path):
    with open(path) as f:
        return [[int(t) for t in line.split()] for line in f if line.strip()]


def greedy(model, prompts, max_new):
    """Returns (new ids [B, max_new], seconds of prefill + first token,
    seconds of the other max_new - 1 steps)."""
    ids = torch.tensor(prompts)
    B, P = ids.shape
    cache = [(torch.zeros(B, model.nkv, P + max_new, model.hd), torch.zeros(B, model.nkv, P + max_new, model.hd))
             for _ in range(model.L)]
    out = torch.zeros(B, max_new, dtype=torch.long)
    t0 = time.perf_counter()
    h = model.forward(ids, cache, 0)
    nxt = model.logits(h[:, -1]).argmax(-1)
    out[:, 0] = nxt
    t1 = time.perf_counter()
    for step in range(1, max_new):
        h = model.forward(nxt.view(B, 1), cache, P + step - 1)
        nxt = model.logits(h[:, -1]).argmax(-1)
        out[:, step] = nxt
    t2 = time.perf_counter()
    return out, t1 - t0, t2 - t1


def mia_window_scores(model, window):
    """loss (mean lp) and mink++_0.4 of one window, as eval/mia_scores.h."""
    ids = torch.tensor([window])
    logits = model.logits(model.forward(ids)[0, :-1])
    logp = torch.log_softmax(logits, dim=-1)  # float32, as DUSK's mia_eval.py
    target = ids[0, 1:]
    lp = logp.gather(1, target.view(-1, 1)).squeeze(1).double()
    p = logp.exp()
    mu = (p * logp).sum(-1).double()
    sigma = ((p * logp * logp).sum(-1).double() - mu * mu).clamp(min=0).sqrt()
    z = ((lp - mu) / (sigma + 1e-6)).numpy()
    k = int(len(z) * 0.4)
    return float(lp.mean()), float(np.sort(z)[:k].mean())


def main():
    mode, model_dir, ids_path = sys.argv[1], sys.argv[2], sys.argv[3]
    torch.set_num_threads(int(sys.argv[6] if mode == "decode" else sys.argv[5]))
    model = Llama(model_dir)
    prompts = read_ids(ids_path)
    with torch.no_grad():
        if mode == "decode":
            max_new, repeats, out_path = int(sys.argv[4]), int(sys.argv[5]), sys.argv[7]
            first, rest = [], []
            for _ in range(repeats):
                out, t_first, t_rest = greedy(model, prompts, max_new)
                first.append(t_first)
                rest.append(t_rest)
            with open(out_path, "w") as f:
                for row in out.tolist():
                    f.write(" ".join(map(str, row)) + "\n")
            B = len(prompts)
            t_rest = statistics.median(rest)
            print(json.dumps({"impl": "pytorch", "batch": B, "prompt_len": len(prompts[0]), "max_new": max_new,
                              "prefill_s": statistics.median(first), "decode_s": t_rest,
                              "decode_tokens_per_s": B * (max_new - 1) / t_rest,
                              "threads": torch.get_num_threads()}))
        else:
            repeats = int(sys.argv[4])
            times, scores = [], None
            for _ in range(repeats):
                t0 = time.perf_counter()
                scores = [mia_window_scores(model, w) for w in prompts]
                times.append(time.perf_counter() - t0)
            t = statistics.median(times)
            n_tokens = sum(len(w) for w in prompts)
            print(json.dumps({"impl": "pytorch", "windows": len(prompts), "tokens": n_tokens, "seconds": t,
                              "tokens_per_s": n_tokens / t, "loss": [s[0] for s in scores],
                              "minkpp_0.4": [s[1] for s in scores], "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
