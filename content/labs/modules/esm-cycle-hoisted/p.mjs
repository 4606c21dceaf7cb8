import { statusSeenByQ } from './q.mjs';
export function hello() {
  return 'hello from p.mjs';
}
export let status = 'ready';
console.log('p.mjs: q reads status =', statusSeenByQ());
