// Runs an action.yml with `runs.using: composite` as the Actions runner does: inputs with
// defaults and `required`, `${{ }}` and `if:` with GitHub's expression engine, each `run` step in
// its shell with fresh GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STEP_SUMMARY files, step outputs
// mapped to the action's outputs, a masked log, and cancellation by signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { load } from 'js-yaml';
import { condition, interpolate, type Contexts, type JobStatus } from './expressions.ts';
import { parseCommandFile } from './files.ts';

interface ActionYaml {
  name?: string;
  inputs?: Record<string, { description?: string; required?: boolean; default?: string }>;
  outputs?: Record<string, { description?: string; value: string }>;
  runs: { using: string; steps: StepYaml[] };
}

interface StepYaml {
  id?: string;
  name?: string;
  if?: string;
  run?: string;
  uses?: string;
  shell?: string;
  env?: Record<string, string>;
  'working-directory'?: string;
  'continue-on-error'?: boolean;
}

export interface GitHubContext {
  repository: string;
  repository_id?: string;
  sha: string;
  ref: string;
  event_name: string;
  actor: string;
  run_id: string;
  run_attempt?: string;
  workflow: string;
  workflow_ref?: string;
  job: string;
  server_url?: string;
  api_url?: string;
}

export interface RunOptions {
  /** Directory holding action.yml. */
  actionPath: string;
  inputs?: Record<string, string>;
  github: GitHubContext;
  /** Job environment (e.g. the OIDC request variables). */
  env?: Record<string, string>;
  /** Called with each (masked) log line as it is written. */
  onLine?: (line: string) => void;
  /** Node binary directory to put first on PATH (the runner's node). */
  nodeDir?: string;
  /** The `job` context, e.g. `{ status: 'success', check_run_id: 123 }`. */
  job?: Record<string, unknown>;
  /** The `strategy` context of a matrix leg, e.g. `{ 'job-index': 0, 'job-total': 2 }`. */
  strategy?: Record<string, unknown>;
}

export interface StepResult {
  id: string;
  outcome: 'success' | 'failure' | 'skipped' | 'cancelled';
  outputs: Record<string, string>;
  exitCode: number | null;
}

export interface RunResult {
  /** success when every step succeeded (or continued on error). */
  conclusion: JobStatus;
  outputs: Record<string, string>;
  steps: StepResult[];
  /** The job log as the runner shows it: masked, without workflow commands that it consumes. */
  log: string[];
  /** What the steps wrote to GITHUB_STEP_SUMMARY. */
  summary: string;
  /** Values masked with ::add-mask::. */
  masks: string[];
}

/** Commands the runner knows; a line naming another is plain text. */
const COMMANDS = new Set([
  'add-mask',
  'stop-commands',
  'debug',
  'error',
  'warning',
  'notice',
  'group',
  'endgroup',
  'set-output',
  'save-state',
  'echo',
  'add-path',
]);

const unescape = (s: string): string =>
  s
    .replaceAll('%0D', '\r')
    .replaceAll('%0A', '\n')
    .replaceAll('%3A', ':')
    .replaceAll('%2C', ',')
    .replaceAll('%5D', ']')
    .replaceAll('%3B', ';')
    .replaceAll('%25', '%');

/**
 * The command in a line, if any: `::name props::data` (ActionCommand.TryParseV2, after leading
 * whitespace) or the legacy `##[name props]data` anywhere in the line (TryParse). While commands
 * are stopped, only the resume token is a command.
 */
function parseCommand(line: string, stopped: string | undefined): { name: string; data: string } | undefined {
  const known = (name: string): boolean =>
    stopped !== undefined ? name === stopped.toLowerCase() : COMMANDS.has(name);
  const v2 = /^\s*::([^\s:]+)(?: [^:]*)?::(.*)$/s.exec(line);
  if (v2 && known(v2[1]!.toLowerCase())) return { name: v2[1]!.toLowerCase(), data: unescape(v2[2]!) };
  const at = line.indexOf('##[');
  if (at >= 0) {
    const end = line.indexOf(']', at);
    const name =
      end < 0
        ? ''
        : line
            .slice(at + 3, end)
            .split(' ')[0]!
            .toLowerCase();
    if (end >= 0 && known(name)) return { name, data: unescape(line.slice(end + 1)) };
  }
  return undefined;
}

const SHELLS: Record<string, (file: string) => [string, string[]]> = {
  bash: (f) => ['bash', ['--noprofile', '--norc', '-eo', 'pipefail', f]],
  sh: (f) => ['sh', ['-e', f]],
};

export class CompositeRun {
  readonly log: string[] = [];
  readonly masks: string[] = [];
  readonly result: Promise<RunResult>;
  #child: ChildProcess | undefined;
  #cancelled = false;
  readonly #options: RunOptions;

