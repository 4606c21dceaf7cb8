const a = require('./a.js');
const b = require('./b.js');
console.log('main: a.done =', a.done, 'b.done =', b.done);
