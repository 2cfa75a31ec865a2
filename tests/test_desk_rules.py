"""The routing rules screen: who manages which set, editing the draft, activation, the test box,
the back-test and rule files, through the same backend as the rules API."""

from __future__ import annotations

import io
import re

import pytest

from lapor.extensions import db
from lapor.rules.store import find_set
from tests import factories as f
from tests.test_desk_support import get, post, sign_in
from tests.test_web_citizen import text

SAMPAH = {"name": "Sampah liar", "key": "sampah", "target": "DPUPRTANGKAB", "priority": "2",
          "any": "sampah, tempat pembuangan*", "none": "bank sampah", "category": "infrastruktur",
          "policy": "reguler", "active": "1", "report_types": "complaint"}
HTMX = {"HX-Request": "true"}
SCREEN = "/staff/aturan/"


def tried(client, **data) -> str:
    """The test box's answer to htmx: only the fragment it swaps in."""
    return text(client.post(SCREEN + "uji", data=data, headers=HTMX))


def refused(client, path: str, data: dict, status: int = 422) -> str:
    return text(post(client, SCREEN + path, data, status=status))


def keys_of(app, code: str | None, status: str) -> list[str] | None:
    with app.app_context():
        rule_set = find_set(f.agency(code) if code else None, status)
        return None if rule_set is None else [row.key for row in rule_set.rules]


def rule_id(app, code: str, key: str, status: str = "draft") -> int:
    with app.app_context():
        return next(row.id for row in find_set(f.agency(code), status).rules if row.key == key)


def named_report(app, title: str, body: str, holder: str, category: str | None = None) -> str:
    """A report that named TANGKAB and is now held by `holder`; its tracking ID."""
    from lapor.models import Category

    with app.app_context():
        report = f.report("disposed", holder, title=title, body=body,
                          requested_agency=f.agency("TANGKAB"))
        if category:
            report.category_id = db.session.query(Category).filter_by(code=category).one().id
        db.session.commit()
        return report.tracking_id


# -- who sees which set -------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["dispatcher", "banten"])
def test_other_roles_are_refused_in_their_language(client, demo, username):
    sign_in(client, demo, username)
    page = get(client, "/staff/aturan/", status=403)
    assert "Halaman ini tidak tersedia untuk peran Anda" in page
    assert client.post("/staff/aturan/", data=SAMPAH).status_code == 403
    assert client.post("/staff/aturan/uji", data={"text": "jalan rusak"}).status_code == 403
    assert "/staff/aturan/" not in get(client, "/staff/")  # no menu entry either


def test_a_sysadmin_sees_the_national_set_and_any_agencys(client, demo):
    sign_in(client, demo, "admin")
    national = get(client, "/staff/aturan/")
    assert "Aturan rute laporan: Nasional (laporan tanpa instansi tujuan)" in national
    assert "Maladministrasi dan pungli" in national and "Aturan aktif, versi 1" in national
    assert 'id="owner-choice"' in national
    assert '<a href="/staff/aturan/" aria-current="page">Aturan rute</a>' in national
    tangkab = get(client, "/staff/aturan/?agency=tangkab")
    assert "Aturan rute laporan: Pemerintah Kabupaten Tangerang" in tangkab
    assert "Jalan dan jembatan kabupaten" in tangkab and "Maladministrasi dan pungli" not in tangkab
    assert "jalan rusak, jalan berlubang, berlubang" in tangkab
    assert "kecuali:</small> jalan tol" in tangkab
    unknown = get(client, "/staff/aturan/?agency=XYZ", status=404)
    assert "Instansi &#39;XYZ&#39; tidak dikenal." in unknown


