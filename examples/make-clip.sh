#!/usr/bin/env bash
# Regenerates examples/clip.ogg: a 40 s synthetic stereo "song" (a chord
# progression over a pulsing bass and hi-hat noise) for the offline demo.
# Made from formulas, so it carries no one else's music. Needs ffmpeg.
set -euo pipefail
cd "$(dirname "$0")"
chord() { # root third fifth seconds
  echo "sine=f=$1:d=$4:r=44100,volume=0.25[a$5];sine=f=$2:d=$4:r=44100,volume=0.2[b$5];sine=f=$3:d=$4:r=44100,volume=0.2[c$5];[a$5][b$5][c$5]amix=inputs=3:normalize=0[ch$5]"
}
ffmpeg -hide_banner -loglevel error -y -filter_complex "\
$(chord 220 277.18 329.63 10 0);$(chord 196 246.94 293.66 10 1);$(chord 174.61 220 261.63 10 2);$(chord 164.81 207.65 246.94 10 3);\
[ch0][ch1][ch2][ch3]concat=n=4:v=0:a=1[prog];\
sine=f=55:d=40:r=44100,volume=0.5,tremolo=f=2:d=0.9[bass];\
anoisesrc=d=40:c=white:r=44100:a=0.08:seed=7,highpass=f=6000,tremolo=f=4:d=1[hat];\
[prog][bass][hat]amix=inputs=3:normalize=0,pan=stereo|c0=0.9*c0|c1=0.8*c0,alimiter=limit=0.9[out]" \
  -map '[out]' -c:a libvorbis -q:a 0 -fflags +bitexact -flags:a +bitexact -map_metadata -1 clip.ogg
ls -l clip.ogg
