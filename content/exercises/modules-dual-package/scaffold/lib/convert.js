'use strict';
// Internal to the package: users load the package root, never this file.

// Every scale converts through Kelvin.
const scales = {
  C: { toKelvin: (c) => c + 273.15, fromKelvin: (k) => k - 273.15 },
  F: { toKelvin: (f) => ((f - 32) * 5) / 9 + 273.15, fromKelvin: (k) => ((k - 273.15) * 9) / 5 + 32 },
  K: { toKelvin: (k) => k, fromKelvin: (k) => k },
};

// Decimal places in results. One setting for the whole process: every user
// of the package shares it.
let digits = 2;

function round(value) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function convert(value, from, to) {
  const source = scales[from];
  const target = scales[to];
  if (!source || !target) {
    throw new RangeError(`unknown scale ${source ? to : from}: use C, F or K`);
  }
  return round(target.fromKelvin(source.toKelvin(value)));
}

function setPrecision(n) {
  if (!Number.isInteger(n) || n < 0 || n > 10) {
    throw new RangeError('precision is a whole number of decimal places, 0 to 10');
  }
  digits = n;
}

const api = {
  convert,
  toCelsius: (fahrenheit) => convert(fahrenheit, 'F', 'C'),
  toFahrenheit: (celsius) => convert(celsius, 'C', 'F'),
  setPrecision,
};

module.exports = api;
