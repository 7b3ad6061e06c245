#!/usr/bin/env bash
# dusk tokenize / detokenize / tokenizer train from the command line: llama2.c's
# expected ids, round trips through the CLI, the --cleanup rule, and clear
# errors (naming the file or the bad value, non-zero exit, nothing written)
# for bad input.
set -euo pipefail
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
TOK="$SHARED/tokenizers"
fail() { echo "FAIL: $*"; exit 1; }

# llama2.c test.c: "I believe the meaning of life is" with the Llama-2 vocab
got=$(printf 'I believe the meaning of life is' | "$DUSK" tokenize --tokenizer "$TOK/llama2/tokenizer.bin" --special)
[ "$got" = "1 306 4658 278 6593 310 2834 338" ] || fail "llama2 ids: $got"
got=$(echo "$got" | "$DUSK" detokenize --tokenizer "$TOK/llama2/tokenizer.bin" --skip-special)
[ "$got" = "I believe the meaning of life is" ] || fail "llama2 decode: $got"
echo "llama2.c expected ids and decode: ok"

# GPT-2 ids of "Hello world!" from encoder.json: Hello 15496, Ġworld 995, ! 0
got=$(printf 'Hello world!' | "$DUSK" tokenize --tokenizer "$TOK/gpt2")
[ "$got" = "15496 995 0" ] || fail "gpt2 ids: $got"
# Llama-3: BOS only with --special; specials in the text only with --parse-special
[ "$(printf 'x' | "$DUSK" tokenize --tokenizer "$TOK/llama3" --special | cut -d' ' -f1)" = 128000 ] || fail "no BOS"
[ "$(printf '<|end_of_text|>' | "$DUSK" tokenize --tokenizer "$TOK/llama3" --parse-special)" = 128001 ] || fail "special"
[ "$(printf '<|end_of_text|>' | "$DUSK" tokenize --tokenizer "$TOK/llama3" | wc -w)" -gt 1 ] || fail "special parsed unasked"

# round trip of a whole DUSK document (and file arguments: one line per file)
DOC="$SHARED/dusk-data/data/Prof/eval/holdout.txt"
for t in gpt2 llama3 llama2/tokenizer.bin; do
    "$DUSK" tokenize --tokenizer "$TOK/$t" --special "$DOC" "$DOC" > "$T/ids"
    [ "$(wc -l < "$T/ids")" -eq 2 ] || fail "$t: expected two lines"
    head -1 "$T/ids" | "$DUSK" detokenize --tokenizer "$TOK/$t" --skip-special > "$T/back"
    cmp -s "$DOC" "$T/back" || fail "$t: holdout.txt does not round-trip"
done
echo "holdout.txt round-trips with gpt2, llama3 and llama2"

# --cleanup: HF clean_up_tokenization_spaces
ids=$(printf "Hello , world . I 'm fine ! Is n't it ?" | "$DUSK" tokenize --tokenizer "$TOK/gpt2")
got=$(echo "$ids" | "$DUSK" detokenize --tokenizer "$TOK/gpt2" --cleanup)
[ "$got" = "Hello, world. I'm fine! Isn't it?" ] || fail "cleanup: $got"

# training: deterministic, loadable, and usable from tokenize
"$DUSK" tokenizer train --vocab-size 600 --out "$T/a.json" "$DOC"
"$DUSK" tokenizer train --vocab-size 600 --out "$T/b.json" "$DOC"
cmp -s "$T/a.json" "$T/b.json" || fail "training is not deterministic"
[ "$("$DUSK" tokenizer info --tokenizer "$T/a.json")" = '{"vocab_size": 600, "bos_id": 598, "eos_id": 599}' ] || fail "info"
"$DUSK" tokenize --tokenizer "$T/a.json" "$DOC" | "$DUSK" detokenize --tokenizer "$T/a.json" > "$T/back"
cmp -s "$DOC" "$T/back" || fail "trained tokenizer does not round-trip"
echo "trained tokenizer: deterministic and round-trips"

# errors: message on stderr, non-zero exit
expect_error() { # pattern, command...
    local pattern="$1"; shift
    if "$@" > "$T/out" 2> "$T/err"; then fail "expected failure: $*"; fi
    grep -qF -- "$pattern" "$T/err" || { cat "$T/err"; fail "message lacks '$pattern'"; }
}
printf '{"model": {"type": "Unigram"}}' > "$T/bad.json"
expect_error "$T/bad.json: model.type: unsupported model type \"Unigram\"" "$DUSK" tokenize --tokenizer "$T/bad.json" < /dev/null
printf '{"model": ' > "$T/trunc.json"
expect_error "$T/trunc.json: invalid JSON" "$DUSK" tokenize --tokenizer "$T/trunc.json" < /dev/null
expect_error "$T/none.json" "$DUSK" tokenize --tokenizer "$T/none.json" < /dev/null
expect_error "missing required option --tokenizer" "$DUSK" tokenize < /dev/null
expect_error "unknown option --bogus" "$DUSK" tokenize --tokenizer "$TOK/gpt2" --bogus < /dev/null
echo "1 2 abc" > "$T/ids"
expect_error 'token 3: expected a non-negative integer id, got "abc"' "$DUSK" detokenize --tokenizer "$TOK/gpt2" < "$T/ids"
echo "1 -2" > "$T/ids"
expect_error 'got "-2"' "$DUSK" detokenize --tokenizer "$TOK/gpt2" < "$T/ids"
echo "50257" > "$T/ids"
expect_error "token id 50257 (position 0) is not in the vocabulary" "$DUSK" detokenize --tokenizer "$TOK/gpt2" < "$T/ids"
expect_error "from 258" "$DUSK" tokenizer train --vocab-size 100 --out "$T/c.json" "$DOC"
expect_error "$T/missing.txt" "$DUSK" tokenizer train --vocab-size 300 --out "$T/c.json" "$T/missing.txt"
expect_error "no training files" "$DUSK" tokenizer train --vocab-size 300 --out "$T/c.json"
[ ! -e "$T/c.json" ] || fail "a failed training wrote $T/c.json"
expect_error "$T/nodir/x.json" "$DUSK" tokenizer train --vocab-size 300 --out "$T/nodir/x.json" "$DOC"
head -c 1000 "$TOK/llama2/tokenizer.bin" > "$T/cut.bin"
expect_error "$T/cut.bin: truncated in token" "$DUSK" tokenize --tokenizer "$T/cut.bin" < /dev/null
echo "error messages: ok"
