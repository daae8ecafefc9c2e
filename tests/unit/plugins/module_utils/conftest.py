# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures over the shared test support (``tests/support``): the fake ARM behind a real HTTPS
server with its own test CA, the fake credential and clock, an ArmClient wired to them."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from support.fake_arm import serve_https
from support.fakes import FakeClock, FakeCredential


@pytest.fixture(scope="session")
def https_server(tmp_path_factory):
    with serve_https(str(tmp_path_factory.mktemp("tls"))) as fake:
        yield fake


@pytest.fixture
def arm(https_server):
    """The HTTPS fake, emptied for this test (metadata document pre-scripted)."""
    https_server.reset()
    return https_server


@pytest.fixture(name="FakeCredential")
def fake_credential_class():
    """The FakeCredential class (kept as a fixture for the tests that take it so)."""
    return FakeCredential


@pytest.fixture
def fake_clock():
    return FakeClock()


@pytest.fixture
def make_client(arm, fake_clock):
    """ArmClient against the HTTPS fake, with a fake credential, fake sleep/clock, no file cache."""
    from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmClient

    def factory(environ=None, credential=None, real_time=False, **params):
        base = dict(cloud_environment=arm.url, subscription_id="00000000-0000-0000-0000-000000000001", client_id="app-1", secret="s3cret-value",
                    tenant="tenant-1", ca_bundle=arm.ca_file, token_cache=False)
        base.update(params)
        warnings = []
        client = ArmClient(base, warn=warnings.append, environ=environ if environ is not None else {})
        client.warnings = warnings
        client.credential = credential or FakeCredential()
        client.tokens.credential_factory = lambda config, cloud, verify: client.credential
        return client if real_time else fake_clock.attach(client)
    return factory
