"""LTI platform data over real HTTP: client credentials, the three loaders, error shapes, XML configurations."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest
import requests

import canvasframe as cf
from canvasframe.lti import ClientCredentials, read_tool_config

from .conftest import TOKEN

DATA = Path(__file__).resolve().parent.parent / "data" / "lti"


@pytest.fixture
def lti_server(make_server):
    return make_server()


@pytest.fixture
def credentials(lti_server):
    return ClientCredentials(lti_server.lti.client_id, lti_server.lti.tool_private_key, lti_server.url)


def test_client_credentials_load_the_account(lti_server, credentials, connect, institution):
    canvas = connect(lti_server, token=credentials)
    root = institution.root_account
    account = cf.load_account(root.id, canvas=canvas)
    assert account.loc[0, "name"] == root.name and pd.isna(account.loc[0, "parent_account_id"])
    sub = institution.subaccounts_of(root.id)[0]
    child = cf.load_account(sub.id, canvas=canvas)
    assert child.loc[0, "parent_account_id"] == root.id and child.loc[0, "root_account_id"] == root.id
    assert child.dtypes["parent_account_id"] == "Int64"
    assert credentials.fetched == 1  # one access token served both requests
    assert "PRIVATE" not in repr(credentials) and "[secure]" in repr(credentials)


def test_external_tools_one_row_per_tool_and_placement(lti_server, credentials, connect, institution):
    tools = cf.load_external_tools(institution.root_account.id, canvas=connect(lti_server, token=credentials))
    served = lti_server.lti.external_tools(institution.root_account.id)
    expected = sum(max(1, sum(1 for k, v in t.items() if isinstance(v, dict))) for t in served)
    assert len(tools) == expected
    lecture = tools[tools["name"] == "Lecture Capture"].set_index("placement")
    assert set(lecture.index) == {"course_navigation", "editor_button"}
    assert lecture.loc["editor_button", "text"] == "Embed a lecture" and bool(lecture.loc["editor_button", "enabled"])
    readings = tools[tools["name"] == "Reading Lists"].set_index("placement")
    assert not bool(readings.loc["course_navigation", "enabled"])
    no_placement = tools[tools["name"] == "Plagiarism Check"]
    assert len(no_placement) == 1 and pd.isna(no_placement["placement"].iloc[0])


def test_data_services(lti_server, credentials, connect, institution):
    subs = cf.load_data_services(institution.root_account.id, canvas=connect(lti_server, token=credentials))
    assert list(subs["transport_type"]) == ["sqs", "https"]
    assert list(subs.loc[0, "event_types"]) == ["asset_accessed", "submission_created"]
    assert subs.loc[1, "target_url"] == "https://analytics.example.edu/caliper"


def test_a_plain_bearer_token_works_too(sandbox, canvas, institution):
    assert cf.load_account(institution.root_account.id, canvas=canvas).loc[0, "name"] == "Sandbox University"


def test_access_token_is_refreshed_before_it_expires(lti_server, credentials, connect, institution):
    lti_server.lti.token_lifetime = 61  # inside the 60-second refresh margin almost at once
    canvas = connect(lti_server, token=credentials)
    cf.load_account(institution.root_account.id, canvas=canvas)
    time.sleep(1.1)
    cf.load_external_tools(institution.root_account.id, canvas=canvas)
    assert credentials.fetched == 2 and lti_server.lti.issued == 2


def test_wrong_key_is_refused_with_a_clear_error(lti_server, connect, institution):
    from canvasframe.sandbox.lti import _keypair

    other_key, _ = _keypair()
    wrong = ClientCredentials(lti_server.lti.client_id, other_key, lti_server.url)
    with pytest.raises(cf.AuthenticationError, match=r"invalid client assertion.*public key"):
        cf.load_account(institution.root_account.id, canvas=connect(lti_server, token=wrong))
    with pytest.raises(cf.ConfigError, match="PEM"):
        ClientCredentials("1", "not a key", lti_server.url)()


def test_lti_error_shapes_map_to_typed_errors(lti_server, connect, institution):
    response = requests.get(
        f"{lti_server.url}/api/lti/accounts/{institution.root_account.id}",
        headers={"Authorization": "Bearer nope"},
        timeout=10,
    )
    assert response.status_code == 401 and response.json()["errors"]["type"] == "unauthorized"
    with pytest.raises(cf.AuthenticationError, match="Unknown or inactive Developer Key"):
        cf.load_account(institution.root_account.id, canvas=cf.Canvas(lti_server.url, "nope", retries=0))
    with pytest.raises(cf.NotFound, match="does not exist"):
        cf.load_external_tools(999999, canvas=connect(lti_server))
    lti_server.faults.script("/api/lti/accounts/", "500", times=None)
    with pytest.raises(cf.ServerError, match="error report id"):
        cf.load_data_services(institution.root_account.id, canvas=connect(lti_server, retries=1))
    assert TOKEN not in str(lti_server.request_log)


def test_read_tool_config_gives_one_row_per_placement():
    frame = read_tool_config(DATA / "tool.xml")
    assert frame["placement"].tolist() == [
        "course_navigation",
        "account_navigation",
        "user_navigation",
        "editor_button",
        "resource_selection",
        "homework_submission",
    ]
    assert set(frame["tool_name"]) == {"Reading Lists"} and set(frame["domain"]) == {"lists.example.edu"}
    assert set(frame["privacy_level"]) == {"name_only"}
    rows = frame.set_index("placement")
    assert not bool(rows.loc["account_navigation", "enabled"]) and bool(rows.loc["user_navigation", "enabled"])
    assert rows.loc["editor_button", "selection_width"] == 690 and rows.dtypes["selection_width"] == "Int64"
    assert rows.loc["course_navigation", "visibility"] == "public"
    assert '"custom_fields": {"report_type": "summary"}' in rows.loc["homework_submission", "options"]
    assert read_tool_config((DATA / "tool.xml").read_text()).equals(frame)


@pytest.mark.parametrize("name", ["hostile-billion-laughs.xml", "hostile-external-entity.xml"])
def test_hostile_xml_is_refused(name):
    started = time.perf_counter()
    with pytest.raises(cf.ConfigError, match="Refusing this XML tool configuration"):
        read_tool_config(DATA / name)
    assert time.perf_counter() - started < 1


def test_not_a_tool_configuration():
    with pytest.raises(cf.ConfigError, match="cartridge_basiclti_link"):
        read_tool_config("<html><body/></html>")
    with pytest.raises(cf.ConfigError, match="well-formed"):
        read_tool_config("<cartridge_basiclti_link")
