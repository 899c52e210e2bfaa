import type { CreateRequestBody } from '../domain/step-contract.ts';
import { checkPublicKey } from '../crypto/jwe.ts';
import { AppError } from '../errors.ts';
import { isBlank } from '../policy/blank.ts';
import { LEVELS, type Level } from '../policy/permissions.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/;

/** Validates the step's request body once, at the edge. */
export function checkBody(body: unknown): CreateRequestBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new AppError('bad_request', 'the body must be a JSON object');
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter(
    (k) =>
      ![
        'action',
        'job',
        'job_id',
        'matrix_index',
        'reason',
        'permissions',
        'public_key',
        'secret_sha256',
        'emergency',
      ].includes(k),
  );
  if (unknown.length > 0) throw new AppError('bad_request', `unknown field(s): ${unknown.join(', ')}`);
  if (typeof b.action !== 'string' || !NAME.test(b.action))
    throw new AppError(
      'bad_request',
      'action must be a name of letters, digits, ".", "_", "-" or "/" (at most 100 characters)',
    );
  if (typeof b.job !== 'string' || !NAME.test(b.job))
    throw new AppError('bad_request', 'job must be the GITHUB_JOB of the step (at most 100 characters)');
  if (b.job_id !== undefined && !(Number.isSafeInteger(b.job_id) && (b.job_id as number) > 0))
    throw new AppError(
      'bad_request',
      "job_id must be the job's id, a positive integer (`${{ job.check_run_id }}`)",
    );
  if (
    b.matrix_index !== undefined &&
    !(
      Number.isSafeInteger(b.matrix_index) &&
      (b.matrix_index as number) >= 0 &&
      (b.matrix_index as number) < 1000
    )
  )
    throw new AppError(
      'bad_request',
      'matrix_index must be `${{ strategy.job-index }}`, an integer from 0 to 999',
    );
  if (typeof b.secret_sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(b.secret_sha256))
    throw new AppError(
      'bad_request',
      'secret_sha256 must be the SHA-256 (64 lower-case hex digits) of a random secret the step keeps',
    );
  if (b.reason !== undefined && (typeof b.reason !== 'string' || b.reason.length > 1000))
    throw new AppError('bad_request', 'reason must be text of at most 1000 characters');
  if (b.emergency !== undefined && typeof b.emergency !== 'boolean')
    throw new AppError('bad_request', 'emergency must be true or false');
  if (b.emergency === true && (typeof b.reason !== 'string' || isBlank(b.reason)))
    throw new AppError(
      'bad_request',
      'an emergency (break-glass) request needs a reason: say what is on fire',
    );
  let permissions: Record<string, Level> | undefined;
  if (b.permissions !== undefined) {
    if (b.permissions === null || typeof b.permissions !== 'object' || Array.isArray(b.permissions))
      throw new AppError('bad_request', 'permissions must be an object of name: level');
    permissions = {};
    for (const [name, level] of Object.entries(b.permissions)) {
      if (!/^[a-z_]+$/.test(name) || !LEVELS.includes(level as Level))
        throw new AppError(
          'bad_request',
          `permissions.${name}: "${String(level)}" is not read, write or admin`,
        );
      permissions[name] = level as Level;
    }
  }
  return {
    action: b.action,
    job: b.job,
    ...(b.job_id !== undefined && { job_id: b.job_id as number }),
    ...(b.matrix_index !== undefined && { matrix_index: b.matrix_index as number }),
    secret_sha256: b.secret_sha256,
    ...(b.reason !== undefined && { reason: b.reason as string }),
    ...(b.emergency === true && { emergency: true }),
    ...(permissions && { permissions }),
    public_key: checkPublicKey(b.public_key) as Record<string, unknown>,
  };
}
