"""知识库 and the administrator's pages, through real HTML form posts (with the CSRF field)."""
from __future__ import annotations

from html import unescape
from typing import Any

import pytest

from tests.support import Api, Org

ADMIN_PAGES = {"/admin/users": "用户管理", "/admin/departments": "单位管理", "/admin/rules": "办结时限",
               "/admin/calendar": "节假日调整"}


async def page(api: Api, path: str, **params: Any) -> tuple[int, str]:
    async with api.session.get(f"{api.base}{path}", params=params, allow_redirects=False) as resp:
        return resp.status, unescape(await resp.text())


async def post(api: Api, path: str, data: dict[str, Any] | list[tuple[str, Any]],
               follow: bool = True) -> tuple[int, str]:
    """Post a form the way the browser does: url-encoded, with the page's _csrf field."""
    fields = list(data.items()) if isinstance(data, dict) else list(data)
    fields.append(("_csrf", api.csrf))
    async with api.session.post(f"{api.base}{path}", data=[(k, str(v)) for k, v in fields],
                                allow_redirects=follow) as resp:
        return resp.status, unescape(await resp.text())


async def category(api: Api, name: str) -> int:
    return (await api.ok("POST", "/knowledge/categories", {"name": name}, status=201))["id"]


async def article(api: Api, category_id: int, title: str, department_id: int | None = None) -> int:
    body = {"category_id": category_id, "title": title, "body": f"{title}的办理依据和答复口径", "keywords": "办事指南",
            "department_id": department_id}
    return (await api.ok("POST", "/knowledge/articles", body, status=201))["id"]


# ---- 知识库 --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["ct", "sup", "water_clerk", "water_h1", "mayor", "admin"])
async def test_every_role_sees_the_knowledge_base(login, username: str) -> None:
    sup = await login("sup")
    cat = await category(sup, "供水服务")
    aid = await article(sup, cat, "停水报修电话")
    api = await login(username)
    status, html = await page(api, "/knowledge")
    assert status == 200 and "<h1>知识库</h1>" in html and "供水服务" in html and "停水报修电话" in html
    status, html = await page(api, f"/knowledge/articles/{aid}")
    assert status == 200 and "停水报修电话的办理依据和答复口径" in html
    keeps = username in ("sup", "admin")
    assert ('id="kb-edit"' in html) is keeps and ('id="add-category"' in (await page(api, "/knowledge"))[1]) is keeps


async def test_category_click_search_and_paging(login) -> None:
    sup = await login("sup")
    water, traffic = await category(sup, "供水服务"), await category(sup, "公共交通")
    for i in range(23):
        await article(sup, water, f"供水问答第{i:02d}条")
    await article(sup, traffic, "公交线路调整咨询")
    ct = await login("ct")
    _, html = await page(ct, "/knowledge", category=traffic)
    assert "公交线路调整咨询" in html and "供水问答" not in html
    _, html = await page(ct, "/knowledge", q="线路调整")
    assert "公交线路调整咨询" in html and "供水问答" not in html and "“线路调整”的检索结果" in html
    _, first = await page(ct, "/knowledge", category=water)
    assert "共 23 件，第 1/2 页" in first and "下一页" in first and first.count("供水问答第") == 20
    _, second = await page(ct, "/knowledge", category=water, page=2)
    assert "第 2/2 页" in second and second.count("供水问答第") == 3
    _, none = await page(ct, "/knowledge", q="不存在的内容")
    assert "没有符合条件的知识" in none


async def test_supervisor_adds_category_and_article_through_forms(login) -> None:
    sup = await login("sup")
    status, html = await post(sup, "/knowledge/categories", {"name": "户籍办理", "sort": "3"})
    assert status == 200 and "已新增类别“户籍办理”" in html
    cats = {c["name"]: c["id"] for c in await sup.ok("GET", "/knowledge/categories")}
    status, html = await page(sup, "/knowledge/articles/new")
    assert status == 200 and "<h1>新增知识</h1>" in html and "户籍办理" in html
    status, html = await post(sup, "/knowledge/articles/new", {
        "category_id": cats["户籍办理"], "department_id": "", "title": "新生儿落户所需材料",
        "keywords": "落户 出生证明", "body": "出生医学证明、父母户口簿和身份证。"})
    assert status == 200 and "已新增知识" in html and "出生医学证明、父母户口簿和身份证。" in html
    found = await sup.ok("GET", "/knowledge/articles", params={"q": "落户"})
    assert [a["title"] for a in found["items"]] == ["新生儿落户所需材料"]
    assert found["items"][0]["department_id"] is None


