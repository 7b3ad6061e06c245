"""`dusk eval --only verbmem,qa` against an independent reference of the DUSK
release's generation metrics (written here from the release's semantics:
metrics/rouge_eval.py and metrics/qa_eval.py of AI-ISL/DUSK):

  tokenization   HF `tokenizers` (npm, tests/node/tokenize_batch.js) on the
                 Llama-3 tokenizer.json: prompts encoded with BOS
                 (add_special_tokens=True); outputs decoded with
                 skip_special_tokens and clean_up_tokenization_spaces=True
  model          tests/ref/llama_torch.py in float64
  generation     HF greedy decoding one prompt at a time: argmax of the last
                 position, the EOS token is produced and generation stops
                 (skip_special_tokens then removes it); 128 new tokens for
                 VerbMem, 32 for QA; EOS ids from generation_config.json
  VerbMem        gt = decode(first 128 tokens of BOS + gt); ROUGE(target=gt,
                 prediction=output); the release's mean word LCS
                 (str.split()) and mean character Levenshtein distance
  QA             prompt = every icl.jsonl pair as "Question: q\\nAnswer: a\\n\\n"
                 + "Question: q\\nAnswer: "; output cut with split(w)[0] for
                 w in "\\n\\n", "\\nQuestion", "Question:"
  ROUGE          tests/ref/test_rouge.py's independent rouge-score reference

A random tiny model over the Llama-3 vocabulary (128,256 ids) whose lm_head
rows of a few tokens ("\\n\\n", "Question", ":", EOS ids, a reserved special
token, " .", ...) are scaled up so that greedy decoding often lands on them:
the test counts the QA cuts and EOS stops that really happened and fails if
there are none. First N items of verbatim.json and of each QA file.

Also: --batch 16 and --batch 1 give byte-identical outputs (the release
generates one prompt at a time); EOS comes from generation_config.json when
present (an id only it names stops generation) and from config.json without
it (dusk generate --ids-file against the reference, both ways).
A response that differs is reported with the smallest top-2 logit gap of the
reference along that item, so a float near-tie (fp32 vs float64) shows as
such instead of being tolerated silently."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import llama_torch  # noqa: E402
import safetensors_py  # noqa: E402
import test_rouge  # noqa: E402  (the independent ROUGE reference)

DUSK = os.environ.get("DUSK", "build/dusk")
SHARED = os.environ.get("SHARED", os.path.join(HERE, "..", "..", "..", "shared"))
DATA = os.path.join(SHARED, "dusk-data", "data", "Prof")
TOK = os.path.join(SHARED, "tokenizers", "llama3", "tokenizer.json")
NODE_SCRIPT = os.path.join(HERE, "..", "node", "tokenize_batch.js")
N_ITEMS = 8
VERBMEM_NEW, QA_NEW = 128, 32
BOS, EOS_CONFIG, EOS_EXTRA = 128000, 128001, 128009  # <|begin_of_text|>, <|end_of_text|>, <|eot_id|>
SEED = 3
CFG = dict(vocab_size=128256, hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=2,
           num_key_value_heads=1, max_position_embeddings=2048, rms_norm_eps=1e-5, rope_theta=500000.0,
           tie_word_embeddings=False, initializer_range=0.5, bos_token_id=BOS, eos_token_id=EOS_CONFIG)
# token text -> lm_head row scale (ids looked up with the tokenizer)
BOOST_TEXT = {"\n\n": 3.0, "Question": 3.0, " Question": 2.5, ":": 2.5, "\n": 2.0, " .": 2.0, " '": 2.0, " ,": 2.0,
              " the": 2.0, " Dr": 2.0}
BOOST_IDS = {EOS_CONFIG: 1.5, EOS_EXTRA: 1.8, 128002: 2.0}  # 128002: a reserved special token (skipped on decode)
QA_FILES = {"ufk": "SpecificForgetQA.jsonl", "sk": "GeneralQA.jsonl", "urk": "SpecificRetainQA.jsonl"}
CUTS = ["\n\n", "\nQuestion", "Question:"]
failures = []


def hf_tokenizers(encode=(), decode=(), cleanup=True):
    req = {"tokenizer": TOK, "encode": list(encode), "decode": [list(map(int, d)) for d in decode], "cleanup": cleanup}
    r = subprocess.run(["node", NODE_SCRIPT], input=json.dumps(req), capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


def run(*args):
    r = subprocess.run([DUSK, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"dusk {' '.join(args)} failed: {r.stderr}")
    return r.stdout


# ---------------------------------------------------------------- reference


class Greedy:
    """HF generate(do_sample=False) for one prompt in float64: at each step
    the argmax of the last position's logits is appended, and generation
    stops after an EOS id (kept in the returned ids, as HF keeps it before
    skip_special_tokens drops it) or after max_new tokens.

    For speed, a candidate continuation (from `dusk generate`) is used as
    lookahead only: one causal forward over prompt + candidate gives the
    logits of every step whose prefix the candidate got right; from the first
    step where the reference's argmax differs, it continues one token per
    forward. The result is the reference's own greedy output whatever the
    candidate is (position t's logits depend only on tokens <= t).
    Returns (new ids, stopped at EOS, smallest top-2 logit gap seen)."""

    def __init__(self, cfg, params):
        self.cfg, self.params = cfg, params
        # llama_torch.forward with a one-row head: the logits needed are
        # computed below from the final hidden states of the rows wanted
        self.body = dict(params)
        self.body["lm_head.weight"] = params["lm_head.weight"][:1]
        self.head = params["lm_head.weight"]

    def logits_from(self, ids, first):
        _, hidden = llama_torch.forward(self.cfg, self.body, torch.tensor([ids]))
        h = llama_torch.rms_norm(hidden[-1][0, first:], self.params["model.norm.weight"], self.cfg["rms_norm_eps"])
        return h @ self.head.T

    def __call__(self, prompt_ids, max_new, eos_ids, candidate=()):
        new, cand, min_gap = [], list(candidate)[:max_new], float("inf")
        with torch.no_grad():
            while True:
                look = cand[len(new):]
                rows = self.logits_from(list(prompt_ids) + new + look, len(prompt_ids) + len(new) - 1)
                for r in range(rows.shape[0]):
                    top = torch.topk(rows[r], 2)
                    min_gap = min(min_gap, (top.values[0] - top.values[1]).item())
                    t = int(torch.argmax(rows[r]))
                    new.append(t)
                    if t in eos_ids:
                        return new, True, min_gap
                    if len(new) == max_new:
                        return new, False, min_gap
                    if r >= len(look) or look[r] != t:
                        cand = list(new)  # the lookahead is of no use past here
                        break


def word_lcs(a, b):
    wa, wb = a.split(), b.split()
    dp = [[0] * (len(wb) + 1) for _ in range(len(wa) + 1)]
    for i in range(1, len(wa) + 1):
        for j in range(1, len(wb) + 1):
            dp[i][j] = dp[i - 1][j - 1] + 1 if wa[i - 1] == wb[j - 1] else max(dp[i - 1][j], dp[i][j - 1])
    return dp[-1][-1]


def levenshtein(a, b):
    """Plain DP over code points (python-Levenshtein's distance on str)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        prev = cur
    return prev[-1]


def cut(output):
    for w in CUTS:
        output = output.split(w)[0]
    return output


# ---------------------------------------------------------------- setup


def make_model(tmp):
    cfg_path = os.path.join(tmp, "config.json")
    json.dump(CFG, open(cfg_path, "w"))
    model = os.path.join(tmp, "model")
    run("init", "--config", cfg_path, "--seed", str(SEED), "--out", model)
    st = os.path.join(model, "model.safetensors")
    params = safetensors_py.load(st)
    ids = hf_tokenizers(encode=list(BOOST_TEXT))["encode"]
    boost = dict(BOOST_IDS)
    for (text, scale), enc in zip(BOOST_TEXT.items(), ids):
        if len(enc) != 2 or enc[0] != BOS:
            raise RuntimeError(f"{text!r} is not one token: {enc}")
        boost[enc[1]] = scale
    for i, s in boost.items():
        params["lm_head.weight"][i] *= s
    safetensors_py.save(st, params, {"format": "pt"})
    json.dump({"eos_token_id": [EOS_CONFIG, EOS_EXTRA]}, open(os.path.join(model, "generation_config.json"), "w"))
    full_cfg = json.load(open(os.path.join(model, "config.json")))
    return model, full_cfg, {k: v.double() for k, v in params.items()}


def make_data(tmp):
    """A copy of the data dir with the first N_ITEMS of each eval file."""
    d = os.path.join(tmp, "data")
    os.makedirs(os.path.join(d, "eval"))
    for f in os.listdir(DATA):
        if f.endswith(".txt"):
            os.symlink(os.path.abspath(os.path.join(DATA, f)), os.path.join(d, f))
    verbatim = json.load(open(os.path.join(DATA, "eval", "verbatim.json"), encoding="utf-8"))[:N_ITEMS]
    json.dump(verbatim, open(os.path.join(d, "eval", "verbatim.json"), "w", encoding="utf-8"))
    shutil.copy(os.path.join(DATA, "eval", "icl.jsonl"), os.path.join(d, "eval", "icl.jsonl"))
    qa = {}
    for name, f in QA_FILES.items():
        lines = [line for line in open(os.path.join(DATA, "eval", f), encoding="utf-8") if line.strip()][:N_ITEMS]
        open(os.path.join(d, "eval", f), "w", encoding="utf-8").write("".join(lines))
        qa[name] = [json.loads(line) for line in lines]
    icl = [json.loads(line) for line in open(os.path.join(DATA, "eval", "icl.jsonl"), encoding="utf-8") if line.strip()]
    return d, verbatim, qa, icl


# ---------------------------------------------------------------- checks


def expect_equal(what, got, want, gap=None):
    if got != want:
        note = f" (reference's smallest top-2 logit gap on this item: {gap:.3g})" if gap is not None else ""
        failures.append(f"{what}: dusk {got!r} vs reference {want!r}{note}")


def expect_close(what, got, want, tol=1e-12):
    if abs(got - want) > tol * max(1.0, abs(want)):
        failures.append(f"{what}: dusk {got!r} vs reference {want!r}")


def dusk_generate_ids(tmp, model, prompt_ids, max_new):
    """`dusk generate --ids-file`: the generated ids of each prompt (stop token excluded)."""
    path = os.path.join(tmp, "prompt_ids.txt")
    open(path, "w").write("".join(" ".join(map(str, p)) + "\n" for p in prompt_ids))
    lines = run("generate", "--model", model, "--ids-file", path, "--max-new", str(max_new), "--threads", "1").split("\n")
    return [list(map(int, line.split())) for line in lines[:len(prompt_ids)]]


def reference_all(tmp, model, greedy, verbatim, qa, icl, eos):
    prefix = "".join(f"Question: {p['question']}\nAnswer: {p['answer']}\n\n" for p in icl)
    prompts = [v["prompt"] for v in verbatim] + [prefix + f"Question: {r['question']}\nAnswer: "
                                                 for name in QA_FILES for r in qa[name]]
    gts = [v["gt"] for v in verbatim]
    enc = hf_tokenizers(encode=prompts + gts)["encode"]
    prompt_ids, gt_ids = enc[:len(prompts)], enc[len(prompts):]
    nv = len(verbatim)
    lookahead = (dusk_generate_ids(tmp, model, prompt_ids[:nv], VERBMEM_NEW) +
                 dusk_generate_ids(tmp, model, prompt_ids[nv:], QA_NEW))
    gens = [greedy(p, VERBMEM_NEW if i < nv else QA_NEW, eos, lookahead[i]) for i, p in enumerate(prompt_ids)]
    dec = hf_tokenizers(decode=[g[0] for g in gens] + [g[:VERBMEM_NEW] for g in gt_ids])["decode"]
    return prompt_ids, gens, dec[:len(gens)], dec[len(gens):]


def check_verbmem(out, verbatim, gens, outputs, gt_short, summary):
    items = json.load(open(os.path.join(out, "verbmem.json")))
    lcs, lev, rl = [], [], []
    for i, it in enumerate(items["items"]):
        gap = gens[i][2]
        expect_equal(f"verbmem {i} gt", it["gt"], gt_short[i])
        expect_equal(f"verbmem {i} response", it["response"], outputs[i], gap)
        ref = test_rouge.rouge_reference(gt_short[i], outputs[i])
        for key, (k, j) in {"rougeL": ("rougeL", 2), "rougeL_recall": ("rougeL", 1), "rouge1": ("rouge1", 2),
                            "rouge1_recall": ("rouge1", 1), "rouge2": ("rouge2", 2), "rougeLsum": ("rougeLsum", 2)}.items():
            expect_close(f"verbmem {i} {key}", it[key], ref[k][j])
        lcs.append(word_lcs(gt_short[i], outputs[i]))
        lev.append(levenshtein(gt_short[i], outputs[i]))
        rl.append(ref["rougeL"][2])
        expect_equal(f"verbmem {i} word_lcs", it["word_lcs"], lcs[-1])
        expect_equal(f"verbmem {i} levenshtein_distance", it["levenshtein_distance"], lev[-1])
    agg = items["aggregate"]
    expect_close("verbmem mean_lcs_score", agg["mean_lcs_score"], sum(lcs) / len(lcs))
    expect_close("verbmem mean_levenshtein_similarity (a mean distance)", agg["mean_levenshtein_similarity"],
                 sum(lev) / len(lev))
    expect_close("summary verbmem", summary["verbmem"], 100 * sum(rl) / len(rl))
    return len(items["items"])


def check_qa(out, qa, gens, outputs, summary):
    cuts, k = 0, N_ITEMS
    for name in QA_FILES:
        items = json.load(open(os.path.join(out, f"qa_{name}.json")))["items"]
        rl = []
        for i, it in enumerate(items):
            raw = outputs[k]
            want = cut(raw)
            cuts += want != raw
            expect_equal(f"qa {name} {i} response", it["response"], want, gens[k][2])
            ref = test_rouge.rouge_reference(qa[name][i]["answer"], want)
            for key, (kk, j) in {"rougeL": ("rougeL", 2), "rougeL_recall": ("rougeL", 1), "rouge1": ("rouge1", 2),
                                 "rouge1_recall": ("rouge1", 1)}.items():
                expect_close(f"qa {name} {i} {key}", it[key], ref[kk][j])
            rl.append(ref["rougeL"][2])
            k += 1
        if len(items) != len(qa[name]):
            failures.append(f"qa {name}: {len(items)} items, expected {len(qa[name])}")
        expect_close(f"summary {name}", summary[name], 100 * sum(rl) / len(rl))
    return cuts


def check_no_cleanup(tmp, model, data, raw):
    """--clean-up-spaces false: QA answers are the reference's decode without
    clean_up_tokenization_spaces, then cut."""
    out = os.path.join(tmp, "out-nocleanup")
    run("eval", "--model", model, "--tokenizer", TOK, "--data", data, "--out", out, "--only", "qa",
        "--clean-up-spaces", "false", "--threads", "1")
    k = N_ITEMS
    for name in QA_FILES:
        for i, it in enumerate(json.load(open(os.path.join(out, f"qa_{name}.json")))["items"]):
            expect_equal(f"qa {name} {i} response without cleanup", it["response"], cut(raw[k]))
            k += 1
    rec = json.load(open(os.path.join(out, "summary.json")))["run"]["clean_up_tokenization_spaces"]
    expect_equal("run clean_up_tokenization_spaces with --clean-up-spaces false",
                 (rec["generation"], rec["mia_windows"]), (False, False))


def check_config_eos(tmp, model, greedy, prompt_ids, gens):
    """Without generation_config.json only config.json's EOS stops: the items
    that stopped at the generation_config-only id now go on. dusk generate
    --ids-file against the reference, with and without the file."""
    chosen = [i for i, g in enumerate(gens) if i >= N_ITEMS and g[1] and g[0][-1] == EOS_EXTRA][:3]
    if not chosen:
        failures.append(f"no generation stopped at {EOS_EXTRA}: the generation_config.json check would be vacuous")
        return
    gen_cfg = os.path.join(model, "generation_config.json")
    saved = open(gen_cfg).read()
    open(gen_cfg, "w").write('{"eos_token_id": [1, "x"]}')
    r = subprocess.run([DUSK, "generate", "--model", model, "--tokenizer", TOK, "--max-new", "1"], capture_output=True, text=True)
    if r.returncode == 0 or "generation_config.json" not in r.stderr or "eos_token_id" not in r.stderr:
        failures.append(f"a bad generation_config.json: exit {r.returncode}, message {r.stderr.strip()!r}")
    open(gen_cfg, "w").write(saved)
    for with_file in (True, False):
        if not with_file:
            os.remove(gen_cfg)
        got = dusk_generate_ids(tmp, model, [prompt_ids[i] for i in chosen], QA_NEW)
        for i, g in zip(chosen, got):
            eos = {EOS_CONFIG, EOS_EXTRA} if with_file else {EOS_CONFIG}
            new, stopped, gap = greedy(prompt_ids[i], QA_NEW, eos, g)
            want = new[:-1] if stopped else new  # dusk prints the ids without the stop token
            expect_equal(f"generate item {i} ({'with' if with_file else 'without'} generation_config.json)", g, want, gap)
            if not with_file and len(want) <= len(gens[i][0]) - 1:
                failures.append(f"item {i}: without generation_config.json generation did not go past {EOS_EXTRA}")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        model, cfg, params = make_model(tmp)
        data, verbatim, qa, icl = make_data(tmp)
        outs = {}
        for batch in ("16", "1"):
            outs[batch] = os.path.join(tmp, f"out{batch}")
            run("eval", "--model", model, "--tokenizer", TOK, "--data", data, "--out", outs[batch],
                "--only", "verbmem,qa", "--batch", batch, "--threads", "1")
        for f in ("verbmem.json", "qa_ufk.json", "qa_sk.json", "qa_urk.json"):
            if open(os.path.join(outs["16"], f), "rb").read() != open(os.path.join(outs["1"], f), "rb").read():
                failures.append(f"{f}: --batch 16 and --batch 1 differ")
        summary = json.load(open(os.path.join(outs["16"], "summary.json")))
        run_rec = summary["run"]
        expect_equal("run generation_eos", run_rec["generation_eos"],
                     {"token_ids": [EOS_CONFIG, EOS_EXTRA], "source": "generation_config.json"})
        expect_equal("run clean_up_tokenization_spaces.generation", run_rec["clean_up_tokenization_spaces"]["generation"], True)

        greedy = Greedy(cfg, params)
        prompt_ids, gens, outputs, gt_short = reference_all(tmp, model, greedy, verbatim, qa, icl, {EOS_CONFIG, EOS_EXTRA})
        longest = max(len(p) for p in prompt_ids[:len(verbatim)])
        n_verb = check_verbmem(outs["16"], verbatim, gens, outputs, gt_short, summary)
        cuts = check_qa(outs["16"], qa, gens, outputs, summary)
        eos_stops = sum(g[1] for g in gens)
        extra_stops = sum(g[1] and g[0][-1] == EOS_EXTRA for g in gens)
        specials = sum(128002 in g[0] for g in gens)
        raw = hf_tokenizers(decode=[g[0] for g in gens], cleanup=False)["decode"]
        cleaned = sum(r != o for r, o in zip(raw, outputs))
        min_gap = min(g[2] for g in gens)
        print(f"{n_verb} VerbMem items (longest prompt {longest} tokens) + {len(gens) - n_verb} QA items; "
              f"{eos_stops} EOS stops ({extra_stops} at generation_config.json's extra id), {cuts} QA outputs cut, "
              f"{specials} outputs with a skipped special token, {cleaned} changed by the cleanup; smallest top-2 logit gap {min_gap:.3g}")
        if cuts == 0:
            failures.append("no QA output was cut: the cut check is vacuous")
        if eos_stops == 0:
            failures.append("no generation stopped at EOS: the EOS check is vacuous")
        if longest < 1000:
            failures.append(f"the longest VerbMem prompt has only {longest} tokens")
        if cleaned == 0:
            failures.append("clean_up_tokenization_spaces changed no output: its check is vacuous")
        check_no_cleanup(tmp, model, data, raw)
        check_config_eos(tmp, model, greedy, prompt_ids, gens)
    if failures:
        print("FAILED:", *failures[:30], sep="\n  ")
        sys.exit(1)
    print("test_eval_generation_torch: OK")


if __name__ == "__main__":
    main()
