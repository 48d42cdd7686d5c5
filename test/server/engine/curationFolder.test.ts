/**
 * Who may write in a curation folder, and the swap that replaces the curation a folder holds:
 * a process killed after any step of the swap leaves either the previous curation whole, or a
 * folder that does not look complete (no summary.json) and becomes the new curation, whole,
 * when the swap runs again. Files a user put in the folder are never touched.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  checkSwap,
  cleanUpAfterSwap,
  folderPaths,
  inspectOutputFolder,
  runSwapMove,
  swapIn,
  swapMoves,
  type Swap,
} from '../../../server/engine/src/curationFolder';
import { EnvironmentError, UsageError } from '../../../server/engine/src/errors';
import { tempDir } from '../../support/fixtures';

/** Every file under `dir` but .metacurate/, with its content. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== '.metacurate') walk(p);
      } else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

function write(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
}

describe('curation folder', () => {
  const dir = tempDir();
  after(() => dir.remove());

  describe('inspectOutputFolder', () => {
    it('accepts a new folder, an empty one, and one holding a curation', async () => {
      assert.equal(await inspectOutputFolder(join(dir.path, 'new')), 'absent');
      mkdirSync(join(dir.path, 'empty'));
      assert.equal(await inspectOutputFolder(join(dir.path, 'empty')), 'empty');
      write(join(dir.path, 'cur'), { '.metacurate/manifest.json': '{"version": 3}', 'notes.txt': 'mine' });
      assert.equal(await inspectOutputFolder(join(dir.path, 'cur')), 'curation');
      // What a run killed before its first plan leaves: the lock and its folders.
      write(join(dir.path, 'killed'), { '.metacurate/lock': '{}', '.metacurate/work/x.tmp-1-abcd1234': '' });
      assert.equal(await inspectOutputFolder(join(dir.path, 'killed')), 'empty');
    });

    it('refuses a folder with anything else, naming what is in it', async () => {
      write(join(dir.path, 'user'), { 'summary.json': 'mine', 'counts.json': 'mine', 'data/photo.jpg': 'x' });
      await assert.rejects(inspectOutputFolder(join(dir.path, 'user')), (err: unknown) => {
        assert.ok(err instanceof UsageError);
        assert.match(
          err.message,
          /user is not empty and holds no curation of metacurate \(it has counts\.json, data, summary\.json\)/,
        );
        return true;
      });
      write(join(dir.path, 'runs'), { '.metacurate/runs/r1/run.json': '{}' });
      await assert.rejects(inspectOutputFolder(join(dir.path, 'runs')), /holds no curation/);
      write(join(dir.path, 'old'), { '.metacurate/manifest.json': '{"version": 2}' });
      await assert.rejects(
        inspectOutputFolder(join(dir.path, 'old')),
        /another version of metacurate \(manifest version 2/,
      );
    });

    it('a file given as the folder is an environment failure (ENOTDIR)', async () => {
      writeFileSync(join(dir.path, 'a-file'), 'x');
      await assert.rejects(inspectOutputFolder(join(dir.path, 'a-file')), (err: unknown) => {
        assert.ok(err instanceof EnvironmentError);
        assert.equal(err.code, 'ENOTDIR');
        assert.match(err.message, /cannot write into .*a-file: it is a file, not a folder \(ENOTDIR\)/);
        return true;
      });
    });
  });

  describe('the swap', () => {
    const previous = {
      'summary.json': 'old summary',
      'counts.json': 'old counts',
      'data/a.jsonl': 'old a',
      'data/b.jsonl': 'old b',
      'data/gone/c.jsonl': 'old c, an input the new curation has no output for',
    };
    const next = {
      'summary.json': 'new summary',
      'counts.json': 'new counts',
      'data/a.jsonl': 'new a',
      'data/b.jsonl': 'new b',
      'data/added/d.jsonl': 'new d',
    };
    const user = { 'notes.txt': 'my notes', 'data/mine.txt': 'my file', 'data/gone/keep.txt': 'kept too' };
    const swap: Swap = { files: Object.keys(next).sort(), previous: Object.keys(previous).sort() };
    const committed = join(dir.path, 'committed');
    before(() => {
      write(committed, { ...previous, ...user });
      write(folderPaths(committed).stage, next);
    });
    const oldTree = { ...previous, ...user };
    const newTree = { ...next, ...user };

    it('moves the previous summary.json aside first and the new one in last', () => {
      const moves = swapMoves(committed, swap);
      assert.equal(relative(committed, moves[0].from), 'summary.json');
      assert.equal(moves[0].kind, 'aside');
      assert.equal(relative(committed, moves[moves.length - 1].to), 'summary.json');
      assert.equal(moves[moves.length - 1].kind, 'in');
    });

    it('killed after any step: the folder is the previous curation, or not complete; run again, it is the new one', async () => {
      const moves = swapMoves(committed, swap);
      for (let k = 0; k <= moves.length; k++) {
        const at = join(dir.path, `kill-${k}`);
        cpSync(committed, at, { recursive: true });
        const movesHere = swapMoves(at, swap);
        for (let i = 0; i < k; i++) await runSwapMove(at, movesHere[i]);
        const seen = tree(at);
        if (existsSync(join(at, 'summary.json')))
          assert.ok(
            isDeepStrictEqual(seen, oldTree) || isDeepStrictEqual(seen, newTree),
            `after ${k} step(s) the folder looks complete but is a mix: ${JSON.stringify(seen)}`,
          );
        await swapIn(at, swap);
        // Killed again during the finishing run, at the same place: finishing twice is the same.
        await swapIn(at, swap);
        await cleanUpAfterSwap(at, swap);
        assert.deepEqual(tree(at), newTree, `killed after ${k} step(s)`);
        assert.equal(existsSync(join(at, 'data', 'gone', 'c.jsonl')), false);
        assert.equal(existsSync(folderPaths(at).prev), false);
        assert.equal(existsSync(folderPaths(at).stage), false);
        rmSync(at, { recursive: true });
      }
    });

    it('killed between the link and the unlink of a file moving in: the run again finishes the move', async () => {
      const at = join(dir.path, 'kill-in-link');
      cpSync(committed, at, { recursive: true });
      const moves = swapMoves(at, swap);
      const firstIn = moves.findIndex((m) => m.kind === 'in');
      for (let i = 0; i < firstIn; i++) await runSwapMove(at, moves[i]);
      mkdirSync(dirname(moves[firstIn].to), { recursive: true });
      execFileSync('ln', [moves[firstIn].from, moves[firstIn].to]);
      await swapIn(at, swap);
      await cleanUpAfterSwap(at, swap);
      assert.deepEqual(tree(at), newTree);
    });

    it('checkSwap refuses, before the commit point, a user file where a new file goes, naming it', async () => {
      const at = join(dir.path, 'in-the-way');
      cpSync(committed, at, { recursive: true });
      write(at, { 'data/added/d.jsonl': 'the user’s own d' });
      await assert.rejects(checkSwap(at, swap), (err: unknown) => {
        assert.ok(err instanceof UsageError);
        assert.match(
          err.message,
          /data\/added\/d\.jsonl is in the way of the new curation \(metacurate did not write it\)/,
        );
        return true;
      });
      await checkSwap(committed, swap);
    });

    it('checkSwap refuses a file of the previous curation replaced by a folder', async () => {
      const at = join(dir.path, 'replaced');
      cpSync(committed, at, { recursive: true });
      rmSync(join(at, 'counts.json'));
      write(at, { 'counts.json/inside.txt': 'a folder now' });
      await assert.rejects(
        checkSwap(at, swap),
        /counts\.json is no longer the file the earlier curation wrote \(it is now a folder\)/,
      );
    });
  });
});
