/**
 * The house drawing: which part of the repository imports which, drawn from the real imports
 * (dependency-cruiser, type-only imports included) in layers from top to bottom. An arrow may only
 * point down; one that points up or sideways is a violation, so the drawing has no circle.
 *
 *   npm run arch        rewrites docs/architecture.md from the code
 *   test/infra/architecture.test.ts fails on any upward arrow, and when the drawing is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';

/** Top to bottom; each part may import only the parts below it. */
export const LAYERS = [
  ['bin', 'CLI and CDK app entries'],
  ['lib', 'CDK stacks and constructs'],
  ['cli', '`riskguard` commands'],
  ['handlers', 'Lambda entry points and their wiring'],
  ['agent', 'pre-trade answers for AI agents (MCP, library, status function)'],
  ['replay', 'replays of real crash days through the paper engine'],
  ['use-cases', 'tick, close-all, human acts, run loop (ports passed in)'],
  ['adapters', 'DynamoDB, SNS, chat, console, credentials loader'],
  ['config', 'riskguard.config.json schema'],
  ['venues', 'one folder per exchange behind the VenueModule contract'],
  ['paper', 'the paper exchange (core engine + one dialect per venue)'],
  ['kernel', 'ports.ts, errors.ts, redact.ts, validation.ts'],
  ['domain', 'pure: margin, stress, policy, decide, peak, gate'],
] as const;
export type Layer = (typeof LAYERS)[number][0];

const KERNEL = new Set(['errors', 'validation', 'redact', 'ports']);

/** The layer of a repository path, or null outside the drawing (node_modules, tests, bench). */
export function layerOf(path: string): Layer | null {
  const parts = path.split('/');
  if (parts[0] === 'bin' || parts[0] === 'lib' || parts[0] === 'paper') return parts[0];
  if (parts[0] !== 'functions') return null;
  if (parts.length === 2) {
    const name = parts[1]!.replace(/\.ts$/, '');
    return name === 'config' ? 'config' : KERNEL.has(name) ? 'kernel' : null;
  }
  const folder = parts[1]!;
  return (LAYERS.find(([l]) => l === folder)?.[0] as Layer | undefined) ?? null;
}

const rank = (l: Layer) => LAYERS.findIndex(([x]) => x === l);

export interface Architecture {
  /** Part → parts it imports, with how many import lines. */
  edges: Map<string, number>;
  /** Imports that point up or sideways: "from → to (file → file)". */
  violations: string[];
  /** Files whose part is unknown (a new top-level folder in functions/ must be placed). */
  unplaced: string[];
}

export async function analyse(root = fileURLToPath(new URL('../..', import.meta.url))): Promise<Architecture> {
  const cwd = process.cwd();
  process.chdir(root);
  try {
    const r = await cruise(['functions', 'paper', 'lib', 'bin'], {
      tsPreCompilationDeps: true,
      doNotFollow: { path: 'node_modules' },
      exclude: { path: '^node_modules' },
    });
    const out = r.output as { modules: { source: string; dependencies: { resolved: string }[] }[] };
    const edges = new Map<string, number>();
    const violations: string[] = [];
    const unplaced = new Set<string>();
    for (const m of out.modules) {
      const from = layerOf(m.source);
      if (!from) {
        if (m.source.startsWith('functions/')) unplaced.add(m.source);
        continue;
      }
      for (const d of m.dependencies) {
        const to = layerOf(d.resolved);
        if (!to || to === from) continue;
        const key = `${from} --> ${to}`;
        edges.set(key, (edges.get(key) ?? 0) + 1);
        if (rank(to) <= rank(from)) violations.push(`${from} → ${to} (${m.source} → ${d.resolved})`);
      }
    }
    return { edges, violations, unplaced: [...unplaced] };
  } finally {
    process.chdir(cwd);
  }
}

/** The drawing as Markdown with a Mermaid flowchart, top to bottom in layer order. */
export function drawing(a: Architecture): string {
  const lines = [
    '# The house drawing',
    '',
    'Generated from the imports by `npm run arch` (test/helpers/architecture.ts); checked by',
    'test/infra/architecture.test.ts. Parts are drawn top to bottom; every arrow points down: a part',
    'imports only parts below it, so there is no circle. Type-only imports count.',
    '',
    '| part | what it holds |',
    '|---|---|',
    ...LAYERS.map(([l, what]) => `| \`${l}\` | ${what} |`),
    '',
    '```mermaid',
    'flowchart TB',
    ...LAYERS.map(([l]) => `  ${l.replace('-', '_')}["${l}"]`),
    ...[...a.edges.keys()].sort((x, y) => {
      const [fx, tx] = x.split(' --> ') as [Layer, Layer];
      const [fy, ty] = y.split(' --> ') as [Layer, Layer];
      return rank(fx) - rank(fy) || rank(tx) - rank(ty);
    }).map((e) => `  ${e.replace(/use-cases/g, 'use_cases')}`),
    '```',
    '',
  ];
  return lines.join('\n');
}

export const DRAWING_FILE = fileURLToPath(new URL('../../docs/architecture.md', import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  const a = await analyse();
  if (a.violations.length) console.error(`upward or sideways imports:\n  ${a.violations.join('\n  ')}`);
  writeFileSync(DRAWING_FILE, drawing(a));
  console.log(`wrote ${DRAWING_FILE} (${a.edges.size} arrows, ${a.violations.length} pointing up)`);
  process.exitCode = a.violations.length ? 1 : 0;
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(drawing(await analyse()));
}

export const readDrawing = (): string => readFileSync(DRAWING_FILE, 'utf8');
