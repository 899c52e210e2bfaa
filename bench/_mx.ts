import { matrixBurst } from './app.ts';
const legs = Number(process.argv[2] ?? 64);
console.log(
  JSON.stringify(await matrixBurst({ store: (process.argv[3] ?? 'SQLite') as 'SQLite', paced: true }, legs)),
);
