/**
 * The byte-level member scanner against JSON.parse on generated lines: whenever it answers, it
 * answers what JSON.parse reads; it answers on ordinary records; and the JSONL reader built on
 * it gives the records, keys and errors that JSON.parse gives.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyFromValue, textsFromFields } from '../../../../server/engine/src/pool/common';
import {
  ABSENT,
  JsonMemberScanner,
  NULL,
  NUMBER,
  OTHER,
  PLAIN_STRING,
} from '../../../../server/engine/src/pool/jsonScan';
import { visitJsonl } from '../../../../server/engine/src/pool/jsonl';
import type { PoolItem } from '../../../../server/engine/src/pool/types';
import { mulberry32 } from '../../../support/fixtures';
import { readAll, useTempDir } from './helpers';

const NAMES = ['text', 'key', 'caption', 'url', 'te"xt', 'тekst', '__proto__', 'constructor'];

/** Generates JSON lines of the shapes real pools have, and of the shapes that trip a scanner. */
function lineGenerator(seed: number) {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const space = (): string => (rand() < 0.8 ? '' : pick([' ', '\t', '  ', '\r', ' \t ']));
  const plainChars = ['a', 'b', ' ', 'dog', 'é', '中', '😀', 'text', '"text":', '{', '}', '[', ',', ':'];
  const escapes = [
    '\\"',
    '\\\\',
    '\\/',
    '\\b',
    '\\f',
    '\\n',
    '\\r',
    '\\t',
    '\\u0041',
    '\\u00e9',
    '\\ud83d\\ude00',
    '\\ud800',
    '\\u0074',
  ];
  const jsonString = (): string => {
    let s = '';
    const n = Math.floor(rand() * 6);
    for (let i = 0; i < n; i++) {
      const c = pick(plainChars);
      // The quote and key-like strings go in escaped, as JSON has them.
      s += rand() < 0.15 ? pick(escapes) : c === '"text":' ? '\\"text\\":' : c;
    }
    return `"${s}"`;
  };
  const number = (): string =>
    pick([
      '0',
      '-0',
      '7',
      '-12',
      '3.25',
      '1e3',
      '2E-2',
      '-0.5e+7',
      '123456789012345678901234',
      '1e400',
      String(Math.floor(rand() * 1e6)),
    ]);
  const value = (depth: number): string => {
    const r = rand();
    if (r < 0.35) return jsonString();
    if (r < 0.5) return number();
    if (r < 0.6) return pick(['null', 'true', 'false']);
    if (depth > 3) return jsonString();
    if (r < 0.8) {
      const n = Math.floor(rand() * 4);
      return `[${space()}${Array.from({ length: n }, () => value(depth + 1)).join(`${space()},${space()}`)}${space()}]`;
    }
    return object(depth + 1);
  };
  const memberName = (): string => {
    const r = rand();
    if (r < 0.08) return '"te\\u0078t"'; // spells "text" with an escape
    if (r < 0.12) return '"te\\"xt"';
    return JSON.stringify(pick(NAMES));
  };
  function object(depth: number): string {
    const n = Math.floor(rand() * 5);
    const members = Array.from({ length: n }, () => `${memberName()}${space()}:${space()}${value(depth)}`);
    return `{${space()}${members.join(`${space()},${space()}`)}${space()}}`;
  }
  /** A JSON value, or with some chance the text of one broken by an edit. */
  return (): string => {
    let line = rand() < 0.85 ? object(0) : value(0);
    line = `${space()}${line}${space()}`;
    if (rand() < 0.15) {
      const at = Math.floor(rand() * (line.length + 1));
      const edit = rand();
      if (edit < 0.4) line = line.slice(0, at) + line.slice(at + 1);
      else if (edit < 0.8)
        line =
          line.slice(0, at) +
          pick(['"', '\\', ',', '}', ']', ':', '\u0001', 'x', '0', '-', '.']) +
          line.slice(at);
      else line = line + pick([',', '}', ' x', '{}']);
    }
    return line;
  };
}

const hasOwn = (obj: object, key: string): boolean => Object.prototype.hasOwnProperty.call(obj, key);

function parsedObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

