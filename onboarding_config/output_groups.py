"""Stack output descriptions start with one of these, so the synth summary can group the outputs.

The stack writes them and the summary reads them back from the template; this module is the one
place both take them from (and it imports no CDK, so the summary starts fast).
"""

WIZARD = "Onboarding wizard: "
ROLE = "Role: "
AUDIT = "Audit trail: "
COVERAGE = "Estate coverage: "

#: What to do about the management account, which service-managed StackSets never deploy to.
MANAGEMENT_ACCOUNT_NOTE = (
    "Service-managed StackSets never deploy to the organization's management account: onboard it with a config"
    " without an organization section (like config/example.yaml) and that account's credentials."
)
