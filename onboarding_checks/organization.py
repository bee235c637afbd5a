"""The organization a StackSet config rolls out to, read in the administrator account (the credentials'):
which accounts its OUs hold (child OUs included: a StackSet that targets an OU deploys to its child OUs
too), which of them the StackSet deploys to, and the rules doctor and verify run there first (trusted
access, the administrator, each OU). ``ORGANIZATION_CHECKS`` lists them in the order they run."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from onboarding_constructs import AUDIT_ROLE_NAME

from .aws import error_code
from .rules import Context, Finding, Rule, Targets, failure, ok, rule, warning

if TYPE_CHECKING:
    from onboarding_config.model import OrganizationConfig

#: The service principal of service-managed StackSets: trusted access and delegated administrators name it.
STACKSETS_PRINCIPAL = "member.org.stacksets.cloudformation.amazonaws.com"
MANAGEMENT_ACCOUNT_SKIPPED = "skipped: StackSets never deploy to the management account"
#: An account in one of these states has no stacks deployed to it.
ACTIVE = "ACTIVE"
#: The accounts an OU row names; it counts the rest.
SHOWN_BY_NUMBER = 10


@dataclass(frozen=True)
class Member:
    """An account the StackSet deploys to: ``ou`` is the listed OU it is under (directly or in a child OU)."""

    account: str
    name: str
    ou: str


@dataclass(frozen=True)
class Skipped:
    """An account of the OUs the StackSet does not deploy to, and why."""

    account: str
    name: str
    ou: str
    reason: str


@dataclass
class OrganizationalUnit:
    """One listed OU (or the root): its name, every account under it (child OUs included, by id, with
    name and status), and why it could not be read (None: read)."""

    id: str
    name: str = ""
    accounts: dict[str, tuple[str, str]] = field(default_factory=dict)
    child_units: int = 0
    missing: str | None = None


@dataclass
class Estate:
    """What the organization's OUs hold and what the StackSet makes of it."""

    management_account: str
    organization_id: str
    units: list[OrganizationalUnit]
    members: list[Member]
    skipped: list[Skipped]


def organization(context: Context) -> OrganizationConfig:
    if context.config.organization is None:
        raise ValueError("the organization checks need a config with an organization section")
    return context.config.organization


def estate(context: Context) -> Estate:
    """The OUs' accounts, read once (DescribeOrganization, then per OU DescribeOrganizationalUnit or ListRoots,
    ListAccountsForParent and ListOrganizationalUnitsForParent down the tree). An OU that does not exist is
    recorded, not raised; a refused call raises (``MissingPermission``)."""
    return context.once("estate", lambda: _read_estate(context))


def _read_estate(context: Context) -> Estate:
    described = context.aws.call("organizations", "describe_organization")["Organization"]
    management = str(described.get("MasterAccountId", ""))
    config = organization(context)
    units = [_read_unit(context, ou) for ou in config.organizational_units]
    members: list[Member] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    include, exclude = set(config.include_accounts), set(config.exclude_accounts)
    for unit in units:
        for account, (name, status) in unit.accounts.items():
            if account in seen:
                continue  # under two listed OUs (an OU and its child): one stack instance per region
            seen.add(account)
            if account == management:
                skipped.append(Skipped(account, name, unit.id, MANAGEMENT_ACCOUNT_SKIPPED))
            elif include and account not in include:
                skipped.append(Skipped(account, name, unit.id, "not targeted: not in organization.include_accounts"))
            elif account in exclude:
                skipped.append(Skipped(account, name, unit.id, "not targeted: in organization.exclude_accounts"))
            elif status != ACTIVE:
                skipped.append(Skipped(account, name, unit.id, f"skipped: the account is {status}, not ACTIVE"))
            else:
                members.append(Member(account, name, unit.id))
    members.sort(key=lambda m: m.account)
    skipped.sort(key=lambda s: s.account)
    return Estate(management, str(described.get("Id", "")), units, members, skipped)


