"""The estate-coverage function's cluster settings (its environment: every default, every message) and the pure
functions of its cluster coverage: scope, the EKS handler's properties for a cluster, the counts, the report's
entries, what a report says about coverage, and the continuation event a run hands its work on with."""

from __future__ import annotations

from typing import Any

import pytest

from tests.handlers.coverage_harness import CLUSTER_SETTINGS, ENVIRONMENT, OWNER, coverage_harness, load_handler

handler = load_handler()

ROLE = "arn:aws:iam::123456789012:role/airs-discovery"
VIEW_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
DISCOVERY = ("34.71.64.3/32", "34.28.60.186/32")
OPT_IN = ("airs-discovery", "on")
PUBLIC = ("airs-discovery-public-endpoint", "allow")
#: The flow-log variables, which COVER_VPCS=false leaves out.
FLOW_LOG_VARIABLES = (
    "BUCKET_ARN",
    "LOG_FORMAT",
    "FILE_FORMAT",
    "PER_HOUR_PARTITION",
    "HIVE_COMPATIBLE_PARTITIONS",
    "MAX_AGGREGATION_INTERVAL",
    "EXCLUDE_TAG_KEY",
    "EXCLUDE_TAG_VALUE",
)
CLUSTERS = CLUSTER_SETTINGS
#: Clusters only, as the construct writes it without a bucket.
CLUSTERS_ONLY = {
    "COVER_VPCS": "false",
    **CLUSTERS,
    "OWNER": ENVIRONMENT["OWNER"],
    "REPORT_PARAMETER": ENVIRONMENT["REPORT_PARAMETER"],
}
INVALID = "The function's environment is not valid: "
NOTHING_CHANGED = ". Nothing was changed."


def problems_of(environment: dict[str, str]) -> str:
    """The problems read_settings names, without the message's fixed beginning and end."""
    with pytest.raises(handler.Failure) as refused:
        handler.read_settings(environment)
    message = str(refused.value)
    assert message.startswith(INVALID) and message.endswith(NOTHING_CHANGED), message
    return message.removeprefix(INVALID).removesuffix(NOTHING_CHANGED)


def with_(base: dict[str, str], **changes: str | None) -> dict[str, str]:
    """``base`` with these variables set, or left out where None."""
    merged: dict[str, str | None] = {**base, **changes}
    return {k: v for k, v in merged.items() if v is not None}


# --- defaults -------------------------------------------------------------------------------------------


def test_without_cluster_settings_no_cluster_is_covered_and_vpcs_are() -> None:
    settings = handler.read_settings(ENVIRONMENT)
    assert "CLUSTER_COVERAGE" not in ENVIRONMENT and "COVER_VPCS" not in ENVIRONMENT
    assert settings.clusters is None
    assert settings.cover_vpcs is True


def test_cluster_coverage_none_covers_no_cluster() -> None:
    assert handler.read_settings(with_(ENVIRONMENT, CLUSTER_COVERAGE="none", COVER_VPCS="true")).clusters is None


def test_the_cluster_settings_as_the_construct_writes_them() -> None:
    settings = handler.read_settings(CLUSTERS_ONLY)
    assert settings.cover_vpcs is False
    assert settings.clusters == handler.ClusterSettings(
        coverage="tagged",
        opt_in_tag=OPT_IN,
        public_endpoint_tag=PUBLIC,
        discovery_role_arn=ROLE,
        allowed_cidrs=DISCOVERY,
        access_policy_arn=VIEW_POLICY,
    )


@pytest.mark.parametrize("key", ["", None], ids=["empty", "absent"])
def test_an_empty_public_endpoint_tag_key_lets_no_cluster_opt_in(key: str | None) -> None:
    settings = handler.read_settings(with_(CLUSTERS_ONLY, PUBLIC_ENDPOINT_TAG_KEY=key, PUBLIC_ENDPOINT_TAG_VALUE="x"))
    assert settings.clusters is not None and settings.clusters.public_endpoint_tag is None


