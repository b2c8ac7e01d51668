"""The standard Dataverse / Dynamics 365 tables the app touches, with their real logical names,
entity set names, lookup navigation properties and choice values, plus the rows every org has."""

from __future__ import annotations

from typing import Any

from local_runtime.dataverse_emulator._schema import Attribute, Entity, Relationship

APP_USER_ID = "5f0e6c8e-1d0b-4a8a-9c41-0a1b2c3d4e5f"
BUSINESS_UNIT_ID = "7a2d9c1e-3b4f-4e6a-8d0c-1e2f3a4b5c6d"
ORGANIZATION_ID = "2c9b7e5a-6d4f-4b1a-9e8c-3f2a1b0c9d8e"
BASE_CURRENCY_ID = "b3a1c2d4-0e5f-4a6b-8c7d-9e0f1a2b3c4d"

_ACTIVE = {0: "Active", 1: "Inactive"}
_CONTACT_METHODS = {1: "Any", 2: "Email", 3: "Phone", 4: "Fax", 5: "Mail"}
_REGARDING = ("account", "contact", "salesorder")
_CONTRACTS = {1: "OneWay", 2: "Queue", 3: "Rest", 4: "TwoWay", 5: "Topic", 6: "Queue (Persistent)",
              7: "Event Hub", 8: "Webhook", 9: "Event Grid"}  # fmt: skip
_AUTH_TYPES = {1: "ACS", 2: "SAS Key", 3: "SAS Token", 4: "Webhook Key", 5: "Http Header",
               6: "Http Query String", 7: "Connection String", 8: "Access Key",
               9: "Managed Identity"}  # fmt: skip
_ACTIVE_STATUS = ({1: "Active", 2: "Inactive"}, {1: 0, 2: 1})


def S(name: str, max_length: int = 100, **extra: Any) -> Attribute:
    return Attribute(name, name, "String", max_length=max_length, **extra)


def T(name: str, kind: str, **extra: Any) -> Attribute:
    return Attribute(name, name, kind, **extra)


def L(name: str, navigation: dict[str, list[str]], kind: str = "Lookup") -> Attribute:
    return Attribute(name, name, kind, navigation=navigation)


def _owner() -> Attribute:
    return L("ownerid", {"ownerid": ["systemuser", "team"]}, "Owner")


def _state_status(states: dict[int, str], statuses: tuple[dict[int, str], dict[int, int]]) -> list[Attribute]:
    return [
        T("statecode", "State", options=dict(states)),
        T("statuscode", "Status", options=dict(statuses[0]), status_state=dict(statuses[1])),
    ]


def _table(
    logical_name: str,
    entity_set: str,
    primary_name: str | None,
    attributes: list[Attribute],
    *,
    primary_id: str | None = None,
    code: int,
    ownership: str = "UserOwned",
    is_activity: bool = False,
    audit: bool = True,
) -> Entity:
    primary = primary_id or f"{logical_name}id"
    entity = Entity(
        logical_name, logical_name, entity_set, primary, primary_name,
        ownership=ownership, is_activity=is_activity, object_type_code=code,
    )  # fmt: skip
    entity.add(Attribute(primary, primary, "Uniqueidentifier", is_primary_id=True))
    for attribute in attributes:
        if attribute.logical_name == primary_name:
            attribute.is_primary_name = True
        entity.add(attribute)
    if audit:
        entity.add(T("createdon", "DateTime", read_only=True))
        entity.add(T("modifiedon", "DateTime", read_only=True))
    return entity


