// Calendar checks for configured dates: Date.parse('2025-02-30T00:00:00Z') quietly gives 2 March, and a
// start date that does not exist is a mistake to report, not to round.

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))?$/;

/** True when the YYYY-MM-DD part names a day that exists and the time (if any) is within 00:00:00-23:59:59. */
export function isRealDate(text: string): boolean {
  const m = DATE_TIME.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  const last = new Date(0);
  last.setUTCFullYear(year, month, 0); // day 0 of the next month: the last day of this one (years 0-99 too)
  const daysInMonth = last.getUTCDate();
  if (day > daysInMonth) return false;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) > 59)) return false;
  const offset = m[8];
  if (offset && offset.length === 6 && (Number(offset.slice(1, 3)) > 23 || Number(offset.slice(4, 6)) > 59)) return false;
  return !Number.isNaN(Date.parse(text));
}

/** isRealDate for a full date-time (a date alone does not count). */
export function isRealDateTime(text: string): boolean {
  return /[Tt ]\d{2}:/.test(text) && isRealDate(text);
}
