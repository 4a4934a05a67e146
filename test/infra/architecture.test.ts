import { describe, expect, it } from 'vitest';
import { analyse, drawing, layerOf, readDrawing } from '../helpers/architecture.ts';

describe('the house drawing', () => {
  it.each([
    ['functions/domain/margin.ts', 'domain'],
    ['functions/ports.ts', 'kernel'],
    ['functions/config.ts', 'config'],
    ['functions/venues/binanceusdm/adapter.ts', 'venues'],
    ['paper/engine.ts', 'paper'],
    ['node_modules/zod/index.js', null],
  ])('places %s in %s', (path, layer) => {
    expect(layerOf(path)).toBe(layer);
  });

  it('has no upward arrow and no circle, places every file, and docs/architecture.md is the code as it is', async () => {
    const a = await analyse();
    expect(a.violations).toEqual([]);
    expect(a.unplaced).toEqual([]);
    // Stale drawing: run `npm run arch`.
    expect(readDrawing()).toBe(drawing(a));
  }, 120_000);
});
