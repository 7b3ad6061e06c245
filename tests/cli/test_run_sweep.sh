#!/usr/bin/env bash
# `dusk run` (the sweep) on the test preset: every planned row is run and
# recorded (stage.json, run.json, eval/summary.json; unlearned checkpoints
# deleted), the table lists them; a sweep killed midway (twice, at
# different points) and rerun with the same command resumes — completed
# stages are not redone — and ends with the same table as an uninterrupted
# run; another configuration in the same directory, a foreign --out and bad
# flags are refused with a message; a stage that fails is recorded in its
# row and the other rows still run.
set -euo pipefail
T=$(mktemp -d); trap 'kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$T"' EXIT
PY=${PY:-/usr/bin/python3}
fail() { echo "FAIL: $*"; exit 1; }
RUN=("$DUSK" run --preset test --methods GA,NPO+KL,RMU,TAU --threads 1 --no-progress)

# 1. Uninterrupted (run from another directory: nothing is looked up relative to it).
(cd "$T" && "${RUN[@]}" --out A > "$T/a.md" 2> "$T/a.err") || { cat "$T/a.err"; fail "sweep A failed"; }
"$PY" - "$T/A" "$T/a.md" <<'PYEOF'
import json, os, sys
R, md = sys.argv[1], open(sys.argv[2]).read()
sweep = json.load(open(os.path.join(R, "sweep.json")))
rows = sweep["rows"]
grid = {"GA": [1, 2], "NPO+KL": [1, 2], "RMU": [1], "TAU": [1, 2]}   # the test preset's grids
want = ["target", "retrain"] + [f"{m}/epoch{e}" for m in grid for e in grid[m]]
assert [r["dir"] for r in rows] == want, [r["dir"] for r in rows]
c = sweep["compute"]
assert c["gemm"] in ("dusk", "openblas") and c["gemm_kernel"] and c["openblas_kernel"], c
assert c["precision"] == "fp32" and sweep["config"]["precision"] == "fp32", c
for r in rows:
    d = os.path.join(R, r["dir"])
    st = json.load(open(os.path.join(d, "stage.json")))
    assert st["status"] == "ok", (r, st)
    s = json.load(open(os.path.join(d, "eval", "summary.json")))
    for k in ("verbmem", "ufk", "sk", "urk", "privleak", "retain_deviation", "dc"):
        assert k in s, (r["dir"], k)
    assert "eval" in st["wall_s"], st
    if r["kind"] == "method":
        run = json.load(open(os.path.join(d, "run.json")))
        assert run["method"]["name"] == r["method"], run["method"]
        assert not os.path.exists(os.path.join(d, "model")), d + "/model not deleted"
        assert s["privleak"] is not None, "method rows get PrivLeak from the retrain eval"
    else:
        assert os.path.isdir(os.path.join(d, "model")), d
    # every row's eval names its own model
    assert s["run"]["model"].endswith(r["dir"] + "/model") or r["kind"] != "method", s["run"]["model"]
tgt = json.load(open(os.path.join(R, "target/model/run.json")))
ret = json.load(open(os.path.join(R, "retrain/model/run.json")))
assert tgt["data"]["docs"] == "all" and ret["data"]["docs"] == "retain", (tgt["data"]["docs"], ret["data"]["docs"])
assert tgt["data"]["chunks"] > ret["data"]["chunks"], "target trains on more than retrain"
for run in (tgt, ret):
    assert any(e["path"].endswith("world/World.txt") for e in run["data"]["extra_docs"]), run["data"]
summ = json.load(open(os.path.join(R, "summary.json")))
assert len(summ["rows"]) == len(rows), len(summ["rows"])
for r in rows:
    assert r["row"] in md, r["row"]
print("sweep A: %d rows ok" % len(rows))
PYEOF
left=$(find "$T/A" -name '*.tmp-*' -o -name '*.old-*' | head -1)
[ -z "$left" ] || fail "temporary left behind: $left"

