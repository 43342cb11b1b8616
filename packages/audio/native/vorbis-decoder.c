/*
 * The C half of @refractor/audio's Ogg Vorbis decoder: libvorbis's synthesis calls, fed packets
 * that codec-parser framed in JS, compiled to WebAssembly by ../scripts/build-vorbis-wasm.sh.
 *
 * Why our own build rather than @audio/decode-vorbis's: that module is built for size, and its JS
 * glue crosses into WebAssembly and allocates arrays once per packet (~10,000 per song). This one
 * is built for speed (see the build script) and takes a whole batch of packets per call, appending
 * their samples to one buffer per channel; the samples are the same bits (test/ogg-vorbis.test.ts
 * compares them).
 *
 * The calls mirror that decoder's, because the samples depend on them: the identification header
 * with b_o_s set, an empty comment header (the stream's own is skipped), the setup header; then
 * per packet vorbis_synthesis, vorbis_synthesis_blockin, and every sample vorbis_synthesis_pcmout
 * has. Packets carry no granule position and no end-of-stream flag:
 * trimming the end is left to the JS side, which knows the last page's granule position.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <vorbis/codec.h>

#define EXPORT __attribute__((visibility("default")))

typedef struct {
  vorbis_info info;
  vorbis_comment comment;
  vorbis_dsp_state dsp;
  vorbis_block block;
  int started;          /* the dsp and block are initialised */
  int64_t packet_number;
  uint8_t *input;       /* the packets of one call, back to back */
  size_t input_capacity;
  float **output;       /* one buffer per channel, output_capacity samples each */
  size_t output_capacity;
  int errors;           /* packets libvorbis refused in the last vd_decode */
} Decoder;

/* A new decoder, or 0 when memory ran out. */
EXPORT Decoder *vd_create(void) {
  Decoder *d = calloc(1, sizeof(Decoder));
  if (!d) return 0;
  vorbis_info_init(&d->info);
  vorbis_comment_init(&d->comment);
  return d;
}

/* A buffer of at least `bytes` for the caller to fill (4-byte aligned); 0 when memory ran out. */
EXPORT uint8_t *vd_input(Decoder *d, size_t bytes) {
  if (bytes > d->input_capacity) {
    uint8_t *grown = realloc(d->input, bytes);
    if (!grown) return 0;
    d->input = grown;
    d->input_capacity = bytes;
  }
  return d->input;
}

static int header_in(Decoder *d, unsigned char *bytes, long length, int first) {
  ogg_packet packet = {0};
  packet.packet = bytes;
  packet.bytes = length;
  packet.b_o_s = first;
  packet.granulepos = -1;
  packet.packetno = d->packet_number++;
  return vorbis_synthesis_headerin(&d->info, &d->comment, &packet);
}

/*
 * Reads a header packet of `length` bytes from the input buffer, `first` for the one that should
 * be the identification header (it must carry the beginning-of-stream flag). 0, or libvorbis's
 * negative error code; a refused header changes nothing, as in the decoder this replaces.
 *
 * The stream's comment header is never passed in: as soon as the identification header is in, an
 * empty comment header is read instead, so that the setup header is accepted next.
 */
EXPORT int vd_header(Decoder *d, long length, int first) {
  /* "\x03vorbis", a 0-byte vendor, 0 comments, the framing bit. */
  static unsigned char empty_comment[] = {3, 'v', 'o', 'r', 'b', 'i', 's', 0, 0, 0, 0, 0, 0, 0, 0, 1};
  int error = header_in(d, d->input, length, first);
  if (!error && d->info.rate != 0 && d->comment.vendor == NULL) error = header_in(d, empty_comment, sizeof empty_comment, 0);
  return error;
}

/* Starts synthesis once the headers are in. 0, or nonzero when the headers were not usable. */
EXPORT int vd_start(Decoder *d) {
  if (d->started) return 0;
  if (d->info.channels <= 0 || vorbis_synthesis_init(&d->dsp, &d->info)) return 1;
  vorbis_block_init(&d->dsp, &d->block);
  d->started = 1;
  d->output = calloc(d->info.channels, sizeof(float *));
  return d->output ? 0 : 1;
}

EXPORT int vd_channels(Decoder *d) { return d->started ? d->info.channels : 0; }
EXPORT long vd_rate(Decoder *d) { return d->info.rate; }
EXPORT float *vd_channel(Decoder *d, int channel) { return d->output[channel]; }
EXPORT int vd_errors(Decoder *d) { return d->errors; }

/* Makes room for `samples` per channel in the output, keeping what is there. */
static int reserve(Decoder *d, size_t samples) {
  if (samples <= d->output_capacity) return 1;
  size_t capacity = d->output_capacity ? d->output_capacity : 4096;
  while (capacity < samples) capacity *= 2;
  for (int c = 0; c < d->info.channels; c++) {
    float *grown = realloc(d->output[c], capacity * sizeof(float));
    if (!grown) return 0;
    d->output[c] = grown;
  }
  d->output_capacity = capacity;
  return 1;
}

/*
 * Decodes `count` packets from the input buffer, which holds their lengths (`count` 32-bit
 * words) followed by the packets back to back, and returns how many samples per channel they gave (read them with vd_channel), or -1 when memory
 * ran out. Packets libvorbis refuses are counted in vd_errors.
 */
EXPORT long vd_decode(Decoder *d, int count) {
  d->errors = 0;
  if (!d->started) {
    d->errors = count;
    return 0;
  }
  size_t samples = 0;
  const uint32_t *lengths = (const uint32_t *)d->input;
  unsigned char *at = d->input + 4 * (size_t)count;
  for (int i = 0; i < count; i++) {
    ogg_packet packet = {0};
    packet.packet = at;
    packet.bytes = lengths[i];
    packet.granulepos = -1;
    packet.packetno = d->packet_number++;
    at += lengths[i];
    /* As the decoder this replaces: the block goes in even when synthesis refused the packet
       (libvorbis's vorbisfile would skip it; on intact streams nothing is refused). */
    int refused = vorbis_synthesis(&d->block, &packet) != 0;
    refused |= vorbis_synthesis_blockin(&d->dsp, &d->block) != 0;
    d->errors += refused;
    float **pcm;
    int ready;
    while ((ready = vorbis_synthesis_pcmout(&d->dsp, &pcm)) > 0) {
      if (!reserve(d, samples + ready)) return -1;
      for (int c = 0; c < d->info.channels; c++) memcpy(d->output[c] + samples, pcm[c], ready * sizeof(float));
      samples += ready;
      vorbis_synthesis_read(&d->dsp, ready);
    }
  }
  return (long)samples;
}

EXPORT void vd_destroy(Decoder *d) {
  if (!d) return;
  if (d->started) {
    for (int c = 0; c < d->info.channels; c++) free(d->output[c]);
    free(d->output);
    vorbis_block_clear(&d->block);
    vorbis_dsp_clear(&d->dsp);
  }
  vorbis_comment_clear(&d->comment);
  vorbis_info_clear(&d->info);
  free(d->input);
  free(d);
}
