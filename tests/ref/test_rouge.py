"""dusk rouge against an independent Python implementation of the algorithm
of Google's rouge-score package (default tokenizer, use_stemmer=False, as
DUSK runs it), on thousands of random and real DUSK string pairs.

rouge-score itself is not installable here (no PyPI), so the reference below
is written from the package's documented behaviour:
  tokens: text.lower(); every run of characters outside [a-z0-9] -> " ";
          split on whitespace; keep tokens matching ^[a-z0-9]+$
  rougeN: clipped n-gram overlap, P = overlap / max(#pred, 1),
          R = overlap / max(#target, 1)
  rougeL: LCS of the token lists (zero if either is empty)
  rougeLsum: sentences = non-empty pieces of text.split("\\n"); for each
          target sentence the union of one LCS with every prediction sentence
          (the LCS read back from the DP table: match -> diagonal, else left
          if strictly larger, else up); hits clipped by remaining token counts
  F = 2PR / (P + R), or 0.
Also DUSK's extra verbatim scores: word-level LCS over str.split() words and
character Levenshtein distance / similarity (code points).

Every number must be equal as a float (dusk prints round-trip decimals).
Also: --aggregate (DUSK's report(): max, mean, percentile bootstrap CI)
against Python and scipy.stats.bootstrap, and error handling.
"""
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from collections import Counter

import numpy as np
from scipy import stats

DUSK = os.environ["DUSK"]
SHARED = os.environ.get("SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
DATA = os.path.join(SHARED, "dusk-data", "data", "Prof")

# ---------------------------------------------------------------- reference


def ref_tokens(text):
    spaced = re.sub(r"[^a-z0-9]+", " ", text.lower())
    return [w for w in re.split(r"\s+", spaced) if re.fullmatch(r"[a-z0-9]+", w)]


def f_measure(p, r):
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def ngram_score(t, p, n):
    tc = Counter(tuple(t[i:i + n]) for i in range(len(t) - n + 1))
    pc = Counter(tuple(p[i:i + n]) for i in range(len(p) - n + 1))
    overlap = sum(min(c, pc[g]) for g, c in tc.items())
    prec = overlap / max(sum(pc.values()), 1)
    rec = overlap / max(sum(tc.values()), 1)
    return prec, rec, f_measure(prec, rec)


def lcs_grid(a, b):
    grid = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a, 1):
        row, above = grid[i], grid[i - 1]
        for j, y in enumerate(b, 1):
            row[j] = above[j - 1] + 1 if x == y else max(above[j], row[j - 1])
    return grid


def lcs_positions(ref, can):
    """Positions in ref of the one LCS rouge-score reads back."""
    grid = lcs_grid(ref, can)
    i, j, picked = len(ref), len(can), []
    while i and j:
        if ref[i - 1] == can[j - 1]:
            picked.append(i - 1)
            i, j = i - 1, j - 1
        elif grid[i][j - 1] > grid[i - 1][j]:
            j -= 1
        else:
            i -= 1
    return picked


def lcs_score(t, p):
    if not t or not p:
        return 0.0, 0.0, 0.0
    k = lcs_grid(t, p)[-1][-1]
    return k / len(p), k / len(t), f_measure(k / len(p), k / len(t))


def lsum_score(target, pred, tokenize=ref_tokens):
    refs = [tokenize(s) for s in target.split("\n") if s]
    cands = [tokenize(s) for s in pred.split("\n") if s]
    m, n = sum(map(len, refs)), sum(map(len, cands))
    if not refs or not cands or not m or not n:
        return 0.0, 0.0, 0.0
    left_r = Counter(w for s in refs for w in s)
    left_c = Counter(w for s in cands for w in s)
    hits = 0
    for r in refs:
        union = set()
        for c in cands:
            union.update(lcs_positions(r, c))
        for pos in sorted(union):
            w = r[pos]
            if left_r[w] > 0 and left_c[w] > 0:
                hits += 1
                left_r[w] -= 1
                left_c[w] -= 1
    return hits / n, hits / m, f_measure(hits / n, hits / m)