def standard_entities() -> list[Entity]:
    customer = {"account": ["account"], "contact": ["contact"]}
    return [
        _table("contact", "contacts", "fullname", [
            S("firstname", 50), S("lastname", 50), S("middlename", 50), S("fullname", 160, read_only=True),
            S("jobtitle"), S("mobilephone", 50), S("telephone1", 50), S("telephone2", 50),
            S("emailaddress1"), S("emailaddress2"), S("address1_line1", 250), S("address1_city", 80),
            S("address1_postalcode", 20), S("address1_country", 80),
            T("birthdate", "DateTime", date_only=True),
            T("donotphone", "Boolean", options={1: "Do Not Allow", 0: "Allow"}),
            T("donotemail", "Boolean", options={1: "Do Not Allow", 0: "Allow"}),
            T("donotbulkemail", "Boolean", options={1: "Do Not Allow", 0: "Allow"}),
            T("donotsendmm", "Boolean", options={1: "Do Not Send", 0: "Send"}),
            T("preferredcontactmethodcode", "Picklist", options=_CONTACT_METHODS),
            T("description", "Memo", max_length=2000),
            L("parentcustomerid", {f"parentcustomerid_{t}": [t] for t in customer}, "Customer"),
            _owner(), *_state_status(_ACTIVE, _ACTIVE_STATUS),
        ], code=2),
        _table("account", "accounts", "name", [
            S("name", 160), S("accountnumber", 20), S("telephone1", 50), S("emailaddress1"),
            S("websiteurl", 200),
            S("address1_line1", 250), S("address1_city", 80), S("address1_postalcode", 20),
            S("address1_country", 80), T("description", "Memo", max_length=2000),
            L("primarycontactid", {"primarycontactid": ["contact"]}),
            L("parentaccountid", {"parentaccountid": ["account"]}),
            _owner(), *_state_status(_ACTIVE, _ACTIVE_STATUS),
        ], code=1),
        _table("salesorder", "salesorders", "name", [
            S("name", 300), S("ordernumber", 100), T("totalamount", "Money", precision=2),
            T("totallineitemamount", "Money", precision=2), T("freightamount", "Money", precision=2),
            L("customerid", {f"customerid_{t}": [t] for t in customer}, "Customer"),
            L("transactioncurrencyid", {"transactioncurrencyid": ["transactioncurrency"]}),
            S("shipto_name", 200), S("shipto_line1", 250), S("shipto_city", 80), S("shipto_postalcode", 20),
            S("shipto_country", 80), S("shipto_telephone", 50), T("description", "Memo", max_length=2000),
            T("datefulfilled", "DateTime"), T("requestdeliveryby", "DateTime", date_only=True),
            _owner(),
            *_state_status(
                {0: "Active", 1: "Submitted", 2: "Canceled", 3: "Fulfilled", 4: "Invoiced"},
                (
                    {1: "New", 2: "Pending", 3: "In Progress", 4: "No Money", 100001: "Complete",
                     100002: "Partial", 100003: "Invoiced"},
                    {1: 0, 2: 0, 3: 1, 4: 2, 100001: 3, 100002: 3, 100003: 4},
                ),
            ),
        ], code=1088),
        _table("salesorderdetail", "salesorderdetails", None, [
            L("salesorderid", {"salesorderid": ["salesorder"]}), S("productdescription", 500),
            T("quantity", "Decimal", precision=5), T("priceperunit", "Money", precision=2),
            T("extendedamount", "Money", precision=2),
            T("isproductoverridden", "Boolean", options={1: "Write-In", 0: "Existing"}),
            L("transactioncurrencyid", {"transactioncurrencyid": ["transactioncurrency"]}),
            T("lineitemnumber", "Integer"),
        ], code=1089),
        _table("task", "tasks", "subject", [
            S("subject", 200), T("description", "Memo", max_length=2000), T("scheduledend", "DateTime"),
            T("actualend", "DateTime"),
            T("prioritycode", "Picklist", options={0: "Low", 1: "Normal", 2: "High"}),
            L("regardingobjectid", {f"regardingobjectid_{t}_task": [t] for t in _REGARDING}),
            _owner(),
            *_state_status(
                {0: "Open", 1: "Completed", 2: "Canceled"},
                (
                    {2: "Not Started", 3: "In Progress", 4: "Waiting on someone else", 7: "Deferred",
                     5: "Completed", 6: "Canceled"},
                    {2: 0, 3: 0, 4: 0, 7: 0, 5: 1, 6: 2},
                ),
            ),
        ], primary_id="activityid", code=4212, is_activity=True),
        _table("systemuser", "systemusers", "fullname", [
            S("fullname", 200, read_only=True), S("firstname", 64), S("lastname", 64),
            S("internalemailaddress"),
            S("domainname", 1024), S("applicationid", 100),
        ], code=8, ownership="BusinessOwned"),
        _table("team", "teams", "name", [S("name", 160)], code=9, ownership="BusinessOwned"),
        _table("transactioncurrency", "transactioncurrencies", "currencyname", [
            S("currencyname", 100), S("isocurrencycode", 5), S("currencysymbol", 10),
            T("exchangerate", "Decimal", precision=10), T("currencyprecision", "Integer"),
        ], code=9105, ownership="OrganizationOwned"),
        _table("publisher", "publishers", "friendlyname", [
            S("uniquename", 256), S("friendlyname", 256), S("customizationprefix", 8),
            T("customizationoptionvalueprefix", "Integer"), T("description", "Memo", max_length=2000),
        ], code=7101, ownership="OrganizationOwned"),
        _table("solution", "solutions", "friendlyname", [
            S("uniquename", 65), S("friendlyname", 256), S("version", 256), T("ismanaged", "Boolean"),
            L("publisherid", {"publisherid": ["publisher"]}), T("description", "Memo", max_length=2000),
        ], code=7100, ownership="OrganizationOwned"),
        _table("serviceendpoint", "serviceendpoints", "name", [
            S("name", 256), S("url", 2000), S("namespaceaddress", 2000), S("path", 160),
            S("solutionnamespace", 160),
            T("contract", "Picklist", options=_CONTRACTS),
            T("authtype", "Picklist", options=_AUTH_TYPES),
            T("messageformat", "Picklist", options={1: ".NETBinary", 2: "XML", 3: "Json"}),
            T("userclaim", "Picklist", options={1: "None", 2: "UserId", 3: "UserInfo"}),
            T("connectionmode", "Picklist", options={1: "Normal", 2: "Federated"}),
            S("authvalue", 4000), S("saskeyname", 256), S("saskey", 256),
            T("description", "Memo", max_length=2000),
        ], code=4618, ownership="OrganizationOwned"),
        _table("sdkmessage", "sdkmessages", "name", [S("name", 256)], code=4606,
               ownership="OrganizationOwned"),
        _table("sdkmessagefilter", "sdkmessagefilters", None, [
            S("primaryobjecttypecode", 100), L("sdkmessageid", {"sdkmessageid": ["sdkmessage"]}),
        ], code=4607, ownership="OrganizationOwned"),
        _table("sdkmessageprocessingstep", "sdkmessageprocessingsteps", "name", [
            S("name", 256), S("filteringattributes", 100000), S("configuration", 100000),
            T("description", "Memo", max_length=256), T("rank", "Integer"),
            T("stage", "Picklist", options={10: "Pre-validation", 20: "Pre-operation", 40: "Post-operation"}),
            T("mode", "Picklist", options={0: "Synchronous", 1: "Asynchronous"}),
            T("supporteddeployment", "Picklist",
              options={0: "Server Only", 1: "Outlook Client Only", 2: "Both"}),
            T("asyncautodelete", "Boolean"),
            L("sdkmessageid", {"sdkmessageid": ["sdkmessage"]}),
            L("sdkmessagefilterid", {"sdkmessagefilterid": ["sdkmessagefilter"]}),
            L("eventhandler", {"eventhandler_serviceendpoint": ["serviceendpoint"]}),
            *_state_status({0: "Enabled", 1: "Disabled"}, ({1: "Enabled", 2: "Disabled"}, {1: 0, 2: 1})),
        ], code=4608, ownership="OrganizationOwned"),
        _table("sdkmessageprocessingstepimage", "sdkmessageprocessingstepimages", "name", [
            S("name", 256), S("entityalias", 256), S("attributes", 100000), S("messagepropertyname", 256),
            T("imagetype", "Picklist", options={0: "PreImage", 1: "PostImage", 2: "Both"}),
            L("sdkmessageprocessingstepid", {"sdkmessageprocessingstepid": ["sdkmessageprocessingstep"]}),
        ], code=4615, ownership="OrganizationOwned"),
    ]  # fmt: skip


