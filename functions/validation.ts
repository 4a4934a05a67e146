import type * as z from 'zod';

/** Formats zod issues as "path: message" lines, paths like `positions[1].isolatedWallet`. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const path = i.path
        .map((p, n) => (typeof p === 'number' ? `[${p}]` : n === 0 ? String(p) : `.${String(p)}`))
        .join('');
      return `  ${path || '(top level)'}: ${i.message}`;
    })
    .join('\n');
}
