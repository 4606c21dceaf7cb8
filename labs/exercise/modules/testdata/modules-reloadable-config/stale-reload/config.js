'use strict';
let current = require('./config.json');

function get() {
  return current;
}

function reload() {
  current = require('./config.json');
  return current;
}

module.exports = { get, reload };
