# Sourced by the benchmarks: tiny_llama3_model DIR makes the tiny random
# bench model (2 layers, d 64, the Llama-3 vocabulary of 128,256 tokens, its
# tokenizer.json beside it) in DIR. Needs DUSK and SHARED.
tiny_llama3_model() {
    local dir="$1"
    cat > "$dir.cfg.json" <<'JSON'
{"vocab_size": 128256, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
 "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 2048,
 "rope_theta": 500000.0, "tie_word_embeddings": true, "bos_token_id": 128000, "eos_token_id": 128001}
JSON
    "$DUSK" init --config "$dir.cfg.json" --seed 1 --out "$dir" >/dev/null
    cp "$SHARED/tokenizers/llama3/tokenizer.json" "$dir/"
}
