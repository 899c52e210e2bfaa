/** Where a conversation about a request happens: a pull request's (or issue's) comments, or a commit's. */
export type Thread = { kind: 'pull'; number: number } | { kind: 'commit'; sha: string };

/**
 * A thread as one string, as the store keeps and finds it: `pull:42` (pull requests and issues
 * share their numbers), `commit:<sha>`.
 */
export const threadKey = (t: Thread): string => (t.kind === 'pull' ? `pull:${t.number}` : `commit:${t.sha}`);
