"""The rules API: reading, editing the draft, activation, files, the test and the back-test."""

from __future__ import annotations

import csv
import io

import pytest

RULE = {"key": "sampah", "name": "Sampah dan kebersihan", "target": "DPUPRTANGKAB",
        "keywords": {"any": ["sampah", "tempat pembuangan*"], "none": ["bank sampah"]},
        "actions": {"category": "infrastruktur", "policy": "reguler"}}


def rules_of(client, headers, agency=None):
    query = {"agency": agency} if agency else {}
    response = client.get("/api/v1/rules", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def try_text(client, headers, text, **more):
    response = client.post("/api/v1/rules/test", json={"text": text, **more}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("user", ["dispatcher", "banten", "tangkab", "admin"])
def test_the_test_endpoint_answers_as_designed(client, token, user):
    result = try_text(client, token(user), "KRL terlambat terus di stasiun Tangerang")
    assert result["decision"] == {"agency": "DITJENKA", "category": "transportasi",
                                  "policy": "reguler", "urgent": False, "rule": "kereta",
                                  "method": "rules"}
    matches = [(m["rule"], m["keywords"]) for m in result["matches"]]
    assert matches == [("kereta", ["krl", "stasiun"])]
    assert result["reason"] == "match" and result["rules"] == {"owner": "NASIONAL", "version": 1}


def test_the_test_endpoint_uses_the_named_agencys_rules(client, token):
    headers = token("dispatcher")
    scoped = try_text(client, headers, "Jalan rusak berlubang di Kecamatan Cikupa",
                      agency="TANGKAB")["decision"]
    assert (scoped["agency"], scoped["category"]) == ("DPUPRTANGKAB", "jalan")
    kept = try_text(client, headers, "Sampah menumpuk di pasar", agency="TANGKAB")
    assert kept["decision"]["agency"] == "TANGKAB" and kept["matches"] == []
    unplaced = try_text(client, headers, "Sampah menumpuk di pasar")
    assert unplaced["decision"] is None and unplaced["reason"] == "no_match"
    tie = try_text(client, headers, "Kereta dan bus mudik penuh sesak")
    assert tie["decision"] is None and len(tie["candidates"]) == 3


def test_the_test_endpoint_needs_a_sign_in_and_text(client, token, demo):
    assert client.post("/api/v1/rules/test", json={"text": "KRL"}).status_code == 401
    response = client.post("/api/v1/rules/test", json={"agency": "NOPE", "text": "KRL"},
                           headers=token("dispatcher"))
    assert response.status_code == 422
    response = client.post("/api/v1/rules/test", json={}, headers=token("dispatcher"))
    assert response.status_code == 422


def test_a_change_goes_to_a_draft_copied_from_the_active_set(client, token):
    admin = token("tangkab")
    response = client.post("/api/v1/rules", json=RULE, headers=admin)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert (created["key"], created["target"], created["position"]) == ("sampah", "DPUPRTANGKAB", 6)
    listed = rules_of(client, admin)  # an agency admin's own agency by default
    assert listed["owner"] == "TANGKAB"
    assert (listed["active"]["version"], listed["draft"]["version"]) == (1, 2)
    active = [r["key"] for r in listed["active"]["rules"]]
    assert [r["key"] for r in listed["draft"]["rules"]] == [*active, "sampah"]
    assert try_text(client, admin, "Sampah menumpuk", agency="TANGKAB")["matches"] == []
    assert try_text(client, admin, "Sampah menumpuk", agency="TANGKAB", draft=True)["decision"][
        "agency"] == "DPUPRTANGKAB"


def test_draft_rules_are_edited_moved_and_deleted(client, token):
    admin = token("tangkab")
    rule_id = client.post("/api/v1/rules", json=RULE, headers=admin).get_json()["id"]
    changed = {**RULE, "target": "TANGKAB", "priority": 3, "position": 0}
    response = client.put(f"/api/v1/rules/{rule_id}", json=changed, headers=admin)
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["target"], response.get_json()["position"]) == ("TANGKAB", 0)
    draft = rules_of(client, admin)["draft"]["rules"]
    assert draft[0]["key"] == "sampah" and [r["position"] for r in draft] == list(range(len(draft)))
    assert client.delete(f"/api/v1/rules/{rule_id}", headers=admin).status_code == 204
    assert "sampah" not in [r["key"] for r in rules_of(client, admin)["draft"]["rules"]]
    assert client.delete(f"/api/v1/rules/{rule_id}", headers=admin).status_code == 404


def test_active_rules_are_not_edited_in_place(client, token):
    admin = token("tangkab")
    active_id = rules_of(client, admin)["active"]["rules"][0]["id"]
    response = client.put(f"/api/v1/rules/{active_id}", json=RULE, headers=admin)
    assert response.status_code == 409 and response.get_json()["status"] == "rules_not_draft"
    assert client.delete(f"/api/v1/rules/{active_id}", headers=admin).status_code == 409
    # Someone else's rule is refused for who they are, before its state is looked at.
    assert client.put(f"/api/v1/rules/{active_id}", json=RULE, headers=token("pupr")).status_code == 403


def test_who_may_manage_which_rules(client, token):
    national = {**RULE, "target": "KEMENPU", "agency": None}
    assert client.post("/api/v1/rules", json=national, headers=token("admin")).status_code == 201
    for user in ("dispatcher", "banten"):
        assert client.post("/api/v1/rules", json=national, headers=token(user)).status_code == 403
    # Without `agency` an agency admin writes to its own set, where KEMENPU is no valid target.
    assert client.post("/api/v1/rules", json=national, headers=token("tangkab")).status_code == 422
    response = client.post("/api/v1/rules", json={**RULE, "agency": "TANGKAB"},
                           headers=token("pupr"))
    assert response.status_code == 403 and response.get_json()["status"] == "rules_not_yours"
    assert "TANGKAB" in response.get_json()["message"]
    response = client.post("/api/v1/rules/activate", json={"agency": "TANGKAB"},
                           headers=token("kemenhub"))
    assert response.status_code == 403


def test_targets_stay_within_the_owner_and_its_units(client, token):
    response = client.post("/api/v1/rules", json={**RULE, "target": "KEMENHUB"},
                           headers=token("tangkab"))
    assert response.status_code == 422
    body = response.get_json()
    assert body["status"] == "rules_invalid"
    assert body["errors"][0]["message"] == "aturan 'sampah': tujuan 'KEMENHUB' bukan TANGKAB atau salah satu unitnya"
    assert rules_of(client, token("tangkab"))["draft"] is None  # nothing was kept
    english = client.post("/api/v1/rules", json={**RULE, "target": "KEMENHUB"},
                          headers={**token("tangkab"), "Accept-Language": "en"}).get_json()
    assert english["errors"][0]["message"] == "rule 'sampah': target 'KEMENHUB' is not TANGKAB or one of its units"


def test_bad_rules_get_the_engines_reason(client, token):
    admin = token("tangkab")
    clash = {**RULE, "keywords": {"any": ["sampah"], "none": ["Sampah"]}}
    response = client.post("/api/v1/rules", json=clash, headers=admin)
    assert response.status_code == 422
    assert "sekaligus dicari dan dikecualikan: sampah" in response.get_json()["errors"][0]["message"]
    response = client.post("/api/v1/rules", json={**RULE, "actions": {"category": "nope"}},
                           headers=admin)
    assert response.get_json()["errors"][0]["message"] == "aturan 'sampah': kategori 'nope' tidak dikenal"
    response = client.post("/api/v1/rules", json={**RULE, "colour": "red"}, headers=admin)
    assert response.status_code == 422 and "colour" in response.get_json()["errors"]
    client.post("/api/v1/rules", json=RULE, headers=admin)
    response = client.post("/api/v1/rules", json=RULE, headers=admin)
    assert "ID ini sudah dipakai" in response.get_json()["errors"][0]["message"]


def test_activation_retires_the_old_version(client, token):
    admin = token("tangkab")
    response = client.post("/api/v1/rules/activate", json={}, headers=admin)
    assert response.status_code == 409 and response.get_json()["status"] == "rules_no_draft"
    client.post("/api/v1/rules", json=RULE, headers=admin)
    response = client.post("/api/v1/rules/activate", json={}, headers=admin)
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["version"], response.get_json()["status"]) == (2, "active")
    listed = rules_of(client, admin)
    assert (listed["active"]["version"], listed["draft"]) == (2, None)
    assert try_text(client, admin, "Sampah menumpuk", agency="TANGKAB")["rules"]["version"] == 2


