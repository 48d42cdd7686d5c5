/**
 * The option readers every subcommand shares: `--t` is a positive integer in digits for every
 * command that takes it (curate, stats, experiment), anything else a usage error (exit 2) that
 * names the flag and the value given; and flags that would mix other output into the
 * `--progress json` stream are refused.
 */
import assert from 'node:assert/strict';
import { UsageError } from '../../../server/engine/src/errors';
import { thresholdOption } from '../../../server/src/cli/command';
import { main } from '../../../server/src/cli/main';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (s: string) => ((stdout += s), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: (s: string) => ((stderr += s), true) } as unknown as NodeJS.WritableStream,
    stderrIsTTY: false,
  });
  return { code, stdout, stderr };
}

const NOT_THRESHOLDS = ['70.1', '0', '-5', '1e3', '', 'abc', '+5', '0x10', ' 20', '20 ', '1.0', 'Infinity'];

describe('CLI options', () => {
  describe('thresholdOption (--t)', () => {
    it('reads positive integers written in digits', () => {
      assert.equal(thresholdOption('1'), 1);
      assert.equal(thresholdOption('20000'), 20000);
      assert.equal(thresholdOption('020'), 20);
    });

    it('gives the fallback when --t is absent, and says it is required without one', () => {
      assert.equal(thresholdOption(undefined, 20000), 20000);
      assert.throws(() => thresholdOption(undefined), new UsageError('--t is required'));
    });

    for (const value of [...NOT_THRESHOLDS, '9007199254740993']) {
      it(`refuses ${JSON.stringify(value)}, naming the flag and the value`, () => {
        assert.throws(
          () => thresholdOption(value),
          new UsageError(`--t must be a positive integer (digits only, e.g. 20000), got '${value}'`),
        );
      });
    }
  });

  describe('--t on every command that takes it', () => {
    const commands: [string, string[]][] = [
      ['curate', ['curate', '--metadata', 'm.json', '--input', 'pool.jsonl', '--seed', '1', '--out', 'out']],
      ['stats', ['stats', '--counts', 'counts.json']],
      ['experiment', ['experiment', 'mini', '--out', 'mini', '--data-only']],
    ];
    for (const [name, args] of commands) {
      for (const value of ['70.1', '0', '-5', '1e3', '', 'abc']) {
        it(`${name} --t ${JSON.stringify(value)} exits 2 naming --t and the value`, async () => {
          const r = await cli([...args, `--t=${value}`]);
          assert.equal(r.code, 2, r.stderr);
          assert.ok(
            r.stderr.includes(`--t must be a positive integer (digits only, e.g. 20000), got '${value}'`),
            r.stderr,
          );
        });
      }
    }
  });

  it('count refuses --out - with --progress json (both would write to standard output)', async () => {
    const r = await cli([
      'count',
      '--metadata',
      'm.json',
      '--input',
      'pool.jsonl',
      '--out',
      '-',
      '--progress',
      'json',
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--out - and --progress json both write to standard output/);
  });
});
