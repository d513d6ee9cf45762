"""Haikou's districts and streets: the place names forms offer and hotspot detection recognises."""
from __future__ import annotations

DISTRICTS = ("秀英区", "龙华区", "琼山区", "美兰区")
STREETS = {
    "秀英区": ("秀英街道", "海秀镇", "长流镇", "西秀镇", "滨海大道", "长滨路"),
    "龙华区": ("金贸街道", "大同街道", "海垦街道", "城西镇", "国贸路", "金龙路", "龙昆南路"),
    "琼山区": ("府城街道", "国兴街道", "滨江街道", "云龙镇", "红城湖路", "高登西街"),
    "美兰区": ("海甸街道", "白龙街道", "和平南街道", "灵山镇", "人民大道", "海府路", "白龙南路"),
}
