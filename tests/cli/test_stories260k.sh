#!/usr/bin/env bash
# Greedy generation from karpathy's stories260K must reproduce, token for
# token, llama2.c's run.c at temperature 0. The expected text is the
# known-good output that llama2.c's own test_all.py (test_runc) asserts for
# `run stories260K.bin -z tok512.bin -t 0.0 -n 200` (trailing newline
# stripped as that test does): run.c forwards BOS at position 0 and prints
# the 200 tokens it samples. Greedy decoding is a prefix process, so run.c
# with -n 199 prints that text without its last token (" she"): that is what
# `--max-new 199` must give.
set -euo pipefail
M="$SHARED/models/stories260K"
expected=$'Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily\'s mom said, "Lily, let\'s go to the park." Lily was sad and didn\'t know what to do. She said, "I want to play with your ball, but I can\'t find it."\nLily was sad and didn\'t know what to do. She said, "I\'m sorry, Lily. I didn\'t know what to do."\nLily didn\'t want to help her mom, so she'

expected199="${expected% she}"
got=$("$DUSK" generate --model "$M/stories260K.bin" --tokenizer "$M/tok512.bin" --max-new 200)
[ "$got" == "$expected" ] || { echo "200 tokens differ from run.c -n 200"; diff <(echo "$expected") <(echo "$got"); exit 1; }
echo "--max-new 200 matches llama2.c run.c -n 200"
got=$("$DUSK" generate --model "$M/stories260K.bin" --tokenizer "$M/tok512.bin" --max-new 199)
expected="$expected199"
if [ "$got" != "$expected" ]; then
    echo "KV-cache generation differs from llama2.c run.c:"; diff <(echo "$expected") <(echo "$got") || true; exit 1
fi
echo "--max-new 199 matches run.c -n 199 (kv cache)"

got2=$("$DUSK" generate --model "$M/stories260K.bin" --tokenizer "$M/tok512.bin" --max-new 199 --no-kv-cache)
[ "$got2" == "$expected" ] || { echo "uncached generation differs"; exit 1; }
echo "uncached greedy output matches too"

# Same command, same threads: bit-identical output, run after run.
for t in 1 2; do
    a=$("$DUSK" generate --model "$M/stories260K.bin" --tokenizer "$M/tok512.bin" --max-new 50 --threads $t)
    b=$("$DUSK" generate --model "$M/stories260K.bin" --tokenizer "$M/tok512.bin" --max-new 50 --threads $t)
    [ "$a" == "$b" ] || { echo "non-deterministic output with $t threads"; exit 1; }
done
echo "repeatable"
