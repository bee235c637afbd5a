"""``eks.coverage``: listed clusters (as before), the clusters carrying the opt-in tag, or every cluster
of the account and region, with the keys ``opt_in_tag`` and ``public_endpoint_tag``: their defaults and
every message, word for word."""

from __future__ import annotations

from typing import Any

import pytest

from onboarding_config.loader import ConfigError, Problem, config_from_mapping, load_config, parse_config
from onboarding_config.model import EksConfig, OptInTagConfig, PublicEndpointTagConfig
from onboarding_constructs import DEFAULT_OPT_IN_TAG, DEFAULT_PUBLIC_ENDPOINT_TAG
from onboarding_constructs.validation import opt_in_tag_problems, public_endpoint_tag_problems
from tests.conftest import MINIMAL_CONFIG, REPO_ROOT, config_with, load

ROLE = "arn:aws:iam::111111111111:role/airs-discovery"
ORGANIZATION = {"organizational_units": ["ou-abcd-12345678"], "regions": ["us-east-1"]}

CLUSTERS_WITH_TAGGED = (
    "not used with coverage: tagged, which opens every cluster of the account and region that carries opt_in_tag;"
    " remove it, or set coverage: listed to open only the listed clusters"
)
CLUSTERS_WITH_ALL = (
    "not used with coverage: all, which opens every cluster of the account and region; remove it, or set coverage:"
    " listed to open only the listed clusters"
)
OPT_IN_TAG_ONLY = (
    "applies to coverage: tagged only, and coverage is {coverage}; remove it, or set coverage: tagged to open only the"
    " clusters carrying the tag"
)
PUBLIC_ENDPOINT_TAG_ONLY = (
    "applies to coverage: tagged or all only, and coverage is listed (a listed cluster allows public access with"
    " clusters[].enable_public_endpoint); remove it, or set coverage: tagged to open the clusters carrying opt_in_tag"
)


def with_eks(**eks: Any) -> dict[str, Any]:
    """MINIMAL_CONFIG with an eks section of these keys (and a discovery role)."""
    return config_with(eks={"discovery_role_arn": ROLE, **eks})


def eks_of(data: dict[str, Any]) -> EksConfig:
    eks = load(data).eks
    assert eks is not None
    return eks


def problems_of(data: dict[str, Any]) -> list[Problem]:
    with pytest.raises(ConfigError) as info:
        config_from_mapping(data, source="test.yaml")
    return info.value.problems


# --- defaults ---------------------------------------------------------------------------------------------


def test_coverage_is_listed_by_default() -> None:
    """``all`` changes every cluster of the account: it is never what a config gets without writing it."""
    eks = eks_of(with_eks(clusters=[{"name": "prod-eks"}]))
    assert eks.coverage == "listed"
    assert eks.dynamic is False
    assert [c.name for c in eks.clusters] == ["prod-eks"]


@pytest.mark.parametrize("coverage", [None, "listed", "tagged", "all"])
def test_the_tags_have_their_defaults(coverage: str | None) -> None:
    eks = eks_of(with_eks(**({"coverage": coverage} if coverage else {})))
    assert eks.opt_in_tag == OptInTagConfig(key="airs-discovery", value="on")
    assert eks.public_endpoint_tag == PublicEndpointTagConfig(key="airs-discovery-public-endpoint", value="allow")
    # The construct's defaults: one place says what they are.
    assert (eks.opt_in_tag.key, eks.opt_in_tag.value) == DEFAULT_OPT_IN_TAG
    assert (eks.public_endpoint_tag.key, eks.public_endpoint_tag.value) == DEFAULT_PUBLIC_ENDPOINT_TAG


@pytest.mark.parametrize("coverage", ["tagged", "all"])
def test_tagged_and_all_are_dynamic_and_need_no_cluster(coverage: str) -> None:
    eks = eks_of(with_eks(coverage=coverage))
    assert (eks.coverage, eks.dynamic, eks.clusters) == (coverage, True, ())


@pytest.mark.parametrize("coverage", ["tagged", "all"])
def test_tagged_and_all_accept_an_empty_cluster_list(coverage: str) -> None:
    assert eks_of(with_eks(coverage=coverage, clusters=[])).clusters == ()


def test_listed_with_no_cluster_is_still_accepted() -> None:
    assert eks_of(with_eks(coverage="listed")).clusters == ()


