// `${{ }}` templates and `if:` conditions, evaluated with GitHub's own expression engine.
import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { truthy } from '@actions/expressions/result';

export type Contexts = Record<string, unknown>;
export type JobStatus = 'success' | 'failure' | 'cancelled';

const CONTEXTS = [
  'github',
  'env',
  'inputs',
  'steps',
  'runner',
  'job',
  'secrets',
  'vars',
  'strategy',
  'matrix',
];

function statusFunctions(status: JobStatus): Map<string, FunctionDefinition> {
  const fn = (name: string, value: () => boolean): [string, FunctionDefinition] => [
    name,
    { name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(value()) },
  ];
  return new Map([
    fn('success', () => status === 'success'),
    fn('failure', () => status === 'failure'),
    fn('cancelled', () => status === 'cancelled'),
    fn('always', () => true),
  ]);
}

function evaluate(expression: string, contexts: Contexts, status: JobStatus): data.ExpressionData {
  const lexed = new Lexer(expression).lex();
  const functions = statusFunctions(status);
  const expr = new Parser(lexed.tokens, CONTEXTS, [...functions.values()]).parse();
  const context = JSON.parse(JSON.stringify(contexts), data.reviver) as data.Dictionary;
  return new Evaluator(expr, context, functions).evaluate();
}

/** Replaces each `${{ expr }}` in `text` with the expression's string value. */
export function interpolate(text: string, contexts: Contexts, status: JobStatus = 'success'): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expr: string) =>
    evaluate(expr.trim(), contexts, status).coerceString(),
  );
}

const STATUS_CHECK = /\b(success|failure|cancelled|always)\s*\(/;

/** An `if:` condition as the runner evaluates it: implicit `success() &&` unless a status function is used. */
export function condition(text: string | undefined, contexts: Contexts, status: JobStatus): boolean {
  if (text === undefined || text.trim() === '') return status === 'success';
  let expr = text.trim();
  const wrapped = /^\$\{\{([\s\S]*)\}\}$/.exec(expr);
  if (wrapped) expr = wrapped[1]!.trim();
  if (!STATUS_CHECK.test(expr)) expr = `success() && (${expr})`;
  return truthy(evaluate(expr, contexts, status));
}
