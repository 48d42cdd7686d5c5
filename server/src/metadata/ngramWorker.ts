/** Worker-thread entry for the n-gram build: wires the message port to the task handler. */
import { parentPort } from 'node:worker_threads';
import { createTaskHandler, type TaskRequest } from './ngramTasks';

if (parentPort) {
  // seek-bzip calls the deprecated Buffer() constructor; once bundled, Node no longer sees that it is
  // a dependency and warns. Silenced in this thread only, which runs nothing but the tasks below.
  process.noDeprecation = true;
  const port = parentPort;
  const handle = createTaskHandler((msg) => port.postMessage(msg));
  port.on('message', (req: TaskRequest) => handle(req));
}
