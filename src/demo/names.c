#include "demo/names.h"

#include <stdio.h>
#include <string.h>

#include "base/banned.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define WORDS(name, ...)                                                                           \
    static const char *const name##_w[] = {__VA_ARGS__};                                           \
    const struct demo_words name = {name##_w, N(name##_w)}

const struct demo_province demo_provinces[] = {
    {"JS", "江苏省"}, {"ZJ", "浙江省"},   {"SD", "山东省"}, {"HA", "河南省"}, {"SC", "四川省"},
    {"HB", "湖北省"}, {"HN", "湖南省"},   {"HE", "河北省"}, {"AH", "安徽省"}, {"FJ", "福建省"},
    {"JX", "江西省"}, {"SX", "山西省"},   {"SN", "陕西省"}, {"LN", "辽宁省"}, {"JL", "吉林省"},
    {"HL", "黑龙江省"}, {"GS", "甘肃省"}, {"QH", "青海省"}, {"NX", "宁夏"},   {"XJ", "新疆"},
    {"XZ", "西藏"},   {"BJ", "北京市"},   {"TJ", "天津市"}, {"SH", "上海市"}, {"CQ", "重庆市"},
    {"JB", "冀北"},   {"MD", "蒙东"},
};
const int demo_nprovinces = N(demo_provinces);

/* City supply companies first (the big units), then the province-wide specialised ones. */
const struct demo_unit_name demo_units[] = {
    {"东州供电公司", true, 6},  {"江城供电公司", true, 6},      {"临海供电公司", true, 5},
    {"青山供电公司", true, 5},  {"安平供电公司", true, 5},      {"长河供电公司", true, 4},
    {"云岭供电公司", true, 4},  {"石城供电公司", true, 4},      {"平川供电公司", true, 4},
    {"湖阳供电公司", true, 4},  {"南屏供电公司", true, 3},      {"北原供电公司", true, 3},
    {"西陵供电公司", true, 3},  {"金溪供电公司", true, 3},      {"丰泽供电公司", true, 3},
    {"宁远供电公司", true, 3},  {"清河供电公司", true, 3},      {"白沙供电公司", true, 2},
    {"凤台供电公司", true, 2},  {"桐乡供电公司", true, 2},      {"检修公司", false, 4},
    {"信息通信公司", false, 2}, {"电力科学研究院", false, 2},   {"经济技术研究院", false, 2},
    {"物资公司", false, 2},     {"营销服务中心", false, 2},     {"技能培训中心", false, 1},
    {"建设分公司", false, 2},   {"送变电工程公司", false, 3},   {"综合服务中心", false, 1},
    {"电力交易中心", false, 1}, {"超高压分公司", false, 2},     {"水电分公司", false, 1},
    {"产业发展公司", false, 2}, {"特高压建设分公司", false, 1},
};
const int demo_nunits = N(demo_units);

WORDS(demo_departments, "办公室", "党委党建部", "发展策划部", "财务资产部", "人力资源部",
      "安全监察部", "运维检修部", "营销部", "建设部", "物资部", "调度控制中心", "经济技术研究所",
      "信息通信分公司", "变电运维室", "变电检修室", "输电运检室", "配电运检室", "电缆运检室",
      "计量中心", "客户服务中心", "综合服务中心", "供电服务指挥中心", "审计部", "纪委办公室",
      "工会办公室", "科技互联网部", "设备管理部", "后勤服务中心");

const struct demo_gb_name demo_gbs[] = {
    {"变电运维中心", "变电运维", "班"},     {"输电运检中心", "输电运检", "班"},
    {"配电运检中心", "配电运检", "班"},     {"城区供电中心", "城区供电", "所"},
    {"营销服务中心", "营销服务中心第", ""}, {"调度控制中心", "调控运行", "班"},
    {"客户服务中心", "客户服务中心第", ""}, {"变电检修中心", "变电检修", "班"},
    {"电缆运检中心", "电缆运检", "班"},     {"县域供电中心", "乡镇供电", "所"},
};
const int demo_ngbs = N(demo_gbs);

WORDS(demo_meeting_titles, "支部党员大会", "支部委员会会议", "党小组会", "专题党课", "集中学习研讨",
      "专题组织生活会");
WORDS(demo_lecture_titles, "学习贯彻党的二十大精神", "弘扬电网铁军精神",
      "以高质量党建引领电网高质量发展", "坚持人民电业为人民", "守牢安全生产底线",
      "全面从严治党永远在路上", "党章党规党纪学习", "践行社会主义核心价值观");
WORDS(demo_themeday_titles, "主题党日：重温入党誓词", "主题党日：走进红色教育基地",
      "主题党日：党员服务进社区", "主题党日：安全隐患大排查", "主题党日：迎峰度夏保供电",
      "主题党日：学习身边榜样", "主题党日：志愿服务进乡村", "主题党日：廉洁文化教育");
WORDS(demo_task_titles, "完成支部年度学习计划", "开展党员责任区巡查", "组织“光明驿站”服务",
      "完成党建工作台账整理", "开展廉洁风险排查", "完成迎峰度夏保电任务", "参与抢修攻坚突击队",
      "开展红色电力宣讲");
WORDS(demo_pioneer_titles, "党员先锋岗", "党员责任区", "党员示范岗", "党员攻坚队");
WORDS(demo_innovation_titles, "QC小组成果", "实用新型专利", "发明专利", "合理化建议被采纳",
      "职工技术创新成果", "数字化应用成果");
WORDS(demo_award_titles, "优秀共产党员", "先进工作者", "劳动模范", "岗位能手", "青年岗位能手",
      "抗灾抢险先进个人");
WORDS(demo_commendation_titles, "抢修保电表现突出", "优质服务获客户表扬", "安全生产通报表扬",
      "重大活动保电通报表扬", "技能竞赛获奖");
WORDS(demo_violation_titles, "作业现场未正确佩戴安全帽", "未按规定执行工作票", "登高作业未系安全带",
      "倒闸操作未唱票复诵", "违规使用个人工具");
WORDS(demo_sanction_titles, "党内警告", "党内严重警告", "政务警告");
WORDS(demo_volunteer_titles, "社区用电安全宣传", "关爱留守儿童", "无偿献血", "敬老院义务检修",
      "乡村振兴志愿服务");
/* Resident id-card area codes: mostly the company's province, some from elsewhere. */
WORDS(demo_area_codes, "330102", "330106", "330203", "330302", "330402", "330502", "330602",
      "330702", "330802", "330902", "331002", "331102", "330281", "330382", "340104", "360102",
      "410105", "430102", "510104");

static const struct {
    const char *name;
    int weight;
} positions[] = {
    {"专责", 24},    {"技术员", 10}, {"工程师", 12}, {"高级工程师", 6}, {"班长", 10},
    {"副班长", 5},   {"主任", 4},    {"副主任", 5},  {"运维员", 10},    {"值班员", 5},
    {"客户经理", 5}, {"会计", 2},    {"检修工", 6},
};

const char *demo_position(struct demo_rng *r)
{
    int w[N(positions)];
    for (int i = 0; i < N(positions); i++)
        w[i] = positions[i].weight;
    return positions[demo_rng_pick(r, w, N(positions))].name;
}

/* Surnames with rough frequencies (per mille of the population), then common ones. */
static const struct {
    const char *name;
    int weight;
} surnames[] = {
    {"王", 71},  {"李", 70},  {"张", 66},  {"刘", 53}, {"陈", 45}, {"杨", 31}, {"黄", 24},
    {"赵", 23},  {"吴", 20},  {"周", 20},  {"徐", 15}, {"孙", 15}, {"马", 14}, {"朱", 13},
    {"胡", 13},  {"郭", 12},  {"何", 12},  {"高", 11}, {"林", 11}, {"罗", 10}, {"郑", 10},
    {"梁", 9},   {"谢", 8},   {"宋", 8},   {"唐", 8},  {"许", 7},  {"韩", 7},  {"冯", 7},
    {"邓", 7},   {"曹", 7},   {"彭", 6},   {"曾", 6},  {"肖", 6},  {"田", 6},  {"董", 5},
    {"袁", 5},   {"潘", 5},   {"于", 5},   {"蒋", 5},  {"蔡", 5},  {"余", 5},  {"杜", 5},
    {"叶", 5},   {"程", 5},   {"苏", 4},   {"魏", 4},  {"吕", 4},  {"丁", 4},  {"任", 4},
    {"沈", 4},   {"姚", 4},   {"卢", 4},   {"姜", 4},  {"崔", 4},  {"钟", 4},  {"谭", 3},
    {"陆", 3},   {"汪", 3},   {"范", 3},   {"金", 3},  {"石", 3},  {"廖", 3},  {"贾", 3},
    {"夏", 3},   {"韦", 3},   {"付", 3},   {"方", 3},  {"白", 3},  {"邹", 3},  {"孟", 3},
    {"熊", 3},   {"秦", 3},   {"邱", 3},   {"江", 3},  {"尹", 3},  {"薛", 3},  {"段", 3},
    {"雷", 3},   {"侯", 3},   {"龙", 3},   {"史", 3},  {"陶", 3},  {"黎", 3},  {"贺", 3},
    {"顾", 3},   {"毛", 3},   {"郝", 2},   {"龚", 2},  {"邵", 2},  {"万", 2},  {"钱", 2},
    {"严", 2},   {"武", 2},   {"戴", 2},   {"莫", 2},  {"孔", 2},  {"向", 2},  {"汤", 2},
    {"欧阳", 1}, {"司马", 1}, {"诸葛", 1},
};

WORDS(male_chars, "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉",
      "鹏", "华", "飞", "鑫", "波", "宁", "俊", "峰", "浩", "宇", "建", "国", "志", "文", "海",
      "东", "林", "晨", "亮", "龙", "翔", "凯", "健", "永", "成", "兵", "武", "彬", "博", "新",
      "锋", "旭", "坤", "振", "庆", "学", "阳", "嘉", "毅", "力", "卫", "德", "荣", "洋", "晖");
WORDS(female_chars, "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "慧",
      "莹", "琳", "倩", "洁", "颖", "晶", "红", "梅", "琴", "萍", "月", "欣", "悦", "佳", "蕾",
      "璐", "薇", "楠", "婧", "瑶", "丹", "蓉", "露", "冰", "雯", "妍", "怡");
WORDS(first_chars, "子", "思", "文", "晓", "海", "春", "秋", "雨", "明", "永", "建", "志", "国",
      "云", "天", "家", "俊", "嘉", "宏", "立", "新", "玉", "金", "一", "梓", "宇", "少", "世",
      "佳", "卫", "红", "亚", "晨", "振", "雅", "丽");

const char *demo_word(struct demo_rng *r, const struct demo_words *w)
{
    return w->w[demo_rng_below(r, (uint64_t)w->n)];
}

void demo_person_name(struct demo_rng *r, bool male, char *out, size_t n)
{
    int w[N(surnames)];
    const struct demo_words *g = male ? &male_chars : &female_chars;
    for (int i = 0; i < N(surnames); i++)
        w[i] = surnames[i].weight;
    const char *sur = surnames[demo_rng_pick(r, w, N(surnames))].name;
    if (demo_rng_chance(r, 0.28)) /* one-character given names are common in older people */
        snprintf(out, n, "%s%s", sur, demo_word(r, g));
    else
        snprintf(out, n, "%s%s%s", sur, demo_word(r, demo_rng_chance(r, 0.5) ? &first_chars : g),
                 demo_word(r, g));
}

void demo_numeral(int v, char *out, size_t n)
{
    static const char *const digits[] = {"", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
    if (v < 1 || v > 99)
        snprintf(out, n, "%d", v);
    else if (v < 10)
        snprintf(out, n, "%s", digits[v]);
    else
        snprintf(out, n, "%s十%s", v / 10 == 1 ? "" : digits[v / 10], digits[v % 10]);
}