def test_an_agency_admin_manages_only_its_own_set(client, app, demo):
    sign_in(client, demo, "tangkab")
    own = get(client, "/staff/aturan/")
    assert "Pemerintah Kabupaten Tangerang" in own and "Jalan dan jembatan kabupaten" in own
    assert 'id="owner-choice"' not in own and "Aturan rute" in own
    other = get(client, "/staff/aturan/?agency=KEMENHUB", status=403)
    assert "Anda tidak dapat mengelola aturan KEMENHUB" in other
    get(client, "/staff/aturan/?agency=NOPE", status=404)
    assert client.post("/staff/aturan/", data={**SAMPAH, "agency": "KEMENHUB"}).status_code == 403
    assert client.post("/staff/aturan/draf/aktifkan", data={"agency": "BANTEN"}).status_code == 403
    assert client.post("/staff/aturan/uji-ulang", data={"agency": "KEMENHUB"}).status_code == 403
    client.post("/staff/logout")
    sign_in(client, demo, "kemenhub")
    post(client, "/staff/aturan/", {**SAMPAH, "target": "KEMENHUB", "key": "tiket-hilang"})
    rule = rule_id(app, "KEMENHUB", "tiket-hilang")
    client.post("/staff/logout")
    sign_in(client, demo, "tangkab")
    for response in (client.get(f"/staff/aturan/{rule}"),
                     client.post(f"/staff/aturan/{rule}", data=SAMPAH),
                     client.post(f"/staff/aturan/{rule}/hapus")):
        assert response.status_code == 403
    assert keys_of(app, "KEMENHUB", "draft")[-1] == "tiket-hilang"


# -- editing the draft --------------------------------------------------------------------------

def test_create_edit_delete_and_activate_through_the_forms(client, app, demo):
    sign_in(client, demo, "tangkab")
    assert "Belum ada draf." in get(client, "/staff/aturan/")
    response = post(client, "/staff/aturan/", SAMPAH)
    assert response.location == "/staff/aturan/?agency=TANGKAB"
    page = get(client, response.location)
    assert "Aturan sampah ditambahkan ke draf TANGKAB." in page
    assert "Draf versi 2" in page and "DRAF · belum berlaku" in page and "Sampah liar" in page
    assert ">baru</span>" in page and "Pengaduan" in page
    assert keys_of(app, "TANGKAB", "draft")[-1] == "sampah"
    assert keys_of(app, "TANGKAB", "active")[-1] == "adminduk"  # the active set is untouched

    sampah = rule_id(app, "TANGKAB", "sampah")
    form = get(client, f"/staff/aturan/{sampah}")
    assert "Ubah aturan sampah" in form and 'value="Sampah liar"' in form
    assert ">sampah, tempat pembuangan*</textarea>" in form and 'value="complaint" checked' in form
    post(client, f"/staff/aturan/{sampah}",
         {**SAMPAH, "target": "TANGKAB", "priority": "7", "urgent": "1"})
    with app.app_context():
        row = next(r for r in find_set(f.agency("TANGKAB"), "draft").rules if r.key == "sampah")
        changed = (row.target, row.data["priority"], row.data["actions"]["urgent"])
        assert changed == ("TANGKAB", 7, True)

    lamp = rule_id(app, "TANGKAB", "lampu-jalan")
    page = get(client, post(client, f"/staff/aturan/{lamp}/hapus", {}).location)
    assert "Aturan lampu-jalan dihapus dari draf TANGKAB." in page
    assert "Dihapus di draf: lampu-jalan" in page
    assert 'data-confirm="Aktifkan draf ini? Laporan berikutnya langsung dirutekan' in page

    page = get(client, post(client, "/staff/aturan/draf/aktifkan", {}).location)
    assert "Aturan TANGKAB versi 2 kini berlaku untuk laporan berikutnya." in page
    assert keys_of(app, "TANGKAB", "draft") is None
    assert "lampu-jalan" not in keys_of(app, "TANGKAB", "active")
    assert "Aturan aktif, versi 2" in page
    # The active set is never edited in place, and activating twice is explained, not a crash.
    active_rule = rule_id(app, "TANGKAB", "sampah", "active")
    assert "Hanya aturan dalam draf" in get(client, f"/staff/aturan/{active_rule}", status=409)
    again = get(client, "/staff/aturan/draf/aktifkan", status=405)
    assert "Traceback" not in again
    refused = text(post(client, "/staff/aturan/draf/aktifkan", {}, status=409))
    assert "Belum ada draf aturan untuk TANGKAB." in refused


