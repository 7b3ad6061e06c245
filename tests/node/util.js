// Helpers shared by the tokenizer reference scripts.
'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const BIG = { maxBuffer: 1 << 30 };

// `dusk tokenize` on several files at once: one line of ids per file.
function duskEncodeFiles(dusk, tokPath, files, flags) {
  const out = execFileSync(dusk, ['tokenize', '--tokenizer', tokPath, ...flags, ...files], BIG).toString('utf8');
  const lines = out.split('\n');
  if (lines.length !== files.length + 1 || lines[files.length] !== '') throw new Error(`dusk printed ${lines.length - 1} lines for ${files.length} files`);
  return lines.slice(0, files.length).map((l) => (l === '' ? [] : l.split(' ').map(Number)));
}

// `dusk detokenize`: the raw bytes it prints.
function duskDecode(dusk, tokPath, ids, flags) {
  return execFileSync(dusk, ['detokenize', '--tokenizer', tokPath, ...flags], { ...BIG, input: ids.join(' ') });
}

function listFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

// transformers' clean_up_tokenization: the same replacements, in order.
function cleanUp(s) {
  return s
    .replaceAll(' .', '.').replaceAll(' ?', '?').replaceAll(' !', '!').replaceAll(' ,', ',')
    .replaceAll(" ' ", "'").replaceAll(" n't", "n't").replaceAll(" 'm", "'m").replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve").replaceAll(" 're", "'re");
}

// GPT-2's bytes_to_unicode, as in OpenAI's encoder.py.
const BYTE_CHARS = (() => {
  const bs = [];
  for (let b = '!'.charCodeAt(0); b <= '~'.charCodeAt(0); b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  const map = new Array(256);
  bs.forEach((b, i) => (map[b] = String.fromCodePoint(cs[i])));
  return map;
})();

function byteLevelChars(bytes) {
  return Array.from(bytes, (b) => BYTE_CHARS[b]).join('');
}

// Length of the well-formed UTF-8 sequence at buf[i] (Unicode table 3-7), or 0.
function wellFormedLength(buf, i) {
  const b = buf[i];
  const cont = (k, lo = 0x80, hi = 0xbf) => i + k < buf.length && buf[i + k] >= lo && buf[i + k] <= hi;
  if (b <= 0x7f) return 1;
  if (b >= 0xc2 && b <= 0xdf) return cont(1) ? 2 : 0;
  if (b === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b >= 0xe1 && b <= 0xec) || b === 0xee || b === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b >= 0xf1 && b <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

// Maximal runs of valid UTF-8 and of bytes that start no valid sequence.
function splitValidUtf8(buf) {
  const segs = [];
  let i = 0;
  while (i < buf.length) {
    const start = i;
    const valid = wellFormedLength(buf, i) > 0;
    while (i < buf.length && (wellFormedLength(buf, i) > 0) === valid) i += valid ? wellFormedLength(buf, i) : 1;
    segs.push({ valid, bytes: buf.subarray(start, i) });
  }
  return segs;
}

// Counts checks and prints the first few failures of each kind.
class Tally {
  constructor() {
    this.run = 0;
    this.failed = 0;
  }
  check(label, ok, detail) {
    this.run++;
    if (!ok) {
      this.failed++;
      if (this.failed <= 20) console.log(`MISMATCH ${label}: ${detail}`);
    }
  }
  compare(label, got, want) {
    let same = got.length === want.length;
    let at = -1;
    for (let i = 0; i < Math.min(got.length, want.length); i++) if (got[i] !== want[i]) { same = false; at = i; break; }
    if (at < 0 && !same) at = Math.min(got.length, want.length);
    this.check(label, same, `first difference at index ${at}: dusk ${JSON.stringify(got.slice(Math.max(0, at - 3), at + 5))} vs reference ${JSON.stringify(want.slice(Math.max(0, at - 3), at + 5))} (lengths ${got.length}, ${want.length})`);
  }
  report() {
    console.log(`${this.run} checks, ${this.failed} failed`);
    return this.failed === 0;
  }
}

module.exports = { duskEncodeFiles, duskDecode, listFiles, cleanUp, byteLevelChars, splitValidUtf8, Tally };
