import { matrixBurst } from './app.ts';
console.log(JSON.stringify(await matrixBurst({ store: 'SQLite', paced: true }, 256)));
