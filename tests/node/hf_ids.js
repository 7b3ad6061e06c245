// Prints HF tokenizers' (npm, Rust core) ids for one text file, space
// separated on one line: the reference for CLI tests that build their own
// tokenizer.json.
//
// usage: node hf_ids.js TOKENIZER_JSON TEXT_FILE
// No BOS/EOS is added (dusk tokenize without --special). HF always parses
// special tokens in the text (dusk tokenize --parse-special); for a text
// without special tokens that is the same as dusk tokenize without it.
// (Dropping the special entries from added_tokens is no substitute: HF then
// renumbers the remaining added tokens that are not in the model vocabulary.)
'use strict';

const fs = require('fs');
const { Tokenizer } = require('tokenizers');

async function main() {
  const [jsonPath, textPath, extra] = process.argv.slice(2);
  if (!textPath || extra) throw new Error('usage: node hf_ids.js TOKENIZER_JSON TEXT_FILE');
  const tok = Tokenizer.fromFile(jsonPath);
  const enc = await tok.encode(fs.readFileSync(textPath, 'utf8'), null, { addSpecialTokens: false });
  process.stdout.write(enc.getIds().join(' ') + '\n');
}

main().catch((e) => {
  console.error(`hf_ids.js: ${e.message}`);
  process.exit(1);
});
