;; WebAssembly SIMD versions of the resampler's dot products (kernels.ts), bit-identical to them.
;; Built into simd-kernel-bytes.ts by scripts/build-simd-kernel.mjs (wabt's wat2wasm, pinned);
;; edit this file, then run `node packages/audio/scripts/build-simd-kernel.mjs`.
;;
;; Why f64x2 and not f32x4: the JS kernels multiply float32 samples by float32 coefficients and
;; accumulate in float64 (JS numbers), rounding to float32 only at the store. To give the same bits
;; we do exactly that. The caller hands us the history and the coefficients already widened to
;; float64 (exact), so each product is the same exact float64 product JS forms, and each lane of an
;; accumulator is one of JS's accumulators, added to in the same order:
;;   exact:        lanes (s0, s1) and (s2, s3), s_j = taps t ≡ j (mod 4) in increasing t;
;;                 out = (s0 + s1) + (s2 + s3)
;;   interpolated: lanes (a0, a1) row q and (b0, b1) row q + 1, a_j = taps t ≡ j (mod 2);
;;                 out = lower + (upper − lower) · blend, lower = a0 + a1, upper = b0 + b1
;; WebAssembly has no fused multiply-add in these instructions, as JS has none, so every
;; intermediate rounds as in JS.
;;
;; Memory (owned by the module, grown by the caller): float64 coefficient rows at `coef`, float64
;; history at `hist`, float32 outputs written at `out`; all byte offsets.
(module
  (memory (export "memory") 1)

  ;; convolveExact: `count` outputs, output k using row `phase` and taps from `firstTap`.
  (func (export "exact")
    (param $coef i32) (param $hist i32) (param $out i32) (param $taps i32)
    (param $phases i32) (param $stepWhole i32) (param $stepPhase i32)
    (param $firstTap i32) (param $phase i32) (param $count i32)
    (local $x i32) (local $c i32) (local $xEnd i32) (local $outEnd i32) (local $rowBytes i32)
    (local $acc01 v128) (local $acc23 v128)
    (local.set $rowBytes (i32.shl (local.get $taps) (i32.const 3)))
    (local.set $outEnd (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $out) (local.get $outEnd)))
      (loop $outputs
        (local.set $x (i32.add (local.get $hist) (i32.shl (local.get $firstTap) (i32.const 3))))
        (local.set $c (i32.add (local.get $coef) (i32.mul (local.get $phase) (local.get $rowBytes))))
        (local.set $xEnd (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $acc01 (v128.const f64x2 0 0))
        (local.set $acc23 (v128.const f64x2 0 0))
        ;; taps is a multiple of 4 and at least 4: 4 taps (32 bytes) per step.
        (loop $taps4
          (local.set $acc01 (f64x2.add (local.get $acc01)
            (f64x2.mul (v128.load (local.get $x)) (v128.load (local.get $c)))))
          (local.set $acc23 (f64x2.add (local.get $acc23)
            (f64x2.mul (v128.load offset=16 (local.get $x)) (v128.load offset=16 (local.get $c)))))
          (local.set $x (i32.add (local.get $x) (i32.const 32)))
          (local.set $c (i32.add (local.get $c) (i32.const 32)))
          (br_if $taps4 (i32.lt_u (local.get $x) (local.get $xEnd))))
        (f32.store (local.get $out)
          (f32.demote_f64
            (f64.add
              (f64.add (f64x2.extract_lane 0 (local.get $acc01)) (f64x2.extract_lane 1 (local.get $acc01)))
              (f64.add (f64x2.extract_lane 0 (local.get $acc23)) (f64x2.extract_lane 1 (local.get $acc23))))))
        (local.set $firstTap (i32.add (local.get $firstTap) (local.get $stepWhole)))
        (local.set $phase (i32.add (local.get $phase) (local.get $stepPhase)))
        (if (i32.ge_s (local.get $phase) (local.get $phases))
          (then
            (local.set $phase (i32.sub (local.get $phase) (local.get $phases)))
            (local.set $firstTap (i32.add (local.get $firstTap) (i32.const 1)))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $outputs (i32.lt_u (local.get $out) (local.get $outEnd))))))

  ;; convolveInterpolated: rows q = floor(phase · P / L) and q + 1, blended.
  (func (export "interpolated")
    (param $coef i32) (param $hist i32) (param $out i32) (param $taps i32) (param $rowsPerSample i32)
    (param $phases i32) (param $stepWhole i32) (param $stepPhase i32)
    (param $firstTap i32) (param $phase i32) (param $count i32)
    (local $x i32) (local $c i32) (local $xEnd i32) (local $outEnd i32) (local $rowBytes i32)
    (local $position f64) (local $row f64) (local $lower f64) (local $upper f64)
    (local $accA v128) (local $accB v128) (local $xv v128)
    (local.set $rowBytes (i32.shl (local.get $taps) (i32.const 3)))
    (local.set $outEnd (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (br_if $done (i32.ge_u (local.get $out) (local.get $outEnd)))
      (loop $outputs
        ;; As JS: (phase * rowsPerSample) / phases in float64, then floor.
        (local.set $position
          (f64.div
            (f64.mul (f64.convert_i32_s (local.get $phase)) (f64.convert_i32_s (local.get $rowsPerSample)))
            (f64.convert_i32_s (local.get $phases))))
        (local.set $row (f64.floor (local.get $position)))
        (local.set $x (i32.add (local.get $hist) (i32.shl (local.get $firstTap) (i32.const 3))))
        (local.set $c (i32.add (local.get $coef) (i32.mul (i32.trunc_f64_s (local.get $row)) (local.get $rowBytes))))
        (local.set $xEnd (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $accA (v128.const f64x2 0 0))
        (local.set $accB (v128.const f64x2 0 0))
        ;; 2 taps (16 bytes) per step; taps is even.
        (loop $taps2
          (local.set $xv (v128.load (local.get $x)))
          (local.set $accA (f64x2.add (local.get $accA) (f64x2.mul (local.get $xv) (v128.load (local.get $c)))))
          (local.set $accB (f64x2.add (local.get $accB)
            (f64x2.mul (local.get $xv) (v128.load (i32.add (local.get $c) (local.get $rowBytes))))))
          (local.set $x (i32.add (local.get $x) (i32.const 16)))
          (local.set $c (i32.add (local.get $c) (i32.const 16)))
          (br_if $taps2 (i32.lt_u (local.get $x) (local.get $xEnd))))
        (local.set $lower (f64.add (f64x2.extract_lane 0 (local.get $accA)) (f64x2.extract_lane 1 (local.get $accA))))
        (local.set $upper (f64.add (f64x2.extract_lane 0 (local.get $accB)) (f64x2.extract_lane 1 (local.get $accB))))
        (f32.store (local.get $out)
          (f32.demote_f64
            (f64.add (local.get $lower)
              (f64.mul (f64.sub (local.get $upper) (local.get $lower))
                (f64.sub (local.get $position) (local.get $row))))))
        (local.set $firstTap (i32.add (local.get $firstTap) (local.get $stepWhole)))
        (local.set $phase (i32.add (local.get $phase) (local.get $stepPhase)))
        (if (i32.ge_s (local.get $phase) (local.get $phases))
          (then
            (local.set $phase (i32.sub (local.get $phase) (local.get $phases)))
            (local.set $firstTap (i32.add (local.get $firstTap) (i32.const 1)))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br_if $outputs (i32.lt_u (local.get $out) (local.get $outEnd))))))
)
