// A world described as data, for the simulator started as a child process (and the demo).
import type { World } from './world.ts';

export interface Seed {
  repos?: { name: string; files?: Record<string, string>; defaultBranch?: string; private?: boolean }[];
  /** Accounts to install the app on (all their repositories). */
  install?: string[];
  teams?: Record<string, { active?: string[]; pending?: string[] }>;
  users?: string[];
}

export function applySeed(world: World, seed: Seed): void {
  for (const login of seed.users ?? []) world.addUser(login);
  for (const r of seed.repos ?? []) world.addRepo(r.name, r);
  for (const account of seed.install ?? []) world.install(account);
  for (const [team, members] of Object.entries(seed.teams ?? {})) world.addTeam(team, members);
}