def test_an_empty_public_endpoint_tag_value_is_a_value() -> None:
    settings = handler.read_settings(with_(CLUSTERS_ONLY, PUBLIC_ENDPOINT_TAG_VALUE=""))
    assert settings.clusters is not None and settings.clusters.public_endpoint_tag == (PUBLIC[0], "")


def test_allowed_cidrs_are_read_once_each_in_order() -> None:
    settings = handler.read_settings(with_(CLUSTERS_ONLY, ALLOWED_CIDRS="8.8.8.0/24,,34.71.64.3/32,8.8.8.0/24,"))
    assert settings.clusters is not None and settings.clusters.allowed_cidrs == ("8.8.8.0/24", "34.71.64.3/32")


def test_all_needs_no_opt_in_tag() -> None:
    settings = handler.read_settings(
        with_(CLUSTERS_ONLY, CLUSTER_COVERAGE="all", OPT_IN_TAG_KEY="", OPT_IN_TAG_VALUE="")
    )
    assert settings.clusters is not None
    assert settings.clusters.coverage == "all" and settings.clusters.opt_in_tag == ("", "")


def test_without_vpcs_the_flow_log_variables_are_not_read() -> None:
    # Absent, as the construct leaves them without a bucket, or wrong: neither is a problem.
    assert all(name not in CLUSTERS_ONLY for name in FLOW_LOG_VARIABLES)
    wrong = with_(CLUSTERS_ONLY, BUCKET_ARN="bucket", LOG_FORMAT=" ", FILE_FORMAT="orc", MAX_AGGREGATION_INTERVAL="5")
    for environment in (CLUSTERS_ONLY, wrong):
        settings = handler.read_settings(environment)
        assert settings.cover_vpcs is False and settings.clusters is not None


def test_without_vpcs_the_flow_log_settings_keep_their_defaults() -> None:
    settings = handler.read_settings(CLUSTERS_ONLY)
    assert (settings.bucket_arn, settings.log_format, settings.exclude_tag_key) == ("", "", "")
    assert (settings.file_format, settings.max_aggregation_interval) == ("plain-text", 600)
    assert (settings.per_hour_partition, settings.hive_compatible_partitions) == (False, False)


def test_vpcs_and_clusters_together() -> None:
    settings = handler.read_settings({**ENVIRONMENT, "COVER_VPCS": "true", **CLUSTERS})
    assert settings.cover_vpcs is True and settings.bucket_arn == ENVIRONMENT["BUCKET_ARN"]
    assert settings.clusters is not None and settings.clusters.coverage == "tagged"


