"""Which EKS clusters the estate coverage runner opens to discovery, and how: the ``EstateCoverage`` props
beside the bucket and the flow-log options (``flow_log_options``), from the config's eks section."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from onboarding_config.model import EksConfig
from onboarding_constructs import (
    DEFAULT_OPT_IN_TAG,
    DEFAULT_PUBLIC_ENDPOINT_TAG,
    DISCOVERY_CIDRS,
    ClusterCoverage,
)


@dataclass(frozen=True)
class ClusterCoverageOptions:
    """The ``EstateCoverage`` props that open EKS clusters. Each default is the construct's: with all of
    them, no cluster is touched."""

    #: ``TAGGED``: the clusters carrying ``opt_in_tag``; ``ALL``: every cluster. Default: None (no cluster).
    cluster_coverage: ClusterCoverage | None = None
    #: The role each opened cluster gets an access entry for. Default: None (required with a coverage).
    discovery_role_arn: str | None = None
    #: Merged into each opened cluster's public endpoint allow-list. Default: discovery's addresses.
    allowed_cidrs: Sequence[str] = DISCOVERY_CIDRS
    #: The tag that opens a cluster with ``TAGGED``. Default: ``("airs-discovery", "on")``.
    opt_in_tag: tuple[str, str] = DEFAULT_OPT_IN_TAG
    #: The tag that lets a private-only cluster get public access; None: never. Default:
    #: ``("airs-discovery-public-endpoint", "allow")``.
    public_endpoint_tag: tuple[str, str] | None = DEFAULT_PUBLIC_ENDPOINT_TAG

    @classmethod
    def from_config(cls, eks: EksConfig | None, *, discovery_role_arn: str | None) -> ClusterCoverageOptions:
        """The options of ``eks.coverage: tagged`` or ``all``, for ``discovery_role_arn``; the defaults (no
        cluster) without an eks section or with ``coverage: listed``, whose clusters have resources of their own."""
        if eks is None or not eks.dynamic:
            return cls()
        if discovery_role_arn is None:  # the config refuses an eks section without a discovery role
            raise ValueError("eks: no discovery role to open the clusters to")
        tag = eks.public_endpoint_tag
        return cls(
            cluster_coverage=ClusterCoverage(eks.coverage),
            discovery_role_arn=discovery_role_arn,
            allowed_cidrs=eks.allowed_cidrs,
            opt_in_tag=(eks.opt_in_tag.key, eks.opt_in_tag.value),
            public_endpoint_tag=(tag.key, tag.value) if tag is not None else None,
        )

    @property
    def covers_clusters(self) -> bool:
        """True when the runner opens clusters (a coverage is set)."""
        return self.cluster_coverage is not None


#: No cluster is touched.
NO_CLUSTERS = ClusterCoverageOptions()
