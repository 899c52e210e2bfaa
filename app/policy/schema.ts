import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import policySchema from '../../policies.schema.json' with { type: 'json' };
import testSchema from '../../policy-tests.schema.json' with { type: 'json' };
import type { ExplainRequest, PolicyTestFile } from './tests-types.generated.ts';
import type { Policy, PolicyFile } from './types.generated.ts';

let ajv: Ajv2020 | undefined;

/** The compiled validators, built on first use (no work at import time) and then cached. */
function getAjv(): Ajv2020 {
  if (!ajv) {
    ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true });
    ajv.addSchema(policySchema).addSchema(testSchema);
  }
  return ajv;
}

function validator<T>(ref: string): ValidateFunction<T> {
  const validate = getAjv().getSchema<T>(ref);
  if (!validate) throw new Error(`schema ${ref} is not registered`);
  return validate;
}

export const policyFileValidator = (): ValidateFunction<PolicyFile> => validator(policySchema.$id);
/** One policy (an entry of `policies:`), for the policies of a file that failed the schema. */
export const policyValidator = (): ValidateFunction<Policy> => validator(`${policySchema.$id}#/$defs/policy`);
export const policyTestFileValidator = (): ValidateFunction<PolicyTestFile> => validator(testSchema.$id);
export const explainRequestValidator = (): ValidateFunction<ExplainRequest> =>
  validator(`${testSchema.$id}#/$defs/request`);

export { policySchema, testSchema };
