import { benchDecision } from './decision.ts';
console.log(benchDecision());
