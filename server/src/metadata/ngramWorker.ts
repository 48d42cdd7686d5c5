/** Worker-thread entry for the n-gram build: wires the message port to the task handler. */
import { parentPort } from 'node:worker_threads';
import { createTaskHandler, type TaskRequest } from './ngramTasks';

if (parentPort) {
  const port = parentPort;
  const handle = createTaskHandler((msg) => port.postMessage(msg));
  port.on('message', (req: TaskRequest) => handle(req));
}