describe('JSON member scanner', () => {
  it('answers only what JSON.parse reads: members present, their kinds and values (20,000 generated lines)', () => {
    const next = lineGenerator(1);
    const scanner = new JsonMemberScanner(NAMES);
    let answered = 0;
    let objects = 0;
    for (let n = 0; n < 20000; n++) {
      const text = next();
      // Bytes around the line: the scanner must not read past its end or before its start.
      const bytes = Buffer.from(`"x${text}{"`);
      const start = 2;
      const end = bytes.length - 2;
      const obj = parsedObject(text);
      if (obj !== undefined) objects++;
      if (!scanner.scan(bytes, start, end)) continue;
      answered++;
      assert.ok(obj !== undefined, `scanner read a line JSON.parse does not take as an object: ${text}`);
      NAMES.forEach((name, k) => {
        const at = `member '${name}' of ${text}`;
        const slice = bytes.toString('utf8', scanner.starts[k], scanner.ends[k]);
        switch (scanner.kinds[k]) {
          case ABSENT:
            assert.ok(!hasOwn(obj, name), `${at}: reported absent`);
            break;
          case PLAIN_STRING:
            assert.equal(obj[name], slice, at);
            break;
          case NUMBER:
            assert.equal(Number(slice), obj[name], at);
            break;
          case NULL:
            assert.equal(obj[name], null, at);
            break;
          case OTHER:
            assert.ok(typeof obj[name] === 'boolean' || typeof obj[name] === 'object', at);
            assert.notEqual(obj[name], null, at);
            break;
          default:
            assert.fail(`${at}: kind ${scanner.kinds[k]}`);
        }
      });
    }
    // It must answer the plain records (most objects), or the fast path would never run.
    assert.ok(answered > objects * 0.3, `answered ${answered} of ${objects} objects`);
  });

  it('leaves to JSON.parse what it cannot read as JSON.parse does', () => {
    const scanner = new JsonMemberScanner(['text']);
    const cases = [
      '{"text":"a","text":"b"}', // a duplicated member: JSON.parse keeps the last
      '{"te\\u0078t":"a"}', // a name spelled with an escape
      '{"text":"a\\nb"}', // an escape in the value
      '{"text":"a"} x',
      '{"text":"a",}',
      '{"text":01}',
      '{"text":"\u0001"}',
      '["text","a"]',
      '"text"',
      `{"a":${'['.repeat(300)}${']'.repeat(300)},"text":"x"}`, // deeper than the scanner goes
    ];
    for (const text of cases) {
      const bytes = Buffer.from(text);
      assert.equal(scanner.scan(bytes, 0, bytes.length), false, text);
    }
    const plain = Buffer.from(
      ' {"url" : {"text":"no"} , "text":"a \\"dog\\"? no: a dog", "n": [1, {"text": 2}]} ',
    );
    assert.equal(scanner.scan(plain, 0, plain.length), false, 'an escape in the wanted value');
    const nested = Buffer.from('{"url":{"text":"inner"},"list":["text",{"text":1}],"text":"outer"}');
    assert.equal(scanner.scan(nested, 0, nested.length), true);
    assert.equal(nested.toString('utf8', scanner.starts[0], scanner.ends[0]), 'outer');
  });
});

describe('JSONL reader on the member scanner', () => {
  const dir = useTempDir();

  /** What the reader gave before the scanner: JSON.parse, then the shared field rules. */
  function expectedItems(
    lines: Buffer[],
    textFields: string[],
    keyField: string | undefined,
    prefix: string,
  ) {
    const out: Array<{ key?: string; texts?: string[]; reason?: string }> = [];
    let index = 0;
    for (const line of lines) {
      const text = line.toString('utf8');
      if (text.trim() === '') continue;
      const i = index++;
      if (Buffer.compare(Buffer.from(text), line) !== 0) {
        out.push({ reason: 'invalid-utf8' });
        continue;
      }
      const obj = parsedObject(text);
      if (obj === undefined) {
        out.push({ reason: 'bad-json' });
        continue;
      }
      const field = (name: string): unknown => (hasOwn(obj, name) ? obj[name] : undefined);
      const texts = textsFromFields(textFields, field, () => Object.keys(obj));
      if (!texts.ok) {
        out.push({ reason: texts.reason });
        continue;
      }
      let key = `${prefix}${i}`;
      if (keyField !== undefined) {
        const k = keyFromValue(keyField, field(keyField));
        if (!k.ok) {
          out.push({ reason: 'missing-key-field' });
          continue;
        }
        key = k.key;
      }
      out.push({ key, texts: texts.texts });
    }
    return out;
  }

  const shape = (item: PoolItem) =>
    item.kind === 'record' ? { key: item.key, texts: item.texts } : { reason: item.reason };

  for (const [textFields, keyField] of [
    [['text'], undefined],
    [['text', 'caption'], 'key'],
  ] as const) {
    it(`gives JSON.parse's records, keys and skips: text fields ${textFields.join(', ')}, key field ${keyField ?? 'none'}`, async () => {
      const next = lineGenerator(textFields.length);
      const lines: Buffer[] = [];
      for (let n = 0; n < 3000; n++) {
        // Half are records as pools have them, half the generator's odd shapes.
        const key = n % 4 === 0 ? String(n) : `"k${n}"`;
        let line = Buffer.from(
          n % 2 === 0
            ? `{"key":${key},"text":"a dog ${n}","caption":"中 ${n}","url":"http://x/${n}"}`
            : next(),
        );
        if (n % 97 === 5)
          line = Buffer.concat([
            line.subarray(0, line.length >> 1),
            Buffer.from([0xc3, 0x28]),
            line.subarray(line.length >> 1),
          ]);
        if (n % 101 === 7) line = Buffer.from('  ');
        lines.push(line);
      }
      const path = join(dir(), `gen-${textFields.length}.jsonl`);
      writeFileSync(path, Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
      const opts = { textFields: [...textFields], keyField, onError: 'skip' as const };
      const expected = expectedItems(lines, [...textFields], keyField, `gen-${textFields.length}.jsonl:`);
      assert.deepEqual((await readAll(path, 'jsonl', opts)).map(shape), expected);
      // The curation's visitor sees the same, its byte-read records included.
      const visited: ReturnType<typeof shape>[] = [];
      let fromBytes = 0;
      await visitJsonl(path, false, opts, {
        record: (line) => {
          fromBytes++;
          const texts: string[] = [];
          for (let k = 0; k < line.textCount; k++)
            texts.push(line.buf.toString('utf8', line.textStarts[k], line.textEnds[k]));
          visited.push({ key: line.key, texts });
        },
        item: (item) => visited.push(shape(item)),
        batchDone: async () => undefined,
      });
      assert.deepEqual(visited, expected);
      assert.ok(fromBytes > 1000, `only ${fromBytes} records read from their bytes`);
    });
  }
});
