'use strict';
// The package's CommonJS entry. The API object is built in lib/convert.js.
module.exports = require('./lib/convert.js');
