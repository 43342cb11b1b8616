/** @refractor/audio: Decode, downmix, resample to 48 kHz, window and compute CLAP log-mel features for the Refractor CDM, in Node and browsers. (Not built yet.) */
export {};
