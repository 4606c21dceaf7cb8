'use strict';
// The app's settings, shared by every module that requires this file:
//
//   const config = require('./config');
//   config.get()     the current settings, from config.json
//   config.reload()  read config.json again after it changed on disk

let current = require('./config.json');

function get() {
  return current;
}

function reload() {
  current = require('./config.json');
  return current;
}

exports = { get, reload };
