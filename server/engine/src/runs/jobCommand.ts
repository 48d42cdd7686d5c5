/**
 * The command of a run, per kind:
 *   builtin   `python -m metacurate_trainer` (trainer/), output in `<run>/train/`
 *   openclip  `python -m open_clip_train.main` with the flags of open_clip_torch 3.3.0, logs in
 *             `<run>/openclip/run/` (out.log, checkpoints/results.jsonl)
 *   custom    a shell command template run by `/bin/sh -c`; `${name}` placeholders become
 *             references to environment variables holding the values (fillTemplate)
 * and the data a curation wrote (its summary.json lists the output files).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors';
import { openClipCommand, openClipPaths } from '../trainResults';
import { builtinTrainerArgs, findTrainerDir, trainerEnv } from './trainer';
import type { RunCuration, RunKind, RunParams, RunSpec } from './runFolder';

/** The training files and figures of a finished curation folder (its summary.json). */
export function readCuration(dir: string): {
  curation: RunCuration;
  trainData: string[];
  datasetType: 'webdataset' | 'csv';
} {
  const root = resolve(dir);
  const path = join(root, 'summary.json');
  if (!existsSync(path)) {
    throw new UsageError(
      `${root} is not a finished curation (no summary.json): run \`metacurate curate\` first`,
    );
  }
  let summary: {
    t?: number;
    seed?: number;
    kept?: number;
    expected_kept?: number;
    pool?: { records?: number };
    metadata?: { path?: string; sha256?: string };
    outputs?: { output: string }[];
  };
  try {
    summary = JSON.parse(readFileSync(path, 'utf8')) as typeof summary;
  } catch (err) {
    throw new UsageError(`${path}: not JSON (${(err as Error).message})`);
  }
  const trainData = (summary.outputs ?? []).map((o) => resolve(root, o.output));
  if (trainData.length === 0) throw new UsageError(`${path}: the curation wrote no output files`);
  const types = new Set(
    trainData.map((f) => (/\.tar$/i.test(f) ? 'webdataset' : /\.(csv|tsv)$/i.test(f) ? 'csv' : 'other')),
  );
  if (types.size !== 1 || types.has('other')) {
    throw new UsageError(
      `${root}: the curation's outputs (${trainData.map((f) => f.slice(root.length + 1)).join(', ')}) are not ` +
        'WebDataset shards (.tar) or CSV/TSV files with image paths: the trainers read only those',
    );
  }
  return {
    curation: {
      dir: root,
      t: summary.t,
      seed: summary.seed,
      poolRecords: summary.pool?.records,
      curatedRecords: summary.kept,
      expectedCurated: summary.expected_kept,
      metadata: summary.metadata?.path,
      metadataSha256: summary.metadata?.sha256,
    },
    trainData,
    datasetType: [...types][0] as 'webdataset' | 'csv',
  };
}

/** Placeholders of custom templates and what they stand for. */
export const TEMPLATE_PLACEHOLDERS: Record<string, string> = {
  python: 'the configured Python interpreter',
  data: 'the training files (bare: one word each; in quotes: joined by spaces)',
  dataList: "the training files joined with '::' (OpenCLIP's --train-data form)",
  datasetType: 'webdataset or csv',
  curation: 'the curation folder',
  out: 'the output folder of the job (<run>/out): write results.jsonl there',
  runDir: 'the run folder',
  seed: 'the seed',
  steps: 'the step budget',
  batchSize: 'the batch size',
  t: "the curation's threshold t",
  curatedSize: 'the number of curated pairs',
  zeroshotData: 'the labelled evaluation set',
  classnames: 'the class names of the evaluation set',
};

/**
 * The environment variable that carries a placeholder's value to the job: `MC_` and the name in
 * capitals (`batchSize` -> `MC_BATCH_SIZE`); the files of `${data}` one by one in `MC_DATA_1`...
 */
export function templateVariable(name: string): string {
  return `MC_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** A custom template made into a script for `/bin/sh -c`, and the variables it reads. */
export interface FilledTemplate {
  /** The template with each placeholder replaced by a reference to its variable. */
  script: string;
  /** The variables the script refers to, with the placeholders' values. */
  env: Record<string, string>;
}

/**
 * Where a placeholder stands in the shell's reading of the template:
 *   bare         `${out}`, also inside `$(...)`, `(...)`, backquotes and comments
 *   double       `"${out}"`, and the body of a here-document whose delimiter is not quoted
 *   single       `'${out}'`
 *   dollarSingle `$'${out}'`
 *   arithmetic   `$(( ${steps} ))` and bash's `(( ${steps} ))`
 *   literal      a here-document whose delimiter is quoted: nothing is expanded there
 */
type Quoting = 'bare' | 'double' | 'single' | 'dollarSingle' | 'arithmetic' | 'literal';

/** What the scanner is inside of: the frame a `)`, `))`, quote or backquote ends. */
type Frame =
  | 'commandSubstitution'
  | 'subshell'
  | 'backquote'
  | 'double'
  | 'single'
  | 'dollarSingle'
  | 'arithmetic'
  | 'arithmeticParen';

const FRAME_QUOTING: Record<Frame, Quoting> = {
  commandSubstitution: 'bare',
  subshell: 'bare',
  backquote: 'bare',
  double: 'double',
  single: 'single',
  dollarSingle: 'dollarSingle',
  arithmetic: 'arithmetic',
  arithmeticParen: 'arithmetic',
};

const PLACEHOLDER = /\$(\$?)\{([^}]*)\}/y;
/** Characters after which a `#` starts a comment (and a word starts). */
const WORD_BREAK = /[\s;&|()<>]/;

