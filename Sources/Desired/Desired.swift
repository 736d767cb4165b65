// Desired
