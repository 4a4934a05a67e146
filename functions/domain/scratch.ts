/**
 * Reusable typed arrays for the margin engine's inner loops. A typed array longer than a few
 * elements lives outside the JS heap, and allocating and freeing thousands of them (ten per
 * evaluation, hundreds of evaluations a second in the pre-trade solver) made every young-generation
 * collection pause for milliseconds. The engine is synchronous and never re-entered, so one set of
 * buffers serves every evaluation. A buffer is valid only until the next evaluation starts, and
 * nothing that outlives an evaluation may keep one. It is handed out whole (no view object per
 * call): it may be longer than asked, so callers carry their own counts.
 */
const f64s: Float64Array[] = [];
const i32s: Int32Array[] = [];

const grow = (have: number | undefined, n: number): number => Math.max(n, 2 * (have ?? 16));

/** The Float64Array of scratch slot `slot`, at least `n` long (contents undefined: write before reading). */
export function scratchF64(slot: number, n: number): Float64Array {
  let b = f64s[slot];
  if (b === undefined || b.length < n) f64s[slot] = b = new Float64Array(grow(b?.length, n));
  return b;
}

/** The Int32Array of scratch slot `slot`, at least `n` long (contents undefined: write before reading). */
export function scratchI32(slot: number, n: number): Int32Array {
  let b = i32s[slot];
  if (b === undefined || b.length < n) i32s[slot] = b = new Int32Array(grow(b?.length, n));
  return b;
}
