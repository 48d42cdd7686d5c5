/**
 * The one worker pool (server/engine/src/workerPool.ts), on in-process ports: tasks go out in
 * order as ports free up, progress and results reach the caller with the task's index, the first
 * failure (a failed task, a thrown callback, a dead thread) rejects and stops handing out tasks,
 * an abort rejects with an InterruptedError, and a run ends only after every result is handled.
 */
import assert from 'node:assert/strict';
import { InterruptedError } from '../../../server/engine/src/errors';
import { WorkerPool, type StartPort } from '../../../server/engine/src/workerPool';

type Request = { n: number; fail?: boolean };
type Reply = { kind: 'progress' | 'done' | 'failed'; n: number };

/** Ports that answer each request on a later turn: a progress reply, then its end. */
function fakePorts(log: string[], fatal?: { port: number; atRequest: number }): StartPort<Request, Reply> {
  let started = 0;
  return (onReply, onFatal) => {
    const port = started++;
    return {
      send(request) {
        log.push(`port ${port} <- ${request.n}`);
        setImmediate(() => {
          if (fatal && fatal.port === port && fatal.atRequest === request.n) {
            onFatal(new Error(`port ${port} died`));
            return;
          }
          onReply({ kind: 'progress', n: request.n });
          setImmediate(() => onReply({ kind: request.fail ? 'failed' : 'done', n: request.n }));
        });
      },
      terminate: async () => {
        log.push(`port ${port} terminated`);
      },
    };
  };
}

const classify = (reply: Reply) =>
  reply.kind === 'failed' ? new Error(`task ${reply.n} failed`) : reply.kind;

describe('WorkerPool', () => {
  it('runs every request, handing the next one to the port that freed up', async () => {
    const log: string[] = [];
    const pool = new WorkerPool(2, fakePorts(log));
    const progress: number[] = [];
    const done: [number, number][] = [];
    await pool.run([{ n: 10 }, { n: 11 }, { n: 12 }, { n: 13 }, { n: 14 }], {
      classify,
      onProgress: (index) => progress.push(index),
      onDone: (index, reply) => void done.push([index, reply.n]),
    });
    assert.deepEqual(
      done.sort((a, b) => a[0] - b[0]),
      [
        [0, 10],
        [1, 11],
        [2, 12],
        [3, 13],
        [4, 14],
      ],
    );
    assert.deepEqual(progress.sort(), [0, 1, 2, 3, 4]);
    assert.deepEqual(log.slice(0, 2), ['port 0 <- 10', 'port 1 <- 11']);
    assert.equal(log.length, 5, 'each request sent once, no port terminated by run()');
    await pool.close();
    assert.deepEqual(log.slice(5), ['port 0 terminated', 'port 1 terminated']);
  });

  it('resolves only after the last result has been handled', async () => {
    const pool = new WorkerPool(3, fakePorts([]));
    let handled = 0;
    await pool.run([{ n: 1 }, { n: 2 }, { n: 3 }], {
      classify,
      onDone: async () => {
        await new Promise((r) => setTimeout(r, 5));
        handled++;
      },
    });
    assert.equal(handled, 3);
    await pool.close();
  });

  it('rejects with the first failed task and hands out nothing after it', async () => {
    const log: string[] = [];
    const pool = new WorkerPool(1, fakePorts(log));
    const done: number[] = [];
    await assert.rejects(
      pool.run([{ n: 1 }, { n: 2, fail: true }, { n: 3 }], { classify, onDone: (i) => void done.push(i) }),
      /task 2 failed/,
    );
    assert.deepEqual(done, [0]);
    assert.deepEqual(log, ['port 0 <- 1', 'port 0 <- 2']);
    await pool.close();
  });

  it('rejects with the error a result handler throws', async () => {
    const pool = new WorkerPool(2, fakePorts([]));
    await assert.rejects(
      pool.run([{ n: 1 }, { n: 2 }], {
        classify,
        onDone: () => {
          throw new Error('cannot store the result');
        },
      }),
      /cannot store the result/,
    );
    await pool.close();
  });

  it('rejects when a thread dies', async () => {
    const pool = new WorkerPool(2, fakePorts([], { port: 1, atRequest: 2 }));
    await assert.rejects(
      pool.run([{ n: 1 }, { n: 2 }], { classify, onDone: () => undefined }),
      /port 1 died/,
    );
    await pool.close();
  });

  it('rejects with an InterruptedError when aborted, before or during the run', async () => {
    const pool = new WorkerPool(1, fakePorts([]));
    const before = new AbortController();
    before.abort();
    await assert.rejects(
      pool.run([{ n: 1 }], { classify, onDone: () => undefined, signal: before.signal }),
      InterruptedError,
    );
    const during = new AbortController();
    await assert.rejects(
      pool.run([{ n: 1 }, { n: 2 }], {
        classify,
        signal: during.signal,
        onDone: () => during.abort(),
      }),
      InterruptedError,
    );
    await pool.close();
  });

  it('resolves at once with no requests, and can run again after a run', async () => {
    const log: string[] = [];
    const pool = new WorkerPool(2, fakePorts(log));
    await pool.run([], { classify, onDone: () => undefined });
    assert.deepEqual(log, []);
    const done: number[] = [];
    await pool.run([{ n: 7 }], { classify, onDone: (_i, r) => void done.push(r.n) });
    assert.deepEqual(done, [7]);
    await pool.close();
  });

  it('resizes between runs: stops the last ports, or starts new ones, keeping at least one', async () => {
    const log: string[] = [];
    const pool = new WorkerPool(3, fakePorts(log));
    await pool.resize(1);
    assert.equal(pool.size, 1);
    assert.deepEqual(log, ['port 1 terminated', 'port 2 terminated']);
    await pool.resize(0);
    assert.equal(pool.size, 1, 'a pool keeps one port');
    await pool.resize(2);
    assert.equal(pool.size, 2);
    const done: [number, number][] = [];
    await pool.run([{ n: 1 }, { n: 2 }], { classify, onDone: (i, r) => void done.push([i, r.n]) });
    assert.deepEqual(
      done.sort((a, b) => a[0] - b[0]),
      [
        [0, 1],
        [1, 2],
      ],
    );
    assert.ok(log.includes('port 3 <- 2'), 'the port started by resize ran a task');
    const running = pool.run([{ n: 9 }], { classify, onDone: () => undefined });
    await assert.rejects(pool.resize(1), /while a run is in progress/);
    await running;
    await pool.close();
    await assert.rejects(pool.resize(2), /after close/);
  });
});
