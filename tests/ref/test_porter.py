"""dusk's Porter stemmer and `dusk rouge --stemmer` against NLTK.

Google's rouge-score with use_stemmer=True tokenizes as without it and then
replaces every token longer than three characters by
nltk.stem.porter.PorterStemmer().stem(token) (default mode NLTK_EXTENSIONS);
shorter tokens are kept. This test needs Debian's python3-nltk.

1. Every distinct token of the five DUSK documents plus thousands of
   generated words built to hit each rule (every suffix after stems of
   every shape, y after vowels/consonants and in runs, digits, NLTK's
   irregular forms, short words) go through `dusk rouge --stem-words` in one
   process; every line must equal the NLTK stem (or the word if len <= 3).
2. ROUGE-1/2/L/Lsum with stemming on real DUSK sentence pairs, computed here
   independently of dusk with NLTK's stemmer, must match `dusk rouge
   --stemmer --pairs-file` (1e-12), and the single-pair mode must agree too.
"""
import json
import os
import random
import re
import subprocess
import sys
import tempfile

from nltk.stem.porter import PorterStemmer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_rouge import rouge_reference  # noqa: E402

DUSK = os.environ["DUSK"]
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SHARED = os.environ.get("SHARED", os.path.join(ROOT, "..", "shared"))
DATA = os.path.join(SHARED, "dusk-data", "data", "Prof")
DOCS = ["Chronological.txt", "Feature_Story.txt", "Interview.txt", "Inverted_Pyramid.txt", "Listicle.txt"]
TOL = 1e-12

STEMMER = PorterStemmer()


def rouge_stem(word):
    return STEMMER.stem(word) if len(word) > 3 else word


def tokens(text, stem):
    spaced = re.sub(r"[^a-z0-9]+", " ", text.lower())
    words = [w for w in spaced.split(" ") if w]
    if stem:
        words = [rouge_stem(w) for w in words]
    return [w for w in words if re.fullmatch(r"[a-z0-9]+", w)]


