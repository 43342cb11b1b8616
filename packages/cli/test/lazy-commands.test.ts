import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { Command, Help } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS, commandsToLoad } from '../src/command-table.js';
import { createContext } from '../src/context.js';
import { BIN, runRefractor } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'refractor-lazy-'));
const CLIP = resolve(import.meta.dirname, '../../../examples/clip.ogg');

// A module-resolution hook that appends every resolved URL to a file: an
// independent record of what a run really loaded, whatever the bundler did.
const hooks = join(work, 'hooks.mjs');
writeFileSync(
  hooks,
  `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.LOADED_LOG, result.url + '\\n');
  return result;
}
`,
);
const register = join(work, 'register.mjs');
writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);

/** The module URLs `refractor …args` resolved. */
function loadedBy(args: string[]): string[] {
  const log = join(work, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(log, '');
  const run = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, BIN, ...args], {
    env: { ...process.env, LOADED_LOG: log },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

const packageOf = (url: string): string | undefined => /\/(?:packages|@refractor)\/(node|server|queue|train)\/dist\//.exec(url)?.[1];

describe('refractor loads a command only when it runs', { timeout: 120_000 }, () => {
  it('--version loads no model runtime and no server, queue or training code', () => {
    const loaded = loadedBy(['--version']);
    expect(loaded.length).toBeGreaterThan(3);
    expect(loaded.filter((url) => packageOf(url) || /onnxruntime/.test(url))).toEqual([]);
  });

  it('score loads @refractor/node but no server, queue or training code', () => {
    const loaded = loadedBy(['score', CLIP, '--models', 'tiny', '--quiet']);
    const packages = new Set(loaded.map(packageOf).filter(Boolean));
    expect([...packages]).toEqual(['node']);
  });

  it('lists every command in --help, with the same terms and descriptions as the loaded modules', async () => {
    const help = runRefractor(['--help']).stdout;
    const context = createContext(process.stdout, process.stderr);
    const program = new Command('refractor');
    for (const entry of COMMANDS) {
      const command = (await entry.load())(context, program);
      expect(command.name()).toBe(entry.name);
      expect(command.description()).toBe(entry.description);
      expect(new Help().subcommandTerm(command)).toBe([entry.name, entry.term].filter(Boolean).join(' '));
      expect(help).toContain(`  ${[entry.name, entry.term].filter(Boolean).join(' ')} `);
    }
  });

  it('picks the command from the arguments', () => {
    expect(commandsToLoad(['-q', 'score', 'a.ogg'])).toEqual(['score']);
    expect(commandsToLoad(['--version'])).toEqual([]);
    expect(commandsToLoad(['help', 'train'])).toEqual(['train']);
    expect(commandsToLoad(['nope'])).toEqual([]);
    expect(commandsToLoad(['completion', 'bash'])).toEqual(COMMANDS.map((entry) => entry.name));
  });
});
