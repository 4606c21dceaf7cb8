import { b } from './b.mjs';
export const a = 'A';
console.log('a.mjs: b =', b);