def test_tagged_still_needs_a_discovery_role() -> None:
    assert problems_of(config_with(eks={"coverage": "tagged"})) == [
        Problem(
            "eks.discovery_role_arn",
            "missing: give the role the AIRS onboarding created, or add a discovery_role section to create one here",
        )
    ]


# --- accepted values ----------------------------------------------------------------------------------------


def test_every_tagged_key_at_once() -> None:
    eks = eks_of(
        with_eks(
            coverage="tagged",
            opt_in_tag={"key": "discovery", "value": "yes"},
            public_endpoint_tag={"key": "discovery-public", "value": "ok"},
            allowed_cidrs=["34.71.64.3/32"],
        )
    )
    assert eks.model_dump(mode="json") == {
        "coverage": "tagged",
        "discovery_role_arn": ROLE,
        "allowed_cidrs": ["34.71.64.3/32"],
        "clusters": [],
        "opt_in_tag": {"key": "discovery", "value": "yes"},
        "public_endpoint_tag": {"key": "discovery-public", "value": "ok"},
        "log_group_kms_key_arn": None,
    }


@pytest.mark.parametrize("coverage", ["tagged", "all"])
def test_public_endpoint_tag_null_refuses_every_private_only_cluster(coverage: str) -> None:
    assert eks_of(with_eks(coverage=coverage, public_endpoint_tag=None)).public_endpoint_tag is None


def test_all_takes_a_public_endpoint_tag() -> None:
    tag = eks_of(with_eks(coverage="all", public_endpoint_tag={"key": "k", "value": ""})).public_endpoint_tag
    assert tag == PublicEndpointTagConfig(key="k", value="")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        pytest.param("k", "", id="empty-value"),
        pytest.param("k" * 128, "v" * 256, id="longest"),
        pytest.param("team/discovery:open", "a+b=c.d_e@f-g", id="punctuation"),
        pytest.param("awsx", "aws:ok", id="aws-not-a-prefix-of-the-key"),
    ],
)
@pytest.mark.parametrize("field", ["opt_in_tag", "public_endpoint_tag"])
def test_tag_limits(field: str, key: str, value: str) -> None:
    tag = getattr(eks_of(with_eks(coverage="tagged", **{field: {"key": key, "value": value}})), field)
    assert (tag.key, tag.value) == (key, value)


def test_tagged_from_yaml() -> None:
    text = (
        "region: us-east-1\n"
        "flow_logs: {subnet_ids: [subnet-0a1b2c3d]}\n"
        "eks:\n"
        f"  discovery_role_arn: {ROLE}\n"
        "  coverage: tagged\n"
        '  opt_in_tag: {key: airs-discovery, value: "on"}\n'
        "  public_endpoint_tag: {key: airs-discovery-public-endpoint, value: allow}\n"
    )
    eks = parse_config(text, source="t.yaml").eks
    assert eks is not None
    assert eks.opt_in_tag == OptInTagConfig(key="airs-discovery", value="on")
    assert eks.public_endpoint_tag == PublicEndpointTagConfig(key="airs-discovery-public-endpoint", value="allow")


def test_the_config_is_read_only() -> None:
    eks = eks_of(with_eks(coverage="tagged"))
    with pytest.raises(Exception, match="frozen"):
        eks.coverage = "all"  # type: ignore[misc]
    with pytest.raises(Exception, match="frozen"):
        eks.opt_in_tag.value = "off"  # type: ignore[misc]


# --- messages -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param("tag", "'tag' is not allowed (expected 'listed', 'tagged' or 'all')", id="unknown"),
        pytest.param("Tagged", "'Tagged' is not allowed (expected 'listed', 'tagged' or 'all')", id="case"),
        pytest.param("all-vpcs", "'all-vpcs' is not allowed (expected 'listed', 'tagged' or 'all')", id="vpc-word"),
        pytest.param(None, "None is not allowed (expected 'listed', 'tagged' or 'all')", id="null"),
    ],
)
def test_coverage_values(value: Any, message: str) -> None:
    assert problems_of(with_eks(coverage=value)) == [Problem("eks.coverage", message)]


