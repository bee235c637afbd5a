"""Stack output descriptions start with one of these, so the synth summary can group the outputs.

The stack writes them and the summary reads them back from the template; this module is the one
place both take them from (and it imports no CDK, so the summary starts fast).
"""

WIZARD = "Onboarding wizard: "
ROLE = "Role: "
AUDIT = "Audit trail: "