/**
 * Fills `${name}` placeholders (`$${` is a literal `${`) so that no value is ever read as shell
 * code: the values go into environment variables, and each placeholder becomes a reference to
 * its variable that suits where it stands, so the value arrives as exactly one word however the
 * template quotes it (bare `"$MC_OUT"`, in double quotes `${MC_OUT}`, in single quotes
 * `'"$MC_OUT"'`). A bare `${data}` gives one word per file (`"$MC_DATA_1" "$MC_DATA_2"`);
 * quoted, the files joined by spaces. The shell expands variables without parsing what they
 * hold, so a file named `shard$(touch x).tar` stays a name, unless the template itself evaluates
 * it (`eval`, bash arithmetic). Only numbers may stand in arithmetic; a placeholder cannot stand
 * where nothing is expanded (a quoted here-document) or right after a backslash.
 */
export function fillTemplate(
  template: string,
  values: Record<string, string | string[] | undefined>,
): FilledTemplate {
  const env: Record<string, string> = {};
  const placeholder = (name: string, quoting: Quoting): string => {
    if (!(name in TEMPLATE_PLACEHOLDERS)) {
      throw new UsageError(
        `job template: unknown placeholder \${${name}} (known: ${Object.keys(TEMPLATE_PLACEHOLDERS)
          .map((k) => `\${${k}}`)
          .join(', ')})`,
      );
    }
    const value = values[name];
    if (value === undefined) throw new UsageError(`job template: \${${name}} has no value for this run`);
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v.includes('\0'))
        throw new UsageError(`job template: the value of \${${name}} holds a NUL character`);
    }
    const variable = templateVariable(name);
    if (quoting === 'literal') {
      throw new UsageError(
        `job template: \${${name}} is inside a here-document with a quoted delimiter, where nothing is expanded; leave the delimiter unquoted`,
      );
    }
    if (quoting === 'arithmetic') {
      if (Array.isArray(value) || !/^-?[0-9]+$/.test(value)) {
        throw new UsageError(
          `job template: \${${name}} stands in arithmetic ($((...)) or ((...))), where only whole numbers can go`,
        );
      }
      env[variable] = value;
      return `\${${variable}}`;
    }
    if (Array.isArray(value) && quoting === 'bare') {
      return value
        .map((v, i) => {
          env[`${variable}_${i + 1}`] = v;
          return `"$${variable}_${i + 1}"`;
        })
        .join(' ');
    }
    env[variable] = Array.isArray(value) ? value.join(' ') : value;
    switch (quoting) {
      case 'bare':
        return `"$${variable}"`;
      case 'double':
        return `\${${variable}}`;
      case 'single':
        return `'"$${variable}"'`;
      case 'dollarSingle':
        return `'"$${variable}"$'`;
    }
  };
  const script = rewriteTemplate(template, placeholder);
  return { script, env };
}

/** A here-document announced by `<<` whose body starts after the current line. */
interface PendingHereDocument {
  delimiter: string;
  stripTabs: boolean;
  quoted: boolean;
}

/**
 * Reads the template as sh does, as far as quoting goes, and replaces each placeholder by what
 * `replace` gives for where it stands. Everything else is copied unchanged.
 */
