"""Issue 11, Must-show 1: dusk on device A (always cpu) against device B
(DEVICE_B, default cuda), whole-model, on the three tiny configurations of
the engine tests (CONFIGS of tests/ref/test_llama_torch.py: GQA + untied;
Qwen2 tied + bias; llama3 rope scaling).

fp32, each configuration (error ||b - a|| / ||a|| per tensor, a = device A;
tolerance 1e-4, the worst tensor reported):
  - `dusk forward` logits and `dusk score` token log-probabilities;
  - `dusk grad`: the cross-entropy loss and every parameter gradient;
  - `dusk grad --objective M` for every method of `dusk unlearn --help` that
    is a gradient objective (all but TV and TAU), against a different
    reference model: loss, forget loss, reg loss and every gradient tensor
    (RMU: the down_proj gradients of layers l-2..l and its control vector);
  - one AdamW step: `dusk finetune --train-ids` with the whole batch in one
    micro-batch and one epoch (1 step, no warmup, lr 1e-2, weight decay
    0.1), and the one-step `dusk unlearn` runs of NPO+KL, RMU, TV (fine-tune
    on forget, then the negated task vector) and TAU (SGA, then TV): the
    saved weights, the update theta_1 - theta_0 (the finer view: for a
    zero-initialised bias they are the same) and the step's loss, each
    within 1e-4; run.json must record the device each side asked for. The
    steps take an AdamW eps near the median gradient size (STEP_EPS, why
    there).
bf16 (`--precision bf16` on B, fp32 on A): the cross-entropy loss of
`dusk grad` and of the `dusk forward` logits within 1e-2 relative, each
configuration; then a 50-step fine-tune on device B, bf16 and fp32 from the
same initial weights and data (a 3-layer GQA model, 16 chunks of a noisy
Markov chain, whole-batch steps), whose per-step losses stay within 2%
(and the fp32 run must learn, the two runs must differ).

Environment: DUSK (default build-cuda/dusk), DEVICE_B (default cuda),
DUSK_B_ARGS (extra flags for every device-B model command, e.g.
"--gemm openblas"), COMPARE_JOBS (dusk processes at once; default
min(8, cores)), COMPARE_CONFIGS (a comma-separated subset of the
configurations; default all). DUSK_OPS_GUARD=1 is set on the B runs when DEVICE_B=cpu and
removed from the A runs.

DEVICE_B=cpu is a DRY RUN of the plumbing: the same program on the same
CPU, B under the guard (so a host access to backend memory faults). It
shows that every command, file and comparison here works and that the
guarded path gives the unguarded numbers; it proves NOTHING about CUDA.
With DUSK_B_ARGS="--gemm openblas" the two sides at least sum in different
orders, so the fp32 tolerances meet real rounding differences.

One line per check (ok/BAD, name, error), then a summary line. Exit 0 when
every check passes, 1 otherwise, 77 when DEVICE_B=cuda and dusk finds no
CUDA device. Runs with torch 1.13 (Debian) and torch 2.x; no transformers.
"""
import concurrent.futures
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time

import torch

REF_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ref")
sys.path.insert(0, REF_DIR)
import safetensors_py  # noqa: E402
from test_llama_torch import CONFIGS  # noqa: E402

