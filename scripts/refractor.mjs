#!/usr/bin/env node
/**
 * `pnpm refractor …` (the root script): the built CLI, run from the directory the
 * user typed the command in. pnpm runs package scripts in the workspace root and
 * passes the user's directory as INIT_CWD, so without this a relative path
 * (`pnpm refractor score ../song.ogg`) would be read from the root.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'cli', 'dist', 'bin.js');
if (process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
await import(pathToFileURL(bin).href);
