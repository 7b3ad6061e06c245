// Checks `dusk tokenizer train`:
// 1. its merges equal those of a naive byte-level BPE trainer written here
//    (same documented rule: highest pair count, ties to the smaller left id,
//    then the smaller right id; ids 0..255 are the bytes);
// 2. training twice gives byte-identical files;
// 3. HF tokenizers loads the result and encodes the DUSK corpus and the test
//    strings exactly as dusk does (with and without BOS).
//
// usage: DUSK=path/to/dusk SHARED=path/to/shared node train_reference.js
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { Tokenizer } = require('tokenizers');
const { textCases } = require('./cases');
const { duskEncodeFiles, duskDecode, listFiles, byteLevelChars, Tally } = require('./util');

const DUSK = process.env.DUSK;
const SHARED = process.env.SHARED || path.join(__dirname, '..', '..', '..', 'shared');
if (!DUSK) throw new Error('set DUSK to the dusk binary');
const tally = new Tally();

const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

// Unique pre-tokens (as byte arrays) with their counts.
function countWords(files) {
  const counts = new Map();
  for (const f of files) {
    for (const m of fs.readFileSync(f, 'utf8').matchAll(GPT2_SPLIT)) counts.set(m[0], (counts.get(m[0]) || 0) + 1);
  }
  return [...counts].map(([w, c]) => ({ ids: [...Buffer.from(w, 'utf8')], count: c }));
}

// Recount every pair each round: slow but obviously right.
function naiveTrain(files, vocabSize) {
  const words = countWords(files);
  const tokens = [];
  const idOf = new Map();
  for (let b = 0; b < 256; b++) {
    tokens.push([b]);
    idOf.set(String.fromCharCode(b), b);
  }
  const merges = [];
  while (tokens.length < vocabSize - 2) {
    const pairs = new Map();
    for (const w of words)
      for (let i = 0; i + 1 < w.ids.length; i++) {
        const k = w.ids[i] * 1048576 + w.ids[i + 1];
        pairs.set(k, (pairs.get(k) || 0) + w.count);
      }
    let best = -1;
    let bestCount = 0;
    for (const [k, c] of pairs) if (c > bestCount || (c === bestCount && k < best)) [best, bestCount] = [k, c];
    if (best < 0) break;
    const a = Math.floor(best / 1048576);
    const b = best % 1048576;
    const bytes = tokens[a].concat(tokens[b]);
    const key = String.fromCharCode(...bytes);
    if (!idOf.has(key)) {
      idOf.set(key, tokens.length);
      tokens.push(bytes);
    }
    const c = idOf.get(key);
    merges.push([a, b, c]);
    for (const w of words) {
      const out = [];
      for (let i = 0; i < w.ids.length; i++) {
        if (i + 1 < w.ids.length && w.ids[i] === a && w.ids[i + 1] === b) {
          out.push(c);
          i++;
        } else out.push(w.ids[i]);
      }
      w.ids = out;
    }
  }
  return { tokens, merges };
}

function checkAgainstNaive(jsonPath, files, vocabSize) {
  const spec = JSON.parse(fs.readFileSync(jsonPath, 'utf8'));
  const ref = naiveTrain(files, vocabSize);
  const vocab = spec.model.vocab;
  const refVocab = {};
  ref.tokens.forEach((t, id) => (refVocab[byteLevelChars(t)] = id));
  tally.check('trained vocab equals the naive trainer', JSON.stringify(vocab) === JSON.stringify(refVocab), `${Object.keys(vocab).length} vs ${ref.tokens.length} tokens`);
  const refMerges = ref.merges.map(([a, b]) => `${byteLevelChars(ref.tokens[a])} ${byteLevelChars(ref.tokens[b])}`);
  const firstDiff = refMerges.findIndex((m, i) => spec.model.merges[i] !== m);
  tally.check('trained merges equal the naive trainer', spec.model.merges.length === refMerges.length && firstDiff < 0, `first difference at merge ${firstDiff}: ${spec.model.merges[firstDiff]} vs ${refMerges[firstDiff]}`);
  const specials = spec.added_tokens.map((t) => `${t.id}:${t.content}`).join(' ');
  tally.check('BOS/EOS follow the vocabulary', specials === `${ref.tokens.length}:<|begin_of_text|> ${ref.tokens.length + 1}:<|end_of_text|>`, specials);
}

