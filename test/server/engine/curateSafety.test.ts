/**
 * Curation never loses data (issue 9): each scenario of the issue, as it was reproduced, and what
 * happens now. The output folder belongs to a curation only if it is new, empty or holds one; a
 * failed run removes only what it made; a new selection is built beside the old one and swapped
 * in; inputs and outputs never overlap; one writer per folder; resuming checks the inputs'
 * content and removes the temporary files of the killed run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { curate, type CurateOptions } from '../../../server/engine/src/curate';
import { runCountTask, runSelectTask, type PoolTask } from '../../../server/engine/src/curateTasks';
import { InputError, UsageError } from '../../../server/engine/src/errors';
import { RACY_MARGIN_MS } from '../../../server/engine/src/fileIdentity';
import { createMatcher } from '../../../server/engine/src/match/matcher';
import type { ProgressSink, ProgressUpdate } from '../../../server/engine/src/progress';
import { curatedTree, generateCaptions, smallMetadata, tempDir, writeJsonl } from '../../support/fixtures';

/** Every file under `dir` (with .metacurate/ only when asked), with its bytes as base64. */
function everything(dir: string, withOwn = false): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (withOwn || e.name !== '.metacurate') walk(p);
      } else out[relative(dir, p)] = readFileSync(p).toString('base64');
    }
  };
  walk(dir);
  return out;
}

/** Asserts two file trees are equal, naming the files that differ (not their bytes). */
function assertSameFiles(actual: Record<string, string>, expected: Record<string, string>, what = ''): void {
  const digest = (tree: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(tree).map(([k, v]) => [k, createHash('sha256').update(v).digest('hex').slice(0, 12)]),
    );
  assert.deepEqual(digest(actual), digest(expected), what);
}

/** A progress sink that keeps the messages and lets a test look at the folder mid-run. */
function watching(
  onUpdate: (u: ProgressUpdate) => void = () => undefined,
): ProgressSink & { messages: string[] } {
  const messages: string[] = [];
  return { messages, update: onUpdate, info: (m) => messages.push(m), finish: () => undefined };
}

/**
 * The state a kill during the count pass leaves in a finished curation folder: a few slices
 * counted, nothing selected, no curation in the folder (it is set only by the final swap).
 */
