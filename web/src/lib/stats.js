// Reading GET /api/v1/stats/logins?org_id=&month=YYYYMM:
// {org_id, month, logins, users, previous, change (ratio against the previous month, null when
// the previous month had none), daily: [{day: "2026-11-01", logins}]}

// one bar a day, labelled by the day of the month
export function dailyLogins(stats) {
  return (stats?.daily || []).map((d) => ({ name: String(Number(d.day.slice(8, 10))), value: d.logins }));
}
