import { startWorld } from './world.ts';
import { benchTickOverhead } from './tick-overhead.ts';
const w = await startWorld({ weightLimit: 1e9 });
try { console.log(await benchTickOverhead(w, 200)); } finally { await w.close(); }
