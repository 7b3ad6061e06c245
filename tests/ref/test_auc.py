"""dusk auc against Debian's sklearn: the AUROC of list a (label 0) against
list b (label 1), as DUSK's compute_auroc does it (roc_curve + auc), and
roc_auc_score. Random lists with many ties, tiny lists, lists past numpy's
8192-element summation block, and bad input. Equality is exact (==)."""
import os
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.metrics import auc, roc_auc_score, roc_curve

DUSK = os.environ["DUSK"]


def sklearn_auroc(a, b):
    labels = [0] * len(a) + [1] * len(b)
    scores = list(a) + list(b)
    fpr, tpr, _ = roc_curve(labels, scores)
    return auc(fpr, tpr), roc_auc_score(labels, scores)


def write_scores(path, values, rng):
    # vary the layout: one per line, several per line, tabs, trailing blanks
    seps = [" ", "\n", "\t", "  \n"]
    with open(path, "w") as f:
        for v in values:
            f.write(repr(float(v)) + seps[rng.integers(len(seps))])


def dusk_auroc(tmp, a, b, rng):
    pa, pb = os.path.join(tmp, "a.txt"), os.path.join(tmp, "b.txt")
    write_scores(pa, a, rng)
    write_scores(pb, b, rng)
    res = subprocess.run([DUSK, "auc", "--a", pa, "--b", pb], capture_output=True)
    assert res.returncode == 0, res.stderr.decode()
    return float(res.stdout)


def brute_force(a, b):
    """P(b > a) + P(tie) / 2 by counting all pairs."""
    a, b = np.asarray(a)[:, None], np.asarray(b)[None, :]
    return ((b > a).sum() + 0.5 * (b == a).sum()) / (a.size * b.size)


def cases(rng):
    yield [1.0], [2.0]
    yield [2.0], [1.0]
    yield [1.0], [1.0]
    yield [0.0, -0.0], [0.0]
    yield [1, 2, 3, 4], [2, 3.5, 4, 5]
    yield [5, 5, 5], [5, 5]
    for _ in range(300):
        na, nb = rng.integers(1, 60, size=2)
        kind = rng.integers(4)
        if kind == 0:  # heavy ties: few distinct integers
            k = rng.integers(1, 6)
            a, b = rng.integers(0, k, na), rng.integers(0, k, nb) + rng.integers(0, 2)
        elif kind == 1:  # rounded floats
            a, b = np.round(rng.normal(0, 1, na), 1), np.round(rng.normal(0.3, 1, nb), 1)
        elif kind == 2:  # MIA-like continuous scores
            a, b = -rng.gamma(2.0, 1.5, na), -rng.gamma(2.0, 1.3, nb)
        else:  # shared values between the lists
            pool = rng.normal(0, 1, 8)
            a, b = rng.choice(pool, na), rng.choice(pool, nb)
        yield a.astype(float), b.astype(float)
    for n in (100, 5000, 9000, 20000):  # ROC curves longer than numpy's 8192 block
        yield rng.normal(0, 1, n), rng.normal(0.1, 1, n + 7)


def check_errors(tmp):
    def write(name, text):
        p = os.path.join(tmp, name)
        with open(p, "wb") as f:
            f.write(text)
        return p

    good = write("good.txt", b"1 2 3\n")

    def fails(a, b, *needles):
        res = subprocess.run([DUSK, "auc", "--a", a, "--b", b], capture_output=True)
        err = res.stderr.decode(errors="replace")
        assert res.returncode != 0 and res.stdout == b"", (a, b, err)
        for n in needles:
            assert n in err, (n, err)
        assert "Sanitizer" not in err and "runtime error" not in err, err

    fails(write("word.txt", b"1 2\n3 abc\n"), good, "word.txt:2", "abc")
    fails(good, write("empty.txt", b" \n\n"), "empty.txt", "no scores")
    fails(os.path.join(tmp, "missing.txt"), good, "missing.txt")
    fails(write("nan.txt", b"0.5\nnan\n"), good, "nan.txt:2")
    fails(good, write("inf.txt", b"1e999"), "inf.txt:1")
    fails(write("hex.txt", b"0x10"), good, "hex.txt:1")
    fails(write("bin.txt", b"1 \xff\xfe 2"), good, "bin.txt:1")
    fails(write("comma.txt", b"1,2"), good, "comma.txt:1")
    res = subprocess.run([DUSK, "auc", "--a", good], capture_output=True)
    assert res.returncode != 0 and b"b" in res.stderr


def main():
    rng = np.random.default_rng(7)
    n_cases = worst_brute = 0
    with tempfile.TemporaryDirectory() as tmp:
        for a, b in cases(rng):
            got = dusk_auroc(tmp, a, b, rng)
            want, want_score = sklearn_auroc(a, b)
            assert got == want, (got, want, list(a)[:10], list(b)[:10])
            assert got == want_score, (got, want_score)
            worst_brute = max(worst_brute, abs(got - brute_force(a, b)))
            n_cases += 1
        check_errors(tmp)
    print(f"{n_cases} AUROC cases equal to sklearn roc_curve+auc and roc_auc_score; "
          f"max |auc - pair count| = {worst_brute:.3g}")
    assert worst_brute < 1e-12
    print("test_auc: OK")


if __name__ == "__main__":
    sys.exit(main())
