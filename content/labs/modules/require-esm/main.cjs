try {
  const answer = require('./answer.mjs');
  console.log('require() of an ES module worked:', answer.value);
} catch (err) {
  console.log('require() of an ES module failed:', err.code);
}