  constructor(options: RunOptions) {
    this.#options = options;
    this.result = this.#run();
  }

  /** Cancels the job as the runner does: signals the running step; later steps see cancelled(). */
  cancel(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.#cancelled = true;
    if (this.#child?.pid) process.kill(-this.#child.pid, signal);
  }

  /** Resolves with the first log line that matches, as soon as it is written. */
  waitForLine(pattern: RegExp): Promise<string> {
    const hit = this.log.find((l) => pattern.test(l));
    if (hit !== undefined) return Promise.resolve(hit);
    return new Promise((resolveLine, reject) => {
      this.#waiters.push({ pattern, resolve: resolveLine });
      void this.result.then(() => reject(new Error(`the job ended without a log line matching ${pattern}`)));
    });
  }

  readonly #waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];

  /** The token of `::stop-commands::TOKEN` while commands are stopped. */
  #stopped: string | undefined;

  /**
   * One line a step printed, as GitHub's runner treats it (ActionCommandManager): a workflow command
   * in the `::name props::data` form (after leading spaces) or the legacy `##[name props]data` form
   * (anywhere in the line) is processed if its name is a known command. `::stop-commands::TOKEN`
   * stops all processing until a command named TOKEN; meanwhile every line is plain text. Data is
   * unescaped as the runner does.
   */
  #write(line: string): void {
    const command = parseCommand(line, this.#stopped);
    if (this.#stopped !== undefined) {
      if (command && command.name === this.#stopped.toLowerCase()) this.#stopped = undefined;
      return this.#show(line);
    }
    if (!command) return this.#show(line);
    const value = command.data;
    switch (command.name) {
      case 'add-mask':
        if (value.trim() !== '') this.masks.push(value);
        return;
      case 'stop-commands':
        this.#stopped = value;
        return;
      case 'debug':
        // The runner shows ::debug:: lines only with step debug logging on.
        if (this.#options.env?.ACTIONS_STEP_DEBUG === 'true') this.#show(`##[debug]${value}`);
        return;
      case 'error':
      case 'warning':
      case 'notice':
      case 'group':
        return this.#show(`##[${command.name}]${value}`);
      case 'endgroup':
        return this.#show('##[endgroup]');
      default:
        return; // set-output, save-state, echo, add-path: consumed
    }
  }

  #show(line: string): void {
    let masked = line;
    for (const m of this.masks) masked = masked.split(m).join('***');
    this.log.push(masked);
    this.#options.onLine?.(masked);
    for (const w of this.#waiters.filter((x) => x.pattern.test(masked))) {
      this.#waiters.splice(this.#waiters.indexOf(w), 1);
      w.resolve(masked);
    }
  }

  async #run(): Promise<RunResult> {
    const o = this.#options;
    const actionPath = resolve(o.actionPath);
    const action = load(readFileSync(join(actionPath, 'action.yml'), 'utf8')) as ActionYaml;
    if (action.runs?.using !== 'composite')
      throw new Error(`${actionPath}/action.yml is not a composite action`);
    const temp = mkdtempSync(join(tmpdir(), 'composite-'));
    const summaryFile = join(temp, 'step_summary');
    writeFileSync(summaryFile, '');
    const inputs: Record<string, string> = {};
    const github = {
      server_url: 'https://github.com',
      api_url: 'https://api.github.com',
      run_attempt: '1',
      action_path: actionPath,
      ...o.github,
    };
    const contexts: Contexts = {
      github,
      inputs,
      env: {},
      steps: {},
      runner: { os: 'Linux', arch: 'X64', temp },
      job: o.job ?? { status: 'success' },
      strategy: o.strategy ?? {},
    };
    for (const name of Object.keys(o.inputs ?? {})) {
      if (!action.inputs?.[name])
        this.#write(
          `##[warning]Unexpected input(s) '${name}', valid inputs are [${Object.keys(action.inputs ?? {}).join(', ')}]`,
        );
    }
    for (const [name, spec] of Object.entries(action.inputs ?? {})) {
      const given = o.inputs?.[name];
      const value = given ?? (spec.default !== undefined ? interpolate(String(spec.default), contexts) : '');
      if (spec.required && (given === undefined || given === '') && spec.default === undefined) {
        this.#write(`##[error]Input required and not supplied: ${name}`);
        return this.#finish(action, contexts, 'failure', [], summaryFile);
      }
      inputs[name] = value;
    }
    const jobEnv: Record<string, string> = {};
    const stepResults: StepResult[] = [];
    let status: JobStatus = 'success';
    for (const [index, step] of action.runs.steps.entries()) {
      const id = step.id ?? `__run_${index}`;
      if (this.#cancelled) status = 'cancelled';
      if (!condition(step.if, contexts, status)) {
        stepResults.push({ id, outcome: 'skipped', outputs: {}, exitCode: null });
        (contexts.steps as Contexts)[id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
        continue;
      }
      if (step.uses || !step.run)
        throw new Error(`step ${id}: only \`run\` steps are supported by this runner`);
      const result = await this.#step(step, id, contexts, jobEnv, temp, summaryFile, actionPath, github);
      stepResults.push(result);
      (contexts.steps as Contexts)[id] = {
        outputs: result.outputs,
        outcome: result.outcome,
        conclusion: result.outcome === 'failure' && step['continue-on-error'] ? 'success' : result.outcome,
      };
      if (result.outcome === 'cancelled') status = 'cancelled';
      else if (result.outcome === 'failure' && !step['continue-on-error']) status = 'failure';
    }
    return this.#finish(action, contexts, status, stepResults, summaryFile);
  }

  async #step(
    step: StepYaml,
    id: string,
    contexts: Contexts,
    jobEnv: Record<string, string>,
    temp: string,
    summaryFile: string,
    actionPath: string,
    github: GitHubContext & Record<string, string>,
  ): Promise<StepResult> {
    const outputFile = join(temp, `output_${id}`);
    const envFile = join(temp, `env_${id}`);
    writeFileSync(outputFile, '');
    writeFileSync(envFile, '');
    const shell = step.shell ?? 'bash';
    const makeCommand = SHELLS[shell];
    if (!makeCommand) throw new Error(`step ${id}: shell ${shell} is not supported by this runner`);
    const script = join(temp, `script_${id}.sh`);
    writeFileSync(script, interpolate(step.run!, contexts));
    const stepEnv = Object.fromEntries(
      Object.entries(step.env ?? {}).map(([k, v]) => [k, interpolate(String(v), contexts)]),
    );
    const env: Record<string, string> = {
      PATH: [this.#options.nodeDir, process.env.PATH].filter(Boolean).join(':'),
      HOME: process.env.HOME ?? temp,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_ACTION: id,
      GITHUB_ACTION_PATH: actionPath,
      GITHUB_WORKSPACE: temp,
      GITHUB_REPOSITORY: github.repository,
      GITHUB_REPOSITORY_OWNER: github.repository.split('/')[0]!,
      GITHUB_SHA: github.sha,
      GITHUB_REF: github.ref,
      GITHUB_EVENT_NAME: github.event_name,
      GITHUB_ACTOR: github.actor,
      GITHUB_RUN_ID: github.run_id,
      GITHUB_RUN_ATTEMPT: github.run_attempt ?? '1',
      GITHUB_WORKFLOW: github.workflow,
      GITHUB_JOB: github.job,
      GITHUB_SERVER_URL: github.server_url ?? 'https://github.com',
      GITHUB_API_URL: github.api_url ?? 'https://api.github.com',
      GITHUB_OUTPUT: outputFile,
      GITHUB_ENV: envFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_TEMP: temp,
      ...this.#options.env,
      ...jobEnv,
      ...stepEnv,
    };
    const [command, args] = makeCommand(script);
    const cancelledBefore = this.#cancelled;
    const cwd = step['working-directory'] ? interpolate(step['working-directory'], contexts) : temp;
    const child = spawn(command, args, { env, cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    const lines = [createInterface({ input: child.stdout! }), createInterface({ input: child.stderr! })];
    for (const rl of lines) rl.on('line', (l) => this.#write(l));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) =>
      child.on('close', (c, s) => done([c, s])),
    );
    this.#child = undefined;
    Object.assign(jobEnv, parseCommandFile(readFileSync(envFile, 'utf8')));
    const outputs = parseCommandFile(readFileSync(outputFile, 'utf8'));
    const outcome = this.#cancelled && !cancelledBefore ? 'cancelled' : code === 0 ? 'success' : 'failure';
    if (outcome === 'failure') this.#write(`##[error]Process completed with exit code ${code ?? signal}.`);
    return { id, outcome, outputs, exitCode: code };
  }

  #finish(
    action: ActionYaml,
    contexts: Contexts,
    conclusion: JobStatus,
    steps: StepResult[],
    summaryFile: string,
  ): RunResult {
    const outputs = Object.fromEntries(
      Object.entries(action.outputs ?? {}).map(([name, o]) => [
        name,
        interpolate(o.value, contexts, conclusion),
      ]),
    );
    const summary = readFileSync(summaryFile, 'utf8');
    rmSync(dirname(summaryFile), { recursive: true, force: true }); // the job's temporary files
    return { conclusion, outputs, steps, log: this.log, summary, masks: this.masks };
  }
}
