/**
 * Every marked README example type-checks against the built packages' .d.ts
 * (strict), and the check catches a property that does not exist — the train
 * example once printed `result.valMetrics?.accuracy`, which is `undefined` at run time.
 */
import { describe, expect, it } from 'vitest';
import { typecheckReadmeExamples, workspaceReadmeExamples } from '../lib/readme-typecheck.mjs';

describe('README examples type-check against the built packages', () => {
  it('every marked TypeScript/JavaScript example of every package README passes a strict type-check', () => {
    const examples = workspaceReadmeExamples();
    expect(examples.map((e) => e.where)).toEqual(
      expect.arrayContaining(['core', 'audio', 'node', 'train', 'server', 'web', 'queue'].map((p) => expect.stringMatching(new RegExp(`^packages/${p}/README\\.md:`)))),
    );
    expect(typecheckReadmeExamples(examples)).toEqual([]);
  });

  it('a wrong property, a wrong import and a wrong argument type are reported with the README line', () => {
    const errors = typecheckReadmeExamples([
      {
        where: 'packages/train/README.md:22',
        lang: 'ts',
        code: [
          "import { trainCdm } from '@refractor/train';",
          'const result = await trainCdm({ features: new Float32Array(1280), inputDim: 1280, labels: [0], songIds: ["a"] });',
          'console.log(result.valMetrics?.accuracy);',
        ].join('\n'),
      },
      { where: 'packages/core/README.md:18', lang: 'ts', code: "import { noSuchExport } from '@refractor/core';\nconsole.log(noSuchExport);\n" },
      { where: 'packages/core/README.md:40', lang: 'js', code: "import { lookupColor } from '@refractor/core';\nlookupColor(42);\n" },
    ]);
    expect(errors).toEqual([
      expect.stringMatching(/^packages\/train\/README\.md:25: Property 'accuracy' does not exist on type 'ValidationMetrics'/),
      expect.stringMatching(/^packages\/core\/README\.md:19: Module '"@refractor\/core"' has no exported member 'noSuchExport'/),
      expect.stringMatching(/^packages\/core\/README\.md:42: Argument of type 'number' is not assignable/),
    ]);
  });
});