function asIfKilledDuringCount(out: string, uncounted: number[]): void {
  const manifestPath = join(out, '.metacurate', 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  manifest.next = { selectKey: manifest.current.selectKey, finalizedFiles: [] };
  delete manifest.current;
  writeFileSync(manifestPath, JSON.stringify(manifest));
  const work = join(out, '.metacurate', 'work');
  for (const id of uncounted) rmSync(join(work, `count-${id}.done.json`));
  for (const f of readdirSync(work)) if (f.startsWith('select-')) rmSync(join(work, f));
  const outputs = [
    'data',
    'summary.json',
    'matches.bin',
    'counts.json',
    'counts.bin',
    'entries.idx',
    'records.idx',
  ];
  for (const name of outputs) rmSync(join(out, name), { recursive: true, force: true });
}

/** Replaces one caption in place with another of the same length, and puts the times back. */
function editInPlaceSameSize(path: string, from: string, to: string): void {
  assert.equal(Buffer.byteLength(from), Buffer.byteLength(to));
  const before = statSync(path);
  const text = readFileSync(path, 'utf8');
  assert.ok(text.includes(from), `${from} is in ${path}`);
  writeFileSync(path, text.replace(from, to));
  utimesSync(path, before.atime, before.mtime);
  assert.equal(statSync(path).size, before.size);
}

describe('curation never loses data', function () {
  this.timeout(120000);
  const dir = tempDir();
  const metadataPath = join(dir.path, 'metadata.json');
  const poolDir = join(dir.path, 'pool');
  const inputs = [join(poolDir, 'a.jsonl'), join(poolDir, 'b.jsonl')];
  before(() => {
    writeFileSync(metadataPath, JSON.stringify(smallMetadata()));
    mkdirSync(poolDir);
    writeJsonl(inputs[0], generateCaptions(2000, 1));
    writeJsonl(inputs[1], generateCaptions(1500, 2));
  });
  after(() => dir.remove());

  const base = (out: string, extra: Partial<CurateOptions> = {}): CurateOptions => ({
    metadataPath,
    inputs,
    textFields: ['text'],
    t: 150,
    seed: 42,
    outDir: join(dir.path, out),
    workers: 2,
    cache: false,
    ...extra,
  });

  /** A pool of its own (a copy of the shared one) for a test that edits it. */
  const ownPool = (name: string): string[] => {
    const folder = join(dir.path, name);
    cpSync(poolDir, folder, { recursive: true });
    return inputs.map((p) => join(folder, relative(poolDir, p)));
  };

  describe('1. the output folder belongs to the curation', () => {
    it('refuses a folder that holds the user’s files, before writing anything, naming them', async () => {
      const out = join(dir.path, 'users-folder');
      mkdirSync(join(out, 'data'), { recursive: true });
      writeFileSync(join(out, 'summary.json'), 'my summary');
      writeFileSync(join(out, 'counts.json'), 'my counts');
      writeFileSync(join(out, 'data', 'photo.jpg'), 'my photo');
      const before = everything(out, true);
      await assert.rejects(curate(base('users-folder')), (err: unknown) => {
        assert.ok(err instanceof UsageError);
        assert.match(
          err.message,
          /users-folder is not empty and holds no curation of metacurate \(it has counts\.json, data, summary\.json\)/,
        );
        return true;
      });
      assertSameFiles(everything(out, true), before);
    });

    it('a re-run with another t builds beside the curation and swaps it in: the old one stays whole until then, and the user’s files stay', async () => {
      const out = join(dir.path, 'reselect');
      await curate(base('reselect'));
      writeFileSync(join(out, 'notes.txt'), 'my notes');
      writeFileSync(join(out, 'data', 'mine.txt'), 'my file in data/');
      const old = everything(out);
      let looked = 0;
      let mixed = 0;
      const progress = watching((u) => {
        if (u.phase !== 'select') return;
        // Mid-selection the folder is still the previous curation, whole.
        if (!isDeepStrictEqual(everything(out), old)) mixed++;
        looked++;
      });
      const again = await curate(base('reselect', { t: 400, seed: 7 }), progress);
      assert.ok(looked > 0, 'the selection was watched');
      assert.equal(mixed, 0, 'the previous curation was whole during the selection');
      assert.ok(
        progress.messages.includes(
          'Counts are reused from the earlier run; selecting again for the new t and seed.',
        ),
      );
      const fresh = await curate(base('reselect-fresh', { t: 400, seed: 7, workers: 1 }));
      assert.equal(again.kept, fresh.kept);
      const { 'data/mine.txt': mine, 'notes.txt': notes, ...curated } = curatedTree(out);
      assertSameFiles(curated, curatedTree(join(dir.path, 'reselect-fresh')));
      assert.ok(mine !== undefined && notes !== undefined);
      assert.equal(readFileSync(join(out, 'notes.txt'), 'utf8'), 'my notes');
      assert.equal(readFileSync(join(out, 'data', 'mine.txt'), 'utf8'), 'my file in data/');
      assert.deepEqual(readdirSync(join(out, '.metacurate')).sort(), ['manifest.json', 'work']);
    });

    it('a run that fails on a bad record leaves the previous curation and the user’s files as they were', async () => {
      const own = ownPool('pool-badrecord');
      const out = join(dir.path, 'badrecord');
      await curate(base('badrecord', { inputs: own }));
      writeFileSync(join(out, 'notes.txt'), 'my notes');
      writeFileSync(join(out, 'data', 'mine.txt'), 'mine');
      const before = everything(out);
      const manifest = readFileSync(join(out, '.metacurate', 'manifest.json'), 'utf8');
      const lines = readFileSync(own[0], 'utf8').split('\n');
      lines[1] = '{"text": "a dog"';
      writeFileSync(own[0], lines.join('\n'));
      await assert.rejects(curate(base('badrecord', { inputs: own })), (err: unknown) => {
        assert.ok(err instanceof InputError);
        assert.match(err.message, /a\.jsonl:line 2/);
        return true;
      });
      assertSameFiles(everything(out), before);
      assert.equal(
        JSON.parse(readFileSync(join(out, '.metacurate', 'manifest.json'), 'utf8')).current.selectKey,
        JSON.parse(manifest).current.selectKey,
      );
      assert.equal(existsSync(join(out, '.metacurate', 'lock')), false, 'the lock is released');
    });

    it('a first run that fails leaves a folder the user made as it was (empty), and removes one it made', async () => {
      const bad = join(dir.path, 'bad.jsonl');
      writeFileSync(bad, '{"text": "a dog"}\n{"text": "a cat"\n');
      mkdirSync(join(dir.path, 'made-by-user'));
      await assert.rejects(curate(base('made-by-user', { inputs: [bad] })), InputError);
      assert.deepEqual(readdirSync(join(dir.path, 'made-by-user')), []);
      await assert.rejects(curate(base('made-by-run', { inputs: [bad] })), InputError);
      assert.equal(existsSync(join(dir.path, 'made-by-run')), false);
    });
  });

  describe('2. inputs and outputs never overlap', () => {
    it('refuses an input stored under OUT/data/ (also through a link), naming both, and changes nothing', async () => {
      const out = join(dir.path, 'overlap');
      await curate(base('overlap'));
      const inside = join(out, 'data', 'a.jsonl');
      const before = everything(out, true);
      await assert.rejects(curate(base('overlap', { inputs: [inside], t: 10 })), (err: unknown) => {
        assert.ok(err instanceof UsageError);
        assert.ok(
          err.message.includes(`the input ${inside} is inside the output folder ${out}`),
          err.message,
        );
        return true;
      });
      symlinkSync(inside, join(dir.path, 'link-into-out.jsonl'));
      await assert.rejects(
        curate(base('overlap', { inputs: [join(dir.path, 'link-into-out.jsonl')], t: 10 })),
        /link-into-out\.jsonl is inside the output folder .*overlap \(.*link-into-out\.jsonl is .*overlap\/data\/a\.jsonl\)/,
      );
      assertSameFiles(everything(out, true), before);
    });

    it('refuses metadata inside the output folder', async () => {
      const out = join(dir.path, 'meta-inside');
      mkdirSync(out);
      writeFileSync(join(out, 'metadata.json'), JSON.stringify(smallMetadata()));
      await assert.rejects(
        curate(base('meta-inside', { metadataPath: join(out, 'metadata.json') })),
        /metadata\.json is inside the output folder/,
      );
    });
  });

  describe('4. one writer per folder', () => {
    it('of two curations into one folder at once, the second is refused naming the first; the folder describes the first alone', async () => {
      const out = join(dir.path, 'twice');
      const runs = [
        curate(base('twice', { inputs: [inputs[0]] })),
        curate(base('twice', { inputs: [inputs[1]] })),
      ];
      const results = await Promise.allSettled(runs);
      const failed = results.filter((r) => r.status === 'rejected');
      assert.equal(failed.length, 1, 'exactly one is refused');
      const reason = (failed[0] as PromiseRejectedResult).reason;
      assert.ok(reason instanceof UsageError);
      assert.ok(
        reason.message.includes(
          `is in use by another curation: \`metacurate curate\`, pid ${process.pid} on ${hostname()}`,
        ),
        reason.message,
      );
      const winner = results.findIndex((r) => r.status === 'fulfilled');
      await curate(base('twice-alone', { inputs: [inputs[winner]] }));
      assertSameFiles(curatedTree(out), curatedTree(join(dir.path, 'twice-alone')));
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      assert.deepEqual(
        summary.outputs.map((o: { input: string }) => o.input),
        [inputs[winner]],
      );
    });

    it('takes over the lock of a run that died on this host, with a message', async () => {
      const out = join(dir.path, 'stale');
      mkdirSync(join(out, '.metacurate'), { recursive: true });
      const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
      writeFileSync(
        join(out, '.metacurate', 'lock'),
        JSON.stringify({ pid: dead, host: hostname(), started: '2024-01-01T00:00:00Z', command: 'curate' }),
      );
      const progress = watching();
      await curate(base('stale'), progress);
      assert.ok(
        progress.messages.some((m) =>
          m.startsWith(
            `Took over the lock of a curation that is no longer running (\`metacurate curate\`, pid ${dead}`,
          ),
        ),
        progress.messages.join('\n'),
      );
      assert.equal(existsSync(join(out, '.metacurate', 'lock')), false);
    });
  });

  describe('6. resuming checks content', () => {
    it('an input edited in place (same size, same times) between a kill and the re-run is counted again, with a message naming it', async () => {
      const own = ownPool('pool-edited');
      const out = join(dir.path, 'edited');
      await curate(base('edited', { inputs: own, sliceBytes: 20000 }));
      asIfKilledDuringCount(out, [1, 3]);
      const firstSliceEnd = JSON.parse(readFileSync(join(out, '.metacurate', 'manifest.json'), 'utf8')).plan
        .tasks[0].byteRange.end;
      const caption = JSON.parse(readFileSync(own[0], 'utf8').split('\n')[0]).text as string;
      editInPlaceSameSize(own[0], JSON.stringify(caption), JSON.stringify('dog'.padEnd(caption.length, ' ')));
      const progress = watching();
      const summary = await curate(base('edited', { inputs: own, sliceBytes: 20000 }), progress);
      assert.ok(
        progress.messages.includes(
          `The input ${own[0]} changed since the earlier run (bytes 0..${firstSliceEnd} differ from what was counted): counting again from the start.`,
        ),
        progress.messages.join('\n'),
      );
      const fresh = await curate(base('edited-fresh', { inputs: own, workers: 1 }));
      assertSameFiles(curatedTree(out), curatedTree(join(dir.path, 'edited-fresh')));
      assert.equal(summary.kept, fresh.kept);
    });

    it('a finished curation whose input changed is curated again by the same command; the old one stays until the new one is whole', async () => {
      const own = ownPool('pool-changed');
      const out = join(dir.path, 'changed');
      await curate(base('changed', { inputs: own }));
      const old = everything(out);
      const caption = JSON.parse(readFileSync(own[1], 'utf8').split('\n')[5]).text as string;
      editInPlaceSameSize(own[1], JSON.stringify(caption), JSON.stringify('cat'.padEnd(caption.length, ' ')));
      let looked = 0;
      let mixed = 0;
      const progress = watching((u) => {
        if (u.phase !== 'count') return;
        if (!isDeepStrictEqual(everything(out), old)) mixed++;
        looked++;
      });
      await curate(base('changed', { inputs: own }), progress);
      assert.ok(looked > 0, 'the count was watched');
      assert.equal(mixed, 0, 'the previous curation was whole during the count');
      assert.ok(
        progress.messages.some((m) => m.startsWith(`The input ${own[1]} changed since the earlier run`)),
      );
      await curate(base('changed-fresh', { inputs: own, workers: 1 }));
      assertSameFiles(curatedTree(out), curatedTree(join(dir.path, 'changed-fresh')));
    });

    it('changed metadata is named, and counted again', async () => {
      const meta = join(dir.path, 'metadata-changing.json');
      writeFileSync(meta, JSON.stringify(smallMetadata()));
      const out = join(dir.path, 'meta-changed');
      await curate(base('meta-changed', { metadataPath: meta }));
      asIfKilledDuringCount(out, [0]);
      writeFileSync(meta, JSON.stringify([...smallMetadata(), 'street']));
      const progress = watching();
      await curate(base('meta-changed', { metadataPath: meta }), progress);
      assert.ok(
        progress.messages.includes(
          `The metadata ${meta} changed since the earlier run: counting again from the start.`,
        ),
      );
      const counts = JSON.parse(readFileSync(join(out, 'counts.json'), 'utf8'));
      assert.ok(counts.street > 0, 'the new entry is counted');
    });

    it('the select pass refuses a slice whose bytes changed since it was counted', async () => {
      const own = ownPool('pool-select');
      const work = join(dir.path, 'select-work');
      mkdirSync(work);
      const task: PoolTask = { id: 0, file: own[0], format: 'jsonl', bytes: statSync(own[0]).size };
      const run = { textFields: ['text'], onError: 'fail' as const };
      const matcher = createMatcher(smallMetadata());
      const counted = await runCountTask(matcher, task, run, work);
      assert.match(counted.sha256, /^[0-9a-f]{64}$/);
      const caption = JSON.parse(readFileSync(own[0], 'utf8').split('\n')[0]).text as string;
      editInPlaceSameSize(own[0], JSON.stringify(caption), JSON.stringify('x'.padEnd(caption.length, ' ')));
      const p = new Float64Array(smallMetadata().length).fill(1);
      await assert.rejects(runSelectTask(task, run, 1, p, 0, work), (err: unknown) => {
        assert.ok(err instanceof InputError);
        assert.match(err.message, /a\.jsonl: the file changed since it was counted/);
        return true;
      });
    });

    it('the select pass trusts an identity that proves the file unchanged, and hashes again otherwise', async () => {
      const own = ownPool('pool-identity');
      const work = join(dir.path, 'identity-work');
      mkdirSync(work);
      const task: PoolTask = { id: 0, file: own[0], format: 'jsonl', bytes: statSync(own[0]).size };
      const run = { textFields: ['text'], onError: 'fail' as const };
      const counted = await runCountTask(createMatcher(smallMetadata()), task, run, work);
      assert.ok(counted.identity, 'the count records the file identity');
      const p = new Float64Array(smallMetadata().length).fill(1);
      const resultPath = join(work, 'count-0.done.json');
      // A wrong sha256 shows which path was taken: a trusted identity never hashes.
      const withResult = (result: object): void => writeFileSync(resultPath, JSON.stringify(result));
      const unhashable = { ...counted, sha256: '0'.repeat(64) };
      withResult({
        ...unhashable,
        identity: { ...counted.identity, takenAtMs: Date.now() + RACY_MARGIN_MS + 1000 },
      });
      const selected = await runSelectTask(task, run, 1, p, 0, work);
      assert.equal(selected.records, counted.records);
      // Freshly written (racy): hashed, so the wrong sha256 is refused.
      withResult(unhashable);
      await assert.rejects(runSelectTask(task, run, 1, p, 0, work), /the file changed since it was counted/);
      // An identity that differs (here the file was touched) is hashed: same bytes, accepted.
      const aged = {
        ...counted,
        identity: { ...counted.identity, takenAtMs: Date.now() + RACY_MARGIN_MS + 1000 },
      };
      utimesSync(own[0], new Date(), new Date());
      withResult(aged);
      assert.equal((await runSelectTask(task, run, 1, p, 0, work)).records, counted.records);
    });

    it('a resume removes the temporary files of the killed run, and only those', async () => {
      const out = join(dir.path, 'leftovers');
      await curate(base('leftovers', { sliceBytes: 20000 }));
      asIfKilledDuringCount(out, [2]);
      const left = [
        'summary.json.tmp-4242-ab12cd34',
        'counts.json.tmp-4242-ab12cd34',
        '.metacurate/work/count-2.matches.tmp-4242-ab12cd34',
        '.metacurate/work/select-0.jsonl.tmp-4242',
        '.metacurate/stage/counts.bin.tmp-4242-ab12cd34',
        '.metacurate/manifest.json.tmp-4242-ab12cd34',
      ];
      mkdirSync(join(out, '.metacurate', 'stage'), { recursive: true });
      for (const f of left) writeFileSync(join(out, f), 'half written');
      writeFileSync(join(out, 'notes.txt.tmp-1-abcdabcd'), 'the user’s, named like ours');
      const progress = watching();
      await curate(base('leftovers', { sliceBytes: 20000 }), progress);
      assert.ok(
        progress.messages.includes(`Removed ${left.length} temporary file(s) left by an interrupted run.`),
        progress.messages.join('\n'),
      );
      const remaining = Object.keys(everything(out, true)).filter((f) => /\.tmp-\d+/.test(f));
      assert.deepEqual(remaining, ['notes.txt.tmp-1-abcdabcd']);
      await curate(base('leftovers-clean', { workers: 1 }));
      const { 'notes.txt.tmp-1-abcdabcd': _, ...curated } = curatedTree(out);
      assertSameFiles(curated, curatedTree(join(dir.path, 'leftovers-clean')));
    });
  });
});
