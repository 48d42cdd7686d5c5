// The end-to-end suites in a real VS Code (code-server): what a user sees (ui.e2e.mjs), the same
// workspace untrusted (restricted.e2e.mjs), then the API-level checks inside the extension host
// (api.e2e.mjs). Prints one closing `N passed, N failed` line and exits non-zero on any failure. Run through `bash scripts/e2e/run.sh` (or
// `npm run test:e2e`), which installs the tools and builds the VSIX first.
// METACURATE_E2E_SUITES=ui,restricted,api,balance,runs,workspace-model,entry-browser,demo,worldwide,sweep (any subset) picks the layers.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { apiSuite } from './api.e2e.mjs';
import { balanceSuite } from './balance.e2e.mjs';
import { demoSuite } from './demo.e2e.mjs';
import { entryBrowserSuite } from './entryBrowser.e2e.mjs';
import { ARTIFACTS, ROOT } from './harness.mjs';
import { restrictedSuite } from './restricted.e2e.mjs';
import { runsSuite } from './runs.e2e.mjs';
import { sweepSuite } from './sweep.e2e.mjs';
import { uiSuite } from './ui.e2e.mjs';
import { workspaceModelSuite } from './workspaceModel.e2e.mjs';
import { worldwideSuite } from './worldwide.e2e.mjs';

const vsix = process.env.METACURATE_VSIX ?? join(ROOT, 'dist', 'metacurate.vsix');
const only = process.env.METACURATE_E2E_SUITES;
const started = Date.now();
rmSync(ARTIFACTS, { recursive: true, force: true });
mkdirSync(ARTIFACTS, { recursive: true });

let passed = 0;
let failed = 0;
/** @typedef {(vsix: string) => Promise<{ passed: number, failed: number }>} Suite */
for (const [name, suite] of /** @type {Array<[string, Suite]>} */ ([
  ['ui', uiSuite],
  ['restricted', restrictedSuite],
  ['api', apiSuite],
  ['balance', balanceSuite],
  ['runs', runsSuite],
  ['workspace-model', workspaceModelSuite],
  ['entry-browser', entryBrowserSuite],
  ['demo', demoSuite],
  ['worldwide', worldwideSuite],
  ['sweep', sweepSuite],
])) {
  if (only && !only.split(',').includes(name)) continue;
  console.log(`== e2e ${name} layer`);
  try {
    const r = await suite(vsix);
    passed += r.passed;
    failed += r.failed;
  } catch (err) {
    console.log(`  FAIL ${name} layer: ${/** @type {Error | undefined} */ (err)?.stack ?? err}`);
    failed += 1;
  }
}
console.log(`e2e: screenshots and logs in ${ARTIFACTS} (${Math.round((Date.now() - started) / 1000)} s)`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