async def test_invalid_article_and_category_keep_the_input(login) -> None:
    sup = await login("sup")
    cat = await category(sup, "供水服务")
    status, html = await post(sup, "/knowledge/articles/new", {"category_id": "", "title": "只写了标题的条目",
                                                               "keywords": "关键词甲", "body": "  "})
    assert status == 400
    assert 'data-field="category_id">请选择类别' in html and 'data-field="body">请填写正文' in html
    assert 'value="只写了标题的条目"' in html and 'value="关键词甲"' in html
    status, html = await post(sup, "/knowledge/categories", {"name": "供水服务"})
    assert status == 400 and 'data-field="name">该类别已存在' in html and 'value="供水服务"' in html
    status, html = await post(sup, "/knowledge/categories", {"name": "新类别", "sort": "第一"})
    assert status == 400 and 'data-field="sort">应为整数' in html and 'value="新类别"' in html
    assert (await sup.ok("GET", "/knowledge/articles", params={"category": cat}))["total"] == 0


async def test_clerk_keeps_only_own_departments_articles(login, org: Org) -> None:
    sup = await login("sup")
    cat = await category(sup, "办事指南")
    housing_article = await article(sup, cat, "住房公积金提取", org.departments["housing"])
    clerk = await login("water_clerk")
    status, html = await page(clerk, "/knowledge/articles/new")
    assert status == 200 and "市水务局" in html and "市住房和城乡建设局" not in html
    status, html = await post(clerk, "/knowledge/articles/new", {
        "category_id": cat, "department_id": org.departments["water"], "title": "水费缴纳方式", "body": "营业厅、网上缴费。"})
    assert status == 200 and "已新增知识" in html and 'id="kb-edit"' in html
    own = (await clerk.ok("GET", "/knowledge/articles", params={"q": "水费缴纳"}))["items"][0]["id"]
    status, html = await post(clerk, f"/knowledge/articles/{own}/edit", {
        "category_id": cat, "department_id": org.departments["water"], "title": "水费缴纳方式（修订）",
        "body": "营业厅、网上缴费、银行代扣。"})
    assert status == 200 and "已保存修改" in html and "银行代扣" in html
    # Another department's article: no buttons, and forged requests are refused.
    status, html = await page(clerk, f"/knowledge/articles/{housing_article}")
    assert status == 200 and 'id="kb-edit"' not in html and 'id="kb-delete"' not in html
    assert (await page(clerk, f"/knowledge/articles/{housing_article}/edit"))[0] == 403
    status, html = await post(clerk, f"/knowledge/articles/{housing_article}/edit", {
        "category_id": cat, "title": "篡改", "body": "篡改"})
    assert status == 403 and "本单位" in html
    assert (await post(clerk, f"/knowledge/articles/{housing_article}/delete", {}))[0] == 403
    status, _ = await post(clerk, "/knowledge/articles/new", {
        "category_id": cat, "department_id": org.departments["housing"], "title": "冒名", "body": "冒名"})
    assert status == 403
    assert (await clerk.ok("GET", f"/knowledge/articles/{housing_article}"))["title"] == "住房公积金提取"
    # Call-takers and leaders read only; only the centre keeps categories.
    for username in ("ct", "mayor"):
        reader = await login(username)
        assert (await page(reader, "/knowledge/articles/new"))[0] == 403
    assert (await post(clerk, "/knowledge/categories", {"name": "越权类别"}))[0] == 403


async def test_delete_article(login) -> None:
    sup = await login("sup")
    cat = await category(sup, "临时")
    aid = await article(sup, cat, "过期的通知")
    status, html = await post(sup, f"/knowledge/articles/{aid}/delete", {})
    assert status == 200 and "已删除“过期的通知”" in html
    assert (await page(sup, f"/knowledge/articles/{aid}"))[0] == 404
    assert (await sup.call("GET", f"/knowledge/articles/{aid}"))[0] == 404


# ---- 系统管理 ------------------------------------------------------------------------------------------------

async def test_admin_pages_only_for_admin(login) -> None:
    admin = await login("admin")
    for path, heading in ADMIN_PAGES.items():
        status, html = await page(admin, path)
        assert status == 200 and f"<h1>{heading}</h1>" in html, path
    for username in ("sup", "ct", "water_clerk", "mayor"):
        api = await login(username)
        for path in ADMIN_PAGES:
            assert (await page(api, path))[0] == 403, (username, path)
            assert (await post(api, path, {"name": "x"}))[0] == 403, (username, path)


