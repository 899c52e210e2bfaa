/**
 * Text the step prints, made inert for the runner: it processes workflow commands in every line a
 * step writes, in two forms: `::name::data` at the start of a line, and the legacy `##[name]data`
 * anywhere in a line. Either could run `stop-commands` and switch off the masking of every later
 * secret. So a string that reaches the log (an input such as `reason`, or anything the app sent)
 * stays on its line and holds no command: `%`, CR and LF are escaped as the runner escapes command
 * data, every `##[` becomes `#%23[`, and a leading `::` becomes `%3A:`.
 */
export function inert(text: string): string {
  const oneLine = text
    .replaceAll('%', '%25')
    .replaceAll('\r', '%0D')
    .replaceAll('\n', '%0A')
    .replaceAll('##[', '#%23[');
  return oneLine.trimStart().startsWith('::') ? oneLine.replace('::', '%3A:') : oneLine;
}
