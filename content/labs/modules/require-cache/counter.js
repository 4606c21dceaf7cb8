console.log('counter.js: evaluated');
let count = 0;
module.exports = { next: () => ++count };