async def test_add_and_edit_user(login, org: Org) -> None:
    admin = await login("admin")
    status, html = await page(admin, "/admin/users")
    assert "水务签收" in html and "职能单位签收人员" in html and "全市" in html and 'name="scope_all"' in html
    status, html = await post(admin, "/admin/users", [
        ("username", "water_leader2"), ("name", "水务副局长"), ("password", "Secret#2026"), ("roles", "leader"),
        ("department_id", org.departments["water"]), ("leader_scope", org.departments["water"]),
        ("leader_scope", org.departments["housing"]), ("phone_ext", "8012")])
    assert status == 200 and "已新增用户 water_leader2（水务副局长）" in html
    users = {u["username"]: u for u in await admin.ok("GET", "/users")}
    new = users["water_leader2"]
    assert new["roles"] == ["leader"] and new["department_id"] == org.departments["water"]
    assert new["leader_scope"] == sorted([org.departments["water"], org.departments["housing"]])
    newcomer = Api(admin.base)
    try:
        await newcomer.login("water_leader2", "Secret#2026")  # the initial password works
    finally:
        await newcomer.close()
    status, html = await page(admin, f"/admin/users/{new['id']}")
    assert status == 200 and "<h1>修改用户</h1>" in html and 'value="水务副局长"' in html
    status, html = await post(admin, f"/admin/users/{new['id']}", [
        ("name", "水务局副局长"), ("roles", "leader"), ("roles", "supervisor"), ("scope_all", "1"),
        ("department_id", "")])
    assert status == 200 and "已保存用户 water_leader2 的修改" in html and "停用" in html
    changed = {u["username"]: u for u in await admin.ok("GET", "/users")}["water_leader2"]
    assert changed["name"] == "水务局副局长" and changed["roles"] == ["leader", "supervisor"]
    assert changed["leader_scope"] is None and changed["active"] is False and changed["department_id"] is None


async def test_invalid_user_keeps_input_but_not_password(login) -> None:
    admin = await login("admin")
    status, html = await post(admin, "/admin/users", [
        ("username", "新 用户"), ("name", "赵六"), ("password", "short"), ("phone_ext", "8099")])
    assert status == 400
    assert 'data-field="username">用户ID应为' in html and 'data-field="roles">请至少选择一个角色' in html
    assert 'data-field="password">密码至少 8 位' in html
    assert 'value="新 用户"' in html and 'value="赵六"' in html and 'value="8099"' in html
    assert 'value="short"' not in html
    status, html = await post(admin, "/admin/users", [
        ("username", "clerk9"), ("name", "无单位签收"), ("password", "Secret#2026"), ("roles", "clerk")])
    assert status == 400 and 'data-field="department_id">职能单位人员必须属于一个单位' in html
    assert 'value="clerk" checked' in html
    status, html = await post(admin, "/admin/users", [
        ("username", "sup"), ("name", "重名"), ("password", "Secret#2026"), ("roles", "supervisor")])
    assert status == 400 and "该用户ID已存在" in html


async def test_reset_password(login, org: Org) -> None:
    admin = await login("admin")
    ct = await login("ct")
    uid = org.users["ct"]
    status, html = await post(admin, f"/admin/users/{uid}/password", {"password": "123"})
    assert status == 400 and 'data-field="password">密码至少 8 位' in html
    status, html = await post(admin, f"/admin/users/{uid}/password", {"password": "NewPass#2026"})
    assert status == 200 and "已重设用户 ct 的密码" in html
    assert (await ct.call("GET", "/auth/me"))[0] == 401  # the old session is gone
    await ct.login("ct", "NewPass#2026")


async def test_departments(login) -> None:
    admin = await login("admin")
    status, html = await post(admin, "/admin/departments", {"name": "市民政局", "kind": "department",
                                                            "district": "", "sort": "7"})
    assert status == 200 and "已新增单位“市民政局”" in html
    dept = next(d for d in await admin.ok("GET", "/departments") if d["name"] == "市民政局")
    status, html = await page(admin, f"/admin/departments/{dept['id']}")
    assert status == 200 and "<h1>修改单位</h1>" in html and 'value="市民政局"' in html
    status, html = await post(admin, f"/admin/departments/{dept['id']}", {
        "name": "琼山区民政局", "kind": "district", "district": "琼山区", "sort": "8"})
    assert status == 200 and "已保存单位“琼山区民政局”的修改" in html
    after = next(d for d in await admin.ok("GET", "/departments", params={"all": "true"}) if d["id"] == dept["id"])
    assert (after["name"], after["kind"], after["district"], after["active"]) == ("琼山区民政局", "district", "琼山区", False)
    assert "琼山区民政局（已停用）" in (await page(admin, "/admin/users"))[1]  # still offered, marked
    status, html = await post(admin, "/admin/departments", {"name": "", "kind": "department", "district": "美兰区"})
    assert status == 400 and 'data-field="name">请填写单位名称' in html and 'value="美兰区" selected' in html
    status, html = await post(admin, f"/admin/departments/{dept['id']}", {"name": "琼山区民政局", "kind": "galaxy"})
    assert status == 400 and 'data-field="kind">未知单位类型' in html


