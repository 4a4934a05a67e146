/** The venue-neutral paper engine (see engine.ts for its layers). */
export { PaperEngine } from './engine.ts';
export { PaperAccount } from './account.ts';
export { PaperReject, REJECT_REASONS, type RejectDetails, type RejectReason } from './reject.ts';
export * from './types.ts';
