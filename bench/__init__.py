"""``make bench``: synth time against an empty CDK app, a scale series of generated estates, and the
test suite's wall time, measured on this machine and printed as tables."""
