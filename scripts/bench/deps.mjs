// What the benchmark needs outside node_modules: pyahocorasick for the reference matcher, and GNU
// time for exact peak memory (optional: /proc polling is the fallback). Installed with apt-get
// when running as root on Debian/Ubuntu; otherwise the bench says how to install them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hasGnuTime } from './measure.mjs';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = existsSync('/usr/bin/apt-get');

export function referencePython() {
  return process.env.METACURATE_BENCH_PYTHON || '/usr/bin/python3';
}

function probe(python) {
  const r = spawnSync(
    python,
    [
      '-c',
      'import sys, ahocorasick, importlib.metadata as m\ntry:\n v = m.version("pyahocorasick")\nexcept Exception:\n v = "?"\nprint(sys.version.split()[0], v)',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) return undefined;
  const [pythonVersion, ahocorasickVersion] = r.stdout.trim().split(' ');
  return { python, pythonVersion, ahocorasickVersion };
}

function aptInstall(pkg, log) {
  log(`  installing Debian package ${pkg}: apt-get install -y ${pkg}`);
  /** @type {import('node:child_process').SpawnSyncOptionsWithStringEncoding} */
  const opts = {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  };
  let r = spawnSync('apt-get', ['install', '-y', pkg], opts);
  if (r.status !== 0) {
    log('  apt-get install failed; running apt-get update and trying again');
    spawnSync('apt-get', ['update'], opts);
    r = spawnSync('apt-get', ['install', '-y', pkg], opts);
  }
  if (r.status !== 0) log(`  apt-get install ${pkg} failed: ${(r.stderr || '').trim().split('\n').pop()}`);
  return r.status === 0;
}

/** { python, pythonVersion, ahocorasickVersion } or undefined (with instructions printed). */
export function ensureReferenceMatcher(log) {
  const python = referencePython();
  let found = existsSync(python) || python !== '/usr/bin/python3' ? probe(python) : undefined;
  if (!found && isRoot && hasApt && python === '/usr/bin/python3') {
    log(`  ${python} cannot import ahocorasick (pyahocorasick)`);
    if (aptInstall('python3-ahocorasick', log)) found = probe(python);
  }
  if (!found) {
    log(`  The reference matcher needs pyahocorasick for ${python}, which is missing. Install it with`);
    log('    sudo apt-get install python3-ahocorasick          (Debian/Ubuntu, for /usr/bin/python3)');
    log('  or pip install pyahocorasick and run with METACURATE_BENCH_PYTHON=/path/to/that/python.');
    log('  Running only our side: no ratios and no output comparison this time.');
  }
  return found;
}

/** Installs GNU time when missing and possible; the bench works without it. */
export function ensureGnuTime(log) {
  if (hasGnuTime()) return true;
  if (isRoot && hasApt && aptInstall('time', log) && hasGnuTime()) return true;
  log('  GNU time (/usr/bin/time) is missing: peak memory comes from polling /proc/<pid>/status VmHWM');
  log('  (install it with `apt-get install time` for exact figures).');
  return false;
}
