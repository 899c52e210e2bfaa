// Holds every request and response of the simulator to GitHub's REST description.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Operation, SpecSubset } from './spec.ts';

// ajv-formats is CommonJS; its default export arrives as the module object under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const escape = (s: string): string => s.replaceAll('~', '~0').replaceAll('/', '~1');

function describe(errors: readonly ErrorObject[] | null | undefined, what: string): string[] {
  return (errors ?? [])
    .slice(0, 10)
    .map(
      (e) =>
        `${what}${e.instancePath} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
    );
}

export class SpecValidator {
  readonly #ajv: Ajv;
  readonly #params: Ajv;
  readonly #compiled = new Map<string, ValidateFunction>();

  constructor(spec: SpecSubset) {
    this.#ajv = addFormats(new Ajv({ strict: false, allErrors: true, validateSchema: false }));
    this.#ajv.addSchema(spec.document, 'github');
    this.#params = addFormats(new Ajv({ strict: false, coerceTypes: true, validateSchema: false }));
    this.#params.addSchema(spec.document, 'github');
  }

  #validator(ajv: Ajv, pointer: string): ValidateFunction {
    const key = `${ajv === this.#params ? 'p' : 'v'}${pointer}`;
    let v = this.#compiled.get(key);
    if (!v) {
      v = ajv.compile({ $ref: `github#${pointer}` });
      this.#compiled.set(key, v);
    }
    return v;
  }

  /** Problems with a request: path and query parameters, and the JSON body. */
  request(op: Operation, params: Record<string, string>, query: URLSearchParams, body: unknown): string[] {
    const problems: string[] = [];
    for (const p of op.parameters) {
      if (p.in === 'header') continue;
      const raw = p.in === 'path' ? params[p.name] : query.get(p.name);
      if (raw === undefined || raw === null) {
        if (p.required) problems.push(`${p.in} parameter ${p.name} is required`);
        continue;
      }
      const v = this.#validator(
        this.#params,
        `/operations/${escape(op.id)}/params/${escape(`${p.in}:${p.name}`)}`,
      );
      if (!v(raw)) problems.push(...describe(v.errors, `${p.in} parameter ${p.name}`));
    }
    const known = new Set(op.parameters.filter((p) => p.in === 'query').map((p) => p.name));
    for (const name of query.keys())
      if (!known.has(name)) problems.push(`query parameter ${name} is not in the description`);
    if (!op.hasBody) {
      if (body !== undefined) problems.push('this operation takes no request body');
      return problems;
    }
    if (body === undefined) {
      if (op.bodyRequired) problems.push('a JSON request body is required');
      return problems;
    }
    const v = this.#validator(this.#ajv, `/operations/${escape(op.id)}/body`);
    if (!v(body)) problems.push(...describe(v.errors, 'body'));
    return problems;
  }

  /** Problems with a response: a documented status, and a body that fits its schema. */
  response(op: Operation, status: number, body: unknown): string[] {
    const documented = op.responses[String(status)];
    if (documented === undefined) {
      // GitHub answers any route with these; the description leaves most of them out.
      if ([401, 403, 404, 422, 500, 502, 503].includes(status)) return this.#basicError(body);
      return [`status ${status} is not documented for ${op.id}`];
    }
    if (!documented) {
      // Documented without content; GitHub still sends its error object with a 4xx.
      if (body === undefined) return [];
      return status >= 400 ? this.#basicError(body) : [`status ${status} of ${op.id} has no body`];
    }
    const v = this.#validator(this.#ajv, `/operations/${escape(op.id)}/responses/${status}`);
    return v(body) ? [] : describe(v.errors, `response ${status}`);
  }

  #basicError(body: unknown): string[] {
    const b = body as { message?: unknown; documentation_url?: unknown } | undefined;
    return typeof b?.message === 'string' && typeof b.documentation_url === 'string'
      ? []
      : ["error response is not GitHub's { message, documentation_url }"];
  }
}
