// `npm run demo`'s command line: the scenario and who approves, and a clean stop on Ctrl-C (the
// demo's temporary files go with it).
import { SCENARIOS, startDemo, type Scenario } from './run-demo.ts';
import { DEMO_USERS } from './sandbox.ts';

/** Resolves on the first SIGINT or SIGTERM (a terminal's Ctrl-C reaches the launcher and the demo: twice). */
function interrupted(): { signalled: Promise<void>; forget: () => void } {
  let stop!: () => void;
  const signalled = new Promise<void>((r) => (stop = r));
  process.on('SIGINT', stop).on('SIGTERM', stop);
  return { signalled, forget: () => void process.off('SIGINT', stop).off('SIGTERM', stop) };
}

/**
 * Takes the command line; returns the exit code. `stayUp`: keep the sandbox open after the job ends
 * until Ctrl-C (a person at a terminal who approves in the browser).
 */
export async function main(
  argv: string[],
  print = (l: string) => console.log(l),
  stayUp = false,
): Promise<number> {
  let scenario: Scenario = 'approve';
  let approveAs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--scenario') {
      const s = argv[++i] ?? '';
      if (!(s in SCENARIOS)) {
        print(`unknown scenario "${s}": use one of ${Object.keys(SCENARIOS).join(', ')}`);
        return 2;
      }
      scenario = s as Scenario;
    } else if (arg === '--approve-as') {
      approveAs = (argv[++i] ?? '').split(',').filter(Boolean);
      const unknown = approveAs.filter((u) => !DEMO_USERS.includes(u));
      if (unknown.length > 0 || approveAs.length === 0) {
        print(
          `${unknown.length > 0 ? `unknown demo user "${unknown.join('", "')}"` : '--approve-as needs a user'}: use one or more of ${DEMO_USERS.join(', ')} (comma-separated)`,
        );
        return 2;
      }
    } else {
      print(
        `usage: npm run demo -- [--scenario ${Object.keys(SCENARIOS).join('|')}] [--approve-as user[,user]]`,
      );
      return 2;
    }
  }
  if (scenario === 'quorum' && approveAs.length === 1)
    approveAs.push(approveAs[0] === 'bob' ? 'carol' : 'bob');
  const demo = await startDemo({ scenario, approveAs, print });
  const { signalled, forget } = interrupted();
  let stopped = false;
  try {
    const outcome = await Promise.race([demo.done, signalled.then(() => undefined)]);
    if (!outcome) {
      // The handlers stay: the launcher passes the terminal's Ctrl-C on, and that second SIGINT may
      // come after this one was handled; with no handler left it would kill the demo mid-cleanup.
      stopped = true;
      print('\nStopped (Ctrl-C): the demo removed its temporary files.');
      return 130;
    }
    const { ok, result, timeline } = outcome;
    print('\nTimeline');
    for (const line of timeline) print(`  ${line}`);
    const denied = result.outputs.status === 'denied' && SCENARIOS[scenario].expect !== 'denied';
    print(
      denied && ok
        ? `\nThe job was denied by a vote, as you chose: the "${scenario}" scenario worked.`
        : ok
          ? `\nThe "${scenario}" scenario ended as it should.`
          : `\nThe "${scenario}" scenario did not end as expected.`,
    );
    if (stayUp) {
      print(`\nThe job finished. The sandbox stays up at ${demo.sandboxUrl} until you press Ctrl-C.`);
      await signalled;
    }
    return ok ? 0 : 1;
  } finally {
    if (!stopped) forget();
    await demo.stop(); // ends the job, then removes DATA_DIR and the runner's files
  }
}
