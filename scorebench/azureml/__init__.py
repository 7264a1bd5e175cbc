"""Azure ML service discovery: service lookup, keys, logs, the App Insights switch (v1 and v2)."""
