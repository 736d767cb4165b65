// Observed
