#!/usr/bin/env bash
# `dusk downstream` end to end on a tiny random model (Llama-3 tokenizer):
# the output files and keys, --limit, the same samples on a rerun, and bad
# input (a missing task file, a malformed record, an unknown task, a bad
# generic record) stopping the run with task, file and line named and nothing
# written. Numbers are checked against PyTorch in tests/ref/test_downstream_torch.py.
set -euo pipefail
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
PY=${PY:-/usr/bin/python3}
DATA="$SHARED/downstream"
fail() { echo "FAIL: $*"; exit 1; }

source "$(dirname "$0")/tiny_llama3.sh"
tiny_llama3_model "$T/model" 512
printf '%s\n' '{"context": "2 + 2 =", "choices": ["4", "five"], "gold": 0}' \
    '{"context": "The sky is ", "choices": ["blue", "green"], "gold": 0}' > "$T/mine.jsonl"
printf '%s\n' '{"context": "Say hi:", "target": "hi", "until": ["\n"], "max_gen_toks": 4}' > "$T/gen.jsonl"

run() { "$DUSK" downstream --model "$T/model" --task-dir "$DATA" --threads 1 "$@"; }
run --tasks "arc_challenge,truthfulqa_mc2,mmlu_anatomy,bbq,$T/mine.jsonl,$T/gen.jsonl" --limit 2 --out "$T/out" 2>"$T/err"
"$PY" - "$T" <<'PYEOF'
import json, sys
T = sys.argv[1]
r = json.load(open(f"{T}/out/results.json"))
res = r["results"]
for task, keys in {"arc_challenge": ["acc,none", "acc_stderr,none", "acc_norm,none", "acc_norm_stderr,none"],
                   "truthfulqa_mc2": ["acc,none"], "mmlu_anatomy": ["acc,none"],
                   "mmlu": ["acc,none", "acc_stderr,none"], "mmlu_stem": ["acc,none"],
                   "bbq": ["acc,none", "accuracy_amb,none", "disamb_bias_score,none", "amb_bias_score_Age,none"],
                   "mine": ["acc,none", "acc_norm,none"], "gen": ["exact_match,none"]}.items():
    for k in keys:
        assert k in res[task], (task, k, res[task])
assert r["n-samples"]["arc_challenge"] == {"original": 1172, "effective": 2}, r["n-samples"]
assert r["n-samples"]["mmlu_anatomy"]["original"] == 135
assert r["group_subtasks"]["mmlu"] == ["mmlu_stem"] and r["group_subtasks"]["mmlu_stem"] == ["mmlu_anatomy"]
assert res["mmlu"]["acc,none"] == res["mmlu_anatomy"]["acc,none"]
assert r["config"]["limit"] == 2 and r["dusk_version"] and r["config"]["add_bos_token"] is True
assert "subset" not in json.dumps(res["arc_challenge"])
lines = [json.loads(l) for l in open(f"{T}/out/samples_arc_challenge.jsonl")]
assert len(lines) == 2 and lines[0]["doc_id"] == 0 and len(lines[0]["resps"]) == len(lines[0]["arguments"]) == 4
assert lines[0]["arguments"][0][1].startswith(" "), lines[0]["arguments"][0]
g = [json.loads(l) for l in open(f"{T}/out/samples_gen.jsonl")]
assert g[0]["arguments"][0][1]["until"] == ["\n"] and g[0]["arguments"][0][1]["max_gen_toks"] == 4
assert isinstance(g[0]["resps"][0], str)
dc = r["dusk_dc"]
head = {"arc_challenge": "acc,none", "truthfulqa_mc2": "acc,none", "mmlu": "acc,none", "bbq": "acc,none",
        "mine": "acc,none", "gen": "exact_match,none"}
assert {k: v["metric"] for k, v in dc["tasks"].items()} == head, dc
vals = [100 * res[k][m] for k, m in head.items()]
assert abs(dc["dc"] - sum(vals) / len(vals)) < 1e-9 and all(abs(dc["tasks"][k]["value"] - v) < 1e-9 for k, v in zip(head, vals))
print("results.json and samples: ok")
PYEOF
run --tasks "$T/mine.jsonl" --out "$T/again1" 2>/dev/null
run --tasks "$T/mine.jsonl" --out "$T/again2" 2>/dev/null
cmp "$T/again1/samples_mine.jsonl" "$T/again2/samples_mine.jsonl" || fail "a rerun changed the samples"

expect_fail() { # expect_fail PATTERN... -- ARGS: exit != 0, message matching every pattern, no --out
    local pats=() ; while [ "$1" != "--" ]; do pats+=("$1"); shift; done; shift
    if run "$@" --out "$T/bad" 2>"$T/err"; then fail "accepted: $*"; fi
    for p in "${pats[@]}"; do grep -q -- "$p" "$T/err" || fail "message for $* lacks '$p': $(cat "$T/err")"; done
    [ ! -e "$T/bad" ] || fail "output written for $*"
}
mkdir -p "$T/empty" "$T/broken/arc_challenge"
expect_fail "task arc_challenge" "arc_challenge_test.jsonl" -- --tasks arc_challenge --task-dir "$T/empty"
head -2 "$DATA/arc_challenge/arc_challenge_test.jsonl" > "$T/broken/arc_challenge/arc_challenge_test.jsonl"
echo '{"question": "q", "options": [{"label": "A", "text": "x"}, {"label": "B", "text": "y"}], "answer": "Z"}' \
    >> "$T/broken/arc_challenge/arc_challenge_test.jsonl"
expect_fail "task arc_challenge" "arc_challenge_test.jsonl:3" "answer" -- --tasks arc_challenge --task-dir "$T/broken"
echo '{"question": "q", ' > "$T/broken/arc_challenge/arc_challenge_test.jsonl"
expect_fail "task arc_challenge" "line 1" -- --tasks arc_challenge --task-dir "$T/broken"
printf '%s\n' '{"context": "a", "choices": ["x"], "gold": 0}' '{"context": "b", "choices": ["x"], "gold": 3}' > "$T/badgold.jsonl"
expect_fail "task badgold" "badgold.jsonl:2" "gold" -- --tasks "$T/badgold.jsonl"
expect_fail "unknown task" -- --tasks arc_challeng
expect_fail "mmlu subject" -- --tasks mmlu_nonsense
expect_fail "few-shot" -- --tasks arc_challenge --num-fewshot 2
expect_fail "named twice" -- --tasks mmlu_anatomy,mmlu --limit 1
# a failed run leaves an earlier result as it was
if run --tasks arc_challeng --out "$T/out" 2>/dev/null; then fail "accepted a bad task"; fi
[ -s "$T/out/results.json" ] || fail "a failed run damaged the earlier output"
echo "dusk downstream CLI: ok"
