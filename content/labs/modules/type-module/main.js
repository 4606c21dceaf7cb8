import legacy from './legacy.cjs';
import { shout } from './util.js';

console.log('main.js is ESM here: typeof require =', typeof require);
console.log(legacy.describe());
console.log(shout('util.js is ESM too'));
