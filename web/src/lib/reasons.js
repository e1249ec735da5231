// The server's reason codes (error.details[].code, docs/openapi.json ErrorDetail) in Chinese,
// with the item's parameters: field or column, row, index, value, limit, min, max, state.
// Pure (no Vue, no i18n) so that the API tests can read REASONS and fail when the server can
// send a code that has no text here (tests/api/reasons.test.mjs).

// Field, column and query-parameter names as the user knows them (API and CSV English names).
export const FIELD_LABELS = {
  emp_no: '工号', name: '姓名', gender: '性别', birth_date: '出生日期', joined_date: '入党日期',
  party_status: '党员类型', status: '状态', category: '人员类别', org_id: '组织', org_code: '组织编码',
  id_card: '身份证号', phone: '手机号', position: '职务', code: '编码', parent_code: '上级组织编码',
  parent_id: '上级组织', kind: '类型', secretary_emp_no: '书记工号', secretary_id: '书记',
  amount_fen: '金额', monthly_fen: '月收入', monthly_income_yuan: '月收入（元）', voluntary_fen: '自愿多交金额',
  month: '月份', months: '月份', year: '年度', from: '开始', to: '结束', from_month: '起始月份',
  to_month: '截止月份', verified_by: '核定人', member_id: '党员', channel: '缴费方式', external_ref: '外部单号',
  payer: '缴款人', reason: '原因', request_key: '请求编号', note: '备注', approved_by: '批准人',
  approver_role: '批准人职务', approved_on: '批准日期', approval_ref: '批准文件', plan_id: '计划',
  task_id: '任务', payment_id: '缴费记录', case_id: '整改事项', webhook_id: '推送地址', notice_id: '通知',
  todo_id: '待办', bill_ids: '账单', bill_id: '账单', version: '版本', period: '期间', as_of: '截至日期',
  today: '日期', target: '目标值', weight: '权重', metric: '计量方式', freq: '频次', indicator: '指标',
  role: '责任角色', remind_days: '提前提醒天数', 'applies_to.kinds': '适用组织类型',
  'applies_to.under_org_id': '适用范围', 'applies_to.with_groups': '含党小组', applies_to: '适用范围',
  text: '说明', attachment: '附件', action: '操作', state: '状态', level: '预警级别', format: '格式',
  url: '推送地址', secret: '密钥', retry_seconds: '重试间隔', max_attempts: '最多尝试次数', login: '登录名',
  password: '密码', q: '搜索词', page: '页码', page_size: '每页条数', dry_run: '预览', sheet: '工作表', value: '数值',
  date: '日期', key: '事件编号', detail: '详情', items: '明细', tasks: '任务', visibility: '可见范围',
  scope: '范围', weights: '维度权重', rules: '计分规则', base: '基础分', veto_months: '一票否决月数',
  veto_cap: '否决后上限', gap: '分差', effective_month: '生效月份', dimension: '维度', cap: '上限',
  points: '分值', value_points: '分值表', mode: '计分方式', veto: '一票否决', remit_share_bp: '上缴比例',
  result: '结果', provider_ref: '支付单号', paid_at: '支付时间', id: '编号', type: '类型',
  // completeness of the sources' data (GET/PUT /api/v1/sources/{id}/expect, /api/v1/feeds/quality)
  indicators: '指标', complete_day: '数据截止日', cadence: '交付周期', source_id: '数据源',
  source: '数据源', expectation: '数据源交付声明',
  max_bytes: '单条消息上限', active: '启用',
  // feeds (PUT /api/v1/sources/{id}/feed)
  credential: '令牌或签名密钥', mapping: '字段映射', every_seconds: '拉取间隔', window_months: '接收月数',
  enabled: '启用', feed: '数据源', http: '接口设置', 'http.paging': '分页方式', 'http.auth': '认证方式',
  'http.rows': '数据行所在路径', 'http.next': '下一游标所在路径', 'http.has_more': '“还有更多”所在路径',
  'http.page_param': '页码参数名', 'http.size_param': '每页条数参数名', 'http.cursor_param': '游标参数名',
  'http.key_id': '密钥编号', 'http.first_page': '起始页码', 'http.timeout_seconds': '超时',
};

