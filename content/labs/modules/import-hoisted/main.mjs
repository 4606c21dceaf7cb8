console.log('main: first line of main.mjs');
import { greeting } from './dep.mjs';
console.log('main: imported', greeting);
