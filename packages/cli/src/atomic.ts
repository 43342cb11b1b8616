// One implementation for the CLI and the library (the concept cache writes the same way).
export { temporaryPathFor, writeFileAtomic } from '@refractor/node';
