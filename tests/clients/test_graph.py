"""Microsoft Graph's Python SDK (msgraph-sdk, unchanged but for its base URL and a bearer-token
provider) drives GDAP against pcsandbox, with tokens from MSAL: a relationship made, locked for
approval, approved by the customer, a security group assigned, and a partner user reading the
customer's users with the role its group was given (refused once the role is gone).

Its own server: `pcsandbox serve --ephemeral` with a sandbox of the default scenario.
"""

import asyncio
import datetime
import os
import shutil
import tempfile
from pathlib import Path

import jwt
import msal
import pytest
import requests
from kiota_abstractions.authentication import AccessTokenProvider, AllowedHostsValidator, BaseBearerTokenAuthenticationProvider
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.delegated_admin_access_assignment import DelegatedAdminAccessAssignment
from msgraph.generated.models.delegated_admin_access_container import DelegatedAdminAccessContainer
from msgraph.generated.models.delegated_admin_access_container_type import DelegatedAdminAccessContainerType
from msgraph.generated.models.delegated_admin_access_details import DelegatedAdminAccessDetails
from msgraph.generated.models.delegated_admin_relationship import DelegatedAdminRelationship
from msgraph.generated.models.delegated_admin_relationship_customer_participant import (
    DelegatedAdminRelationshipCustomerParticipant,
)
from msgraph.generated.models.delegated_admin_relationship_request import DelegatedAdminRelationshipRequest
from msgraph.generated.models.delegated_admin_relationship_request_action import DelegatedAdminRelationshipRequestAction
from msgraph.generated.models.delegated_admin_relationship_status import DelegatedAdminRelationshipStatus
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.unified_role import UnifiedRole

from test_msal import READY_TIMEOUT_S, ServerProcess, _server_args

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
USER_ADMIN = "fe930be7-5e62-47db-91af-98c3a49a38b1"
EXCHANGE = "29232cdf-9323-42fd-ade2-1d097af3e4de"


class World:
    def __init__(self, http_url, sandbox, ca_path):
        self.http_url = http_url
        self.sandbox = sandbox
        self.ca_path = ca_path
        self.base = sandbox["authority"].rstrip("/")
        self.contoso = sandbox["tenants"][0]
        self.public = next(a for a in sandbox["apps"] if a.get("publicClient"))

    def cp(self, rest):
        return "{}/sandbox/v1/sandboxes/{}{}".format(self.http_url, self.sandbox["id"], rest)

    def token(self, tenant, upn):
        """MSAL's device code flow at `tenant`'s authority, completed headlessly with the TOTP step."""
        app = msal.PublicClientApplication(
            self.public["clientId"], authority="{}/{}".format(self.base, tenant),
            verify=self.ca_path, instance_discovery=False)
        flow = app.initiate_device_flow(scopes=[GRAPH_SCOPE])
        assert "user_code" in flow, flow
        done = requests.post(self.cp("/sign-ins"), timeout=10,
                             json={"userCode": flow["user_code"], "user": upn, "mfa": True})
        if done.status_code != 200:
            return None, done.json()
        result = app.acquire_token_by_device_flow(flow)
        assert "access_token" in result, result
        return result["access_token"], None

    def graph(self, token):
        """The SDK's own client and request adapter, with its base URL moved here."""

        class Static(AccessTokenProvider):
            async def get_authorization_token(self, uri, additional_authentication_context=None):
                return token

            def get_allowed_hosts_validator(self):
                return AllowedHostsValidator([])

        adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(Static()))
        adapter.base_url = self.base + "/v1.0"
        return GraphServiceClient(request_adapter=adapter)


@pytest.fixture(scope="module")
def world():
    binary = os.environ.get("PCSANDBOX_BIN")
    if not binary:
        pytest.fail("PCSANDBOX_BIN is not set; run ./run.sh or point it at a pcsandbox binary")
    tmpdir = tempfile.mkdtemp(prefix="pcs-graph-")
    saved = {k: os.environ.get(k) for k in
             ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "NO_PROXY", "no_proxy")}
    server = ServerProcess(_server_args(binary, False), os.path.join(tmpdir, "server.log"))
    try:
        urls = server.wait_ready(READY_TIMEOUT_S)
        assert urls, server.output()
        http_url = urls[0].rstrip("/")
        os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
        ca = requests.get(http_url + "/sandbox/v1/ca.pem", timeout=10)
        ca_path = os.path.join(tmpdir, "ca.pem")
        Path(ca_path).write_text(ca.text)
        # httpx (the SDK's client) trusts SSL_CERT_FILE; requests and MSAL take verify=.
        os.environ["SSL_CERT_FILE"] = ca_path
        os.environ["REQUESTS_CA_BUNDLE"] = ca_path
        os.environ.pop("CURL_CA_BUNDLE", None)
        created = requests.post(http_url + "/sandbox/v1/sandboxes", json={}, timeout=30)
        assert created.status_code == 201, created.text
        yield World(http_url, created.json(), ca_path)
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(tmpdir, ignore_errors=True)


def claims(token):
    return jwt.decode(token, options={"verify_signature": False})


def test_msgraph_sdk_walks_gdap_from_creation_to_a_partner_user_in_the_customer_tenant(world):
    # One event loop for the whole walk: the SDK's httpx client belongs to the loop it first ran on.
    asyncio.run(walk(world))


