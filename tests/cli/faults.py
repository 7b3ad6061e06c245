"""Fault injection: each case of the reliability review, asserting the clean
outcome. A refused run exits 1..125 with a message naming the file or flag;
a killed one leaves the target absent, the complete earlier result, or the
complete new one; nothing half-written or stale survives the next run.

Kills come from strace's syscall fault injection (`-e inject=SYSCALL:
signal=KILL:when=N` for every rename the run makes); the full disk is a
small tmpfs (skipped, with a line saying so, where mounting is not allowed).
Run by tests/cli/test_faults_slow.sh; prints one line per case."""
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

DUSK = os.path.abspath(os.environ.get("DUSK", "build/dusk"))
SHARED = os.environ.get("SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
DATA = os.path.join(SHARED, "dusk-data", "data", "Prof")
TOK = os.path.join(SHARED, "models", "stories260K", "tok512.bin")
T = tempfile.mkdtemp(prefix="dusk-faults-")
failures, skipped, passed = [], [], []

CFG = {"vocab_size": 512, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
       "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 512,
       "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": False, "initializer_range": 0.3}


def path(*p):
    return os.path.join(T, *p)


def run(args, timeout=120, prefix=()):
    t0 = time.time()
    try:
        r = subprocess.run([*prefix, DUSK, *args], capture_output=True, text=True, timeout=timeout)
        return r.returncode, r.stderr, time.time() - t0
    except subprocess.TimeoutExpired:
        return "timeout", "", time.time() - t0


def case(name, ok, detail=""):
    (passed if ok else failures).append(name)
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail and not ok else ''}", flush=True)


def refused(name, args, must_say, timeout=60, prefix=(), not_created=None):
    """A clean refusal: exit 1..125, a message with must_say, nothing written."""
    rc, err, secs = run(args, timeout, prefix)
    ok = isinstance(rc, int) and 1 <= rc <= 125 and must_say in err
    if not_created and os.path.exists(not_created):
        ok = False
        err += f" [{not_created} was created]"
    case(name, ok, f"rc={rc} after {secs:.1f}s, stderr: {err.strip()[-300:]}")
    return rc, err


def write_json(p, obj):
    with open(p, "w") as f:
        json.dump(obj, f)


def tree_digest(d):
    """{file: sha256} of a result directory (run.json's timings differ run to run)."""
    out = {}
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            data = f.read()
        if name == "run.json":
            json.loads(data)  # complete and parseable
            data = b"run.json"
        elif name == "summary.json":  # its run record names --out
            summary = json.loads(data)
            del summary["run"]
            data = json.dumps(summary, sort_keys=True).encode()
        out[name] = hashlib.sha256(data).hexdigest()
    return out


def leftovers(parent, base):
    return [n for n in os.listdir(parent) if n.startswith(base + ".tmp") or n.startswith(base + ".old")]


def ids_file(p, n_seqs, length, seed):
    import random
    rnd = random.Random(seed)
    with open(p, "w") as f:
        for _ in range(n_seqs):
            f.write(" ".join(str(rnd.randrange(1, 512)) for _ in range(length)) + "\n")