@pytest.mark.parametrize(
    ("coverage", "message"),
    [pytest.param("tagged", CLUSTERS_WITH_TAGGED, id="tagged"), pytest.param("all", CLUSTERS_WITH_ALL, id="all")],
)
def test_clusters_are_refused_unless_listed(coverage: str, message: str) -> None:
    data = with_eks(coverage=coverage, clusters=[{"name": "prod-eks"}])
    assert problems_of(data) == [Problem("eks.clusters", message)]


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        pytest.param(
            {"opt_in_tag": {"key": "a", "value": "b"}},
            [Problem("eks.opt_in_tag", OPT_IN_TAG_ONLY.format(coverage="listed"))],
            id="listed-by-default",
        ),
        pytest.param(
            {"coverage": "listed", "opt_in_tag": {"key": "airs-discovery", "value": "on"}},
            [Problem("eks.opt_in_tag", OPT_IN_TAG_ONLY.format(coverage="listed"))],
            id="listed-the-default-tag",
        ),
        pytest.param(
            {"coverage": "all", "opt_in_tag": {"key": "a", "value": "b"}},
            [Problem("eks.opt_in_tag", OPT_IN_TAG_ONLY.format(coverage="all"))],
            id="all",
        ),
        pytest.param(
            {"public_endpoint_tag": {"key": "a", "value": "b"}},
            [Problem("eks.public_endpoint_tag", PUBLIC_ENDPOINT_TAG_ONLY)],
            id="public-tag-listed",
        ),
        pytest.param(
            {"coverage": "listed", "public_endpoint_tag": None},
            [Problem("eks.public_endpoint_tag", PUBLIC_ENDPOINT_TAG_ONLY)],
            id="public-tag-null-listed",
        ),
        pytest.param(
            {"coverage": "all", "clusters": [{"name": "a"}], "opt_in_tag": {"key": "a", "value": "b"}},
            [
                Problem("eks.clusters", CLUSTERS_WITH_ALL),
                Problem("eks.opt_in_tag", OPT_IN_TAG_ONLY.format(coverage="all")),
            ],
            id="every-problem-at-once",
        ),
        pytest.param(
            {"clusters": [{"name": "a"}], "opt_in_tag": {"key": "a", "value": "b"}, "public_endpoint_tag": None},
            [
                Problem("eks.opt_in_tag", OPT_IN_TAG_ONLY.format(coverage="listed")),
                Problem("eks.public_endpoint_tag", PUBLIC_ENDPOINT_TAG_ONLY),
            ],
            id="both-tags-listed",
        ),
    ],
)
def test_tag_keys_are_refused_where_they_do_nothing(keys: dict[str, Any], expected: list[Problem]) -> None:
    assert problems_of(with_eks(**keys)) == expected


def test_opt_in_tag_cannot_be_null() -> None:
    assert problems_of(with_eks(coverage="tagged", opt_in_tag=None)) == [
        Problem("eks.opt_in_tag", "expected a mapping of keys, got null")
    ]


@pytest.mark.parametrize(
    ("field", "rule"),
    [("opt_in_tag", opt_in_tag_problems), ("public_endpoint_tag", public_endpoint_tag_problems)],
)
@pytest.mark.parametrize("tag", [("aws:discovery", "x" * 257), ("a;b", "c;d"), ("airs-onboarding:coverage", "x")])
def test_the_tags_are_refused_in_the_librarys_words(field: str, rule: Any, tag: tuple[str, str]) -> None:
    """One rule: the config's message is the library's, for the tag the construct would get."""
    expected = rule(tag)
    assert expected
    assert problems_of(with_eks(coverage="tagged", **{field: {"key": tag[0], "value": tag[1]}})) == [
        Problem(f"eks.{field}", problem) for problem in expected
    ]


