#!/usr/bin/env node
/**
 * `pnpm lint`'s README step: every marked TypeScript/JavaScript example of the
 * package READMEs type-checks (strict) against the built packages' .d.ts.
 * Exit 1 with each error (README file and line) on stderr.
 */
import { typecheckReadmeExamples, workspaceReadmeExamples } from './lib/readme-typecheck.mjs';

const examples = workspaceReadmeExamples();
const errors = typecheckReadmeExamples(examples);
for (const error of errors) console.error(error);
if (errors.length > 0) {
  console.error(`${errors.length} type error(s) in README examples (build the packages first: pnpm build)`);
  process.exitCode = 1;
} else {
  console.error(`README examples: ${examples.length} type-check`);
}
