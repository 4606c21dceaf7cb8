module.exports = 'CommonJS has __dirname: ' + (__dirname === require('node:path').dirname(__filename));
