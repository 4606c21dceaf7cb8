import { a } from './a.mjs';
console.log('b.mjs: a =', a);
export const b = 'B';