// wrong_state's state
export const STATE_LABELS = {
  paid: '已缴纳', exempt: '免缴', base_missing: '缺少核定的收入基数', unpublished: '尚未发布',
  not_generated: '尚未生成账单', nothing_owed: '没有应上缴的党费', changed: '已被他人修改',
  counted: '由业务数据自动统计', pending: '待支付', reversed: '已冲正', failed: '支付失败', active: '正常',
  open: '已立案', notified: '已通知', acknowledged: '已签收', reported: '已报告整改',
  returned: '已退回', verified: '已核实', closed: '已关闭',
};

export const KIND_LABELS = { committee: '党委', general_branch: '党总支', branch: '党支部', group: '党小组' };

// 'items[1].chanel' → 「缴费方式」 (nearest known name); a header as written (爱好) stays.
export function fieldLabel(name) {
  if (!name) return '';
  const s = String(name);
  const plain = s.replace(/\[\d+\]/g, '');
  const last = plain.split('.').pop();
  return FIELD_LABELS[plain] || FIELD_LABELS[last] || s;
}

const quoted = (name) => (name ? `「${fieldLabel(name)}」` : '');
const shown = (v) => (v === undefined || v === null || v === '' ? '' : `“${v}”`);
const yuan = (fen) => (Number(fen) / 100).toFixed(2);

function range(d) {
  if (d.min !== undefined && d.max !== undefined) return `（应在 ${d.min} 到 ${d.max} 之间）`;
  if (d.min !== undefined) return `（不能小于 ${d.min}）`;
  if (d.max !== undefined) return `（不能大于 ${d.max}）`;
  return '';
}

