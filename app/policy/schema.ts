import type { ValidateFunction } from 'ajv/dist/2020.js';
import policySchema from '../../policies.schema.json' with { type: 'json' };
import testSchema from '../../policy-tests.schema.json' with { type: 'json' };
import type { ExplainRequest, PolicyTestFile } from './tests-types.generated.ts';
import type { Policy, PolicyFile } from './types.generated.ts';
import * as validators from './validators.generated.ts';

// The validators are precompiled from the schemas (`npm run schema:sync`, Ajv's standalone code
// with allErrors, verbose and strict): no run compiles a schema. A test checks they are current.
const as = <T>(v: unknown): ValidateFunction<T> => v as ValidateFunction<T>;

export const policyFileValidator = (): ValidateFunction<PolicyFile> => as(validators.policyFile);
/** One policy (an entry of `policies:`), for the policies of a file that failed the schema. */
export const policyValidator = (): ValidateFunction<Policy> => as(validators.policy);
export const policyTestFileValidator = (): ValidateFunction<PolicyTestFile> => as(validators.testFile);
export const explainRequestValidator = (): ValidateFunction<ExplainRequest> => as(validators.request);

export { policySchema, testSchema };
