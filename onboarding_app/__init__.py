"""The CDK app around the constructs: config file -> validated config -> stacks -> templates."""