def test_a_draft_is_started_and_discarded(client, app, demo):
    sign_in(client, demo, "admin")
    page = get(client, post(client, "/staff/aturan/draf/mulai", {"agency": "KEMENKES"}).location)
    assert "Draf KEMENKES versi 2 siap diubah." in page
    assert keys_of(app, "KEMENKES", "draft") == keys_of(app, "KEMENKES", "active")
    page = get(client, post(client, "/staff/aturan/draf/buang", {"agency": "KEMENKES"}).location)
    assert "Draf KEMENKES dibuang" in page and keys_of(app, "KEMENKES", "draft") is None
    assert client.post("/staff/aturan/draf/semua", data={}).status_code == 404
    assert client.post("/staff/aturan/999999/hapus").status_code == 404


def test_refusals_are_explained_in_indonesian_and_the_form_keeps_what_was_typed(client, app, demo):
    sign_in(client, demo, "tangkab")
    page = refused(client, "", {**SAMPAH, "target": "", "priority": "banyak", "scope": "mana-saja"})
    assert "Periksa kembali isian yang ditandai." in page and "Wajib diisi." in page
    assert "Harus berupa bilangan bulat." in page and "Harus salah satu dari" in page
    assert 'value="Sampah liar"' in page and ">sampah, tempat pembuangan*</textarea>" in page
    page = refused(client, "", {**SAMPAH, "target": "KEMENHUB"})
    assert ("aturan &#39;sampah&#39;: tujuan &#39;KEMENHUB&#39; bukan TANGKAB atau salah satu "
            "unitnya") in page
    page = refused(client, "", {**SAMPAH, "none": "Sampah"})
    assert "kata kunci sekaligus dicari dan dikecualikan: sampah" in page
    page = refused(client, "", {**SAMPAH, "regex": "(rusak"})
    assert "regex &#39;(rusak&#39; tidak valid" in page
    assert keys_of(app, "TANGKAB", "draft") is None  # nothing of a refused rule is kept

    post(client, "/staff/aturan/", SAMPAH)
    jalan = rule_id(app, "TANGKAB", "jalan")
    page = refused(client, str(jalan), {**SAMPAH, "key": "sampah"})
    assert "ID ini sudah dipakai aturan lain" in page and "Ubah aturan jalan" in page
    client.set_cookie("lang", "en")
    page = refused(client, "", {**SAMPAH, "key": "", "category": "nope"})
    assert "rule &#39;sampah-liar&#39;: unknown category &#39;nope&#39;" in page
    assert "Please check the marked fields." in page


# -- the test box and the back-test -------------------------------------------------------------

def test_the_test_box_answers_as_routing_would(client, app, demo):
    sign_in(client, demo, "tangkab")
    road = {"text": "Jalan rusak berlubang di Kecamatan Cikupa", "agency": "TANGKAB", "owner": ""}
    page = get(client, "/staff/aturan/")
    assert 'hx-post="/staff/aturan/uji"' in page and 'hx-target="#uji-hasil"' in page
    full = text(client.post("/staff/aturan/uji", data=road))  # without JavaScript: the whole page
    assert "<html" in full and "Dikirim ke Dinas PUPR Kabupaten Tangerang (DPUPRTANGKAB)" in full
    assert "Jalan dan jembatan kabupaten" in full and "jalan rusak, berlubang" in full
    assert "Kategori: Jalan dan jembatan" in full and "diuji dengan aturan TANGKAB versi 1" in full
    assert ">Jalan rusak berlubang di Kecamatan Cikupa</textarea>" in full
    part = tried(client, **road)
    assert "<html" not in part and "Dikirim ke Dinas PUPR Kabupaten Tangerang" in part

    national = tried(client, text="Sampah menumpuk di pasar")
    assert "Ke triase: admin verifikasi yang memutuskan" in national
    assert "tidak ada aturan yang cocok" in national
    tie = tried(client, text="Kereta dan bus mudik penuh sesak")
    assert "Ke triase" in tie and "Sama kuat:" in tie and "DITJENKA" in tie
    kept = tried(client, text="Sampah menumpuk", agency="TANGKAB")
    assert "Tetap di Pemerintah Kabupaten Tangerang (TANGKAB)" in kept

    assert "Wajib diisi." in tried(client, text=" ")
    assert client.post("/staff/aturan/uji", data={"text": " "}).status_code == 422
    assert "Instansi &#39;XYZ&#39; tidak dikenal." in tried(client, text="KRL", agency="XYZ")
    assert "Harus salah satu dari" in tried(client, text="KRL", type="lelucon")
    assert "Belum ada draf aturan untuk TANGKAB." in tried(client, **road, draft="1")
    post(client, "/staff/aturan/", SAMPAH)
    drafted = tried(client, **{**road, "text": "Sampah menumpuk"}, draft="1")
    assert "Dikirim ke Dinas PUPR" in drafted and "diuji dengan draf" in drafted