# --- every message --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"CLUSTER_COVERAGE": "opted-in"}, "CLUSTER_COVERAGE is 'opted-in', expected one of none, tagged, all"),
        ({"CLUSTER_COVERAGE": "Tagged"}, "CLUSTER_COVERAGE is 'Tagged', expected one of none, tagged, all"),
        ({"CLUSTER_COVERAGE": ""}, "CLUSTER_COVERAGE is '', expected one of none, tagged, all"),
        ({"OPT_IN_TAG_KEY": ""}, "OPT_IN_TAG_KEY is empty, expected the tag key that opts a cluster in"),
        ({"OPT_IN_TAG_KEY": None}, "OPT_IN_TAG_KEY is empty, expected the tag key that opts a cluster in"),
        (
            {"DISCOVERY_ROLE_ARN": "airs-discovery"},
            "DISCOVERY_ROLE_ARN is 'airs-discovery', expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
        ),
        (
            {"DISCOVERY_ROLE_ARN": "arn:aws:iam::123456789012:user/airs"},
            "DISCOVERY_ROLE_ARN is 'arn:aws:iam::123456789012:user/airs', expected an IAM role ARN"
            " (arn:aws:iam::<account>:role/<name>)",
        ),
        (
            {"DISCOVERY_ROLE_ARN": None},
            "DISCOVERY_ROLE_ARN is '', expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
        ),
        ({"ALLOWED_CIDRS": ""}, "ALLOWED_CIDRS is '', expected comma-separated public CIDR blocks"),
        ({"ALLOWED_CIDRS": ",,"}, "ALLOWED_CIDRS is ',,', expected comma-separated public CIDR blocks"),
        (
            {"ALLOWED_CIDRS": "34.71.64.3/32,10.0.0.0/8"},
            "ALLOWED_CIDRS is '34.71.64.3/32,10.0.0.0/8', expected comma-separated public CIDR blocks"
            " ('10.0.0.0/8' is not a public address range)",
        ),
        (
            {"ALLOWED_CIDRS": "0.0.0.0/0"},
            "ALLOWED_CIDRS is '0.0.0.0/0', expected comma-separated public CIDR blocks"
            " ('0.0.0.0/0' would open the endpoint to the whole internet)",
        ),
        (
            {"ALLOWED_CIDRS": "192.168.0.0/16,::/0"},
            "ALLOWED_CIDRS is '192.168.0.0/16,::/0', expected comma-separated public CIDR blocks"
            " ('192.168.0.0/16' is not a public address range; '::/0' would open the endpoint to the whole internet)",
        ),
        (
            {"ALLOWED_CIDRS": "34.71.64.3/32, 34.28.60.186/32"},
            "ALLOWED_CIDRS is '34.71.64.3/32, 34.28.60.186/32', expected comma-separated public CIDR blocks"
            " (' 34.28.60.186/32' is not a CIDR block (' 34.28.60.186/32' does not appear to be an IPv4 or IPv6"
            " network))",
        ),
        (
            {"ACCESS_POLICY_ARN": "AmazonEKSViewPolicy"},
            "ACCESS_POLICY_ARN is 'AmazonEKSViewPolicy', expected an EKS access policy ARN"
            " (arn:aws:eks::aws:cluster-access-policy/<name>)",
        ),
        (
            {"ACCESS_POLICY_ARN": None},
            "ACCESS_POLICY_ARN is '', expected an EKS access policy ARN"
            " (arn:aws:eks::aws:cluster-access-policy/<name>)",
        ),
        ({"COVER_VPCS": "yes"}, "COVER_VPCS is 'yes', expected one of true, false"),
        ({"COVER_VPCS": ""}, "COVER_VPCS is '', expected one of true, false"),
        (
            {"CLUSTER_COVERAGE": "none"},
            "COVER_VPCS is false and CLUSTER_COVERAGE is none: there is nothing to cover",
        ),
        (
            {"CLUSTER_COVERAGE": None},
            "COVER_VPCS is false and CLUSTER_COVERAGE is none: there is nothing to cover",
        ),
    ],
    ids=[
        "coverage-unknown",
        "coverage-case",
        "coverage-empty",
        "opt-in-key-empty",
        "opt-in-key-absent",
        "role-not-arn",
        "role-user",
        "role-absent",
        "cidrs-empty",
        "cidrs-commas",
        "cidrs-private",
        "cidrs-everyone",
        "cidrs-two-problems",
        "cidrs-space",
        "policy-name",
        "policy-absent",
        "cover-vpcs-yes",
        "cover-vpcs-empty",
        "nothing-to-cover",
        "nothing-to-cover-absent",
    ],
)
def test_each_wrong_cluster_setting_is_named(changes: dict[str, str | None], problem: str) -> None:
    assert problems_of(with_(CLUSTERS_ONLY, **changes)) == problem


def test_the_opt_in_tag_value_may_be_empty() -> None:
    settings = handler.read_settings(with_(CLUSTERS_ONLY, OPT_IN_TAG_VALUE=""))
    assert settings.clusters is not None and settings.clusters.opt_in_tag == (OPT_IN[0], "")


def test_the_cluster_settings_are_checked_only_when_clusters_are_covered() -> None:
    wrong = {k: "wrong" for k in CLUSTERS if k != "CLUSTER_COVERAGE"}
    settings = handler.read_settings({**ENVIRONMENT, **wrong, "CLUSTER_COVERAGE": "none"})
    assert settings.clusters is None


