"""Realistic Haikou case texts for the casework benchmark: districts, streets, topics, opinions.

Every topic names the departments that usually handle it (the first one leads) and carries a
few title and content templates; `compose` fills them for one case.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

DISTRICTS: dict[str, tuple[str, ...]] = {
    "秀英区": ("滨海大道", "长滨路", "海秀西路", "向荣路", "港澳大道", "秀英大道", "镇海路", "西秀镇长德路"),
    "龙华区": ("国贸路", "金龙路", "龙昆南路", "大同路", "海秀中路", "金盘路", "玉沙路", "南沙路", "城西路",
               "龙华路", "滨涯路", "丘海大道"),
    "琼山区": ("府城大道", "凤翔路", "红城湖路", "文庄路", "高登街", "中山路", "椰海大道", "琼州大道", "龙昆南延长线"),
    "美兰区": ("海府路", "人民大道", "和平北路", "白龙南路", "海甸五西路", "和平大道", "蓝天路", "灵山大道",
               "新埠岛环岛路", "美舍河路"),
}
COMMUNITIES = ("椰城花园", "金色阳光小区", "世纪花园", "阳光海岸", "蓝天小区", "海岸华庭", "滨江新城", "海秀花园",
               "东方巴黎", "香榭丽舍", "椰海嘉园", "万华小区", "龙湖滨江", "碧桂园", "名门广场", "城西镇小区",
               "南洋花园", "白沙门小区", "红城湖公寓", "府城新村", "椰风海韵", "金盘花园", "西海岸嘉园", "海甸岛新村",
               "锦山里小区", "凤翔花园", "滨濂村", "和平苑", "国兴城", "海景湾")
SHOPS = ("美食城", "健身房", "理发店", "教育培训机构", "便利店", "海鲜酒楼", "汽车美容店", "足浴店", "母婴店",
         "家具城", "烧烤店", "奶茶店")
HOSPITALS = ("海南省人民医院", "海口市人民医院", "海南医学院第一附属医院", "海口市中医医院", "海南省妇幼保健院")
WHEN = ("每天晚上十点以后", "凌晨一两点", "周末一大早", "最近一周", "今天上午", "每天傍晚", "这几天夜里", "节假日期间")
NOISE = ("工地施工", "酒吧音响", "广场舞音响", "装修电钻", "夜市喇叭叫卖", "冷却塔运转")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐符邢云吉冯韩"
GIVEN = "海明华丽秀英建国志强春梅小红文杰丽娟伟家俊晓燕国平玉兰海燕德福振宇雪梅"
FILLERS = ("来电人情绪激动，要求尽快处理并回复。", "此前已多次反映，问题至今未解决。", "请相关部门核实处理。",
           "来电人希望工作人员到现场查看。", "来电人要求对处理结果进行回访。", "周边很多居民都有同样的意见。",
           "来电人表示如不处理将继续向上反映。", "")
OPINIONS = ("经现场核实，情况属实，已责令相关责任人限期整改，我单位将持续跟踪。",
            "已安排工作人员到现场处置，问题已解决，并已电话告知来电人。",
            "经调查，已依法立案查处，处理结果将另行反馈来电人。",
            "已联系来电人说明相关政策，来电人表示理解。",
            "已协调相关单位共同处理，目前已恢复正常。",
            "经核查，该问题不属实，已向来电人做好解释工作。")
ANSWERS = ("已根据知识库相关条目向来电人作了解答，来电人表示清楚。", "已告知来电人办理流程、所需材料和咨询电话。",
           "已告知来电人相关政策规定，来电人无异议。")
INVALID = ("来电无声", "骚扰电话", "打错电话", "来电人未说明诉求即挂断")
RETURN_REASONS = ("该事项不属于我单位职责范围，请重新派发。", "诉求地址不在我单位管辖范围内。")
URGE_OPINIONS = ("该件已超期，请抓紧办理并及时反馈。", "市民多次来电催办，请尽快处理。", "请加快办理进度，按时办结。")


@dataclass(frozen=True)
class Topic:
    key: str
    weight: float
    types: tuple[str, ...]
    departments: tuple[str, ...]
    titles: tuple[str, ...]
    contents: tuple[str, ...]


def _t(key, weight, types, departments, titles, contents) -> Topic:
    return Topic(key, weight, tuple(types.split()), tuple(departments.split()), titles, contents)


TOPICS: tuple[Topic, ...] = (
    _t("噪音", 8, "complaint complaint help", "eco enforce district",
       ("{community}附近夜间施工噪音扰民", "{street}酒吧音响噪音过大", "{community}广场舞噪音影响休息"),
       ("来电人反映{addr}附近{when}有{noise}，噪音很大，严重影响周边居民休息，已持续{n}天，希望相关部门尽快查处。",)),
    _t("停水", 6, "help help complaint", "watersupply water district", ("{community}突然停水", "{street}一带停水没有通知"),
       ("来电人反映{addr}从{when}开始停水，事先没有接到任何通知，家中有老人小孩，生活用水困难，请尽快恢复供水并说明原因。",)),
    _t("占道", 5, "complaint", "enforce district", ("{street}流动摊贩占道经营", "{community}门口水果摊占道经营"),
       ("来电人反映{addr}路段长期有商贩占道经营，{when}尤其严重，占用人行道和非机动车道，影响通行，请城管部门加强管理。",)),
    _t("垃圾", 6, "complaint help", "garden district", ("{community}垃圾清运不及时", "{street}垃圾桶满溢无人清理"),
       ("来电人反映{addr}的生活垃圾已经{n}天没有清运，垃圾桶满溢，气味难闻，蚊蝇滋生，请环卫部门及时清运。",)),
    _t("路灯", 4, "complaint help", "municipal district", ("{street}路灯不亮", "{community}周边路灯损坏"),
       ("来电人反映{addr}附近有{n}盏路灯不亮已有一段时间，夜间道路漆黑，行人和电动车出行很不安全，请尽快维修。",)),
    _t("违建", 4, "complaint", "enforce land district", ("{community}顶楼违章搭建", "{street}商铺违章搭建雨棚"),
       ("来电人反映{addr}有住户在顶楼违章搭建铁皮房，已施工{n}天，存在安全隐患，也影响其他业主采光，请执法部门查处。",)),
    _t("物业", 6, "complaint suggestion", "housing district", ("{community}物业服务不到位", "{community}电梯频繁故障物业不作为"),
       ("来电人反映{addr}物业公司服务差，小区电梯经常故障，公共区域卫生无人打扫，物业费却年年上涨，请住建部门督促整改。",)),
    _t("公交", 4, "suggestion complaint", "transport", ("建议增加{route}路公交班次", "{route}路公交车不按站停靠"),
       ("来电人反映{route}路公交车在{street}站经常不停靠，班次间隔长达{n}十分钟，上下班高峰很不方便，建议加密班次。",)),
    _t("下水道", 3, "help complaint", "water municipal district", ("{street}下水道堵塞污水外溢",),
       ("来电人反映{addr}的下水道堵塞，污水从井盖溢出，臭味很大，行人只能绕行，请尽快疏通。",)),
    _t("渣土车", 2, "complaint", "enforce police", ("{street}渣土车抛洒滴漏",),
       ("来电人反映{when}有渣土车在{street}行驶时抛洒滴漏，路面泥土很多，尘土飞扬，还有超速行驶的情况，请相关部门查处。",)),
    _t("充电桩", 2, "suggestion help", "housing power", ("{community}电动车充电桩不足",),
       ("来电人反映{addr}缺少电动车充电桩，很多住户只能飞线充电，存在消防安全隐患，建议增设充电桩。",)),
    _t("积水", 3, "help complaint", "water municipal", ("{street}路段下雨积水严重",),
       ("来电人反映{addr}路段一下雨就积水，水深没过脚踝，车辆行人无法通行，请相关部门改造排水设施。",)),
    _t("公积金", 4, "consultation", "fund", ("咨询住房公积金提取", "咨询公积金贷款额度"),
       ("来电人咨询在海口购买首套住房后如何提取住房公积金，需要准备哪些材料，办理时限多长。",)),
    _t("社保", 4, "consultation help", "hrss", ("咨询社保缴费年限", "咨询灵活就业人员社保参保"),
       ("来电人咨询社会保险缴费年限的计算办法，以及外地缴费年限能否转入海口合并计算。",)),
    _t("医保", 3, "consultation", "medins", ("咨询异地就医医保报销", "咨询医保卡激活"),
       ("来电人咨询在{hospital}住院的医保报销比例和异地就医备案的办理流程。",)),
    _t("学位", 3, "consultation help", "edu district", ("咨询{district}小学学位申请",),
       ("来电人咨询孩子今年秋季在{district}申请小学学位需要哪些材料，积分入学如何计算。",)),
    _t("油烟", 3, "complaint", "eco enforce", ("{street}餐馆油烟直排扰民",),
       ("来电人反映{addr}楼下的{shop}油烟直排，没有安装净化设备，油烟飘进住户家中，请相关部门查处。",)),
    _t("单车", 2, "complaint suggestion", "transport enforce", ("{street}共享单车乱停乱放",),
       ("来电人反映{addr}附近共享单车乱停乱放，堵住了盲道和出入口，建议加强共享单车停放管理。",)),
    _t("流浪狗", 1.5, "help", "agri police district", ("{community}流浪狗伤人",),
       ("来电人反映{addr}有多只流浪狗出没，{when}咬伤了一名小孩，居民很害怕，请相关部门收容处置。",)),
    _t("椰子树", 0.5, "help", "garden", ("{street}椰子树果实有掉落风险",),
       ("来电人反映{addr}路边椰子树上的椰子已经成熟未采摘，台风天气容易掉落砸伤行人和车辆，请尽快处理。",)),
    _t("欠薪", 3, "complaint help", "hrss district", ("{shop}拖欠工资",),
       ("来电人反映在{addr}的{shop}工作，公司拖欠{n}个月工资未发，多次讨要无果，请劳动监察部门帮助解决。",)),
    _t("预付卡", 2, "complaint", "market", ("{shop}预付卡退费难",),
       ("来电人反映在{addr}的{shop}办理了预付卡，现在商家停业无法退费，涉及金额{n}千元，请市场监管部门处理。",)),
    _t("燃气", 1, "help", "gas housing", ("{community}燃气管道有异味",),
       ("来电人反映{addr}楼道里有明显的燃气异味，担心燃气管道泄漏，请燃气公司尽快派人检修。",)),
    _t("房产证", 2, "complaint", "land housing", ("{community}开发商迟迟不办房产证",),
       ("来电人反映{addr}交房已经{n}年，开发商一直没有办理不动产权证，业主无法落户入学，请相关部门督促。",)),
    _t("网约车", 1.5, "complaint other", "transport", ("网约车司机绕路多收费",),
       ("来电人反映{when}从{street}乘坐网约车到美兰机场，司机故意绕路多收费{n}十元，请交通部门核查处理。",)),
    _t("台风", 1, "help other", "garden district", ("台风过后{street}倒伏树木未清理",),
       ("来电人反映台风过后{addr}有多棵行道树倒伏，压住了人行道和部分车道，至今无人清理，请尽快处置。",)),
    _t("就医", 1.5, "complaint suggestion other", "health", ("{hospital}挂号难",),
       ("来电人反映{hospital}专家号很难挂到，现场排队时间长，建议优化预约挂号服务。",)),
    _t("食品", 1.5, "complaint", "market", ("{shop}销售过期食品",),
       ("来电人反映{when}在{addr}的{shop}购买的食品已过保质期，商家拒绝退换，请市场监管部门查处。",)),
    _t("养老", 1.5, "consultation help other", "civil district", ("咨询高龄老人补贴申领",),
       ("来电人咨询家中八十岁以上老人如何申领高龄补贴，需要到{district}哪个部门办理。",)),
)
TOPIC_WEIGHTS = [t.weight for t in TOPICS]


@dataclass(frozen=True)
class Text:
    topic: Topic
    title: str
    content: str
    address: str
    district: str


def _name(rng: random.Random, suffix: bool = True) -> str:
    surname = SURNAMES[rng.randrange(len(SURNAMES))]
    if suffix:
        return surname + ("先生" if rng.random() < 0.5 else "女士")
    return surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def person(rng: random.Random) -> str:
    return _name(rng, suffix=False)


def caller(rng: random.Random) -> str:
    return _name(rng) if rng.random() < 0.9 else ""


def compose(rng: random.Random) -> Text:
    topic = rng.choices(TOPICS, TOPIC_WEIGHTS)[0]
    district = rng.choice(tuple(DISTRICTS))
    street = rng.choice(DISTRICTS[district])
    community = rng.choice(COMMUNITIES)
    address = f"海口市{district}{street}{rng.randint(1, 399)}号{community}"
    slots = {"street": street, "community": community, "addr": address, "district": district,
             "n": rng.randint(2, 9), "route": rng.randint(1, 80), "shop": rng.choice(SHOPS),
             "hospital": rng.choice(HOSPITALS), "when": rng.choice(WHEN), "noise": rng.choice(NOISE)}
    title = rng.choice(topic.titles).format(**slots)
    content = rng.choice(topic.contents).format(**slots) + rng.choice(FILLERS) + rng.choice(FILLERS)
    return Text(topic, title, content, address, district)