def test_the_backtest_lists_reports_the_draft_would_route_differently(client, app, demo):
    road = named_report(app, "Jalan berlubang", "Jalan rusak berlubang di Cikupa", "DPUPRTANGKAB",
                        "jalan")
    waste = named_report(app, "Sampah menumpuk", "Sampah menumpuk di pasar Cikupa", "TANGKAB")
    named_report(app, "Puskesmas tutup", "Puskesmas tutup pagi hari", "DINKESTANGKAB", "kesehatan")
    sign_in(client, demo, "tangkab")
    form = get(client, "/staff/aturan/")
    assert '<option value="200" selected>200</option>' in form
    nothing = text(client.post("/staff/aturan/uji-ulang", data={}, headers=HTMX))
    assert "Belum ada draf aturan untuk TANGKAB." in nothing

    post(client, f"/staff/aturan/{_draft_rule(client, app, 'jalan')}/hapus", {})
    post(client, "/staff/aturan/", SAMPAH)
    page = text(client.post("/staff/aturan/uji-ulang", data={"limit": "50"}))
    assert "<html" in page and '<option value="50" selected>50</option>' in page
    assert "Draf versi 2: 3 laporan diperiksa, 2 akan dirutekan berbeda." in page
    rows = re.findall(r'<td data-label="Laporan"><a class="tid" href="/staff/laporan/(\w+)">', page)
    assert sorted(rows) == sorted([road, waste])
    road_row = page[page.index(f">{road}</a>"):].split("</tr>")[0]
    assert "DPUPRTANGKAB<br><small>jalan" in road_row and "TANGKAB<br><small>jalan" in road_row
    waste_row = page[page.index(f">{waste}</a>"):].split("</tr>")[0]
    assert "TANGKAB<br><small>–" in waste_row
    assert "DPUPRTANGKAB<br><small>infrastruktur" in waste_row
    assert "aturan cocok" in waste_row and "<code>sampah</code>" in waste_row
    part = text(client.post("/staff/aturan/uji-ulang", data={"limit": "banyak"}, headers=HTMX))
    assert "<html" not in part and "3 laporan diperiksa, 2 akan" in part


def test_a_draft_that_cannot_compile_is_explained_in_the_test_box_and_the_backtest(client, app, demo):
    # 99 one-letter words, each expanded to 197 characters: a key longer than the scanner takes.
    sign_in(client, demo, "tangkab")
    post(client, "/staff/aturan/", {"name": "Panjang", "key": "panjang", "target": "DPUPRTANGKAB",
                                    "any": " ".join(["q"] * 99), "active": "1"})
    with app.app_context():
        find_set(f.agency("TANGKAB"), "draft").abbreviations = {"q": ("jalan " * 33).strip()}
        db.session.commit()
    reason = "terlalu panjang setelah singkatannya diuraikan"
    answer = client.post(SCREEN + "uji", data={"text": "q", "agency": "TANGKAB", "draft": "1"}, headers=HTMX)
    assert answer.status_code == 200 and reason in text(answer)
    page = client.post(SCREEN + "uji", data={"text": "q", "agency": "TANGKAB", "draft": "1"})
    assert page.status_code == 422 and reason in text(page)
    backtest = client.post(SCREEN + "uji-ulang", data={"limit": "50"}, headers=HTMX)
    assert backtest.status_code == 200 and reason in text(backtest)
    assert reason in refused(client, "draf/aktifkan", {})