DUSK = os.environ.get("DUSK", "build-cuda/dusk")
DEVICE_B = os.environ.get("DEVICE_B", "cuda")
B_ARGS = os.environ.get("DUSK_B_ARGS", "").split()
JOBS = int(os.environ.get("COMPARE_JOBS", "0")) or min(8, os.cpu_count() or 1)
THREADS = max(1, (os.cpu_count() or 1) // JOBS)
TOL, TOL_BF16_LOSS, TOL_BF16_CURVE = 1e-4, 1e-2, 0.02
NON_GRADIENT_METHODS = {"TV", "TAU"}  # model edits, checked through one-step `dusk unlearn`
STEP_LR = 1e-2
# AdamW's first step is lr * g / (|g| + eps) (+ decay): with the default eps
# 1e-8 it is lr * sign(g), and an element whose gradient lies within rounding
# of zero flips by 2 lr between any two correct implementations (the dry run
# with --gemm openblas on B flipped one of 2048 down_proj elements: 4% of that
# tensor's update). So each step takes an eps near the median |g| of its
# objective (CE ~5e-3; NPO/SGA sums ~1): the update is then a smooth function
# of the gradient, and the normalisation by sqrt(v) still acts on the larger
# elements. The AdamW kernel at eps 1e-8 is test_cuda_ops's.
STEP_EPS = {"finetune": 1e-2, "TV": 1e-2, "NPO+KL": 1.0, "RMU": 1.0, "TAU": 1.0}
PROCESS_TIMEOUT_S = 60  # one run takes seconds; a hung one must not eat the step's budget


class DuskFailed(Exception):
    pass


# ---------------------------------------------------------------- running dusk

class Runner:
    """Runs dusk on side "A" (cpu) or "B" (DEVICE_B). If the GPU turns out to
    be in an exclusive compute mode (a second process is refused as busy),
    the B runs go on one at a time."""

    def __init__(self):
        self.env_a = {k: v for k, v in os.environ.items() if k != "DUSK_OPS_GUARD"}
        self.env_b = dict(self.env_a)
        if DEVICE_B == "cpu":
            self.env_b["DUSK_OPS_GUARD"] = "1"
        self.b_serial = threading.Lock()
        self.b_exclusive = False

    def plain(self, *args):
        """A command with no compute flags (init); its stdout."""
        return self._exec(list(args), self.env_a)

    def usage(self, command):
        """`dusk COMMAND --help` (the usage goes to stderr)."""
        r = self._exec([command, "--help"], self.env_a, check=False)
        return r.stdout + r.stderr

    def model(self, side, *args, precision="fp32"):
        device = "cpu" if side == "A" else DEVICE_B
        cmd = list(args) + ["--device", device, "--threads", str(THREADS), "--precision", precision]
        if side == "A":
            return self._exec(cmd, self.env_a)
        cmd += B_ARGS
        for attempt in range(4):
            if self.b_exclusive:
                with self.b_serial:
                    r = self._exec(cmd, self.env_b, check=False)
            else:
                r = self._exec(cmd, self.env_b, check=False)
            if r.returncode == 0:
                return r.stdout
            if "busy or unavailable" not in r.stderr:
                break
            if not self.b_exclusive:
                print(f"note: {DEVICE_B} refused a second process (exclusive compute mode?): "
                      "device-B runs go on one at a time", flush=True)
            self.b_exclusive = True
            time.sleep(1 + attempt)
        raise DuskFailed(describe_failure(cmd, r))

    def _exec(self, cmd, env, check=True):
        try:
            r = subprocess.run([DUSK] + cmd, capture_output=True, text=True, env=env, timeout=PROCESS_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise DuskFailed(f"dusk {' '.join(cmd)}: no answer in {PROCESS_TIMEOUT_S} s")
        if check and r.returncode != 0:
            raise DuskFailed(describe_failure(cmd, r))
        return r.stdout if check else r


def describe_failure(cmd, r):
    last = (r.stderr.strip().splitlines() or ["(no message)"])[-1]
    return f"dusk {' '.join(cmd)} exited {r.returncode}: {last}"


def write_ids(path, rows):
    with open(path, "w") as f:
        f.write("".join(" ".join(map(str, row)) + "\n" for row in rows))


def random_ids(seed, vocab, n, length):
    rng = random.Random(seed)
    return [[rng.randrange(vocab) for _ in range(length)] for _ in range(n)]


def markov_ids(seed, vocab, n, length, p_rule=0.6):
    """Token t+1 = (5 t + 7) mod vocab with probability p_rule, else uniform:
    learnable, with an entropy floor well above 0 (so a 2% band on the loss
    stays meaningful to the last step)."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        t = rng.randrange(vocab)
        row = [t]
        for _ in range(length - 1):
            t = (5 * t + 7) % vocab if rng.random() < p_rule else rng.randrange(vocab)
            row.append(t)
        rows.append(row)
    return rows


# ----------------------------------------------------------------- measures

def rel(b, a):
    """||b - a|| / ||a|| in float64 (test_llama_torch.py's measure; a is device A)."""
    a, b = a.double(), b.double()
    if a.shape != b.shape:
        return math.inf
    return float((b - a).norm() / (a.norm() + 1e-30))


def rel_scalar(b, a):
    if not (math.isfinite(a) and math.isfinite(b)):
        return math.inf
    return abs(b - a) / abs(a) if a != 0 else abs(b)


def worst_tensor(tb, ta):
    """(worst rel error, its name, problem) over two name -> tensor dicts."""
    if set(ta) != set(tb):
        return math.inf, "", f"tensor names differ: {sorted(set(ta) ^ set(tb))}"
    if not ta:
        return math.inf, "", "no tensors"
    errs = {k: rel(tb[k], ta[k]) for k in ta}
    name = max(errs, key=errs.get)
    return errs[name], name, ""


def ce_loss(logits, ids):
    """Mean next-token cross-entropy of [B, T, V] logits in float64."""
    lp = torch.log_softmax(logits.double()[:, :-1], -1)
    return float(-lp.gather(-1, ids[:, 1:, None]).mean())


# ------------------------------------------------------------------ checks

class Report:
    def __init__(self):
        self.n = 0
        self.bad = []

    def line(self, ok, name, detail):
        self.n += 1
        if not ok:
            self.bad.append(name)
        print(f"{'ok ' if ok else 'BAD'} {name}: {detail}", flush=True)


def tensors_check(report, name, tb, ta, tol=TOL, extra=""):
    err, worst, problem = worst_tensor(tb, ta)
    detail = problem or f"{len(ta)} tensors, worst rel err {err:.2e} ({worst})"
    report.line(err <= tol, name, f"{extra}{detail} (tol {tol:g})")


class Case:
    """One configuration's files: a model, a different reference model, a
    forget and a retain batch, a fine-tune batch."""

    def __init__(self, runner, tag, cfg, tmp):
        self.tag, self.cfg, self.dir = tag, cfg, os.path.join(tmp, tag)
        os.makedirs(self.dir)
        cfg_path = self.path("config.json")
        with open(cfg_path, "w") as f:
            json.dump(dict(cfg, initializer_range=0.2), f)
        self.model, self.ref = self.path("model"), self.path("ref")
        runner.plain("init", "--config", cfg_path, "--seed", "3", "--out", self.model)
        runner.plain("init", "--config", cfg_path, "--seed", "4", "--out", self.ref)
        # several attention tiles where the positions allow it (llama3_rope: 128)
        B, T = (2, 128) if cfg["max_position_embeddings"] >= 128 else (3, 64)
        V = cfg["vocab_size"]
        self.forget_rows = random_ids(len(tag), V, B, T)
        self.retain_rows = random_ids(len(tag) + 100, V, B, T)
        self.forget, self.retain = self.path("forget.txt"), self.path("retain.txt")
        write_ids(self.forget, self.forget_rows)
        write_ids(self.retain, self.retain_rows)
        self.batch = B

    def path(self, *parts):
        return os.path.join(self.dir, *parts)


def task_forward(runner, case, side, precision="fp32"):
    out = case.path(f"logits-{side}-{precision}.st")
    runner.model(side, "forward", "--model", case.model, "--ids-file", case.forget, "--out", out, precision=precision)
    return safetensors_py.load(out)["logits"]


def task_score(runner, case, side):
    lines = runner.model(side, "score", "--model", case.model, "--ids-file", case.forget).strip().splitlines()
    return torch.tensor([x for line in lines for x in json.loads(line)["token_logprobs"]], dtype=torch.float64)


def task_grad(runner, case, side, objective=None, precision="fp32"):
    out = case.path(f"grad-{side}-{objective or 'CE'}-{precision}.st")
    args = ["grad", "--model", case.model, "--out", out]
    if objective:
        args += ["--objective", objective, "--ref", case.ref, "--forget-ids", case.forget,
                 "--retain-ids", case.retain, "--seed", "9"]
    else:
        args += ["--ids-file", case.forget]
    losses = json.loads(runner.model(side, *args, precision=precision))
    return losses, safetensors_py.load(out)


def task_step(runner, case, side, method):
    """One optimizer step (finetune) or one-step unlearn run; the weights and run.json."""
    out = case.path(f"step-{side}-{method}")
    common = ["--model", case.model, "--epochs", "1", "--batch-size", str(case.batch), "--grad-accum", "1",
              "--lr", repr(STEP_LR), "--weight-decay", "0.1", "--adam-eps", repr(STEP_EPS[method]), "--seed", "1", "--out", out, "--no-progress"]
    if method == "finetune":
        runner.model(side, "finetune", "--train-ids", case.forget, *common)
    else:
        extra = ["--sga-epochs", "1"] if method == "TAU" else []
        runner.model(side, "unlearn", "--method", method, "--ref", case.ref, "--forget-ids", case.forget,
                     "--retain-ids", case.retain, *extra, *common)
    with open(os.path.join(out, "run.json")) as f:
        record = json.load(f)
    return safetensors_py.load(os.path.join(out, "model.safetensors")), record


def compare_grad(report, name, b, a, loss_keys):
    (lb, gb), (la, ga) = b, a
    errs = [rel_scalar(lb[k], la[k]) for k in loss_keys]
    loss_err = max(errs)
    err, worst, problem = worst_tensor(gb, ga)
    ok = loss_err <= TOL and err <= TOL
    detail = problem or f"{len(ga)} gradient tensors, worst rel err {err:.2e} ({worst})"
    report.line(ok, name, f"loss {la['loss']:.6g}, loss rel err {loss_err:.1e}; {detail} (tol {TOL:g})")


def compare_step(report, name, b, a, theta0):
    (wb, rb), (wa, ra) = b, a
    devices = (ra.get("compute", {}).get("device"), rb.get("compute", {}).get("device"))
    if devices != ("cpu", DEVICE_B):
        report.line(False, name, f"run.json records devices {devices}, asked for ('cpu', '{DEVICE_B}')")
        return
    la, lb = ra["training"]["loss"], rb["training"]["loss"]
    loss_err = max([rel_scalar(y, x) for x, y in zip(la, lb)] + [0.0 if len(la) == len(lb) else math.inf])
    err_w, worst_w, problem = worst_tensor(wb, wa)
    if problem:
        report.line(False, name, problem)
        return
    upd_a = {k: wa[k].double() - theta0[k].double() for k in wa}
    upd_b = {k: wb[k].double() - theta0[k].double() for k in wb}
    moved = {k for k in upd_a if float(upd_a[k].abs().max()) > 0 or float(upd_b[k].abs().max()) > 0}
    err_u, worst_u, _ = worst_tensor({k: upd_b[k] for k in moved}, {k: upd_a[k] for k in moved})
    ok = err_w <= TOL and err_u <= TOL and loss_err <= TOL and bool(moved)
    report.line(ok, name, f"{ra['training']['max_steps']} step(s), loss {la[0]:.6g} rel err {loss_err:.1e}; "
                          f"weights worst rel err {err_w:.2e} ({worst_w}); "
                          f"update of {len(moved)} tensors worst rel err {err_u:.2e} ({worst_u}) (tol {TOL:g})")


# ------------------------------------------------------------ orchestration

def gradient_methods(runner):
    """The methods `dusk unlearn --help` lists, less the model edits."""
    m = re.search(r"--method\s+VALUE\s+(.+)", runner.usage("unlearn"))
    if not m:
        raise DuskFailed("dusk unlearn --help lists no methods on a --method line")
    methods = [x.strip() for x in m.group(1).split(",")]
    missing = NON_GRADIENT_METHODS - set(methods)
    if missing:
        raise DuskFailed(f"dusk unlearn --help no longer lists {sorted(missing)}")
    return [x for x in methods if x not in NON_GRADIENT_METHODS]


def schedule_case(pool, runner, case, methods):
    """Every (name, (future A, future B), comparison) of one configuration, in print order."""
    both = lambda fn, *args, **kw: (pool.submit(fn, runner, case, "A", *args, **kw),
                                    pool.submit(fn, runner, case, "B", *args, **kw))
    t = case.tag
    forward, grad = both(task_forward), both(task_grad)  # device A's fp32 runs also serve the bf16 checks
    plan = [(f"{t} fp32 forward logits", forward,
             lambda r, n, b, a: tensors_check(r, n, {"logits": b}, {"logits": a})),
            (f"{t} fp32 score log-probs", both(task_score),
             lambda r, n, b, a: tensors_check(r, n, {"token_logprobs": b}, {"token_logprobs": a})),
            (f"{t} fp32 grad CE", grad,
             lambda r, n, b, a: compare_grad(r, n, b, a, ["loss"]))]
    for m in methods:
        plan.append((f"{t} fp32 grad --objective {m}", both(task_grad, m),
                     lambda r, n, b, a: compare_grad(r, n, b, a, ["loss", "forget_loss", "reg_loss"])))
    theta0 = safetensors_py.load(os.path.join(case.model, "model.safetensors"))
    for step in ("finetune", "NPO+KL", "RMU", "TV", "TAU"):
        label = "finetune (one AdamW step)" if step == "finetune" else f"unlearn {step} (one step)"
        plan.append((f"{t} fp32 {label}", both(task_step, step),
                     lambda r, n, b, a: compare_step(r, n, b, a, theta0)))
    ids = torch.tensor(case.forget_rows)
    plan.append((f"{t} bf16 forward CE loss vs fp32",
                 (forward[0], pool.submit(task_forward, runner, case, "B", precision="bf16")),
                 lambda r, n, b, a: bf16_loss_check(r, n, ce_loss(b, ids), ce_loss(a, ids))))
    plan.append((f"{t} bf16 grad CE loss vs fp32",
                 (grad[0], pool.submit(task_grad, runner, case, "B", precision="bf16")),
                 lambda r, n, b, a: bf16_loss_check(r, n, b[0]["loss"], a[0]["loss"])))
    return plan


def bf16_loss_check(report, name, b, a):
    e = rel_scalar(b, a)
    report.line(e <= TOL_BF16_LOSS and b != a, name,
                f"bf16 {b:.6g}, fp32 {a:.6g}, rel err {e:.1e} (tol {TOL_BF16_LOSS:g}; must differ)")


def finetune_curve(runner, tmp, precision):
    out = os.path.join(tmp, "curve", f"ft-{precision}")
    runner.model("B", "finetune", "--model", os.path.join(tmp, "curve", "model"), "--train-ids",
                 os.path.join(tmp, "curve", "chunks.txt"), "--epochs", "50", "--batch-size", "16",
                 "--grad-accum", "1", "--lr", "3e-3", "--seed", "1", "--out", out, "--no-progress",
                 precision=precision)
    with open(os.path.join(out, "run.json")) as f:
        return json.load(f)


def schedule_curve(pool, runner, tmp):
    """The 50-step bf16 fine-tune against the fp32 one, both on device B."""
    d = os.path.join(tmp, "curve")
    os.makedirs(d)
    cfg = dict(CONFIGS["gqa_untied"], initializer_range=0.02)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f)
    runner.plain("init", "--config", os.path.join(d, "config.json"), "--seed", "7", "--out", os.path.join(d, "model"))
    write_ids(os.path.join(d, "chunks.txt"), markov_ids(5, cfg["vocab_size"], 16, 64))
    return [(f"gqa_untied bf16 50-step fine-tune on {DEVICE_B} vs fp32",
             (pool.submit(finetune_curve, runner, tmp, "fp32"), pool.submit(finetune_curve, runner, tmp, "bf16")),
             curve_check)]


def curve_check(report, name, b16, f32):
    """b16 and f32 are run.json records; the comparison of test_bf16_finetune.sh."""
    precisions = (f32["compute"].get("precision"), b16["compute"].get("precision"))
    devices = (f32["compute"].get("device"), b16["compute"].get("device"))
    if precisions != ("fp32", "bf16") or devices != (DEVICE_B, DEVICE_B):
        report.line(False, name, f"run.json records precisions {precisions} on devices {devices}")
        return
    a, b = f32["training"]["loss"], b16["training"]["loss"]
    if len(a) != 50 or len(b) != 50:
        report.line(False, name, f"{len(a)} and {len(b)} steps, expected 50")
        return
    errs = [rel_scalar(y, x) for x, y in zip(a, b)]
    worst = max(range(len(errs)), key=errs.__getitem__)
    learned = a[-1] < 0.9 * a[0]
    differ = any(x != y for x, y in zip(a, b))
    ok = errs[worst] <= TOL_BF16_CURVE and learned and differ
    report.line(ok, name, f"fp32 loss {a[0]:.4f} -> {a[-1]:.4f}, bf16 {b[0]:.4f} -> {b[-1]:.4f}; worst step "
                          f"{worst}: {a[worst]:.5f} vs {b[worst]:.5f} ({100 * errs[worst]:.3f}%, tol 2%)"
                          f"{'' if learned else '; the fp32 run did not learn'}"
                          f"{'' if differ else '; bf16 and fp32 losses identical: bf16 did not run'}")


def device_b_available(runner, case):
    """False when DEVICE_B=cuda and dusk says there is no CUDA device."""
    try:
        task_forward(runner, case, "B")
    except DuskFailed as e:
        if "no CUDA device" in str(e) or "built without CUDA" in str(e):
            print(f"SKIP device {DEVICE_B} unavailable: {e}", flush=True)
            return False
    return True


def main():
    t0 = time.time()
    runner = Runner()
    report = Report()
    print(f"compare_devices: dusk {DUSK}, device A cpu, device B {DEVICE_B} {' '.join(B_ARGS)}"
          f"{' (DUSK_OPS_GUARD=1; a dry run of the plumbing, nothing about CUDA)' if DEVICE_B == 'cpu' else ''}; "
          f"{JOBS} jobs x {THREADS} threads", flush=True)
    with tempfile.TemporaryDirectory() as tmp, concurrent.futures.ThreadPoolExecutor(JOBS) as pool:
        try:
            methods = gradient_methods(runner)
            chosen = os.environ.get("COMPARE_CONFIGS", ",".join(CONFIGS)).split(",")
            unknown = set(chosen) - set(CONFIGS)
            if unknown:
                raise DuskFailed(f"COMPARE_CONFIGS names unknown configurations {sorted(unknown)} "
                                 f"(known: {', '.join(CONFIGS)})")
            cases = [Case(runner, tag, CONFIGS[tag], tmp) for tag in chosen]
        except DuskFailed as e:
            print(f"BAD setup: {e}", flush=True)
            return 1
        if not device_b_available(runner, cases[0]):
            return 77
        plan = schedule_curve(pool, runner, tmp)
        for case in cases:
            plan += schedule_case(pool, runner, case, methods)
        for name, (fa, fb), compare in plan[1:] + plan[:1]:
            try:
                compare(report, name, fb.result(), fa.result())
            except DuskFailed as e:
                report.line(False, name, str(e))
            except Exception as e:  # a malformed output: say which check, keep going
                report.line(False, name, f"{type(e).__name__}: {e}")
    seconds = time.time() - t0
    verdict = "all within tolerance" if not report.bad else f"{len(report.bad)} BAD: {', '.join(report.bad)}"
    print(f"compare_devices summary: {report.n} checks, {verdict}; cpu vs {DEVICE_B}, {seconds:.0f} s", flush=True)
    return 0 if not report.bad else 1


if __name__ == "__main__":
    sys.exit(main())
