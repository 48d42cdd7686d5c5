import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  finalizeCuration,
  firstRecordIndexes,
  openPreparedCuration,
  probabilitiesOf,
  reduceCuration,
} from '../../engine/curate';
import { runCountTask, runSelectTask, taskResultPath } from '../../engine/curateTasks';
import { EXIT_OK, UsageError } from '../../engine/errors';
import { loadOrBuildIndex, matcherFromPacked } from '../../engine/match/matcher';
import { numberOption, requiredOption, withUsageErrors, type Command } from '../command';

export const curateTaskCommand: Command = {
  name: 'curate-task',
  summary: 'run one stage of a prepared curation (what cluster jobs call)',
  help: `Usage: metacurate curate-task count|select --out DIR --task N
       metacurate curate-task reduce|finalize --out DIR

Runs one step of a curation planned in DIR (by \`metacurate curate\`, e.g. with --executor slurm):
  count     count pass over slice N (writes .metacurate/work/count-N.*)
  reduce    sums the slices' counts into DIR/counts.json and counts.bin
  select    select pass over slice N, with the probabilities from the reduced counts
  finalize  assembles DIR/data, matches.bin and summary.json
A step whose result is already there is skipped, so a re-run does only what is missing.
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
    const prepared = await openPreparedCuration(requiredOption('out', values.out));
    const taskOf = () => {
      const id = numberOption('task', values.task);
      const task = prepared.state.tasks.find((t) => t.id === id);
      if (!task)
        throw new UsageError(
          `--task ${id} is not a slice of this curation (0..${prepared.state.tasks.length - 1})`,
        );
      return task;
    };
    const started = performance.now();
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
          `reduced ${prepared.state.tasks.length} slices: ${counts.records} records, ${counts.matchedRecords} matched\n`,
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