def _draft_rule(client, app, key: str) -> int:
    post(client, "/staff/aturan/draf/mulai", {})
    return rule_id(app, "TANGKAB", key)


def test_bad_input_is_answered_never_with_a_server_error(client, app, demo):
    sign_in(client, demo, "tangkab")
    long = "x" * 300
    attempts = [
        ("get", "/staff/aturan/?agency=" + long, None),
        ("get", "/staff/aturan/99999999999999999999", None),
        ("post", "/staff/aturan/", {**SAMPAH, "name": long, "key": long, "any": long,
                                    "priority": "5000", "report_types": "lelucon",
                                    "channels": "merpati", "category": long, "policy": "nope",
                                    "target": long}),
        ("post", "/staff/aturan/", {"agency": long}),
        ("post", "/staff/aturan/", {}),
        ("post", "/staff/aturan/uji", {"text": "x" * 10001, "agency": long, "channel": "merpati"}),
        ("post", "/staff/aturan/uji-ulang", {"limit": "-1", "agency": ""}),
        ("post", "/staff/aturan/impor", {"mode": "campur", "format": "csv", "text": "a,b\n1,2"}),
        ("post", "/staff/aturan/impor", {"format": "csv", "text": "target\n\"unterminated"}),
        ("post", "/staff/aturan/impor", {"format": "yaml", "text": "- 1\n- [2]\n- {target: X}"}),
    ]
    for method, path, data in attempts:
        response = getattr(client, method)(path, data=data)
        assert response.status_code in (200, 303, 400, 403, 404, 409, 422), (path, data)
        assert "Traceback" not in text(response)
    page = text(client.post("/staff/aturan/", data={**SAMPAH, "priority": "5000", "any": long}))
    assert 'name="priority"' in page and "Periksa kembali isian" in page
    assert keys_of(app, "TANGKAB", "draft") is None


# -- files --------------------------------------------------------------------------------------

BAD_CSV = ("id,name,target,priority,any\n"
           "sampah,Sampah,DPUPRTANGKAB,2,sampah\n"
           "pasar,Pasar,DPUPRTANGKAB,tinggi,pasar\n"
           "tol,Jalan tol,KEMENPU,1,jalan tol\n")


