/**
 * The step at which a training left the loss of chance (ln B for a batch of B pairs), read from
 * the trainer's JSON-lines log.
 */
import assert from 'node:assert/strict';
import { CHANCE_MARGIN, leftChanceAtStep } from '../../../server/src/experiment/chancePlateau';

const line = (step: number, lossAvg: number) => JSON.stringify({ step, loss: lossAvg, loss_avg: lossAvg });

describe('leftChanceAtStep', () => {
  const chance = Math.log(128);

  it('is the first logged step whose window loss is below ln B minus the margin', () => {
    const log = [
      line(1, 3.0), // the first step's loss says nothing about the plateau
      line(50, chance),
      line(100, chance - CHANCE_MARGIN + 0.001),
      line(150, chance - CHANCE_MARGIN - 0.001),
      line(200, 3.5),
    ].join('\n');
    assert.equal(leftChanceAtStep(log, 128), 150);
  });

  it('is null for a run that stayed at chance, and depends on the batch size', () => {
    const log = [line(1, 4.9), line(500, chance), line(1000, chance - 0.01)].join('\n');
    assert.equal(leftChanceAtStep(log, 128), null);
    assert.equal(leftChanceAtStep(log, 256), 500, 'ln 256 is above these losses');
  });

  it('skips lines that are not step records: text, broken JSON, other records', () => {
    const log = [
      '[trainer] step 50/1000',
      '{"step": 60, "loss_avg":',
      '{"evaluation": 1}',
      'null',
      line(70, 1),
    ].join('\n');
    assert.equal(leftChanceAtStep(log, 128), 70);
    assert.equal(leftChanceAtStep('', 128), null);
  });
});
