try {
  const config = require('./config.mjs');
  console.log('loaded:', config.ready);
} catch (err) {
  console.log('require() failed:', err.code);
}