def test_every_problem_is_named_in_one_message_in_order() -> None:
    environment = with_(
        CLUSTERS_ONLY,
        OWNER="",
        OPT_IN_TAG_KEY="",
        DISCOVERY_ROLE_ARN="discovery",
        ALLOWED_CIDRS="10.0.0.0/8",
        ACCESS_POLICY_ARN="view",
    )
    with pytest.raises(handler.Failure) as refused:
        handler.read_settings(environment)
    assert str(refused.value) == (
        "The function's environment is not valid: OWNER is '', expected 1 to 256 characters (a tag value);"
        " OPT_IN_TAG_KEY is empty, expected the tag key that opts a cluster in; DISCOVERY_ROLE_ARN is 'discovery',"
        " expected an IAM role ARN (arn:aws:iam::<account>:role/<name>); ALLOWED_CIDRS is '10.0.0.0/8', expected"
        " comma-separated public CIDR blocks ('10.0.0.0/8' is not a public address range); ACCESS_POLICY_ARN is"
        " 'view', expected an EKS access policy ARN (arn:aws:eks::aws:cluster-access-policy/<name>)."
        " Nothing was changed."
    )


def test_an_unknown_coverage_is_the_only_cluster_problem_named() -> None:
    # With no coverage to check them against, the other cluster settings are not read; and with COVER_VPCS
    # false, the unknown coverage is the problem, not "nothing to cover".
    assert problems_of(with_(CLUSTERS_ONLY, CLUSTER_COVERAGE="some", DISCOVERY_ROLE_ARN="x")) == (
        "CLUSTER_COVERAGE is 'some', expected one of none, tagged, all"
    )


def test_a_wrong_cover_vpcs_with_flow_log_problems_names_only_cover_vpcs() -> None:
    assert problems_of(with_(CLUSTERS_ONLY, COVER_VPCS="1", BUCKET_ARN="b")) == (
        "COVER_VPCS is '1', expected one of true, false"
    )


def test_nothing_to_cover_is_named_only_without_other_problems() -> None:
    assert problems_of(with_(CLUSTERS_ONLY, CLUSTER_COVERAGE="none", OWNER="")) == (
        "OWNER is '', expected 1 to 256 characters (a tag value)"
    )


def test_cluster_and_flow_log_problems_together() -> None:
    environment = {**ENVIRONMENT, "COVER_VPCS": "true", **CLUSTERS, "FILE_FORMAT": "orc", "ALLOWED_CIDRS": ""}
    assert problems_of(environment) == (
        "FILE_FORMAT is 'orc', expected one of plain-text, parquet;"
        " ALLOWED_CIDRS is '', expected comma-separated public CIDR blocks"
    )


# --- the custom resource --------------------------------------------------------------------------------


def test_a_create_with_a_wrong_cluster_setting_fails_before_any_call() -> None:
    with coverage_harness(with_(CLUSTERS_ONLY, CLUSTER_COVERAGE="everything", ALLOWED_CIDRS="")) as aws:
        aws.eks.add_cluster("prod", tags=dict([OPT_IN]))
        answer = aws.cfn("Create")
        assert answer["Status"] == "FAILED"
        assert answer["Reason"] == (
            "The function's environment is not valid: CLUSTER_COVERAGE is 'everything', expected one of none,"
            " tagged, all. Nothing was changed."
        )
        assert answer["PhysicalResourceId"] == f"estate-coverage:{OWNER}" and answer["Data"] == {}
        assert aws.counts() == {}
        assert aws.eks.tags("prod") == dict([OPT_IN])


def test_a_create_with_a_wrong_poll_interval_fails_before_any_call() -> None:
    with coverage_harness({**CLUSTERS_ONLY, "POLL_INTERVAL_SECONDS": "soon"}) as aws:
        answer = aws.cfn("Create")
        assert answer["Status"] == "FAILED"
        assert answer["Reason"] == (
            "The function's environment is not valid: POLL_INTERVAL_SECONDS is 'soon', expected 1 to 300 seconds."
            " Nothing was changed."
        )
        assert aws.counts() == {}


