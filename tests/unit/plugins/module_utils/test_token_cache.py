# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The token cache (tokens shared between the tasks of a run) and the private directory it lives in."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import stat

import pytest

from ansible_collections.azure_recovery.backup.plugins.module_utils import _state_dir
from ansible_collections.azure_recovery.backup.plugins.module_utils._arm_client import ArmError

ITEM = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.RecoveryServices/vaults/v1/backupJobs"


# --------------------------------------------------------------------------- token cache

@pytest.fixture
def cache_home(tmp_path):
    return {"HOME": str(tmp_path)}


def _cached_client(make_client, environ, **params):
    return make_client(environ=environ, token_cache=True, **params)


def test_token_cache_shares_token_between_tasks(make_client, arm, cache_home, FakeCredential):
    arm.route_path("GET", ITEM, (200, {}, {}))
    first = _cached_client(make_client, cache_home)
    first.get(ITEM, "task 1")
    second = _cached_client(make_client, cache_home, credential=FakeCredential())
    second.get(ITEM, "task 2")
    assert second.credential.scopes == [] and second.stats["token_requests"] == 0
    assert [r.headers.get("authorization") for r in arm.api_requests()] == ["Bearer tok-1", "Bearer tok-1"]


def test_token_cache_file_permissions_and_content(make_client, arm, cache_home):
    arm.route_path("GET", ITEM, (200, {}, {}))
    _cached_client(make_client, cache_home).get(ITEM, "task")
    directory = os.path.join(cache_home["HOME"], ".ansible", "tmp", _state_dir.DIR_NAME)
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    names = sorted(os.listdir(directory))
    tokens = [name for name in names if not name.startswith("cloud-")]
    assert len(tokens) == 1 and "s3cret" not in tokens[0] and "app-1" not in tokens[0]
    for name in names:
        assert stat.S_IMODE(os.stat(os.path.join(directory, name)).st_mode) == 0o600
    with open(os.path.join(directory, tokens[0])) as handle:
        entry = json.load(handle)
    assert sorted(entry) == ["access_token", "expires_on"] and entry["access_token"] == "tok-1"
    clouds = [name for name in names if name.startswith("cloud-")]
    with open(os.path.join(directory, clouds[0])) as handle:  # the URL cloud's metadata: endpoints only, no secret
        cloud = json.load(handle)
    assert len(clouds) == 1 and "s3cret" not in json.dumps(cloud)
    assert cloud["document"]["authentication"]["loginEndpoint"].startswith("https://")


def test_token_cache_prefers_private_xdg_runtime_dir(make_client, arm, tmp_path):
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    arm.route_path("GET", ITEM, (200, {}, {}))
    _cached_client(make_client, {"HOME": str(tmp_path / "home"), "XDG_RUNTIME_DIR": str(runtime)}).get(ITEM, "task")
    assert len([n for n in os.listdir(str(runtime / _state_dir.DIR_NAME)) if not n.startswith("cloud-")]) == 1
    assert not (tmp_path / "home").exists()


def test_later_tasks_skip_the_cloud_metadata_request(make_client, arm, cache_home, FakeCredential):
    arm.route_path("GET", ITEM, (200, {}, {}))
    _cached_client(make_client, cache_home).get(ITEM, "task 1")
    _cached_client(make_client, cache_home, credential=FakeCredential()).get(ITEM, "task 2")
    metadata_reads = [r for r in arm.requests if r.path == "/metadata/endpoints"]
    assert len(metadata_reads) == 1
    assert len([r for r in arm.requests if r.path == ITEM]) == 2


def test_a_failed_token_request_forgets_the_cached_cloud_metadata(make_client, arm, cache_home, FakeCredential):
    arm.route_path("GET", ITEM, (200, {}, {}))
    _cached_client(make_client, cache_home).get(ITEM, "task 1")
    directory = os.path.join(cache_home["HOME"], ".ansible", "tmp", _state_dir.DIR_NAME)
    for name in os.listdir(directory):
        if not name.startswith("cloud-"):
            os.unlink(os.path.join(directory, name))  # the token is gone: the next task asks AAD

    class Refusing(FakeCredential):
        def get_token(self, *scopes, **kwargs):
            raise RuntimeError("AADSTS90002: tenant not found")

    with pytest.raises(ArmError):
        _cached_client(make_client, cache_home, credential=Refusing()).get(ITEM, "task 2")
    assert not [n for n in os.listdir(directory) if n.startswith("cloud-")]


def test_token_cache_not_used_within_five_minutes_of_expiry(make_client, arm, cache_home, FakeCredential):
    arm.route_path("GET", ITEM, (200, {}, {}))
    _cached_client(make_client, cache_home, credential=FakeCredential(lifetime=290)).get(ITEM, "task 1")
    second = _cached_client(make_client, cache_home)
    second.get(ITEM, "task 2")
    assert second.stats["token_requests"] == 1


