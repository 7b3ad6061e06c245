// Reference side of bench/tokenizer_bench.sh: HF tokenizers (Rust core via
// npm) and llama3-tokenizer-js encoding the same files, best of ROUNDS, as
// JSON lines. Text is decoded from UTF-8 before timing (as for dusk, file
// reading is not timed).
//   node tokenizer_bench.js TOKENIZER_JSON ROUNDS FILE...
'use strict';
const fs = require('fs');
const path = require('path');
const nodeModules = path.join(__dirname, '..', 'tests', 'node', 'node_modules');
const { Tokenizer } = require(path.join(nodeModules, 'tokenizers'));
const { llama3Tokenizer } = require(path.join(nodeModules, 'llama3-tokenizer-js', 'bundle', 'commonjs-llama3-tokenizer-with-baked-data.cjs'));

async function main() {
  const [tokPath, roundsArg, ...files] = process.argv.slice(2);
  const rounds = Math.max(1, Number(roundsArg));
  const texts = files.map((f) => fs.readFileSync(f, 'utf8'));
  const bytes = files.reduce((s, f) => s + fs.statSync(f).size, 0);
  let t0 = process.hrtime.bigint();
  const hf = Tokenizer.fromFile(tokPath);
  const loadS = Number(process.hrtime.bigint() - t0) / 1e9;
  const impls = {
    'hf-tokenizers': async (t) => (await hf.encode(t, null, { addSpecialTokens: false })).getIds().length,
    'llama3-tokenizer-js': async (t) => llama3Tokenizer.encode(t, { bos: false, eos: false }).length,
  };
  for (const [name, encode] of Object.entries(impls)) {
    let best = Infinity;
    let tokens = 0;
    for (let r = 0; r < rounds; r++) {
      tokens = 0;
      t0 = process.hrtime.bigint();
      for (const t of texts) tokens += await encode(t);
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
    }
    console.log(JSON.stringify({ impl: name, bytes, tokens, load_s: name === 'hf-tokenizers' ? +loadS.toFixed(3) : null, encode_s: +best.toFixed(4), encode_mb_per_s: +(bytes / 1e6 / best).toFixed(2) }));
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
