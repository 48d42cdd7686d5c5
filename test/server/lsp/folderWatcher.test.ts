/**
 * The server's own watch of the workspace: files created, changed and removed, in folders that
 * exist and in folders created later, are reported once changes pause; hidden folders and
 * node_modules are not watched.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FolderWatcher } from '../../../server/src/lsp/folderWatcher';
import { tempDir } from '../../support/fixtures';

describe('lsp folder watcher', function () {
  this.timeout(30_000);
  const dir = tempDir('metacurate-watch-');
  let watcher: FolderWatcher | undefined;
  const reports: string[][] = [];
  const logs: string[] = [];

  afterEach(() => watcher?.dispose());
  after(() => dir.remove());

  /** Resolves with the next report. */
  const nextReport = (): Promise<string[]> => {
    const count = reports.length;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no report')), 10_000);
      const poll = setInterval(() => {
        if (reports.length > count) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve(reports[count]);
        }
      }, 10);
    });
  };

  const start = async (maxFolders?: number) => {
    watcher = new FolderWatcher([dir.path], {
      isRelevant: (path) => path.endsWith('.jsonl'),
      onChange: (paths) => reports.push([...paths].sort()),
      log: (line) => logs.push(line),
      debounceMs: 50,
      maxFolders,
    });
    await watcher.start();
  };

  it('reports relevant files created, changed and removed, once changes pause', async () => {
    mkdirSync(join(dir.path, 'samples/deep'), { recursive: true });
    mkdirSync(join(dir.path, 'node_modules/x'), { recursive: true });
    mkdirSync(join(dir.path, '.git'), { recursive: true });
    await start();
    assert.equal(watcher!.folderCount, 3, 'the root, samples and samples/deep');
    let report = nextReport();
    writeFileSync(join(dir.path, 'samples/deep/a.jsonl'), '{}\n');
    writeFileSync(join(dir.path, 'samples/b.jsonl'), '{}\n');
    writeFileSync(join(dir.path, 'samples/notes.md'), 'no\n');
    assert.deepEqual(await report, [
      join(dir.path, 'samples/b.jsonl'),
      join(dir.path, 'samples/deep/a.jsonl'),
    ]);
    report = nextReport();
    rmSync(join(dir.path, 'samples/b.jsonl'));
    assert.deepEqual(await report, [join(dir.path, 'samples/b.jsonl')]);
  });

  it('watches folders created later, and reports them', async () => {
    await start();
    const report = nextReport();
    mkdirSync(join(dir.path, 'new'));
    const first = await report;
    assert.ok(first.includes(join(dir.path, 'new')), first.join(', '));
    const second = nextReport();
    writeFileSync(join(dir.path, 'new/c.jsonl'), '{}\n');
    assert.deepEqual(await second, [join(dir.path, 'new/c.jsonl')]);
  });

  it('stops at the folder cap and says so', async () => {
    await start(2);
    assert.equal(watcher!.folderCount, 2);
    assert.match(logs.join('\n'), /watching the first 2 folders of the workspace/);
  });

  it('ignores changes in node_modules and hidden folders', async () => {
    await start();
    const report = nextReport();
    writeFileSync(join(dir.path, 'node_modules/x/d.jsonl'), '{}\n');
    writeFileSync(join(dir.path, '.git/e.jsonl'), '{}\n');
    writeFileSync(join(dir.path, 'samples/f.jsonl'), '{}\n');
    assert.deepEqual(await report, [join(dir.path, 'samples/f.jsonl')]);
  });
});
