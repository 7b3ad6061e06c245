// A batch of encodes and decodes with HF's own tokenizers library (npm
// `tokenizers`, Rust core), for Python reference tests that need HF's
// tokenization. Reads one JSON object on stdin:
//   {"tokenizer": PATH, "encode": [text, ...], "decode": [[id, ...], ...],
//    "cleanup": bool}
// and prints {"encode": [[id, ...], ...], "decode": [text, ...]}: encode as
// transformers' tokenizer(text, add_special_tokens=True); decode as
// tokenizer.decode(ids, skip_special_tokens=True, clean_up_tokenization_spaces=cleanup).
'use strict';

const fs = require('fs');
const { Tokenizer } = require('tokenizers');
const { cleanUp } = require('./util');

async function main() {
  const req = JSON.parse(fs.readFileSync(0, 'utf8'));
  const tok = Tokenizer.fromFile(req.tokenizer);
  const out = { encode: [], decode: [] };
  for (const text of req.encode || []) out.encode.push((await tok.encode(text, null, { addSpecialTokens: true })).getIds());
  for (const ids of req.decode || []) {
    const text = await tok.decode(ids, true);
    out.decode.push(req.cleanup ? cleanUp(text) : text);
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
