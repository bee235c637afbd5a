"""Read-only checks of a real AWS account against an onboarding config: ``doctor`` before a deploy,
``verify`` after it, ``credentials`` before make deploy, diff or bootstrap. Uses boto3 with the
caller's credentials and never makes a mutating call."""