# 1b. Ready models (--target/--retrain) and a pretrained start (--base-model):
#     given A's own models, or A's initial weights, on A's corpus, the rows
#     equal A's (nothing fine-tuned in the first case: no model/ under target).
(cd "$T" && "$DUSK" run --preset test --data A/data --target A/target/model --retrain A/retrain/model --methods GA \
    --epochs 1 --threads 1 --no-progress --out R > /dev/null 2> "$T/r.err") || { cat "$T/r.err"; fail "--target sweep failed"; }
(cd "$T" && "$DUSK" run --preset test --data A/data --base-model A/init --methods GA --epochs 1 --threads 1 \
    --no-progress --out M > /dev/null 2> "$T/m.err") || { cat "$T/m.err"; fail "--base-model sweep failed"; }
[ ! -e "$T/R/target/model" ] && [ ! -e "$T/R/retrain/model" ] || fail "--target/--retrain fine-tuned anyway"
"$PY" - "$T" <<'PYEOF'
import json, os, sys
T = sys.argv[1]
keys = ("verbmem", "ufk", "sk", "urk", "dc", "privleak", "retain_deviation")
def row(res, d):
    return [json.load(open(os.path.join(T, res, d, "eval/summary.json"))).get(k) for k in keys]
for res in ("R", "M"):
    for d in ("target", "retrain", "GA/epoch1"):
        assert row(res, d) == row("A", d), (res, d, row(res, d), row("A", d))
    cfg = json.load(open(os.path.join(T, res, "sweep.json")))["config"]
    assert cfg["preset"]["name"] == "test", cfg["preset"]
assert json.load(open(os.path.join(T, "R/sweep.json")))["config"]["target"].endswith("A/target/model")
print("--target/--retrain and --base-model rows equal the from-scratch sweep's")
PYEOF

# 2. Killed twice midway, then resumed with the same command.
kill_when() { # file to wait for; the sweep is killed as soon as it exists
    (cd "$T" && exec "${RUN[@]}" --out B > /dev/null 2> "$T/b.err") &
    local pid=$!
    for _ in $(seq 1 600); do
        [ -e "$T/B/$1" ] && break
        kill -0 $pid 2>/dev/null || fail "sweep B ended before $1 appeared: $(tail -3 "$T/b.err")"
        sleep 0.1
    done
    kill -9 $pid; wait $pid 2>/dev/null || true
}
kill_when retrain/eval
[ ! -e "$T/B/target/stage.json" ] || fail "first kill came too late"
kill_when GA/epoch2/stage.json
[ ! -e "$T/B/TAU/epoch2/stage.json" ] || fail "second kill came too late"
before=$(stat -c %Y.%N "$T/B/GA/epoch1/eval/summary.json" 2>/dev/null || echo none)
(cd "$T" && "${RUN[@]}" --out B > "$T/b.md" 2> "$T/b2.err") || { cat "$T/b2.err"; fail "resumed sweep failed"; }
[ "$before" = "$(stat -c %Y.%N "$T/B/GA/epoch1/eval/summary.json")" ] || fail "a completed stage was redone on resume"
"$PY" - "$T/A/summary.json" "$T/B/summary.json" <<'PYEOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
keys = ("row", "epochs", "status", "verbmem", "ufk", "sk", "urk", "dc", "privleak", "retain_deviation")
ta = [[r.get(k) for k in keys] for r in a["rows"]]
tb = [[r.get(k) for k in keys] for r in b["rows"]]
assert ta == tb, "resumed table differs:\n%s\n%s" % (ta, tb)
print("resumed table equals the uninterrupted one (%d rows)" % len(ta))
PYEOF
left=$(find "$T/B" -name '*.tmp-*' -o -name '*.old-*' | head -1)
[ -z "$left" ] || fail "temporary left behind after resume: $left"

# 2b. Killed right after an unlearned model was committed (its run.json not yet
#     copied beside the row, no eval): the resume keeps the model, copies the
#     record and evaluates. --keep-checkpoints keeps every model/.
(cd "$T" && "$DUSK" run --preset test --methods GA --epochs 1 --threads 1 --no-progress --keep-checkpoints --out K \
    > /dev/null 2>&1) || fail "--keep-checkpoints sweep failed"
