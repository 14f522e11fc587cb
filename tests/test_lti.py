"""LTI platform data over real HTTP: client credentials, the three loaders, error shapes, XML configurations."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
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
    # Every object-valued key of a served tool is a placement except its custom fields.
    expected = sum(max(1, sum(1 for k, v in t.items() if isinstance(v, dict) and k != "custom_fields")) for t in served)
    assert len(tools) == expected
    lecture = tools[tools["name"] == "Lecture Capture"].set_index("placement")
    assert set(lecture.index) == {"course_navigation", "editor_button"}
    assert lecture.loc["editor_button", "text"] == "Embed a lecture" and bool(lecture.loc["editor_button", "enabled"])
    readings = tools[tools["name"] == "Reading Lists"].set_index("placement")
    assert not bool(readings.loc["course_navigation", "enabled"])
    # Placements beyond a fixed list, and one newer than canvasframe, are rows too; custom fields are not.
    assert {"post_grades", "submission_type_selection", "ai_assistant_sidebar"} <= set(readings.index)
    assert "custom_fields" not in set(readings.index)
    assert readings.loc["post_grades", "placement_url"] == "https://lists.example.edu/lti/grades"
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
    with pytest.raises(cf.AuthenticationError, match=r"invalid client assertion.*public key") as caught:
        cf.load_account(institution.root_account.id, canvas=connect(lti_server, token=wrong))
    assert caught.value.service == "Canvas's LTI token endpoint"
    assert "Canvas's LTI token endpoint says: 'invalid client assertion" in str(caught.value)
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


def test_placements_inherit_extension_settings_as_canvas_reads_them():
    rows = read_tool_config(DATA / "inheriting-tool.xml").set_index("placement")
    assert list(rows.index) == ["course_navigation", "editor_button", "assignment_selection"]
    assert set(rows["launch_url"]) == {"https://notebook.example.edu/lti/launch"}  # secure_launch_url wins
    nav = rows.loc["course_navigation"]
    assert nav["url"] == "https://notebook.example.edu/lti/launch" and nav["text"] == "Lab Notebook"
    assert nav["icon_url"] == "https://notebook.example.edu/icon.svg"
    assert (nav["selection_width"], nav["selection_height"]) == (900, 640)
    assert nav["inherited"] == ["icon_url", "selection_height", "selection_width", "text", "url"]
    button = rows.loc["editor_button"]
    assert button["url"] == "https://notebook.example.edu/lti/embed" and button["selection_height"] == 480
    assert button["inherited"] == ["icon_url", "selection_width", "text"]
    selection = rows.loc["assignment_selection"]
    assert selection["text"] == "Pick an experiment" and "text" not in selection["inherited"]
    assert '"message_type": "ContentItemSelectionRequest"' in selection["options"]


@pytest.mark.parametrize("version", ["v1p0", "v1p1", "v1p3"])
def test_every_cartridge_namespace_version_reads_alike(version):
    text = (DATA / "tool.xml").read_text().replace("imslticc_v1p0", f"imslticc_{version}")
    pdt.assert_frame_equal(read_tool_config(text), read_tool_config(DATA / "tool.xml"))


def test_a_tool_without_placements_is_one_row():
    xml = (
        '<cartridge_basiclti_link xmlns="http://www.imsglobal.org/xsd/imslticc_v1p0" '
        'xmlns:blti="http://www.imsglobal.org/xsd/imsbasiclti_v1p0">'
        "<blti:title>Background</blti:title><blti:launch_url>https://x.test/l</blti:launch_url>"
        "</cartridge_basiclti_link>"
    )
    frame = read_tool_config(xml)
    assert len(frame) == 1 and pd.isna(frame.loc[0, "placement"]) and frame.loc[0, "launch_url"] == "https://x.test/l"


@pytest.mark.parametrize("name", ["hostile-billion-laughs.xml", "hostile-external-entity.xml"])
def test_hostile_xml_is_refused(name, monkeypatch):
    """Refused at the declaration (defusedxml), so no entity is expanded and no file is read: the error
    says so, and the document itself is the only file opened (judged by what was opened, not a clock)."""
    import builtins
    import io

    opened: list[str] = []
    real_open = io.open

    def watching(file, *args, **kwargs):
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", watching)
    monkeypatch.setattr(builtins, "open", watching)
    with pytest.raises(cf.ConfigError, match="Refusing this XML tool configuration") as info:
        read_tool_config(DATA / name)
    monkeypatch.undo()
    assert "DTD or entities" in str(info.value)
    assert opened == [str(DATA / name)]


def test_not_a_tool_configuration():
    with pytest.raises(cf.ConfigError, match="cartridge_basiclti_link"):
        read_tool_config("<html><body/></html>")
    with pytest.raises(cf.ConfigError, match="well-formed"):
        read_tool_config("<cartridge_basiclti_link")
