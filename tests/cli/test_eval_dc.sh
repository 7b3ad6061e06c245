#!/usr/bin/env bash
# `dusk eval --tasks`: DC beside the DUSK metrics. summary.json's dc is the
# mean of dc_tasks, each task's number is 100 x the mean of its documents'
# headline metric in downstream_samples_<task>.jsonl (an mmlu subject counts
# for its group) and equals downstream_results.json's; without --tasks dc is
# null; an unknown task stops the run before any model work, nothing
# written. The per-request numbers are checked against PyTorch in
# tests/ref/test_downstream_torch.py; this checks the wiring and arithmetic.
set -euo pipefail
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
PY=${PY:-/usr/bin/python3}
PROF="$SHARED/dusk-data/data/Prof"
fail() { echo "FAIL: $*"; exit 1; }

source "$(dirname "$0")/tiny_llama3.sh"
tiny_llama3_model "$T/model" 2048
mkdir -p "$T/data/eval"
cp "$PROF"/*.txt "$T/data/"
cp "$PROF/eval/holdout.txt" "$T/data/eval/"
for f in icl GeneralQA SpecificForgetQA SpecificRetainQA; do head -2 "$PROF/eval/$f.jsonl" > "$T/data/eval/$f.jsonl"; done
"$PY" -c "import json,sys; json.dump(json.load(open(sys.argv[1]))[:2], open(sys.argv[2], 'w'))" \
    "$PROF/eval/verbatim.json" "$T/data/eval/verbatim.json"

ev() { "$DUSK" eval --model "$T/model" --data "$T/data" --only qa --threads 1 --task-dir "$SHARED/downstream" "$@"; }
ev --tasks arc_challenge,truthfulqa_mc2,mmlu_anatomy,mmlu_virology --limit-downstream 3 --out "$T/ev" >/dev/null
ev --out "$T/plain" >/dev/null
if ev --tasks arc_challenge,no_such_task --out "$T/bad" 2>"$T/err" >/dev/null; then fail "an unknown task was accepted"; fi
grep -q "no_such_task" "$T/err" || fail "the message does not name the task: $(cat "$T/err")"
[ ! -e "$T/bad" ] || fail "a refused run wrote its output directory"

"$PY" - "$T" <<'PYEOF'
import json, sys
T = sys.argv[1]
s = json.load(open(f"{T}/ev/summary.json"))
r = json.load(open(f"{T}/ev/downstream_results.json"))["results"]
def samples(task):
    return [json.loads(l) for l in open(f"{T}/ev/downstream_samples_{task}.jsonl")]
expect = {}
for task in ("arc_challenge", "truthfulqa_mc2"):
    docs = samples(task)
    assert len(docs) == 3, (task, len(docs))
    expect[task] = 100 * sum(d["acc,none"] for d in docs) / len(docs)
mmlu = samples("mmlu_anatomy") + samples("mmlu_virology")   # the size-weighted group = mean over its documents
expect["mmlu"] = 100 * sum(d["acc,none"] for d in mmlu) / len(mmlu)
got = {k: v["value"] for k, v in s["dc_tasks"].items()}
assert set(got) == set(expect), (got, expect)
for k in expect:
    assert abs(got[k] - expect[k]) < 1e-9, (k, got[k], expect[k])
    assert abs(100 * r[k]["acc,none"] - got[k]) < 1e-9, (k, r[k]["acc,none"], got[k])
assert abs(s["dc"] - sum(expect.values()) / len(expect)) < 1e-9, (s["dc"], expect)
p = json.load(open(f"{T}/plain/summary.json"))
assert p["dc"] is None and "dc_note" in p, p
for k in ("ufk", "sk", "urk"):   # DC does not disturb the DUSK metrics
    assert p[k] == s[k], (k, p[k], s[k])
print("eval DC:", s["dc"], got)
PYEOF
