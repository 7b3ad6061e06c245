// The DUSK training chunks and MIA windows rebuilt from the recipe
// with HF's own tokenizer library (npm `tokenizers`, Rust core) on the
// Llama-3 tokenizer.json, compared with `dusk data`: counts (46/189 chunks,
// 45/185/44 windows, as the issue states them) and a hash of every id.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const { Tokenizer } = require('tokenizers');
const { Tally } = require('./util');

const DUSK = process.env.DUSK;
const SHARED = process.env.SHARED;
if (!DUSK || !SHARED) throw new Error('set DUSK and SHARED');
const DATA = path.join(SHARED, 'dusk-data', 'data', 'Prof');
const TOK = path.join(SHARED, 'tokenizers', 'llama3', 'tokenizer.json');
const DOCS = ['Chronological', 'Feature_Story', 'Interview', 'Inverted_Pyramid', 'Listicle'];
const BOS = 128000;
const SEQ = 1024;
const tally = new Tally();

// Python's open(..., encoding="utf-8").read(): universal newlines.
function readAsPython(p) {
  return fs.readFileSync(p, 'utf8').replace(/\r\n?/g, '\n');
}

// str.strip(): Python's whitespace (not JS trim(), which also drops U+FEFF).
const PY_WS = '[ \\t\\n\\r\\x0b\\x0c\\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+';
function pyStrip(s) {
  return s.replace(new RegExp('^' + PY_WS), '').replace(new RegExp(PY_WS + '$'), '');
}

function hashSeqs(seqs) {
  return crypto.createHash('sha256').update(seqs.map((s) => s.join(' ') + '\n').join('')).digest('hex');
}

// Consecutive SEQ-1 pieces with BOS in front; a short last piece is filled
// from the document's first chunk and cut to SEQ.
function chunks(ids) {
  const out = [];
  for (let i = 0; i < ids.length; i += SEQ - 1) out.push([BOS, ...ids.slice(i, i + SEQ - 1)]);
  const last = out[out.length - 1];
  if (last.length < SEQ) out[out.length - 1] = last.concat(out[0]).slice(0, SEQ);
  return out;
}

async function windows(tok, text) {
  const ids = (await tok.encode(pyStrip(text), null, { addSpecialTokens: true })).getIds();
  const out = [];
  for (let i = 0; i + SEQ <= ids.length; i += SEQ) {
    const piece = await tok.decode(ids.slice(i, i + SEQ), true);
    out.push((await tok.encode(piece, null, { addSpecialTokens: true })).getIds());
  }
  return out;
}

async function main() {
  const tok = Tokenizer.fromFile(TOK);
  const dusk = JSON.parse(execFileSync(DUSK, ['data', '--data', DATA, '--tokenizer', TOK]).toString('utf8'));
  const totals = { chunksForget: 0, chunksRetain: 0, forget: 0, retain: 0 };
  for (const [i, doc] of DOCS.entries()) {
    const text = readAsPython(path.join(DATA, `${doc}.txt`));
    const ids = (await tok.encode(text, null, { addSpecialTokens: false })).getIds();
    const c = chunks(ids);
    const w = await windows(tok, text);
    const got = dusk.documents[`${doc}.txt`];
    tally.check(`${doc} chunk count`, got.chunks === c.length, `dusk ${got.chunks} vs ${c.length}`);
    tally.check(`${doc} chunk ids`, got.chunks_sha256 === hashSeqs(c), 'hash differs');
    tally.check(`${doc} window count`, got.mia_windows === w.length, `dusk ${got.mia_windows} vs ${w.length}`);
    tally.check(`${doc} window ids`, got.windows_sha256 === hashSeqs(w), 'hash differs');
    if (i === 0) { totals.chunksForget += c.length; totals.forget += w.length; }
    else { totals.chunksRetain += c.length; totals.retain += w.length; }
  }
  const hold = await windows(tok, readAsPython(path.join(DATA, 'eval', 'holdout.txt')));
  const gotHold = dusk.documents['eval/holdout.txt'];
  tally.check('holdout window count', gotHold.mia_windows === hold.length, `dusk ${gotHold.mia_windows} vs ${hold.length}`);
  tally.check('holdout window ids', gotHold.windows_sha256 === hashSeqs(hold), 'hash differs');
  // the numbers, for the reference and for dusk
  const want = { chunksForget: 46, chunksRetain: 189, forget: 45, retain: 185, holdout: 44 };
  const ref = { ...totals, holdout: hold.length };
  const got = { chunksForget: dusk.chunks.forget, chunksRetain: dusk.chunks.retain, ...dusk.windows };
  for (const k of Object.keys(want)) {
    tally.check(`reference ${k} = ${want[k]}`, ref[k] === want[k], `got ${ref[k]}`);
    tally.check(`dusk ${k} = ${want[k]}`, got[k] === want[k], `got ${got[k]}`);
  }
  console.log(`chunks ${got.chunksForget}/${got.chunksRetain}, windows ${got.forget}/${got.retain}/${got.holdout}`);
  process.exit(tally.report() ? 0 : 1);
}

main().catch((e) => { console.error(e); process.exit(1); });
