// Scenarios against the learner's BankAccount. Usage: node scenario.cjs NAME
'use strict';
const { report, same, show, describeError } = require('./check.cjs');

const EVENTS = ['deposit', 'withdraw', 'declined', 'error'];

// open makes an account and records every event it emits, with the balance
// the listener read from the getter at that moment.
function open(cents) {
  const { BankAccount } = require('./app/bank-account.js');
  const account = new BankAccount(cents);
  const events = [];
  for (const name of EVENTS) {
    account.on(name, (payload) => {
      const seen = payload instanceof Error ? { error: payload.message } : { ...payload };
      if (typeof seen.reason === 'string') seen.reason = '(a string)';
      events.push([name, seen, { balanceInListener: account.balance }]);
    });
  }
  return { account, events };
}

// attempt calls fn and returns what happened: its value, or the error's
// class and message.
function attempt(fn) {
  try {
    return { returned: fn() };
  } catch (err) {
    if (!(err instanceof Error)) return { threw: show(err) };
    return { threw: err.constructor.name, message: err.message.split('\n')[0] };
  }
}

const scenarios = {
  load() {
    const { BankAccount } = require('./app/bank-account.js');
    const ok = typeof BankAccount === 'function' && new BankAccount(0) instanceof require('node:events');
    report(ok, 'bank-account.js exports a BankAccount class that extends EventEmitter',
      `it exports BankAccount = ${show(BankAccount)}`);
  },

  deposit() {
    const { account, events } = open(1000);
    const returned = account.deposit(250);
    same('new BankAccount(1000), deposit(250): return value, balance, events',
      { returned: 1250, balance: 1250, events: [['deposit', { amount: 250, balance: 1250 }, { balanceInListener: 1250 }]] },
      { returned, balance: account.balance, events });
  },

  withdraw() {
    const { account, events } = open(1000);
    const returned = account.withdraw(400);
    same('new BankAccount(1000), withdraw(400): return value, balance, events',
      { returned: true, balance: 600, events: [['withdraw', { amount: 400, balance: 600 }, { balanceInListener: 600 }]] },
      { returned, balance: account.balance, events });
  },

  everything() {
    const { account, events } = open(1000);
    const returned = attempt(() => account.withdraw(1000));
    same('new BankAccount(1000), withdraw(1000): what happened, balance, events',
      { happened: { returned: true }, balance: 0, events: [['withdraw', { amount: 1000, balance: 0 }, { balanceInListener: 0 }]] },
      { happened: returned, balance: account.balance, events });
  },

  declined() {
    const { account, events } = open(1000);
    const happened = attempt(() => account.withdraw(5000));
    same('new BankAccount(1000), withdraw(5000): what happened, balance, events',
      { happened: { returned: false }, balance: 1000, events: [['declined', { amount: 5000, balance: 1000, reason: '(a string)' }, { balanceInListener: 1000 }]] },
      { happened, balance: account.balance, events });
  },

  // No listener at all: the process must survive the declined withdrawal.
  unheard() {
    const { BankAccount } = require('./app/bank-account.js');
    const account = new BankAccount(1000);
    const happened = attempt(() => account.withdraw(5000));
    same('with no listeners, withdraw(5000): what happened, balance', { happened: { returned: false }, balance: 1000 },
      { happened, balance: account.balance });
  },

  amounts() {
    const bad = [10.5, 0.1, 0, -100, NaN, Infinity, 2 ** 53, '100', undefined, null, 100n];
    for (const method of ['deposit', 'withdraw']) {
      for (const value of bad) {
        const { account, events } = open(1000);
        const happened = attempt(() => account[method](value));
        const ok = ['TypeError', 'RangeError'].includes(happened.threw) && account.balance === 1000 && events.length === 0;
        if (!ok) {
          return report(false,
            `${method}(${show(value)}) throws a TypeError or RangeError and changes nothing`,
            `${method}(${show(value)}): ${happened.threw ? `threw ${happened.threw}` : `returned ${show(happened.returned)}`}, ` +
            `balance ${show(account.balance)}, events ${show(events.map((e) => e[0]))}`);
        }
      }
    }
    report(true, 'every invalid amount throws and changes nothing', `all ${bad.length * 2} invalid calls threw`);
  },

  opening() {
    const { BankAccount } = require('./app/bank-account.js');
    for (const value of [-5, 10.5, '100', NaN, null]) {
      const happened = attempt(() => new BankAccount(value));
      if (!['TypeError', 'RangeError'].includes(happened.threw)) {
        return report(false, `new BankAccount(${show(value)}) throws a TypeError or RangeError`,
          `new BankAccount(${show(value)}) ${happened.threw ? `threw ${happened.threw}` : 'made an account'}`);
      }
    }
    same('new BankAccount().balance, new BankAccount(0).balance', [0, 0], [new BankAccount().balance, new BankAccount(0).balance]);
  },
};

scenarios[process.argv[2]]();
