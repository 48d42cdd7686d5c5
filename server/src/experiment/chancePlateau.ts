/**
 * When a training left the loss of chance. A contrastive loss over a batch of B pairs starts near
 * ln B (every caption as likely as every other) and can sit there for hundreds of steps before
 * the encoders start to align; in the miniature study how long a run sits there decides most of
 * its accuracy, so each unit's step of leaving it is reported beside its figures.
 */

/** How far below ln B the logged window's mean loss must be to count as having left chance. */
export const CHANCE_MARGIN = 0.05;

/**
 * The first logged step (after the first) whose window mean loss (`loss_avg`) is below
 * ln(batchSize) - CHANCE_MARGIN, from the trainer's JSON-lines log (`run/out.log`); null when the
 * run never left it. Lines that are not JSON records of a step are ignored.
 */
export function leftChanceAtStep(trainerLog: string, batchSize: number): number | null {
  const below = Math.log(batchSize) - CHANCE_MARGIN;
  for (const line of trainerLog.split('\n')) {
    if (!line.startsWith('{')) continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof record !== 'object' || record === null) continue;
    const { step, loss_avg: loss } = record as { step?: unknown; loss_avg?: unknown };
    if (typeof step !== 'number' || typeof loss !== 'number' || step <= 1) continue;
    if (loss < below) return step;
  }
  return null;
}
