/**
 * The benchmark's figures: one flat key each, written to bench-results.json as
 * `{ "<name>": { "value": n, "unit": "...", "goal": "..." } }`.
 */

export interface Figure {
  value: number;
  unit: string;
  /** Human-readable goal, e.g. "< 2 ms"; "—" for a figure reported for context only. */
  goal: string;
}

/** A goal as a check plus its text. */
export interface Goal {
  text: string;
  met(value: number): boolean;
}

export const below = (limit: number, unit: string): Goal => ({ text: `< ${limit} ${unit}`, met: (v) => v < limit });
export const atMost = (limit: number, unit: string): Goal => ({ text: `≤ ${limit} ${unit}`, met: (v) => v <= limit });
export const info: Goal = { text: '—', met: () => true };

export class Figures {
  readonly all: Record<string, Figure> = {};
  readonly missed: string[] = [];

  constructor(private readonly print: (line: string) => void = (l) => console.log(l)) {}

  /** Records a figure and prints it with its goal (✓ met, ✗ missed, · context only). */
  add(name: string, value: number, unit: string, goal: Goal, detail = ''): void {
    this.all[name] = { value, unit, goal: goal.text };
    const mark = goal === info ? '·' : goal.met(value) ? '✓' : '✗';
    if (mark === '✗') this.missed.push(name);
    const shown = Number.isFinite(value) ? String(value) : 'n/a';
    this.print(`  ${mark} ${name.padEnd(50)} ${`${shown} ${unit}`.padEnd(16)} goal ${goal.text.padEnd(10)}${detail ? `  ${detail}` : ''}`);
  }

  /** Prints a context line under the current section. */
  note(line: string): void {
    this.print(`      ${line}`);
  }

  section(title: string): void {
    this.print(`\n${title}`);
  }
}
