// Builds response objects that GitHub's description accepts: the simulator's own values where
// it models them, and for every other required field the plainest value its schema allows.
import type { SpecSubset } from './spec.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

export class Synthesizer {
  readonly #schemas: Json;
  readonly baseUrl: () => string;
  readonly now: () => Date;

  constructor(spec: SpecSubset, baseUrl: () => string, now: () => Date) {
    this.#schemas = (spec.document.components as { schemas: Json }).schemas;
    this.baseUrl = baseUrl;
    this.now = now;
  }

  #resolve(schema: unknown): Json {
    let s = schema as Json;
    while (typeof s?.$ref === 'string') s = this.#schemas[(s.$ref as string).split('/').pop()!] as Json;
    if (Array.isArray(s?.allOf)) {
      const parts = (s.allOf as unknown[]).map((p) => this.#resolve(p));
      return {
        type: 'object',
        properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})),
        required: parts.flatMap((p) => (p.required as string[] | undefined) ?? []),
      };
    }
    const choices = (s?.anyOf ?? s?.oneOf) as unknown[] | undefined;
    if (choices) {
      const first = choices.map((c) => this.#resolve(c)).find((c) => c.type !== 'null');
      return first ?? { type: 'null' };
    }
    return s ?? {};
  }

  #scalar(s: Json, name: string): unknown {
    if (Array.isArray(s.enum)) return s.enum.find((v) => v !== null) ?? null;
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (types.includes('null')) return null;
    const type = types[0] ?? (s.properties ? 'object' : 'string');
    switch (type) {
      case 'integer':
      case 'number':
        return typeof s.minimum === 'number' ? s.minimum : 0;
      case 'boolean':
        return false;
      case 'array':
        return [];
      case 'object':
        return this.#object(s, {});
      default:
        if (s.format === 'date-time')
          return this.now()
            .toISOString()
            .replace(/\.\d{3}Z$/, 'Z');
        if (s.format === 'uri' || name.endsWith('url')) return `${this.baseUrl()}/_placeholder/${name}`;
        if (s.format === 'email') return 'noreply@example.com';
        return '';
    }
  }

  #object(s: Json, values: Json): Json {
    const props = (s.properties ?? {}) as Json;
    const out: Json = {};
    for (const key of (s.required as string[] | undefined) ?? []) {
      if (!(key in values)) out[key] = this.#value(props[key], undefined, key);
    }
    for (const [key, v] of Object.entries(values)) out[key] = this.#value(props[key], v, key);
    return out;
  }

  #value(schema: unknown, value: unknown, name: string): unknown {
    const choices = ((schema as Json | undefined)?.anyOf ?? (schema as Json | undefined)?.oneOf) as
      Json[] | undefined;
    if (value === undefined && choices?.some((c) => c.type === 'null')) return null;
    const s = this.#resolve(schema);
    if (value === undefined) return this.#scalar(s, name);
    if (isObject(value) && (s.properties || s.type === 'object')) return this.#object(s, value);
    if (Array.isArray(value) && s.items) return value.map((v) => this.#value(s.items, v, name));
    return value;
  }

  /** An instance of `#/components/schemas/<name>` with `values` filled in. */
  build<T = Json>(name: string, values: Json = {}): T {
    return this.#object(this.#resolve({ $ref: `#/components/schemas/${name}` }), values) as T;
  }
}