function rewriteTemplate(template: string, replace: (name: string, quoting: Quoting) => string): string {
  const out: string[] = [];
  const frames: Frame[] = [];
  const pending: PendingHereDocument[] = [];
  let inComment = false;
  let i = 0;
  const top = (): Frame | undefined => frames[frames.length - 1];
  const quoting = (): Quoting => {
    const frame = top();
    return frame === undefined ? 'bare' : FRAME_QUOTING[frame];
  };
  /** Copies template[i, i + n) and moves on. */
  const copy = (n: number): void => {
    out.push(template.slice(i, i + n));
    i += n;
  };
  /** A placeholder or `$${` at i: handled (true), or not one (false). */
  const placeholderAt = (where: Quoting): boolean => {
    PLACEHOLDER.lastIndex = i;
    const m = PLACEHOLDER.exec(template);
    if (!m) return false;
    out.push(m[1] ? m[0].slice(1) : replace(m[2], where));
    i += m[0].length;
    return true;
  };
  /** A backslash at i: the character after it is copied as it is (and may not be a placeholder). */
  const escaped = (): void => {
    PLACEHOLDER.lastIndex = i + 1;
    const m = PLACEHOLDER.exec(template);
    if (m && !m[1]) {
      throw new UsageError(
        `job template: \${${m[2]}} right after a backslash; remove the backslash (write $\${ for a literal \${)`,
      );
    }
    copy(Math.min(2, template.length - i));
  };
  const hereDocumentBodies = (): void => {
    for (const doc of pending) {
      for (;;) {
        if (i >= template.length) return;
        const lineEnd = template.indexOf('\n', i);
        const end = lineEnd === -1 ? template.length : lineEnd;
        const line = template.slice(i, end);
        if ((doc.stripTabs ? line.replace(/^\t+/, '') : line) === doc.delimiter) {
          copy(end - i + (lineEnd === -1 ? 0 : 1));
          break;
        }
        while (i < end) {
          if (template[i] === '\\' && !doc.quoted) escaped();
          else if (!(template[i] === '$' && placeholderAt(doc.quoted ? 'literal' : 'double'))) copy(1);
        }
        if (lineEnd !== -1) copy(1);
      }
    }
    pending.length = 0;
  };

  while (i < template.length) {
    const c = template[i];
    const frame = top();
    if (frame === 'single') {
      if (c === "'") frames.pop();
      if (!(c === '$' && placeholderAt('single'))) copy(1);
      continue;
    }
    if (frame === 'dollarSingle') {
      if (c === '\\') escaped();
      else {
        if (c === "'") frames.pop();
        if (!(c === '$' && placeholderAt('dollarSingle'))) copy(1);
      }
      continue;
    }
    if (c === '$' && placeholderAt(inComment ? 'bare' : quoting())) continue;
    if (inComment) {
      if (c === '\n') inComment = false;
      else {
        copy(1);
        continue;
      }
    }
    if (c === '\\') {
      escaped();
      continue;
    }
    if (frame === 'double') {
      if (c === '"') frames.pop();
      else if (template.startsWith('$((', i)) {
        frames.push('arithmetic');
        copy(3);
        continue;
      } else if (template.startsWith('$(', i)) {
        frames.push('commandSubstitution');
        copy(2);
        continue;
      } else if (c === '`') frames.push('backquote');
      copy(1);
      continue;
    }
    if (frame === 'arithmetic' || frame === 'arithmeticParen') {
      if (frame === 'arithmetic' && template.startsWith('))', i)) {
        frames.pop();
        copy(2);
        continue;
      }
      if (c === '(') frames.push('arithmeticParen');
      else if (c === ')' && frame === 'arithmeticParen') frames.pop();
      copy(1);
      continue;
    }
    // Bare: the top level, $(...), (...) and backquotes.
    if (c === '\n' && pending.length > 0) {
      copy(1);
      hereDocumentBodies();
      continue;
    }
    if (c === '#' && (i === 0 || WORD_BREAK.test(template[i - 1]))) {
      inComment = true;
      copy(1);
      continue;
    }
    if (c === "'") frames.push('single');
    else if (c === '"') frames.push('double');
    else if (c === '`') {
      if (frame === 'backquote') frames.pop();
      else frames.push('backquote');
    } else if (template.startsWith("$'", i)) {
      frames.push('dollarSingle');
      copy(2);
      continue;
    } else if (template.startsWith('$"', i)) {
      frames.push('double');
      copy(2);
      continue;
    } else if (template.startsWith('$((', i) || template.startsWith('((', i)) {
      frames.push('arithmetic');
      copy(c === '$' ? 3 : 2);
      continue;
    } else if (template.startsWith('$(', i)) {
      frames.push('commandSubstitution');
      copy(2);
      continue;
    } else if (c === '(') frames.push('subshell');
    else if (c === ')' && (frame === 'subshell' || frame === 'commandSubstitution')) frames.pop();
    else if (template.startsWith('<<<', i)) {
      copy(3);
      continue;
    } else if (template.startsWith('<<', i)) {
      copy(2);
      pending.push(hereDocumentDelimiter());
      continue;
    }
    copy(1);
  }
  return out.join('');

  /** Reads the delimiter word after `<<` (or `<<-`), copying it. */
  function hereDocumentDelimiter(): PendingHereDocument {
    const stripTabs = template[i] === '-';
    if (stripTabs) copy(1);
    while (template[i] === ' ' || template[i] === '\t') copy(1);
    let delimiter = '';
    let quoted = false;
    while (i < template.length && !WORD_BREAK.test(template[i])) {
      const c = template[i];
      if (c === "'" || c === '"') {
        quoted = true;
        const close = template.indexOf(c, i + 1);
        const end = close === -1 ? template.length : close;
        delimiter += template.slice(i + 1, end);
        copy(end - i + (close === -1 ? 0 : 1));
      } else if (c === '\\') {
        quoted = true;
        delimiter += template[i + 1] ?? '';
        copy(Math.min(2, template.length - i));
      } else {
        delimiter += c;
        copy(1);
      }
    }
    return { delimiter, stripTabs, quoted };
  }
}