# --- scope and the EKS handler's properties ----------------------------------------------------------------


def cluster_settings(**changes: str | None) -> Any:
    settings = handler.read_settings(with_(CLUSTERS_ONLY, **changes)).clusters
    assert settings is not None
    return settings


@pytest.mark.parametrize(
    ("tags", "tagged", "all_"),
    [
        ({OPT_IN[0]: OPT_IN[1]}, True, True),
        ({OPT_IN[0]: OPT_IN[1], "team": "ml"}, True, True),
        ({OPT_IN[0]: "off"}, False, True),
        ({OPT_IN[0]: "On"}, False, True),
        ({OPT_IN[0].upper(): OPT_IN[1]}, False, True),
        ({OPT_IN[0]: ""}, False, True),
        ({}, False, True),
        (None, False, True),
    ],
    ids=["tag", "tag-and-others", "other-value", "value-case", "key-case", "empty-value", "no-tags", "tags-null"],
)
def test_in_scope(tags: dict[str, str] | None, tagged: bool, all_: bool) -> None:
    cluster = {"name": "prod", "tags": tags}
    assert handler.in_scope(cluster, cluster_settings()) is tagged
    assert handler.in_scope(cluster, cluster_settings(CLUSTER_COVERAGE="all")) is all_
    assert handler.in_scope({"name": "prod"}, cluster_settings()) is False


def test_has_tag() -> None:
    assert handler.has_tag({"tags": {"k": "v"}}, ("k", "v")) is True
    assert handler.has_tag({"tags": {"k": ""}}, ("k", "")) is True
    assert handler.has_tag({"tags": {"k": "v"}}, ("k", "w")) is False
    assert handler.has_tag({"tags": {}}, ("k", "")) is False
    assert handler.has_tag({}, ("k", "v")) is False
    assert handler.has_tag({"tags": {"k": "v"}}, None) is False


def test_cluster_properties_with_the_public_endpoint_tag() -> None:
    settings = cluster_settings()
    how = f"tag the cluster {PUBLIC[0]}={PUBLIC[1]} to turn it on for exactly those addresses"
    carrying = handler.cluster_properties("prod", {"tags": dict([OPT_IN, PUBLIC])}, settings)
    assert carrying == handler.cluster_access.Properties("prod", DISCOVERY, True, how)
    without = handler.cluster_properties("prod", {"tags": dict([OPT_IN])}, settings)
    assert without == handler.cluster_access.Properties("prod", DISCOVERY, False, how)


def test_cluster_properties_without_a_public_endpoint_tag() -> None:
    settings = cluster_settings(PUBLIC_ENDPOINT_TAG_KEY="")
    props = handler.cluster_properties("prod", {"tags": dict([OPT_IN, PUBLIC])}, settings)
    assert props == handler.cluster_access.Properties(
        "prod",
        DISCOVERY,
        False,
        "this coverage turns public access on for no cluster (its public-endpoint tag is switched off)",
    )


@pytest.mark.parametrize("public_key", [PUBLIC[0], ""], ids=["tag", "no-tag"])
def test_the_opt_in_text_completes_the_eks_handlers_refusal(public_key: str) -> None:
    settings = cluster_settings(PUBLIC_ENDPOINT_TAG_KEY=public_key)
    private_only = {
        "name": "private",
        "tags": dict([OPT_IN]),
        "resourcesVpcConfig": {"endpointPublicAccess": False, "endpointPrivateAccess": True},
    }
    props = handler.cluster_properties("private", private_only, settings)
    with pytest.raises(handler.cluster_access.Refused) as refused:
        handler.cluster_access.plan_endpoint(private_only, props, handler.cluster_access.Record())
    assert (
        "Turning public access on is a security decision this stack does not take by itself:"
        f" {props.public_endpoint_opt_in}, or give discovery another network path. Nothing was changed."
    ) in str(refused.value)