def standard_relationships() -> list[Relationship]:
    return [
        Relationship("order_details", "salesorder", "salesorderid", "salesorderdetail", "salesorderid",
                     "salesorderid", "order_details", "Cascade", False),
        Relationship("contact_customer_accounts", "account", "accountid", "contact", "parentcustomerid",
                     "parentcustomerid_account", "contact_customer_accounts", "RemoveLink", False),
        Relationship("Account_Tasks", "account", "accountid", "task", "regardingobjectid",
                     "regardingobjectid_account_task", "Account_Tasks", "Cascade", False),
        Relationship("Contact_Tasks", "contact", "contactid", "task", "regardingobjectid",
                     "regardingobjectid_contact_task", "Contact_Tasks", "Cascade", False),
    ]  # fmt: skip


def seed_rows() -> dict[str, list[dict[str, Any]]]:
    """Rows every org has: the application user, the base currency and two others, core SDK messages."""
    messages = {name: f"a0b1c2d3-0000-4000-8000-{index:012d}" for index, name in enumerate(
        ("Create", "Update", "Delete", "Assign", "SetState"), start=1)}  # fmt: skip
    filters = []
    for message_index, message_id in enumerate(messages.values(), start=1):
        for table_index, table in enumerate(("account", "contact", "salesorder", "task"), start=1):
            filters.append(
                {
                    "sdkmessagefilterid": f"f0e1d2c3-{message_index:04d}-4000-8000-{table_index:012d}",
                    "primaryobjecttypecode": table,
                    "_sdkmessageid_value": message_id,
                }
            )
    return {
        "systemuser": [{"systemuserid": APP_USER_ID, "firstname": "SMART Connectors",
                        "lastname": "(application)",
                        "internalemailaddress": "smart-connectors@example.invalid"}],
        "transactioncurrency": [
            {"transactioncurrencyid": BASE_CURRENCY_ID, "currencyname": "Hryvnia", "isocurrencycode": "UAH",
             "currencysymbol": "₴", "exchangerate": 1.0, "currencyprecision": 2},
            {"transactioncurrencyid": "c4b2d3e5-1f6a-4b7c-9d8e-0f1a2b3c4d5e", "currencyname": "US Dollar",
             "isocurrencycode": "USD", "currencysymbol": "$", "exchangerate": 0.024, "currencyprecision": 2},
            {"transactioncurrencyid": "d5c3e4f6-2a7b-4c8d-8e9f-1a2b3c4d5e6f", "currencyname": "Euro",
             "isocurrencycode": "EUR", "currencysymbol": "€", "exchangerate": 0.022, "currencyprecision": 2},
        ],
        "sdkmessage": [{"sdkmessageid": message_id, "name": name} for name, message_id in messages.items()],
        "sdkmessagefilter": filters,
    }  # fmt: skip
