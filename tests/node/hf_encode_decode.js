// HF tokenizers as a service for the Python reference tests: reads a JSON
// request file {"tokenizer": PATH, "encode": [[text, addSpecialTokens], ...],
// "decode": [[ids, skipSpecialTokens], ...]} named by argv[2] and prints
// {"encode": [ids, ...], "decode": [text, ...]} (decode without any clean-up).
'use strict';

const fs = require('fs');
const { Tokenizer } = require('tokenizers');

async function main() {
  const req = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const tok = Tokenizer.fromFile(req.tokenizer);
  const out = { encode: [], decode: [] };
  for (const [text, addSpecial] of req.encode || []) {
    out.encode.push((await tok.encode(text, null, { addSpecialTokens: addSpecial })).getIds());
  }
  for (const [ids, skip] of req.decode || []) out.decode.push(await tok.decode(ids, skip));
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
