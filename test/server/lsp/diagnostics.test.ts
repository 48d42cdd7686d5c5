/**
 * Metadata diagnostics and quick fixes as pure functions of the text: each problem with its exact
 * range (escapes accounted for), related information for duplicates, and the fix each one offers.
 */
import assert from 'node:assert/strict';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { codeActionsFor } from '../../../server/src/lsp/codeActions';
import { computeDiagnostics, neverMatchReason } from '../../../server/src/lsp/diagnostics';
import { parseMetadata, type MetadataKind } from '../../../server/engine/src/documents/metadataModel';

function check(text: string, kind: MetadataKind = 'json') {
  const doc = TextDocument.create(
    kind === 'json' ? 'file:///m/metadata.json' : 'file:///m/a.entries.txt',
    'json',
    1,
    text,
  );
  const model = parseMetadata(text, kind);
  const diagnostics = computeDiagnostics(doc, model);
  /** The source text each diagnostic's range covers, with its code. */
  const covered = diagnostics.map((d) => [d.code, doc.getText(d.range)]);
  const fix = (d: Diagnostic, title?: RegExp): string => {
    const actions = codeActionsFor(doc, model, [d]);
    const action = title ? actions.find((a) => title.test(a.title)) : actions[0];
    assert.ok(action, `no fix for ${String(d.code)}; got ${actions.map((a) => a.title).join(', ')}`);
    return TextDocument.applyEdits(doc, action.edit!.changes![doc.uri]);
  };
  return { doc, model, diagnostics, covered, fix };
}

/** A diagnostic's message as text (3.18 allows Markdown too). */
const msg = (d: Diagnostic): string => (typeof d.message === 'string' ? d.message : d.message.value);

const byCode = (ds: Diagnostic[], code: string) => ds.filter((d) => d.code === code);

