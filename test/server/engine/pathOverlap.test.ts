/**
 * Inputs and outputs never overlap: an output that is an input (by path, through a symbolic
 * link, or as a hard link of it), an input inside an output folder, or an output inside an
 * input folder is a usage error naming both paths.
 */
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../../server/engine/src/errors';
import { assertInputsApartFromOutputs } from '../../../server/engine/src/pathOverlap';
import { tempDir } from '../../support/fixtures';

describe('assertInputsApartFromOutputs', () => {
  const dir = tempDir();
  const input = join(dir.path, 'pool', 'a.jsonl');
  before(() => {
    mkdirSync(join(dir.path, 'pool'));
    writeFileSync(input, '{"text": "a dog"}\n');
  });
  after(() => dir.remove());

  const refuses = async (outputs: { path: string; folder?: boolean }[], message: RegExp, inputs = [input]) =>
    assert.rejects(assertInputsApartFromOutputs(inputs, outputs), (err: unknown) => {
      assert.ok(err instanceof UsageError, String(err));
      assert.match(err.message, message);
      return true;
    });

  it('refuses an output that is an input, given as is, through a symbolic link, or a hard link', async () => {
    await refuses([{ path: input }], /the output .*pool\/a\.jsonl is the input .*pool\/a\.jsonl/);
    const link = join(dir.path, 'link.jsonl');
    symlinkSync(input, link);
    await refuses(
      [{ path: link }],
      /the output .*link\.jsonl is the input .*a\.jsonl \(.*link\.jsonl is .*pool\/a\.jsonl\)/,
    );
    const hard = join(dir.path, 'hard.jsonl');
    linkSync(input, hard);
    await refuses([{ path: hard }], /the output .*hard\.jsonl is the input .*a\.jsonl/);
  });

  it('refuses an input inside the output folder, also through a link to the folder', async () => {
    await refuses(
      [{ path: join(dir.path, 'pool'), folder: true }],
      /the input .*a\.jsonl is inside the output folder .*pool/,
    );
    symlinkSync(join(dir.path, 'pool'), join(dir.path, 'pool-link'));
    await refuses(
      [{ path: join(dir.path, 'pool-link'), folder: true }],
      /is inside the output folder .*pool-link/,
    );
    await refuses(
      [{ path: join(dir.path, 'pool-link', 'not-yet', 'deeper'), folder: true }],
      /outputs never replace inputs/,
      [join(dir.path, 'pool', 'not-yet', 'deeper', 'x.jsonl')],
    );
  });

  it('refuses an output inside an input folder', async () => {
    await refuses(
      [{ path: join(dir.path, 'pool', 'out'), folder: true }],
      /the output .*pool\/out is inside the input folder .*pool/,
      [join(dir.path, 'pool')],
    );
    await refuses([{ path: join(dir.path, 'pool', 'metadata.json') }], /is inside the input folder/, [
      join(dir.path, 'pool'),
    ]);
  });

  it('accepts outputs beside the inputs, standard output, and a device', async () => {
    await assertInputsApartFromOutputs(
      [input],
      [
        { path: join(dir.path, 'out'), folder: true },
        { path: join(dir.path, 'pool', 'b.jsonl') },
        { path: '-' },
        { path: '/dev/null' },
      ],
    );
  });
});
