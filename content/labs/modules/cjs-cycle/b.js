exports.done = false;
const a = require('./a.js');
console.log('b: a.done =', a.done);
exports.done = true;
