// The Ogg page layout (RFC 3533) that both readers of raw pages use: ogg-end.ts, which checks
// whether a file was cut short, and ogg-vorbis.ts, which hands whole pages to the parser.

/** Bytes of an Ogg page header before its segment table. */
export const OGG_PAGE_HEADER_BYTES = 27;
/** Header flag of a logical stream's first page. */
export const OGG_BOS_FLAG = 0x02;
/** Header flag of a logical stream's last page. */
export const OGG_EOS_FLAG = 0x04;

/** Whether the capture pattern "OggS" starts at `at` in `bytes` (false where the bytes end first). */
export function isOggPageAt(bytes: Uint8Array, at: number): boolean {
  return bytes[at] === 0x4f && bytes[at + 1] === 0x67 && bytes[at + 2] === 0x67 && bytes[at + 3] === 0x53;
}