def read_doc(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        return f.read()


# ---------------------------------------------------------------- word list

SUFFIXES = """ational tional enci anci izer bli abli alli entli eli ousli ization ation ator alism
iveness fulness ousness aliti iviti biliti fulli logi icate ative alize iciti ical ful ness al ance
ence er ic able ible ant ement ment ent sion tion ion ou ism ate iti ous ive ize e ll ly ies ied eed
ing ed sses ss s y ying ier iest izing ized ating ated bled bling izes ating ations alities ically
fully lessly ingly edly ements ously ivenesses fulnesses logies logy ally tionally ationally
eeds eeding ieds yed yer yly yness""".split()

STEMS = """a y b e i o u ab ba at yy ay by ey oy hop fil fail tann fizz hiss fall fell conform radic
geo theo archaeo relat condition valen hesit digit vile analog predic oper feud decis hope callous
formal sensitiv sensib tripl electr good reviv allow infer airlin gyroscop adjust defens irrit
replac depend adopt homolog commun activ angular effect bowdler probat rat ceas control rol sp fl
tr enjo happ sk d l t w x cann inn out proc exc succ ow ox how ag agr fe bl tro sky spi di li ti
pl playe sayy toyy bu yo yay syzyg qu str squ 2 a1 x9y 42x 0 1a2""".split() + [""]

IRREGULAR = ["sky", "skies", "dying", "lying", "tying", "news", "innings", "inning", "outings", "outing",
             "cannings", "canning", "howe", "proceed", "exceed", "succeed"]


def random_word(rng):
    letters = "bcdfghjklmnpqrstvwxz"
    n = rng.randint(1, 12)
    out = []
    for _ in range(n):
        r = rng.random()
        out.append(rng.choice("aeiou") if r < 0.35 else "y" if r < 0.45 else rng.choice("0123456789")
                   if r < 0.5 else rng.choice(letters))
    word = "".join(out)
    if rng.random() < 0.7:
        word += rng.choice(SUFFIXES)
    return word


def generated_words():
    rng = random.Random(1980)
    words = set(IRREGULAR) | set(SUFFIXES)
    for stem in STEMS:
        for suf in SUFFIXES:
            words.add(stem + suf)
            words.add(stem + stem[-1:] + suf)  # doubled consonant before the suffix
    for _ in range(3000):
        a, b = rng.sample(SUFFIXES, 2)
        words.add(rng.choice(STEMS) + a + b)
    for _ in range(6000):
        words.add(random_word(rng))
    for k in range(1, 40):  # runs of y, whose consonant-ness alternates
        for pre in ["", "a", "b", "ab", "ba"]:
            for suf in ["", "s", "ed", "ing", "e", "al"]:
                words.add(pre + "y" * k + suf)
    for irr in IRREGULAR:  # near misses of the irregular pool
        words.update([irr + "s", irr[1:], "x" + irr, irr[:-1]])
    for c in "abcdefghijklmnopqrstuvwxyz0123456789":
        for d in "aeiouybsz0":
            words.update([c, c + d, d + c, c + d + c])
    return {w for w in words if re.fullmatch(r"[a-z0-9]+", w)}


def word_list():
    doc_words = set()
    for name in DOCS:
        doc_words.update(tokens(read_doc(name), stem=False))
    gen = generated_words() - doc_words
    return sorted(doc_words), sorted(gen)


def check_words():
    doc_words, gen_words = word_list()
    words = doc_words + gen_words
    res = subprocess.run([DUSK, "rouge", "--stem-words"], input="\n".join(words).encode(), capture_output=True)
    assert res.returncode == 0, res.stderr.decode()
    got = res.stdout.decode().split("\n")
    assert got[-1] == "", "output must end with a newline"
    got = got[:-1]
    assert len(got) == len(words), (len(got), len(words))
    bad = 0
    for w, g in zip(words, got):
        want = rouge_stem(w)
        if g != want:
            bad += 1
            if bad <= 20:
                print(f"MISMATCH {w!r}: dusk {g!r} nltk {want!r}")
    changed = sum(rouge_stem(w) != w for w in words)
    print(f"{len(words)} words ({len(doc_words)} from the DUSK documents, {len(gen_words)} generated; "
          f"{changed} changed by stemming), {bad} mismatches")
    return bad


# ---------------------------------------------------------------- ROUGE


def reference(target, pred, stem=True):
    """ROUGE by test_rouge.py's independent rouge-score reference, with
    rouge-score's tokenizer plus (stem=True) NLTK stemming."""
    return rouge_reference(target, pred, lambda text: tokens(text, stem))


INFLECT = [("", "s"), ("", "ing"), ("", "ed"), ("", "ly"), ("e", "ing"), ("y", "ies"), ("s", ""),
           ("ing", ""), ("ed", ""), ("ation", "ate"), ("al", "ally"), ("ness", ""), ("", "ness")]


def inflect(rng, text):
    """Rewrite some words' endings, so that stemming decides what matches."""
    out = []
    for w in text.split(" "):
        if rng.random() < 0.3:
            old, new = rng.choice(INFLECT)
            if w.endswith(old) and len(w) > len(old) + 2:
                w = w[:len(w) - len(old)] + new
        if rng.random() < 0.05:
            continue
        out.append(w)
    return " ".join(out)


def real_pairs(rng):
    pairs = []
    for name in DOCS:
        lines = [l for l in read_doc(name).split("\n") if l.strip()]
        for _ in range(80):
            i = rng.randrange(len(lines) - 6)
            target = "\n".join(lines[i:i + rng.randint(1, 4)])[:700]
            if rng.random() < 0.7:
                pred = inflect(rng, target)
            else:
                pred = "\n".join(lines[i + 1:i + 1 + rng.randint(1, 4)])[:700]
            pairs.append((target, pred))
    with open(os.path.join(DATA, "eval", "SpecificForgetQA.jsonl"), encoding="utf-8") as f:
        qa = [json.loads(l) for l in f if l.strip()]
    for rec in qa:
        pairs.append((rec["answer"], inflect(rng, rec["answer"])))
        pairs.append((rec["answer"], rec["question"]))
    pairs += [("running runs ran", "run"), ("the dying sky", "die skies"), ("a an", "a"), ("", "x"),
              ("Generalizations", "generalization"), ("feed agreed", "feeds agree")]
    return pairs


def compare(got, want, what):
    bad = 0
    for key in ["rouge1", "rouge2", "rougeL", "rougeLsum"]:
        for field, w in zip(["precision", "recall", "fmeasure"], want[key]):
            if abs(float(got[key][field]) - w) > TOL:
                bad += 1
                if bad <= 5:
                    print(f"MISMATCH {key}.{field}: dusk {got[key][field]!r} ref {w!r} ({what})")
    return bad


def check_rouge(tmp):
    rng = random.Random(2025)
    pairs = real_pairs(rng)
    path = os.path.join(tmp, "pairs.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for t, p in pairs:
            f.write(json.dumps({"target": t, "prediction": p}) + "\n")
    res = subprocess.run([DUSK, "rouge", "--stemmer", "--pairs-file", path], capture_output=True)
    assert res.returncode == 0, res.stderr.decode()
    lines = res.stdout.decode().splitlines()
    assert len(lines) == len(pairs), (len(lines), len(pairs))
    bad = differs = 0
    for (t, p), line in zip(pairs, lines):
        want = reference(t, p)
        bad += compare(json.loads(line), want, f"t={t[:60]!r} p={p[:60]!r}")
        differs += want != reference(t, p, stem=False)
    print(f"ROUGE with stemming: {len(pairs)} real DUSK pairs ({differs} where stemming changes a score), "
          f"{bad} mismatching numbers")
    assert differs > len(pairs) // 3, "the pairs should exercise stemming"

    t, p = "Professors were teaching classes happily", "The professor teaches a class; happy!"
    res = subprocess.run([DUSK, "rouge", "--stemmer", "--target", t, "--prediction", p], capture_output=True)
    assert res.returncode == 0, res.stderr.decode()
    bad += compare(json.loads(res.stdout), reference(t, p), "single pair")
    plain = json.loads(subprocess.run([DUSK, "rouge", "--target", t, "--prediction", p],
                                      capture_output=True, check=True).stdout)
    bad += compare(plain, reference(t, p, stem=False), "single pair, no stemmer")
    assert json.loads(res.stdout)["rouge1"]["fmeasure"] > plain["rouge1"]["fmeasure"]
    return bad


def main():
    bad_words = check_words()
    with tempfile.TemporaryDirectory() as tmp:
        bad_rouge = check_rouge(tmp)
    res = subprocess.run([DUSK, "rouge", "--stem-words", "--target", "x"], input=b"", capture_output=True)
    assert res.returncode != 0 and res.stdout == b"", "--stem-words takes no pair"
    if bad_words or bad_rouge:
        print("test_porter: FAILED")
        return 1
    print("test_porter: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