// One function per reason: (item, F) → text, where F is the quoted field label (or '该项').
export const REASONS = {
  required: (d, F) => `${F}为必填项`,
  not_string: (d, F) => `${F}应为文字`,
  not_integer: (d, F) => `${F}应为整数`,
  not_number: (d, F) => `${F}应为数字`,
  not_boolean: (d, F) => `${F}应为“是”或“否”（true 或 false）`,
  not_object: (d, F) => `${F}格式不正确`,
  not_array: (d, F) => `${F}应为一组内容（列表）`,
  too_long: (d, F) => `${F}过长${d.limit !== undefined ? `（最多 ${d.limit} 个字）` : ''}`,
  too_short: (d, F) => `${F}过短${d.limit !== undefined ? `（至少 ${d.limit} 个字）` : ''}`,
  too_many: (d, F) => `${F}数量过多${d.limit !== undefined ? `（最多 ${d.limit} 个）` : ''}`,
  out_of_range: (d, F) => `${F}${shown(d.value)}超出允许的范围${range(d)}`,
  invalid_format: (d, F) => `${F}${shown(d.value)}格式不正确`,
  invalid_choice: (d, F) => `${F}${shown(d.value)}不是可选的值`,
  invalid_date: (d, F) => `${F}${shown(d.value)}：日期格式不正确（应为 2024-03-05 这样的日期）`,
  invalid_month: (d, F) => `${F}${shown(d.value)}：月份格式不正确（应为 202403 这样的年月）`,
  invalid_period: (d, F) => `${F}${shown(d.value)}：期间格式不正确（应为 2024-03、2024Q1、2024H1 或 2024）`,
  invalid_id_card: (d, F) => `${F}${shown(d.value)}不是有效的 18 位身份证号码`,
  invalid_phone: (d, F) => `${F}${shown(d.value)}不是有效的 11 位手机号码`,
  invalid_amount: (d, F) => `${F}${shown(d.value)}不是有效的金额`,
  in_future: (d, F) => `${F}${shown(d.value)}不能是将来的时间`,
  not_over: (d, F) => `${F}${shown(d.value)}还没有结束`,
  mismatch: (d, F) =>
    `${F}${shown(d.value)}与其他内容不一致${d.limit !== undefined && /_fen$/.test(d.field || '') ? `（应为 ${yuan(d.limit)} 元）` : ''}`,
  invalid_json: () => '请求内容不是有效的 JSON，请刷新页面后重试',
  invalid_csv: () => '文件无法按 CSV 表格读取，请在 Excel 中另存为“CSV UTF-8”后重试',
  invalid_xlsx: () => 'Excel 文件无法读取（文件损坏、不是 .xlsx 工作簿或超出大小限制），请在 Excel 中重新保存后重试',
  merged_cells: (d) => `表头中有合并的单元格${quoted(d.column)}，请取消合并，让每一列都有自己的表头`,
  unknown_column: (d) => `表头中有无法识别的列${quoted(d.column)}`,
  missing_column: (d) => `缺少必需的列${quoted(d.column)}`,
  duplicate_column: (d) => `列${quoted(d.column)}出现了两次`,
  unknown_field: (d) => `请求中有系统不认识的字段${quoted(d.field)}${d.suggestion ? `（是否应为${quoted(d.suggestion)}？）` : ''}`,
  unknown_org: (d, F) => `${F}${shown(d.value)}：找不到该组织`,
  unknown_member: (d, F) => `${F}${shown(d.value)}：找不到该党员`,
  unknown_indicator: (d, F) => `${F}${shown(d.value)}：找不到该指标`,
  not_found: (d, F) => `${F}${shown(d.value)}不存在`,
  outside_scope: (d, F) => `${F}${shown(d.value)}不在您的管理范围内`,
  not_allowed: () => '您的角色无权进行此操作',
  duplicate: (d, F) => `${F}${shown(d.value)}已存在或重复`,
  wrong_state: (d, F) =>
    `${F}${shown(d.value)}${d.state ? `当前${STATE_LABELS[d.state] || `状态为“${d.state}”`}，` : '当前状态下'}不能进行此操作`,
  wrong_org_kind: (d, F) => `${F}：该组织类型${KIND_LABELS[d.value] ? `（${KIND_LABELS[d.value]}）` : ''}不适用于此操作`,
  member_needs_branch: () => '党员只能编入党支部，请选择一个党支部',
  plan_needs_committee: () => '量化计划只能由党委或党总支制定，党支部请查看上级下达的计划',
  bulletin_needs_committee: () => '通报只能为党委或党总支生成，党支部请查看本支部的计划进度',
  tree_cycle: () => '不能把组织移到它自己或它的下级组织之下',
  insufficient_funds: (d) => `银行存款余额不足${d.limit !== undefined ? `（现有 ${yuan(d.limit)} 元）` : ''}`,
  not_scored: () => '所选月份还没有先锋指数的计算结果',
  node_unavailable: () => '存放这部分数据的数据库节点暂时无法连接',
  other_tenant: () => '不能把组织或党员移到另一个省公司（租户）之下，各省公司的数据彼此独立',
};

// Where the problem is: a CSV row, an item of a list.
function where(d) {
  if (Number.isInteger(d.row)) return `第 ${d.row} 行`;
  if (Number.isInteger(d.index)) return `第 ${d.index + 1} 项`;
  return '';
}

/** Whether the item's code has a Chinese text here. */
export function knownReason(d) {
  return !!d && typeof d === 'object' && Object.hasOwn(REASONS, d.code);
}

/** One details item in Chinese: "第 3 行「出生日期」：日期格式不正确（…）"; null for an unknown code. */
export function reasonText(d) {
  if (!knownReason(d)) return null;
  const name = d.column ?? d.field;
  return `${where(d)}${REASONS[d.code](d, name ? quoted(name) : '该项')}`;
}

/** The server's English, marked as such: for a code (or an error) this app cannot word. */
export function serverSaid(message) {
  return message ? `服务器返回“${message}”` : '';
}

/** A refused CSV import's summary: "4 errors in 6 rows: nothing imported" in Chinese. */
export function importSummary(message, nitems) {
  const m = /^(\d+) errors? in (\d+) rows?/.exec(message || '');
  const n = m ? Number(m[1]) : nitems;
  const more = m && Number(m[1]) > nitems ? `（列出前 ${nitems} 处）` : '';
  return `文件中有 ${n} 处错误，没有导入任何内容${more}`;
}
