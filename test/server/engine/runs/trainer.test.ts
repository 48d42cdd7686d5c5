/**
 * Whether a Python can import what a job needs, asked before the job is offered: yes, or the
 * reason in one line (the import error's last line, a Python that cannot be run, a slow import).
 */
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pythonImports } from '../../../../server/engine/src/runs/trainer';
import { tempDir } from '../../../support/fixtures';

const PYTHON = '/usr/bin/python3';

describe('probing a Python for modules', () => {
  const dir = tempDir('metacurate-pyprobe-');
  after(() => dir.remove());

  it('says yes when every module imports', async () => {
    assert.deepEqual(await pythonImports(PYTHON, ['json', 'os']), { ok: true });
  });

  it("gives the import error's last line when a module is missing", async () => {
    assert.deepEqual(await pythonImports(PYTHON, ['json', 'no_such_module_mc']), {
      ok: false,
      reason: "ModuleNotFoundError: No module named 'no_such_module_mc'",
    });
  });

  it('says that a Python that does not exist cannot be run', async () => {
    const missing = join(dir.path, 'no-python');
    assert.deepEqual(await pythonImports(missing, ['json']), {
      ok: false,
      reason: `cannot run ${missing} (ENOENT)`,
    });
  });

  it('gives up on an import that hangs', async () => {
    const slow = join(dir.path, 'slow-python');
    writeFileSync(slow, '#!/bin/sh\nexec sleep 30\n');
    chmodSync(slow, 0o755);
    const result = await pythonImports(slow, ['open_clip'], 300);
    assert.deepEqual(result, { ok: false, reason: 'importing open_clip took over 0.3 s' });
  });
});
