import { explainRequestValidator } from '../policy/schema.ts';
import { evaluate } from '../policy/evaluate.ts';
import { parseSchemaFile } from '../policy/parse-file.ts';
import { toScenario } from '../policy/scenario.ts';
import type { Io } from './io.ts';
import { readFileCapped } from './read-dir.ts';
import { renderDecision } from './render-decision.ts';
import { renderErrors } from './render-errors.ts';
import { loadPolicySet } from './policy-set.ts';

/**
 * `jit-approvals explain`: evaluates one request file against the policies in `policyDir` (default
 * `.approvals`, which may then be missing when `orgDir` is given), under the organization's in
 * `orgDir`; 0 when a decision was printed, 1 on invalid input.
 */
export async function explainCommand(
  policyDir: string | undefined,
  requestFile: string,
  json: boolean,
  io: Io,
  orgDir?: string,
): Promise<number> {
  const { result: policies } = await loadPolicySet(policyDir ?? '.approvals', orgDir, io, {
    optional: policyDir === undefined,
  });
  const parsed = parseSchemaFile(await readFileCapped(requestFile), explainRequestValidator());
  const converted = parsed.ok ? toScenario(parsed.value, requestFile, parsed.map, '') : undefined;
  const errors = [
    ...(policies.ok ? [] : policies.errors),
    ...(parsed.ok ? [] : parsed.errors),
    ...(converted && !converted.ok ? [converted.error] : []),
  ];
  if (!policies.ok || !converted?.ok) {
    io.stdout(renderErrors(errors, json ? 'json' : 'text'));
    io.stderr(`${errors.length} error(s): nothing was evaluated`);
    return 1;
  }
  const { request, votes, membership, time, signals } = converted.scenario;
  const decision = evaluate(policies.policies, request, votes, membership, time ?? io.now(), signals);
  io.stdout(json ? JSON.stringify(decision, null, 2) : renderDecision(decision));
  return 0;
}