def test_a_draft_can_be_thrown_away(client, token):
    admin = token("admin")
    client.post("/api/v1/rules", json={**RULE, "agency": "TANGKAB"}, headers=admin)
    assert client.delete("/api/v1/rules/draft?agency=TANGKAB", headers=admin).status_code == 204
    assert rules_of(client, admin, "TANGKAB")["draft"] is None
    assert client.delete("/api/v1/rules/draft?agency=TANGKAB", headers=admin).status_code == 409


@pytest.mark.parametrize("fmt", ["yaml", "csv"])
def test_export_and_import_round_trip(client, token, fmt):
    admin = token("admin")
    exported = client.get(f"/api/v1/rules/export?agency=TANGKAB&format={fmt}", headers=admin)
    assert exported.status_code == 200
    disposition = exported.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="rules-tangkab-v1.{fmt}"'
    text = exported.get_data(as_text=True)
    response = client.post(f"/api/v1/rules/import?agency=TANGKAB&format={fmt}", data=text.encode(),
                           headers=admin)
    assert response.status_code == 200, response.get_json()
    draft = client.get(f"/api/v1/rules/export?agency=TANGKAB&format={fmt}&set=draft", headers=admin)
    again = draft.get_data(as_text=True)
    if fmt == "yaml":  # the header names the draft's own version and status
        text = text.replace("version: 1\nstatus: active", "version: 2\nstatus: draft")
    assert again == text


