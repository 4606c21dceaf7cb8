console.log('config: loading');
// Busy work, to show that require waits for the whole file to run.
let sum = 0;
for (let i = 0; i < 1e6; i++) sum += i;
module.exports = { port: 8080 };
console.log('config: done');