def setup():
    write_json(path("config.json"), CFG)
    rc, err, _ = run(["init", "--config", path("config.json"), "--seed", "1", "--out", path("m0")])
    assert rc == 0, err
    write_json(path("config-wide.json"), dict(CFG, hidden_size=48, intermediate_size=96))
    rc, err, _ = run(["init", "--config", path("config-wide.json"), "--seed", "1", "--out", path("m-wide")])
    assert rc == 0, err
    ids_file(path("train.ids"), 8, 64, 1)
    # A small data directory: the real documents, the first items of each eval file.
    d = path("data")
    os.makedirs(os.path.join(d, "eval"))
    for name in os.listdir(DATA):
        if name.endswith(".txt"):
            shutil.copy(os.path.join(DATA, name), d)
    for name in ("icl.jsonl", "GeneralQA.jsonl", "SpecificForgetQA.jsonl", "SpecificRetainQA.jsonl"):
        with open(os.path.join(DATA, "eval", name), encoding="utf-8") as f:
            lines = f.read().splitlines()[: 3 if name != "icl.jsonl" else 2]
        with open(os.path.join(d, "eval", name), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    shutil.copy(os.path.join(DATA, "eval", "holdout.txt"), os.path.join(d, "eval"))
    with open(os.path.join(DATA, "eval", "verbatim.json"), encoding="utf-8") as f:
        write_json(os.path.join(d, "eval", "verbatim.json"), json.load(f)[:2])


FT = lambda out, seed="1", extra=(): ["finetune", "--model", path("m0"), "--train-ids", path("train.ids"),
                                      "--epochs", "1", "--batch-size", "4", "--grad-accum", "2", "--lr", "1e-3",
                                      "--seed", seed, "--no-progress", "--threads", "1", *extra, "--out", out]
EVAL = lambda out, model: ["eval", "--model", model, "--tokenizer", TOK, "--data", path("data"), "--only", "qa",
                           "--threads", "1", "--out", out]


def count_renames(args):
    """The rename-family syscalls a run makes, in order."""
    log = path("strace.log")
    rc, err, _ = run(args, prefix=("strace", "-f", "-qq", "-o", log, "-e", "trace=rename,renameat,renameat2"))
    assert rc == 0, err
    calls = []
    for line in open(log):
        for sc in ("renameat2", "renameat", "rename"):
            if f" {sc}(" in line or line.startswith(f"{sc}("):
                calls.append(sc)
                break
    return calls


def kill_at_every_rename(label, make_args, earlier_args, out):
    """For each rename the run makes: kill it there (with an earlier result
    at out, and without), then check out is absent / earlier / new, and that
    the next run cleans up and succeeds."""
    parent, base = os.path.dirname(out), os.path.basename(out)
    new_ref, old_ref = path(base + "-new-ref"), path(base + "-old-ref")
    for a, d in ((make_args(new_ref), new_ref), (earlier_args(old_ref), old_ref)):
        rc, err, _ = run(a)
        assert rc == 0, err
    new, old = tree_digest(new_ref), tree_digest(old_ref)
    assert new != old
    calls = count_renames(make_args(path("probe-" + base)))
    per = {}
    for sc in calls:
        per[sc] = per.get(sc, 0) + 1
    bad = []
    for with_earlier in (False, True):
        for sc, k in per.items():
            for when in range(1, k + 1):
                shutil.rmtree(out, ignore_errors=True)
                if with_earlier:
                    shutil.copytree(old_ref, out)
                rc, err, _ = run(make_args(out), prefix=("strace", "-f", "-qq", "-o", "/dev/null",
                                                         "-e", f"inject={sc}:signal=KILL:when={when}"))
                state = tree_digest(out) if os.path.isdir(out) else None
                allowed = [new, old if with_earlier else None, None]
                if state not in allowed:
                    bad.append(f"{sc}#{when} earlier={with_earlier}: {sorted(state or {})}")
                rc2, err2, _ = run(make_args(out))
                if rc2 != 0 or tree_digest(out) != new or leftovers(parent, base):
                    bad.append(f"{sc}#{when} earlier={with_earlier}: rerun rc={rc2} {err2.strip()[-200:]} "
                               f"leftovers={leftovers(parent, base)}")
    n = sum(per.values())
    case(f"{label}: kill -9 at each of its {n} renames ({per}), with and without an earlier result",
         not bad and n > 0, "; ".join(bad[:4]))


def test_kills():
    # the earlier result is a checkpoint of another shape: a mix of the two would not even load
    wide = lambda o: FT(o, "2")[:2] + [path("m-wide")] + FT(o, "2")[3:]
    kill_at_every_rename("finetune checkpoint", lambda o: FT(o, "1"), wide, path("ck"))
    run(FT(path("other-model"), "2"))
    kill_at_every_rename("eval results", lambda o: EVAL(o, path("m0")), lambda o: EVAL(o, path("other-model")),
                         path("ev"))


def test_full_disk():
    mnt = path("small")
    os.makedirs(mnt)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", mnt], capture_output=True, text=True)
    if r.returncode != 0:
        skipped.append("full disk")
        print(f"SKIP full disk: cannot mount a tmpfs here ({r.stderr.strip()})")
        return
    try:
        out = os.path.join(mnt, "ck")
        refused("full disk: finetune into a 200 KiB tmpfs", FT(out), "No space left on device", not_created=out)
        case("full disk: no temporary left behind", not os.listdir(mnt) or os.listdir(mnt) == [".ck.lock"],
             str(os.listdir(mnt)))
    finally:
        subprocess.run(["umount", mnt])


def test_concurrent():
    out = path("locked")
    lock = path(".locked.lock")
    holder = subprocess.Popen(["flock", lock, "sleep", "30"])
    time.sleep(0.5)
    try:
        refused("two runs, one --out: the second is refused", FT(out), "another dusk run", not_created=out)
    finally:
        holder.kill()
        holder.wait()
    os.makedirs(path("stale"))
    open(path("stale", "model.safetensors.tmp.99999"), "w").close()
    os.makedirs(path("stale.tmp-99999"))
    rc, err, _ = run(FT(path("stale")))
    case("stale temporaries of killed runs are removed",
         rc == 0 and not leftovers(T, "stale") and not any(".tmp." in n for n in os.listdir(path("stale"))), err[-200:])
    # a single-file output: path.tmp.PID of a process that cannot exist (PID above pid_max)
    dead = int(open("/proc/sys/kernel/pid_max").read()) + 1
    open(path(f"tok.json.tmp.{dead}"), "w").close()
    open(path(f"tok.json.tmp.{os.getpid()}"), "w").close()  # a live process's: kept
    rc, err, _ = run(["tokenizer", "train", "--vocab-size", "300", "--out", path("tok.json"),
                      os.path.join(DATA, "Listicle.txt")])
    case("a dead run's file temporary is removed, a live one's kept",
         rc == 0 and not os.path.exists(path(f"tok.json.tmp.{dead}")) and os.path.exists(path(f"tok.json.tmp.{os.getpid()}")),
         err[-200:])


def nan_model():
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "ref"))
    import safetensors_py
    shutil.copytree(path("m0"), path("nan"))
    p = path("nan", "model.safetensors")
    tensors = safetensors_py.load(p)
    name = "model.layers.1.mlp.up_proj.weight"
    t = tensors[name].clone()
    t.view(-1)[7] = float("nan")
    tensors[name] = t
    safetensors_py.save(p, tensors)
    return name


