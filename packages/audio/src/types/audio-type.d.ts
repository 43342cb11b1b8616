// audio-type ships no type declarations.
declare module 'audio-type' {
  /** Detects an audio format from a file's leading bytes; undefined when unknown. */
  export default function audioType(bytes: Uint8Array | ArrayBuffer): string | undefined;
}
