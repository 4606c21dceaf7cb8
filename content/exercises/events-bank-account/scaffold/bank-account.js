'use strict';
// The notes' BankAccount. It works in the happy path; see README.md for what
// it must do instead.
const { EventEmitter } = require('node:events');

class BankAccount extends EventEmitter {
  #balance;

  constructor(opening = 0) {
    super(); // sets up the listener table
    this.#balance = opening;
  }

  get balance() {
    return this.#balance;
  }

  deposit(amount) {
    this.#balance += amount;
    this.emit('deposit', { amount, balance: this.#balance });
  }

  withdraw(amount) {
    if (amount > this.#balance) {
      // Report the failure as an event; the balance is unchanged.
      const reason = `cannot withdraw ${amount}, balance is ${this.#balance}`;
      this.emit('error', new Error(reason));
      return;
    }
    this.#balance -= amount;
    this.emit('withdraw', { amount, balance: this.#balance });
  }
}

module.exports = { BankAccount };
