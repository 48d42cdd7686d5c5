/** The arguments of "Browse Entry Records" (metacurate.browseEntry), as hovers, the panel and the palette pass them. */
import assert from 'node:assert/strict';
import { browseEntryCommandUri } from '../../../contracts/src/entryBrowserMessages';
import { browseTarget, parseBrowseArgs, sourceLabel } from '../../../client/src/plans/browseArgs';

describe('browseArgs', () => {
  describe('parseBrowseArgs', () => {
    it('asks for an entry when there are no arguments (the palette)', () => {
      assert.deepEqual(parseBrowseArgs(undefined), { kind: 'ask' });
      assert.deepEqual(parseBrowseArgs(null), { kind: 'ask' });
    });

    it('takes an entry id with a curation or the samples and a metadata URI', () => {
      assert.deepEqual(
        parseBrowseArgs({
          entryId: 7,
          source: { kind: 'curation', folder: '/w/out' },
          metadataUri: 'file:///w/m.json',
        }),
        {
          kind: 'args',
          args: {
            entryId: 7,
            source: { kind: 'curation', folder: '/w/out' },
            metadataUri: 'file:///w/m.json',
          },
        },
      );
      assert.deepEqual(parseBrowseArgs({ entryId: 0, source: { kind: 'samples' } }), {
        kind: 'args',
        args: { entryId: 0, source: { kind: 'samples' } },
      });
    });

    it('takes a hand-written numeric id and a folder string as a curation', () => {
      assert.deepEqual(parseBrowseArgs({ entryId: '12', source: '/w/out' }), {
        kind: 'args',
        args: { entryId: 12, source: { kind: 'curation', folder: '/w/out' } },
      });
    });

    for (const [what, arg, reason] of [
      ['a number', 5, /not an object/],
      ['an array', [{ entryId: 1 }], /not an object/],
      ['no entry id', {}, /entryId undefined is not a whole number/],
      ['a negative id', { entryId: -1 }, /entryId -1/],
      ['a fractional id', { entryId: 1.5 }, /entryId 1.5/],
      ['an unknown source kind', { entryId: 1, source: { kind: 'web' } }, /source kind "web"/],
      ['a curation without folder', { entryId: 1, source: { kind: 'curation' } }, /without a folder/],
      [
        'a metadata path that is not a URI',
        { entryId: 1, metadataUri: '/w/m.json' },
        /metadataUri "\/w\/m.json" is not a URI/,
      ],
    ] as const)
      it(`refuses ${what}, saying why`, () => {
        const parsed = parseBrowseArgs(arg);
        assert.equal(parsed.kind, 'invalid');
        assert.match((parsed as { reason: string }).reason, reason);
      });

    it('reads back what a hover command link carries', () => {
      const args = {
        entryId: 3,
        source: { kind: 'curation', folder: '/w/a b&c' },
        metadataUri: 'file:///w/m.json',
      } as const;
      const uri = browseEntryCommandUri(args);
      assert.match(uri, /^command:metacurate\.browseEntry\?/);
      // VS Code decodes the query as JSON and spreads the array as the command's arguments.
      const [first] = JSON.parse(decodeURIComponent(uri.slice(uri.indexOf('?') + 1))) as unknown[];
      assert.deepEqual(parseBrowseArgs(first), { kind: 'args', args });
    });
  });

  describe('browseTarget', () => {
    const defaults = {
      source: { kind: 'curation', folder: '/w/active' } as const,
      metadataUri: 'file:///w/m.json',
    };

    it('fills what the arguments leave out from the active list and curation', () => {
      assert.deepEqual(browseTarget({ entryId: 4 }, defaults), {
        entryId: 4,
        source: { kind: 'curation', folder: '/w/active' },
        metadataUri: 'file:///w/m.json',
      });
    });

    it('keeps what the arguments say', () => {
      assert.deepEqual(
        browseTarget({ entryId: 4, source: { kind: 'samples' }, metadataUri: 'file:///w/o.json' }, defaults),
        {
          entryId: 4,
          source: { kind: 'samples' },
          metadataUri: 'file:///w/o.json',
        },
      );
    });

    it('has no metadata URI when neither gives one', () => {
      assert.deepEqual(
        browseTarget({ entryId: 1 }, { source: { kind: 'samples' }, metadataUri: undefined }),
        {
          entryId: 1,
          source: { kind: 'samples' },
        },
      );
    });
  });

  it('labels a source as the browser head shows it', () => {
    assert.equal(
      sourceLabel({ kind: 'samples' }, (p) => p),
      'Workspace samples',
    );
    assert.equal(
      sourceLabel({ kind: 'curation', folder: '/w/out' }, (p) => p.replace('/w/', '')),
      'Curation out',
    );
  });
});
