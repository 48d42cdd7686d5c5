/**
 * Worker-thread entry of a local curation: runs count and select tasks (curateTasks.ts) as the
 * pool hands them out; the matcher is made once, from the shared index of the first count task.
 */
import { parentPort } from 'node:worker_threads';
import { runCountTask, runSelectTask } from './curateTasks';
import { matcherFromPacked, type EntryMatcher } from './match/matcher';
import { serializeError, type WorkerRequest, type WorkerReply } from './workerProtocol';

let matcher: EntryMatcher | undefined;

function post(reply: WorkerReply): void {
  parentPort!.postMessage(reply);
}

parentPort!.on('message', async (request: WorkerRequest) => {
  const progress = (records: number, fraction: number) =>
    post({ type: 'progress', taskId: request.task.id, records, fraction });
  try {
    if (request.type === 'count') {
      matcher ??= matcherFromPacked(request.index);
      const result = await runCountTask(matcher, request.task, request.run, request.workDir, progress);
      post({ type: 'counted', taskId: request.task.id, result });
    } else {
      const p = new Float64Array(request.probabilities);
      const result = await runSelectTask(
        request.task,
        request.run,
        request.seed,
        p,
        request.firstRecordIndex,
        request.workDir,
        progress,
      );
      post({ type: 'selected', taskId: request.task.id, result });
    }
  } catch (err) {
    post({ type: 'failed', taskId: request.task.id, error: serializeError(err) });
  }
});
