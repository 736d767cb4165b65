// Apply
