"""The limits of CloudFormation and EKS this project plans around, each named once.

Every check of a limit (the config, the constructs, the app's synth checks, doctor) takes the number
from here. The custom-resource handler cannot import the library, so it keeps its own copies, and a
test asserts they equal these.
"""

from __future__ import annotations

from typing import Final

#: CloudFormation: resources one stack may declare.
MAX_STACK_RESOURCES: Final = 500
#: CloudFormation: parameters one template may declare.
MAX_TEMPLATE_PARAMETERS: Final = 200
#: CloudFormation: bytes of a template uploaded through S3 (as ``cdk deploy`` does).
MAX_TEMPLATE_BYTES: Final = 1_000_000
#: CloudFormation: bytes of a template passed inline (``TemplateBody``, a StackSet's template).
MAX_TEMPLATE_BODY_BYTES: Final = 51_200
#: CloudFormation: conditions one ``Fn::Or`` may take.
MAX_FN_OR_CONDITIONS: Final = 10
#: CloudFormation: bytes of the response a custom resource sends back.
MAX_CUSTOM_RESOURCE_RESPONSE_BYTES: Final = 4096
#: EKS: CIDR blocks on a cluster's public endpoint allow-list (``publicAccessCidrs``), not adjustable.
MAX_PUBLIC_ACCESS_CIDRS: Final = 40
