'use strict';
// The app's settings, shared by every module that requires this file:
//
//   const config = require('./config');
//   config.get()     the current settings, from config.json
//   config.reload()  read config.json again after it changed on disk

const file = require.resolve('./config.json');

let current = require(file);

function get() {
  return current;
}

// reload drops config.json from require's cache so that require reads the
// file again. If the new file is broken, require throws before `current`
// changes: the caller hears about it and get() keeps the last good settings.
function reload() {
  delete require.cache[file];
  current = require(file);
  return current;
}

// Assign module.exports, not exports: exports is only a local variable that
// starts as a reference to module.exports, and require() returns the latter.
module.exports = { get, reload };
