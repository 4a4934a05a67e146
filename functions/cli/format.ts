/** Small terminal formatting helpers: fixed-width tables and numbers with units. */

export function table(headers: string[], rows: string[][], align?: ('l' | 'r')[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => ((align?.[i] ?? 'r') === 'l' ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export const money = (x: number | null | undefined, unit = 'USDT'): string =>
  x === null || x === undefined
    ? '—'
    : `${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${unit}`;

export const price = (x: number | null | undefined): string =>
  x === null || x === undefined ? '—' : x.toLocaleString('en-US', { maximumSignificantDigits: 8, maximumFractionDigits: 8 });

/** A fraction shown in percent: 0.153 → "15.30 %". */
export const pct = (x: number | null | undefined, digits = 2): string =>
  x === null || x === undefined ? '—' : `${(x * 100).toFixed(digits)} %`;

export const ratio = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : x.toFixed(4));

export const when = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '—' : new Date(ms).toISOString().replace('.000Z', 'Z');