def overflow_model():
    """Finite weights whose logits overflow float32: lm_head scaled to ~1e38."""
    import safetensors_py
    shutil.copytree(path("m0"), path("overflow"))
    p = path("overflow", "model.safetensors")
    tensors = safetensors_py.load(p)
    tensors["lm_head.weight"] = tensors["lm_head.weight"] * 1e38
    safetensors_py.save(p, tensors)


def test_numbers():
    name = nan_model()
    overflow_model()
    refused("overflowing logits: eval's generation stops", EVAL(path("o-ovf"), path("overflow")), "NaN or infinity",
            not_created=path("o-ovf"))
    refused("overflowing logits: eval's MIA stops",
            ["eval", "--model", path("overflow"), "--tokenizer", TOK, "--data", path("data"), "--only", "mia",
             "--mia-window", "256", "--threads", "1", "--out", path("o-ovf2")], "non-finite log-probabilities",
            not_created=path("o-ovf2"))
    refused("NaN weight: eval", EVAL(path("o-nan-eval"), path("nan")), name, not_created=path("o-nan-eval"))
    refused("NaN weight: finetune", FT(path("o-nan-ft")) [:2] + [path("nan")] + FT(path("o-nan-ft"))[3:], name,
            not_created=path("o-nan-ft"))
    for flag, val, say in (("--lr", "inf", "--lr"), ("--lr", "nan", "--lr"), ("--lr", "0", "--lr"),
                           ("--adam-beta1", "1.5", "--adam-beta1"), ("--adam-beta2", "-0.1", "--adam-beta2"),
                           ("--adam-eps", "0", "--adam-eps"), ("--weight-decay", "inf", "--weight-decay"),
                           ("--epochs", "1e9", "--epochs"), ("--grad-accum", "100000", "no optimizer step")):
        args = FT(path("o-flag"))
        i = args.index(flag) if flag in args else None
        if i is None:
            args = args[:-2] + [flag, val] + args[-2:]
        else:
            args[i + 1] = val
        refused(f"{flag} {val}", args, say, timeout=30, not_created=path("o-flag"))
    args = FT(path("o-lr"))
    args[args.index("--lr") + 1] = "1e6"
    args[args.index("--epochs") + 1] = "3"
    refused("--lr 1e6: non-finite loss stops the run, nothing saved", args, "non-finite", not_created=path("o-lr"))


