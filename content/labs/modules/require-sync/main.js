console.log('main: before require');
const config = require('./config.js');
console.log('main: after require, port =', config.port);