async function checkHfAgrees(jsonPath, files) {
  const hf = Tokenizer.fromFile(jsonPath);
  // HF turns special tokens written in the text into their ids: ask dusk to do the same
  for (const flags of [['--parse-special'], ['--parse-special', '--special']]) {
    const ids = duskEncodeFiles(DUSK, jsonPath, files, flags);
    for (let i = 0; i < files.length; i++) {
      const text = fs.readFileSync(files[i], 'utf8');
      const want = (await hf.encode(text, null, { addSpecialTokens: flags.includes('--special') })).getIds();
      tally.compare(`trained ${path.basename(jsonPath)} ${path.basename(files[i])} ${flags.join(' ')} vs HF`, ids[i], want);
      if (!flags.includes('--special'))
        tally.check(`trained round trip ${path.basename(files[i])}`, duskDecode(DUSK, jsonPath, ids[i], []).equals(fs.readFileSync(files[i])), 'decode(encode(x)) != x');
    }
  }
}

// Pipelines other than the two shipped in ../shared, built on a trained
// vocabulary: Llama-3-style Split + ignore_merges + template, added tokens
// with lstrip/rstrip, RobertaProcessing, merges written as pairs, literal
// split patterns and every split behavior (with invert).
function variantSpecs(base) {
  const byteLevel = (prefix, regex) => ({ type: 'ByteLevel', add_prefix_space: prefix, trim_offsets: true, use_regex: regex });
  const split = (pattern, behavior, invert = false) => ({ type: 'Split', pattern, behavior, invert });
  const n = Object.keys(base.model.vocab).length;
  const llama3 = structuredClone(base);
  llama3.pre_tokenizer = { type: 'Sequence', pretokenizers: [split({ Regex: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+" }, 'Isolated'), byteLevel(false, false)] };
  llama3.model.ignore_merges = true;
  llama3.post_processor = { type: 'Sequence', processors: [byteLevel(true, true), base.post_processor] };
  llama3.added_tokens.push({ id: n + 2, content: '[M]', single_word: false, lstrip: true, rstrip: true, normalized: true, special: false });
  const roberta = structuredClone(base);
  roberta.pre_tokenizer = { type: 'Sequence', pretokenizers: [split({ String: ' ' }, 'MergedWithNext'), byteLevel(true, true)] };
  roberta.post_processor = { type: 'RobertaProcessing', sep: ['<|end_of_text|>', n + 1], cls: ['<|begin_of_text|>', n], trim_offsets: true, add_prefix_space: true };
  roberta.model.merges = roberta.model.merges.map((m) => m.split(' '));
  const behaviors = structuredClone(base);
  behaviors.pre_tokenizer = { type: 'Sequence', pretokenizers: [
    split({ Regex: '[aeiou]' }, 'MergedWithPrevious'), split({ Regex: '\\d' }, 'Contiguous', true),
    split({ String: 'th' }, 'Removed'), split({ Regex: '[,.]' }, 'MergedWithNext', true), byteLevel(false, true)] };
  const qwen2 = structuredClone(llama3);
  qwen2.normalizer = { type: 'NFC' };
  qwen2.pre_tokenizer.pretokenizers[0].pattern.Regex = qwen2.pre_tokenizer.pretokenizers[0].pattern.Regex.replace('\\p{N}{1,3}', '\\p{N}');
  return { llama3, roberta, behaviors, qwen2 };
}

// The NFC variant (Qwen2's normalizer) also gets text that NFC changes.
async function checkVariants(dir, small, files, nfcFiles) {
  const base = JSON.parse(fs.readFileSync(small, 'utf8'));
  for (const [name, spec] of Object.entries(variantSpecs(base))) {
    if (spec.normalizer) files = nfcFiles;
    const p = path.join(dir, `${name}.json`);
    fs.writeFileSync(p, JSON.stringify(spec));
    const hf = Tokenizer.fromFile(p);
    for (const flags of [['--parse-special'], ['--parse-special', '--special']]) {
      const ids = duskEncodeFiles(DUSK, p, files, flags);
      for (let i = 0; i < files.length; i++) {
        const want = (await hf.encode(fs.readFileSync(files[i], 'utf8'), null, { addSpecialTokens: flags.includes('--special') })).getIds();
        tally.compare(`variant ${name} ${path.basename(files[i])} ${flags.join(' ')} vs HF`, ids[i], want);
      }
    }
  }
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dusk-train-'));
  try {
    const docs = ['Chronological', 'Feature_Story', 'Interview', 'Inverted_Pyramid', 'Listicle'].map((n) => path.join(SHARED, 'dusk-data', 'data', 'Prof', `${n}.txt`));
    const small = path.join(dir, 'small.json');
    execFileSync(DUSK, ['tokenizer', 'train', '--vocab-size', '400', '--out', small, ...docs]);
    checkAgainstNaive(small, docs, 400);

    const big = path.join(dir, 'big.json');
    const again = path.join(dir, 'again.json');
    let t0 = Date.now();
    execFileSync(DUSK, ['tokenizer', 'train', '--vocab-size', '8192', '--out', big, ...docs]);
    console.log(`dusk tokenizer train --vocab-size 8192 on the five DUSK documents: ${Date.now() - t0} ms`);
    execFileSync(DUSK, ['tokenizer', 'train', '--vocab-size', '8192', '--out', again, ...docs]);
    tally.check('training is deterministic', fs.readFileSync(big).equals(fs.readFileSync(again)), 'two runs differ');

    const cases = textCases().map((t, i) => {
      const f = path.join(dir, `case_${i}.txt`);
      fs.writeFileSync(f, t, 'utf8');
      return f;
    });
    const corpus = listFiles(path.join(SHARED, 'dusk-data', 'data'));
    await checkHfAgrees(big, corpus.concat(cases));
    await checkHfAgrees(small, corpus);
    const marked = path.join(dir, 'marked.txt');
    fs.writeFileSync(marked, 'a [M] b  [M]\n[M]x the theme, 12345. <|begin_of_text|> th3 end');
    // NFC at work: decomposed accents, singletons (Ohm, Kelvin, Angstrom
    // signs, CJK compatibility ideographs), Hangul jamo, combining marks
    // out of canonical order, composition exclusions, long mark runs.
    const nfcText = path.join(dir, 'nfc.txt');
    fs.writeFileSync(nfcText, ['cafe\u0301 Cafe\u0301 re\u0301sume\u0301 A\u030a',
      '\u2126 \u212a \u212b \uf900\uf901 \u1100\u1161\u11a8 \u1112\u1161\u11ab\u1100\u116e\u11af',
      'a\u0323\u0302 a\u0302\u0323 q\u0307\u0323 \u0958 \u0915\u093c \u2adc \u0344 \u0f73',
      'e' + '\u0301'.repeat(40) + ' \u00e9\u0300 \u1e9b\u0323 \u03d3 \u2000\u2001 \ufb01 x\u0300\u0301\u0302'].join('\n'));
    const nfcFiles = cases.filter((f) => !/\ufffd/.test(fs.readFileSync(f, 'utf8'))).concat(corpus, [marked, nfcText]);
    await checkVariants(dir, small, cases.concat(corpus.slice(0, 3), [marked]), nfcFiles);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.exit(tally.report() ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