def _read_unit(context: Context, ou: str) -> OrganizationalUnit:
    unit = OrganizationalUnit(ou)
    try:
        if ou.startswith("r-"):
            roots = [r for page in context.aws.pages("organizations", "list_roots") for r in page.get("Roots", [])]
            root = next((r for r in roots if r.get("Id") == ou), None)
            if root is None:
                unit.missing = f"no root {ou} in this organization (its root is {', '.join(r['Id'] for r in roots)})"
                return unit
            unit.name = str(root.get("Name", "Root"))
        else:
            described = context.aws.call("organizations", "describe_organizational_unit", OrganizationalUnitId=ou)
            unit.name = str(described["OrganizationalUnit"].get("Name", ""))
    except ClientError as error:
        if error_code(error) not in ("OrganizationalUnitNotFoundException", "InvalidInputException"):
            raise
        unit.missing = f"no such OU in this organization ({error_code(error)})"
        return unit
    parents = [ou]
    while parents:
        parent = parents.pop(0)
        for page in context.aws.pages("organizations", "list_accounts_for_parent", ParentId=parent):
            for account in page.get("Accounts", []):
                unit.accounts[str(account["Id"])] = (str(account.get("Name", "")), str(account.get("Status", ACTIVE)))
        children = [
            str(child["Id"])
            for page in context.aws.pages("organizations", "list_organizational_units_for_parent", ParentId=parent)
            for child in page.get("OrganizationalUnits", [])
        ]
        unit.child_units += len(children)
        parents += children
    return unit


def audit_role_name(context: Context) -> str:
    """``<iam.role_name_prefix>airs-onboarding-audit``: the read-only role the member template creates when
    ``organization.audit_role`` is true."""
    return f"{context.config.iam.role_name_prefix or ''}{AUDIT_ROLE_NAME}"


@dataclass(frozen=True)
class MemberRole:
    """The role doctor and verify assume in each account: its name, the external id it needs (None: none),
    and whether it is the member template's audit role."""

    name: str
    external_id: str | None
    audit: bool


def member_role(context: Context) -> MemberRole:
    config = organization(context)
    if config.audit_role:
        return MemberRole(audit_role_name(context), config.audit_external_id, audit=True)
    return MemberRole(config.access_role_name, None, audit=False)


# --- the rules --------------------------------------------------------------------------------------------


def _the_organization(context: Context) -> list[str]:
    return ["organization"]


def _the_administrator(context: Context) -> list[str]:
    return [context.account]


def _listed_units(context: Context) -> Sequence[str]:
    return organization(context).organizational_units


ORGANIZATION = Targets("the organization (one row)", _the_organization)
ADMINISTRATOR = Targets("the account of the credentials", _the_administrator)
UNITS = Targets("each of `organization.organizational_units`", _listed_units)
TARGET_ACCOUNTS = Targets("the accounts the StackSet deploys to (one row)", _the_organization)


@rule(
    "StackSets trusted access",
    on=ORGANIZATION,
    checks="trusted access for StackSets is on: ListAWSServiceAccessForOrganization names"
    f" `{STACKSETS_PRINCIPAL}` (without it a service-managed StackSet cannot deploy)",
)
def stacksets_trusted_access(context: Context, _organization: str) -> Iterator[Finding]:
    enabled = [
        str(each.get("ServicePrincipal"))
        for page in context.aws.pages("organizations", "list_aws_service_access_for_organization")
        for each in page.get("EnabledServicePrincipals", [])
    ]
    if STACKSETS_PRINCIPAL in enabled:
        yield ok(f"on ({STACKSETS_PRINCIPAL})")
    else:
        yield failure(
            "off: service-managed StackSets cannot deploy to the organization's accounts",
            "in the management account, activate it: aws cloudformation activate-organizations-access (or the"
            " CloudFormation console: StackSets, Activate trusted access)",
        )


