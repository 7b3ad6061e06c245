// Test inputs for the tokenizer reference comparisons: hand-picked strings
// that stress the pre-tokenizer regexes and BPE, plus seeded random ones.
'use strict';

// A small seeded PRNG (mulberry32) so every run uses the same "random" cases.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const handPicked = [
  'Hello world',
  'The quick brown fox jumps over the lazy dog.',
  'digits 1234567 and 3.14159 and 1,000,000 and 0007 and 12345678901234567890',
  "I'm, you're, he's, we've, they'll, she'd, don't, can't, won't",
  "I'M, YOU'RE, HE'S, WE'VE, THEY'LL, SHE'D, DON'T, CAN'T, WON'T",
  "Mixed: I'Ll you'Ve 'S 's ''s 'x '",
  'José Müller, Zoë Saldaña, François, Ångström, Dvořák, Øyvind, Łukasz',
  'e\u0301 (combining acute) and A\u030a',
  'emoji 👍🏽 👨‍👩‍👧‍👦 🙂🙃 ❤️ 🇫🇷',
  '東京タワーは高い。中文分词测试，한국어 문장입니다.',
  'Ελληνικά, Русский текст, العربية, हिन्दी, עברית',
  'a  b   c    d',
  '   leading spaces',
  'trailing spaces   ',
  '\n\n\nthree newlines first',
  'line1\r\nline2\r\n\r\nline3',
  '\t\ttabs\tand  \t mixed \u00a0 nbsp \u3000 ideographic space',
  ' \n \n  \n',
  'Hello!!! Really??? Yes... -- (parens) [brackets] {braces} <angle> @#$%^&*_+=|~`',
  'path/to/file.txt https://example.com/a?b=c&d=e#frag user@example.org',
  'def f(x):\n    return x ** 2  # comment\n\n\nclass A:\n\tpass\n',
  '<|endoftext|>',
  'before<|endoftext|>after <|begin_of_text|> mid <|end_of_text|> end',
  '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>',
  '<|endoftext',
  ' ',
  "'",
  "'s",
  "'S",
  '\u180e mongolian vowel separator, \u200b zero width space, \ufeff bom',
  "long s: 'ſ and kelvin: 'K",
  'supercalifragilisticexpialidocious'.repeat(5),
  '9'.repeat(100),
  ' '.repeat(1000) + 'x',
  'x' + '\n'.repeat(300),
  'ab'.repeat(400),
  '\u0000nul\u0001ctrl\u007f',
  // words that are Llama-3 tokens but that its merges alone do not reach
  // (only ignore_merges gives the single token)
  'Müslüman Cumhuriyet mücadele kültür Üniversitesi, ситуации заболеваний возду, ーション しない tisíc miễn',
  'Title: Alice Smith\nAlice Smith was born in 1962 in Oslo, Norway. She studied at MIT.',
];

// Random strings drawn from several Unicode blocks (BMP and astral).
function randomTexts(count) {
  const next = rng(12345);
  const ranges = [
    [0x20, 0x7e], [0x20, 0x7e], [0x20, 0x7e], [0x09, 0x0d], [0xa0, 0x17f],
    [0x370, 0x3ff], [0x400, 0x4ff], [0x600, 0x6ff], [0x900, 0x97f], [0x3040, 0x30ff],
    [0x4e00, 0x9fff], [0xac00, 0xd7a3], [0x1f300, 0x1f6ff], [0x2000, 0x206f], [0x300, 0x36f],
  ];
  const out = [];
  for (let i = 0; i < count; i++) {
    const n = 1 + Math.floor(next() * 80);
    let s = '';
    for (let k = 0; k < n; k++) {
      const [lo, hi] = ranges[Math.floor(next() * ranges.length)];
      s += String.fromCodePoint(lo + Math.floor(next() * (hi - lo + 1)));
    }
    out.push(s);
  }
  return out;
}

// Byte strings with invalid UTF-8 (dusk must accept them; HF cannot be given
// them directly, see compare_tokenizers.js for how the reference is built).
function byteCases() {
  const fixed = [
    [0xff],
    Buffer.concat([Buffer.from('abc'), Buffer.from([0xfe, 0xff]), Buffer.from('def')]),
    [0xe2, 0x82],
    Buffer.concat([Buffer.from([0xc3]), Buffer.from('(x')]),
    [0xc0, 0xaf],
    Buffer.concat([Buffer.from('a'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('b')]),
    [0xf4, 0x90, 0x80, 0x80],
    Buffer.concat([Buffer.from([0x80, 0x80, 0x80]), Buffer.from('abc')]),
    Buffer.concat([Buffer.from('  '), Buffer.from([0xff]), Buffer.from('  ')]),
    Buffer.concat([Buffer.from('word'), Buffer.from([0xff]), Buffer.from('word 123'), Buffer.from([0x80])]),
    Buffer.concat([Buffer.from('emoji '), Buffer.from([0xf0, 0x9f, 0x98]), Buffer.from(' cut')]),
    Buffer.concat([Buffer.from("it'"), Buffer.from([0xff]), Buffer.from("s\n\n"), Buffer.from([0xfe]), Buffer.from('\n')]),
  ].map((b) => Buffer.from(b));
  const next = rng(777);
  for (let i = 0; i < 20; i++) {
    const n = 1 + Math.floor(next() * 120);
    const b = Buffer.alloc(n);
    const mostlyText = i % 2 === 0;
    for (let k = 0; k < n; k++) {
      const r = next();
      b[k] = mostlyText && r < 0.8 ? 0x20 + Math.floor(next() * 95) : Math.floor(next() * 256);
    }
    fixed.push(b);
  }
  return fixed;
}

module.exports = { textCases: () => handPicked.concat(randomTexts(40)), byteCases, rng };
