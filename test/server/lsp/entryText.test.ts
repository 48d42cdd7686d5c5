/** The hover of a metadata entry: each count says what it covers. */
import assert from 'node:assert/strict';
import {
  describeEntry,
  examplesOf,
  sampleFilesPhrase,
  type EntryFacts,
} from '../../../server/src/lsp/entryText';

const facts = (over: Partial<EntryFacts>): EntryFacts => ({
  entry: 'dog',
  id: 0,
  heading: true,
  sampleCount: 105_175,
  records: 540_000,
  sampleFiles: ['pool/a.jsonl', 'pool/b.jsonl', 'c.tsv'],
  t: 2000,
  count: 156,
  p: 1,
  examples: [],
  ...over,
});

describe('entryText', () => {
  it('names the sample files a count covers, the first three then "…"', () => {
    assert.equal(sampleFilesPhrase(['a.jsonl']), 'in 1 sample file: `a.jsonl`');
    assert.equal(
      sampleFilesPhrase(['a.jsonl', 'b.jsonl', 'c.jsonl', 'd.jsonl']),
      'in 4 sample files: `a.jsonl`, `b.jsonl`, `c.jsonl`, …',
    );
    assert.equal(sampleFilesPhrase([]), 'in 0 sample files');
  });

  it("shows the active curation's count with its folder and t", () => {
    const text = describeEntry(facts({ curation: { count: 156, folder: 'demo/curated', t: 2000 } }));
    assert.match(
      text,
      /- Sample matches: \*\*105,175\*\* of 540,000 records in 3 sample files: `pool\/a\.jsonl`, `pool\/b\.jsonl`, `c\.tsv`/,
    );
    assert.match(text, /- Curation: \*\*156\*\* \(`demo\/curated`, t = 2,000\)/);
    assert.match(text, /- Keep probability at t = 2,000: \*\*1\.00\*\* — \*\*tail\*\*/);
  });

  it('says so when no curation was made with the list, naming its sha256', () => {
    const sha = 'ab12cd34ef56'.padEnd(64, '0');
    assert.match(
      describeEntry(facts({ metadataSha256: sha })),
      /- No curation made with this metadata \(sha256 `ab12cd34ef56…`\)/,
    );
    assert.match(describeEntry(facts({})), /No curation made with this metadata \(its file cannot be read\)/);
  });

  it('quotes the first captions an entry matches', () => {
    const examples = examplesOf(
      [
        ['a cat', 'a dog'],
        ['hot dog', 'dog days', 'dog'],
      ],
      'dog',
      'english',
      3,
    );
    assert.deepEqual(
      examples.map((e) => [e.caption, e.span]),
      [
        ['a dog', [2, 5]],
        ['hot dog', [4, 7]],
        ['dog days', [0, 3]],
      ],
    );
    assert.match(describeEntry(facts({ examples })), /Examples:\n\n> a \*\*dog\*\*/);
  });

  it('links to the entry browser with the entry, its source and its list', () => {
    const browse = {
      entryId: 4,
      source: { kind: 'curation', folder: "/w/it's (1)" },
      metadataUri: 'file:///w/m.json',
    } as const;
    const text = describeEntry(facts({ id: 4, browse }));
    const link = /\[Browse records\]\((command:metacurate\.browseEntry\?\S+) "Open the entry browser"\)/.exec(
      text,
    );
    assert.ok(link, text);
    const query = link[1].slice(link[1].indexOf('?') + 1);
    assert.doesNotMatch(query, /[()\s"]/, 'the markdown link target needs no escaping');
    assert.deepEqual(JSON.parse(decodeURIComponent(query)), [browse]);
    assert.match(text, /kept and dropped, in the curation/);
    assert.match(
      describeEntry(facts({ browse: { entryId: 0, source: { kind: 'samples' } } })),
      /in the samples/,
    );
    assert.doesNotMatch(describeEntry(facts({})), /Browse records/);
  });
});
