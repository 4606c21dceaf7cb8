exports.done = false;
const b = require('./b.js');
console.log('a: b.done =', b.done);
exports.done = true;
