"""知识库: categories and articles kept by the centre and the departments, with substring search."""
from __future__ import annotations

from tests.support import Api


async def _search(api: Api, **params) -> list[str]:
    body = await api.ok("GET", "/knowledge/articles", params={"per_page": 100, **params})
    return sorted(a["title"] for a in body["items"])


async def test_categories_are_kept_by_the_centre(login, org) -> None:
    sup, admin, ct, wc = await login("sup"), await login("admin"), await login("ct"), await login("water_clerk")
    cat = await sup.ok("POST", "/knowledge/categories", {"name": "供水", "sort": 2}, status=201)
    assert cat["name"] == "供水" and cat["articles"] == 0
    await admin.ok("POST", "/knowledge/categories", {"name": "交通", "sort": 1}, status=201)
    for api in (ct, wc):
        status, body = await api.call("POST", "/knowledge/categories", {"name": "其他"})
        assert status == 403, body
    for name in ("", "   ", "类" * 51, "供水"):
        status, body = await sup.call("POST", "/knowledge/categories", {"name": name})
        assert status == 400 and "name" in body["error"]["fields"], name
    assert [c["name"] for c in await wc.ok("GET", "/knowledge/categories")] == ["交通", "供水"]


async def test_article_crud_and_department_permissions(login, org) -> None:
    sup, ct = await login("sup"), await login("ct")
    wc, wh, hc, wl = await login("water_clerk"), await login("water_h1"), await login("housing_clerk"), \
        await login("water_leader")
    d = org.departments
    cat = (await sup.ok("POST", "/knowledge/categories", {"name": "供水"}, status=201))["id"]
    centre = await sup.ok("POST", "/knowledge/articles", {
        "category_id": cat, "title": "停水查询办法", "body": "计划停水信息在水务集团网站公布", "keywords": "停水"},
        status=201)
    assert centre["department_id"] is None and centre["category"] == "供水"
    water = await wc.ok("POST", "/knowledge/articles", {
        "category_id": cat, "title": "水费缴纳", "body": "可通过营业厅或网上缴纳水费", "department_id": d["water"]},
        status=201)
    assert water["department_id"] == d["water"] and water["created_by"] == org.users["water_clerk"]

    # A department keeps only its own articles; call-takers and leaders only read.
    for api, body in ((wc, {"department_id": d["housing"]}), (wc, {}), (hc, {"department_id": d["water"]}),
                      (ct, {}), (wl, {"department_id": d["water"]})):
        status, resp = await api.call("POST", "/knowledge/articles",
                                      {"category_id": cat, "title": "越权", "body": "越权", **body})
        assert status == 403, (api.user["username"], body, resp)
    for api in (hc, ct, wc):
        target = water if api is not wc else centre
        status, _ = await api.call("PUT", f"/knowledge/articles/{target['id']}",
                                   {"category_id": cat, "title": "改", "body": "改", "department_id": target["department_id"]})
        assert status == 403
        status, _ = await api.call("DELETE", f"/knowledge/articles/{target['id']}")
        assert status == 403
    # Nor can a department take another's article over by moving it.
    status, _ = await hc.call("PUT", f"/knowledge/articles/{water['id']}",
                              {"category_id": cat, "title": "改", "body": "改", "department_id": d["housing"]})
    assert status == 403
    status, _ = await wc.call("PUT", f"/knowledge/articles/{water['id']}",
                              {"category_id": cat, "title": "改", "body": "改", "department_id": d["housing"]})
    assert status == 403

    updated = await wh.ok("PUT", f"/knowledge/articles/{water['id']}", {
        "category_id": cat, "title": "水费缴纳方式", "body": "营业厅、网上银行、微信均可缴纳水费",
        "department_id": d["water"]})
    assert updated["title"] == "水费缴纳方式"
    assert (await ct.ok("GET", f"/knowledge/articles/{water['id']}"))["body"].startswith("营业厅")
    await sup.ok("PUT", f"/knowledge/articles/{water['id']}", {
        "category_id": cat, "title": "水费缴纳方式", "body": "中心修订：营业厅、网上银行、微信均可",
        "department_id": d["water"]})

    # Bad input stores nothing.
    for body, field in (({"title": "", "body": "x"}, "title"), ({"title": "x", "body": ""}, "body"),
                        ({"title": "x" * 201, "body": "x"}, "title"), ({"category_id": 999999}, "category_id"),
                        ({"category_id": None}, "category_id"), ({"category_id": "abc"}, "category_id")):
        status, resp = await sup.call("POST", "/knowledge/articles", {"category_id": cat, "title": "t", "body": "b",
                                                                      **body})
        assert status == 400 and field in resp["error"]["fields"], (body, resp)
    assert len((await sup.ok("GET", "/knowledge/articles"))["items"]) == 2

    await wc.ok("DELETE", f"/knowledge/articles/{water['id']}")
    status, body = await ct.call("GET", f"/knowledge/articles/{water['id']}")
    assert status == 404 and body["error"]["code"] == "article_not_found"
    status, _ = await wc.call("PUT", f"/knowledge/articles/{water['id']}",
                              {"category_id": cat, "title": "复活", "body": "x", "department_id": d["water"]})
    assert status == 404
    assert await _search(ct) == ["停水查询办法"]
    assert (await sup.ok("GET", "/knowledge/categories"))[0]["articles"] == 1


