/**
 * The editor ↔ language server contract (contracts/src/lsp.ts) against both sides: every custom
 * method a client may send is one the server checks and answers, and the settings' defaults are
 * the ones VS Code's settings UI shows (package.json contributes.configuration).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as lsp from '../../contracts/src/lsp';
import { NOTIFICATION_PARAMS, REQUEST_PARAMS } from '../../server/src/lsp/paramChecks';

const ROOT = resolve(__dirname, '../../..');
/** Messages the server sends to the client (the client handles them; the server never receives them). */
const SERVER_TO_CLIENT = new Set(['metacurate/status']);

function declaredMessages(): { method: string; kind: 'request' | 'notification' }[] {
  const out: { method: string; kind: 'request' | 'notification' }[] = [];
  for (const value of Object.values(lsp)) {
    if (
      value === null ||
      typeof value !== 'object' ||
      typeof (value as { method?: unknown }).method !== 'string'
    )
      continue;
    const name = (value as object).constructor.name;
    const kind = name.startsWith('RequestType')
      ? 'request'
      : name.startsWith('NotificationType')
        ? 'notification'
        : undefined;
    if (kind) out.push({ method: (value as { method: string }).method, kind });
  }
  return out;
}

describe('contracts/lsp: the custom protocol, as both sides see it', () => {
  it('declares the metacurate/* methods, each under its own name', () => {
    const methods = declaredMessages().map((m) => m.method);
    assert.ok(methods.length >= 10, methods.join(', '));
    assert.equal(new Set(methods).size, methods.length);
    for (const m of methods) assert.match(m, /^metacurate\/[a-zA-Z]+$/);
  });

  it('every request and notification a client may send is checked and answered by the server', () => {
    for (const { method, kind } of declaredMessages()) {
      if (SERVER_TO_CLIENT.has(method)) continue;
      const table = kind === 'request' ? REQUEST_PARAMS : NOTIFICATION_PARAMS;
      assert.ok(
        table.has(method),
        `${kind} ${method} is declared in contracts/src/lsp.ts but the server does not handle it`,
      );
    }
  });

  it('every metacurate/* method the server answers is declared in the contract', () => {
    const declared = new Set(declaredMessages().map((m) => m.method));
    for (const method of [...REQUEST_PARAMS.keys(), ...NOTIFICATION_PARAMS.keys()].filter((m) =>
      m.startsWith('metacurate/'),
    ))
      assert.ok(
        declared.has(method),
        `${method} is answered by the server but not declared in contracts/src/lsp.ts`,
      );
  });

  it("the settings' defaults are the ones package.json declares for VS Code", () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { default?: unknown; type?: string }> } };
    };
    const properties = pkg.contributes.configuration.properties;
    const vscodeKey: Record<string, string> = {
      includeCurationOutputs: 'samples.includeCurationOutputs',
      languageField: 'worldwide.languageField',
    };
    for (const [key, value] of Object.entries(lsp.DEFAULT_SETTINGS)) {
      const name = `${lsp.SETTINGS_SECTION}.${vscodeKey[key] ?? key}`;
      assert.ok(properties[name], `${name} is missing from package.json`);
      assert.deepEqual(properties[name].default, value, name);
    }
    assert.equal(
      properties[`${lsp.SETTINGS_SECTION}.t`].type,
      'integer',
      't is a positive integer in the settings UI too',
    );
  });
});
