import { loadSpec } from './spec.ts';
let t = performance.now();
const s = loadSpec();
console.log('load', performance.now() - t, s.operations.map(o => `${o.method} ${o.path} ${JSON.stringify(o.responses)}`).join('\n'), Object.keys((s.document.components as any).schemas).length, JSON.stringify(s).length);
