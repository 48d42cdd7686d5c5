/**
 * The command of each kind of run: the built-in trainer's and OpenCLIP's exact argument lists
 * for a curation, custom templates whose placeholders reach the job as exactly their values
 * however the template quotes them (never parsed by the shell), the curation's data read from
 * its summary.json, and which job templates a workspace may use.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildRunCommand,
  fillTemplate,
  readCuration,
  usableJobTemplates,
} from '../../../../server/engine/src/runs/jobCommand';
import type { RunParams } from '../../../../server/engine/src/runs/runFolder';
import { tempDir } from '../../../support/fixtures';

function writeCuration(dir: string, outputs: string[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'summary.json'),
    JSON.stringify({
      t: 20,
      seed: 3,
      kept: 150,
      expected_kept: 149.5,
      pool: { records: 1000 },
      metadata: { path: '/m/metadata.json', sha256: 'ab12' },
      outputs: outputs.map((output) => ({ output })),
    }),
  );
}

describe('run commands', () => {
  const dir = tempDir('metacurate-jobcommand-');
  after(() => dir.remove());
  const curationDir = join(dir.path, 'curated');
  writeCuration(curationDir, ['data/pool-000000.tar', 'data/pool-000001.tar']);
  const runDir = '/ws/.metacurate/runs/r1';

  const params = (over: Partial<RunParams>): RunParams => ({
    ...readCuration(curationDir),
    kind: 'builtin',
    executor: 'local',
    steps: 30,
    batchSize: 16,
    seed: 2,
    python: '/usr/bin/python3',
    zeroshot: { data: '/ws/test', classnames: 'a,b', templates: '/ws/templates.txt' },
    ...over,
  });

  it('reads the data and figures of a finished curation, and the sha256 of its metadata', () => {
    const c = readCuration(curationDir);
    assert.deepEqual(c.trainData, [
      join(curationDir, 'data/pool-000000.tar'),
      join(curationDir, 'data/pool-000001.tar'),
    ]);
    assert.equal(c.datasetType, 'webdataset');
    assert.deepEqual(c.curation, {
      dir: curationDir,
      t: 20,
      seed: 3,
      poolRecords: 1000,
      curatedRecords: 150,
      expectedCurated: 149.5,
      metadata: '/m/metadata.json',
      metadataSha256: 'ab12',
    });
  });

  it('refuses a folder that is no finished curation, or one without image data', () => {
    assert.throws(
      () => readCuration(join(dir.path, 'nothing')),
      /is not a finished curation \(no summary\.json\)/,
    );
    const text = join(dir.path, 'text-only');
    writeCuration(text, ['data/pool.jsonl']);
    assert.throws(
      () => readCuration(text),
      /text-only: text only: the trainer needs images: its outputs \(data\/pool\.jsonl\) are \.jsonl files, without images/,
    );
  });

  it('runs the built-in trainer with its output in <run>/train', () => {
    const built = buildRunCommand(params({}), runDir);
    assert.deepEqual(built.command, [
      '/usr/bin/python3',
      '-m',
      'metacurate_trainer',
      '--train-data',
      join(curationDir, 'data/pool-000000.tar'),
      join(curationDir, 'data/pool-000001.tar'),
      '--dataset-type',
      'webdataset',
      '--steps',
      '30',
      '--batch-size',
      '16',
      '--seed',
      '2',
      '--out',
      `${runDir}/train`,
      '--zeroshot-data',
      '/ws/test',
      '--classnames',
      'a,b',
      '--templates',
      '/ws/templates.txt',
    ]);
    assert.match(built.env.PYTHONPATH, /\/trainer$/);
    assert.equal(built.results, 'train/results.jsonl');
    assert.equal(built.trainLog, 'train/out.log');
    assert.equal(built.cwd, curationDir);
    assert.throws(() => buildRunCommand(params({ steps: undefined }), runDir), /needs --steps/);
  });

  it('runs OpenCLIP with the flags of open_clip_torch 3.3.0 and reads its checkpoints/results.jsonl', () => {
    const built = buildRunCommand(params({ kind: 'openclip', epochs: 2, model: 'RN50', lr: 0.001 }), runDir);
    assert.deepEqual(built.command, [
      '/usr/bin/python3',
      '-m',
      'open_clip_train.main',
      '--train-data',
      `${join(curationDir, 'data/pool-000000.tar')}::${join(curationDir, 'data/pool-000001.tar')}`,
      '--dataset-type',
      'webdataset',
      '--train-num-samples',
      '150',
      '--logs',
      `${runDir}/openclip`,
      '--name',
      'run',
      '--model',
      'RN50',
      '--batch-size',
      '16',
      '--epochs',
      '2',
      '--lr',
      '0.001',
      '--seed',
      '2',
      '--imagenet-val',
      '/ws/test',
      '--zeroshot-frequency',
      '1',
    ]);
    assert.equal(built.results, 'openclip/run/checkpoints/results.jsonl');
    assert.equal(built.trainLog, 'openclip/run/out.log');
  });

  it('runs a custom template by /bin/sh with the values in MC_ variables, not in the command', () => {
    const built = buildRunCommand(
      params({
        kind: 'custom',
        commandTemplate: 'train --data ${data} --out ${out} --seed ${seed} --t ${t} $${HOME}',
      }),
      "/ws/it's",
    );
    assert.deepEqual(built.command, [
      '/bin/sh',
      '-c',
      'train --data "$MC_DATA_1" "$MC_DATA_2" --out "$MC_OUT" --seed "$MC_SEED" --t "$MC_T" ${HOME}',
    ]);
    assert.deepEqual(built.env, {
      PYTHONUNBUFFERED: '1',
      MC_DATA_1: join(curationDir, 'data/pool-000000.tar'),
      MC_DATA_2: join(curationDir, 'data/pool-000001.tar'),
      MC_OUT: "/ws/it's/out",
      MC_SEED: '2',
      MC_T: '20',
    });
    assert.equal(built.results, 'out/results.jsonl');
  });

  it('rejects unknown placeholders and ones without a value, naming them', () => {
    assert.throws(
      () => fillTemplate('x ${nope}', {}),
      /unknown placeholder \$\{nope\} \(known: \$\{python\}/,
    );
    assert.throws(
      () => fillTemplate('x ${zeroshotData}', {}),
      /\$\{zeroshotData\} has no value for this run/,
    );
    assert.throws(() => buildRunCommand(params({ kind: 'custom' }), runDir), /needs a command template/);
  });

  it('refuses placeholders where no reference can stand for the value, saying why', () => {
    const values = { out: '/o', steps: '30', data: ['/a', '/b'] };
    const refused: [string, RegExp][] = [
      ['echo \\${out}', /\$\{out\} right after a backslash; remove the backslash/],
      ["cat <<'EOF'\n${out}\nEOF", /\$\{out\} is inside a here-document with a quoted delimiter/],
      ['echo $(( ${out} + 1 ))', /\$\{out\} stands in arithmetic .* only whole numbers/],
      ['(( ${data} > 1 ))', /\$\{data\} stands in arithmetic/],
    ];
    for (const [template, message] of refused) assert.throws(() => fillTemplate(template, values), message);
    assert.throws(() => fillTemplate('x ${out}', { out: 'a\0b' }), /holds a NUL character/);
    // A number may stand in arithmetic; `$${` stays a literal `${` wherever it is.
    assert.deepEqual(fillTemplate("echo $(( (${steps} + 1) * 2 )) '$${out}' $${x}", values), {
      script: "echo $(( (${MC_STEPS} + 1) * 2 )) '${out}' ${x}",
      env: { MC_STEPS: '30' },
    });
  });

  describe('custom templates cannot inject', () => {
    // File names with everything a shell would act on.
    const names = [
      'shard$(touch pwned).tar',
      'shard`touch pwned`.tar',
      'a"b.tar',
      "a'b.tar",
      "'\"'\"'",
      'a;touch pwned;.tar',
      'a|touch pwned',
      'a&touch pwned&',
      '*',
      'spaces  in\tname .tar',
      'new\nline.tar',
      '$HOME ${HOME} $MC_OUT',
      '\\ \\n %s -n',
      '--',
    ];
    const quoteJoined = names.join(' ');
    const dirs = tempDir('metacurate-inject-');
    after(() => dirs.remove());
    let runs = 0;

    /** Runs the filled template in an empty folder; returns out.txt, and checks nothing else appeared. */
    function run(shell: string, template: string, values: Record<string, string | string[]>): string {
      const { script, env } = fillTemplate(template, values);
      for (const name of names) assert.ok(!script.includes(name), `a value is pasted into: ${script}`);
      const cwd = join(dirs.path, String(runs++));
      mkdirSync(cwd);
      const r = spawnSync(shell, ['-c', script], { cwd, env: { ...process.env, ...env } });
      assert.equal(r.status, 0, `${shell} -c ${script}: ${r.stderr.toString()}`);
      assert.deepEqual(readdirSync(cwd), ['out.txt'], `${shell} -c ${script}`);
      return readFileSync(join(cwd, 'out.txt'), 'utf8');
    }

    const cases: [string, string, (value: string) => string][] = [
      ['bare', "printf '%s\\n' ${out} > out.txt", (v) => `${v}\n`],
      ['in double quotes', 'printf \'%s\\n\' "${out}" > out.txt', (v) => `${v}\n`],
      ['in single quotes', "printf '%s\\n' '${out}' > out.txt", (v) => `${v}\n`],
      [
        'inside a word',
        "printf '%s\\n' x${out}y \"x${out}y\" 'x${out}y' > out.txt",
        (v) => `x${v}y\n`.repeat(3),
      ],
      [
        'in $(...), bare',
        "printf '%s|' \"$(printf '%s' ${out})\" > out.txt",
        (v) => `${v.replace(/\n+$/, '')}|`,
      ],
      [
        'in $(...) in double quotes',
        'x="$(printf \'%s\' "${out}")"; printf \'%s|\' "$x" > out.txt',
        (v) => `${v.replace(/\n+$/, '')}|`,
      ],
      [
        'in backquotes',
        "printf '%s|' \"`printf '%s' ${out}`\" > out.txt",
        (v) => `${v.replace(/\n+$/, '')}|`,
      ],
      ['in a here-document', 'cat > out.txt <<EOF\nvalue: ${out}\nEOF', (v) => `value: ${v}\n`],
      [
        'after a comment with a quote',
        "# it's here: ${out}\nprintf '%s\\n' ${out} > out.txt",
        (v) => `${v}\n`,
      ],
    ];
    for (const shell of ['/bin/sh', 'bash']) {
      for (const [where, template, expected] of cases) {
        it(`${shell}: a placeholder ${where} receives exactly the value`, () => {
          for (const value of names)
            assert.equal(run(shell, template, { out: value }), expected(value), value);
        });
      }
    }

    for (const shell of ['/bin/sh', 'bash']) {
      it(`${shell}: \${data} bare gives one word per file; quoted, the files joined by spaces`, () => {
        assert.equal(
          run(shell, "printf '%s\\n' ${data} > out.txt", { data: names }),
          names.map((n) => `${n}\n`).join(''),
        );
        assert.equal(run(shell, 'printf \'%s\\n\' "${data}" > out.txt', { data: names }), `${quoteJoined}\n`);
        assert.equal(run(shell, "printf '%s\\n' '${data}' > out.txt", { data: names }), `${quoteJoined}\n`);
        assert.equal(
          run(shell, "printf '%s\\n' \"$(printf '<%s>' ${data})\" > out.txt", { data: names }),
          `${names.map((n) => `<${n}>`).join('')}\n`,
        );
      });
    }

    it("bash: a placeholder in $'...' receives exactly the value", () => {
      for (const value of names) {
        assert.equal(
          run('bash', "printf '%s\\n' $'\\t${out}\\t' > out.txt", { out: value }),
          `\t${value}\t\n`,
        );
      }
    });
  });

  it("uses a workspace's job templates only once it is trusted", () => {
    const user = [
      { name: 'mine', command: 'a' },
      { name: 'shared', command: 'user' },
    ];
    const workspace = [
      { name: 'shared', command: 'workspace' },
      { name: 'theirs', command: 'b' },
    ];
    assert.deepEqual(
      usableJobTemplates({ globalValue: user, workspaceValue: workspace }, false).map((t) => t.name),
      ['mine', 'shared'],
    );
    const trusted = usableJobTemplates({ globalValue: user, workspaceValue: workspace }, true);
    assert.deepEqual(
      trusted.map((t) => `${t.name}:${t.command}`),
      ['shared:workspace', 'theirs:b', 'mine:a'],
    );
    assert.deepEqual(usableJobTemplates(undefined, true), []);
  });
});