def test_csv_is_one_row_per_rule_with_semicolon_lists(client, token):
    admin = token("admin")
    sheet = ("id,name,target,any,none,category,urgent\n"
             'sampah,Sampah,DPUPRTANGKAB,"sampah; tempat pembuangan*",bank sampah,infrastruktur,'
             "ya\n"
             "pohon,Pohon tumbang,DPUPRTANGKAB,pohon tumbang;dahan patah,,,\n")
    response = client.post("/api/v1/rules/import?agency=TANGKAB", data=sheet,
                           content_type="text/csv", headers=admin)
    assert response.status_code == 200, response.get_json()
    rules = response.get_json()["rules"]
    assert [r["key"] for r in rules] == ["sampah", "pohon"]  # the import replaced the draft's rules
    assert rules[0]["keywords"] == {"any": ["sampah", "tempat pembuangan*"], "all": [],
                                    "none": ["bank sampah"]}
    assert rules[0]["actions"] == {"category": "infrastruktur", "policy": None, "urgent": True,
                                   "stop": False}
    appended = client.post("/api/v1/rules/import?agency=TANGKAB&mode=append",
                           data="target,any\nTANGKAB,pasar\n", content_type="text/csv",
                           headers=admin)
    assert [r["key"] for r in appended.get_json()["rules"]] == ["sampah", "pohon", "aturan"]


def test_import_errors_name_their_rows_and_change_nothing(client, token):
    admin = token("tangkab")
    client.post("/api/v1/rules", json=RULE, headers=admin)
    before = rules_of(client, admin)["draft"]
    sheet = ("id,target,any,priority\n"
             "ok,DPUPRTANGKAB,pasar,1\n"
             "luar,KEMENHUB,terminal,0\n"
             "angka,TANGKAB,pasar,tinggi\n"
             ",DINKESTANGKAB,,\n")
    response = client.post("/api/v1/rules/import?format=csv", data=sheet, headers=admin)
    assert response.status_code == 422
    body = response.get_json()
    assert body["status"] == "rules_invalid" and "2 masalah" in body["message"]
    assert [(e["row"], e["message"]) for e in body["errors"]] == [
        (3, "aturan 'luar': tujuan 'KEMENHUB' bukan TANGKAB atau salah satu unitnya"),
        (4, "prioritas harus bilangan bulat, bukan 'tinggi'"),
    ]
    assert rules_of(client, admin)["draft"] == before


