# -*- coding: utf-8 -*-
# Copyright (c) azure_recovery.backup contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # Authentication, cloud, TLS, timeout and retry options shared by every module.
    DOCUMENTATION = r'''
options:
  auth_source:
    description:
      - Where the credentials come from.
      - V(auto) uses, in this order, an explicit O(profile) (or E(AZURE_PROFILE)); the options below and their environment
        variables, option first; the C([default]) profile of C(~/.azure/credentials); the Azure CLI login. Managed identity
        is never tried implicitly.
      - V(credential_file) reads the O(profile) section (default C(default)) of C(~/.azure/credentials).
      - V(env) uses only the options and environment variables.
      - V(msi) uses the managed identity of the host (a user-assigned one when O(client_id) is set).
      - V(cli) uses the Azure CLI login (C(az login)); without O(subscription_id) the CLI's current subscription is used.
      - Can also be set with E(ANSIBLE_AZURE_AUTH_SOURCE).
    type: str
    default: auto
    choices: [auto, credential_file, env, cli, msi]
  profile:
    description:
      - Section of C(~/.azure/credentials) (an ini file with keys C(subscription_id), C(client_id), C(secret), C(tenant),
        C(ad_user), C(password), C(cloud_environment)).
      - Can also be set with E(AZURE_PROFILE).
    type: str
  subscription_id:
    description:
      - Azure subscription ID (a GUID; anything else is refused before any request).
      - Can also be set with E(AZURE_SUBSCRIPTION_ID).
    type: str
  client_id:
    description:
      - Application (client) ID of a service principal, or of a user-assigned managed identity with O(auth_source=msi).
      - Can also be set with E(AZURE_CLIENT_ID).
      - With E(AZURE_FEDERATED_TOKEN_FILE) set (workload identity), the federated token is used instead of a secret.
    type: str
  secret:
    description:
      - Client secret of the service principal.
      - Can also be set with E(AZURE_SECRET) or E(AZURE_CLIENT_SECRET) (E(AZURE_SECRET) wins).
    type: str
  tenant:
    description:
      - Azure AD tenant ID.
      - Can also be set with E(AZURE_TENANT) or E(AZURE_TENANT_ID) (E(AZURE_TENANT) wins).
    type: str
  certificate_path:
    description:
      - PEM file with the private key and certificate of a service principal.
      - Can also be set with E(AZURE_CLIENT_CERTIFICATE_PATH).
    type: path
  ad_user:
    description:
      - Azure AD user name, for user/password sign-in (AWX's Azure credential).
      - Can also be set with E(AZURE_AD_USER).
    type: str
  password:
    description:
      - Password of O(ad_user).
      - Can also be set with E(AZURE_PASSWORD).
    type: str
  cloud_environment:
    description:
      - V(AzureCloud), V(AzureUSGovernment), V(AzureChinaCloud), or the https URL of a Resource Manager endpoint whose
        C(/metadata/endpoints) document names the login endpoint and token audience (Azure Stack Hub, the collection's emulator).
      - An C(http://) URL is refused.
      - When not set, the profile's C(cloud_environment), else V(AzureCloud).
      - Can also be set with E(AZURE_CLOUD_ENVIRONMENT).
    type: str
  ca_bundle:
    description:
      - CA certificate file to verify the Resource Manager and login endpoints against (a private CA). A file that
        cannot be read fails the task, naming the file and where it came from.
      - Can also be set with E(REQUESTS_CA_BUNDLE).
    type: path
  validate_certs:
    description:
      - Verify TLS certificates. Setting this to V(false) is insecure and gives a warning. The bearer token, and also the
        client secret or password sent to the login endpoint, can then be read on the network path. Use O(ca_bundle) for
        a private CA instead.
    type: bool
    default: true
  request_timeout:
    description:
      - Seconds to wait for a connection and for a response, per HTTP request (more than 0, at most 3600).
    type: float
    default: 30
  max_retries:
    description:
      - How often one request is retried after throttling (HTTP 429), a server error (5xx), a connection failure, or an
        "another operation is in progress" conflict. C(Retry-After) is honoured, otherwise jittered exponential backoff.
      - A write whose outcome is unknown is never re-sent blindly.
      - Retries are listed in the result as RV(ignore:retries).
    type: int
    default: 8
  token_cache:
    description:
      - Share access tokens between the tasks of a run through a private cache (a C(0700) directory under
        E(XDG_RUNTIME_DIR) or C(~/.ansible/tmp), files C(0600), holding only the access token and its expiry).
      - Can also be set with E(AZURE_RECOVERY_TOKEN_CACHE) (V(0) disables it).
    type: bool
    default: true
requirements:
  - azure-identity (imported only when a token has to be fetched)
notes:
  - Only the Resource Manager host of the chosen cloud ever receives the token; operation and paging URLs on another
    host or scheme are refused.
'''
