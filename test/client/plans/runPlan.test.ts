/** "Start Training Run…" as a plan: answers, caller arguments and settings become `run start`'s argv. */
import assert from 'node:assert/strict';
import type { JobTemplate } from '../../../server/engine/src/runs/jobCommand';
import {
  asksCommand,
  asksSteps,
  curationDescription,
  jobChoices,
  jobOfArgs,
  launchArgv,
  missingModules,
  runFinishedMessage,
  runStartArgv,
  settingPath,
  TRAINING_DEFAULTS,
  validateSteps,
  type JobProbes,
  type RunAnswers,
  type TrainingSettings,
} from '../../../client/src/plans/runPlan';

const SETTINGS: TrainingSettings = { ...TRAINING_DEFAULTS };
const BUILTIN: RunAnswers = {
  curation: '/ws/curated',
  job: { name: 'Built-in trainer', kind: 'builtin' },
  executor: 'local',
  steps: 30,
};

/** The value after `flag` in argv, or undefined when the flag is absent. */
function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i < 0 ? undefined : argv[i + 1];
}

describe('runPlan', () => {
  describe('runStartArgv', () => {
    it('starts a built-in run on the curation with the steps, the defaults and the python of the settings', () => {
      assert.deepEqual(runStartArgv(BUILTIN, SETTINGS, '/ws'), [
        'run',
        'start',
        '--curation',
        '/ws/curated',
        '--kind',
        'builtin',
        '--executor',
        'local',
        '--steps',
        '30',
        '--batch-size',
        '64',
        '--seed',
        '0',
        '--python',
        '/usr/bin/python3',
      ]);
    });

    it('submits to Slurm when that is where it runs', () => {
      assert.equal(
        flag(runStartArgv({ ...BUILTIN, executor: 'slurm' }, SETTINGS, '/ws'), '--executor'),
        'slurm',
      );
    });

    it("takes the caller's batch size and seed over the template's over the settings'", () => {
      const settings = { ...SETTINGS, batchSize: 32, seed: 4 };
      const template: JobTemplate = { name: 'big', kind: 'builtin', batchSize: 256 };
      assert.equal(flag(runStartArgv(BUILTIN, settings, '/ws'), '--batch-size'), '32');
      assert.equal(flag(runStartArgv(BUILTIN, settings, '/ws'), '--seed'), '4');
      assert.equal(flag(runStartArgv({ ...BUILTIN, job: template }, settings, '/ws'), '--batch-size'), '256');
      const given = runStartArgv({ ...BUILTIN, job: template, batchSize: 8, seed: 9 }, settings, '/ws');
      assert.equal(flag(given, '--batch-size'), '8');
      assert.equal(flag(given, '--seed'), '9');
    });

    it('counts epochs for OpenCLIP (the template, else the setting) and takes its own model setting', () => {
      const settings = { ...SETTINGS, epochs: 3, model: 'tiny', openclipModel: 'ViT-B-32' };
      const openclip = { ...BUILTIN, job: { name: 'OpenCLIP', kind: 'openclip' as const }, steps: undefined };
      const argv = runStartArgv(openclip, settings, '/ws');
      assert.equal(flag(argv, '--epochs'), '3');
      assert.equal(flag(argv, '--model'), 'ViT-B-32');
      assert.equal(flag(argv, '--steps'), undefined);
      assert.equal(
        flag(runStartArgv({ ...openclip, job: { ...openclip.job, epochs: 5 } }, settings, '/ws'), '--epochs'),
        '5',
      );
      const builtin = runStartArgv(BUILTIN, settings, '/ws');
      assert.equal(flag(builtin, '--model'), 'tiny');
      assert.equal(flag(builtin, '--epochs'), undefined);
    });

    it('leaves the model out when none is set, and a template names its own', () => {
      assert.equal(flag(runStartArgv(BUILTIN, SETTINGS, '/ws'), '--model'), undefined);
      const job: JobTemplate = { name: 'wide', kind: 'builtin', model: 'wide' };
      assert.equal(
        flag(runStartArgv({ ...BUILTIN, job }, { ...SETTINGS, model: 'tiny' }, '/ws'), '--model'),
        'wide',
      );
    });

    it('passes a custom command, and a template appends its own arguments last', () => {
      const job: JobTemplate = { name: 'mine', kind: 'custom', args: ['--timeout-minutes', '5'] };
      const argv = runStartArgv(
        { ...BUILTIN, job, command: 'python train.py --out ${out}' },
        SETTINGS,
        '/ws',
      );
      assert.equal(flag(argv, '--kind'), 'custom');
      assert.equal(flag(argv, '--command'), 'python train.py --out ${out}');
      assert.deepEqual(argv.slice(-2), ['--timeout-minutes', '5']);
    });

    it('adds the zero-shot evaluation only when its data is set, with paths relative to the workspace folder', () => {
      assert.equal(
        flag(runStartArgv(BUILTIN, { ...SETTINGS, classnames: 'a,b' }, '/ws'), '--classnames'),
        undefined,
      );
      const settings = {
        ...SETTINGS,
        zeroshotData: 'eval/test',
        classnames: 'eval/classes.txt',
        promptTemplates: '/abs/prompts.txt',
        zeroshotName: ' fashion-mnist ',
      };
      const argv = runStartArgv(BUILTIN, settings, '/ws');
      assert.equal(flag(argv, '--zeroshot-data'), '/ws/eval/test');
      assert.equal(flag(argv, '--classnames'), '/ws/eval/classes.txt');
      assert.equal(flag(argv, '--templates'), '/abs/prompts.txt');
      assert.equal(flag(argv, '--zeroshot-name'), 'fashion-mnist');
    });

    it('takes the zero-shot evaluation asked in the flow over the settings, and none when skipped', () => {
      const settings = { ...SETTINGS, zeroshotData: 'eval/test', classnames: 'eval/classes.txt' };
      const asked = {
        data: '/ws/mini/test',
        classnames: '/ws/mini/classnames.txt',
        templates: '/ws/mini/templates.txt',
        name: 'fashion-mnist',
      };
      const argv = runStartArgv({ ...BUILTIN, zeroshot: asked }, settings, '/ws');
      assert.equal(flag(argv, '--zeroshot-data'), '/ws/mini/test');
      assert.equal(flag(argv, '--classnames'), '/ws/mini/classnames.txt');
      assert.equal(flag(argv, '--templates'), '/ws/mini/templates.txt');
      assert.equal(flag(argv, '--zeroshot-name'), 'fashion-mnist');
      const skipped = runStartArgv({ ...BUILTIN, zeroshot: null }, settings, '/ws');
      assert.equal(flag(skipped, '--zeroshot-data'), undefined);
      assert.equal(flag(skipped, '--classnames'), undefined);
    });

    it('passes class names written inline (with commas) as they are', () => {
      const argv = runStartArgv(BUILTIN, { ...SETTINGS, zeroshotData: '/d', classnames: 'dog, cat' }, '/ws');
      assert.equal(flag(argv, '--classnames'), 'dog, cat');
    });
  });

  describe('settingPath', () => {
    it('is relative to the workspace folder unless absolute, and nothing when empty', () => {
      assert.equal(settingPath(' eval/x ', '/ws'), '/ws/eval/x');
      assert.equal(settingPath('/abs/x', '/ws'), '/abs/x');
      assert.equal(settingPath('eval/x', undefined), 'eval/x');
      assert.equal(settingPath('  ', '/ws'), undefined);
    });
  });

  describe('launchArgv', () => {
    it('runs in the workspace folder with JSON progress lines', () => {
      assert.deepEqual(launchArgv(['run', 'rerun', '/ws/.metacurate/runs/r1'], '/ws'), [
        'run',
        'rerun',
        '/ws/.metacurate/runs/r1',
        '--workspace',
        '/ws',
        '--progress',
        'json',
      ]);
    });
  });

  describe('the job', () => {
    const templates: JobTemplate[] = [
      { name: 'gpu', kind: 'openclip', epochs: 2 },
      { name: 'script', command: 'bash train.sh' },
    ];

    it('offers the built-in kinds, the preferred one first, then the templates', () => {
      const choices = jobChoices('openclip', templates);
      assert.deepEqual(
        choices.map((c) => c.label),
        ['OpenCLIP', 'Built-in trainer', 'Custom command…', 'gpu', 'script'],
      );
      assert.deepEqual(
        jobChoices('builtin', []).map((c) => c.job.kind),
        ['builtin', 'openclip', 'custom'],
      );
    });

    it('says OpenCLIP is installed only when the chosen Python imports it', () => {
      const openclip = (probes: JobProbes) =>
        jobChoices('builtin', [], '/opt/py/bin/python', probes).find((c) => c.label === 'OpenCLIP')!
          .description;
      assert.equal(
        openclip({ openclip: { ok: true } }),
        'python -m open_clip_train.main (open_clip_torch installed in /opt/py/bin/python)',
      );
      assert.equal(
        openclip({ openclip: { ok: false, reason: "ModuleNotFoundError: No module named 'open_clip'" } }),
        "not installed in /opt/py/bin/python: ModuleNotFoundError: No module named 'open_clip' (pip install open_clip_torch)",
      );
      assert.equal(
        openclip({}),
        'python -m open_clip_train.main (open_clip_torch not checked in /opt/py/bin/python)',
      );
      const builtin = jobChoices('builtin', [], 'python3', {
        builtin: { ok: false, reason: 'cannot run python3 (ENOENT)' },
      })[0];
      assert.equal(
        builtin.description,
        'trainer/ (PyTorch): python3 cannot import torch, numpy, PIL: cannot run python3 (ENOENT)',
      );
    });

    it('refuses a local job whose Python lacks its modules, asks before a Slurm one, and says nothing otherwise', () => {
      const missing = { openclip: { ok: false as const, reason: "No module named 'open_clip'" } };
      const why =
        "OpenCLIP (open_clip_torch) cannot start: /usr/bin/python3 cannot import open_clip (No module named 'open_clip'). " +
        'Install it there or set metacurate.training.python.';
      assert.deepEqual(missingModules('openclip', '/usr/bin/python3', missing, 'local'), {
        refuse: `Metacurate: ${why}`,
      });
      assert.deepEqual(missingModules('openclip', '/usr/bin/python3', missing, 'slurm'), {
        ask: `${why} Start anyway (the Slurm job may run where it is installed)?`,
      });
      assert.equal(missingModules('builtin', '/usr/bin/python3', missing, 'local'), undefined);
      assert.equal(missingModules('custom', '/usr/bin/python3', missing, 'local'), undefined);
      assert.equal(
        missingModules('openclip', '/usr/bin/python3', { openclip: { ok: true } }, 'local'),
        undefined,
      );
    });

    it('describes a template by its kind, and a template without one is a custom command', () => {
      const [gpu, script] = jobChoices('builtin', templates).slice(3);
      assert.equal(gpu.description, 'job template · openclip');
      assert.equal(script.description, 'job template · custom');
      assert.deepEqual(script.job, { name: 'script', command: 'bash train.sh', kind: 'custom' });
    });

    it('is the named template or kind when the caller gives one, and an error for an unknown template', () => {
      assert.deepEqual(jobOfArgs({ template: 'gpu' }, templates), { job: templates[0] });
      assert.deepEqual(jobOfArgs({ kind: 'custom' }, templates), { job: { name: 'custom', kind: 'custom' } });
      assert.deepEqual(jobOfArgs({ template: 'nope' }, templates), {
        error: "Metacurate: no job template 'nope'.",
      });
      assert.equal(jobOfArgs({ steps: 3 }, templates), undefined);
      assert.equal(jobOfArgs(undefined, templates), undefined);
    });

    it('asks a custom job for its command unless it has one, and for steps unless given or OpenCLIP', () => {
      assert.equal(asksCommand('custom', undefined), true);
      assert.equal(asksCommand('custom', 'bash x.sh'), false);
      assert.equal(asksCommand('builtin', undefined), false);
      assert.equal(asksSteps('builtin', undefined), true);
      assert.equal(asksSteps('custom', undefined), true);
      assert.equal(asksSteps('builtin', 30), false);
      assert.equal(asksSteps('openclip', undefined), false);
    });

    it('takes a positive integer step count', () => {
      assert.equal(validateSteps('200'), undefined);
      for (const bad of ['0', '-1', '2.5', 'ten', ''])
        assert.equal(validateSteps(bad), 'a positive integer', bad);
    });
  });

  describe('curations and the end of a run', () => {
    it('describes a curation by its t and how much it kept, from its summary.json', () => {
      assert.equal(
        curationDescription({ outputs: [], kept: 1234, t: 20, pool: { records: 56789 } }),
        't=20 · kept 1,234 of 56,789',
      );
    });

    it('is no curation without an outputs list or a kept count', () => {
      assert.equal(curationDescription({ kept: 3 }), undefined);
      assert.equal(curationDescription({ outputs: [] }), undefined);
      assert.equal(curationDescription(null), undefined);
      assert.equal(curationDescription([1, 2]), undefined);
    });

    it('says how a run ended, its top-1 when it has one, and the first line of its error', () => {
      assert.equal(
        runFinishedMessage('r1', 'succeeded', { top1: 0.4567, dataset: 'fashion-mnist' }),
        'Metacurate: run r1 succeeded · zero-shot fashion-mnist top-1 45.7%',
      );
      assert.equal(
        runFinishedMessage('r3', 'succeeded', {
          top1: 0.1,
          dataset: 'fashion-mnist',
          classes: 10,
          evalImages: 100,
        }),
        'Metacurate: run r3 succeeded · zero-shot fashion-mnist top-1 10.0% (chance 10.0% for 10 classes: at chance)',
      );
      assert.equal(
        runFinishedMessage('r2', 'failed', {}, 'python exited 1\nTraceback…'),
        'Metacurate: run r2 failed: python exited 1',
      );
    });
  });
});