async def walk(w):
    # A customer of Contoso, without the default relationship.
    pc = requests.post(w.cp("/tokens"), timeout=10, json={
        "clientId": w.sandbox["apps"][0]["clientId"], "userId": "admin@contosojp.onmicrosoft.com", "mfa": True})
    assert pc.status_code == 200, pc.text
    customer = requests.post(w.base + "/v1/customers", timeout=10, verify=w.ca_path,
                             headers={"Authorization": "Bearer " + pc.json()["access_token"]}, json={
        "enableGDAPByDefault": False,
        "CompanyProfile": {"Domain": "litwaregdap"},
        "BillingProfile": {"Email": "it@litware.example", "Culture": "EN-US", "Language": "en",
                           "CompanyName": "Litware", "DefaultAddress": {
                               "FirstName": "Tania", "LastName": "Carr", "AddressLine1": "1 Microsoft Way",
                               "City": "Redmond", "State": "WA", "PostalCode": "98052", "Country": "US"}}})
    assert customer.status_code == 201, customer.text
    cid = customer.json()["id"]
    admin = "admin@" + customer.json()["companyProfile"]["domain"]

    token, refused = w.token(w.contoso["id"], "admin@contosojp.onmicrosoft.com")
    assert token, refused
    assert "DelegatedAdminRelationship.ReadWrite.All" in claims(token)["scp"]
    client = w.graph(token)
    rels = client.tenant_relationships.delegated_admin_relationships

    roles = DelegatedAdminAccessDetails(unified_roles=[
        UnifiedRole(role_definition_id=USER_ADMIN), UnifiedRole(role_definition_id=EXCHANGE)])
    customer_part = DelegatedAdminRelationshipCustomerParticipant(tenant_id=cid)
    import datetime
    # The SDK writes a timedelta as str() ("730 days, 0:00:00"), not ISO 8601: Graph refuses it
    # (msgraph-sdk-python#1262), and so does pcsandbox.
    with pytest.raises(ODataError) as bad:
        await rels.post(DelegatedAdminRelationship(
            display_name="Litware helpdesk", duration=datetime.timedelta(days=730),
            customer=customer_part, access_details=roles))
    assert bad.value.response_status_code == 400
    assert bad.value.error.code == "badRequest"
    # The workaround: the ISO 8601 text through additional_data.
    rel = await rels.post(DelegatedAdminRelationship(
        display_name="Litware helpdesk", customer=customer_part, access_details=roles,
        additional_data={"duration": "P730D"}))
    assert rel.status == DelegatedAdminRelationshipStatus.Created
    assert rel.duration == datetime.timedelta(days=730)
    rid = rel.id

    req = await rels.by_delegated_admin_relationship_id(rid).requests.post(
        DelegatedAdminRelationshipRequest(action=DelegatedAdminRelationshipRequestAction.LockForApproval))
    assert req.action == DelegatedAdminRelationshipRequestAction.LockForApproval


    # The customer's Global Administrator approves (the page's action, headless).
    ok = requests.post(w.cp("/actions/approve-gdap-relationship"), timeout=10,
                       json={"as": admin, "relationshipId": rid})
    assert ok.status_code == 200, ok.text
    group = requests.post(w.cp("/tenants/{}/groups".format(w.contoso["id"])), timeout=10,
                          json={"displayName": "Helpdesk", "members": ["agent@contosojp.onmicrosoft.com"]})
    assert group.status_code == 201, group.text
    gid = group.json()["id"]

    one = rels.by_delegated_admin_relationship_id(rid)
    rel = await one.get()
    assert rel.status == DelegatedAdminRelationshipStatus.Active
    assert rel.activated_date_time is not None
    a = await one.access_assignments.post(DelegatedAdminAccessAssignment(
        access_container=DelegatedAdminAccessContainer(
            access_container_id=gid, access_container_type=DelegatedAdminAccessContainerType.SecurityGroup),
        access_details=DelegatedAdminAccessDetails(unified_roles=[UnifiedRole(role_definition_id=USER_ADMIN)])))
    listed = await one.access_assignments.get()
    assert [x.id for x in listed.value] == [a.id]
    customers = await client.tenant_relationships.delegated_admin_customers.get()
    assert [c.tenant_id for c in customers.value] == [cid]

    # The agent signs in to the customer's tenant and reads its users with User Administrator.
    agent_token, refused = w.token(cid, "agent@contosojp.onmicrosoft.com")
    assert agent_token, refused
    c = claims(agent_token)
    assert (c["tid"], c["wids"], c["amr"]) == (cid, [USER_ADMIN], ["pwd", "mfa"])
    agent = w.graph(agent_token)
    users = await agent.users.get()
    assert admin in [u.user_principal_name for u in users.value]

    # Exchange only: the SDK sends If-Match; the change is a long-running operation.
    one = rels.by_delegated_admin_relationship_id(rid).access_assignments.by_delegated_admin_access_assignment_id(a.id)
    current = await one.get()
    config = RequestConfiguration()
    config.headers.add("If-Match", current.additional_data["@odata.etag"])
    await one.patch(DelegatedAdminAccessAssignment(
        access_details=DelegatedAdminAccessDetails(unified_roles=[UnifiedRole(role_definition_id=EXCHANGE)])),
        request_configuration=config)
    ops = await rels.by_delegated_admin_relationship_id(rid).operations.get()
    assert [o.status.value for o in ops.value] == ["succeeded"]
    agent_token, refused = w.token(cid, "agent@contosojp.onmicrosoft.com")
    assert agent_token, refused
    assert claims(agent_token)["wids"] == [EXCHANGE]
    with pytest.raises(ODataError) as denied:
        await w.graph(agent_token).users.get()
    assert denied.value.response_status_code == 403
    assert denied.value.error.code == "Authorization_RequestDenied"

    # A user of no assigned group is not let in (AADSTS50020).
    token, refused = w.token(cid, "admin@contosojp.onmicrosoft.com")
    assert token is None and "AADSTS50020" in str(refused), refused
