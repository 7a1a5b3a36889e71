"""The import of the WeCom identity mapping (CSV/XLSX, on the core's import engine): users named by user
name or e-mail, every row's errors in the preview, all or nothing, ids moved between users, hostile
files refused beside the upload field."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from erp import imports
from office.imports import WECOM_IDENTITIES
from office.models import WeComIdentity
from office.services.wecom_identities import wecom_identities_map
from tests.factories import UserFactory
from tests.files import csv_bytes, xlsx_bytes
from tests.office import wecom_people

UPLOAD = "/office/imports/wecom-identities/"


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(db, roles, company, make_user):
    return wecom_people.build(company, make_user)


def mapped(company):
    return dict(WeComIdentity.objects.filter(company=company).values_list("user__username", "wecom_userid"))


def upload(client, data, name):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data)})


def errors(preview):
    return [str(error) for error in preview.context["result"].errors]


def test_a_good_file_is_previewed_and_imported(world, client):
    wecom_identities_map(company=world.company, mapping={world.li: "OldLi"}, actor=world.admin)
    rows = [["使用者", "企業微信帳號"], ["zhang", "ZhangSan"], ["LI@example.com", "LiSi"], ["chen", "Chen.Wu"]]
    client.force_login(world.admin)

    response = upload(client, xlsx_bytes(rows), "mapping.xlsx")
    preview = client.get(response["Location"])
    done = client.post(response["Location"] + "commit/")

    assert response.status_code == 302
    assert preview.context["result"].ok is True
    assert [row.notes for row in preview.context["result"].rows] == [[], ["Replaces WeCom user ID “OldLi”."], []]
    assert done.status_code == 302 and done["Location"] == UPLOAD
    assert "3 WeCom mappings imported." in client.get(UPLOAD).content.decode()
    assert mapped(world.company) == {"zhang": "ZhangSan", "li": "LiSi", "chen": "Chen.Wu"}


def test_the_wecom_address_books_headers_are_understood_in_a_csv(world, client):
    rows = [["姓名", "帐号", "别名", "邮箱"], ["张三", "zhangsan", "", "zhang@example.com"]]
    client.force_login(world.admin)

    response = upload(client, csv_bytes(rows), "通讯录.csv")
    client.post(response["Location"] + "commit/")

    assert mapped(world.company) == {"zhang": "zhangsan"}


def test_each_bad_row_is_reported_and_nothing_is_imported(world, client):
    wecom_identities_map(company=world.company, mapping={world.li: "LiSi"}, actor=world.admin)
    rows = [["user", "wecom_userid"],
            ["zhang", "ZhangSan"],  # row 2: good
            ["nobody", "x1"],  # row 3: no such user
            ["wang", "wang"],  # row 4: another company's user
            ["shared@example.com", "c1"],  # row 5: two users have that e-mail
            ["chen", "張三"],  # row 6: not an id
            ["zhang", "z2"],  # row 7: zhang again
            ["chen2", "zhangsan"],  # row 8: row 2's id in another case
            ["chen", "lisi"],  # row 9: li's id, li keeps it
            ["root", "boss"],  # row 10: a superuser, by a company admin
            ["chen", "=HYPERLINK(\"http://evil\")"],  # row 11: a formula
            ["", "orphan"]]  # row 12: no user
    client.force_login(world.admin)

    response = upload(client, csv_bytes(rows), "mapping.csv")
    preview = client.get(response["Location"])
    refused = client.post(response["Location"] + "commit/")

    assert errors(preview) == [
        "Row 3, column user: no user “nobody” in your company.",
        "Row 4, column user: no user “wang” in your company.",
        "Row 5, column user: several users of your company have the e-mail “shared@example.com”: use the user name.",
        "Row 6, column wecom_userid: “張三” is not a WeCom user ID: use 1 to 64 letters, digits and _ - @ . only.",
        "Row 7, column user: user “zhang” already appears in row 2.",
        "Row 8, column wecom_userid: WeCom user ID “zhangsan” already appears in row 2.",
        "Row 9, column user: user “chen” already appears in row 6.",
        "Row 10, column user: Only a superuser may change a superuser's WeCom mapping.",
        "Row 11, column wecom_userid: “=HYPERLINK(\"http://evil\")” looks like a spreadsheet formula: import its "
        "result, not the formula.",
        "Row 11, column user: user “chen” already appears in row 6.",
        "Row 12, column user: a value is required.",
    ]
    assert "10 rows have errors." in preview.content.decode()
    assert refused.status_code == 302 and refused["Location"].endswith("?show=errors")
    assert mapped(world.company) == {"li": "LiSi"}


def test_an_id_that_another_user_keeps_is_refused_but_ids_may_move_between_the_files_users(world, client):
    wecom_identities_map(company=world.company, mapping={world.zhang: "ZhangSan", world.li: "LiSi"},
                         actor=world.admin)
    client.force_login(world.admin)

    kept = client.get(upload(client, csv_bytes([["user", "wecom_userid"], ["chen", "lisi"]]), "a.csv")["Location"])
    moved = upload(client, csv_bytes([["user", "wecom_userid"], ["zhang", "LiSi"], ["li", "ZhangSan"]]), "b.csv")
    client.post(moved["Location"] + "commit/")

    assert errors(kept) == ["Row 2, column wecom_userid: WeCom user ID “lisi” is already mapped to li."]
    assert mapped(world.company) == {"zhang": "LiSi", "li": "ZhangSan"}


def test_a_row_that_became_wrong_after_the_preview_rejects_the_whole_file(world, client):
    client.force_login(world.admin)
    response = upload(client, csv_bytes([["user", "wecom_userid"], ["zhang", "ZhangSan"], ["li", "LiSi"]]), "a.csv")
    assert client.get(response["Location"]).context["result"].ok

    wecom_identities_map(company=world.company, mapping={world.chen: "lisi"}, actor=world.admin)  # meanwhile
    refused = client.post(response["Location"] + "commit/", follow=True)

    assert "Row 3, column wecom_userid: WeCom user ID “LiSi” is already mapped to chen." in refused.content.decode()
    assert mapped(world.company) == {"chen": "lisi"}


def test_the_preview_reads_users_and_mappings_in_a_constant_number_of_queries(world):
    for n in range(200):
        UserFactory(username=f"worker{n:03d}", company=world.company)

    def queries(count):
        table = imports.Table(kind=WECOM_IDENTITIES.id, filename="x.csv", headers={"user": "user",
                                                                                   "wecom_userid": "wecom_userid"},
                              rows=[(n + 2, {"user": f"worker{n:03d}", "wecom_userid": f"w{n}"}) for n in range(count)])
        with CaptureQueriesContext(connection) as captured:
            result = imports.validate(WECOM_IDENTITIES, table, company=world.company, user=world.admin)
        assert result.ok
        return len(captured)

    assert queries(200) == queries(2)


@pytest.mark.parametrize("data,name,message", [
    (b"user,wecom_userid\nzhang,z\x00s\n", "nul.csv",
     "The file is not a CSV text file: save it as CSV (UTF-8) or .xlsx."),
    ("使用者,帳號\n張,zs\n".encode("big5"), "big5.csv",
     "The file is not UTF-8 text: save it as “CSV UTF-8” or as .xlsx."),
    (b"PK\x03\x04garbage", "broken.xlsx", "The file is not an Excel .xlsx workbook."),
    (b"name,phone\nzhang,1\n", "other.csv", "Missing column(s): user, wecom_userid. The first row must hold the column "
                                            "headers; download the template to see them."),
])
def test_a_hostile_or_foreign_file_is_refused_beside_the_upload_field(world, client, data, name, message):
    client.force_login(world.admin)

    response = upload(client, data, name)

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [message]
    assert WeComIdentity.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(world, client, settings):
    settings.IMPORT_MAX_BYTES = 64 * 1024
    client.force_login(world.admin)

    response = upload(client, csv_bytes([["user", "wecom_userid"]] + [["zhang", "x" * 60]] * 2000), "big.csv")

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "The file is larger than 0.0625 MB: split it into smaller files."]
    assert WeComIdentity.objects.count() == 0


def test_the_template_names_the_columns_in_the_users_language(world, client):
    client.force_login(world.admin)
    world.admin.language = "zh-hant"
    world.admin.save()

    response = client.get(UPLOAD + "template/")

    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [cell.value for cell in next(sheet.iter_rows(max_row=1))] == ["使用者", "企業微信帳號"]