/** The command, environment and result paths of a run, from its parameters. */
export function buildRunCommand(
  params: RunParams,
  runDir: string,
  trainerDir?: string,
): Pick<RunSpec, 'command' | 'env' | 'cwd' | 'results' | 'trainLog'> {
  const cwd = params.curation?.dir ?? runDir;
  if (params.kind === 'builtin') {
    if (params.steps === undefined) throw new UsageError('a builtin run needs --steps');
    const dir = findTrainerDir(trainerDir);
    const z = params.zeroshot;
    const args = builtinTrainerArgs({
      trainData: params.trainData,
      datasetType: params.datasetType,
      out: join(runDir, 'train'),
      steps: params.steps,
      batchSize: params.batchSize,
      seed: params.seed,
      lr: params.lr,
      warmup: params.warmup,
      modelConfig: params.model,
      threads: params.threads,
      zeroshotData: z?.data,
      zeroshotName: z?.name,
      classnames: z?.classnames,
      templates: z?.templates,
    });
    const env = trainerEnv(dir, {});
    return {
      command: [params.python, '-m', 'metacurate_trainer', ...args],
      env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
      cwd,
      results: join('train', 'results.jsonl'),
      trainLog: join('train', 'out.log'),
    };
  }
  if (params.kind === 'openclip') {
    const logs = join(runDir, 'openclip');
    const command = openClipCommand(params.python, {
      trainData: params.trainData,
      datasetType: params.datasetType,
      trainNumSamples: params.datasetType === 'webdataset' ? params.curation?.curatedRecords : undefined,
      logs,
      name: 'run',
      model: params.model ?? 'ViT-B-32',
      batchSize: params.batchSize,
      epochs: params.epochs ?? 1,
      lr: params.lr ?? 5e-4,
      warmup: params.warmup,
      seed: params.seed,
      workers: params.threads,
      imagenetVal: params.zeroshot?.data,
      zeroshotFrequency: params.zeroshot ? 1 : undefined,
      reportTo: undefined,
    });
    const paths = openClipPaths(logs, 'run');
    return {
      command,
      env: { PYTHONUNBUFFERED: '1' },
      cwd,
      results: paths.results.slice(runDir.length + 1),
      trainLog: paths.log.slice(runDir.length + 1),
    };
  }
  if (params.commandTemplate === undefined || params.commandTemplate.trim() === '') {
    throw new UsageError('a custom run needs a command template (--command)');
  }
  const z = params.zeroshot;
  const str = (n: number | undefined) => (n === undefined ? undefined : String(n));
  const { script, env } = fillTemplate(params.commandTemplate, {
    python: params.python,
    data: params.trainData,
    dataList: params.trainData.join('::'),
    datasetType: params.datasetType,
    curation: params.curation?.dir,
    out: join(runDir, 'out'),
    runDir,
    seed: String(params.seed),
    steps: str(params.steps),
    batchSize: str(params.batchSize),
    t: str(params.curation?.t),
    curatedSize: str(params.curation?.curatedRecords),
    zeroshotData: z?.data,
    classnames: z?.classnames,
  });
  return {
    command: ['/bin/sh', '-c', script],
    env: { PYTHONUNBUFFERED: '1', ...env },
    cwd,
    results: join('out', 'results.jsonl'),
  };
}

/** A job template from the editor's settings (`metacurate.training.jobTemplates`). */
export interface JobTemplate {
  name: string;
  kind?: RunKind;
  command?: string;
  steps?: number;
  epochs?: number;
  batchSize?: number;
  model?: string;
  args?: string[];
}

/**
 * Job templates a run may use. Templates run commands, so a workspace's own templates count only
 * once the workspace is trusted; the user's (and the default) ones always do.
 */
export function usableJobTemplates(
  inspected:
    | { globalValue?: JobTemplate[]; workspaceValue?: JobTemplate[]; workspaceFolderValue?: JobTemplate[] }
    | undefined,
  trusted: boolean,
): JobTemplate[] {
  const user = inspected?.globalValue ?? [];
  if (!trusted) return user;
  const workspace = [...(inspected?.workspaceFolderValue ?? []), ...(inspected?.workspaceValue ?? [])];
  const names = new Set(workspace.map((t) => t.name));
  return [...workspace, ...user.filter((t) => !names.has(t.name))];
}
