/**
 * Errors cross the thread boundary with their class, code and path: the one serialisation the
 * curation and metadata workers share.
 */
import assert from 'node:assert/strict';
import { EnvironmentError, InputError, UsageError } from '../../../server/engine/src/errors';
import { deserializeError, serializeError } from '../../../server/engine/src/workerProtocol';

/** What postMessage does to a plain object: a structured clone. */
const cross = (err: unknown) => deserializeError(structuredClone(serializeError(err)));

describe('worker error serialisation', () => {
  it('keeps an EnvironmentError: class, code, path, message', () => {
    const e = cross(new EnvironmentError('/out/.metacurate/work/count-3.matches', 'ENOSPC', 'write'));
    assert.ok(e instanceof EnvironmentError);
    assert.equal(e.code, 'ENOSPC');
    assert.equal(e.path, '/out/.metacurate/work/count-3.matches');
    assert.equal(
      e.message,
      'cannot write /out/.metacurate/work/count-3.matches: no space left on the device (ENOSPC)',
    );
  });

  it('keeps the code, path and syscall of a system error', () => {
    const system = Object.assign(new Error("EACCES: permission denied, open '/in/a.jsonl'"), {
      code: 'EACCES',
      errno: -13,
      syscall: 'open',
      path: '/in/a.jsonl',
    });
    const e = cross(system) as NodeJS.ErrnoException;
    assert.equal(e.code, 'EACCES');
    assert.equal(e.path, '/in/a.jsonl');
    assert.equal(e.syscall, 'open');
    assert.equal(e.message, system.message);
  });

  it('keeps InputErrors and UsageErrors of their class', () => {
    const input = cross(new InputError('/in/a.jsonl', { line: 2 }, 'bad-json', 'not JSON'));
    assert.ok(input instanceof InputError);
    assert.equal(input.message, '/in/a.jsonl:line 2: not JSON');
    assert.ok(cross(new UsageError('bad')) instanceof UsageError);
  });

  it('keeps the stack of anything else (an internal error)', () => {
    const bug = new TypeError('x is undefined');
    const e = cross(bug);
    assert.equal(e.name, 'TypeError');
    assert.equal(e.stack, bug.stack);
  });
});
