'use strict';
const file = require.resolve('./config.json');
let current = require(file);

function get() {
  return current;
}

function reload() {
  try {
    delete require.cache[file];
    current = require(file);
  } catch (err) {
    console.error('could not reload the config:', err.message);
  }
  return current;
}

module.exports = { get, reload };