def test_export_links_and_an_import_with_row_errors(client, app, demo):
    sign_in(client, demo, "tangkab")
    page = get(client, "/staff/aturan/")
    link = "/api/v1/rules/export?agency=TANGKAB&amp;format=yaml&amp;set=active"
    assert link in page and "set=draft" not in page
    exported = client.get(link.replace("&amp;", "&"))
    assert exported.status_code == 200 and "owner: TANGKAB" in exported.get_data(as_text=True)
    csv_link = client.get("/api/v1/rules/export?agency=TANGKAB&format=csv&set=active")
    assert csv_link.get_data(as_text=True).startswith("id,name,owner,target")

    upload = {"file": (io.BytesIO(BAD_CSV.encode()), "aturan.csv"), "mode": "replace"}
    page = refused(client, "impor", upload)
    assert "Aturan tidak dapat disimpan: 2 masalah" in page and "Rincian masalah" in page
    assert "<td>3</td>" in page and "prioritas harus bilangan bulat, bukan &#39;tinggi&#39;" in page
    assert "<td>4</td>" in page and "tujuan &#39;KEMENPU&#39; bukan TANGKAB" in page
    assert keys_of(app, "TANGKAB", "draft") is None  # a refused file changes nothing

    pasted = refused(client, "impor", {"text": BAD_CSV.splitlines()[0]})
    assert "Format berkas aturan harus salah satu dari: yaml, csv." in pasted
    empty = refused(client, "impor", {"format": "csv", "text": "  "})
    assert "Berkas aturan kosong." in empty
    binary = {"file": (io.BytesIO(b"\xff\xfe\x00bad"), "aturan.yaml")}
    assert "Berkas harus berupa teks UTF-8." in refused(client, "impor", binary)
    yaml_bad = refused(client, "impor", {"format": "yaml", "text": "rules: [a, {b: 1"})
    assert "bukan YAML yang valid" in yaml_bad and "line 1, column 17" in yaml_bad  # the parser's words
    not_rules = refused(client, "impor", {"format": "yaml", "text": "rules: 5"})
    assert "diharapkan daftar aturan di bawah &#39;rules&#39;" in not_rules
    assert "Harus salah satu dari" in refused(client, "impor", {"format": "xls", "text": "x"})

    good = "\n".join(BAD_CSV.splitlines()[:2]) + "\n"
    response = post(client, SCREEN + "impor", {"text": good, "format": "csv", "mode": "append"})
    page = get(client, response.location)
    assert "Berkas dimuat; draf TANGKAB kini berisi 7 aturan." in page
    assert keys_of(app, "TANGKAB", "draft")[-1] == "sampah"
    assert "/api/v1/rules/export?agency=TANGKAB&amp;format=csv&amp;set=draft" in page
    replaced = {"file": (io.BytesIO(good.encode()), "aturan.CSV")}
    post(client, "/staff/aturan/impor", replaced)
    assert keys_of(app, "TANGKAB", "draft") == ["sampah"]


# -- CSRF ---------------------------------------------------------------------------------------

def token_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_forms_need_the_csrf_token(csrf_client, app, demo):
    login = text(csrf_client.get("/staff/"))
    response = csrf_client.post("/staff/", data={"username": "tangkab", "password": demo["tangkab"],
                                                 "csrf_token": token_of(login)})
    assert response.status_code == 303
    for path in ("/staff/aturan/", "/staff/aturan/draf/aktifkan", "/staff/aturan/uji"):
        refused = csrf_client.post(path, data={**SAMPAH, "text": "jalan rusak"})
        assert refused.status_code == 400
        assert "Formulir kedaluwarsa; muat ulang halaman dan coba lagi." in text(refused)
    assert keys_of(app, "TANGKAB", "draft") is None
    page = text(csrf_client.get("/staff/aturan/"))
    response = csrf_client.post("/staff/aturan/", data={**SAMPAH, "csrf_token": token_of(page)})
    assert response.status_code == 303
    assert keys_of(app, "TANGKAB", "draft")[-1] == "sampah"


def test_every_key_the_screen_builds_from_codes_is_in_the_catalogue():
    from lapor.models import REPORT_TYPES
    from lapor.rules import CHANNELS, SCOPES
    from lapor.translations import MESSAGES
    from lapor.web.desk.rules import KINDS

    keys = [f"desk.rules.{part}.{kind}" for part in ("kw", "field") for kind in KINDS]
    keys += [f"desk.rules.scope.{scope}" for scope in SCOPES]
    keys += [f"desk.rules.reason.{reason}" for reason in ("match", "tie", "no_match")]
    keys += [f"desk.rules.change.{mark}" for mark in ("new", "changed")]
    keys += [f"desk.rules.mode.{mode}" for mode in ("replace", "append")]
    keys += [f"desk.rules.download.{which}" for which in ("active", "draft")]
    keys += [f"desk.rules.field.{name}" for name in ("report_types", "channels")]
    keys += [f"desk.rules.done.{done}" for done in ("created", "updated", "deleted", "started",
                                                    "discarded", "activated", "imported")]
    keys += [f"type.{t}" for t in REPORT_TYPES] + [f"channel.{c}" for c in CHANNELS]
    assert [key for key in keys if key not in MESSAGES] == []