async def test_chinese_substring_search(login, org) -> None:
    sup, ct = await login("sup"), await login("ct")
    supply = (await sup.ok("POST", "/knowledge/categories", {"name": "供水"}, status=201))["id"]
    social = (await sup.ok("POST", "/knowledge/categories", {"name": "社保"}, status=201))["id"]
    for cat, title, body, keywords in (
            (supply, "停水查询办法", "计划停水信息在水务集团网站公布", "停水 供水"),
            (supply, "水费缴纳", "可通过营业厅或网上缴纳水费", "水费"),
            (social, "社保卡挂失", "携带身份证到社保服务大厅办理挂失", "社保卡"),
            (social, "医保报销流程", "住院费用在出院时直接结算，门诊费用按规定报销", "医保 报销")):
        await sup.ok("POST", "/knowledge/articles", {"category_id": cat, "title": title, "body": body,
                                                     "keywords": keywords}, status=201)
    assert await _search(ct, q="停水") == ["停水查询办法"]
    assert await _search(ct, q="水") == ["停水查询办法", "水费缴纳"]  # a single character
    assert await _search(ct, q="社保") == ["社保卡挂失"]
    assert await _search(ct, q="服务大厅") == ["社保卡挂失"]  # body text
    assert await _search(ct, q="报销") == ["医保报销流程"]
    assert await _search(ct, q="费用 结算") == ["医保报销流程"]
    assert await _search(ct, q="住院报销") == []  # a substring, not scattered characters
    assert await _search(ct, q="缴纳", category=social) == []
    assert await _search(ct, q="缴纳", category=supply) == ["水费缴纳"]
    assert len(await _search(ct, category=social)) == 2
    assert len(await _search(ct)) == 4
    for nasty in ('"', "AND OR", "*", "停水)"):
        status, _ = await ct.call("GET", "/knowledge/articles", params={"q": nasty})
        assert status == 200, nasty
    status, body = await ct.call("GET", "/knowledge/articles", params={"category": "x"})
    assert status == 400 and "category" in body["error"]["fields"]
    page = await ct.ok("GET", "/knowledge/articles", params={"per_page": 3, "page": 2})
    assert page["total"] == 4 and len(page["items"]) == 1
    # Editing re-indexes: the old words are gone, the new ones found.
    [article] = (await ct.ok("GET", "/knowledge/articles", params={"q": "挂失"}))["items"]
    await sup.ok("PUT", f"/knowledge/articles/{article['id']}", {
        "category_id": social, "title": "社保卡补办", "body": "补办新卡需本人到场", "keywords": "社保卡"})
    assert await _search(ct, q="挂失") == []
    assert await _search(ct, q="补办") == ["社保卡补办"]


async def test_categories_are_renamed_and_removed_when_empty(login, org) -> None:
    sup, ct = await login("sup"), await login("ct")
    water = await sup.ok("POST", "/knowledge/categories", {"name": "供水", "sort": 2}, status=201)
    gas = await sup.ok("POST", "/knowledge/categories", {"name": "燃气", "sort": 3}, status=201)
    renamed = await sup.ok("PUT", f"/knowledge/categories/{water['id']}", {"name": "供水供电", "sort": 1})
    assert renamed["name"] == "供水供电" and renamed["sort"] == 1
    status, body = await sup.call("PUT", f"/knowledge/categories/{water['id']}", {"name": "燃气"})
    assert status == 400 and body["error"]["fields"]["name"] == "该类别已存在"
    assert (await ct.call("PUT", f"/knowledge/categories/{water['id']}", {"name": "改名"}))[0] == 403
    assert (await sup.call("PUT", "/knowledge/categories/99999", {"name": "不存在"}))[0] == 404
    art = await sup.ok("POST", "/knowledge/articles", {"category_id": water["id"], "title": "停水查询",
                                                       "body": "拨打供水热线查询停水通知。", "keywords": "停水"},
                       status=201)
    status, body = await sup.call("DELETE", f"/knowledge/categories/{water['id']}")
    assert status == 400 and "还有 1 条知识" in body["error"]["fields"]["category"]
    await sup.ok("DELETE", f"/knowledge/articles/{art['id']}")
    await sup.ok("DELETE", f"/knowledge/categories/{water['id']}")  # only a deleted article left: it goes
    assert [c["name"] for c in await ct.ok("GET", "/knowledge/categories")] == ["燃气"]
    status, body = await sup.call("POST", "/knowledge/articles", {"category_id": water["id"], "title": "新条目",
                                                                  "body": "正文"})
    assert status == 400 and "category_id" in body["error"]["fields"]
    assert (await sup.call("DELETE", f"/knowledge/categories/{gas['id']}"))[0] == 200