def levenshtein(a, b):
    """Row-vectorised DP: new[j] = j + min_{k<=j}(t[k] - k), with
    t[k] = min(prev[k] + 1, prev[k-1] + cost)."""
    if not a or not b:
        return max(len(a), len(b))
    bc = np.array([ord(c) for c in b])
    idx = np.arange(len(b) + 1)
    prev = idx.copy()
    for i, ch in enumerate(a, 1):
        t = np.empty(len(b) + 1, dtype=np.int64)
        t[0] = i
        t[1:] = np.minimum(prev[1:] + 1, prev[:-1] + (bc != ord(ch)))
        prev = np.minimum.accumulate(t - idx) + idx
    return int(prev[-1])


def rouge_reference(target, pred, tokenize=ref_tokens):
    """The four ROUGE scores as (P, R, F); tokenize may add a stemmer
    (tests/ref/test_porter.py passes rouge-score's NLTK stemming)."""
    t, p = tokenize(target), tokenize(pred)
    return {
        "rouge1": ngram_score(t, p, 1),
        "rouge2": ngram_score(t, p, 2),
        "rougeL": lcs_score(t, p),
        "rougeLsum": lsum_score(target, pred, tokenize),
    }


def reference(target, pred):
    out = rouge_reference(target, pred)
    wt, wp = target.split(), pred.split()
    out["word_lcs"] = lcs_grid(wt, wp)[-1][-1] if wt and wp else 0
    d = levenshtein(target, pred)
    out["levenshtein_distance"] = d
    out["levenshtein_similarity"] = 1 - d / (max(len(target), len(pred)) or 1)
    return out


# ---------------------------------------------------------------- inputs

WORDS = ["the", "a", "of", "Dr.", "Lancaster", "University", "in", "1973", "and", "was", "born",
         "AI", "x2", "007", "it's", "e-mail", "U.S.A.", "cat", "Cat", "CAT", "dog", "bird"]
ODD = ["café", "naïve", "İstanbul", "\u0130", "\u212a", "K", "ß", "Σίσυφος", "日本語", "😀", "e\u0301",
       "\u00a0", "\u2028", "\u200b", "１２３", "Ⅻ", "ǅ", "ﬁ", "\x0b", "\x1c", "\x85", "\u3000", "--", ",", ".",
       "!", "?", "'", "\"", "(", ")", "\t", "\r", "\r\n", "\n", "\n\n", " \n ", "", "   ", "\\", "_", "1,000"]


def random_text(rng, max_words):
    n = rng.randint(0, max_words)
    parts = []
    for _ in range(n):
        r = rng.random()
        if r < 0.6:
            parts.append(rng.choice(WORDS[: rng.randint(3, len(WORDS))]))
        elif r < 0.85:
            parts.append(rng.choice(ODD))
        else:
            parts.append("".join(rng.choice("abcXYZ019 .\n-") for _ in range(rng.randint(1, 6))))
        parts.append(rng.choice([" ", " ", " ", "", "\n", ", ", "  "]))
    return "".join(parts)


def mutate(rng, text):
    """A prediction sharing much of a target: dropped, repeated, moved words
    and inserted newlines."""
    words = text.split(" ")
    out = []
    for w in words:
        r = rng.random()
        if r < 0.1:
            continue
        out.append(w)
        if r > 0.93:
            out.append(rng.choice(words))
        if r > 0.97:
            out.append("\n")
    if len(out) > 3 and rng.random() < 0.3:
        i, j = sorted(rng.sample(range(len(out)), 2))
        out[i], out[j] = out[j], out[i]
    return " ".join(out)


