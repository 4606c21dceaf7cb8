import { hello, status } from './p.mjs';
console.log('q.mjs: hello() =', hello());
export const statusSeenByQ = () => status;
