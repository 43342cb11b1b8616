/** A block of decoded audio: one Float32Array per channel, equal lengths. */
export interface PcmBlock {
  channels: Float32Array[];
  sampleRate: number;
}

/** What is known about a stream once its header has been read. */
export interface StreamFormat {
  sampleRate: number;
  channelCount: number;
}