@rule(
    "StackSets administrator",
    on=ADMINISTRATOR,
    checks="with `call_as: SELF`, the credentials are the management account's (DescribeOrganization); with"
    " `DELEGATED_ADMIN`, their account is a registered delegated administrator for StackSets"
    f" (ListDelegatedAdministrators for `{STACKSETS_PRINCIPAL}`)",
)
def stacksets_administrator(context: Context, account: str) -> Iterator[Finding]:
    call_as = organization(context).call_as
    management = estate(context).management_account
    if call_as == "SELF":
        if account == management:
            yield ok("the management account (call_as: SELF)")
        else:
            yield failure(
                f"call_as: SELF deploys from the management account ({management}), and these credentials are of"
                f" {account}",
                f"use credentials of {management}, or register {account} as a delegated administrator and set"
                " organization.call_as: DELEGATED_ADMIN",
            )
        return
    if account == management:
        yield warning(
            "the management account, with call_as: DELEGATED_ADMIN (a delegated administrator deploys with it)",
            "set organization.call_as: SELF to deploy from the management account",
        )
        return
    admins = [
        str(each.get("Id"))
        for page in context.aws.pages(
            "organizations", "list_delegated_administrators", ServicePrincipal=STACKSETS_PRINCIPAL
        )
        for each in page.get("DelegatedAdministrators", [])
    ]
    if account in admins:
        yield ok("a registered delegated administrator for StackSets (call_as: DELEGATED_ADMIN)")
    else:
        yield failure(
            f"not a delegated administrator for StackSets (registered: {', '.join(admins) or 'none'})",
            f"in the management account: aws organizations register-delegated-administrator --service-principal"
            f" {STACKSETS_PRINCIPAL} --account-id {account}",
        )


@rule(
    "organizational unit",
    on=UNITS,
    checks="it exists (DescribeOrganizationalUnit; a root id: ListRoots) and which accounts it holds, child OUs"
    " included (ListAccountsForParent, ListOrganizationalUnitsForParent), as the StackSet deploys: the management"
    " account is flagged skipped (StackSets never deploy to it), `include_accounts`/`exclude_accounts` applied,"
    " an account that is not ACTIVE warns; an OU with no account to deploy to warns",
)
def organizational_unit(context: Context, ou: str) -> Iterator[Finding]:
    found = estate(context)
    unit = next(u for u in found.units if u.id == ou)
    if unit.missing:
        yield failure(
            unit.missing,
            "correct organization.organizational_units (aws organizations list-organizational-units-for-parent"
            " --parent-id <root or OU id> lists them)",
        )
        return
    members = [m.account for m in found.members if m.account in unit.accounts]
    skipped = [s for s in found.skipped if s.account in unit.accounts]
    children = f", {unit.child_units} child OU(s)" if unit.child_units else ""
    detail = f"{unit.name or ou}: {len(unit.accounts)} account(s){children}; the StackSet deploys to {len(members)}"
    detail += f" ({_named(members)})" if members else ""
    yield (ok(detail) if members else warning(detail, "move the accounts to onboard into it, or correct the list"))
    for each in skipped:
        on = f"{each.account} ({each.name})" if each.name else each.account
        if each.reason == MANAGEMENT_ACCOUNT_SKIPPED:
            yield ok(f"{MANAGEMENT_ACCOUNT_SKIPPED}: onboard it with a config without an organization section", on=on)
        elif each.reason.startswith("not targeted"):
            yield ok(each.reason, on=on)
        else:
            yield warning(
                f"{each.reason}: a deploy to it fails and counts against the failure tolerance",
                "add it to organization.exclude_accounts, or move it out of the OU",
                on=on,
            )


def _named(accounts: list[str]) -> str:
    shown = ", ".join(accounts[:SHOWN_BY_NUMBER])
    return shown + (f" and {len(accounts) - SHOWN_BY_NUMBER} more" if len(accounts) > SHOWN_BY_NUMBER else "")


@rule(
    "target accounts",
    on=TARGET_ACCOUNTS,
    checks="the accounts and regions doctor and verify check next (each account's role: `access_role_name`, or"
    " the audit role); an account of `include_accounts` in none of the OUs warns (nothing is deployed to it)",
)
def target_accounts(context: Context, _organization: str) -> Iterator[Finding]:
    found = estate(context)
    config = organization(context)
    regions = config.regions
    role = member_role(context)
    held = {account for unit in found.units for account in unit.accounts}
    yield ok(
        f"{len(found.members)} account(s) x {len(regions)} region(s) ({', '.join(regions)}), checked through the role"
        f" {role.name}" + (" (the member template's audit role)" if role.audit else "")
    )
    for account in config.include_accounts:
        if account not in held:
            yield warning(
                f"organization.include_accounts names {account}, which is in none of the OUs: nothing is deployed"
                " to it",
                "move the account into one of the OUs, or remove it from include_accounts",
                on=account,
            )


ORGANIZATION_CHECKS: tuple[Rule[Any], ...] = (
    stacksets_trusted_access,
    stacksets_administrator,
    organizational_unit,
    target_accounts,
)
