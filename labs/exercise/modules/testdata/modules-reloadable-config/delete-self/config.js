'use strict';
let current = require('./config.json');

function get() {
  return current;
}

// Start over: forget this module and its JSON, and load both again.
function reload() {
  delete require.cache[require.resolve('./config.json')];
  delete require.cache[__filename];
  return require('./config').get();
}

module.exports = { get, reload };