def test_token_cache_keyed_by_secret_and_identity(make_client, arm, cache_home):
    arm.route_path("GET", ITEM, (200, {}, {}))
    _cached_client(make_client, cache_home).get(ITEM, "task 1")
    other_secret = _cached_client(make_client, cache_home, secret="rotated-secret")
    other_secret.get(ITEM, "task 2")
    other_app = _cached_client(make_client, cache_home, client_id="app-2")
    other_app.get(ITEM, "task 3")
    assert other_secret.stats["token_requests"] == 1 and other_app.stats["token_requests"] == 1


@pytest.mark.parametrize("how", ["env", "option"])
def test_token_cache_disabled(make_client, arm, cache_home, how):
    arm.route_path("GET", ITEM, (200, {}, {}))
    if how == "env":
        environ, params = dict(cache_home, AZURE_RECOVERY_TOKEN_CACHE="0"), {"token_cache": None}
    else:
        environ, params = cache_home, {"token_cache": False}
    make_client(environ=environ, **params).get(ITEM, "task 1")
    second = make_client(environ=environ, **params)
    second.get(ITEM, "task 2")
    assert second.stats["token_requests"] == 1
    assert not os.path.exists(os.path.join(cache_home["HOME"], ".ansible", "tmp", _state_dir.DIR_NAME))


def test_token_cache_ignores_file_readable_by_others(make_client, arm, cache_home):
    arm.route_path("GET", ITEM, (200, {}, {}))
    _cached_client(make_client, cache_home).get(ITEM, "task 1")
    directory = os.path.join(cache_home["HOME"], ".ansible", "tmp", _state_dir.DIR_NAME)
    for name in os.listdir(directory):
        os.chmod(os.path.join(directory, name), 0o644)
    second = _cached_client(make_client, cache_home)
    second.get(ITEM, "task 2")
    assert second.stats["token_requests"] == 1


def test_token_cache_off_when_directory_not_private(make_client, arm, cache_home):
    directory = os.path.join(cache_home["HOME"], ".ansible", "tmp", _state_dir.DIR_NAME)
    os.makedirs(directory)
    os.chmod(directory, 0o755)
    arm.route_path("GET", ITEM, (200, {}, {}))
    _cached_client(make_client, cache_home).get(ITEM, "task 1")
    assert os.listdir(directory) == []


def test_token_cache_bypassed_and_replaced_after_401(make_client, arm, cache_home, FakeCredential):
    arm.route_path("GET", ITEM, (200, {}, {}))
    _cached_client(make_client, cache_home).get(ITEM, "task 1")  # caches tok-1
    arm.route_path("GET", ITEM, (401, "", {"WWW-Authenticate": "Bearer"}), (200, {}, {}))
    credential = FakeCredential()
    credential.scopes.append(("already",))  # so it hands out tok-2
    second = _cached_client(make_client, cache_home, credential=credential)
    second.get(ITEM, "task 2")
    assert [r.headers["authorization"] for r in arm.api_requests()[-2:]] == ["Bearer tok-1", "Bearer tok-2"]
    third = _cached_client(make_client, cache_home, credential=FakeCredential())
    arm.route_path("GET", ITEM, (200, {}, {}))
    third.get(ITEM, "task 3")
    assert arm.api_requests()[-1].headers["authorization"] == "Bearer tok-2" and third.stats["token_requests"] == 0


@pytest.mark.parametrize("entry", [
    {"access_token": 12345, "expires_on": 4102444800},
    {"access_token": ["tok"], "expires_on": 4102444800},
    {"access_token": "tok\r\nX-Injected: 1", "expires_on": 4102444800},
    {"access_token": "tok\n", "expires_on": 4102444800},
    {"access_token": "", "expires_on": 4102444800},
    {"access_token": "tok", "expires_on": "NaN"},
    {"access_token": "tok", "expires_on": True},
    {"access_token": "tok", "expires_on": [1]},
    ["tok"],
    "tok",
])
def test_damaged_token_cache_entries_are_ignored(make_client, arm, cache_home, FakeCredential, entry):
    arm.route_path("GET", ITEM, (200, {}, {}))
    _cached_client(make_client, cache_home).get(ITEM, "task 1")
    directory = os.path.join(cache_home["HOME"], ".ansible", "tmp", _state_dir.DIR_NAME)
    name = [n for n in os.listdir(directory) if not n.startswith("cloud-")][0]
    with open(os.path.join(directory, name), "w") as handle:
        json.dump(entry, handle)
    second = _cached_client(make_client, cache_home, credential=FakeCredential())
    second.get(ITEM, "task 2")
    assert second.stats["token_requests"] == 1  # a fresh token from AAD, as for any damaged entry
    assert arm.api_requests()[-1].headers.get("authorization") == "Bearer tok-1"
