#!/usr/bin/env bash
# The CUDA issue's eval comparison: wall time of `dusk eval --device cuda` of
# a random Llama-3.2-1B-shaped model (the Llama-3 tokenizer's vocabulary) on
# the real DUSK data (VerbMem, QA, MIA), against HF transformers doing the
# same generate + forward work (bench/hf_eval.py eval, bf16, batch 16; the
# issue measured 49.7 s per model there). Target: dusk <= 10 s.
#   1. the model: bench/hf_eval.py make-model (random bf16 weights drawn on
#      the GPU, seconds), or with DUSK_EVAL_INIT=dusk `dusk init --dtype bf16`
#      on that config.json (one CPU core draws 1.2e9 numbers: about a minute);
#   2. `dusk data` counts the MIA windows, to check HF's windows match;
#   3. dusk eval (the whole process: load, generation, MIA, ROUGE, files);
#   4. HF: load, then VerbMem, QA and MIA timed apart.
# Builds nothing (make CUDA=1 first). The data and tokenizer: .device-libs/
# (tests/cuda/prepare_device_libs.sh copies them there), else ../shared.
#   bash bench/cuda_eval.sh [budget_s, default 200]
# Env: DUSK_BUILD (build-cuda), PY (python3), BENCH_OUT (logs and
# results.json; default $OUT/cuda_eval, else build-cuda/bench-out/cuda_eval),
# DUSK_EVAL_PRECISION (bf16), DUSK_EVAL_INIT (torch|dusk), DUSK_EVAL_DATA,
# DUSK_EVAL_TOKENIZER; for a CPU check of the script: BENCH_CONFIG (1b|tiny),
# BENCH_DEVICE (cuda|cpu).
set -u -o pipefail
. "$(dirname "$0")/cuda_bench_common.sh"
bench_setup cuda_eval "${1:-200}"
PRECISION="${DUSK_EVAL_PRECISION:-bf16}" INIT="${DUSK_EVAL_INIT:-torch}"
pick() { for p in "$@"; do [ -e "$p" ] && { echo "$p"; return; }; done; echo "$1"; }
DATA="${DUSK_EVAL_DATA:-$(pick .device-libs/dusk-data/Prof ../shared/dusk-data/data/Prof)}"
TOK="${DUSK_EVAL_TOKENIZER:-$(pick .device-libs/tokenizers/llama3/tokenizer.json ../shared/tokenizers/llama3/tokenizer.json)}"
for f in "$B/dusk" "$DATA/eval/verbatim.json" "$TOK"; do
    [ -e "$f" ] || { echo "cuda_eval: $f is missing (make CUDA=1; tests/cuda/prepare_device_libs.sh)" >&2; exit 2; }
done
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

M="$WORK/model"
if [ "$INIT" = dusk ]; then
    "$PY" bench/hf_eval.py make-model --config-only --out "$WORK/cfg" --tokenizer "$TOK" --config "$CFG"
    bench_run make_model 120 "$B/dusk" init --config "$WORK/cfg/config.json" --seed 1 --dtype bf16 --out "$M"
    cp "$TOK" "$M/tokenizer.json" 2>/dev/null
else
    bench_run make_model 60 "$PY" bench/hf_eval.py make-model --out "$M" --tokenizer "$TOK" --config "$CFG" --device "$DEV"
fi
MAKE_RC=$RC MAKE_WALL=$WALL
[ "$MAKE_RC" -eq 0 ] || { echo "cuda_eval: no model, nothing to time"; exit 1; }

bench_run dusk_data 30 "$B/dusk" data --data "$DATA" --tokenizer "$TOK"
DATA_RC=$RC
bench_run dusk_eval 120 "$B/dusk" eval --model "$M" --data "$DATA" --out "$WORK/eval-dusk" --device "$DEV" --precision "$PRECISION"
DUSK_RC=$RC DUSK_WALL=$WALL
[ -f "$WORK/eval-dusk/summary.json" ] && cp "$WORK/eval-dusk/summary.json" "$LOGS/dusk_summary.json"
bench_run hf_eval 150 "$PY" bench/hf_eval.py eval --model "$M" --data "$DATA" --batch 16 --device "$DEV"
HF_RC=$RC HF_WALL=$WALL

"$PY" - "$LOGS" "$CFG" "$PRECISION" "$INIT" "$MAKE_WALL" "$DATA_RC" "$DUSK_RC" "$DUSK_WALL" "$HF_RC" "$HF_WALL" <<'PYEOF'
import json, sys
logs, cfg, precision, init, make_wall, data_rc, dusk_rc, dusk_wall, hf_rc, hf_wall = sys.argv[1:]
def last_json(name):
    try:
        lines = [l for l in open(f"{logs}/{name}.log") if l.startswith("{")]
        return json.loads(lines[-1]) if lines else None
    except (OSError, ValueError):
        return None
data = last_json("dusk_data") if data_rc == "0" else None
hf = last_json("hf_eval") if hf_rc == "0" else None
res = {"config": cfg, "precision": precision, "model_init": init, "make_model_s": float(make_wall),
       "dusk_eval": {"status": "ok" if dusk_rc == "0" else f"exit {dusk_rc}", "wall_s": float(dusk_wall)},
       "hf": hf or {"status": f"exit {hf_rc}", "wall_s": float(hf_wall)}}
if hf:
    hf["process_wall_s"] = float(hf_wall)
print(f"\n`dusk eval` ({cfg}-shaped random model, Llama-3 vocabulary, --precision {precision}) vs HF, real DUSK data")
print(f"   model made by {init} in {float(make_wall):.1f} s")
status = "ok" if dusk_rc == "0" else f"FAILED (exit {dusk_rc}{', timed out' if dusk_rc in ('124', '137') else ''})"
print(f"   dusk eval, whole process (load + VerbMem + QA + MIA + ROUGE): {float(dusk_wall):7.1f} s  {status}  (target <= 10 s)")
if hf:
    print(f"   HF ({hf['attn']}, bf16, batch {hf['batch']}): load {hf['load_s']:.1f} s; VerbMem {hf['verbmem_s']:.1f} s, "
          f"QA {hf['qa_s']:.1f} s, MIA {hf['mia_s']:.1f} s: work {hf['work_s']:.1f} s (process {float(hf_wall):.1f} s)")
    print(f"   prompts: VerbMem {hf['verbmem_prompts']} ({hf['verbmem_generated_tokens']} tokens generated), "
          f"QA {hf['qa_prompts']} ({hf['qa_generated_tokens']} tokens); MIA windows {hf['mia_windows']}")
    if dusk_rc == "0":
        res["hf_work_over_dusk_wall"] = hf["work_s"] / float(dusk_wall)
        print(f"   HF work / dusk wall: {res['hf_work_over_dusk_wall']:.2f}x")
else:
    print(f"   HF: exit {hf_rc}{' (timed out)' if hf_rc in ('124', '137') else ''} after {float(hf_wall):.1f} s")
if data:
    windows = sum(data["windows"].values())
    res["dusk_mia_windows"] = data["windows"]
    same = hf is not None and hf["mia_windows"] == windows
    print(f"   MIA windows: dusk data {data['windows']} = {windows}" +
          ("" if hf is None else ("; HF the same" if same else f"; HF {hf['mia_windows']}: NOT THE SAME WORK")))
json.dump(res, open(f"{logs}/results.json", "w"), indent=1)
PYEOF
[ "$DUSK_RC" -eq 0 ]
