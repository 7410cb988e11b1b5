"""Complaints and suggestions in the demo estate: a step of ``demo.steps.STEPS``.

Three months of front-desk life before the seed's day, written through
``complaints.services`` with ``now=`` set to the past moment each thing happened, so
numbers, timelines, promises, late-by, overdue flags and inbox notifications are the
real ones. Like the rest of the demo it is deterministic: it draws only from the
context's random generator and ``today``.

The demo's clock stops at ``DemoContext.as_of`` (midnight at the start of ``today``, local
time): nothing happens after it, so whatever has not happened by then is still open.
Each complaint is planned as a list of timed actions (assign, start, progress notes,
pause/resume, resolve, callback, reopen…) and the actions before ``as_of`` are played
in order; the overdue sweep is replayed too (every quarter hour after a promise).

Besides ~85 ordinary complaints spread over 90 days, a few are placed on purpose so
every page has something to show: evening complaints still waiting for the desk,
open ones past their promise, clocks paused for parts / an absent owner / the utility
company, reopened ones, resolved ones awaiting their callback, a common issue (lift
faults in 翠湖花园 3栋), a repeat complainer and the portal owner's own history.

Outgoing e-mail and SMS are suppressed while the step runs (the inbox rows are
written): the demo's owners and phone numbers are made up.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from complaints import services
from complaints.models import (
    CATEGORY_DEPARTMENT,
    OPEN_STATUSES,
    Category,
    Channel,
    Complaint,
    ComplaintPolicy,
    Department,
    PauseReason,
    Status,
    Suggestion,
    SuggestionStatus,
    Urgency,
)
from demo.context import next_run
from owners.models import Unit
from propertydesk import notifications
from propertydesk.roles import is_staff_member

HISTORY_DAYS = 90
BACKGROUND_COMPLAINTS = 85  # spread over HISTORY_DAYS; the placed ones come on top
LATE_RATE = 0.2  # planned to miss the promise (workday shifts make a few more late)
PAUSE_RATE = 0.5  # of the complaints whose kind of problem can wait for something
REOPEN_RATE = 0.07  # the owner was not satisfied at the callback
INTERNAL_NOTE_RATE = 0.12
TENANT_RATE = 0.5  # in a rented unit, the tenant rather than the owner complains
# Drawn complaints this recent never make 3 of a kind in one building: the common issues
# the supervisor sees (cluster window 30 days, as the demo's clock runs on) are placed.
CLUSTER_GUARD_DAYS = 35

E, U, N = Urgency.EMERGENCY, Urgency.URGENT, Urgency.NORMAL


# ---------------------------------------------------------------------------
# What owners complain about
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    """One kind of complaint. Texts may use {b} building, {e} entrance, {f} the unit's
    floor, {fa}–{fb} it and the next, {lf} any floor, {up} the unit above, {car} a
    parking space."""

    key: str
    category: str
    text: str
    resolution: str
    location: str = ""
    urgencies: tuple[str, ...] = (N,)
    progress: tuple[str, ...] = ()
    pause: tuple[str, str] | None = None  # (reason, note): what it may wait for
    upstairs: bool = False  # needs a floor above the unit


ISSUES: tuple[Issue, ...] = (
    # -- repairs in the home (engineering) --------------------------------------------
    Issue(
        "leak", Category.REPAIR, "卫生间天花板渗水，楼上可能漏水",
        "楼上卫生间地面重做防水，闭水试验48小时无渗漏；贵宅天花板已铲除霉斑、重新刮腻子刷漆。",
        urgencies=(U, U, N),
        progress=("师傅已上门查看，确认是楼上卫生间防水层老化，需进楼上业主家检修。",
                  "已与楼上业主约好时间进户，先在渗水处接水并做临时封堵。"),
        pause=(PauseReason.OWNER_AWAY, "楼上业主出差，约定回来后再进户检修"),
        upstairs=True,
    ),
    Issue(
        "drain", Category.REPAIR, "厨房下水道堵塞，水排不下去，已经反到洗碗池了",
        "已疏通厨房下水支管和楼层横管，清出大量油污；提醒业主不要往水槽倒油。",
        urgencies=(U,),
        progress=("师傅已上门，疏通后仍排水慢，怀疑是楼层横管堵塞，正在排查。",),
    ),
    Issue(
        "balcony_drain", Category.REPAIR, "阳台地漏反水，水漫到客厅地板",
        "已疏通阳台排水立管，清出树叶和塑料袋；地漏加装防返水芯。",
        urgencies=(U, U, E),
        progress=("已上门帮忙排水，查明是阳台排水立管堵塞。",),
    ),
    Issue(
        "lock", Category.REPAIR, "入户门锁芯坏了，钥匙插进去拧不动",
        "已为业主更换C级防盗锁芯，交付新钥匙3把。",
        urgencies=(U,),
    ),
    Issue(
        "window", Category.REPAIR, "主卧窗户关不严，下雨往里渗水",
        "已更换窗扇密封胶条并重新打胶，淋水试验无渗漏。",
        progress=("已上门查看，窗扇密封胶条老化，需订购同型号胶条。",),
        pause=(PauseReason.PARTS, "等待厂家寄同型号密封胶条"),
    ),
    Issue(
        "damp_wall", Category.REPAIR, "客厅墙面返潮起皮，一下雨更严重",
        "保修单位已对外墙裂缝注浆并做防水涂层；室内墙面干透后已重新批荡刷漆。",
        progress=("已用湿度仪检测，外墙有裂缝导致渗水，需安排吊篮在外墙施工。",),
        pause=(PauseReason.THIRD_PARTY, "外墙维修属开发商保修范围，已发函等待保修单位排期"),
    ),
    Issue(
        "socket", Category.REPAIR, "卫生间插座一用电就跳闸，合不上闸",
        "插座进水短路，已更换防溅插座和漏电开关，测试正常；建议加装防水盖。",
        urgencies=(U,),
        progress=("电工已上门检测，判断为插座进水短路。",),
    ),
    # -- common facilities (engineering) ----------------------------------------------
    Issue(
        "lift", Category.FACILITIES, "{b}栋{e}单元电梯异响，停在{lf}楼不动",
        "维保单位已更换曳引机轴承并调试，电梯经检测恢复运行。",
        location="{b}栋{e}单元电梯", urgencies=(U, U, E),
        progress=("电梯维保单位已到场，确认无人被困，电梯暂停使用。",
                  "检查为曳引机轴承磨损，需更换。"),
        pause=(PauseReason.PARTS, "等待电梯厂家寄来曳引机轴承"),
    ),
    Issue(
        "stair_lights", Category.FACILITIES, "{b}栋{e}单元楼道灯坏了，{fa}楼到{fb}楼晚上一片黑",
        "已更换{fa}楼至{fb}楼楼道声控灯4盏，晚上测试正常。",
        location="{b}栋{e}单元楼道",
    ),
    Issue(
        "door_entry", Category.FACILITIES, "{b}栋{e}单元门禁刷卡没反应，老人进不了门",
        "门禁读卡器主板损坏，已更换并重新录入本单元门禁卡，测试正常。",
        location="{b}栋{e}单元大堂门禁", urgencies=(U,),
        progress=("已安排保安临时值守开门，门禁厂家明天上门。",),
        pause=(PauseReason.PARTS, "等待门禁厂家寄读卡器主板"),
    ),
    Issue(
        "garage_door", Category.FACILITIES, "地下车库入口卷闸门升不上去，车开不出去",
        "已更换卷闸门电机限位开关，开关门测试正常。",
        location="地下车库入口", urgencies=(E, U),
        progress=("已手动开启卷闸门保持通行，安排保安指挥车辆。",),
    ),
    Issue(
        "lift_button", Category.FACILITIES, "{b}栋{e}单元电梯按键失灵，按{lf}楼不亮",
        "维保单位已更换轿厢{lf}楼按键，测试正常。",
        location="{b}栋{e}单元电梯",
    ),
    Issue(
        "slide", Category.FACILITIES, "中心花园儿童滑梯螺丝松动，有安全隐患",
        "已紧固并更换锈蚀螺丝，全面检查游乐设施后重新开放。",
        location="中心花园儿童游乐区", urgencies=(U,),
        progress=("已拉警戒线，游乐设施暂停使用。",),
    ),
    Issue(
        "roof_door", Category.FACILITIES, "{b}栋天台门锁坏了，门一直开着，担心小孩上去",
        "已更换天台门锁，钥匙交消防控制室保管，门上张贴警示标识。",
        location="{b}栋天台", urgencies=(U,),
    ),
    # -- water and power (engineering) ------------------------------------------------
    Issue(
        "water_outage", Category.WATER_POWER, "整栋楼停水未提前通知，家里一滴水都没有",
        "二次供水水泵已修复，{b}栋全面恢复供水；今后计划停水至少提前24小时在电梯和业主群公告。",
        location="{b}栋", urgencies=(U,),
        progress=("经查为二次供水水泵故障，工程部正在抢修；已在楼下设临时供水点。",),
    ),
    Issue(
        "pressure", Category.WATER_POWER, "家里水压很小，洗澡水忽冷忽热",
        "已调整高区变频加压泵的设定压力并清洗过滤器，业主确认水压恢复正常。",
        progress=("已上门测量水压，高区加压泵压力不足。",),
    ),
    Issue(
        "power_cut", Category.WATER_POWER, "{b}栋{e}单元晚上突然停电，楼道也没灯",
        "查明为住户电器短路引起单元总开关跳闸，已隔离故障线路并恢复供电。",
        location="{b}栋{e}单元", urgencies=(E,),
        progress=("电工已到场，配电房单元总开关跳闸，正在排查故障线路。",),
    ),
    Issue(
        "rusty_water", Category.WATER_POWER, "自来水发黄，有铁锈味",
        "已清洗消毒二次供水水箱，水质检测报告合格，已在公告栏公示。",
        urgencies=(U,),
        progress=("已取水样送检，同时安排清洗水箱。",),
        pause=(PauseReason.THIRD_PARTY, "等待水质检测机构出具报告"),
    ),
    Issue(
        "burst_pipe", Category.WATER_POWER, "{b}栋{e}单元楼道水管爆裂，水流到电梯井",
        "已更换爆裂的给水管段并清理积水，电梯经维保单位检查后恢复运行。",
        location="{b}栋{e}单元{f}楼管井", urgencies=(E,),
        progress=("已关闭单元进水总阀，电梯停运防止进水。",),
    ),
    Issue(
        "meter_box", Category.WATER_POWER, "电表箱一直有嗡嗡声，还有焦味，担心有隐患",
        "电工检查为空气开关接线端子松动发热，已更换开关并紧固全部端子。",
        location="{b}栋{e}单元{f}楼电表间", urgencies=(U,),
    ),
    Issue(
        "grid_outage", Category.WATER_POWER, "小区整片停电两个多小时了，也没有通知",
        "供电局已修复外线电缆故障，小区恢复供电；管理处已开启应急照明并逐户回访独居老人。",
        urgencies=(E, U),
        progress=("经查为市政外线故障，已报供电局抢修，电梯困人已全部解救。",),
        pause=(PauseReason.THIRD_PARTY, "市政外线电缆故障，等待供电局抢修"),
    ),
    # -- cleaning -------------------------------------------------------------------
    Issue(
        "bins", Category.SANITATION, "垃圾桶满溢未清运，气味很大",
        "已清运并冲洗垃圾桶，该垃圾点清运改为每天早晚两次。",
        location="{b}栋{e}单元楼下垃圾点",
    ),
    Issue(
        "clutter", Category.SANITATION, "楼道有人堆放杂物和纸皮，一直没人清理",
        "已联系住户清走杂物，剩余无主纸皮由保洁清运。",
        location="{b}栋{e}单元{f}楼楼道",
        progress=("已在楼道张贴清理通知，限期三天。",),
    ),
    Issue(
        "lift_mess", Category.SANITATION, "电梯里有宠物粪便，从早上到现在都没人清理",
        "保洁已清理并消毒轿厢，电梯内张贴文明养犬提示。",
        location="{b}栋{e}单元电梯", urgencies=(U,),
    ),
    Issue(
        "garage_water", Category.SANITATION, "地下车库有积水发臭，蚊子很多",
        "已疏通车库集水井排水泵并喷洒灭蚊药，之后每周巡查一次。",
        location="地下车库B1层",
        progress=("已抽排积水，正在排查积水来源。",),
    ),
    Issue(
        "dusty", Category.SANITATION, "楼道扶手和窗台很多灰，保洁好像很久没擦了",
        "已安排保洁全面清洁该单元楼道，扶手窗台改为每周擦拭两次。",
        location="{b}栋{e}单元楼道",
    ),
    # -- noise (security) -----------------------------------------------------------
    Issue(
        "reno_noise", Category.NOISE, "楼上{up}装修，周末早上7点就开始电钻",
        "已约谈{up}业主和装修负责人，书面承诺严格遵守装修时间；管理处增加巡查。",
        location="{up}", urgencies=(N, N, U),
        progress=("已上门提醒装修工人：周末及节假日不得进行噪音作业。",),
        upstairs=True,
    ),
    Issue(
        "shop_music", Category.NOISE, "楼下商铺晚上十一点后还在放音乐",
        "已与商铺负责人沟通，承诺晚上10点后关闭外放音响，保安夜间巡查时留意。",
        location="临街商铺",
    ),
    Issue(
        "night_noise", Category.NOISE, "楼上深夜拖动家具、小孩跑跳，严重影响休息",
        "已上门协调，楼上住户铺设了地垫并承诺晚上10点后注意，业主表示接受。",
        progress=("已联系楼上住户，对方表示会注意。",),
        upstairs=True,
    ),
    Issue(
        "square_dance", Category.NOISE, "中心广场跳广场舞音响太大，晚上九点半还没停",
        "已与广场舞队负责人协商：音量调低，活动时间改为19:00–21:00，保安按时提醒。",
        location="中心广场",
    ),
    Issue(
        "aircon", Category.NOISE, "隔壁空调外机噪音很大，晚上睡不着",
        "已协调邻居请空调厂家加固外机支架并加装减震垫，噪音明显下降。",
        progress=("已上门测量噪音，外机支架松动。",),
    ),
    # -- security -------------------------------------------------------------------
    Issue(
        "entry_door", Category.SECURITY, "{b}栋{e}单元门禁门坏了一直关不上，陌生人随便进出",
        "已更换单元门闭门器和电磁锁，门禁恢复正常。",
        location="{b}栋{e}单元大堂", urgencies=(U,),
        progress=("已安排保安临时值守。",),
    ),
    Issue(
        "bike_theft", Category.SECURITY, "晚上看到有人在车库撬电动车锁",
        "已将监控录像交派出所，车库增加夜间巡逻，出入口加强登记。",
        location="地下车库B1层", urgencies=(E,),
        progress=("巡逻保安已赶到现场，可疑人员已离开，已调取监控。",),
    ),
    Issue(
        "parcel", Category.SECURITY, "快递放在门口被人拿走了，请帮忙查监控",
        "监控显示为其他住户误拿，已联系该住户归还快递。",
        location="{b}栋{e}单元{f}楼",
        progress=("已调取楼道及电梯监控。",),
    ),
    Issue(
        "delivery_bikes", Category.SECURITY, "外卖电动车不登记直接开进小区，速度很快，差点撞到小孩",
        "已在各出入口设外卖停放点，外卖电动车一律不得进入小区，保安加强劝导。",
        location="小区南门",
    ),
    Issue(
        "salesmen", Category.SECURITY, "有推销人员挨家挨户敲门发传单",
        "已将推销人员请离小区，门岗加强访客核实，并张贴谢绝推销告示。",
        location="{b}栋{e}单元",
    ),
    Issue(
        "ebike_lift", Category.SECURITY, "有人把电动车推进电梯带回家充电，担心起火",
        "已查明住户并上门宣传，电梯加装电动车阻止系统，引导到集中充电点充电。",
        location="{b}栋{e}单元电梯", urgencies=(U,),
    ),
    # -- parking (security) ---------------------------------------------------------
    Issue(
        "space_taken", Category.PARKING, "车位被外来车辆占用，打电话也找不到车主",
        "已联系车主移走车辆；访客车辆入场时加强核查，不得停入私家车位。",
        location="地下车库{car}号车位", urgencies=(U,),
        progress=("已查询车牌登记，正在联系车主挪车。",),
    ),
    Issue(
        "fire_lane", Category.PARKING, "消防通道上长期有车停放，有安全隐患",
        "已张贴违停告知并联系车主挪车，消防通道加装隔离桩。",
        location="{b}栋旁消防通道", urgencies=(U,),
    ),
    Issue(
        "barrier", Category.PARKING, "车库出口道闸经常抬不起来，早上排长队",
        "厂家已更换车牌识别相机并升级系统，道闸识别恢复正常。",
        location="地下车库出口",
        progress=("已联系道闸厂家上门检查。",),
        pause=(PauseReason.PARTS, "等待道闸厂家更换车牌识别相机"),
    ),
    Issue(
        "space_lock", Category.PARKING, "我的车位被别人装了地锁",
        "经核实为相邻车位业主误装，已拆除地锁。",
        location="地下车库{car}号车位",
    ),
    Issue(
        "visitor_queue", Category.PARKING, "访客车辆进门登记太慢，门口经常堵车",
        "已开通访客车辆预约登记，高峰期门岗增派一人。",
        location="小区北门",
    ),
    # -- greenery -------------------------------------------------------------------
    Issue(
        "branches", Category.LANDSCAPING, "楼下大树树枝伸到我家阳台，招蚊虫",
        "已修剪伸向{b}栋低层阳台的树枝并清运枝叶，同时喷洒灭蚊药。",
        location="{b}栋楼下",
        progress=("已查看现场，需借用高空作业车修剪。",),
    ),
    Issue(
        "spraying", Category.LANDSCAPING, "草坪喷药没有提前通知，小孩就在旁边玩",
        "已向业主致歉；今后绿化喷药提前一天公告，并在现场设置警示牌。",
        location="中心花园", urgencies=(U,),
    ),
    Issue(
        "fallen_tree", Category.LANDSCAPING, "台风后倒了一棵树压着围墙，一直没人处理",
        "已锯除倒伏树木并清运，围墙经检查无结构损坏。",
        location="{b}栋与围墙之间", urgencies=(U,),
        progress=("已在现场拉警戒线。",),
    ),
    Issue(
        "weeds", Category.LANDSCAPING, "绿化带杂草很多，很久没修剪了",
        "已对{b}栋周边绿化带除草修剪，养护改为每两周一次。",
        location="{b}栋周边绿化带",
    ),
    Issue(
        "mower", Category.LANDSCAPING, "修剪草坪的机器早上七点就开工，太吵了",
        "已要求绿化公司把割草作业调整到上午9点以后。",
        location="{b}栋楼下",
    ),
    # -- fees (finance) -------------------------------------------------------------
    Issue(
        "bill_amount", Category.FEES, "物业费账单金额和去年不一样，想了解是怎么算的",
        "已向业主解释：按建筑面积乘收费标准计算，去年有一个月减免，今年恢复正常；业主表示理解。",
    ),
    Issue(
        "paid_twice", Category.FEES, "已经在微信上交了物业费，系统还显示欠费",
        "经核对为银行到账延迟，已补录缴费记录并撤销欠费提醒，向业主致歉。",
        progress=("已核对微信支付流水。",),
    ),
    Issue(
        "shared_power", Category.FEES, "公摊水电费比上个月高出很多，要求公示明细",
        "已公示本月公摊水电明细：主要是车库排水泵检修期间用电增加；明细张贴在大堂公告栏。",
    ),
    Issue(
        "deposit", Category.FEES, "装修押金交了半年多还没退",
        "装修验收合格，押金已原路退回，业主确认收到。",
        progress=("已提交财务审核退款。",),
    ),
    Issue(
        "dunning_sms", Category.FEES, "催费短信一天发了三条，感觉被骚扰",
        "系统重复发送所致，已修正发送设置并向业主致歉。",
    ),
    # -- staff (customer service) ---------------------------------------------------
    Issue(
        "guard_rude", Category.STAFF, "保安对业主态度很差，访客登记时出言不逊",
        "已对当班保安批评教育并扣减当月考核分，主管上门向业主致歉。",
        location="小区南门",
        progress=("已调取门岗监控并约谈当班保安。",),
    ),
    Issue(
        "no_answer", Category.STAFF, "前台电话打了好几次都没人接",
        "核查为当天电话线路故障，已修复；前台增设备用手机号并已公示。",
    ),
    Issue(
        "shoe_covers", Category.STAFF, "维修师傅上门没穿鞋套，弄脏地板也不清理",
        "已向业主致歉，重申上门服务规范（穿鞋套、完工清理），并对该师傅进行培训。",
    ),
    Issue(
        "no_callback", Category.STAFF, "管家答应回电话，三天了都没消息",
        "主管已向业主致歉并当面答复原来的问题；管家回复时限已纳入考核。",
    ),
    Issue(
        "loud_cleaner", Category.STAFF, "保洁人员在楼道里大声打电话，午休时间很吵",
        "已提醒保洁人员注意工作纪律，午休时段不在楼道内大声喧哗。",
        location="{b}栋{e}单元楼道",
    ),
    # -- neighbours (customer service) ----------------------------------------------
    Issue(
        "corridor_stuff", Category.NEIGHBOUR, "邻居在公共走廊堆放鞋柜和杂物，影响通行",
        "邻居已清走鞋柜和杂物，走廊恢复畅通。",
        location="{b}栋{e}单元{f}楼走廊",
        progress=("已上门沟通，邻居同意一周内清理。",),
    ),
    Issue(
        "dripping", Category.NEIGHBOUR, "楼上阳台晾衣服往下滴水，弄湿我家被子",
        "已与楼上住户沟通，衣服拧干再晾并加装接水槽。",
        upstairs=True,
    ),
    Issue(
        "barking", Category.NEIGHBOUR, "邻居养的狗整天叫，晚上也叫",
        "犬主已给狗戴上止吠器，并承诺外出时安排家人照看；业主表示情况好转。",
        progress=("已上门提醒犬主。",),
    ),
    Issue(
        "cigarettes", Category.NEIGHBOUR, "楼上往下扔烟头，掉到我家阳台上",
        "通过高空监控锁定楼层，已上门警示住户，并在业主群发布高空抛物法律提示。",
        urgencies=(U,),
        progress=("已在本单元张贴禁止高空抛物告示，并调取高空监控。",),
        upstairs=True,
    ),
    Issue(
        "camera", Category.NEIGHBOUR, "对门邻居在门口装摄像头，正对着我家门",
        "经协调，邻居已调整摄像头角度，只拍自家门口。",
        location="{b}栋{e}单元{f}楼走廊",
    ),
    # -- neighbours' renovation (customer service) ----------------------------------
    Issue(
        "reno_rubbish", Category.RENOVATION, "隔壁装修把建筑垃圾堆在楼道，好几天都不清运",
        "装修垃圾已清运至指定堆放点，并按装修管理规定对装修户书面警告。",
        location="{b}栋{e}单元{f}楼楼道",
        progress=("已通知装修负责人限期清运。",),
    ),
    Issue(
        "crack", Category.RENOVATION, "楼上装修后我家天花板出现裂缝",
        "经检查楼上未拆改承重结构，裂缝为楼板收缩裂缝，已由楼上装修队负责修补。",
        urgencies=(U,),
        progress=("工程部已上门查看裂缝，并进楼上检查装修情况。",),
        upstairs=True,
    ),
    Issue(
        "noon_hammering", Category.RENOVATION, "隔壁装修中午也在砸墙，家里有老人要休息",
        "已要求装修户严格遵守12:00–14:00禁止噪音施工，管理处中午加强巡查。",
    ),
)
ISSUE = {issue.key: issue for issue in ISSUES}
ROUTINE = tuple(issue for issue in ISSUES if N in issue.urgencies)  # can wait a day or two

# How often each kind of problem comes in.
CATEGORY_WEIGHTS = {
    Category.REPAIR: 18, Category.FACILITIES: 14, Category.WATER_POWER: 7,
    Category.SANITATION: 12, Category.NOISE: 11, Category.SECURITY: 8, Category.PARKING: 9,
    Category.LANDSCAPING: 6, Category.FEES: 6, Category.STAFF: 4, Category.NEIGHBOUR: 7,
    Category.RENOVATION: 5,
}
OWNER_CHANNELS = {Channel.PHONE: 38, Channel.WECHAT: 32, Channel.WALK_IN: 22, Channel.LETTER: 2,
                  Channel.MEETING: 1}
TENANT_CHANNELS = {Channel.PHONE: 45, Channel.WECHAT: 35, Channel.WALK_IN: 20}
# When complaints come in, by hour of the day.
HOUR_WEIGHTS = (
    1, 0.5, 0.3, 0.3, 0.3, 0.5, 1.5, 4, 7, 9, 9, 8, 5, 5, 7, 8, 8, 7, 6, 6, 5, 4, 2, 1.5,
)

# The callback that finds the owner unsatisfied, what was done next, the second resolution.
REOPENING: dict[str, tuple[str, str, str]] = {
    Category.REPAIR: (
        "回访：业主反映下雨后天花板又出现水印，对处理结果不满意。",
        "已再次上门，查明渗水点在楼上淋浴间墙角，安排局部返工。",
        "楼上淋浴间墙角重新做防水，闭水72小时无渗漏，业主确认满意。",
    ),
    Category.FACILITIES: (
        "回访：业主反映电梯运行时仍有异响。",
        "维保单位已复查，需更换轿厢导靴。",
        "维保单位已更换轿厢导靴并重新调试，运行平稳。",
    ),
    Category.WATER_POWER: (
        "回访：业主表示水压仍然偏小。",
        "已复测水压，安排清洗入户过滤网。",
        "已清洗入户过滤网并调整减压阀，业主确认水压正常。",
    ),
    Category.SANITATION: (
        "回访：业主反映两天后垃圾点又满溢了。",
        "已与保洁公司调整清运排班。",
        "清运改为每天三次，连续一周巡查无满溢。",
    ),
    Category.NOISE: (
        "回访：业主反映噪音问题仍然存在。",
        "已再次上门协调，保安夜间加强巡查。",
        "经再次协调对方已整改，连续一周未再出现扰民情况。",
    ),
    Category.PARKING: (
        "回访：业主反映车位又被占用了。",
        "已在车位加装禁停标识并登记占位车辆。",
        "车位已加装禁停标识，门岗加强核查，业主确认近一周未再被占用。",
    ),
    Category.RENOVATION: (
        "回访：业主认为裂缝修补不到位，要求出具检测意见。",
        "已请第三方检测单位上门检测。",
        "第三方检测确认为非结构性裂缝，楼上装修队已重新修补并刷漆，业主表示接受。",
    ),
}
DEFAULT_REOPENING = (
    "回访：业主表示问题没有彻底解决，要求再次处理。",
    "已再次安排人员跟进。",
    "已再次处理并向业主说明情况，业主确认满意。",
)
CALLBACK_NOTES = (
    "回访：业主表示满意",
    "回访：业主表示满意，感谢师傅处理及时",
    "回访：业主对处理结果满意",
    "回访：住户表示问题已解决，满意",
    "回访：业主表示满意，希望以后类似情况能提前通知",
)
INTERNAL_NOTES = (
    "业主情绪比较激动，沟通时注意语气，进度每天同步。",
    "已报管理处经理，要求每天跟进进度。",
    "涉及开发商保修范围，已发函开发商工程部。",
    "已与外包单位主管沟通，本月考核扣分。",
    "业主白天上班不在家，上门前务必先电话联系。",
)
PAUSE_DAYS = {  # how long each kind of wait lasts
    PauseReason.OWNER_AWAY: (2.0, 6.0),
    PauseReason.PARTS: (1.0, 5.0),
    PauseReason.THIRD_PARTY: (0.2, 2.5),
}
MIN_WORK = {E: timedelta(minutes=20), U: timedelta(minutes=45), N: timedelta(minutes=90)}


# ---------------------------------------------------------------------------
# Suggestions
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestionSpec:
    subject: str
    content: str
    outcome: str  # a SuggestionStatus
    reply: str = ""


SUGGESTIONS: tuple[SuggestionSpec, ...] = (
    SuggestionSpec(
        "增设电动车集中充电桩",
        "小区电动车越来越多，不少人从楼上拉电线下来充电，很危险。建议在地下车库或架空层增设集中充电桩。",
        SuggestionStatus.ADOPTED,
        "感谢您的建议！电动车充电安全也是我们最关心的问题。管理处已与供电部门和充电桩运营商确定方案，"
        "下月起在2栋、5栋架空层增设共40个充电桩，施工前会提前公告。再次感谢您对小区安全的关心！",
    ),
    SuggestionSpec(
        "快递柜数量不够",
        "晚上下班回来快递柜经常满了，快递只能堆在门岗。建议在北门再增加一组快递柜。",
        SuggestionStatus.ADOPTED,
        "谢谢您的反馈！经统计，北门快递柜晚间使用率确实接近满格。我们已与快递柜运营商签约，"
        "下月在北门增设一组共60格的快递柜，届时会在业主群通知。感谢您帮我们发现问题！",
    ),
    SuggestionSpec(
        "儿童游乐区铺设安全软垫",
        "中心花园游乐区是水泥地，小孩摔倒很容易受伤，建议铺上塑胶软垫。",
        SuggestionStatus.ADOPTED,
        "感谢您为孩子们的安全着想！管理处已采纳，将从公共收益中列支，本季度内完成游乐区塑胶地垫铺设，"
        "施工期间游乐区暂停开放约一周。再次感谢您的宝贵建议！",
    ),
    SuggestionSpec(
        "垃圾分类投放点加装洗手池",
        "投放厨余垃圾后手上很脏，建议在垃圾分类投放点旁边加装洗手池。",
        SuggestionStatus.ADOPTED,
        "谢谢您的细心建议！我们已在各楼栋垃圾分类投放点旁加装洗手池和洗手液，预计两周内全部完工。"
        "感谢您对垃圾分类工作的支持！",
    ),
    SuggestionSpec(
        "夜间增加巡逻频次",
        "最近听说隔壁小区有电动车被盗，建议晚上12点到凌晨5点增加保安巡逻次数，特别是地下车库。",
        SuggestionStatus.ADOPTED,
        "感谢您对小区安全的关注！自下周起，夜间巡逻由每2小时一次调整为每小时一次，地下车库增设巡更打卡点。"
        "如发现可疑情况，欢迎随时拨打24小时服务热线。",
    ),
    SuggestionSpec(
        "每年组织一次消防演练",
        "很多老人不知道着火时怎么逃生，建议物业每年组织一次消防演练，教大家使用灭火器。",
        SuggestionStatus.ADOPTED,
        "感谢您的建议！我们将在11月“消防宣传月”组织全体业主消防演练，并请消防站教官现场讲解灭火器使用，"
        "具体时间另行通知。欢迎您和家人参加！",
    ),
    SuggestionSpec(
        "电梯内安装空调",
        "夏天电梯里非常闷热，老人和小孩受不了，建议给电梯装空调。",
        SuggestionStatus.DECLINED,
        "感谢您的建议，夏季电梯闷热确实影响大家出行。经电梯维保单位评估，现有轿厢的空间和供电容量无法直接加装空调，"
        "改造需经特种设备检验，费用须由全体业主分摊并经业主大会表决，因此暂不实施。我们已先在轿厢加装换气扇改善通风；"
        "如业主大会有意推进，管理处将全力协助。再次感谢您的理解！",
    ),
    SuggestionSpec(
        "游泳池开放时间延长到晚上11点",
        "上班族下班晚，建议游泳池开放到晚上11点。",
        SuggestionStatus.DECLINED,
        "谢谢您的建议！我们认真评估过：泳池紧邻1栋、2栋住户，夜间噪音会影响他们休息，且救生员排班有限，"
        "所以暂时无法延长到23点。夏季起开放时间将延长到21:30，希望能方便您。感谢您的理解与支持！",
    ),
    SuggestionSpec(
        "取消访客车辆停车收费",
        "亲戚朋友来访停一会儿也要收费，建议访客车辆免费停车。",
        SuggestionStatus.DECLINED,
        "感谢您的建议！访客临时停车收费标准是经业主大会表决并在物价部门备案的，管理处无权单方面取消。"
        "目前访客车辆30分钟内免费，我们会把您的意见提交下一次业主大会讨论。再次感谢您的关注！",
    ),
    SuggestionSpec(
        "中心水池改成锦鲤池",
        "中心花园的水池一直空着，建议养锦鲤，美化环境。",
        SuggestionStatus.DECLINED,
        "感谢您为美化小区环境出谋划策！经评估，中心水池没有循环过滤设施，养鱼需要较大改造和长期养护费用，"
        "而且水池周边常有小孩玩耍，蓄深水存在安全隐患，因此暂不采纳。我们计划在水池内摆放应季花卉，欢迎您继续提出意见！",
    ),
    SuggestionSpec(
        "允许业主在架空层种菜",
        "架空层有些空地，建议划出来给业主种菜。",
        SuggestionStatus.DECLINED,
        "谢谢您的建议！架空层属于全体业主共有的公共区域，同时承担消防疏散功能，种菜容易引来蚊虫，"
        "也可能引起邻里争议，因此无法采纳。我们会在春季组织亲子种植活动，届时欢迎您报名参加。感谢您的理解！",
    ),
    SuggestionSpec(
        "小区大门增加人脸识别",
        "现在门禁卡经常忘带，建议大门和单元门增加人脸识别。",
        SuggestionStatus.UNDER_REVIEW,
    ),
    SuggestionSpec(
        "架空层设老年人活动室",
        "小区老人很多，建议在架空层设一个老年人活动室，放些棋牌桌和书报。",
        SuggestionStatus.UNDER_REVIEW,
    ),
    SuggestionSpec(
        "地下车库照明改为感应灯",
        "车库的灯整夜都亮着，建议改成感应灯，节约公摊电费。",
        SuggestionStatus.UNDER_REVIEW,
    ),
    SuggestionSpec(
        "物业费支持自动扣款",
        "每个月都要记得交物业费，建议支持微信或银行自动扣款。",
        SuggestionStatus.UNDER_REVIEW,
    ),
    SuggestionSpec(
        "增设宠物便便箱",
        "草地上经常有狗粪，建议在遛狗多的地方放宠物便便箱和拾便袋。",
        SuggestionStatus.RECEIVED,
    ),
    SuggestionSpec(
        "定期举办业主开放日",
        "建议物业每季度办一次开放日，让业主了解物业的工作和账目。",
        SuggestionStatus.RECEIVED,
    ),
    SuggestionSpec(
        "门岗设置共享雨伞",
        "经常下雨忘带伞，建议门岗放一些共享雨伞。",
        SuggestionStatus.RECEIVED,
    ),
    SuggestionSpec(
        "补种绿化带的树木",
        "5栋前面绿化带有几棵树台风后被移走了，一直空着，建议补种。",
        SuggestionStatus.RECEIVED,
    ),
)
# The portal owner's own suggestion, answered.
DEMO_OWNER_SUGGESTION = SuggestionSpec(
    "通知同时推送到业主门户和微信群",
    "停水停电、电梯检修这些通知现在只贴在大堂公告栏，上班的人经常看不到。建议同时推送到业主门户和微信群，最好提前一天。",
    SuggestionStatus.ADOPTED,
    "感谢您的宝贵建议！只在大堂张贴通知确实容易错过。管理处已采纳：从本月起，停水停电、电梯检修等计划性通知"
    "将至少提前24小时同时发布在业主门户和各楼栋业主微信群，紧急情况也会第一时间推送。欢迎您继续监督，再次感谢！",
)


# ---------------------------------------------------------------------------
# Planning one complaint
# ---------------------------------------------------------------------------


@dataclass
class Action:
    at: datetime
    kind: str  # assign, start, progress, note, pause, resume, resolve, reopen, close
    args: dict = field(default_factory=dict)


@dataclass
class Plan:
    received_at: datetime
    unit: Unit
    issue: Issue
    urgency: str
    channel: str
    owner: object | None  # owners.Owner
    contact_name: str = ""
    contact_phone: str = ""
    taken_by: object | None = None  # the user who typed it in
    description: str = ""
    location: str = ""
    resolution: str = ""
    actions: list[Action] = field(default_factory=list)

    @property
    def category(self) -> str:
        return self.issue.category

    def cut_before(self, kind: str, nth: int = 1) -> Plan:
        """Drop the nth action of ``kind`` and everything after it."""
        seen = 0
        for i, action in enumerate(self.actions):
            if action.kind == kind:
                seen += 1
                if seen == nth:
                    del self.actions[i:]
                    break
        return self

    def cut_after(self, kind: str, nth: int = 1) -> Plan:
        """Keep everything up to and including the nth action of ``kind``."""
        seen = 0
        for i, action in enumerate(self.actions):
            if action.kind == kind:
                seen += 1
                if seen == nth:
                    del self.actions[i + 1:]
                    break
        return self

    def shift(self, days: int) -> Plan:
        delta = timedelta(days=days)
        self.received_at += delta
        for action in self.actions:
            action.at += delta
        return self

    def last(self) -> datetime:
        return self.actions[-1].at if self.actions else self.received_at


class _Staff:
    """The demo logins that work complaints; a missing or role-less one is None (the
    services then act as the system)."""

    def __init__(self):
        users = get_user_model().objects.filter(username__in=["desk", "supervisor", "engineer"])
        staff = {u.username: u for u in users if is_staff_member(u)}
        self.desk = staff.get("desk")
        self.supervisor = staff.get("supervisor")
        self.engineer = staff.get("engineer")

    def assignee(self, rng: random.Random, department: str):
        if department == Department.ENGINEERING:
            return self.engineer
        return self.supervisor if rng.random() < 0.3 else self.desk

    def desk_or_supervisor(self, rng: random.Random):
        return self.supervisor if rng.random() < 0.2 else self.desk


class _Planner:
    def __init__(self, ctx, staff: _Staff, as_of_: datetime):
        self.ctx = ctx
        self.rng: random.Random = ctx.rng
        self.staff = staff
        self.as_of = as_of_
        self.tz = timezone.get_default_timezone()
        self.windows: dict[int, ComplaintPolicy] = {}

    # -- time --------------------------------------------------------------------

    def minutes(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=self.rng.uniform(low, high))

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz)

    def received_time(self, day: date) -> datetime:
        hour = self.rng.choices(range(24), HOUR_WEIGHTS)[0]
        return self.at(day, hour, self.rng.randrange(60))

    def work_time(self, day: date) -> datetime:
        """Some time in office hours on ``day``."""
        return self.at(day, 9) + self.minutes(0, 9 * 60)

    def workday(self, moment: datetime) -> datetime:
        """``moment`` if staff are at work then (08:30–19:00), else early next morning."""
        local = self.local(moment)
        minutes = local.hour * 60 + local.minute
        if 8 * 60 + 30 <= minutes < 19 * 60:
            return moment
        day = local.date() + timedelta(days=1 if minutes >= 19 * 60 else 0)
        return self.at(day, 8, 30) + self.minutes(0, 60)

    def last_work_moment(self, deadline: datetime, *, not_before: datetime) -> datetime | None:
        """A moment in working hours shortly before ``deadline``, if there is one after
        ``not_before``."""
        local = self.local(deadline)
        minutes = local.hour * 60 + local.minute
        if 9 * 60 + 30 <= minutes < 19 * 60:
            moment = deadline - self.minutes(15, 60)
        else:
            day = local.date() - timedelta(days=0 if minutes >= 19 * 60 else 1)
            moment = self.at(day, 17, 30) + self.minutes(0, 80)
        return moment if moment >= not_before else None

    def window(self, unit: Unit, urgency: str) -> timedelta:
        policy = self.windows.get(unit.estate_id)
        if policy is None:
            policy = self.windows[unit.estate_id] = ComplaintPolicy.for_estate(unit.estate)
        return timedelta(hours=policy.promise_hours(urgency))

    # -- who and what ----------------------------------------------------------------

    def places(self, unit: Unit) -> dict[str, object]:
        rng = self.rng
        building, entrance, room = unit.number.split("-")
        floors = unit.building.floors or unit.floor
        other = unit.floor + 1 if unit.floor < floors else unit.floor - 1
        return {
            "b": building, "e": entrance, "f": unit.floor,
            "fa": min(unit.floor, other), "fb": max(unit.floor, other),
            "lf": rng.randint(1, floors),
            "up": f"{building}-{entrance}-{int(room) + 100}",
            "car": f"B{rng.randint(1, 2)}-{rng.randint(1, 380):03d}",
        }

    def plan(
        self, *, received_at: datetime, unit: Unit, issue: Issue, owner=None, tenant=None,
        urgency: str | None = None, channel: str | None = None, text: str | None = None,
    ) -> Plan:
        rng = self.rng
        urgency = urgency or rng.choice(issue.urgencies)
        if channel is None:
            channel = _pick(rng, TENANT_CHANNELS if tenant is not None else OWNER_CHANNELS)
            hour = self.local(received_at).hour
            if not 8 <= hour < 20 and channel in (Channel.WALK_IN, Channel.LETTER, Channel.MEETING):
                channel = Channel.PHONE  # the hotline is the only thing open at night
        places = self.places(unit)
        plan = Plan(
            received_at=received_at, unit=unit, issue=issue, urgency=urgency, channel=channel,
            owner=owner if tenant is None else None,
            contact_name=tenant.name if tenant is not None else "",
            contact_phone=(tenant.phone or "") if tenant is not None else "",
            description=(text or issue.text).format(**places),
            location=issue.location.format(**places),
        )
        if channel in (Channel.PHONE, Channel.WALK_IN, Channel.LETTER, Channel.MEETING):
            plan.taken_by = self.staff.desk_or_supervisor(rng)
        elif channel == Channel.PORTAL and owner is not None and owner.user_id:
            plan.taken_by = owner.user  # the owner typed it in themselves
        plan.resolution = issue.resolution.format(**places)
        return plan

    def lifecycle(
        self, plan: Plan, *, late: bool | None = None, pause: bool | None = None,
        reopen: bool | None = None, internal: bool | None = None,
    ) -> Plan:
        """Every action from assignment to the satisfied callback, at planned times."""
        rng, staff = self.rng, self.staff
        issue, urgency, r = plan.issue, plan.urgency, plan.received_at
        late = rng.random() < LATE_RATE if late is None else late
        if pause is None:
            pause = issue.pause is not None and urgency != E and rng.random() < PAUSE_RATE
        reopen = rng.random() < REOPEN_RATE if reopen is None else reopen
        internal = rng.random() < INTERNAL_NOTE_RATE if internal is None else internal
        window = self.window(plan.unit, urgency)
        department = CATEGORY_DEPARTMENT[issue.category]
        worker = staff.assignee(rng, department)
        dispatcher = staff.desk_or_supervisor(rng)
        actions = plan.actions

        # Dispatch: emergencies at once (the hotline has a night shift), the rest in office hours.
        if urgency == E:
            assign_at = r + self.minutes(3, 10)
        else:
            local = self.local(r)
            if 8 <= local.hour < 20:
                assign_at = r + self.minutes(5, 45)
            else:
                assign_at = self.workday(r) + self.minutes(0, 30)
        actions.append(Action(assign_at, "assign", {
            "department": department, "assignee": worker, "actor": dispatcher,
            "note": "请尽快联系业主。" if rng.random() < 0.2 else "",
        }))

        if urgency == E:
            start_at = assign_at + self.minutes(10, 30)
        elif urgency == U:
            start_at = self.workday(assign_at + self.minutes(20, 180))
        else:
            start_at = self.workday(assign_at + self.minutes(60, 26 * 60))
        actions.append(Action(start_at, "start", {"actor": worker}))
        base = start_at

        notes = list(issue.progress)
        if notes and rng.random() < 0.8:
            base = start_at + self.minutes(10, 60)
            actions.append(Action(base, "progress", {"actor": worker, "note": notes.pop(0)}))
        paused_for = timedelta(0)
        if pause and issue.pause is not None:
            reason, note = issue.pause
            pause_at = base + self.minutes(10, 90)
            low, high = PAUSE_DAYS[reason]
            resume_at = self.workday(pause_at + timedelta(days=rng.uniform(low, high)))
            paused_for = resume_at - pause_at
            actions.append(Action(pause_at, "pause", {
                "actor": worker, "reason": reason, "note": note,
            }))
            actions.append(Action(resume_at, "resume", {"actor": worker}))
            base = resume_at

        deadline = r + window + paused_for
        floor = base + MIN_WORK[urgency]
        if late:
            overrun = window * rng.uniform(0.05, 0.7) + self.minutes(0, 240)
            resolve_at = max(floor, deadline + overrun)
        else:
            resolve_at = max(floor, r + paused_for + window * rng.uniform(0.25, 0.9))
        if urgency != E:
            resolve_at = self.workday(resolve_at)
            if not late and resolve_at > deadline:  # the night would make it late: finish sooner
                resolve_at = self.last_work_moment(deadline, not_before=floor) or resolve_at
        if notes:
            middle = base + (resolve_at - base) * rng.uniform(0.3, 0.7)
            actions.append(Action(middle, "progress", {"actor": worker, "note": notes.pop(0)}))
        if internal:
            at = assign_at + (resolve_at - assign_at) * rng.uniform(0.1, 0.9)
            actions.append(Action(at, "note", {
                "actor": dispatcher, "note": rng.choice(INTERNAL_NOTES),
            }))
        actions.append(Action(resolve_at, "resolve", {
            "actor": worker, "resolution": plan.resolution,
        }))

        callback_at = self.workday(resolve_at + self.minutes(120, 48 * 60))
        if reopen:
            why, progress, resolution = REOPENING.get(issue.category, DEFAULT_REOPENING)
            actions.append(Action(callback_at, "reopen", {"actor": staff.desk, "reason": why}))
            again_at = self.workday(callback_at + self.minutes(60, 20 * 60))
            actions.append(Action(again_at, "progress", {"actor": worker, "note": progress}))
            floor = again_at + MIN_WORK[urgency]
            resolve_at = self.workday(max(floor, callback_at + window * rng.uniform(0.2, 0.8)))
            if resolve_at > callback_at + window:
                resolve_at = (self.last_work_moment(callback_at + window, not_before=floor)
                              or resolve_at)
            actions.append(Action(resolve_at, "resolve", {
                "actor": worker, "resolution": resolution,
            }))
            callback_at = self.workday(resolve_at + self.minutes(120, 40 * 60))
            actions.append(Action(callback_at, "close", {
                "actor": staff.desk, "note": "回访：业主对返工结果表示满意",
            }))
        else:
            actions.append(Action(callback_at, "close", {
                "actor": staff.desk, "note": rng.choice(CALLBACK_NOTES),
            }))
        actions.sort(key=lambda a: a.at)
        return plan

    def fit(self, plan: Plan, *, days_back: int = 0) -> Plan:
        """Shift the plan by whole days (times of day stay) so its last action falls in
        the day before ``as_of``, or ``days_back`` days earlier."""
        last = plan.last()
        days = math.floor((self.as_of - last) / timedelta(days=1))
        if last + timedelta(days=days) >= self.as_of:  # exactly on a day boundary
            days -= 1
        return plan.shift(days - days_back)


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


# ---------------------------------------------------------------------------
# Playing a plan through the services
# ---------------------------------------------------------------------------


def _sweep(complaint: Complaint, *, before: datetime) -> None:
    if (complaint.status in OPEN_STATUSES and complaint.paused_since is None
            and complaint.overdue_flagged_at is None):
        when = next_run("complaints.overdue_sweep", after=complaint.promised_at)
        if when < before:
            services.complaint_flag_overdue(complaint_id=complaint.pk, as_of=when)
            complaint.overdue_flagged_at = when


def play(plan: Plan, *, as_of_: datetime) -> Complaint:
    """Register the complaint and play its actions that happened before ``as_of_``."""
    complaint = services.complaint_register(
        unit=plan.unit, channel=plan.channel, category=plan.category, urgency=plan.urgency,
        description=plan.description, location=plan.location, now=plan.received_at,
        actor=plan.taken_by, owner=plan.owner, contact_name=plan.contact_name,
        contact_phone=plan.contact_phone,
    )
    for action in plan.actions:
        if action.at >= as_of_:
            break
        _sweep(complaint, before=action.at)
        now, args = action.at, action.args
        actor = args.get("actor")
        match action.kind:
            case "assign":
                complaint = services.complaint_assign(
                    complaint=complaint, department=args["department"], assignee=args["assignee"],
                    actor=actor, note=args["note"], now=now,
                )
            case "start":
                complaint = services.complaint_start(complaint=complaint, actor=actor, now=now)
            case "progress" | "note":
                services.complaint_add_progress(
                    complaint=complaint, note=args["note"], actor=actor, now=now,
                    internal=action.kind == "note",
                )
            case "pause":
                services.complaint_pause(
                    complaint=complaint, reason=args["reason"], note=args["note"], actor=actor,
                    now=now,
                )
                complaint.paused_since = now
            case "resume":
                complaint = services.complaint_resume(complaint=complaint, actor=actor, now=now)
            case "resolve":
                complaint = services.complaint_resolve(
                    complaint=complaint, resolution=args["resolution"], actor=actor, now=now,
                )
            case "reopen":
                complaint = services.complaint_reopen(
                    complaint=complaint, reason=args["reason"], actor=actor, now=now,
                )
            case "close":
                complaint = services.complaint_close_after_callback(
                    complaint=complaint, callback_note=args["note"], actor=actor, now=now,
                )
            case _:
                raise ValueError(action.kind)
    _sweep(complaint, before=as_of_)
    return complaint


def _inbox_only():
    """Keep the demo's messages in the inbox: no e-mail or SMS to made-up people."""
    return notifications.inbox_only()


