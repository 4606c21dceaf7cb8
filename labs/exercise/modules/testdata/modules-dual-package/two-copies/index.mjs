// The ES module build: the same code, rewritten with export.
const scales = {
  C: { toKelvin: (c) => c + 273.15, fromKelvin: (k) => k - 273.15 },
  F: { toKelvin: (f) => ((f - 32) * 5) / 9 + 273.15, fromKelvin: (k) => ((k - 273.15) * 9) / 5 + 32 },
  K: { toKelvin: (k) => k, fromKelvin: (k) => k },
};

let digits = 2;

function round(value) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function convert(value, from, to) {
  const source = scales[from];
  const target = scales[to];
  if (!source || !target) throw new RangeError('unknown scale: use C, F or K');
  return round(target.fromKelvin(source.toKelvin(value)));
}

export function setPrecision(n) {
  digits = n;
}

export const toCelsius = (fahrenheit) => convert(fahrenheit, 'F', 'C');
export const toFahrenheit = (celsius) => convert(celsius, 'C', 'F');

export default { convert, toCelsius, toFahrenheit, setPrecision };
