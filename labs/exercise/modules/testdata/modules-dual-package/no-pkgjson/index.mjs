// The package's ES module entry. It wraps the CommonJS entry instead of
// copying the code, so importers and requirers share one module and one
// precision setting (two copies would be the "dual package hazard").
//
// Node cannot see the names in `module.exports = api` without running the
// code, so they are listed here.
import api from './index.js';

export const { convert, toCelsius, toFahrenheit, setPrecision } = api;
export default api;
