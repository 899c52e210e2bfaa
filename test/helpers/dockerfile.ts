/** One instruction of a Dockerfile: `COPY --from=build /a ./` is `{ op: 'COPY', flags: { from: 'build' }, args: ['/a', './'] }`. */
export interface Instruction {
  op: string;
  flags: Record<string, string>;
  /** The arguments: the JSON form's items, or the words of the shell form. */
  args: string[];
  /** The text after the instruction and its flags, as written. */
  text: string;
}

export interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Parses a Dockerfile (line continuations, comments, flags, JSON and shell forms) into its stages. */
export function parseDockerfile(source: string): Stage[] {
  const lines = source
    .replace(/\\\r?\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const flags: Record<string, string> = {};
    let text = rest;
    for (let m; (m = /^--([a-z-]+)(?:=(\S+))?\s*/.exec(text)); text = text.slice(m[0].length))
      flags[m[1]!] = m[2] ?? 'true';
    const json = text.startsWith('[') ? (JSON.parse(text) as string[]) : undefined;
    const instruction = { op: op.toUpperCase(), flags, args: json ?? text.split(/\s+/), text };
    if (instruction.op === 'FROM') {
      const [from, as, name] = instruction.args;
      stages.push({ from: from!, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

/** `ENV a=1 b=2` of a stage, as variables. */
export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.op === 'ENV'))
    for (const pair of i.args) {
      const [key, ...value] = pair.split('=');
      env[key!] = value.join('=');
    }
  return env;
}

/** The last instruction `op` of a stage. */
export const last = (stage: Stage, op: string): Instruction | undefined =>
  stage.instructions.filter((i) => i.op === op).at(-1);
