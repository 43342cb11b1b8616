#!/usr/bin/env node
import { exitQuietlyOnBrokenPipe } from './broken-pipe.js';
import { runCli } from './program.js';

exitQuietlyOnBrokenPipe();
process.exitCode = await runCli(process.argv);
