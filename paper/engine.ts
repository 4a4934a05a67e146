/** Moved: the engine lives in paper/core/ now (venue-neutral). Kept so old imports still work. */
export * from './core/index.ts';