@pytest.mark.parametrize("field", ["opt_in_tag", "public_endpoint_tag"])
@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        pytest.param(
            {"key": "", "value": "on"}, [("", "key '' is not a tag key (expected 1 to 128 characters)")], id="empty"
        ),
        pytest.param(
            {"key": "k" * 129, "value": "on"},
            [("", f"key {'k' * 129!r} is not a tag key (expected 1 to 128 characters)")],
            id="key-too-long",
        ),
        pytest.param(
            {"key": "AWS:discovery", "value": "on"},
            [("", "key 'AWS:discovery' starts with 'aws:', which AWS reserves for its own tags")],
            id="aws-prefix-any-case",
        ),
        pytest.param(
            {"key": "k", "value": "v" * 257},
            [("", f"value {'v' * 257!r} is not a tag value (expected at most 256 characters)")],
            id="value-too-long",
        ),
        pytest.param(
            {"key": "${Token[TOKEN.1]}", "value": "on"},
            [
                (
                    ".key",
                    "'${Token[TOKEN.1]}' is CDK token syntax, which a config file cannot use (write the literal value)",
                )
            ],
            id="token",
        ),
        pytest.param(
            {"key": "k", "value": True}, [(".value", "expected text, got true (put it in quotes)")], id="unquoted-on"
        ),
        pytest.param(
            {"key": "k", "value": 1}, [(".value", "expected text, got a number 1 (put it in quotes)")], id="number"
        ),
        pytest.param({"key": "k"}, [(".value", "required key is missing")], id="value-missing"),
        pytest.param({"value": "on"}, [(".key", "required key is missing")], id="key-missing"),
        pytest.param(
            {"key": "k", "value": "v", "Value": "w"},
            [(".Value", "unknown key 'Value'; did you mean 'value'? expected one of: key, value")],
            id="unknown-key",
        ),
        pytest.param(
            "airs-discovery=on", [("", "expected a mapping of keys, got text 'airs-discovery=on'")], id="text"
        ),
        pytest.param(
            {"key": "a;b", "value": "c;d"},
            [
                ("", "key 'a;b' is not an EKS tag key (expected letters, digits, spaces and _.:/=+-@)"),
                ("", "value 'c;d' is not an EKS tag value (expected letters, digits, spaces and _.:/=+-@)"),
            ],
            id="characters-eks-refuses",
        ),
        pytest.param(
            {"key": "airs-onboarding:Coverage", "value": "x"},
            [
                (
                    "",
                    "key 'airs-onboarding:Coverage' is 'airs-onboarding:coverage', the tag the runner marks the"
                    " clusters it changed with (expected another key)",
                )
            ],
            id="the-runners-own-key",
        ),
    ],
)
def test_tag_messages(field: str, tag: Any, expected: list[tuple[str, str]]) -> None:
    assert problems_of(with_eks(coverage="tagged", **{field: tag})) == [
        Problem(f"eks.{field}{suffix}", message) for suffix, message in expected
    ]


@pytest.mark.parametrize(
    ("keys", "shared_key"),
    [
        pytest.param(
            {"public_endpoint_tag": {"key": "airs-discovery", "value": "allow"}}, "airs-discovery", id="default-key"
        ),
        pytest.param(
            {"opt_in_tag": {"key": "team", "value": "on"}, "public_endpoint_tag": {"key": "Team", "value": "on"}},
            "team",
            id="any-case",
        ),
    ],
)
def test_tagged_refuses_one_key_for_both_tags(keys: dict[str, Any], shared_key: str) -> None:
    """A cluster has one value per key: it could never be opened and allowed public access at once."""
    assert problems_of(with_eks(coverage="tagged", **keys)) == [
        Problem(
            "eks.public_endpoint_tag",
            f"opt_in_tag and public_endpoint_tag share the key {shared_key!r}, but a cluster carries one value per"
            " key (expected two keys)",
        )
    ]


def test_all_may_use_the_opt_in_key_for_public_access() -> None:
    """With all, the opt-in tag is not used: its key is free."""
    eks = eks_of(with_eks(coverage="all", public_endpoint_tag={"key": "airs-discovery", "value": "allow"}))
    assert eks.public_endpoint_tag == PublicEndpointTagConfig(key="airs-discovery", value="allow")


def test_unquoted_on_in_yaml_names_the_key() -> None:
    # YAML 1.1 reads an unquoted on as true: the example quotes it.
    text = (
        "region: us-east-1\nflow_logs: {subnet_ids: [subnet-0a1b2c3d]}\n"
        f"eks:\n  discovery_role_arn: {ROLE}\n  coverage: tagged\n  opt_in_tag: {{key: airs-discovery, value: on}}\n"
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="t.yaml")
    assert info.value.problems == [Problem("eks.opt_in_tag.value", "expected text, got true (put it in quotes)")]


# --- with an organization: the clusters their owners tag (or all), names refused ------------------------------

ORG_WHY = (
    "a StackSet instance group's parameters go to every account and region it targets, and cluster names belong to"
    " one account and region"
)
OPT_IN_ADVICE = "each cluster's owners open it by tagging it airs-discovery=on (eks.opt_in_tag)"


