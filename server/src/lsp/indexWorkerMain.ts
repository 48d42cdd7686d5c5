/** Entry point of the index worker when running from the tsc output (see indexWorker.ts). */
import { runIndexWorker } from './indexWorker';

runIndexWorker();