describe('lsp metadata diagnostics', () => {
  it('accepts a clean list', () => {
    assert.deepEqual(check('["dog", "new york", "hot dog", "café"]\n').diagnostics, []);
  });

  it('reports a file that is not a JSON array of strings, at the problem', () => {
    assert.deepEqual(check('{"dog": 1}').covered, [['not-array', '{"dog": 1}']]);
    assert.deepEqual(check('["dog", 12, null, "cat"]').covered, [
      ['not-string', '12'],
      ['not-string', 'null'],
    ]);
    const r = check('["dog",\n "cat" "bird",\n ]');
    assert.deepEqual(
      r.diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character]),
      [
        ['json-syntax', 1, 7],
        ['json-syntax', 1, 13],
      ],
    );
    assert.match(msg(r.diagnostics[0]), /expected ',' or ']'/);
    assert.match(msg(r.diagnostics[1]), /trailing comma/);
    // Entries around the errors are still read.
    assert.deepEqual(r.model.entries, ['dog', 'cat', 'bird']);
    assert.deepEqual(check('["dog", "ca').covered[0], ['json-syntax', '"ca']);
  });

  it('points duplicates at their first occurrence as related information, and removes them', () => {
    const r = check('[\n  "dog",\n  "cat",\n  "dog"\n]');
    const [d] = byCode(r.diagnostics, 'duplicate');
    assert.equal(r.doc.getText(d.range), '"dog"');
    assert.deepEqual(d.range.start, { line: 3, character: 2 });
    assert.deepEqual(d.relatedInformation?.[0].location.range, {
      start: { line: 1, character: 2 },
      end: { line: 1, character: 7 },
    });
    assert.match(d.relatedInformation![0].message, /first occurrence \(entry 0\)/);
    assert.equal(r.fix(d), '[\n  "dog",\n  "cat"\n]');
  });

  it('reports empty and whitespace-only entries, and removes them', () => {
    const r = check('["", "dog", "  ", "\\u00a0"]');
    assert.deepEqual(r.covered, [
      ['empty', '""'],
      ['empty', '"  "'],
      ['empty', '"\\u00a0"'],
    ]);
    assert.equal(r.fix(r.diagnostics[0]), '["dog", "  ", "\\u00a0"]');
    assert.equal(r.fix(r.diagnostics[1]), '["", "dog", "\\u00a0"]');
  });

  it('reports leading, trailing and doubled spaces at the spaces, and trims them', () => {
    const r = check('[" dog", "cat  ", "hot  dog", "a   b c"]');
    assert.deepEqual(r.covered, [
      ['leading-space', ' '],
      ['trailing-space', '  '],
      ['double-space', '  '],
      ['double-space', '   '],
    ]);
    assert.equal(r.fix(r.diagnostics[0]), '["dog", "cat  ", "hot  dog", "a   b c"]');
    assert.equal(r.fix(r.diagnostics[2]), '[" dog", "cat  ", "hot dog", "a   b c"]');
  });

  it('reports entries that can never match, with the reason, at the character', () => {
    const r = check('["St. Louis", "Yahoo!", "a . b", "U.S.", "dog\\tcat", "x`y", "ok ,"]');
    assert.deepEqual(r.covered, [
      ['never-matches', '.'],
      ['never-matches', '!'],
      ['never-matches', '.'],
      ['never-matches', '\\t'],
      ['never-matches', '`'],
    ]);
    assert.match(msg(r.diagnostics[0]), /can never match: it contains '\.'/);
    assert.match(msg(r.diagnostics[0]), /"St \. {2}Louis"/);
    assert.match(msg(r.diagnostics[3]), /a tab/);
    // The fix spaces the entry as captions are spaced, so it matches what was meant.
    assert.equal(
      r.fix(r.diagnostics[0], /Space/),
      '["St .  Louis", "Yahoo!", "a . b", "U.S.", "dog\\tcat", "x`y", "ok ,"]',
    );
    assert.match(r.fix(r.diagnostics[1], /Remove/), /^\["St\. Louis", "a \. b"/);
    assert.equal(neverMatchReason('a . b'), undefined);
    assert.equal(neverMatchReason('St .  Louis'), undefined);
    // A spaced entry is not reported for its punctuation spaces.
    assert.deepEqual(check('["St .  Louis", "Yahoo ! "]').diagnostics, []);
  });

  it('reports non-breaking spaces and decomposed Unicode, and fixes them', () => {
    const r = check('["new\u00a0york", "cafe\u0301", "caf\\u0065\\u0301 noir"]');
    assert.deepEqual(r.covered, [
      ['nbsp', '\u00a0'],
      ['nfd', 'cafe\u0301'],
      ['nfd', 'caf\\u0065\\u0301 noir'],
    ]);
    assert.equal(r.fix(r.diagnostics[0]), '["new york", "cafe\u0301", "caf\\u0065\\u0301 noir"]');
    assert.equal(r.fix(r.diagnostics[1]), '["new\u00a0york", "café", "caf\\u0065\\u0301 noir"]');
  });

  it('under the worldwide padding, points out entries that start or end in kana (padded there, so they match only beside a space)', () => {
    const text = '["東京タワー", "東京", "タワー", "ねこ写真", "写真", "แมว", "ｶﾒﾗ"]\n';
    const doc = TextDocument.create('file:///m/ja.json', 'json', 1, text);
    const model = parseMetadata(text, 'json');
    const worldwide = computeDiagnostics(doc, model, undefined, 'worldwide');
    assert.deepEqual(
      byCode(worldwide, 'padded-kana').map((d) => [doc.getText(d.range), d.severity]),
      [
        ['"東京タワー"', 3],
        ['"タワー"', 3],
        ['"ねこ写真"', 3],
        ['"ｶﾒﾗ"', 3],
      ],
    );
    assert.match(msg(byCode(worldwide, 'padded-kana')[0]), /ends in kana.*space after it/);
    assert.match(msg(byCode(worldwide, 'padded-kana')[1]), /starts and ends in kana.*both sides/);
    assert.match(msg(byCode(worldwide, 'padded-kana')[2]), /starts in kana.*space before it/);
    // The English padding pads every entry anyway: nothing to point out.
    assert.deepEqual(byCode(computeDiagnostics(doc, model), 'padded-kana'), []);
  });

  it('reports entries over 256 characters', () => {
    const long = 'x'.repeat(257);
    const r = check(`["dog", "${long}"]`);
    assert.deepEqual(r.covered, [['too-long', long]]);
    assert.match(msg(r.diagnostics[0]), /257 characters/);
    assert.equal(r.fix(r.diagnostics[0]), '["dog"]');
    assert.deepEqual(check(`["${'x'.repeat(256)}"]`).diagnostics, []);
  });

  it('maps ranges through escapes exactly', () => {
    // "\u0020dog": the leading space is the 6-character escape.
    const r = check('["\\u0020dog", "a\\"b  c"]');
    assert.deepEqual(r.covered, [
      ['leading-space', '\\u0020'],
      ['double-space', '  '],
    ]);
  });

  it('checks one-entry-per-line lists too', () => {
    const r = check('dog\ncat\r\ndog\n hot dog\n', 'lines');
    assert.deepEqual(r.covered, [
      ['duplicate', 'dog'],
      ['leading-space', ' '],
    ]);
    assert.equal(r.diagnostics[0].range.start.line, 2);
    assert.equal(r.fix(r.diagnostics[0]), 'dog\ncat\r\n hot dog\n');
  });

  it('ignores a fix whose entry has changed since', () => {
    const r = check('["dog", "dog"]');
    const stale = parseMetadata('["dog", "cat"]', 'json');
    assert.deepEqual(codeActionsFor(r.doc, stale, r.diagnostics), []);
  });
});