# --- results, counts, the report and the custom resource's data --------------------------------------------


def test_cluster_results_in_the_report() -> None:
    result = handler.ClusterResult
    assert result("not-tagged").to_json() == {"state": "not-tagged"}
    assert result("opened", access_entry="created").to_json() == {"state": "opened", "access_entry": "created"}
    assert result("opened", "", "existing").to_json() == {"state": "opened", "access_entry": "existing"}
    assert result("refused", "private only").to_json() == {"state": "refused", "reason": "private only"}
    assert result("refused", "off again", "created").to_json() == {
        "state": "refused",
        "reason": "off again",
        "access_entry": "created",
    }


def test_count_clusters() -> None:
    result = handler.ClusterResult
    states = ["opened", "opened", "not-tagged", "refused", "failed", "reverted", "pending", "pending"]
    counts = handler.count_clusters({f"c{n}": result(state) for n, state in enumerate(states)})
    assert counts == {
        "Clusters": 8,
        "Opened": 2,
        "NotTagged": 1,
        "Refused": 1,
        "Failed": 1,
        "Reverted": 1,
        "Pending": 2,
    }
    assert list(counts) == list(handler.CLUSTER_COUNT_KEYS)
    assert handler.count_clusters({}) == dict.fromkeys(handler.CLUSTER_COUNT_KEYS, 0)


def test_the_custom_resource_data_names_the_cluster_counts() -> None:
    counts = dict.fromkeys(handler.COUNT_KEYS, 0)
    clusters = handler.count_clusters({"a": handler.ClusterResult("opened"), "b": handler.ClusterResult("pending")})
    assert handler.Outcome("Create", counts=counts, cluster_counts=clusters).data() == {
        "Vpcs": "0",
        "Covered": "0",
        "Created": "0",
        "Removed": "0",
        "Excluded": "0",
        "Failed": "0",
        "Clusters": "2",
        "ClustersOpened": "1",
        "ClustersNotTagged": "0",
        "ClustersRefused": "0",
        "ClustersFailed": "0",
        "ClustersReverted": "0",
        "ClustersPending": "1",
    }
    assert "Clusters" not in handler.Outcome("Create", counts=counts).data()


def test_the_summary_line_counts_the_clusters() -> None:
    clusters = handler.count_clusters({"a": handler.ClusterResult("opened")})
    outcome = handler.Outcome("schedule", counts=dict.fromkeys(handler.COUNT_KEYS, 0), cluster_counts=clusters)
    assert handler.summary_line(outcome) == (
        "coverage schedule: vpcs=0 covered=0 created=0 removed=0 excluded=0 failed=0 clusters: clusters=1 opened=1"
        " nottagged=0 refused=0 failed=0 reverted=0 pending=0 report=unchanged (done)"
    )


