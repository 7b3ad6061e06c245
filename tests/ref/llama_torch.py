"""An independent PyTorch implementation of HF LlamaForCausalLM semantics
(written from the HF modeling code's documented behaviour, not from dusk):
RMSNorm, rotate_half rotary embeddings (optionally llama3-scaled), grouped-
query attention via repeat_kv, causal softmax, SwiGLU MLP, tied/untied head.
Computes in float64 so that dusk's fp32 results can be judged at 1e-4."""
import math

import torch


def with_hf_defaults(cfg):
    """config.json as transformers' LlamaConfig reads it: keys left out take
    its defaults (a checkpoint dusk writes keeps its source config.json as it
    was, so these may be absent)."""
    full = dict(cfg)
    defaults = {"num_key_value_heads": full["num_attention_heads"],
                "head_dim": full["hidden_size"] // full["num_attention_heads"],
                "rms_norm_eps": 1e-6, "rope_theta": 10000.0}
    for key, value in defaults.items():
        if full.get(key) is None:
            full[key] = value
    return full


def rope_inv_freq(cfg):
    cfg = with_hf_defaults(cfg)
    hd = cfg["head_dim"]
    base = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / (base ** (torch.arange(0, hd, 2, dtype=torch.int64).double() / hd))
    rs = cfg.get("rope_scaling")
    if rs and rs.get("rope_type", rs.get("type")) == "llama3":
        factor, lo, hi = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
        old = rs["original_max_position_embeddings"]
        lo_wl, hi_wl = old / lo, old / hi
        wl = 2 * math.pi / inv
        scaled = torch.where(wl > lo_wl, inv / factor, inv)
        smooth = (old / wl - lo) / (hi - lo)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wl < hi_wl) & ~(wl > lo_wl)
        inv = torch.where(medium, smoothed, scaled)
    return inv


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def rms_norm(x, w, eps):
    var = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(var + eps))


class PlainOps:
    """The two places a forward multiplies matrices: linear layers (and the
    head) and the attention core. test_bf16_grad_torch.py swaps in bf16
    operand rounding here."""

    @staticmethod
    def linear(x, w, b):
        return torch.nn.functional.linear(x, w, b)

    @staticmethod
    def attention(q, k, v, mask, scale):
        """q, k, v: [B, heads, T, hd]; mask: additive [T, T]."""
        return torch.softmax(q @ k.transpose(2, 3) * scale + mask, dim=-1) @ v


def forward(cfg, P, ids, ops=PlainOps):
    """ids: LongTensor [B, T]; P: dict of HF-named parameters. Returns
    (logits [B,T,V], hidden states after each layer)."""
    B, T = ids.shape
    cfg = with_hf_defaults(cfg)
    d, nh, nkv, hd = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["head_dim"]
    eps = cfg["rms_norm_eps"]
    x = P["model.embed_tokens.weight"][ids]
    inv = rope_inv_freq(cfg)
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    emb = torch.cat((ang, ang), dim=-1)
    dt = x.dtype  # float64 for the reference checks; the benchmarks pass float32 weights
    cos, sin = emb.cos().to(dt), emb.sin().to(dt)
    mask = torch.full((T, T), float("-inf"), dtype=dt).triu(1)
    hidden = []
    for l in range(cfg["num_hidden_layers"]):
        p = lambda s: P.get(f"model.layers.{l}.{s}")
        h = rms_norm(x, p("input_layernorm.weight"), eps)
        lin = lambda inp, name: ops.linear(inp, p(name + ".weight"), p(name + ".bias"))
        q = lin(h, "self_attn.q_proj").view(B, T, nh, hd).transpose(1, 2)
        k = lin(h, "self_attn.k_proj").view(B, T, nkv, hd).transpose(1, 2)
        v = lin(h, "self_attn.v_proj").view(B, T, nkv, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        rep = nh // nkv
        k = k[:, :, None].expand(B, nkv, rep, T, hd).reshape(B, nh, T, hd)
        v = v[:, :, None].expand(B, nkv, rep, T, hd).reshape(B, nh, T, hd)
        att = ops.attention(q, k, v, mask, 1.0 / math.sqrt(hd))
        att = att.transpose(1, 2).reshape(B, T, nh * hd)
        x = x + lin(att, "self_attn.o_proj")
        h = rms_norm(x, p("post_attention_layernorm.weight"), eps)
        mlp = lin(torch.nn.functional.silu(lin(h, "mlp.gate_proj")) * lin(h, "mlp.up_proj"), "mlp.down_proj")
        x = x + mlp
        hidden.append(x)
    x = rms_norm(x, P["model.norm.weight"], eps)
    head = P["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else P["lm_head.weight"]
    return ops.linear(x, head, None), hidden


def causal_lm_loss(logits, ids):
    """HF outputs.loss: mean cross-entropy over all B*(T-1) shifted positions."""
    V = logits.shape[-1]
    return torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, V), ids[:, 1:].reshape(-1))