# ---------------------------------------------------------------------------
# The step
# ---------------------------------------------------------------------------


class _ComplaintsBuilder:
    def __init__(self, ctx):
        self.ctx = ctx
        self.rng: random.Random = ctx.rng
        self.as_of = ctx.as_of
        self.staff = _Staff()
        self.planner = _Planner(ctx, self.staff, self.as_of)
        self.plans: list[Plan] = []
        self.owners_of = ctx.owners_by_unit()
        self.tenants_of = ctx.tenants_by_unit()
        self.units = [u for u in ctx.units if u.pk in self.owners_of]
        self.reserved: set[int] = set()  # units whose complaints are placed on purpose
        self.recent: Counter = Counter()  # (building, category) -> complaints lately

    # -- helpers -------------------------------------------------------------------

    def day(self, days_ago: float) -> date:
        return (self.as_of - timedelta(days=days_ago)).date()

    def estate(self, code: str):
        return next(e for e in self.ctx.estates if e.code == code)

    def owner(self, unit: Unit):
        return self.owners_of[unit.pk][0]

    def pick_unit(self, *, estate=None, building=None, upstairs=False, exclude=()) -> Unit:
        rng = self.rng
        while True:
            unit = self.units[rng.randrange(len(self.units))]
            if unit.pk in self.reserved or unit.pk in exclude:
                continue
            if estate is not None and unit.estate.pk != estate.pk:
                continue
            if building is not None and unit.building.pk != building.pk:
                continue
            if upstairs and unit.floor >= (unit.building.floors or unit.floor):
                continue
            return unit

    def issue_for(self, unit: Unit) -> Issue:
        rng = self.rng
        top = unit.floor >= (unit.building.floors or unit.floor)
        while True:
            category = _pick(rng, CATEGORY_WEIGHTS)
            choices = [i for i in ISSUES if i.category == category and not (i.upstairs and top)]
            if choices:
                return rng.choice(choices)

    def who(self, unit: Unit) -> dict:
        tenants = self.tenants_of.get(unit.pk)
        if tenants and self.rng.random() < TENANT_RATE:
            return {"tenant": tenants[0]}
        return {"owner": self.owner(unit)}

    def new(self, days_ago: float, issue: Issue | None = None, unit: Unit | None = None,
            received: datetime | None = None, **kwargs) -> Plan:
        """A complaint received ``days_ago`` (or at ``received``); whatever is not given is
        drawn, but a drawn one does not make a chance common issue (only placed ones do)."""
        received = received or self.planner.received_time(self.day(days_ago))
        recent = received > self.as_of - timedelta(days=CLUSTER_GUARD_DAYS)
        for _ in range(100):
            picked = unit or self.pick_unit(upstairs=bool(issue and issue.upstairs))
            kind = issue or self.issue_for(picked)
            if not recent or self.recent[(picked.building.pk, kind.category)] < 2:
                break
        if "owner" not in kwargs and "tenant" not in kwargs:
            kwargs.update(self.who(picked))
        return self.planner.plan(received_at=received, unit=picked, issue=kind, **kwargs)

    def add(self, plan: Plan) -> Plan:
        self.plans.append(plan)
        if plan.received_at > self.as_of - timedelta(days=CLUSTER_GUARD_DAYS):
            self.recent[(plan.unit.building.pk, plan.category)] += 1
        return plan

    # -- what the demo shows ---------------------------------------------------------

    def background(self) -> None:
        """Ordinary complaints over three months: mostly closed by now, the recent ones
        wherever their planned life has got to."""
        for _ in range(BACKGROUND_COMPLAINTS):
            days_ago = self.rng.uniform(0.5, HISTORY_DAYS)
            self.add(self.planner.lifecycle(self.new(days_ago)))

    def placed(self) -> None:
        """At least a few complaints in each state the pages show."""
        rng, planner = self.rng, self.planner
        waiting = (ISSUE["bins"], ISSUE["stair_lights"], ISSUE["night_noise"], ISSUE["shop_music"])
        # Came in last evening; the desk assigns them this morning.
        for issue in waiting:
            received = planner.at(self.day(1), rng.randint(19, 22), rng.randrange(60))
            self.add(self.new(1, issue, received=received, urgency=N,
                              channel=rng.choice((Channel.PHONE, Channel.WECHAT))))
        routine = rng.sample(ROUTINE, 9)
        # Assigned, work not started yet; two of them long past their promise.
        for days_ago in (1, 1, 2, 2, 3):
            plan = self.new(days_ago, routine.pop(), urgency=N)
            self.add(planner.lifecycle(plan).cut_after("assign"))
        for issue in (ISSUE["weeds"], ISSUE["corridor_stuff"]):
            plan = self.new(rng.uniform(6, 10), issue, urgency=N)
            self.add(planner.lifecycle(plan, internal=False).cut_after("assign"))
        # In progress, on schedule.
        for days_ago in (1, 2, 2, 3):
            plan = planner.lifecycle(self.new(days_ago, routine.pop(), urgency=N), late=False)
            self.add(plan.cut_before("resolve"))
        # In progress with the clock paused: parts, an absent owner, the utility company.
        for key in ("lift", "window", "leak", "rusty_water", "barrier", "damp_wall"):
            plan = self.new(rng.uniform(2, 9), ISSUE[key], urgency=U if key == "lift" else N)
            self.add(planner.lifecycle(plan, pause=True).cut_after("pause"))
        # In progress and past the promise.
        for key in ("drain", "garage_water", "aircon"):
            plan = self.new(rng.uniform(6, 14), ISSUE[key])
            self.add(planner.lifecycle(plan, late=True, pause=False).cut_before("resolve"))
        # Reopened at the callback, back in progress.
        for key in ("socket", "space_taken"):
            plan = self.new(12, ISSUE[key])
            plan = planner.lifecycle(plan, reopen=True, late=False).cut_before("resolve", 2)
            self.add(planner.fit(plan))
        # Resolved, the callback still to come (within 3 days).
        for back in (0, 0, 0, 1, 1, 2, 0, 1):
            plan = planner.lifecycle(self.new(10), reopen=False).cut_before("close")
            self.add(planner.fit(plan, days_back=back))
        plan = planner.lifecycle(self.new(14), reopen=True).cut_before("close")
        self.add(planner.fit(plan))

    def common_issue(self) -> None:
        """Lift faults in 翠湖花园 3栋 (the latest waiting for parts) and a morning when
        锦绣华庭 5栋 had no water: the same category in the same building, often."""
        rng, planner, ctx = self.rng, self.planner, self.ctx
        cuihu, jinxiu = self.estate("cuihu"), self.estate("jinxiu")
        lift = ISSUE["lift"]
        building = next(b for b in ctx.buildings if b.estate.pk == cuihu.pk and b.number == "3")
        for i, days_ago in enumerate((26, 17, 9, 3)):
            unit = self.pick_unit(building=building)
            self.reserved.add(unit.pk)
            plan = self.new(days_ago, lift, unit, owner=self.owner(unit),
                            urgency=E if i == 1 else U)
            if i < 3:
                self.add(planner.lifecycle(plan, pause=i == 0, reopen=False))
            else:
                plan = planner.lifecycle(plan, pause=True, reopen=False).cut_after("pause")
                pause_at = plan.actions[-1].at
                plan.actions.append(Action(pause_at + self.planner.minutes(60, 180), "note", {
                    "actor": self.staff.supervisor,
                    "note": "3栋电梯30天内第4次报修，已要求维保单位出具整改方案，评估更换曳引机。",
                }))
                self.add(plan)
        outage = ISSUE["water_outage"]
        building = next(b for b in ctx.buildings if b.estate.pk == jinxiu.pk and b.number == "5")
        day = self.day(20)
        for minute in (7 * 60 + 10, 7 * 60 + 25, 8 * 60 + 5):
            unit = self.pick_unit(building=building)
            self.reserved.add(unit.pk)
            received = planner.at(day, minute // 60, minute % 60)
            plan = planner.plan(received_at=received, unit=unit, issue=outage,
                                owner=self.owner(unit), urgency=U,
                                channel=rng.choice((Channel.PHONE, Channel.WECHAT)))
            self.add(planner.lifecycle(plan, late=False, pause=False, reopen=False))

    def repeat_complainer(self) -> None:
        """One owner-occupier who has complained four times in three months."""
        planner, cuihu = self.planner, self.estate("cuihu")
        while True:
            unit = self.pick_unit(estate=cuihu, upstairs=True)
            if len(self.owners_of[unit.pk]) == 1 and unit.pk not in self.tenants_of:
                break
        self.reserved.add(unit.pk)
        owner = self.owner(unit)
        story = (
            (70, "reno_noise", {"late": False, "reopen": False}),
            (41, "crack", {"reopen": True, "late": False}),
            (19, "no_callback", {"late": True, "reopen": False}),
        )
        for days_ago, key, how in story:
            plan = self.new(days_ago, ISSUE[key], unit, owner=owner)
            self.add(planner.lifecycle(plan, pause=False, **how))
        plan = self.new(4, ISSUE["night_noise"], unit, owner=owner, urgency=N)
        plan = planner.lifecycle(plan, late=False, pause=False, internal=False)
        plan.cut_before("resolve")
        plan.actions.append(Action(plan.actions[0].at + planner.minutes(30, 90), "note", {
            "actor": self.staff.supervisor,
            "note": "该业主90天内第4次投诉，主管已亲自上门沟通，处理进度每天电话告知业主。",
        }))
        plan.actions.sort(key=lambda a: a.at)
        self.add(plan)

    def demo_owner(self) -> None:
        """The portal owner: a closed complaint from before the repeat-complainer window, one
        resolved yesterday awaiting its callback, one waiting for the tenant to be home."""
        owner, planner = self.ctx.demo_owner, self.planner
        if owner is None:
            return
        units = [o.unit for o in self.ctx.current_ownerships if o.owner.pk == owner.pk]
        home = next(u for u in units if u.estate.code == "cuihu")
        let = next((u for u in units if u.pk != home.pk), home)
        self.reserved.update(u.pk for u in units)
        top = home.floor >= (home.building.floors or home.floor)
        first = ISSUE["drain"] if top else ISSUE["leak"]
        plan = self.new(HISTORY_DAYS + 6, first, home, owner=owner, channel=Channel.PORTAL)
        plan = planner.lifecycle(plan, late=False, pause=not top, reopen=False, internal=False)
        for action in plan.actions:
            if action.kind == "close":
                action.args["note"] = "回访：业主表示满意，感谢师傅耐心细致"
        self.add(plan)
        plan = self.new(4, ISSUE["branches"], home, owner=owner, channel=Channel.PORTAL, urgency=N)
        plan = planner.lifecycle(plan, late=False, pause=False, reopen=False, internal=False)
        self.add(planner.fit(plan.cut_before("close")))
        plan = self.new(5, ISSUE["window"], let, owner=owner, channel=Channel.PORTAL, urgency=N,
                        text="租户反映主卧窗户关不严，下雨往里渗水，麻烦安排师傅上门")
        plan.issue = replace(ISSUE["window"], pause=(
            PauseReason.OWNER_AWAY, "房屋出租中，租户出差，约好周末在家时上门更换胶条"))
        self.add(planner.lifecycle(plan, pause=True, reopen=False).cut_after("pause"))

    # -- writing -----------------------------------------------------------------------

    def write_complaints(self) -> None:
        self.plans.sort(key=lambda p: p.received_at)  # numbers follow the order they came in
        for plan in self.plans:
            play(plan, as_of_=self.as_of)

    def write_suggestions(self) -> None:
        rng, planner, staff, ctx = self.rng, self.planner, self.staff, self.ctx
        days = {
            SuggestionStatus.ADOPTED: (20, 85), SuggestionStatus.DECLINED: (20, 85),
            SuggestionStatus.UNDER_REVIEW: (7, 25), SuggestionStatus.RECEIVED: (0.5, 4),
        }
        planned = []
        for i, spec in enumerate(SUGGESTIONS):
            unit = self.pick_unit()
            owner, channel = self.owner(unit), _pick(rng, {
                Channel.WECHAT: 4, Channel.PHONE: 2, Channel.WALK_IN: 2, Channel.LETTER: 1,
            })
            if i % 7 == 3:  # raised at the owners' meeting: nobody in particular
                unit, owner, channel = None, None, Channel.MEETING
            estate = unit.estate if unit is not None else ctx.estates[i % len(ctx.estates)]
            day = self.day(rng.uniform(*days[spec.outcome]))
            if channel in (Channel.WECHAT, Channel.PHONE):
                received = planner.received_time(day)
            else:  # handed in at the desk, by letter or at a meeting
                received = planner.work_time(day)
            planned.append((received, estate, unit, owner, channel, spec))
        owner = ctx.demo_owner
        if owner is not None:
            home = next(o.unit for o in ctx.current_ownerships
                        if o.owner.pk == owner.pk and o.unit.estate.code == "cuihu")
            received = planner.received_time(self.day(38))
            planned.append(
                (received, home.estate, home, owner, Channel.PORTAL, DEMO_OWNER_SUGGESTION)
            )
        planned.sort(key=lambda row: row[0])
        for received, estate, unit, owner, channel, spec in planned:
            if channel == Channel.PORTAL:
                taken_by = owner.user if owner is not None and owner.user_id else None
            else:
                taken_by = None if channel == Channel.WECHAT else staff.desk
            suggestion = services.suggestion_submit(
                estate=estate, unit=unit, owner=owner, channel=channel, subject=spec.subject,
                content=spec.content, now=received, actor=taken_by,
            )
            if spec.outcome == SuggestionStatus.RECEIVED:
                continue
            review_at = planner.work_time((received + timedelta(days=rng.randint(1, 3))).date())
            if review_at >= self.as_of:
                continue
            suggestion = services.suggestion_start_review(
                suggestion=suggestion, now=review_at, actor=staff.desk_or_supervisor(rng),
            )
            if spec.outcome == SuggestionStatus.UNDER_REVIEW:
                continue
            decide_at = planner.work_time((review_at + timedelta(days=rng.randint(3, 14))).date())
            if decide_at >= self.as_of:
                decide_at = review_at + planner.minutes(60, 180)
            services.suggestion_decide(
                suggestion=suggestion, adopt=spec.outcome == SuggestionStatus.ADOPTED,
                reply=spec.reply, now=decide_at, actor=staff.supervisor,
            )

    def count(self) -> None:
        now = self.as_of
        totals = Complaint.objects.aggregate(
            all=Count("id"),
            **{s: Count("id", filter=Q(status=s)) for s in Status.values},
            paused=Count("id", filter=Q(paused_since__isnull=False)),
            overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, paused_since__isnull=True,
                                         promised_at__lt=now)),
            reopened=Count("id", filter=Q(reopen_count__gt=0)),
            late=Count("id", filter=Q(late_by__isnull=False)),
            done=Count("id", filter=Q(resolved_at__isnull=False)),
        )
        ideas = Suggestion.objects.aggregate(
            all=Count("id"), **{s: Count("id", filter=Q(status=s)) for s in SuggestionStatus.values}
        )
        self.ctx.counts.update({
            "complaints": totals["all"],
            "complaints_received": totals[Status.RECEIVED],
            "complaints_assigned": totals[Status.ASSIGNED],
            "complaints_in_progress": totals[Status.IN_PROGRESS],
            "complaints_paused": totals["paused"],
            "complaints_overdue": totals["overdue"],
            "complaints_resolved": totals[Status.RESOLVED],
            "complaints_closed": totals[Status.CLOSED],
            "complaints_reopened": totals["reopened"],
            "complaints_resolved_late": totals["late"],
            "complaints_resolved_on_time": totals["done"] - totals["late"],
            "suggestions": ideas["all"],
            "suggestions_received": ideas[SuggestionStatus.RECEIVED],
            "suggestions_under_review": ideas[SuggestionStatus.UNDER_REVIEW],
            "suggestions_adopted": ideas[SuggestionStatus.ADOPTED],
            "suggestions_declined": ideas[SuggestionStatus.DECLINED],
        })


def plan_complaints(ctx) -> _ComplaintsBuilder:
    """Plan the complaints (``builder.plans``) from the context's generator; nothing is
    written. Reads only the demo users and the complaint policies."""
    builder = _ComplaintsBuilder(ctx)
    builder.demo_owner()
    builder.common_issue()
    builder.repeat_complainer()
    builder.placed()
    builder.background()
    return builder


def seed_complaints(ctx) -> None:
    """The step: complaints and suggestions over the ``HISTORY_DAYS`` before ``ctx.today``."""
    builder = plan_complaints(ctx)
    with _inbox_only():
        builder.write_complaints()
        builder.write_suggestions()
    builder.count()
