import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import {
  finalizeCuration,
  firstRecordIndexes,
  openPreparedCuration,
  probabilitiesOf,
  reduceCuration,
} from '../../../engine/src/curate';
import { runCountTask, runSelectTask, taskResultPath } from '../../../engine/src/curateTasks';
import { EXIT_OK, UsageError } from '../../../engine/src/errors';
import { removeTemporaryFiles } from '../../../engine/src/fsAtomic';
import { loadOrBuildIndex, matcherFromPacked } from '../../../engine/src/match/matcher';
import { numberOption, requiredOption, withUsageErrors, type Command } from '../command';
import { EXIT_CODES_HELP } from './shared';

export const curateTaskCommand: Command = {
  name: 'curate-task',
  summary: 'run one stage of a prepared curation (what cluster jobs call)',
  help: `Usage: metacurate curate-task count|select --out DIR --task N
       metacurate curate-task reduce|finalize --out DIR

Runs one step of a curation planned in DIR (by \`metacurate curate\`, e.g. with --executor slurm):
  count     count pass over slice N (writes .metacurate/work/count-N.*, with the sha256 of its bytes)
  reduce    sums the slices' counts into counts.json and counts.bin in DIR/.metacurate/stage
  select    select pass over slice N, with the probabilities from the reduced counts (refused
            if the slice's bytes changed since they were counted)
  finalize  assembles data/, matches.bin and summary.json in the stage, then swaps them into DIR
            in place of the curation DIR held (a finalize killed during the swap finishes it when
            run again)
A step whose result is already there is skipped, so a re-run does only what is missing. The
steps take no lock: they run under the one of the \`metacurate curate\` that planned them.

Options:
  --out DIR              the curation folder
  --task N               the slice (count and select)
  --no-cache             do not read or write the matcher cache

${EXIT_CODES_HELP}
A step with nothing left to do (its result is there, or DIR holds the complete curation) exits 0.
`,
  async run(argv, io) {
    const { values, positionals } = withUsageErrors(() =>
      parseArgs({
        args: argv,
        strict: true,
        allowPositionals: true,
        options: { out: { type: 'string' }, task: { type: 'string' }, 'no-cache': { type: 'boolean' } },
      }),
    );
    const step = positionals[0];
    if (!['count', 'reduce', 'select', 'finalize'].includes(step ?? ''))
      throw new UsageError(`unknown step '${step ?? ''}': expected count, reduce, select or finalize`);
    const prepared = await openPreparedCuration(requiredOption('out', values.out));
    const taskOf = () => {
      const id = numberOption('task', values.task);
      const task = prepared.tasks.find((t) => t.id === id);
      if (!task)
        throw new UsageError(
          `--task ${id} is not a slice of this curation (0..${prepared.tasks.length - 1})`,
        );
      return task;
    };
    if (prepared.state.next === undefined) {
      io.stderr.write(`${prepared.outDir} holds a complete curation: nothing to do\n`);
      return EXIT_OK;
    }
    const started = performance.now();
    if (step === 'count' || step === 'select') {
      // A killed earlier attempt of this task (a Slurm requeue, a re-run) left its temporary
      // files; other tasks may be running beside it, so only this task's own are removed.
      const own = `${step}-${taskOf().id}.`;
      await removeTemporaryFiles(prepared.workDir, { owned: (p) => basename(p).startsWith(own) });
    }
    switch (step) {
      case 'count': {
        const task = taskOf();
        if (existsSync(taskResultPath(prepared.workDir, 'count', task.id))) break;
        const matcher = matcherFromPacked(
          loadOrBuildIndex(prepared.metadata, prepared.padding, !values['no-cache']).packed,
        );
        const r = await runCountTask(matcher, task, prepared.run, prepared.workDir);
        io.stderr.write(`count slice ${task.id}: ${r.records} records, ${r.matchedRecords} matched\n`);
        break;
      }
      case 'reduce': {
        const counts = await reduceCuration(prepared);
        io.stderr.write(
          `reduced ${prepared.tasks.length} slices: ${counts.records} records, ${counts.matchedRecords} matched\n`,
        );
        break;
      }
      case 'select': {
        const task = taskOf();
        if (existsSync(taskResultPath(prepared.workDir, 'select', task.id))) break;
        const p = await probabilitiesOf(prepared);
        const first = await firstRecordIndexes(prepared);
        const r = await runSelectTask(
          task,
          prepared.run,
          prepared.options.seed,
          p,
          first.get(task.id)!,
          prepared.workDir,
        );
        io.stderr.write(`select slice ${task.id}: kept ${r.kept} of ${r.records}\n`);
        break;
      }
      case 'finalize': {
        const summary = await finalizeCuration(prepared, {
          timings: { index: 0, count: 0, select: 0, finalize: 0 },
          started,
          workers: 0,
        });
        io.stderr.write(`finalized: kept ${summary.kept} of ${summary.pool.records}\n`);
        break;
      }
      default:
        throw new UsageError(`unknown step '${step ?? ''}': expected count, reduce, select or finalize`);
    }
    return EXIT_OK;
  },
};
