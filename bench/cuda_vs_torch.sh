#!/usr/bin/env bash
# The CUDA issue's train-step and unlearning-step comparison on one GPU:
# dusk (build-cuda/bench/train_step, unlearn_step) against HF transformers +
# PyTorch (bench/hf_train_step.py) on the Llama-3.2-1B shape (bench_config
# "1b": B 4 x T 1024), one process per variant, dusk and torch interleaved,
# most important first:
#   dusk train bf16 | HF eager bf16 | HF compile bf16 + fused AdamW |
#   dusk NPO+KL bf16 | HF NPO+KL eager bf16 | dusk train fp32 |
#   HF compile amp (fp32 weights, autocast: dusk bf16's arithmetic) | HF NPO+KL compile
# Each runs under `timeout` (its own cap, cut to what is left of the budget);
# a variant that times out or fails is named in the table, and one whose
# turn comes with under 20 s of budget left is skipped. Builds nothing:
# run tests/cuda/device.sh (or make CUDA=1) first.
#   bash bench/cuda_vs_torch.sh [budget_s, default 230]
# Env: DUSK_BUILD (default build-cuda), PY (python3), BENCH_OUT (logs and
# results.jsonl; default $OUT/cuda_vs_torch, else build-cuda/bench-out/...);
# for a CPU check of the script itself: BENCH_CONFIG (1b), BENCH_DEVICE
# (cuda), BENCH_PY_ARGS (appended to every hf_train_step.py call, e.g.
# "--impl local --weights fp32": argparse keeps the last value).
# Prints a table: tokens/s, model TFLOP/s (6 N per trained token; 8 N for
# NPO+KL, whose reference runs forward too), peak memory, and dusk's ratio to
# each torch variant of the same step (target: train >= 1.1x HF compile).
set -u -o pipefail
. "$(dirname "$0")/cuda_bench_common.sh"
bench_setup cuda_vs_torch "${1:-230}"
RESULTS="$LOGS/results.jsonl"
: >"$RESULTS"
for bin in "$B/bench/train_step" "$B/bench/unlearn_step"; do
    [ -x "$bin" ] || { echo "cuda_vs_torch: $bin is missing: build with make CUDA=1 first" >&2; exit 2; }
done

# run NAME CAP_S CMD...: bench_run, then one line of results.jsonl.
run() {
    bench_run "$@"
    if [ "$RC" -eq 0 ] && [ -n "$LINE" ]; then
        printf '{"name": "%s", "status": "ok", "wall_s": %s, "result": %s}\n' "$1" "$WALL" "$LINE" >>"$RESULTS"
    else
        [ "$RC" -eq 0 ] && WHY="no JSON line"
        printf '{"name": "%s", "status": "%s"}\n' "$1" "$WHY" >>"$RESULTS"
    fi
}

read -r -a EXTRA <<<"${BENCH_PY_ARGS:-}"
HF=("$PY" bench/hf_train_step.py)
TAIL=(--config "$CFG" --device "$DEV" "${EXTRA[@]}")
run dusk_train_bf16 90 "$B/bench/train_step" "$CFG" 5 --device "$DEV" --precision bf16
run hf_train_eager_bf16 70 "${HF[@]}" train --variant eager --weights bf16 --steps 10 "${TAIL[@]}"
run hf_train_compile_bf16 160 "${HF[@]}" train --variant compile --weights bf16 --steps 10 "${TAIL[@]}"
run dusk_npo_kl_bf16 90 "$B/bench/unlearn_step" "$CFG" 3 NPO+KL --device "$DEV" --precision bf16
run hf_npo_kl_eager_bf16 70 "${HF[@]}" npo_kl --variant eager --weights bf16 --steps 5 "${TAIL[@]}"
run dusk_train_fp32 70 "$B/bench/train_step" "$CFG" 3 --device "$DEV" --precision fp32
run hf_train_compile_amp 160 "${HF[@]}" train --variant compile --weights amp --steps 10 "${TAIL[@]}"
run hf_npo_kl_compile_bf16 160 "${HF[@]}" npo_kl --variant compile --weights bf16 --steps 5 "${TAIL[@]}"

"$PY" - "$RESULTS" "$BENCH_BUDGET" "$((SECONDS - BENCH_START))" "$CFG" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(f"\nconfig {sys.argv[4]} (1b: Llama-3.2-1B's shape, B 4 x T 1024), {sys.argv[3]} s of a {sys.argv[2]} s budget")
print(f"{'variant':28} {'tokens/s':>10} {'step s':>8} {'TFLOP/s':>8} {'peak GiB':>9}  note")
res = {}
for r in rows:
    if r["status"] != "ok":
        print(f"{r['name']:28} {'-':>10} {'-':>8} {'-':>8} {'-':>9}  {r['status']}")
        continue
    x = res[r["name"]] = r["result"]
    note = x.get("precision") or f"{x.get('weights')} {x.get('attn')}"
    mem = f"{x['peak_mem_gib']:.1f}" if "peak_mem_gib" in x else "-"
    print(f"{r['name']:28} {x['tokens_per_s']:>10.0f} {x['step_s']:>8.3f} {x.get('model_tflops', float('nan')):>8.1f}"
          f" {mem:>9}  {note}")
print("\ndusk / torch, tokens per second (train target: >= 1.1x HF compile)")
pairs = [("dusk_train_bf16", t) for t in ("hf_train_eager_bf16", "hf_train_compile_bf16", "hf_train_compile_amp")]
pairs += [("dusk_train_fp32", "hf_train_compile_amp")]
pairs += [("dusk_npo_kl_bf16", t) for t in ("hf_npo_kl_eager_bf16", "hf_npo_kl_compile_bf16")]
for d, t in pairs:
    if d in res and t in res:
        print(f"   {d:20} / {t:24} {res[d]['tokens_per_s'] / res[t]['tokens_per_s']:6.2f}x")
    else:
        print(f"   {d:20} / {t:24}    n/a (" + ", ".join(n for n in (d, t) if n not in res) + " did not finish)")
PYEOF
