import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseOptions, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The layers of .dependency-cruiser.cjs (`npm run lint` runs the same rules): no circles, no import
// from a higher layer, type-only imports included. The second case proves the rules bite.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let options: ICruiseOptions;
beforeAll(async () => {
  options = await extractDepcruiseOptions(join(ROOT, '.dependency-cruiser.cjs'));
});

const cruiseApp = async (baseDir: string): Promise<ICruiseResult> =>
  (await cruise(['app'], { ...options, baseDir })).output as ICruiseResult;

const violationsOf = (result: ICruiseResult): { rule: string; from: string; to: string }[] =>
  result.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));

describe('the app imports one way', () => {
  it('has no circles and no upward imports', async () => {
    const result = await cruiseApp(ROOT);
    expect(violationsOf(result)).toEqual([]);
    // It did cruise the tree, type-only imports too.
    expect(result.summary.totalCruised).toBeGreaterThan(200);
    const typeOnly = result.modules.flatMap((m) =>
      m.dependencies.filter((d) => d.dependencyTypes.includes('type-only')),
    );
    expect(typeOnly.length).toBeGreaterThan(100);
  });

  describe('on a tree with an upward import', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'layers-'));
      const files: Record<string, string> = {
        'app/domain/x.ts': "import { y } from '../service/y.ts';\nexport const x = y + 1;\n",
        'app/domain/z.ts': "import type { Y } from '../service/y.ts';\nexport type Z = Y;\n",
        'app/service/y.ts': 'export const y = 1;\nexport type Y = number;\n',
      };
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), text);
      }
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('reports exactly that import, and a type-only one too', async () => {
      const found = violationsOf(await cruiseApp(dir));
      expect(found).toHaveLength(2);
      expect(found).toEqual(
        expect.arrayContaining([
          { rule: 'domain-below-adapters', from: 'app/domain/x.ts', to: 'app/service/y.ts' },
          { rule: 'domain-below-adapters', from: 'app/domain/z.ts', to: 'app/service/y.ts' },
        ]),
      );
    });
  });
});
