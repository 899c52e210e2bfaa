// A strict reader of Prometheus's text exposition format (0.0.4): what a scrape would refuse, or
// silently read another way, is an error here, with its line.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string | undefined;
  samples: Sample[];
}

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<Family['type'], string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

function value(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`"${text}" is not a number`);
  return Number(text);
}

/** `{a="1",b="x\"y"}` read character by character (values may hold `,`, `}` and escapes). */
function labels(text: string): [Record<string, string>, string] {
  const out: Record<string, string> = {};
  let i = 1;
  while (text[i] !== '}') {
    const eq = text.indexOf('=', i);
    const name = text.slice(i, eq);
    if (!LABEL.test(name) || name.startsWith('__')) throw new Error(`bad label name "${name}"`);
    if (name in out) throw new Error(`label ${name} twice`);
    if (text[eq + 1] !== '"') throw new Error(`label ${name}: value not quoted`);
    let v = '';
    for (i = eq + 2; text[i] !== '"'; i++) {
      if (i >= text.length) throw new Error(`label ${name}: unterminated value`);
      if (text[i] === '\\') {
        const e = text[++i];
        if (e === 'n') v += '\n';
        else if (e === '\\' || e === '"') v += e;
        else throw new Error(`label ${name}: bad escape \\${e}`);
      } else v += text[i];
    }
    out[name] = v;
    i++;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`after label ${name}: "${text[i]}"`);
  }
  return [out, text.slice(i + 1)];
}

/** Every family of the exposition, in order; throws at the first line Prometheus would not take. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const series = new Set<string>();
  let current: Family | undefined;
  if (!text.endsWith('\n')) throw new Error('the exposition does not end with a newline');
  text
    .slice(0, -1)
    .split('\n')
    .forEach((line, n) => {
      const at = (problem: string) => new Error(`line ${n + 1}: ${problem}: ${line}`);
      try {
        const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
        if (meta) {
          const [, kind, name, rest] = meta as unknown as [string, string, string, string];
          if (!METRIC.test(name)) throw at('bad metric name');
          let f = families.get(name);
          if (!f) {
            f = { name, type: 'untyped', help: undefined, samples: [] };
            families.set(name, f);
          } else if (f !== current) throw at('a family continued after another began');
          if (f.samples.length > 0) throw at(`${kind} after the family's samples`);
          if (kind === 'HELP') {
            if (f.help !== undefined) throw at('HELP twice');
            f.help = rest;
          } else {
            if (!TYPES.has(rest)) throw at('unknown type');
            if ((f as { typed?: boolean }).typed) throw at('TYPE twice');
            Object.assign(f, { type: rest, typed: true });
          }
          current = f;
          return;
        }
        if (line.startsWith('#') || line === '') return;
        const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
        if (!name) throw at('no metric name');
        const [l, rest] =
          line[name.length] === '{' ? labels(line.slice(name.length)) : [{}, line.slice(name.length)];
        const parts = rest.trim().split(/\s+/);
        if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2)
          throw at('not "name value [timestamp]"');
        if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw at('bad timestamp');
        const family =
          current && SUFFIXES[current.type].some((s) => `${current!.name}${s}` === name)
            ? current
            : undefined;
        if (!family) throw at(`a sample of no family declared just before it (${current?.name ?? 'none'})`);
        const key = `${name}${JSON.stringify(Object.entries(l).sort())}`;
        if (series.has(key)) throw at('the same series twice');
        series.add(key);
        if (family.type === 'histogram' && name.endsWith('_bucket') && l.le === undefined)
          throw at('a bucket without le');
        family.samples.push({ name, labels: l, value: value(parts[0]!) });
      } catch (err) {
        throw (err as Error).message.startsWith('line ') ? err : at((err as Error).message);
      }
    });
  for (const f of families.values()) {
    if (f.type !== 'histogram') continue;
    const count = f.samples.filter((s) => s.name === `${f.name}_count`);
    for (const c of count) {
      const same = (s: Sample) => Object.entries(c.labels).every(([k, v]) => s.labels[k] === v);
      const buckets = f.samples.filter((s) => s.name === `${f.name}_bucket` && same(s));
      const values = buckets.map((b) => b.value);
      if (values.some((v, i) => i > 0 && v < values[i - 1]!)) throw new Error(`${f.name}: buckets decrease`);
      if (buckets.at(-1)?.labels.le !== '+Inf' || buckets.at(-1)!.value !== c.value)
        throw new Error(`${f.name}: the +Inf bucket is not the count`);
    }
  }
  return families;
}
