// Compares dusk's tokenizer with reference implementations, run side by side:
// HF tokenizers (npm `tokenizers`, Rust core) on ../shared GPT-2 and Llama-3
// tokenizer.json, plus the independent npm packages gpt-3-encoder and
// llama3-tokenizer-js. Every id of every case must match.
//
// usage: DUSK=path/to/dusk SHARED=path/to/shared node compare_tokenizers.js
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { Tokenizer } = require('tokenizers');
const gpt3 = require('gpt-3-encoder');
const { llama3Tokenizer } = require('llama3-tokenizer-js/bundle/commonjs-llama3-tokenizer-with-baked-data.cjs');
const { textCases, byteCases } = require('./cases');
const { duskEncodeFiles, duskDecode, listFiles, cleanUp, byteLevelChars, splitValidUtf8, Tally } = require('./util');

const DUSK = process.env.DUSK;
const SHARED = process.env.SHARED || path.join(__dirname, '..', '..', '..', 'shared');
if (!DUSK) throw new Error('set DUSK to the dusk binary');

const tally = new Tally();

// HF tokenizers built from a tokenizer.json with parts taken out:
// - noSpecial: special added tokens removed, i.e. special tokens in the text
//   stay text (what dusk does without --parse-special);
// - modelOnly: the bare BPE model, fed byte-level characters directly.
function variants(jsonPath) {
  const spec = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  const noSpecial = { ...spec, added_tokens: spec.added_tokens.filter((t) => !t.special) };
  const modelOnly = { ...spec, added_tokens: [], normalizer: null, pre_tokenizer: null, post_processor: null };
  return {
    full: Tokenizer.fromFile(jsonPath),
    noSpecial: Tokenizer.fromString(JSON.stringify(noSpecial)),
    modelOnly: Tokenizer.fromString(JSON.stringify(modelOnly)),
  };
}

async function hfIds(tok, text, addSpecial) {
  return (await tok.encode(text, null, { addSpecialTokens: addSpecial })).getIds();
}

// Invalid bytes never match the split regex, so dusk encodes each maximal
// run of them as one piece; the valid stretches around them are encoded as
// separate texts. Build that from HF pieces.
async function hfBytesReference(hf, bytes) {
  const ids = [];
  for (const seg of splitValidUtf8(bytes)) {
    if (seg.valid) ids.push(...(await hfIds(hf.noSpecial, seg.bytes.toString('utf8'), false)));
    else ids.push(...(await hfIds(hf.modelOnly, byteLevelChars(seg.bytes), false)));
  }
  return ids;
}

function writeCases(dir, texts, bytes) {
  const textFiles = texts.map((t, i) => {
    const f = path.join(dir, `text_${String(i).padStart(3, '0')}.txt`);
    fs.writeFileSync(f, t, 'utf8');
    return f;
  });
  const byteFiles = bytes.map((b, i) => {
    const f = path.join(dir, `bytes_${String(i).padStart(3, '0')}.bin`);
    fs.writeFileSync(f, b);
    return f;
  });
  return { textFiles, byteFiles };
}

async function checkEncoding(name, tokPath, hf, jsLib, texts, files) {
  const plain = duskEncodeFiles(DUSK, tokPath, files.textFiles, []);
  const parsed = duskEncodeFiles(DUSK, tokPath, files.textFiles, ['--parse-special']);
  const withBos = duskEncodeFiles(DUSK, tokPath, files.textFiles, ['--special', '--parse-special']);
  for (let i = 0; i < texts.length; i++) {
    tally.compare(`${name} text ${i} (specials as text) vs HF`, plain[i], await hfIds(hf.noSpecial, texts[i], false));
    tally.compare(`${name} text ${i} (--parse-special) vs HF`, parsed[i], await hfIds(hf.full, texts[i], false));
    tally.compare(`${name} text ${i} (--special --parse-special) vs HF`, withBos[i], await hfIds(hf.full, texts[i], true));
    tally.compare(`${name} text ${i} vs ${jsLib.name}`, jsLib.parsesSpecials ? parsed[i] : plain[i], jsLib.encode(texts[i]));
  }
  const fromBytes = duskEncodeFiles(DUSK, tokPath, files.byteFiles, []);
  for (let i = 0; i < files.byteFiles.length; i++)
    tally.compare(`${name} invalid-UTF-8 case ${i} vs HF pieces`, fromBytes[i], await hfBytesReference(hf, fs.readFileSync(files.byteFiles[i])));
}

async function checkCorpus(name, tokPath, hf, jsLib, corpus) {
  const ids = duskEncodeFiles(DUSK, tokPath, corpus, []);
  let tokens = 0;
  for (let i = 0; i < corpus.length; i++) {
    const text = fs.readFileSync(corpus[i], 'utf8');
    const label = `${name} corpus ${path.relative(SHARED, corpus[i])}`;
    tally.compare(`${label} vs HF`, ids[i], await hfIds(hf.noSpecial, text, false));
    tally.compare(`${label} vs ${jsLib.name}`, ids[i], jsLib.encode(text));
    const back = duskDecode(DUSK, tokPath, ids[i], []);
    tally.check(`${label} round trip`, back.equals(fs.readFileSync(corpus[i])), 'decode(encode(x)) != x');
    tokens += ids[i].length;
  }
  console.log(`${name}: corpus of ${corpus.length} files is ${tokens} tokens`);
}

// Decode one long id sequence (BOS, specials inside) four ways.
async function checkDecoding(name, tokPath, hf, texts, dir, special) {
  const joined = path.join(dir, `${name}_joined.txt`);
  fs.writeFileSync(joined, texts.join(` ${special} `), 'utf8');
  const [ids] = duskEncodeFiles(DUSK, tokPath, [joined], ['--special', '--parse-special']);
  for (const skip of [false, true]) {
    const ref = await hf.full.decode(ids, skip);
    for (const cleanup of [false, true]) {
      const flags = (skip ? ['--skip-special'] : []).concat(cleanup ? ['--cleanup'] : []);
      const got = duskDecode(DUSK, tokPath, ids, flags);
      const want = Buffer.from(cleanup ? cleanUp(ref) : ref, 'utf8');
      tally.check(`${name} decode ${flags.join(' ') || '(plain)'}`, got.equals(want), `got ${JSON.stringify(got.toString('utf8').slice(0, 200))}`);
    }
  }
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dusk-tok-'));
  try {
    const texts = textCases();
    const files = writeCases(dir, texts, byteCases());
    const corpus = listFiles(path.join(SHARED, 'dusk-data', 'data'));
    const setups = [
      {
        name: 'gpt2', json: path.join(SHARED, 'tokenizers', 'gpt2', 'tokenizer.json'), special: '<|endoftext|>',
        lib: { name: 'gpt-3-encoder', parsesSpecials: false, encode: (t) => gpt3.encode(t) },
      },
      {
        name: 'llama3', json: path.join(SHARED, 'tokenizers', 'llama3', 'tokenizer.json'), special: '<|eot_id|>',
        lib: { name: 'llama3-tokenizer-js', parsesSpecials: true, encode: (t) => llama3Tokenizer.encode(t, { bos: false, eos: false }) },
      },
    ];
    for (const s of setups) {
      const hf = variants(s.json);
      await checkEncoding(s.name, s.json, hf, s.lib, texts, files);
      await checkCorpus(s.name, s.json, hf, s.lib, corpus);
      await checkDecoding(s.name, s.json, hf, texts, dir, s.special);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.exit(tally.report() ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