def real_pairs(rng):
    pairs = []
    with open(os.path.join(DATA, "eval", "verbatim.json"), encoding="utf-8") as f:
        verbatim = json.load(f)
    gts = [d["gt"] for d in verbatim]
    for d in verbatim:
        pairs.append((d["gt"], mutate(rng, d["gt"])))
        pairs.append((d["gt"], rng.choice(gts)))
        words = d["prompt"].split(" ")
        pairs.append((d["gt"], " ".join(words[-rng.randint(20, 110):])))
    answers = []
    for name in ["SpecificForgetQA.jsonl", "SpecificRetainQA.jsonl", "GeneralQA.jsonl"]:
        with open(os.path.join(DATA, "eval", name), encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    rec = json.loads(line)
                    answers.append((rec["question"], rec["answer"]))
    for q, a in answers:
        pairs.append((a, rng.choice(answers)[1]))
        pairs.append((a, q))
        pairs.append((a, f"The answer is {a}."))
    for name in ["Chronological.txt", "Interview.txt", "Listicle.txt"]:
        with open(os.path.join(DATA, name), encoding="utf-8") as f:
            lines = f.read().split("\n")
        for _ in range(60):
            i = rng.randrange(len(lines) - 12)
            target = "\n".join(lines[i:i + rng.randint(1, 8)])
            j = i + rng.randint(-3, 3)
            pred = "\n".join(lines[max(j, 0):max(j, 0) + rng.randint(1, 8)])
            pairs.append((target[:900], mutate(rng, pred[:900])))
    return pairs


# ---------------------------------------------------------------- running


def run_dusk(args, **kw):
    return subprocess.run([DUSK] + args, capture_output=True, **kw)


def check_pairs(pairs, tmp):
    path = os.path.join(tmp, "pairs.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for i, (t, p) in enumerate(pairs):
            f.write(json.dumps({"target": t, "prediction": p}, ensure_ascii=bool(i % 2)) + "\n")
    res = run_dusk(["rouge", "--pairs-file", path])
    assert res.returncode == 0, res.stderr.decode()
    lines = res.stdout.decode().splitlines()
    assert len(lines) == len(pairs), (len(lines), len(pairs))
    bad = 0
    for (t, p), line in zip(pairs, lines):
        got, want = json.loads(line), reference(t, p)
        for key in ["rouge1", "rouge2", "rougeL", "rougeLsum"]:
            for field, w in zip(["precision", "recall", "fmeasure"], want[key]):
                if float(got[key][field]) != float(w):
                    bad += 1
                    if bad < 10:
                        print(f"MISMATCH {key}.{field}: dusk {got[key][field]!r} ref {w!r}\n  t={t!r}\n  p={p!r}")
        for key in ["word_lcs", "levenshtein_distance", "levenshtein_similarity"]:
            if got[key] != want[key]:
                bad += 1
                if bad < 10:
                    print(f"MISMATCH {key}: dusk {got[key]!r} ref {want[key]!r}\n  t={t!r}\n  p={p!r}")
    return bad, path


def check_single_pair():
    t, p = "The quick brown fox jumps over the lazy dog", "The quick brown dog jumps on the log."
    res = run_dusk(["rouge", "--target", t, "--prediction", p])
    assert res.returncode == 0, res.stderr.decode()
    got, want = json.loads(res.stdout), reference(t, p)
    assert set(got) >= {"rouge1", "rouge2", "rougeL", "rougeLsum"}
    for key in ["rouge1", "rouge2", "rougeL", "rougeLsum"]:
        assert [got[key][f] for f in ["precision", "recall", "fmeasure"]] == list(want[key]), key


def check_aggregate(pairs, path):
    res = run_dusk(["rouge", "--pairs-file", path, "--aggregate", "--seed", "7"])
    assert res.returncode == 0, res.stderr.decode()
    agg = json.loads(res.stdout)
    again = json.loads(run_dusk(["rouge", "--pairs-file", path, "--aggregate", "--seed", "7"]).stdout)
    other = json.loads(run_dusk(["rouge", "--pairs-file", path, "--aggregate", "--seed", "8"]).stdout)
    assert agg == again, "same seed must give the same CI"
    assert agg["rougeL_ci_lo"] != other["rougeL_ci_lo"] or agg["rougeL_ci_hi"] != other["rougeL_ci_hi"]
    refs = [reference(t, p) for t, p in pairs]
    series = {
        "rougeL": [r["rougeL"][2] for r in refs],
        "rougeL_recall": [r["rougeL"][1] for r in refs],
        "rouge1": [r["rouge1"][2] for r in refs],
        "rouge1_recall": [r["rouge1"][1] for r in refs],
    }
    assert list(agg)[:4] == ["max_rougeL", "mean_rougeL", "rougeL_ci_lo", "rougeL_ci_hi"]
    assert agg["n"] == len(pairs)
    worst = 0.0
    for key, vals in series.items():
        assert agg[f"max_{key}"] == max(vals), key
        assert agg[f"mean_{key}"] == sum(vals) / len(vals), key  # DUSK: sum(vals) / len(vals)
        lo, hi = agg[f"{key}_ci_lo"], agg[f"{key}_ci_hi"]
        assert lo <= agg[f"mean_{key}"] <= hi, key
        ci = stats.bootstrap((vals,), np.mean, confidence_level=0.95, method="percentile",
                             random_state=np.random.default_rng(1)).confidence_interval
        sd = np.std(vals) / np.sqrt(len(vals))  # spread of the mean
        # same method, different random draws: the ends agree to Monte Carlo error
        for mine, theirs in [(lo, ci.low), (hi, ci.high)]:
            worst = max(worst, abs(mine - theirs) / sd)
    print(f"aggregate: max/mean exact; CI ends within {worst:.3f} standard errors of scipy's")
    assert worst < 0.15, worst


def expect_failure(args, must_mention):
    res = run_dusk(args)
    err = res.stderr.decode(errors="replace")
    assert res.returncode != 0, (args, err)
    assert res.stdout == b"", (args, res.stdout)
    for m in must_mention:
        assert m in err, (m, err)
    assert "Sanitizer" not in err and "runtime error" not in err, err


def check_errors(tmp):
    def write(name, data):
        p = os.path.join(tmp, name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    good = json.dumps({"target": "a b", "prediction": "a"}).encode() + b"\n"
    expect_failure(["rouge", "--pairs-file", os.path.join(tmp, "missing.jsonl")], ["missing.jsonl"])
    p = write("badjson.jsonl", good + b'{"target": "x", \n')
    expect_failure(["rouge", "--pairs-file", p], ["badjson.jsonl:2"])
    p = write("nofield.jsonl", good + good + b'{"target": "x"}\n')
    expect_failure(["rouge", "--pairs-file", p], ["nofield.jsonl:3", "prediction"])
    p = write("notstr.jsonl", b'{"target": 3, "prediction": "x"}\n')
    expect_failure(["rouge", "--pairs-file", p], ["notstr.jsonl:1", "target"])
    p = write("badutf8.jsonl", good + b'{"target": "ok", "prediction": "caf\xc3 x"}\n')
    expect_failure(["rouge", "--pairs-file", p], ["badutf8.jsonl:2", "UTF-8"])
    p = write("empty.jsonl", b"\n  \n")
    expect_failure(["rouge", "--pairs-file", p], ["empty.jsonl", "no records"])
    p = write("array.jsonl", b'["a", "b"]\n')
    expect_failure(["rouge", "--pairs-file", p], ["array.jsonl:1"])
    expect_failure(["rouge", "--target", b"caf\xe9", "--prediction", "x"], ["UTF-8"])
    expect_failure(["rouge", "--target", "x"], ["prediction"])
    expect_failure(["rouge", "--target", "x", "--prediction", "y", "--bogus"], ["bogus"])


def main():
    rng = random.Random(20250521)
    random_pairs = []
    for i in range(3000):
        t = random_text(rng, 40)
        p = mutate(rng, t) if i % 3 == 0 else random_text(rng, 40)
        random_pairs.append((t, p))
    random_pairs += [("", ""), ("", "a"), ("a", ""), ("\n", "\n"), ("!!!", "a"), ("a\n\nb", "b\na"),
                     ("\u0130\u0130", "i i"), ("\u212aelvin", "kelvin"), ("x\n!!\ny", "y\n\nx")]
    real = real_pairs(rng)
    with tempfile.TemporaryDirectory() as tmp:
        bad_random, _ = check_pairs(random_pairs, tmp)
        bad_real, path = check_pairs(real, tmp)
        print(f"random pairs: {len(random_pairs)}, mismatching numbers: {bad_random}")
        print(f"real DUSK pairs: {len(real)}, mismatching numbers: {bad_real}")
        assert bad_random == 0 and bad_real == 0
        check_single_pair()
        check_aggregate(real, path)
        check_errors(tmp)
    print("test_rouge: OK")


if __name__ == "__main__":
    sys.exit(main())