def test_import_checks_every_row_before_it_reports(client, token):
    admin = token("tangkab")
    sheet = ("id,target,any\n"
             "luar,KEMENHUB,terminal\n"
             "kosong,DINKESTANGKAB,\n"
             "ok,DINKESTANGKAB,puskesmas\n")
    body = client.post("/api/v1/rules/import?format=csv", data=sheet, headers=admin).get_json()
    # A rule without keywords is valid: it never matches.
    assert [e["row"] for e in body["errors"]] == [2]
    assert rules_of(client, admin)["draft"] is None


def test_yaml_errors_give_rows_and_lines(client, token):
    admin = token("tangkab")
    document = ("owner: TANGKAB\n"
                "rules:\n"
                "- id: ok\n"
                "  target: DPUPRTANGKAB\n"
                "  keywords: {any: [pasar]}\n"
                "- id: salah\n"
                "  target: DPUPRTANGKAB\n"
                "  keyword: {any: [pasar]}\n")
    response = client.post("/api/v1/rules/import", data=document, content_type="application/yaml",
                           headers=admin)
    assert response.status_code == 422
    [error] = response.get_json()["errors"]
    assert (error["row"], error["line"], error["rule"]) == (2, 6, "salah")
    assert "kunci tidak dikenal: keyword" in error["message"]
    broken = client.post("/api/v1/rules/import?format=yaml", data="rules: [\n- id: x\n",
                         headers=admin)
    assert broken.status_code == 422 and broken.get_json()["errors"][0]["line"] == 2
    other = client.post("/api/v1/rules/import?format=yaml", data="owner: KEMENHUB\nrules: []\n",
                        headers=admin)
    assert "bukan aturan TANGKAB" in other.get_json()["errors"][0]["message"]
    unknown = client.post("/api/v1/rules/import", data="target,any\n", content_type="text/plain",
                          headers=admin)
    assert unknown.status_code == 422 and unknown.get_json()["status"] == "rules_format"
    assert rules_of(client, admin)["draft"] is None


def test_admins_add_abbreviations_to_their_draft(client, token):
    admin = token("tangkab")
    response = client.put("/api/v1/rules/abbreviations", json={"abbreviations": {"lmp": "lampu"}},
                          headers=admin)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["abbreviations"] == {"lmp": "lampu"}
    result = try_text(client, admin, "lmp jln mati", agency="TANGKAB", draft=True)
    assert result["matches"][0]["rule"] == "lampu-jalan"
    bad = client.put("/api/v1/rules/abbreviations", json={"abbreviations": {"dua kata": "x"}},
                     headers=admin)
    assert bad.status_code == 422 and "harus satu kata" in bad.get_json()["errors"][0]["message"]


def test_a_draft_its_abbreviations_make_too_long_is_refused_with_reasons_not_a_500(client, token):
    # Each keyword and each expansion is within its limit, but 99 one-letter words expanding to
    # 199 characters each make a key longer than the keyword scanner (Hyperscan) takes.
    admin = token("tangkab")
    long = {"key": "panjang", "target": "DPUPRTANGKAB", "keywords": {"any": [" ".join(["q"] * 99)]}}
    assert client.post("/api/v1/rules", json=long, headers=admin).status_code == 201
    assert client.put("/api/v1/rules/abbreviations", json={"abbreviations": {"q": ("jalan " * 33).strip()}},
                      headers=admin).status_code == 200
    for path, body in (("/api/v1/rules/activate", {}),
                       ("/api/v1/rules/test", {"text": "q", "agency": "TANGKAB", "draft": True}),
                       ("/api/v1/rules/backtest", {"limit": 10})):
        response = client.post(path, json=body, headers=admin)
        assert response.status_code == 422, (path, response.get_json())
        [problem] = response.get_json()["errors"]
        assert "terlalu panjang setelah singkatannya diuraikan" in problem["message"], path
    assert rules_of(client, admin)["active"]["version"] == 1  # the active set is untouched