[ -d "$T/K/GA/epoch1/model" ] || fail "--keep-checkpoints deleted the model"
cp "$T/K/GA/epoch1/eval/summary.json" "$T/k.summary"
rm -rf "$T/K/GA/epoch1/run.json" "$T/K/GA/epoch1/stage.json" "$T/K/GA/epoch1/eval"
(cd "$T" && "$DUSK" run --preset test --methods GA --epochs 1 --threads 1 --no-progress --keep-checkpoints --out K \
    > /dev/null 2>&1) || fail "resume after the unlearn commit failed"
cmp -s "$T/K/GA/epoch1/run.json" "$T/K/GA/epoch1/model/run.json" || fail "run.json not restored beside the row"
"$PY" -c "import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); a.pop('run'); b.pop('run'); assert a==b" \
    "$T/k.summary" "$T/K/GA/epoch1/eval/summary.json" || fail "re-evaluated row differs"

# 3. Another configuration in the same directory is refused, nothing changes.
cp "$T/A/sweep.json" "$T/sweep.before"
if (cd "$T" && "${RUN[@]}" --out A --seed 1 > /dev/null 2> "$T/err"); then fail "changed seed was accepted"; fi
grep -q "seed" "$T/err" || fail "refusal does not name the changed setting: $(cat "$T/err")"
cmp -s "$T/A/sweep.json" "$T/sweep.before" || fail "refused run changed sweep.json"
if (cd "$T" && "${RUN[@]}" --out A --methods GA > /dev/null 2> "$T/err"); then fail "changed methods were accepted"; fi
grep -q "epoch_grid" "$T/err" || fail "refusal does not name the grid: $(cat "$T/err")"

# 4. Refused before any work: a foreign directory, bad flags.
mkdir "$T/foreign"; echo keep > "$T/foreign/notes.txt"
if "${RUN[@]}" --out "$T/foreign" 2> "$T/err"; then fail "foreign --out accepted"; fi
grep -q "not the results of a dusk run" "$T/err" || fail "foreign --out: $(cat "$T/err")"
[ "$(ls "$T/foreign")" = notes.txt ] || fail "foreign --out was written to"
for bad in "--methods GA,Nope" "--epochs 0" "--epochs 1,x" "--preset huge" "--target $T/nowhere --retrain $T/nowhere" \
            "--target $T/A/target/model" "--data $T/nowhere" "--forget Nope" "--forget Listicle,Interview"; do
    if "$DUSK" run --out "$T/bad" $bad 2> "$T/err"; then fail "run $bad accepted"; fi
    grep -q "^dusk: " "$T/err" || fail "run $bad: no message"
    [ ! -e "$T/bad/sweep.json" ] || fail "run $bad wrote sweep.json"
done

# 5. A failing stage is recorded and the other rows go on: a DC task file that
#    does not exist makes every eval fail; every row is still attempted.
if (cd "$T" && "$DUSK" run --preset test --methods GA --epochs 1 --tasks "$T/none.jsonl" --threads 1 --no-progress \
        --out C > "$T/c.md" 2> "$T/c.err"); then fail "failing sweep exited 0"; fi
"$PY" - "$T/C" <<'PYEOF'
import json, os, sys
R = sys.argv[1]
for d in ("target", "retrain", "GA/epoch1"):
    st = json.load(open(os.path.join(R, d, "stage.json")))
    assert st["status"] == "failed" and st["failed_stage"] == "eval", (d, st)
    assert "none.jsonl" in st["error"], st["error"]
    assert "train" in st["wall_s"], st   # training ran before the eval failed
rows = json.load(open(os.path.join(R, "summary.json")))["rows"]
assert all(r["status"] == "failed" for r in rows), rows
print("failures recorded in every row")
PYEOF
grep -q "none.jsonl" "$T/c.md" || fail "the table does not show the error"
echo "ok"
