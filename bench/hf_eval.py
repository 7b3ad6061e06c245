"""HF transformers doing the generation and forward work of `dusk eval` on the
real DUSK data, for bench/cuda_eval.sh's wall-time comparison; and the
random 1B-shaped checkpoint both read.

   python3 bench/hf_eval.py make-model --out DIR --tokenizer TOKENIZER.json [--config 1b|tiny] [--device cuda]
       [--config-only]
   python3 bench/hf_eval.py eval --model DIR --data DATA/Prof [--batch 16] [--attn sdpa] [--device cuda]

make-model: a Llama-3.2-1B-shaped checkpoint (tiny: a 2-layer one for CPU
checks) with the tokenizer's vocabulary, random N(0, 0.02) weights (norms 1)
drawn on the device in bf16 and written as model.safetensors under HF's
tensor names (tied embeddings: no lm_head.weight), a config.json in the
classic rope_theta/rope_scaling form both dusk and transformers read, and
the tokenizer.json. Needs torch alone, and takes seconds on a GPU where
`dusk init` draws the 1.2 billion numbers on one CPU core (about a minute).

eval: what `dusk eval` computes with the model (src/eval/metrics): greedy
generation of 128 new tokens after BOS + each of the 47 verbatim.json
prompts (VerbMem); greedy 32 new tokens after BOS + the ICL few-shot prompt
for the 273 questions of SpecificForgetQA, GeneralQA and SpecificRetainQA
(QA; the outputs are cut at the stop strings afterwards, generation stops
only at EOS: a random model does not write the stop strings); one forward
pass per MIA window (the 1024-token windows of the forget document, the
four retain documents and eval/holdout.txt, cut as data/chunks.c does: the
document's BOS-encoded ids in consecutive 1024-token spans, each decoded and
re-encoded) with every scored token's log-probability and the mean and
standard deviation of log p under p (Min-K%++'s statistics), as
logprob_row_stats does, and the windows' loss and Min-K%++ 40% scores.
Prompts and windows go `--batch` at a time (default 16, as dusk eval),
left-padded for generation, right-padded for the forward. ROUGE and the
AUROC tables are not computed (milliseconds of CPU in dusk).
Prints one JSON line: load_s, verbmem_s, qa_s, mia_s, work_s (their sum),
the prompt/window counts and generated-token counts. """
import argparse
import json
import math
import os
import struct
import sys
import time

import torch

SHAPES = {
    "1b": dict(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
               num_key_value_heads=8, max_position_embeddings=131072),
    "tiny": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2, max_position_embeddings=2048),
}
FORGET = ["Chronological"]
RETAIN = ["Interview", "Feature_Story", "Inverted_Pyramid", "Listicle"]  # the reference's order
QA_FILES = ["SpecificForgetQA", "GeneralQA", "SpecificRetainQA"]
QA_STOPS = ["\n\n", "\nQuestion", "Question:"]


def tokenizer_vocab_size(path):
    """Highest id in tokenizer.json (the model vocabulary and added tokens) + 1."""
    t = json.load(open(path, encoding="utf-8"))
    ids = list(t["model"]["vocab"].values()) + [a["id"] for a in t.get("added_tokens", [])]
    return max(ids) + 1


def special_id(path, content):
    for a in json.load(open(path, encoding="utf-8")).get("added_tokens", []):
        if a["content"] == content:
            return a["id"]
    return None


def write_safetensors(path, tensors):
    """bf16 tensors in the safetensors layout (8-byte little-endian header
    length, the JSON header, the data), written here so that make-model
    needs torch alone and runs on the CPU checks' torch 1.13 too."""
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, t in tensors.items():
        n = t.numel() * 2
        header[name] = {"dtype": "BF16", "shape": list(t.shape), "data_offsets": [offset, offset + n]}
        offset += n
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)  # the data starts 8-aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)) + blob)
        for t in tensors.values():
            f.write(t.detach().contiguous().view(torch.int16).cpu().numpy().tobytes())