def test_inputs():
    # a FIFO as a document and as model.safetensors: refused at once, never waited on
    shutil.copytree(path("data"), path("fifo-data"))
    os.remove(path("fifo-data", "Chronological.txt"))
    os.mkfifo(path("fifo-data", "Chronological.txt"))
    refused("FIFO as a document", ["finetune", "--model", path("m0"), "--tokenizer", TOK, "--data", path("fifo-data"),
                                   "--epochs", "1", "--seq-len", "64", "--out", path("o-fifo")],
            "Chronological.txt: not a regular file", timeout=20, not_created=path("o-fifo"))
    shutil.copytree(path("m0"), path("fifo-model"))
    os.remove(path("fifo-model", "model.safetensors"))
    os.mkfifo(path("fifo-model", "model.safetensors"))
    refused("FIFO as model.safetensors", FT(path("o-fifo2"))[:2] + [path("fifo-model")] + FT(path("o-fifo2"))[3:],
            "not a regular file", timeout=20, not_created=path("o-fifo2"))
    shutil.copytree(path("data"), path("zero-data"))
    os.remove(path("zero-data", "Listicle.txt"))
    os.symlink("/dev/zero", path("zero-data", "Listicle.txt"))
    refused("/dev/zero as a document", ["finetune", "--model", path("m0"), "--tokenizer", TOK, "--data",
                                        path("zero-data"), "--epochs", "1", "--seq-len", "64", "--out", path("o-zero")],
            "Listicle.txt: not a regular file", timeout=20, not_created=path("o-zero"))
    for label, patch, say in (("hidden_size 1e9", {"hidden_size": 1000000000, "intermediate_size": 64}, "hidden_size"),
                              ("heads x head_dim = 2^32", {"num_attention_heads": 65536, "num_key_value_heads": 65536,
                                                          "head_dim": 65536}, "head"),
                              ("vocab_size 2^31", {"vocab_size": 2147483647}, "vocab_size")):
        cfg = dict(CFG, **patch)
        write_json(path("big.json"), cfg)
        out = path("o-big-" + str(len(passed) + len(failures)))
        refused(f"config {label}: dusk init", ["init", "--config", path("big.json"), "--out", out], say,
                timeout=20, not_created=out)


def test_late_errors():
    open(path("a-file"), "w").close()
    rc, err = refused("--out under a regular file: refused before training", FT(path("a-file", "out")), "a-file",
                      timeout=30)
    refused("--out is a regular file", FT(path("a-file")), "not a directory", timeout=30)
    os.makedirs(path("userdir", "notes"))
    refused("--out is a directory dusk did not write", FT(path("userdir")), "refusing to replace", timeout=30)
    case("a directory dusk did not write is left alone", os.path.isdir(path("userdir", "notes")))
    # the retrain table is checked before the (minutes of) MIA compute
    os.makedirs(path("retrain-bad"))
    write_json(path("retrain-bad", "mia_auroc.json"), {"forget_holdout_mink++_0.4": 0.0})
    refused("--retrain-eval with a zero AUROC: refused up front",
            ["eval", "--model", path("m0"), "--tokenizer", TOK, "--data", path("data"), "--only", "mia",
             "--mia-window", "256", "--retrain-eval", path("retrain-bad"), "--out", path("o-rt")], "mia_auroc.json", timeout=10,
            not_created=path("o-rt"))


def test_tokenizer_uaf():
    src = os.path.join(SHARED, "tokenizers", "gpt2", "tokenizer.json")
    tok = json.load(open(src, encoding="utf-8"))
    tok["normalizer"] = {"type": "NFC"}
    tok.setdefault("added_tokens", []).append({"id": 50257, "content": "<|end_of_text|>", "single_word": False,
                                               "lstrip": False, "rstrip": False, "normalized": False, "special": True})
    write_json(path("nfc.json"), tok)
    with open(path("uaf.txt"), "w") as f:
        f.write("hello world " * 20000 + "<|end_of_text|>hello again")
    rc, err, _ = run(["tokenize", "--tokenizer", path("nfc.json"), "--parse-special", path("uaf.txt")])
    case("NFC tokenizer, added token deep in a long text (use-after-free)", rc == 0, f"rc={rc} {err[-200:]}")


def main():
    setup()
    for t in (test_tokenizer_uaf, test_inputs, test_numbers, test_late_errors, test_concurrent, test_full_disk,
              test_kills):
        try:
            t()
        except Exception as e:  # a broken case is a failure, not a crash of the whole script
            import traceback
            traceback.print_exc()
            case(t.__name__, False, repr(e))
    shutil.rmtree(T, ignore_errors=True)
    print(f"faults: {len(passed)} ok, {len(failures)} failed, {len(skipped)} skipped")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
