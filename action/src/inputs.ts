import { ActionError } from './errors.ts';

export type Level = 'read' | 'write' | 'admin';

export interface Inputs {
  action: string;
  appUrl: string;
  reason: string | undefined;
  permissions: Record<string, Level> | undefined;
  /** How long the step waits, in seconds; undefined: as long as the policy allows. */
  timeoutSeconds: number | undefined;
  audience: string;
  /** The job key (GITHUB_JOB). */
  job: string;
  /** The job's id (`job.check_run_id`); undefined where the runner has none (GHES). */
  jobId: number | undefined;
  /** Fail, instead of warning, when the token is narrower than `permissions` asked. */
  failOnNarrower: boolean;
  /** Ask for a break-glass override (needs a reason). */
  emergency: boolean;
  /** The matrix leg's position (`strategy.job-index`), when the job is a matrix. */
  matrixIndex: number | undefined;
}

/** What the runner says about the run (`@actions/github`'s context). */
export interface RunContext {
  job: string;
}

const UNITS: Record<string, number> = { d: 86_400, h: 3_600, m: 60, s: 1 };

function duration(text: string): number | undefined {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!m || text === '') return undefined;
  return ['d', 'h', 'm', 's'].reduce((sum, unit, i) => sum + Number(m[i + 1] ?? 0) * UNITS[unit]!, 0);
}

function permissions(text: string): Record<string, Level> | undefined {
  const out: Record<string, Level> = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const m = /^([a-z_]+)\s*:\s*(read|write|admin)$/.exec(line);
    if (!m)
      throw new ActionError(
        `input permissions, line ${i + 1}: "${raw.trim()}" is not "name: read|write|admin" (e.g. "contents: read")`,
      );
    out[m[1]!] = m[2] as Level;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Reads and checks the inputs once. Composite actions pass them through `env:` (JIT_*). */
export function readInputs(env: NodeJS.ProcessEnv, run: RunContext): Inputs {
  const action = (env.JIT_ACTION ?? '').trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/.test(action)) {
    throw new ActionError(
      action
        ? `input action: "${action}" may use letters, digits, ".", "_", "-" and "/" (at most 100)`
        : 'input action is required, e.g. `action: deploy-production`',
    );
  }
  const appUrl = (env.JIT_APP_URL ?? '').trim().replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s]+/.test(appUrl))
    throw new ActionError(
      appUrl
        ? `input app-url: "${appUrl}" is not an http(s) URL`
        : 'input app-url is required: the URL of your jit-approvals app',
    );
  const timeoutText = (env.JIT_TIMEOUT ?? '').trim();
  const timeoutSeconds = timeoutText === '' ? undefined : duration(timeoutText);
  if (timeoutText !== '' && !timeoutSeconds)
    throw new ActionError(`input timeout: "${timeoutText}" is not a duration like 30m or 1h30m`);
  const job = run.job ?? '';
  if (job === '')
    throw new ActionError('GITHUB_JOB is not set: run this action as a step of a GitHub Actions job');
  const whole = (name: string, text: string | undefined, min: number): number | undefined => {
    const t = (text ?? '').trim();
    if (t === '') return undefined;
    if (!/^\d+$/.test(t) || Number(t) < min)
      throw new ActionError(`${name} is "${t}", not a whole number: the runner sets it; do not override it`);
    return Number(t);
  };
  const reason = (env.JIT_REASON ?? '').trim();
  const failOnNarrower = (env.JIT_FAIL_ON_NARROWER ?? '').trim().toLowerCase() || 'false';
  if (failOnNarrower !== 'true' && failOnNarrower !== 'false')
    throw new ActionError(`input fail-on-narrower: "${env.JIT_FAIL_ON_NARROWER}" is not true or false`);
  const emergency = (env.JIT_EMERGENCY ?? '').trim().toLowerCase() || 'false';
  if (emergency !== 'true' && emergency !== 'false')
    throw new ActionError(`input emergency: "${env.JIT_EMERGENCY}" is not true or false`);
  if (emergency === 'true' && reason === '')
    throw new ActionError(
      'input emergency: a break-glass request needs a reason; set `reason` to what is on fire',
    );
  return {
    action,
    appUrl,
    reason: reason === '' ? undefined : reason,
    permissions: permissions(env.JIT_PERMISSIONS ?? ''),
    timeoutSeconds,
    audience: (env.JIT_AUDIENCE ?? '').trim() || appUrl,
    job,
    jobId: whole('job.check_run_id (JIT_JOB_ID)', env.JIT_JOB_ID, 1),
    failOnNarrower: failOnNarrower === 'true',
    emergency: emergency === 'true',
    matrixIndex: whole('strategy.job-index (JIT_JOB_INDEX)', env.JIT_JOB_INDEX, 0),
  };
}