def make_model(a):
    tok_path = a.tokenizer
    V = tokenizer_vocab_size(tok_path)
    s = SHAPES[a.config]
    d, nh, nkv, ff = s["hidden_size"], s["num_attention_heads"], s["num_key_value_heads"], s["intermediate_size"]
    hd = d // nh
    bos = special_id(tok_path, "<|begin_of_text|>")
    eos = [i for i in (special_id(tok_path, t) for t in ("<|end_of_text|>", "<|eom_id|>", "<|eot_id|>")) if i is not None]
    cfg = dict(architectures=["LlamaForCausalLM"], model_type="llama", vocab_size=V, head_dim=hd, hidden_act="silu",
               rms_norm_eps=1e-5, rope_theta=500000.0, initializer_range=0.02, tie_word_embeddings=True,
               attention_bias=False, mlp_bias=False, torch_dtype="bfloat16", use_cache=True,
               rope_scaling={"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                             "original_max_position_embeddings": 8192}, **s)
    if bos is not None:
        cfg["bos_token_id"] = bos
    if eos:
        cfg["eos_token_id"] = eos
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    if a.config_only:  # for `dusk init --config` (bench/cuda_eval.sh with DUSK_EVAL_INIT=dusk)
        return
    dev = torch.device(a.device)
    g = torch.Generator(device=dev).manual_seed(a.seed)

    def normal(*shape):
        return torch.empty(*shape, device=dev, dtype=torch.bfloat16).normal_(0.0, 0.02, generator=g)

    def ones(n):
        return torch.ones(n, device=dev, dtype=torch.bfloat16)

    w = {"model.embed_tokens.weight": normal(V, d), "model.norm.weight": ones(d)}
    for l in range(s["num_hidden_layers"]):
        p = f"model.layers.{l}."
        w[p + "input_layernorm.weight"] = ones(d)
        w[p + "post_attention_layernorm.weight"] = ones(d)
        w[p + "self_attn.q_proj.weight"] = normal(nh * hd, d)
        w[p + "self_attn.k_proj.weight"] = normal(nkv * hd, d)
        w[p + "self_attn.v_proj.weight"] = normal(nkv * hd, d)
        w[p + "self_attn.o_proj.weight"] = normal(d, nh * hd)
        w[p + "mlp.gate_proj.weight"] = normal(ff, d)
        w[p + "mlp.up_proj.weight"] = normal(ff, d)
        w[p + "mlp.down_proj.weight"] = normal(d, ff)
    write_safetensors(os.path.join(a.out, "model.safetensors"), w)
    with open(tok_path, "rb") as src, open(os.path.join(a.out, "tokenizer.json"), "wb") as dst:
        dst.write(src.read())
    n = sum(v.numel() for v in w.values())
    print(json.dumps({"made": a.out, "config": a.config, "vocab_size": V, "params": n}))


# ---------------------------------------------------------------- eval


def read_text(path):
    with open(path, encoding="utf-8") as f:  # text mode: \r\n -> \n, as the reference reads it
        return f.read()


def mia_windows(tok, text, window):
    """data/chunks.c's windows: BOS-encoded ids of the stripped text in whole
    window-sized spans, each decoded (special tokens skipped) and re-encoded."""
    ids = tok.encode(text.strip()).ids
    out = []
    for start in range(0, len(ids) - window + 1, window):
        out.append(tok.encode(tok.decode(ids[start:start + window], skip_special_tokens=True)).ids)
    return out


def generate(model, tok, prompts, max_new, batch, pad, eos, dev):
    """Greedy generation, batch prompts at a time, left-padded; returns texts and generated-token count."""
    texts, generated = [], 0
    for s in range(0, len(prompts), batch):
        enc = [tok.encode(p).ids for p in prompts[s:s + batch]]
        L = max(len(e) for e in enc)
        ids = torch.full((len(enc), L), pad, dtype=torch.long)
        mask = torch.zeros((len(enc), L), dtype=torch.long)
        for i, e in enumerate(enc):
            ids[i, L - len(e):] = torch.tensor(e)
            mask[i, L - len(e):] = 1
        with torch.no_grad():
            out = model.generate(input_ids=ids.to(dev), attention_mask=mask.to(dev), max_new_tokens=max_new,
                                 do_sample=False, pad_token_id=pad, eos_token_id=eos)
        for row in out[:, L:].tolist():
            n = next((i + 1 for i, t in enumerate(row) if t in eos), len(row))
            generated += n
            texts.append(tok.decode(row[:n], skip_special_tokens=True))
    return texts, generated


def row_stats(logits, targets):
    """log p(target), E_p[log p] and sd_p[log p] per row (fp32), as logprob_row_stats."""
    logp = torch.log_softmax(logits.float(), -1)
    lp = logp.gather(-1, targets[:, None]).squeeze(-1)
    p = logp.exp()
    mu = (p * logp).sum(-1)
    var = (p * logp * logp).sum(-1) - mu * mu
    return lp, mu, var.clamp_min(0).sqrt()


def mia_scores(model, windows, batch, pad, dev):
    scores = []
    for s in range(0, len(windows), batch):
        chunk = windows[s:s + batch]
        L = max(len(w) for w in chunk)
        ids = torch.full((len(chunk), L), pad, dtype=torch.long)
        mask = torch.zeros((len(chunk), L), dtype=torch.long)
        for i, w in enumerate(chunk):
            ids[i, :len(w)] = torch.tensor(w)
            mask[i, :len(w)] = 1
        ids, mask = ids.to(dev), mask.to(dev)
        with torch.no_grad():
            logits = model(input_ids=ids, attention_mask=mask, use_cache=False).logits
            for i, w in enumerate(chunk):
                n = len(w)
                lp, mu, sd = row_stats(logits[i, :n - 1], ids[i, 1:n])
                z = ((lp - mu) / sd.clamp_min(1e-12)).sort().values
                k = max(1, int(0.4 * (n - 1)))
                scores.append({"loss": -lp.mean().item(), "mink++_0.4": z[:k].mean().item()})
    return scores


def hf_load(path, attn, dev):
    import transformers
    from transformers import LlamaForCausalLM

    dtype_kw = "dtype" if int(transformers.__version__.split(".")[0]) >= 5 else "torch_dtype"
    m = LlamaForCausalLM.from_pretrained(path, attn_implementation=attn, **{dtype_kw: torch.bfloat16})
    return m.to(dev).eval(), transformers.__version__


def run_eval(a):
    from tokenizers import Tokenizer

    dev = torch.device(a.device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    tok_path = os.path.join(a.model, "tokenizer.json")
    tok = Tokenizer.from_file(tok_path)
    cfg = json.load(open(os.path.join(a.model, "config.json")))
    eos = cfg.get("eos_token_id", [])
    eos = eos if isinstance(eos, list) else [eos]
    pad = eos[0] if eos else 0
    t0 = time.perf_counter()
    model, hf_version = hf_load(a.model, a.attn, dev)
    sync()
    times = {"load_s": time.perf_counter() - t0}
    out = {"impl": "hf", "transformers": hf_version, "torch": torch.__version__, "batch": a.batch,
           "attn": getattr(model.config, "_attn_implementation", a.attn)}

    t0 = time.perf_counter()
    verbatim = json.load(open(os.path.join(a.data, "eval", "verbatim.json"), encoding="utf-8"))
    _, out["verbmem_generated_tokens"] = generate(model, tok, [r["prompt"] for r in verbatim], 128, a.batch, pad,
                                                  eos, dev)
    sync()
    times["verbmem_s"] = time.perf_counter() - t0
    out["verbmem_prompts"] = len(verbatim)

    t0 = time.perf_counter()
    jsonl = lambda name: [json.loads(l) for l in read_text(os.path.join(a.data, "eval", name)).splitlines() if l.strip()]
    prefix = "".join(f"Question: {r['question']}\nAnswer: {r['answer']}\n\n" for r in jsonl("icl.jsonl"))
    questions = [r["question"] for f in QA_FILES for r in jsonl(f + ".jsonl")]
    texts, out["qa_generated_tokens"] = generate(model, tok, [f"{prefix}Question: {q}\nAnswer: " for q in questions],
                                                 32, a.batch, pad, eos, dev)
    for stop in QA_STOPS:  # the cut dusk makes (cheap; kept so the work matches)
        texts = [t.split(stop)[0] for t in texts]
    sync()
    times["qa_s"] = time.perf_counter() - t0
    out["qa_prompts"] = len(questions)

    t0 = time.perf_counter()
    files = [os.path.join(a.data, d + ".txt") for d in FORGET + RETAIN] + [os.path.join(a.data, "eval", "holdout.txt")]
    windows = [w for f in files for w in mia_windows(tok, read_text(f), a.window)]
    scores = mia_scores(model, windows, a.batch, pad, dev)
    sync()
    times["mia_s"] = time.perf_counter() - t0
    out["mia_windows"] = len(windows)
    out["mia_mean_loss"] = sum(s["loss"] for s in scores) / len(scores)
    times["work_s"] = times["verbmem_s"] + times["qa_s"] + times["mia_s"]
    out.update({k: round(v, 2) for k, v in times.items()})
    print(json.dumps(out), flush=True)
    if not math.isfinite(out["mia_mean_loss"]):
        sys.exit("hf_eval: the MIA loss is not finite")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    mk = sub.add_parser("make-model")
    mk.add_argument("--out", required=True)
    mk.add_argument("--tokenizer", required=True)
    mk.add_argument("--config", default="1b", choices=sorted(SHAPES))
    mk.add_argument("--seed", type=int, default=1)
    mk.add_argument("--device", default="cuda")
    mk.add_argument("--config-only", action="store_true", help="write config.json alone")
    ev = sub.add_parser("eval")
    ev.add_argument("--model", required=True)
    ev.add_argument("--data", required=True)
    ev.add_argument("--batch", type=int, default=16)
    ev.add_argument("--window", type=int, default=1024)
    ev.add_argument("--attn", default="sdpa", choices=["sdpa", "eager"])
    ev.add_argument("--device", default="cuda")
    a = ap.parse_args()
    make_model(a) if a.cmd == "make-model" else run_eval(a)


if __name__ == "__main__":
    main()