def test_backtest_lists_reports_the_draft_would_route_differently(client, token, run_worker):
    titles = ("Sampah menumpuk di pasar", "Jalan rusak berlubang di Cikupa", "Sampah di sungai")
    for title in titles:
        client.post("/api/v1/reports", json={"title": title, "body": f"{title}, mohon dibersihkan.",
                                             "agency": "TANGKAB"})
    run_worker()
    admin = token("tangkab")
    response = client.post("/api/v1/rules/backtest", json={"limit": 10}, headers=admin)
    assert response.status_code == 409  # no draft yet
    client.post("/api/v1/rules", json=RULE, headers=admin)
    response = client.post("/api/v1/rules/backtest", json={"limit": 10}, headers=admin)
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert result["examined"] == 3 and result["rules"] == {"owner": "TANGKAB", "version": 2}
    different = sorted(result["different"], key=lambda d: d["title"])
    assert [d["title"] for d in different] == ["Sampah di sungai", "Sampah menumpuk di pasar"]
    assert different[0]["current"] == {"agency": "TANGKAB", "category": None, "policy": None, "urgent": False}
    assert different[0]["new"] == {"agency": "DPUPRTANGKAB", "category": "infrastruktur", "policy": "reguler",
                                   "urgent": False}
    assert different[0]["rule"] == "sampah" and different[0]["tracking_id"]
    one = client.post("/api/v1/rules/backtest", json={"limit": 1}, headers=admin)
    assert one.get_json()["examined"] == 1
    assert client.post("/api/v1/rules/backtest", json={"agency": "TANGKAB"},
                       headers=token("dispatcher")).status_code == 403


def test_backtest_lists_a_report_whose_deadlines_or_urgency_alone_the_draft_changes(client, token, run_worker):
    """Same agency and category, but the draft would time it under another SLA policy and flag
    it urgent: activating it changes the report's deadlines, so the back-test lists it."""
    body = {"title": "Jalan rusak berlubang di Cikupa", "body": "Jalan rusak berlubang, mohon diperbaiki.",
            "agency": "TANGKAB"}
    assert client.post("/api/v1/reports", json=body).status_code == 201
    run_worker()
    admin = token("tangkab")
    same_place = client.post("/api/v1/rules/test", headers=admin, json={
        "text": body["body"], "title": body["title"], "agency": "TANGKAB"}).get_json()["decision"]
    added = client.post("/api/v1/rules", headers=admin, json={
        "key": "jalan-darurat", "name": "Jalan rusak: segera", "target": same_place["agency"], "priority": 10,
        "keywords": {"any": ["jalan rusak"]},
        "actions": {"category": same_place["category"], "policy": "khusus", "urgent": True}})
    assert added.status_code == 201, added.get_json()
    [changed] = client.post("/api/v1/rules/backtest", json={"limit": 10}, headers=admin).get_json()["different"]
    assert (changed["current"]["agency"], changed["current"]["category"]) == (
        changed["new"]["agency"], changed["new"]["category"])
    assert (changed["new"]["policy"], changed["new"]["urgent"]) == ("khusus", True)
    assert (changed["current"]["policy"], changed["current"]["urgent"]) != ("khusus", True)


def test_testing_a_text_without_a_title_routes_it_as_an_sms_is_routed(app, client, token):
    """An SMS report's title is its first words: a title-scoped rule matches it, so the test
    box, given only a text, says so too."""
    from lapor import rulesets
    from lapor.clock import utcnow
    from lapor.extensions import db
    from lapor.workflow import SYSTEM

    with app.app_context():
        rulesets.install(None, [{"id": "banjir", "target": "KEMENPU", "scope": "title",
                                 "keywords": {"any": ["banjir"]}}], SYSTEM, utcnow())
        db.session.commit()
    tested = client.post("/api/v1/rules/test", headers=token("dispatcher"), json={
        "text": "Banjir setinggi lutut di perumahan kami sejak subuh", "channel": "sms"}).get_json()
    assert (tested["decision"] or {}).get("agency") == "KEMENPU", tested


def test_unknown_owner_and_export_without_active_rules(client, token):
    admin = token("admin")
    assert client.get("/api/v1/rules?agency=NOPE", headers=admin).status_code == 422
    exported = client.get("/api/v1/rules/export?agency=DINKESTANGKAB", headers=admin)
    assert exported.status_code == 200 and "rules: []" in exported.get_data(as_text=True)
    draft = client.get("/api/v1/rules/export?agency=DINKESTANGKAB&set=draft", headers=admin)
    assert draft.status_code == 409