async def test_deadline_rules(login) -> None:
    admin = await login("admin")
    _, html = await page(admin, "/admin/rules")
    assert "投诉" in html and "紧急" in html and 'id="rule-complaint-urgent"' in html
    status, html = await post(admin, "/admin/rules", {"case_type": "complaint", "urgency": "urgent", "days": "2"})
    assert status == 200 and "已将投诉（紧急）的办结时限设为 2 个工作日" in html
    rules = {(r["case_type"], r["urgency"]): r["days"] for r in await admin.ok("GET", "/deadline-rules")}
    assert rules[("complaint", "urgent")] == 2
    status, html = await post(admin, "/admin/rules", {"case_type": "complaint", "urgency": "normal", "days": "400"})
    assert status == 400 and "办结时限应为 1 至 365 个工作日" in html and 'value="400"' in html


async def test_calendar_overrides(login) -> None:
    admin = await login("admin")
    status, html = await post(admin, "/admin/calendar", {"day": "2026-10-01", "is_workday": "0", "note": "国庆节"})
    assert status == 200 and "已将 2026-10-01 设为休息日" in html and "国庆节" in html and "星期四" in html
    status, html = await post(admin, "/admin/calendar", {"day": "2026-10-10", "is_workday": "1", "note": "国庆调休"})
    assert status == 200 and "国庆调休" in html
    overrides = {o["day"]: o for o in await admin.ok("GET", "/calendar/overrides")}
    assert overrides["2026-10-01"]["is_workday"] is False and overrides["2026-10-10"]["is_workday"] is True
    status, html = await post(admin, "/admin/calendar", {"day": "2026/10/02", "is_workday": "0", "note": "中秋"})
    assert status == 400 and 'data-field="day">日期格式应为 YYYY-MM-DD' in html and 'value="中秋"' in html
    status, html = await post(admin, "/admin/calendar", {"day": "", "is_workday": "0"})
    assert status == 400 and "请填写日期" in html
    status, html = await post(admin, "/admin/calendar/2026-10-10/delete", {})
    assert status == 200 and "已删除 2026-10-10 的调整" in html
    assert [o["day"] for o in await admin.ok("GET", "/calendar/overrides")] == ["2026-10-01"]
    assert (await post(admin, "/admin/calendar/2026-10-11/delete", {}))[0] == 404


async def test_forms_without_csrf_are_refused(login) -> None:
    admin = await login("admin")
    async with admin.session.post(f"{admin.base}/admin/departments", data={"name": "无令牌单位"},
                                  allow_redirects=False) as resp:
        assert resp.status == 403
    assert all(d["name"] != "无令牌单位" for d in await admin.ok("GET", "/departments"))


async def test_the_last_administrator_cannot_be_demoted_or_disabled(login, org) -> None:
    admin = await login("admin")
    me = org.users["admin"]
    body = {"name": "系统管理员", "roles": ["supervisor"], "department_id": None, "active": True}
    status, err = await admin.call("PUT", f"/users/{me}", body)
    assert status == 400 and "最后一名" in err["error"]["fields"]["roles"]
    status, err = await admin.call("PUT", f"/users/{me}", {**body, "roles": ["admin"], "active": False})
    assert status == 400 and "最后一名" in err["error"]["fields"]["roles"]
    assert {u["username"]: u for u in await admin.ok("GET", "/users")}["admin"]["roles"] == ["admin"]
    await admin.ok("POST", "/users", {"username": "admin2", "name": "备用管理员", "password": "Admin2#2026pw",
                                      "roles": ["admin"]}, status=201)
    changed = await admin.ok("PUT", f"/users/{me}", body)  # with a second administrator it may be handed over
    assert changed["roles"] == ["supervisor"]


async def test_category_renamed_and_deleted_through_forms(login) -> None:
    sup = await login("sup")
    cat = await category(sup, "户籍")
    await category(sup, "社保")
    status, html = await page(sup, "/knowledge", category=cat)
    assert status == 200 and 'id="edit-category"' in html and 'value="户籍"' in html
    status, html = await post(sup, f"/knowledge/categories/{cat}?category={cat}", {"category_name": "社保",
                                                                                    "category_sort": "1"})
    assert status == 400 and 'data-field="category_name">该类别已存在' in html
    status, html = await post(sup, f"/knowledge/categories/{cat}?category={cat}", {"category_name": "户籍办理",
                                                                                    "category_sort": "1"})
    assert status == 200 and "已修改类别“户籍办理”" in html
    await article(sup, cat, "落户材料")
    status, html = await post(sup, f"/knowledge/categories/{cat}/delete?category={cat}", {})
    assert status == 400 and "该类别下还有 1 条知识" in html
    names = [c["name"] for c in await sup.ok("GET", "/knowledge/categories")]
    assert names == ["社保", "户籍办理"]  # 社保 keeps sort 0; 户籍办理 now sorts 1
