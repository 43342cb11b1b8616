/** Types of `make-tiny-models.mjs` (the tiny set generator) for tests. See that file for the docs. */
export declare function tinyBaseModel(options?: { soundsLike?: boolean }): Uint8Array;
export declare function writeTinyModels(outDir: string): Record<string, { repo: string; revision: string; path: string; size: number; sha256: string }>;