def test_yaml_aliases_are_refused_before_they_are_expanded(client, token):
    levels = ['a: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    levels += [f"{chr(98 + n)}: &l{n + 1} [" + ", ".join([f"*l{n}"] * 9) + "]" for n in range(8)]
    bomb = "\n".join(levels) + "\nrules:\n- id: *l8\n"  # 9**9 values once expanded
    response = client.post("/api/v1/rules/import", data=bomb, content_type="application/yaml",
                           headers=token("admin"))
    assert response.status_code == 422
    [error] = response.get_json()["errors"]
    assert "aliases (*name) are not allowed" in error["message"] and error["line"] == 2
    assert len(response.get_data()) < 2_000


def test_csv_export_keeps_formula_like_cells_as_text_and_imports_them_unchanged(client, token):
    admin = token("admin")
    rule = {**RULE, "key": "rumus", "name": "=HYPERLINK(\"http://x\")",
            "keywords": {"any": ["+62 sampah", "sampah"]}}
    assert client.post("/api/v1/rules", json={**rule, "agency": "TANGKAB"}, headers=admin).status_code == 201
    sheet = client.get("/api/v1/rules/export?agency=TANGKAB&format=csv&set=draft", headers=admin)
    text = sheet.get_data(as_text=True)
    assert "'=HYPERLINK" in text and "'+62 sampah;sampah" in text
    assert not any(cell.startswith(("=", "+", "-", "@"))
                   for row in csv.reader(io.StringIO(text)) for cell in row)
    response = client.post("/api/v1/rules/import?agency=TANGKAB&format=csv", data=text.encode(), headers=admin)
    assert response.status_code == 200, response.get_json()
    imported = {r["key"]: r for r in response.get_json()["rules"]}["rumus"]
    assert imported["name"] == "=HYPERLINK(\"http://x\")"
    assert imported["keywords"]["any"] == ["+62 sampah", "sampah"]


def _rules_yaml(*rules, **document) -> str:
    import yaml

    return yaml.safe_dump({"rules": list(rules), **document} if document or rules else {"rules": []})


OK = {"id": "a", "target": "DPUPRTANGKAB"}


@pytest.mark.parametrize("fmt, text, indonesian", [
    ("yaml", _rules_yaml({**OK, "colour": "red"}), "aturan 'a': kunci tidak dikenal: colour"),
    ("yaml", _rules_yaml({"id": "a"}), "aturan 'a': target wajib diisi"),
    ("yaml", _rules_yaml({**OK, "keywords": ["x"]}), "aturan 'a': keywords harus berupa pemetaan"),
    ("yaml", _rules_yaml({**OK, "keywords": {"foo": ["x"]}}), "aturan 'a': kunci tidak dikenal di keywords: foo"),
    ("yaml", _rules_yaml({**OK, "keywords": {"any": "pasar"}}), "keywords.any harus berupa daftar teks, bukan str"),
    ("yaml", _rules_yaml({**OK, "keywords": {"any": [1]}}), "keywords.any[0] harus berupa teks, bukan 1"),
    ("yaml", _rules_yaml({**OK, "keywords": {"any": ["!!"]}}), "keywords.any[0]: kata kunci '!!' kosong"),
    ("yaml", _rules_yaml({**OK, "keywords": {"any": ["a*b"]}}), "'*' hanya boleh di akhir kata kunci: 'a*b'"),
    ("yaml", _rules_yaml({**OK, "keywords": {"any": ["pasar"], "none": ["pasar"]}}),
     "kata kunci sekaligus dicari dan dikecualikan: pasar"),
    ("yaml", _rules_yaml({**OK, "scope": "semua"}), "scope harus salah satu dari title, body, both, bukan 'semua'"),
    ("yaml", _rules_yaml({**OK, "priority": "tinggi"}), "prioritas harus bilangan bulat, bukan 'tinggi'"),
    ("yaml", _rules_yaml({**OK, "active": "mungkin"}), "active harus true atau false, bukan 'mungkin'"),
    ("yaml", _rules_yaml({**OK, "name": ["x"]}), "nama harus berupa teks, bukan ['x']"),
    ("yaml", _rules_yaml({**OK, "filters": {"channels": ["fax"]}}), "filters.channels: tidak dikenal 'fax'"),
    ("yaml", _rules_yaml({**OK, "filters": {"channels": "sms"}}), "filters.channels harus berupa daftar, bukan str"),
    ("yaml", _rules_yaml({**OK, "actions": {"category": " "}}), "actions.category harus berupa teks yang tidak kosong"),
    ("yaml", _rules_yaml({**OK, "actions": {"policy": "nope"}}), "kebijakan SLA 'nope' tidak dikenal"),
    ("yaml", _rules_yaml({**OK, "regex": "("}), "aturan 'a': regex '(' tidak valid: "),
    ("yaml", _rules_yaml({**OK, "regex": ""}), "regex harus berupa teks yang tidak kosong atau null, bukan ''"),
    ("yaml", _rules_yaml({**OK, "id": ["a"]}), "aturan: ID harus berupa teks yang tidak kosong atau bilangan bulat"),
    ("yaml", _rules_yaml({**OK, "target": ["X"]}), "target harus berupa kode instansi yang tidak kosong"),
    ("yaml", _rules_yaml({**OK, "target": "KEMENHUB"}), "tujuan 'KEMENHUB' bukan TANGKAB atau salah satu unitnya"),
    ("yaml", _rules_yaml({**OK, "owner": "KEMENHUB"}), "pemilik harus TANGKAB (pemilik set aturan ini), bukan"),
    ("yaml", _rules_yaml({**OK, "id": "a" * 200}), "ID paling panjang"),
    ("yaml", _rules_yaml({**OK, "priority": 10**30}), "prioritas harus antara -1000 dan 1000, bukan 1000000"),
    ("yaml", _rules_yaml({**OK, "regex": "a" * 501}), "aturan 'a': regex paling panjang 500 karakter"),
    ("yaml", _rules_yaml({**OK, "keywords": {"any": ["kata " * 40 + "x"]}}),
     "aturan 'a': kata kunci paling panjang 200 karakter"),
    ("yaml", _rules_yaml({**OK, "regex": r"^(\w|\w\w)+\d$"}), "terlalu lama dijalankan pada teks biasa"),
    ("yaml", _rules_yaml(OK, dict(OK)), "aturan 'a': ID ini sudah dipakai aturan lain di set yang sama"),
    ("yaml", _rules_yaml(1), "setiap aturan harus berupa pemetaan (kunci: nilai)"),
    ("yaml", _rules_yaml(colour=1), "kunci tidak dikenal di dokumen: colour"),
    ("yaml", "rules: 5\n", "diharapkan daftar aturan di bawah 'rules'"),
    ("yaml", "owner: KEMENHUB\nrules: []\n", "berkas ini berisi aturan KEMENHUB, bukan aturan TANGKAB"),
    ("yaml", _rules_yaml(OK, abbreviations=["x"]), "singkatan harus memetakan bentuk singkat ke kepanjangannya"),
    ("yaml", _rules_yaml(OK, abbreviations={"dua kata": "x"}), "singkatan 'dua kata' harus satu kata"),
    ("yaml", _rules_yaml(OK, abbreviations={"x": "!!"}), "kepanjangan singkatan 'x' kosong"),
    ("yaml", "rules: [a, {b: 1\n", "bukan YAML yang valid: "),
    ("csv", "target,warna\nTANGKAB,merah\n", "kolom tidak dikenal: warna (kolom yang ada: id, name,"),
    ("csv", "id,any\na,pasar\n", "kolom 'target' wajib ada (kolom yang ada:"),
    ("csv", "target,target\nTANGKAB,TANGKAB\n", "ada kolom yang berulang (kolom yang ada:"),
    ("csv", "target,any\nTANGKAB,pasar,lagi\n", "3 sel untuk 2 kolom"),
    ("csv", "target,stop\nTANGKAB,mungkin\n", "stop harus true atau false, bukan 'mungkin'"),
])
def test_every_problem_in_a_rules_file_is_told_in_indonesian_and_in_english(client, token, fmt, text, indonesian):
    admin = token("tangkab")

    def problems(lang):
        response = client.post(f"/api/v1/rules/import?format={fmt}", data=text.encode(),
                               headers={**admin, "Accept-Language": lang})
        assert response.status_code == 422, response.get_json()
        return [error["message"] for error in response.get_json()["errors"]]

    [in_indonesian], [in_english] = problems("id"), problems("en")
    assert indonesian in in_indonesian
    assert in_english != in_indonesian and not in_english.startswith("aturan")
