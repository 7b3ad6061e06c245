# Sourced by CLI tests: tiny_llama3_model DIR MAX_POS writes a random
# one-layer model over the Llama-3 vocabulary (seed 2) with its tokenizer.json.
tiny_llama3_model() {
    local dir="$1" max_pos="$2"
    mkdir -p "$dir.cfg"
    cat > "$dir.cfg/config.json" <<JSON
{"vocab_size": 128256, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
 "num_attention_heads": 2, "num_key_value_heads": 1, "max_position_embeddings": $max_pos,
 "rms_norm_eps": 1e-5, "rope_theta": 500000.0, "tie_word_embeddings": true, "initializer_range": 0.3,
 "bos_token_id": 128000, "eos_token_id": 128001}
JSON
    "$DUSK" init --config "$dir.cfg/config.json" --seed 2 --out "$dir" >/dev/null
    cp "$SHARED/tokenizers/llama3/tokenizer.json" "$dir/"
}
