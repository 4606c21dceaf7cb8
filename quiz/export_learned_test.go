package quiz

// LoadEmbedded is loadEmbedded, for the tests of a bank without weights.
var LoadEmbedded = loadEmbedded

// ErrNoWeights is errNoWeights.
var ErrNoWeights = errNoWeights
