// /master/roles/schedule: GET the schedule in force with each role's state; PUT a new one (the
// document as in --role_schedule; a bad one gets 400 naming the field and the old one stays);
// DELETE it (back to no schedule: every role active, no cap). A PUT or DELETE answers once the
// registry has the change, and persists across restarts (see role-schedule.ts for how it and
// the file take turns).

import type { Hono } from "hono";
import { parseRoleScheduleText, scheduleDocumentBytesMax } from "../allocator/role-schedule/index.ts";
import type { Master } from "./master.ts";
import { replaceRoleSchedule } from "./role-schedule.ts";
import { roleScheduleJson } from "./role-schedule-status.ts";

export const roleSchedulePath = "/master/roles/schedule";

export function mountRoleScheduleApi(app: Hono, m: Master): void {
  app.get(roleSchedulePath, (c) => c.json(roleScheduleJson(m, c.req.query("agents") !== undefined)));
  app.put(roleSchedulePath, async (c) => {
    const text = await c.req.text();
    if (text.length > scheduleDocumentBytesMax) return c.text(`schedule: the document is ${text.length} bytes; at most ${scheduleDocumentBytesMax}`, 400);
    const parsed = parseRoleScheduleText(text);
    if (!parsed.ok) {
      m.logger.warn({ problem: parsed.problem }, "role schedule refused");
      return c.text(parsed.problem, 400);
    }
    await replaceRoleSchedule(m, parsed.value, "api", m.roleSchedule.fileSha256);
    return c.json(roleScheduleJson(m, false));
  });
  app.delete(roleSchedulePath, async (c) => {
    await replaceRoleSchedule(m, undefined, "api", m.roleSchedule.fileSha256);
    return c.json(roleScheduleJson(m, false));
  });
}