def in_organization(**eks: Any) -> dict[str, Any]:
    return {
        "region": "us-east-1",
        "flow_logs": {},
        "eks": {"discovery_role_arn": ROLE, **eks},
        "organization": dict(ORGANIZATION),
    }


def test_tagged_is_the_default_in_an_organization() -> None:
    eks = load(in_organization()).eks
    assert eks is not None and (eks.coverage, eks.clusters, eks.dynamic) == ("tagged", (), True)
    assert eks.opt_in_tag == OptInTagConfig(key="airs-discovery", value="on")


def test_the_tags_need_no_coverage_written_in_an_organization() -> None:
    eks = load(in_organization(opt_in_tag={"key": "team", "value": "open"}, public_endpoint_tag=None)).eks
    assert eks is not None
    assert (eks.coverage, eks.opt_in_tag, eks.public_endpoint_tag) == (
        "tagged",
        OptInTagConfig(key="team", value="open"),
        None,
    )


def test_all_written_out_is_accepted_in_an_organization() -> None:
    eks = load(in_organization(coverage="all")).eks
    assert eks is not None and eks.coverage == "all"


def test_listed_is_refused_in_an_organization_in_full() -> None:
    assert problems_of(in_organization(coverage="listed")) == [
        Problem(
            "eks.coverage",
            f"'listed' is not used with organization: {ORG_WHY}; remove it (coverage: tagged, where {OPT_IN_ADVICE}),"
            " or write coverage: all to open every cluster of each account and region",
        )
    ]


def test_listed_with_its_keys_in_an_organization_is_refused_once() -> None:
    """The keys that do not fit listed are not refused on top: removing coverage: listed fits them."""
    data = in_organization(coverage="listed", opt_in_tag={"key": "a", "value": "b"}, public_endpoint_tag=None)
    assert [p.path for p in problems_of(data)] == ["eks.coverage"]


@pytest.mark.parametrize(
    ("coverage", "advice"),
    [
        (None, OPT_IN_ADVICE),
        ("tagged", OPT_IN_ADVICE),
        ("all", "coverage: all opens every cluster of each account and region"),
    ],
    ids=["default", "tagged", "all"],
)
def test_clusters_are_refused_in_an_organization_in_full(coverage: str | None, advice: str) -> None:
    eks: dict[str, Any] = {"clusters": [{"name": "prod-eks"}, {"name": "dev-eks"}]}
    if coverage:
        eks["coverage"] = coverage
    assert problems_of(in_organization(**eks)) == [
        Problem("eks.clusters", f"'prod-eks', 'dev-eks' not used with organization: {ORG_WHY}; remove it, and {advice}")
    ]


def test_listed_with_clusters_in_an_organization_names_both() -> None:
    found = problems_of(in_organization(coverage="listed", clusters=[{"name": "prod"}]))
    assert [p.path for p in found] == ["eks.coverage", "eks.clusters"]


def test_the_advice_names_the_configs_own_opt_in_tag() -> None:
    [problem] = problems_of(in_organization(clusters=[{"name": "a"}], opt_in_tag={"key": "k", "value": "v"}))
    assert problem.message.endswith("and each cluster's owners open it by tagging it k=v (eks.opt_in_tag)")


def test_minimal_config_has_no_eks() -> None:
    assert load(MINIMAL_CONFIG).eks is None


# --- config/eks-tagged.example.yaml -----------------------------------------------------------------------


def test_the_eks_tagged_example_uses_tagged_with_the_defaults_written_out() -> None:
    config = load_config(REPO_ROOT / "config" / "eks-tagged.example.yaml")
    eks = config.eks
    assert eks is not None
    assert (eks.coverage, eks.clusters, eks.discovery_role_arn) == ("tagged", (), None)
    assert eks.opt_in_tag == OptInTagConfig(key="airs-discovery", value="on")
    assert eks.public_endpoint_tag == PublicEndpointTagConfig(key="airs-discovery-public-endpoint", value="allow")
    assert {"opt_in_tag", "public_endpoint_tag", "coverage"} <= eks.model_fields_set  # written out, not defaulted
    assert config.discovery_role is not None  # the role the access entries are for
    assert config.organization is None
    assert not config.flow_logs.all_vpcs and config.flow_logs.vpc_ids
