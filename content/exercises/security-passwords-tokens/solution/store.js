'use strict';
// The user table, kept in memory and written to USERS_FILE (default
// ./users.json) after every change, as a database would keep it. It stores
// whatever record server.js hands it: what goes into a record is your part.
// You should not need to change this file.

const fs = require('node:fs');
const path = require('node:path');

const FILE = process.env.USERS_FILE || path.join(__dirname, 'users.json');

let users = [];
try {
  users = JSON.parse(fs.readFileSync(FILE, 'utf8'));
} catch (err) {
  if (err.code !== 'ENOENT') throw err;
}

function find(email) {
  return users.find((u) => u.email === email.toLowerCase());
}

function add(user) {
  users.push({ ...user, email: user.email.toLowerCase() });
  fs.writeFileSync(FILE, JSON.stringify(users, null, 2) + '\n');
}

module.exports = { find, add };