def report(clusters: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    written: dict[str, Any] = {
        "owner": OWNER,
        "generated_at": "2023-11-14T22:13:20Z",
        "trigger": "schedule",
        "counts": {"Vpcs": 0, "Covered": 0, "Created": 0, "Removed": 0, "Excluded": 0, "Failed": 0},
        "vpcs": {},
        **extra,
    }
    if clusters is not None:
        written |= {"cluster_coverage": "tagged", "clusters": clusters}
    return written


def test_coverage_view_takes_a_reverted_cluster_for_one_out_of_scope() -> None:
    reverted = report({"prod": {"state": "reverted", "reason": "removed the CIDRs it added"}})
    view = handler.coverage_view(reverted)
    assert view["clusters"] == {"prod": {"state": "not-tagged"}}
    assert view["cluster_coverage"] == "tagged"
    # The next run's report, with the cluster simply not tagged, says the same: it is not written again.
    assert handler.coverage_view(report({"prod": {"state": "not-tagged"}}, trigger="event")) == view


def test_coverage_view_keeps_every_other_cluster_state_whole() -> None:
    clusters = {
        "a": {"state": "opened", "access_entry": "created"},
        "b": {"state": "opened", "access_entry": "existing"},
        "c": {"state": "refused", "reason": "private only"},
        "d": {"state": "failed", "reason": "access denied"},
        "e": {"state": "pending", "reason": handler.CLUSTER_TIME_RAN_OUT},
    }
    assert handler.coverage_view(report(clusters))["clusters"] == clusters
    # An access entry found instead of created, or a new reason, is a change of coverage.
    changed = {**clusters, "a": {"state": "opened", "access_entry": "existing"}}
    assert handler.coverage_view(report(changed)) != handler.coverage_view(report(clusters))


def test_coverage_view_of_a_report_without_clusters() -> None:
    view = handler.coverage_view(report(None))
    assert view["clusters"] == {} and view["cluster_coverage"] is None
    assert handler.coverage_view(report({})) != view  # clusters covered now, though there are none yet


# --- the continuation event --------------------------------------------------------------------------------


def continuation(detail: Any) -> dict[str, Any]:
    return {"source": "airs-onboarding.estate-coverage", "detail-type": "Continuation", "detail": detail}


def test_a_continuation_is_its_own_trigger() -> None:
    assert handler.trigger_of(continuation({"hand_offs": 1, "after": "Create"})) == "continuation"
    assert handler.trigger_of(continuation({})) == "continuation"
    # Both the source and the detail-type: anything else is an event (a sweep) like any other.
    assert handler.trigger_of({"source": "airs-onboarding.estate-coverage", "detail-type": "Other"}) == "event"
    assert handler.trigger_of({"source": "aws.eks", "detail-type": "Continuation"}) == "event"
    # A CloudFormation request is one, whatever else it carries.
    request = {**continuation({}), "RequestType": "Update", "ResponseURL": "https://x"}
    assert handler.trigger_of(request) == "Update"


def test_the_continuation_is_what_the_hand_off_sends() -> None:
    assert (handler.CONTINUATION_SOURCE, handler.CONTINUATION_DETAIL_TYPE) == (
        "airs-onboarding.estate-coverage",
        "Continuation",
    )


@pytest.mark.parametrize(
    ("event", "hand_offs"),
    [
        (continuation({"hand_offs": 1, "after": "Create"}), 1),
        (continuation({"hand_offs": 3}), 3),
        (continuation({"hand_offs": 0}), 0),
        (continuation({}), 0),
        (continuation({"hand_offs": "2"}), 0),
        (continuation({"hand_offs": -1}), 0),
        (continuation({"hand_offs": 1.5}), 0),
        (continuation({"hand_offs": None}), 0),
        (continuation(["hand_offs", 2]), 0),
        (continuation("hand_offs=2"), 0),
        (continuation(None), 0),
        ({"source": "airs-onboarding.estate-coverage", "detail-type": "Continuation"}, 0),
        ({"detail-type": "Scheduled Event", "detail": {}}, 0),
    ],
    ids=[
        "one",
        "three",
        "zero",
        "none-given",
        "text",
        "negative",
        "fraction",
        "null",
        "detail-list",
        "detail-text",
        "detail-null",
        "no-detail",
        "schedule",
    ],
)
def test_hand_offs_of(event: dict[str, Any], hand_offs: int) -> None:
    assert handler.hand_offs_of(event) == hand_offs


@pytest.mark.parametrize("poll", ["0", "-5", "nan", "inf", "301"])
def test_a_poll_interval_out_of_range_is_refused(poll: str) -> None:
    with coverage_harness({**CLUSTERS_ONLY, "POLL_INTERVAL_SECONDS": poll}) as aws:
        answer = aws.cfn("Create")
        assert answer["Reason"] == (
            f"The function's environment is not valid: POLL_INTERVAL_SECONDS is {poll!r}, expected 1 to 300 seconds."
            " Nothing was changed."
        )
