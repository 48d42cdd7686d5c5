/**
 * A whole curation (docs/spec.md sections 3-4) on this machine: plan slices of the pool, count on all
 * cores, reduce the counts, select on all cores, then assemble the outputs. Every step's output is
 * renamed into place when complete and recorded in a manifest, so a killed run, started again
 * with the same command, skips the finished work and ends with the same bytes.
 *
 * Output folder (curationFolder.ts says who may write there, and how a new curation replaces
 * the one the folder holds):
 *   data/<path>                  kept records per input file, in the input's format
 *   data/<path>.entries.jsonl    per kept record: key, matched entry ids, keep probability
 *   data/**\/sizes.json           WebDataset shards: samples per shard, as OpenCLIP reads it
 *   counts.json, counts.bin      per-entry counts ({entry: count}, and the compact form)
 *   matches.bin                  matched ids of every record (matchesFile.ts)
 *   summary.json                 sizes, counts before and expected after, t, seed, timings
 *   .metacurate/                 manifest, lock, work files (kept for resuming and re-selecting),
 *                                and the stage where the next curation is built
 *
 * Resuming trusts no earlier work blindly: each counted slice recorded the sha256 of the bytes it
 * read and its file's identity, and a re-run (like the select pass) uses a slice only if the
 * identity proves the file unchanged (fileIdentity.ts) or its bytes hash the same again; it also
 * compares the metadata's hash and the inputs' sizes. A changed input starts the count over, with
 * a message naming it.
 *
 * The code is in rooms of its own, re-exported here so that callers import from one place:
 *   curatePlan.ts      options, summary, checks and the plan of slices (prepareCuration)
 *   curateManifest.ts  what the folder records: manifest, task results, swaps
 *   countPass.ts       after the count tasks: the reduce, and what the select tasks need
 *   finalizePass.ts    after the select tasks: outputs assembled, summary, swap
 *   localExecutor.ts   curate() and countPool(): the tasks on this machine's worker pool
 *   curateTasks.ts     one count or select task (any executor; slurm/ runs them as jobs)
 */
export { assertInsideOutput } from './curationFolder';
export {
  openCurationFolder,
  openPreparedCuration,
  outputPaths,
  poolKeyPrefixes,
  prepareCuration,
  type CurateOptions,
  type CurateSummary,
  type PreparedCuration,
} from './curatePlan';
export { isCurationComplete, isCurationReduced, pendingTasks, readTaskResults } from './curateManifest';
export { firstRecordIndexes, probabilitiesOf, reduceCuration } from './countPass';
export { finalizeCuration } from './finalizePass';
export { countPool, curate, type CountOptions } from './localExecutor';
